// Measuring one image: picnic's real file and round trip, the model's NLL
// over the same tiles, the external codecs. Returns a Row and prints
// nothing; failures are in the row (failed, error), notes in row.notes.
#ifndef PICNIC_TOOLS_REPORT_MEASURE_H_
#define PICNIC_TOOLS_REPORT_MEASURE_H_

#include <functional>
#include <string>

#include "external.h"
#include "picnic/picnic.h"
#include "picnic/weights.h"
#include "rows.h"

namespace picnic_report {

struct MeasureOptions {
  std::string model;  // --model, when there are no weights
  // The exact engine's integer weights (NAME.pnq) files are coded with, as
  // compress codes them, and their fingerprint (the file records it); empty:
  // files are coded with the float weights (or the built-in model).
  std::string int_weights_path;
  uint64_t int_fingerprint = 0;
  int tile_size = picnic::kDefaultTileSize;
  int tiles_per_batch = 0;
  int threads = 0;        // 0: all cores
  int effort = picnic::kDefaultEffort;
  bool pictures = false;  // previews and heatmaps (--html)
  bool model_only = false;  // EncodeOptions::choose_tile_modes = false
  bool recalibrate = true;  // EncodeOptions::recalibrate
  bool calibration_map = true;  // EncodeOptions::calibration_map
  bool error_feedback = true;   // EncodeOptions::error_feedback
};

// The external codecs to run and where their files go.
struct Baselines {
  std::vector<const ExternalCodec*> codecs;  // installed ones, in table order
  std::string tmp_dir;
};

// A progress callback for a stage ("[1/3] a.png encode"); may return nullptr.
using ProgressFactory = std::function<picnic::ProgressFn(const std::string& label)>;

// `weights`: the float model whose NLL is measured (nullptr: no NLL).
// `label`: how progress names this image.
Row MeasureImage(const MeasureOptions& opt, const std::string& path, const std::string& label,
                 const picnic::LoadedWeights* weights, const picnic::ModelProvider& provider,
                 const Baselines& baselines, const ProgressFactory& progress);

}  // namespace picnic_report

#endif  // PICNIC_TOOLS_REPORT_MEASURE_H_
