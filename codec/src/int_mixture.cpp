// The integer discretized logistic (picnic/mixture.h, "integer form"). No
// floating point anywhere in this file: what it computes feeds CDFs that
// must agree bit for bit on every machine.
#include <algorithm>

#include "int_logistic.h"
#include "picnic/fixed_math.h"
#include "picnic/mixture.h"

namespace picnic {
namespace {

int32_t Clamp32(int64_t v, int32_t lo, int32_t hi) {
  return static_cast<int32_t>(std::min<int64_t>(std::max<int64_t>(v, lo), hi));
}

// tanh(c) = 2 sigmoid(2c) - 1, in Q31 (signed).
int64_t TanhQ31(int32_t c_q16) {
  const int64_t two_c = 2 * static_cast<int64_t>(std::max(std::min(c_q16, 1 << 24), -(1 << 24)));
  return 2 * static_cast<int64_t>(fixed::SigmoidQ31(two_c)) - (int64_t{1} << 31);
}

// log2 sigmoid(t) in Q16 for t far below 0 (sigmoid(t) < 2^-19): t log2 e,
// accurate to about 2^-19 there.
int32_t Log2SigmoidTail(int64_t t_q16) {
  const int64_t v = (t_q16 * fixed::kLog2eQ30) >> 30;
  return static_cast<int32_t>(std::max<int64_t>(v, -(int64_t{1} << 24)));
}

}  // namespace

int32_t IntLog2BinProbability(int32_t mean_q16, int32_t log2_inv_scale_q16, int v) {
  const IntLogistic l(mean_q16, log2_inv_scale_q16);
  constexpr int64_t kOne = int64_t{1} << 31;
  const int64_t lo_t = l.T(v * 65536 - 32768), hi_t = l.T(v * 65536 + 32768);
  const int64_t lo = v == 0 ? 0 : fixed::SigmoidQ31(lo_t);
  const int64_t hi = v == kNumSymbols - 1 ? kOne : fixed::SigmoidQ31(hi_t);
  const int64_t diff = hi - lo;
  // A bin under 1/64 of the scale wide spans only a few Q16 steps of t: the
  // table difference is coarse there, the density formula below exact.
  const bool narrow = log2_inv_scale_q16 < -6 * 65536 && v != 0 && v != kNumSymbols - 1;
  if (!narrow && diff >= (int64_t{1} << 12)) return fixed::Log2Q16(static_cast<uint64_t>(diff)) - 31 * 65536;
  // Far in a tail, where the table difference has too few bits.
  if (v == 0) return Log2SigmoidTail(hi_t);
  if (v == kNumSymbols - 1) return Log2SigmoidTail(-lo_t);
  // Interior bin far in a tail. A bin narrower than the scale (inverse scale
  // < 1): density at the centre times the bin width, log2 p = log2 inv_scale
  // - |t| log2 e - 2 log2(1 + e^-|t|). A wider one lies where the logistic
  // is e^-|t|: p = e^-|t_near| (1 - e^-inv_scale).
  if (log2_inv_scale_q16 < 0) {
    int64_t t = l.T(v * 65536);
    if (t < 0) t = -t;
    const int64_t x = (t * fixed::kLog2eQ30) >> 30;  // |t| log2 e, Q16
    const uint32_t e = x >= (int64_t{31} << 16) ? 0 : fixed::Exp2NegQ30(static_cast<uint32_t>(x));
    const int64_t corr = 2 * (static_cast<int64_t>(fixed::Log2Q16((uint64_t{1} << 30) + e)) - 30 * 65536);
    return Clamp32(static_cast<int64_t>(log2_inv_scale_q16) - x - corr, -(1 << 24), 0);
  }
  const int64_t near = std::min(lo_t < 0 ? -lo_t : lo_t, hi_t < 0 ? -hi_t : hi_t);
  const int64_t x = (near * fixed::kLog2eQ30) >> 30;
  // 1 - e^-inv_scale with inv_scale >= 1: at least 0.63, plenty of bits in Q30.
  const int64_t delta = std::max<int64_t>(hi_t - lo_t, 65536);  // inverse scale, Q16
  const int64_t dx = (delta * fixed::kLog2eQ30) >> 30;
  const uint32_t ed = dx >= (int64_t{31} << 16) ? 0 : fixed::Exp2NegQ30(static_cast<uint32_t>(dx));
  const int64_t width = fixed::Log2Q16((uint64_t{1} << 30) - ed) - 30 * 65536;
  return Clamp32(width - x, -(1 << 24), 0);
}

IntSubpixelMixture IntChannelMixture(const int32_t* raw, int num_mix, int c, const uint8_t* decoded) {
  IntSubpixelMixture m;
  m.num_mixtures = num_mix;
  const int64_t r2 = c >= 1 ? 2 * decoded[0] - 255 : 0;  // 2 (R - 127.5)
  const int64_t g2 = c >= 2 ? 2 * decoded[1] - 255 : 0;
  for (int k = 0; k < num_mix; ++k) {
    auto mean_of = [&](int ch) {
      int64_t mean = raw[MixtureMeanIndex(num_mix, ch, k)];
      // mean_bin moves by tanh(coeff) * (R - 127.5) (the [-1, 1] scale's
      // tanh(coeff) * r, in bins); Q31 * 2(R - 127.5) >> 16 is Q16.
      if (ch >= 1) mean += fixed::RoundShift64(TanhQ31(raw[MixtureCoeffIndex(num_mix, ch == 1 ? 0 : 1, k)]) * r2, 16);
      if (ch == 2) mean += fixed::RoundShift64(TanhQ31(raw[MixtureCoeffIndex(num_mix, 2, k)]) * g2, 16);
      return Clamp32(mean, kIntMinMean, kIntMaxMean);
    };
    auto scale_of = [&](int ch) {
      return Clamp32(raw[MixtureLogScaleIndex(num_mix, ch, k)], kIntMinLog2InvScale, kIntMaxLog2InvScale);
    };
    int64_t logit = raw[MixtureLogitIndex(num_mix, k)];
    for (int done = 0; done < c; ++done)
      logit += IntLog2BinProbability(mean_of(done), scale_of(done), decoded[done]);
    m.log2_weights[k] = Clamp32(logit, -kIntMaxAbsLog2Weight, kIntMaxAbsLog2Weight);
    m.means[k] = mean_of(c);
    m.log2_inv_scales[k] = scale_of(c);
  }
  return m;
}

}  // namespace picnic
