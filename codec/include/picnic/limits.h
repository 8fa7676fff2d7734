// picnic's limits and defaults, in one place: the public API (picnic.h)
// includes them, and so do the codec's internals that need a constant but
// not the API.
#ifndef PICNIC_LIMITS_H_
#define PICNIC_LIMITS_H_

#include <cstdint>
#include <string>

namespace picnic {

// Named CDF precision: every CDF sums to 2^kDefaultCdfPrecision. Files
// before the wide range coder (2026-12-02) all have 16; precisions above 16
// select the wide coder (codec/FORMAT.md), whose 2^24 lets the 256 symbols'
// one-count floor cost nothing measurable.
constexpr int kDefaultCdfPrecision = 24;
constexpr int kMinCdfPrecision = 12;
constexpr int kMaxCdfPrecision = 24;
constexpr int kDefaultTileSize = 128;
// When EncodeOptions::tiles_per_batch is 0 the encoder spreads the tiles
// evenly over its threads, at most this many per batch (memory stays bounded
// by the batch, not the image) and at most 2048 pixels of tile width per
// batch (enc_picnic.cpp). Recorded in the file: a model's arithmetic
// may depend on the batch composition, so the decoder rebuilds the same
// batches whatever its own thread count.
constexpr int kDefaultTilesPerBatch = 64;
// The most tiles one batch may hold, in files and in EncodeOptions. A
// decoder keeps model state for one batch per thread, so this (and not the
// image size) bounds its memory besides the output image; a file asking for
// more is refused (kLimitExceeded) before anything is allocated.
constexpr int kMaxTilesPerBatch = 1024;
constexpr uint64_t kDefaultMaxPixels = uint64_t{1} << 28;  // 268 Mpixel

// Encoder effort (EncodeOptions::effort, compress -e).
constexpr int kMinEffort = 1;
constexpr int kMaxEffort = 3;
// 1: the model with online recalibration (EncodeOptions::recalibrate),
// the image coded as given, encoding in about the decode time. 2, the
// default: first chooses the orientation (EncodeOptions::orientation) by
// coding the image's centred quarter in each of the eight, when the image
// is at least kMinSampledOrientationSide on each side (about 2.6x effort 1's
// encode time; README, Orientation). 3: codes the whole
// image in all eight, then fits per-image offsets to the model on every
// tile (ProbabilityModel::Study) and, since recalibration corrects much of
// the same error, keeps them only if the file is smaller: about ten times
// effort 1's encode time (README, Results). Decoding is no slower at any.
constexpr int kDefaultEffort = 2;
constexpr int kSampledOrientationEffort = 2;
constexpr int kMinSampledOrientationSide = 128;
constexpr int kStudyEffort = 3;

// The one test and message for a CDF precision, wherever one comes from
// (options, a file, the CDF builder); each caller picks its status code.
constexpr bool IsValidCdfPrecision(int p) { return p >= kMinCdfPrecision && p <= kMaxCdfPrecision; }
inline std::string CdfPrecisionError(int p) {
  return "CDF precision " + std::to_string(p) + " is outside [" + std::to_string(kMinCdfPrecision) + ", " +
         std::to_string(kMaxCdfPrecision) + "]";
}

}  // namespace picnic

#endif  // PICNIC_LIMITS_H_
