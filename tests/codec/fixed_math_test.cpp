// The exact integer arithmetic (picnic/fixed_math.h) and the integer mixture
// CDF (cdf.h, kIntMixture): close to the real functions, monotone, and
// frozen (a change here changes every file the exact engine wrote).
#include "picnic/fixed_math.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "cdf.h"
#include "picnic/mixture.h"

namespace picnic {
namespace {

using fixed::Exp2NegQ30;
using fixed::SigmoidQ31;

TEST_CASE("fixed: the shipped tables are frozen", "[fixed]") {
  // Changing fixed_tables.inc changes the arithmetic of every decoder: it
  // takes a new kEngineArithmeticVersion and new weights fingerprints.
  CHECK(fixed::TablesHash() == 0xc0ca1add345bfd57ull);
}

TEST_CASE("fixed: exp2, sigmoid, log2 and elu are close to the real functions", "[fixed]") {
  for (uint32_t x = 0; x < (32u << 16); x += 977) {
    const double want = std::exp2(-x / 65536.0) * 1073741824.0;
    CHECK(std::fabs(Exp2NegQ30(x) - want) <= 2 + want * 2e-6);
  }
  CHECK(Exp2NegQ30(0) == (1u << 30));
  uint32_t prev = 0;
  for (int64_t t = -(30 << 16); t <= (30 << 16); t += 331) {
    const uint32_t s = SigmoidQ31(t);
    CHECK(s >= prev);
    prev = s;
    CHECK(SigmoidQ31(-t) == (1u << 31) - s);
    const double want = 2147483648.0 / (1.0 + std::exp(-t / 65536.0));
    CHECK(std::fabs(s - want) <= 1700);  // 8e-7 absolute
  }
  CHECK(SigmoidQ31(0) == (1u << 30));
  for (uint64_t v = 1; v < (uint64_t{1} << 62); v = v * 3 + 1)
    CHECK(std::fabs(fixed::Log2Q16(v) / 65536.0 - std::log2(static_cast<double>(v))) < 5e-5);
  for (int e = 0; e <= 14; ++e) {
    for (int32_t q = -32767; q <= 32767; q += 13) {
      const double x = q / std::exp2(e);
      const double want = (x >= 0 ? x : std::expm1(x)) * std::exp2(e);
      CHECK(std::fabs(fixed::EluQ(q, e) - want) <= 1.0 + std::fabs(want) * 1e-5);
    }
  }
}

TEST_CASE("fixed: the rounding shift is the one tie rule", "[fixed]") {
  CHECK(fixed::RoundShift(5, 1) == 3);
  CHECK(fixed::RoundShift(-5, 1) == -2);
  CHECK(fixed::RoundShift(7, 0) == 7);
  CHECK(fixed::RoundShift(7, -2) == 28);
  CHECK(fixed::RoundShift64(-(int64_t{3} << 40), 41) == -1);
}

// The float discretized logistic's log2 bin probability, for comparison.
double FloatLog2Bin(double mean_bin, double log2_inv_scale, int v) {
  const double mean_unit = mean_bin / 127.5 - 1.0;
  const double log_scale = -(log2_inv_scale + std::log2(127.5)) / std::log2(std::exp(1.0));
  return LogBinProbability(mean_unit, log_scale, v) / std::log(2.0);
}

TEST_CASE("fixed: integer bin probabilities follow the float ones", "[fixed]") {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> mean(-40, 300), scale(-17, 3.1);
  for (int i = 0; i < 3000; ++i) {
    const double m = mean(rng), s = scale(rng);
    const int v = static_cast<int>(rng() % 256);
    const double want = FloatLog2Bin(m, s, v);
    const double got =
        IntLog2BinProbability(static_cast<int32_t>(std::lround(m * 65536)), static_cast<int32_t>(std::lround(s * 65536)), v) /
        65536.0;
    if (want > -60) CHECK(std::fabs(got - want) < 0.02 + std::fabs(want) * 0.002);
    else CHECK(got < -50);
  }
}

Distribution IntDist(int k, std::mt19937& rng) {
  std::uniform_real_distribution<double> mean(-20, 275), scale(-12, 3.1), logit(-8, 8);
  Distribution d;
  d.kind = Distribution::Kind::kIntMixture;
  d.int_mixture.num_mixtures = k;
  for (int j = 0; j < k; ++j) {
    d.int_mixture.log2_weights[j] = static_cast<int32_t>(logit(rng) * 65536);
    d.int_mixture.means[j] = static_cast<int32_t>(mean(rng) * 65536);
    d.int_mixture.log2_inv_scales[j] = static_cast<int32_t>(scale(rng) * 65536);
  }
  return d;
}

TEST_CASE("fixed: integer mixture CDFs are valid and close to the float ones", "[fixed][cdf]") {
  std::mt19937 rng(11);
  for (int precision : {12, 16}) {
    for (int i = 0; i < 300; ++i) {
      const Distribution d = IntDist(1 + i % 10, rng);
      uint32_t cdf[kNumSymbols + 1];
      REQUIRE(BuildCdf(d, precision, cdf).ok());
      REQUIRE(cdf[0] == 0);
      REQUIRE(cdf[kNumSymbols] == (uint32_t{1} << precision));
      for (int s = 0; s < kNumSymbols; ++s) REQUIRE(cdf[s + 1] > cdf[s]);
      // The same mixture in float: the integer CDF costs little over it.
      Distribution f;
      f.kind = Distribution::Kind::kMixture;
      f.mixture.num_mixtures = d.int_mixture.num_mixtures;
      for (int j = 0; j < f.mixture.num_mixtures; ++j) {
        f.mixture.logits[j] = static_cast<float>(d.int_mixture.log2_weights[j] / 65536.0 * std::log(2.0));
        f.mixture.means[j] = static_cast<float>(d.int_mixture.means[j] / 65536.0 / 127.5 - 1.0);
        f.mixture.log_scales[j] = static_cast<float>(
            -(d.int_mixture.log2_inv_scales[j] / 65536.0 + std::log2(127.5)) * std::log(2.0));
      }
      double p[kNumSymbols];
      REQUIRE(MixtureProbabilities(f.mixture, p).ok());
      double kl = 0;
      for (int s = 0; s < kNumSymbols; ++s) {
        const double q = (cdf[s + 1] - cdf[s]) / std::exp2(precision);
        if (p[s] > 0) kl += p[s] * std::log2(p[s] / q);
      }
      // The one-count floor alone costs up to about 256 / 2^p / ln 2 bits.
      CHECK(kl < 256.0 / std::exp2(precision) / std::log(2.0) * 1.2 + 1e-4);
    }
  }
}

TEST_CASE("fixed: integer mixtures condition G on R as the float ones do", "[fixed]") {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(-1, 1);
  const int k = 3;
  for (int i = 0; i < 200; ++i) {
    float raw[kParamsPerMixture * k];
    int32_t iraw[kParamsPerMixture * k];
    for (int j = 0; j < k; ++j) {
      raw[MixtureLogitIndex(k, j)] = static_cast<float>(2 * u(rng));
      for (int c = 0; c < 3; ++c) {
        raw[MixtureMeanIndex(k, c, j)] = static_cast<float>(u(rng));
        raw[MixtureLogScaleIndex(k, c, j)] = static_cast<float>(-3 + 1.5 * u(rng));
        raw[MixtureCoeffIndex(k, c, j)] = static_cast<float>(u(rng));
      }
    }
    for (int j = 0; j < k; ++j) {
      iraw[MixtureLogitIndex(k, j)] = static_cast<int32_t>(std::lround(raw[MixtureLogitIndex(k, j)] * std::log2(std::exp(1.0)) * 65536));
      for (int c = 0; c < 3; ++c) {
        iraw[MixtureMeanIndex(k, c, j)] = static_cast<int32_t>(std::lround((raw[MixtureMeanIndex(k, c, j)] + 1) * 127.5 * 65536));
        iraw[MixtureLogScaleIndex(k, c, j)] = static_cast<int32_t>(std::lround(
            (-raw[MixtureLogScaleIndex(k, c, j)] * std::log2(std::exp(1.0)) - std::log2(127.5)) * 65536));
        iraw[MixtureCoeffIndex(k, c, j)] = static_cast<int32_t>(std::lround(raw[MixtureCoeffIndex(k, c, j)] * 65536));
      }
    }
    const uint8_t decoded[3] = {static_cast<uint8_t>(rng() % 256), static_cast<uint8_t>(rng() % 256), 0};
    for (int c = 0; c < 3; ++c) {
      const SubpixelMixture f = ChannelMixture(raw, k, c, decoded);
      const IntSubpixelMixture m = IntChannelMixture(iraw, k, c, decoded);
      for (int j = 0; j < k; ++j) {
        CHECK(std::fabs(m.means[j] / 65536.0 - (f.means[j] + 1) * 127.5) < 0.01);
      }
      // Weights agree after normalization (compare differences of logits).
      for (int j = 1; j < k; ++j) {
        const double want = (f.logits[j] - f.logits[0]) / std::log(2.0);
        const double got = (m.log2_weights[j] - m.log2_weights[0]) / 65536.0;
        if (std::fabs(want) < 30) CHECK(std::fabs(got - want) < 0.05 + 0.01 * std::fabs(want));
      }
    }
  }
}

}  // namespace
}  // namespace picnic
