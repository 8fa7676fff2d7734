// Compiled with -ffp-contract=off (codec/CMakeLists.txt): encoder and
// decoder must get bit-identical mixtures.
#include "picnic/mixture.h"

#include <algorithm>
#include <cmath>

namespace picnic {
namespace {

// log(sigmoid(t)) without overflow.
double LogSigmoid(double t) { return t >= 0 ? -std::log1p(std::exp(-t)) : t - std::log1p(std::exp(t)); }

}  // namespace

double LogBinProbability(double mean, double log_scale, int v) {
  log_scale = std::max(log_scale, static_cast<double>(kMinLogScale));
  const double inv_scale = std::exp(-log_scale);
  const double centered = PixelToUnit(v) - mean;
  const double plus = inv_scale * (centered + kBinHalfWidth);
  const double minus = inv_scale * (centered - kBinHalfWidth);
  if (v == 0) return LogSigmoid(plus);             // everything below bin 0's upper edge
  if (v == kNumSymbols - 1) return LogSigmoid(-minus);  // everything above bin 255's lower edge
  // sigmoid(plus) - sigmoid(minus), from whichever side loses less precision.
  const double delta = minus > 0 ? (1.0 / (1.0 + std::exp(minus)) - 1.0 / (1.0 + std::exp(plus)))
                                 : (1.0 / (1.0 + std::exp(-plus)) - 1.0 / (1.0 + std::exp(-minus)));
  if (delta > 1e-300) return std::log(delta);
  // Underflow far in a tail: density at the bin centre times the bin width.
  // The logistic density is symmetric; use -|mid| so exp() cannot overflow
  // in the right tail (it did: -inf logits for values far above the mean).
  const double mid = -std::fabs(inv_scale * centered);
  return mid - log_scale - 2.0 * std::log1p(std::exp(mid)) + std::log(2.0 * kBinHalfWidth);
}

SubpixelMixture ChannelMixture(const float* raw, int num_mix, int c, const uint8_t* decoded) {
  SubpixelMixture m;
  m.num_mixtures = num_mix;
  const double r = c >= 1 ? PixelToUnit(decoded[0]) : 0.0;
  const double g = c >= 2 ? PixelToUnit(decoded[1]) : 0.0;
  for (int k = 0; k < num_mix; ++k) {
    double logit = raw[MixtureLogitIndex(num_mix, k)];
    const double mean_r = raw[MixtureMeanIndex(num_mix, 0, k)];
    const double coeff_gr = std::tanh(static_cast<double>(raw[MixtureCoeffIndex(num_mix, 0, k)]));
    const double coeff_br = std::tanh(static_cast<double>(raw[MixtureCoeffIndex(num_mix, 1, k)]));
    const double coeff_bg = std::tanh(static_cast<double>(raw[MixtureCoeffIndex(num_mix, 2, k)]));
    const double mean_g = raw[MixtureMeanIndex(num_mix, 1, k)] + coeff_gr * r;
    const double mean_b = raw[MixtureMeanIndex(num_mix, 2, k)] + coeff_br * r + coeff_bg * g;
    double mean = mean_r;
    if (c >= 1) {
      logit += LogBinProbability(mean_r, raw[MixtureLogScaleIndex(num_mix, 0, k)], decoded[0]);
      mean = mean_g;
    }
    if (c >= 2) {
      logit += LogBinProbability(mean_g, raw[MixtureLogScaleIndex(num_mix, 1, k)], decoded[1]);
      mean = mean_b;
    }
    m.logits[k] = static_cast<float>(logit);
    m.means[k] = static_cast<float>(mean);
    m.log_scales[k] = raw[MixtureLogScaleIndex(num_mix, c, k)];
  }
  return m;
}

}  // namespace picnic
