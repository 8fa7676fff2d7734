#include "picnic/mixture.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "cdf.h"

namespace picnic {
namespace {

std::vector<float> RandomRaw(std::mt19937& rng, int num_mix) {
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> raw(kParamsPerMixture * num_mix);
  for (int k = 0; k < num_mix; ++k) {
    raw[MixtureLogitIndex(num_mix, k)] = 2 * u(rng);
    for (int c = 0; c < 3; ++c) {
      raw[MixtureMeanIndex(num_mix, c, k)] = u(rng);
      raw[MixtureLogScaleIndex(num_mix, c, k)] = -4.5f + 2 * u(rng);
    }
    for (int j = 0; j < 3; ++j) raw[MixtureCoeffIndex(num_mix, j, k)] = 2 * u(rng);
  }
  return raw;
}

double Unit(int v) { return v * 2.0 / 255.0 - 1.0; }

TEST_CASE("mixture: parameter layout indices cover the raw vector once", "[mixture]") {
  const int k = 5;
  std::vector<int> hits(kParamsPerMixture * k, 0);
  for (int i = 0; i < k; ++i) {
    ++hits[MixtureLogitIndex(k, i)];
    for (int c = 0; c < 3; ++c) {
      ++hits[MixtureMeanIndex(k, c, i)];
      ++hits[MixtureLogScaleIndex(k, c, i)];
      ++hits[MixtureCoeffIndex(k, c, i)];
    }
  }
  for (int h : hits) CHECK(h == 1);
}

TEST_CASE("mixture: means are coupled to the decoded R and G", "[mixture]") {
  std::mt19937 rng(8);
  const int n = 3;
  const std::vector<float> raw = RandomRaw(rng, n);
  const uint8_t decoded[2] = {200, 30};
  const SubpixelMixture r = ChannelMixture(raw.data(), n, 0, decoded);
  const SubpixelMixture g = ChannelMixture(raw.data(), n, 1, decoded);
  const SubpixelMixture b = ChannelMixture(raw.data(), n, 2, decoded);
  for (int k = 0; k < n; ++k) {
    CHECK(r.means[k] == Approx(raw[MixtureMeanIndex(n, 0, k)]));
    CHECK(g.means[k] == Approx(raw[MixtureMeanIndex(n, 1, k)] +
                               std::tanh(raw[MixtureCoeffIndex(n, 0, k)]) * Unit(200)));
    CHECK(b.means[k] == Approx(raw[MixtureMeanIndex(n, 2, k)] +
                               std::tanh(raw[MixtureCoeffIndex(n, 1, k)]) * Unit(200) +
                               std::tanh(raw[MixtureCoeffIndex(n, 2, k)]) * Unit(30)));
    CHECK(b.log_scales[k] == raw[MixtureLogScaleIndex(n, 2, k)]);
    CHECK(r.logits[k] == raw[MixtureLogitIndex(n, k)]);
  }
}

TEST_CASE("mixture: LogBinProbability agrees with the CDF builder's bins", "[mixture]") {
  for (float mean : {-1.2f, -0.3f, 0.f, 0.51f, 1.f}) {
    for (float log_scale : {-7.f, -4.f, -1.f, 1.f}) {
      SubpixelMixture m;
      m.num_mixtures = 1;
      m.means[0] = mean;
      m.log_scales[0] = log_scale;
      double pmf[kNumSymbols];
      REQUIRE(MixtureProbabilities(m, pmf).ok());
      for (int v = 0; v < kNumSymbols; ++v) {
        if (pmf[v] < 1e-200) continue;
        INFO("mean " << mean << " log_scale " << log_scale << " v " << v);
        REQUIRE(std::exp(LogBinProbability(mean, log_scale, v)) ==
                Approx(pmf[v]).epsilon(1e-9).margin(1e-300));
      }
    }
  }
}

// Coding R, then G given R, then B given R and G with ChannelMixture's
// conditionals must cost exactly the model's joint -log p(R, G, B).
TEST_CASE("mixture: channel conditionals multiply to the joint likelihood", "[mixture]") {
  std::mt19937 rng(21);
  for (int trial = 0; trial < 50; ++trial) {
    const int n = 1 + trial % 5;
    const std::vector<float> raw = RandomRaw(rng, n);
    const uint8_t px[3] = {static_cast<uint8_t>(rng()), static_cast<uint8_t>(rng()),
                           static_cast<uint8_t>(rng())};
    double conditional = 1;
    for (int c = 0; c < 3; ++c) {
      double pmf[kNumSymbols];
      const Status s = MixtureProbabilities(ChannelMixture(raw.data(), n, c, px), pmf);
      INFO(s.ToString());
      REQUIRE(s.ok());
      conditional *= pmf[px[c]];
    }
    // Joint, straight from the definition.
    double max_logit = -1e300, norm = 0, joint = 0;
    for (int k = 0; k < n; ++k) max_logit = std::max<double>(max_logit, raw[k]);
    for (int k = 0; k < n; ++k) norm += std::exp(raw[k] - max_logit);
    for (int k = 0; k < n; ++k) {
      const double w = std::exp(raw[k] - max_logit) / norm;
      const double mr = raw[MixtureMeanIndex(n, 0, k)];
      const double mg = raw[MixtureMeanIndex(n, 1, k)] +
                        std::tanh(static_cast<double>(raw[MixtureCoeffIndex(n, 0, k)])) * Unit(px[0]);
      const double mb = raw[MixtureMeanIndex(n, 2, k)] +
                        std::tanh(static_cast<double>(raw[MixtureCoeffIndex(n, 1, k)])) * Unit(px[0]) +
                        std::tanh(static_cast<double>(raw[MixtureCoeffIndex(n, 2, k)])) * Unit(px[1]);
      joint += w * std::exp(LogBinProbability(mr, raw[MixtureLogScaleIndex(n, 0, k)], px[0]) +
                            LogBinProbability(mg, raw[MixtureLogScaleIndex(n, 1, k)], px[1]) +
                            LogBinProbability(mb, raw[MixtureLogScaleIndex(n, 2, k)], px[2]));
    }
    INFO("trial " << trial);
    if (joint > 1e-250) CHECK(std::log(conditional) == Approx(std::log(joint)).epsilon(1e-4));
  }
}

}  // namespace
}  // namespace picnic

namespace picnic {
namespace {

// Regression: far right of a sharp logistic the fallback overflowed to -inf,
// which made G/B posterior logits non-finite and the CDF builder refuse them.
TEST_CASE("mixture: LogBinProbability is finite far in both tails", "[mixture]") {
  for (double mean : {-1e3, -1.0, 0.0, 1.0, 1e3}) {
    for (double log_scale : {-7.0, -3.0, 0.0, 5.0}) {
      for (int v : {0, 1, 127, 254, 255}) {
        INFO("mean " << mean << " log_scale " << log_scale << " v " << v);
        const double lp = LogBinProbability(mean, log_scale, v);
        CHECK(std::isfinite(lp));
        CHECK(lp <= 0);
        CHECK(std::isfinite(static_cast<float>(lp)));
      }
    }
  }
}

}  // namespace
}  // namespace picnic
