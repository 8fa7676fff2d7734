// Float PixelCNN++ weights -> the exact engine's integer weights
// (picnic/engine.h): activation exponents from calibration maxima, the unit
// conversions of the mixture parameters folded into the output layer, and
// every layer quantized by QuantizeDense, which proves that no accumulator
// can overflow (or fails, naming the layer).
#ifndef PICNIC_EXPORT_H_
#define PICNIC_EXPORT_H_

#include <string>
#include <vector>

#include "picnic/engine.h"
#include "picnic/status.h"
#include "picnic/visibility.h"
#include "picnic/weights.h"

namespace picnic {

struct ExportOptions {
  // Activations are int16 within +-act_max, and each one's exponent leaves
  // `headroom` above its calibrated maximum. The whole int16 range pays: on
  // the photo model, 32767 and 1.5 cost 0.06 % against the float NLL where
  // 8191 and 2 cost 0.46 % (moon 0.18 % against 1.64 %; README "Results").
  // A larger headroom can leave the output layer's mean rows no accumulator
  // exponent (the export then fails, naming the layer).
  int act_max = 32767;
  double headroom = 1.5;
  int calib_crop = 64;       // calibration crops (side), on a grid over each image
  int calib_crops_per_image = 4;
  std::vector<std::string> calib_paths;  // images or folders
};

struct ExportReport {
  int calib_images = 0;
  double worst_accumulator_bound = 0;  // largest sum |w| max|a| + |b| over all layers, / 2^31
  int clipped_tensors = 0;             // tensors whose calibrated maximum exceeds the int16 range
};

PICNIC_EXPORT Result<IntWeights> ExportIntWeights(const LoadedWeights& w, const ExportOptions& options,
                                                  ExportReport* report);

// The same from tensors and activation maxima (tests use it with made-up weights).
PICNIC_EXPORT Result<IntWeights> ExportIntWeightsFromMaxima(const LoadedWeights& w,
                                                            const ActivationMaxima& maxima,
                                                            const ExportOptions& options,
                                                            ExportReport* report);

// The fingerprint (hex, as FingerprintHex) of the float weights integer
// weights were exported from, as ExportIntWeights records it in their
// metadata; empty if not recorded. Tells whether a float model's NLL speaks
// for files coded with the integer weights.
PICNIC_EXPORT std::string SourceWeightsFingerprint(const IntWeights& w);

}  // namespace picnic

#endif  // PICNIC_EXPORT_H_
