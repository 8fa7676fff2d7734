// One image's measurements (a Row), and what the report says about the run
// as a whole (ReportContext). Plain data: measure.h fills them, totals.h
// sums them, writers.h prints them.
#ifndef PICNIC_TOOLS_REPORT_ROWS_H_
#define PICNIC_TOOLS_REPORT_ROWS_H_

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "codecs.h"
#include "picnic/image.h"
#include "picnic/status.h"

namespace picnic_report {

inline constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

struct CodecResult {
  bool have = false;
  uint64_t bytes = 0;
  double encode_seconds = kNan;  // NaN: not measured (PNG as stored)
  double decode_seconds = kNan;
};

struct Row {
  std::string path;
  int width = 0, height = 0;
  picnic::ChannelLayout layout = picnic::ChannelLayout::kRgb;
  uint64_t subpixels = 0;        // all channels, alpha included
  uint64_t color_subpixels = 0;  // what the NLL scores
  bool failed = false;
  bool verified = false;
  picnic::Status status;  // failed: why
  std::string error;      // status.ToString()
  std::vector<std::string> notes;  // for stderr while measuring, not in the outputs
  bool have_nll = false;
  double nll_bits = 0;
  CodecResult codecs[kNumCodecs];
  std::string heatmap_png_b64, original_png_b64;  // --html only
  float heatmap_max_bits = 0;
  int preview_width = 0;

  bool has_alpha() const { return picnic::HasAlpha(layout); }
  double Bpsp(int c) const {
    return codecs[c].have && subpixels ? codecs[c].bytes * 8.0 / static_cast<double>(subpixels)
                                       : kNan;
  }
  double NllBpsp() const {
    return have_nll && color_subpixels ? nll_bits / static_cast<double>(color_subpixels) : kNan;
  }
  // File bits against NLL bits; meaningless with alpha (not in the NLL).
  double Overhead() const {
    if (!have_nll || has_alpha() || nll_bits <= 0 || !codecs[kPicnic].have) return kNan;
    return codecs[kPicnic].bytes * 8.0 / nll_bits - 1.0;
  }
};

struct ReportContext {
  std::string model_name;
  std::string fingerprint;  // empty: no NLL (model without weights)
  std::string weights_path;
  int threads = 0;
  int effective_threads = 0;
  int tile_size = 0;
  int tiles_per_batch = 0;
  int effort = 0;
  bool recalibrate = true;
  bool calibration_map = true;
  bool error_feedback = true;
  std::vector<std::string> notes;
  // The machine and build (the timings mean little without them).
  std::string picnic_version;
  int nproc = 0;
  std::string cpu;
};

}  // namespace picnic_report

#endif  // PICNIC_TOOLS_REPORT_ROWS_H_
