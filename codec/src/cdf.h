// The one place where distributions become the integer CDFs the range coder
// uses (DESIGN.md, "Determinism"). Compiled with -ffp-contract=off and no
// fast-math, so encoder and decoder get the same counts on one platform.
#ifndef PICNIC_CODEC_CDF_H_
#define PICNIC_CODEC_CDF_H_

#include <cstdint>

#include "picnic/mixture.h"
#include "picnic/probability_model.h"
#include "picnic/status.h"

namespace picnic {

constexpr int kCdfSize = kNumSymbols + 1;

// Builds cdf[0..256] with cdf[0] = 0, cdf[256] = 2^precision and every symbol
// at least one count (a "leaky" quantizer, as in constriction: no value is
// ever impossible, however confident the model).
// kMixture: the discretized logistic mixture of PixelCNN++ (Salimans et al.
// 2017; discretized_mix_logistic_loss in openai/pixel-cnn): bin v covers
// v * 2/255 - 1 +- 1/255, bin 0 takes all mass below, bin 255 all above,
// log-scales clamped below at kMinLogScale, weights softmax(logits).
// kCounts: proportional to the frequencies (zeros allowed, not all zero).
// Returns kInvalidArgument for a precision outside
// [kMinCdfPrecision, kMaxCdfPrecision] and kModelError for non-finite or
// otherwise unusable parameters.
Status BuildCdf(const Distribution& d, int precision, uint32_t* cdf);

// The exact (double) probabilities of the 256 bins of a mixture, summing to
// 1 up to rounding. BuildCdf quantizes exactly these; exposed for tests and
// for measuring how much quantization costs.
Status MixtureProbabilities(const SubpixelMixture& m, double* pmf);

// Leaky quantization of a pmf (non-negative, finite, positive sum; need not
// be normalized) to a CDF totalling 2^precision. REQUIRES: precision valid.
Status QuantizePmf(const double* pmf, int precision, uint32_t* cdf);

// Integer version for frequency counts; exact, no floating point at all.
Status QuantizeCounts(const uint32_t* counts, int precision, uint32_t* cdf);

}  // namespace picnic

#endif  // PICNIC_CODEC_CDF_H_
