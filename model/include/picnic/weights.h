// picnic's own weights format, loadable by any LibTorch version (docs/DESIGN.md,
// "Determinism": the fingerprint identifies the exact weights):
//
//   offset  size  field
//   0       8     magic "PICNICW1"
//   8       4     format version (uint32 LE) = 1
//   12      4     metadata length L (uint32 LE)
//   16      L     metadata: UTF-8 JSON object with at least "name" and
//                 "architecture" {"type": "pixelcnn++", "nr_filters",
//                 "nr_resnet", "nr_logistic_mix", "dropout"}; free-form
//                 "training" record
//   ..      4     tensor count N
//   N times:      name length (uint32), name, ndim (uint32),
//                 dims (int64 each), float32 data (little-endian)
//   ..      8     fingerprint (uint64 LE): FNV-1a 64 over the tensor
//                 section (all bytes from the tensor count to here)
//
// The fingerprint identifies the exact weights; .pnc files record it.
#ifndef PICNIC_WEIGHTS_H_
#define PICNIC_WEIGHTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "picnic/pixelcnn.h"
#include "picnic/status.h"
#include "picnic/visibility.h"

namespace picnic {

struct LoadedWeights {
  std::string name;
  std::string metadata_json;
  uint64_t fingerprint = 0;
  std::string path;
  PixelCnn model{nullptr};
};

// Fingerprint of a model's current parameters (what SaveWeights would store).
PICNIC_EXPORT uint64_t WeightsFingerprint(const PixelCnn& model);

// Writes atomically. metadata_json must be a JSON object; "name" and
// "architecture" are set from the arguments.
PICNIC_EXPORT Status SaveWeights(const std::string& path, const PixelCnn& model, const std::string& name,
                                 const std::string& metadata_json);

// Reads and checks magic, version, shapes against the architecture, and the
// fingerprint. The model is returned in eval mode.
PICNIC_EXPORT Result<LoadedWeights> LoadWeights(const std::string& path);

// Resolves --model NAME|PATH: an existing file path, or NAME.pnw in the
// model folders (picnic/model_dirs.h).
PICNIC_EXPORT Result<std::string> FindWeights(const std::string& name_or_path);
// Every weights file those folders hold.
PICNIC_EXPORT std::vector<std::string> ListWeights();

}  // namespace picnic

#endif  // PICNIC_WEIGHTS_H_
