#include "cdf.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "picnic/limits.h"
#include "pit_remap.h"

namespace picnic {
namespace {

Status CheckPrecision(int precision) {
  if (!IsValidCdfPrecision(precision)) return Status(StatusCode::kInvalidArgument, CdfPrecisionError(precision));
  return Status::Ok();
}

// Turns per-symbol counts (each >= 1) into the cumulative table.
void CountsToCdf(const uint32_t* freq, uint32_t* cdf) {
  cdf[0] = 0;
  for (int s = 0; s < kNumSymbols; ++s) cdf[s + 1] = cdf[s] + freq[s];
}

// Gives `extra` (0 <= extra < kNumSymbols) symbols one more count: those with
// the largest remainders, ties to the lower symbol. The order is total, so
// the chosen set does not depend on how nth_element gets there.
template <typename Remainder>
void DistributeLeftover(const Remainder* remainder, int extra, uint32_t* freq) {
  if (extra <= 0) return;
  int order[kNumSymbols];
  for (int s = 0; s < kNumSymbols; ++s) order[s] = s;
  auto before = [remainder](int a, int b) {
    return remainder[a] > remainder[b] || (remainder[a] == remainder[b] && a < b);
  };
  if (extra < kNumSymbols) std::nth_element(order, order + extra, order + kNumSymbols, before);
  for (int i = 0; i < extra; ++i) ++freq[order[i]];
}

// Removes `excess` counts, one at a time from the currently largest symbol
// (ties to the lower one), never below 1. Only floating-point rounding leads
// here, so excess is a handful at most.
void RemoveExcess(int64_t excess, uint32_t* freq) {
  while (excess > 0) {
    int best = 0;
    for (int s = 1; s < kNumSymbols; ++s) {
      if (freq[s] > freq[best]) best = s;
    }
    if (freq[best] <= 1) return;  // cannot happen: total >= 2^12 > 256
    --freq[best];
    --excess;
  }
}

// Logistic CDF and its complement at t, each computed on the side where it
// is small, so that both tails keep full relative precision.
struct Tails {
  double below;  // sigmoid(t)
  double above;  // sigmoid(-t) = 1 - sigmoid(t)
};

Tails LogisticTails(double t) {
  const double e = std::exp(-std::fabs(t));
  const double big = 1.0 / (1.0 + e);
  const double small = e / (1.0 + e);
  return t >= 0 ? Tails{big, small} : Tails{small, big};
}

Status CheckMixture(const SubpixelMixture& m) {
  if (m.num_mixtures < 1 || m.num_mixtures > kMaxMixtures) {
    return Status(StatusCode::kModelError,
                  "mixture has " + std::to_string(m.num_mixtures) + " components; expected 1.." +
                      std::to_string(kMaxMixtures));
  }
  const int n = m.num_mixtures;
  for (int k = 0; k < n; ++k) {
    if (!std::isfinite(m.logits[k]) || !std::isfinite(m.means[k]) ||
        !std::isfinite(m.log_scales[k])) {
      return Status(StatusCode::kModelError,
                    "non-finite mixture parameter in component " + std::to_string(k) +
                        " (logit " + std::to_string(m.logits[k]) + ", mean " +
                        std::to_string(m.means[k]) + ", log-scale " +
                        std::to_string(m.log_scales[k]) + ")");
    }
  }
  return Status::Ok();
}

}  // namespace

Status QuantizeCounts(const uint32_t* counts, int precision, uint32_t* cdf) {
  PICNIC_RETURN_IF_ERROR(CheckPrecision(precision));
  if (counts == nullptr) return Status(StatusCode::kModelError, "model returned no counts");
  uint64_t total = 0;
  for (int s = 0; s < kNumSymbols; ++s) total += counts[s];
  if (total == 0) return Status(StatusCode::kModelError, "model returned all-zero counts");
  const uint64_t spare = (uint64_t{1} << precision) - kNumSymbols;
  uint32_t freq[kNumSymbols];
  uint64_t remainder[kNumSymbols];
  uint64_t assigned = 0;
  for (int s = 0; s < kNumSymbols; ++s) {
    const uint64_t scaled = counts[s] * spare;  // < 2^32 * 2^16
    freq[s] = 1 + static_cast<uint32_t>(scaled / total);
    remainder[s] = scaled % total;
    assigned += scaled / total;
  }
  // Sum of remainders is (spare - assigned) * total < 256 * total.
  DistributeLeftover(remainder, static_cast<int>(spare - assigned), freq);
  CountsToCdf(freq, cdf);
  return Status::Ok();
}

Status QuantizePmf(const double* pmf, int precision, uint32_t* cdf) {
  PICNIC_RETURN_IF_ERROR(CheckPrecision(precision));
  double sum = 0;
  for (int s = 0; s < kNumSymbols; ++s) {
    if (!std::isfinite(pmf[s]) || pmf[s] < 0) {
      return Status(StatusCode::kModelError,
                    "probability of value " + std::to_string(s) + " is " + std::to_string(pmf[s]));
    }
    sum += pmf[s];
  }
  if (!(sum > 0) || !std::isfinite(sum)) {
    return Status(StatusCode::kModelError, "probabilities sum to " + std::to_string(sum));
  }
  const int64_t spare = (int64_t{1} << precision) - kNumSymbols;
  const double scale = static_cast<double>(spare) / sum;
  uint32_t freq[kNumSymbols];
  double remainder[kNumSymbols];
  int64_t assigned = 0;
  for (int s = 0; s < kNumSymbols; ++s) {
    double scaled = pmf[s] * scale;
    if (scaled > static_cast<double>(spare)) scaled = static_cast<double>(spare);  // rounding
    const double whole = std::floor(scaled);
    freq[s] = 1 + static_cast<uint32_t>(whole);
    remainder[s] = scaled - whole;
    assigned += static_cast<int64_t>(whole);
  }
  int64_t leftover = spare - assigned;
  // Rounding in `scale` may leave the floors a little over or under; fix up
  // deterministically either way.
  while (leftover >= kNumSymbols) {
    for (int s = 0; s < kNumSymbols; ++s) ++freq[s];
    leftover -= kNumSymbols;
  }
  if (leftover > 0) DistributeLeftover(remainder, static_cast<int>(leftover), freq);
  if (leftover < 0) RemoveExcess(-leftover, freq);
  CountsToCdf(freq, cdf);
  return Status::Ok();
}

Status MixtureProbabilities(const SubpixelMixture& m, double* pmf) {
  PICNIC_RETURN_IF_ERROR(CheckMixture(m));
  const int n = m.num_mixtures;
  // Mixture weights: softmax, shifted by the largest logit so exp never
  // overflows; at least one weight is exactly 1 before normalization.
  double max_logit = m.logits[0];
  for (int k = 1; k < n; ++k) max_logit = std::max(max_logit, static_cast<double>(m.logits[k]));
  double weights[kMaxMixtures];
  double weight_sum = 0;
  for (int k = 0; k < n; ++k) {
    weights[k] = std::exp(static_cast<double>(m.logits[k]) - max_logit);
    weight_sum += weights[k];
  }

  for (int s = 0; s < kNumSymbols; ++s) pmf[s] = 0;
  Tails edge[kNumSymbols - 1];  // edge j separates bins j and j + 1
  for (int k = 0; k < n; ++k) {
    const double w = weights[k] / weight_sum;
    if (w == 0) continue;
    const double log_scale = std::max(static_cast<double>(m.log_scales[k]),
                                      static_cast<double>(kMinLogScale));
    const double inv_scale = std::exp(-log_scale);
    const double mean = m.means[k];
    for (int j = 0; j < kNumSymbols - 1; ++j) {
      const double x = (2.0 * j + 1.0) / 255.0 - 1.0;  // upper edge of bin j: PixelToUnit(j) + kBinHalfWidth, kept in this exact form (old float files)
      edge[j] = LogisticTails(inv_scale * (x - mean));
    }
    pmf[0] += w * edge[0].below;
    pmf[kNumSymbols - 1] += w * edge[kNumSymbols - 2].above;
    for (int v = 1; v < kNumSymbols - 1; ++v) {
      const Tails& lo = edge[v - 1];
      const Tails& hi = edge[v];
      // Subtract the two small numbers: the lower tails left of the mean,
      // the upper tails right of it (no cancellation far from the mean).
      const double mass = lo.below < 0.5 ? hi.below - lo.below : lo.above - hi.above;
      pmf[v] += w * std::max(mass, 0.0);
    }
  }
  return Status::Ok();
}

Status QuantizedCdf::Init(const Distribution& d, int precision) {
  PICNIC_RETURN_IF_ERROR(CheckPrecision(precision));
  precision_ = precision;
  remap_ = nullptr;
  std::fill(raw_v_, raw_v_ + kRawSlots, int16_t{-1});
  if (d.kind == Distribution::Kind::kCounts) {
    tabulated_ = true;
    return QuantizeCounts(d.counts, precision, table_);
  }
  tabulated_ = false;
  integer_ = d.kind == Distribution::Kind::kIntMixture;
  if (integer_) return InitInt(d.int_mixture);
  if (d.kind != Distribution::Kind::kMixture) {
    return Status(StatusCode::kModelError, "unknown distribution kind");
  }
  const SubpixelMixture& m = d.mixture;
  PICNIC_RETURN_IF_ERROR(CheckMixture(m));
  num_mixtures_ = m.num_mixtures;
  double max_logit = m.logits[0];
  for (int k = 1; k < num_mixtures_; ++k) max_logit = std::max(max_logit, static_cast<double>(m.logits[k]));
  double sum = 0;
  for (int k = 0; k < num_mixtures_; ++k) {
    weights_[k] = std::exp(static_cast<double>(m.logits[k]) - max_logit);
    sum += weights_[k];
  }
  for (int k = 0; k < num_mixtures_; ++k) {
    weights_[k] /= sum;
    means_[k] = m.means[k];
    inv_scales_[k] = std::exp(-std::max(static_cast<double>(m.log_scales[k]),
                                        static_cast<double>(kMinLogScale)));
  }
  return Status::Ok();
}

uint32_t QuantizedCdf::MixtureAt(int v) const {
  const uint32_t total = uint32_t{1} << precision_;
  if (v <= 0) return 0;
  if (v >= kNumSymbols) return total;
  const double edge = (2.0 * v - 1.0) / 255.0 - 1.0;  // lower edge of bin v
  double f = 0;
  for (int k = 0; k < num_mixtures_; ++k) {
    f += weights_[k] / (1.0 + std::exp(-inv_scales_[k] * (edge - means_[k])));
  }
  f = std::min(std::max(f, 0.0), 1.0);
  const uint32_t spare = total - kNumSymbols;
  return static_cast<uint32_t>(v) + static_cast<uint32_t>(std::floor(f * spare));
}

Status QuantizedCdf::InitInt(const IntSubpixelMixture& m) {
  if (m.num_mixtures < 1 || m.num_mixtures > kMaxMixtures) {
    return Status(StatusCode::kModelError,
                  "mixture has " + std::to_string(m.num_mixtures) + " components; expected 1.." +
                      std::to_string(kMaxMixtures));
  }
  int32_t max_lw = m.log2_weights[0];
  for (int k = 1; k < m.num_mixtures; ++k) max_lw = std::max(max_lw, m.log2_weights[k]);
  num_mixtures_ = 0;
  int_weight_sum_ = 0;
  for (int k = 0; k < m.num_mixtures; ++k) {
    const int64_t below = static_cast<int64_t>(max_lw) - m.log2_weights[k];  // >= 0
    if (below >= (int64_t{24} << 16)) continue;  // weight < 2^-24: rounds to 0 in Q24
    const uint64_t w = fixed::Exp2NegQ30(static_cast<uint32_t>(below)) >> 6;
    if (w == 0) continue;
    const int32_t mean = std::min(std::max(m.means[k], kIntMinMean), kIntMaxMean);
    const int32_t ls = std::min(std::max(m.log2_inv_scales[k], kIntMinLog2InvScale), kIntMaxLog2InvScale);
    int_weights_[num_mixtures_] = w;
    int_components_[num_mixtures_] = IntLogistic(mean, ls);
    int_log2_inv_scales_[num_mixtures_] = ls;
    int_weight_sum_ += w;
    ++num_mixtures_;
  }
  // The largest component has weight exactly 2^24, so the sum is never 0.
  int_weight_reciprocal_ = ~uint64_t{0} / int_weight_sum_;
  return Status::Ok();
}

// F at bin v's lower edge, 0 < v < 256: Q31, <= 2^31.
uint32_t QuantizedCdf::IntMixtureF(int v) const {
  const int32_t edge = v * 65536 - 32768;  // lower edge of bin v, Q16 bin units
  uint64_t s = 0;                          // < 16 * 2^24 * 2^31 = 2^59
  for (int k = 0; k < num_mixtures_; ++k)
    s += int_weights_[k] * fixed::SigmoidQ31(int_components_[k].T(edge));
  return static_cast<uint32_t>(DivideByReciprocal(s, int_weight_sum_, int_weight_reciprocal_));
}

uint32_t QuantizedCdf::IntMixtureAt(int v) const {
  if (v <= 0) return 0;
  if (v >= kNumSymbols) return uint32_t{1} << precision_;
  const uint32_t f = IntMixtureF(v);
  raw_v_[v % kRawSlots] = static_cast<int16_t>(v);
  raw_f_[v % kRawSlots] = f;
  return CountOf(v, remap_ != nullptr ? PitRemap::Map(remap_, f) : f);
}

uint32_t QuantizedCdf::RawF(int v) const {
  if (v <= 0) return 0;
  if (v >= kNumSymbols) return PitRemap::kOne;
  return raw_v_[v % kRawSlots] == v ? raw_f_[v % kRawSlots] : IntMixtureF(v);
}

int QuantizedCdf::Guess(uint64_t target) const {
  if (tabulated_ || !integer_) return -1;
  // u = (target + 1/2) / 2^precision, in (0, 1): in Q31 an integer (the
  // precision is at most 24). The search waits on this chain, so it is
  // kept short: no division, and the map's inverse in integers.
  int64_t u_q31 = static_cast<int64_t>((2 * target + 1) << (30 - precision_));
  if (remap_ != nullptr) {
    // The target is a value of G(F); to first order F = G^-1(u) is
    // u - (G(u) - u), one Map instead of a search of the knots (which
    // measured the same number of calls: 2.510 against 2.516 on mcm_1).
    u_q31 = 2 * u_q31 - PitRemap::Map(remap_, static_cast<uint32_t>(u_q31));
  }
  const double u = std::min(std::max(static_cast<double>(u_q31) * (1.0 / PitRemap::kOne), 1e-9), 1.0 - 1e-9);
  // One logistic for the mixture: weighted mean m; variance
  // s^2 pi^2 / 3 with s^2 = 2^(-2 * weighted mean log2 inverse scale) plus
  // the means' own variance. (Matching every component's variance exactly
  // took a power of two per component and saved no time.)
  double sw = 0, sm = 0, sm2 = 0, sl = 0;
  for (int k = 0; k < num_mixtures_; ++k) {
    const double w = static_cast<double>(int_weights_[k]);
    const double mean = int_components_[k].mean_q16() / 65536.0;
    sw += w;
    sm += w * mean;
    sm2 += w * mean * mean;
    sl += w * int_log2_inv_scales_[k];
  }
  const double m = sm / sw;
  const double s_geo = std::exp2(-sl / sw / 65536.0);
  const double kThreeOverPiSquared = 0.30396355092701331;
  const double s = std::sqrt(s_geo * s_geo + std::max(sm2 / sw - m * m, 0.0) * kThreeOverPiSquared);
  // F(v) = sigmoid((v - 1/2 - m) / s) <= u  <=>  v <= m + 1/2 + logit(u) s.
  const double x = m + 0.5 + std::log(u / (1.0 - u)) * s;
  return static_cast<int>(std::floor(std::min(std::max(x, 0.0), static_cast<double>(kNumSymbols - 1))));
}

Status BuildCdf(const Distribution& d, int precision, uint32_t* cdf) {
  QuantizedCdf q;
  PICNIC_RETURN_IF_ERROR(q.Init(d, precision));
  for (int v = 0; v <= kNumSymbols; ++v) cdf[v] = q(v);
  return Status::Ok();
}

}  // namespace picnic
