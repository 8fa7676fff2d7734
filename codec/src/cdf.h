// The one place where distributions become the integer CDFs the range coder
// uses (docs/DESIGN.md, "Determinism"). Compiled with -ffp-contract=off and no
// fast-math, so encoder and decoder get the same counts on one platform.
#ifndef PICNIC_CODEC_CDF_H_
#define PICNIC_CODEC_CDF_H_

#include <cstdint>

#include "int_logistic.h"
#include "picnic/mixture.h"
#include "picnic/probability_model.h"
#include "picnic/status.h"

namespace picnic {

constexpr int kCdfSize = kNumSymbols + 1;

// floor(n / d) for n < 2^59 and d >= 1, given reciprocal = floor((2^64 - 1)
// / d): a multiplication in place of a division (which takes 10 to 90
// cycles, depending on the CPU, on the decoder's search path). Exact:
// reciprocal >= 2^64 / d - 1, so n * reciprocal / 2^64 lies within n / 2^64
// < 1/32 below n / d, and the estimate is floor(n / d) or one less.
inline uint64_t DivideByReciprocal(uint64_t n, uint64_t d, uint64_t reciprocal) {
  uint64_t q = static_cast<uint64_t>((static_cast<unsigned __int128>(n) * reciprocal) >> 64);
  q += n - q * d >= d;
  return q;
}

// A distribution's quantized CDF: cdf(0) = 0, cdf(256) = 2^precision, every
// symbol at least one count (a "leaky" quantizer, as in constriction: no
// value is ever impossible, however confident the model).
//
// kMixture: the discretized logistic mixture of PixelCNN++ (Salimans et al.
// 2017; discretized_mix_logistic_loss in openai/pixel-cnn): bin v covers
// v * 2/255 - 1 +- 1/255, bin 0 takes all mass below, bin 255 all above,
// log-scales clamped below at kMinLogScale, weights softmax(logits). With F(v)
// the mixture's CDF at bin v's lower edge (double precision),
//   cdf(v) = v + floor(F(v) * (2^precision - 256)),
// which is strictly increasing because F is monotone and each term of its
// fixed-order sum is. It is evaluated on demand: the encoder needs two
// values per symbol and the decoder's search eight (binary search) or, from
// a guess (Guess), about three, instead of the 256 edges of a table, ten
// logistics each.
// kIntMixture: the same mixture in the exact engine's integer form
// (picnic/mixture.h), all integer arithmetic: weights w_k = 2^(lw_k - max lw)
// in Q24, F_k(v) = SigmoidQ31(t_k at bin v's lower edge), F = sum w_k F_k /
// sum w_k (integer division), cdf(v) = v + (F * (2^precision - 256)) >> 31.
// Monotone because every F_k is; identical on every machine.
// kCounts: proportional to the frequencies (zeros allowed, not all zero),
// tabulated exactly in integers (QuantizeCounts).
class QuantizedCdf {
 public:
  // Errors: kInvalidArgument for a precision outside [kMinCdfPrecision,
  // kMaxCdfPrecision]; kModelError for non-finite or unusable parameters.
  Status Init(const Distribution& d, int precision);
  // REQUIRES: Init() returned ok; 0 <= v <= 256.
  uint32_t operator()(int v) const {
    return tabulated_ ? table_[v] : integer_ ? IntMixtureAt(v) : MixtureAt(v);
  }
  // kIntMixture only, after Init: code with G(F) instead of F, G given by
  // the knots of an online calibration map (pit_remap.h; nullptr: none).
  void SetRemap(const uint32_t* knots) { remap_ = knots; }
  bool remapped() const { return remap_ != nullptr; }
  // kIntMixture only: the mixture's F at bin v's lower edge (Q31; 0 at
  // v = 0, 2^31 at v = 256) before the map, and the count operator() would
  // give without it. Values operator() computed are remembered, so the
  // coded value's two cost nothing after coding it.
  uint32_t RawF(int v) const;
  uint32_t RawCount(int v) const { return RawCount(v, RawF(v)); }
  // The same given RawF(v).
  uint32_t RawCount(int v, uint32_t raw_f) const {
    return v <= 0 ? 0 : v >= kNumSymbols ? uint32_t{1} << precision_ : CountOf(v, raw_f);
  }
  // A guess of the symbol whose counts hold `target` (< 2^precision), for
  // the decoder's search to start from (RangeDecoder::DecodeWith): the
  // quantile at target / 2^precision of one logistic matched to the
  // mixture (its weighted mean; its scale from the weighted mean of the
  // log-scales, widened by the spread of the means), through the map's
  // inverse (to first order) if one is set. kIntMixture only (-1 otherwise).
  // Floating point: it steers the search, it cannot change its result.
  int Guess(uint64_t target) const;

 private:
  uint32_t MixtureAt(int v) const;
  uint32_t IntMixtureAt(int v) const;
  Status InitInt(const IntSubpixelMixture& m);

  uint32_t IntMixtureF(int v) const;
  // cdf(v) = v + (F * (2^precision - 256)) >> 31 for F in Q31, 0 < v < 256.
  uint32_t CountOf(int v, uint64_t f) const {
    const uint64_t spare = (uint64_t{1} << precision_) - kNumSymbols;
    return static_cast<uint32_t>(v) + static_cast<uint32_t>((f * spare) >> 31);
  }

  bool tabulated_ = false;
  bool integer_ = false;
  const uint32_t* remap_ = nullptr;
  // F of values asked since Init, by v mod kRawSlots: raw_f_[i] is F of
  // raw_v_[i] (-1: none). A search asks a handful of values, those it ends
  // with among them; one that a later value displaced is computed again. A
  // few cache lines, not a table of 257 (the network's pass between two
  // pixels evicts whatever this touches).
  static constexpr int kRawSlots = 16;
  mutable int16_t raw_v_[kRawSlots];
  mutable uint32_t raw_f_[kRawSlots];
  uint64_t int_weights_[kMaxMixtures];  // Q24, components with weight 0 dropped
  uint64_t int_weight_sum_ = 0;
  uint64_t int_weight_reciprocal_ = 0;  // floor((2^64 - 1) / int_weight_sum_), DivideByReciprocal
  int32_t int_log2_inv_scales_[kMaxMixtures];  // Q16, for Guess
  IntLogistic int_components_[kMaxMixtures];
  uint32_t table_[kNumSymbols + 1];
  int precision_ = 0;
  int num_mixtures_ = 0;
  double weights_[kMaxMixtures];
  double means_[kMaxMixtures];
  double inv_scales_[kMaxMixtures];
};

// Tabulates QuantizedCdf: cdf[0..256].
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
