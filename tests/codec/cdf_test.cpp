#include "cdf.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>
#include <vector>

#include "picnic/picnic.h"

namespace picnic {
namespace {

// Every CDF the coder sees must satisfy this, whatever the parameters.
void CheckValidCdf(const uint32_t* cdf, int precision) {
  REQUIRE(cdf[0] == 0);
  REQUIRE(cdf[kNumSymbols] == (uint32_t{1} << precision));
  for (int s = 0; s < kNumSymbols; ++s) REQUIRE(cdf[s + 1] > cdf[s]);
}

Distribution OneLogistic(float mean, float log_scale) {
  Distribution d;
  d.kind = Distribution::Kind::kMixture;
  d.mixture.num_mixtures = 1;
  d.mixture.means[0] = mean;
  d.mixture.log_scales[0] = log_scale;
  return d;
}

// The exact engine's form: mean in Q16 bins, log2 inverse scale in Q16.
Distribution OneIntLogistic(int32_t mean_q16, int32_t log2_inv_scale_q16) {
  Distribution d;
  d.kind = Distribution::Kind::kIntMixture;
  d.int_mixture.num_mixtures = 1;
  d.int_mixture.means[0] = mean_q16;
  d.int_mixture.log2_inv_scales[0] = log2_inv_scale_q16;
  return d;
}

// KL(p || q) in bits, q the quantized distribution: the expected extra cost
// of coding with the integer CDF instead of the exact probabilities.
double KlBits(const double* p, const uint32_t* cdf) {
  const double total = cdf[kNumSymbols];
  double kl = 0;
  for (int s = 0; s < kNumSymbols; ++s) {
    if (p[s] > 0) kl += p[s] * std::log2(p[s] / ((cdf[s + 1] - cdf[s]) / total));
  }
  return kl;
}

// The exact engine's CDF divides by the mixture's weight sum with a
// multiplication (DivideByReciprocal): it must give every quotient exactly,
// for every numerator below 2^59 (the CDF's sums) and every divisor.
TEST_CASE("cdf: division by a reciprocal is exact", "[cdf]") {
  std::mt19937_64 rng(17);
  const uint64_t kMaxN = (uint64_t{1} << 59) - 1;
  int checked = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    const int bits = 1 + static_cast<int>(rng() % 40);  // divisors 1 .. 2^40
    const uint64_t d = std::max<uint64_t>(1, rng() >> (64 - bits));
    const uint64_t reciprocal = ~uint64_t{0} / d;
    const uint64_t k = rng() % (kMaxN / d + 1);
    for (uint64_t n : {uint64_t{0}, d - 1, d, k * d, k * d - (k > 0), k * d + d - 1, kMaxN, rng() & kMaxN,
                       (rng() >> 40) & kMaxN}) {
      if (n > kMaxN) continue;
      CHECK(DivideByReciprocal(n, d, reciprocal) == n / d);
      ++checked;
    }
  }
  for (uint64_t d : {uint64_t{1}, uint64_t{3}, uint64_t{1} << 24, (uint64_t{1} << 24) + 1, uint64_t{16} << 24})
    for (uint64_t n = kMaxN - 1000; n <= kMaxN; ++n) CHECK(DivideByReciprocal(n, d, ~uint64_t{0} / d) == n / d);
  CHECK(checked > 150000);
}

TEST_CASE("cdf: logistic CDFs stay valid over extreme scales and means", "[cdf]") {
  uint32_t cdf[kCdfSize];
  for (int precision = kMinCdfPrecision; precision <= kMaxCdfPrecision; ++precision) {
    for (float log_scale : {-1000.f, -7.f, -6.5f, -4.f, -2.f, 0.f, 2.f, 7.f, 1e30f}) {
      for (float mean : {-1e3f, -3.f, -1.f, -0.5f, 0.f, 0.0039f, 0.7f, 1.f, 3.f, 1e3f, 3e38f}) {
        INFO("precision " << precision << " mean " << mean << " log_scale " << log_scale);
        REQUIRE(BuildCdf(OneLogistic(mean, log_scale), precision, cdf).ok());
        CheckValidCdf(cdf, precision);
      }
    }
  }
}

TEST_CASE("cdf: mass lands where the mean is, edge bins take the tails", "[cdf]") {
  uint32_t cdf[kCdfSize];
  // Sharp logistic at value 100.
  REQUIRE(BuildCdf(OneLogistic(100 * 2.f / 255 - 1, -7.f), 16, cdf).ok());
  CHECK(cdf[101] - cdf[100] > 60000);
  // Far below the range: everything in bin 0; far above: bin 255.
  REQUIRE(BuildCdf(OneLogistic(-1e3f, 0.f), 16, cdf).ok());
  CHECK(cdf[1] == (1u << 16) - 255);
  REQUIRE(BuildCdf(OneLogistic(1e3f, 0.f), 16, cdf).ok());
  CHECK(cdf[256] - cdf[255] == (1u << 16) - 255);
  // A very wide logistic is close to half-and-half in the edge bins.
  REQUIRE(BuildCdf(OneLogistic(0.f, 7.f), 16, cdf).ok());
  CHECK(cdf[1] > 30000);
  CHECK(cdf[256] - cdf[255] > 30000);
}

TEST_CASE("cdf: near-degenerate mixture weights", "[cdf]") {
  Distribution d;
  d.mixture.num_mixtures = 3;
  d.mixture.logits = {1e4f, -1e4f, 0.f};
  d.mixture.means = {-0.5f, 0.5f, 0.9f};
  d.mixture.log_scales = {-5.f, -5.f, -5.f};
  uint32_t cdf[kCdfSize];
  REQUIRE(BuildCdf(d, 16, cdf).ok());
  CheckValidCdf(cdf, 16);
  // All mass in the first component: around value 63.75 (scale ~ 1 bin).
  CHECK(cdf[68] - cdf[60] > 60000);
  // Equal huge logits: an even split.
  d.mixture.logits = {1e4f, 1e4f, -3e38f};
  REQUIRE(BuildCdf(d, 16, cdf).ok());
  CheckValidCdf(cdf, 16);
  const uint32_t first = cdf[68] - cdf[60];
  const uint32_t second = cdf[196] - cdf[187];
  CHECK(first > 30000);
  CHECK(second > 30000);
}

TEST_CASE("cdf: random mixtures are valid and quantize with small KL", "[cdf]") {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> unit(-1.f, 1.f);
  uint32_t cdf[kCdfSize];
  double pmf[kNumSymbols];
  double worst_kl = 0, sum_kl = 0;
  const int trials = 2000;
  for (int t = 0; t < trials; ++t) {
    Distribution d;
    d.mixture.num_mixtures = 1 + static_cast<int>(rng() % kMaxMixtures);
    for (int k = 0; k < d.mixture.num_mixtures; ++k) {
      d.mixture.logits[k] = 5 * unit(rng);
      d.mixture.means[k] = 1.2f * unit(rng);
      d.mixture.log_scales[k] = -7.5f + 7.5f * (unit(rng) + 1);  // -7.5 .. 7.5
    }
    const int precision = kMinCdfPrecision + t % (kMaxCdfPrecision - kMinCdfPrecision + 1);
    REQUIRE(BuildCdf(d, precision, cdf).ok());
    CheckValidCdf(cdf, precision);
    REQUIRE(MixtureProbabilities(d.mixture, pmf).ok());
    double sum = 0;
    for (double p : pmf) sum += p;
    REQUIRE(sum == Approx(1.0).epsilon(1e-9));
    if (precision == 16) {
      const double kl = KlBits(pmf, cdf);
      worst_kl = std::max(worst_kl, kl);
      sum_kl += kl;
    }
  }
  INFO("worst KL at 16 bits " << worst_kl);
  // Leaky quantization at 16 bits costs at most ~255/65536 of the mass.
  CHECK(worst_kl < 0.01);
  CHECK(sum_kl / (trials / 5) < 0.003);
}

TEST_CASE("cdf: quantized probabilities track the exact ones", "[cdf]") {
  double pmf[kNumSymbols];
  uint32_t cdf[kCdfSize];
  Distribution d = OneLogistic(0.1f, -3.f);
  REQUIRE(MixtureProbabilities(d.mixture, pmf).ok());
  REQUIRE(BuildCdf(d, 16, cdf).ok());
  for (int s = 0; s < kNumSymbols; ++s) {
    const double q = (cdf[s + 1] - cdf[s]) / 65536.0;
    // Within one count, after the one-count floor every symbol gets.
    CHECK(std::fabs(q - (1.0 / 65536 + pmf[s] * (65536.0 - 256) / 65536)) <= 1.0 / 65536);
  }
}

TEST_CASE("cdf: non-finite or unusable parameters are errors, not crashes", "[cdf]") {
  uint32_t cdf[kCdfSize];
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  for (int which = 0; which < 3; ++which) {
    for (float bad : {nan, inf, -inf}) {
      Distribution d = OneLogistic(0.f, 0.f);
      if (which == 0) d.mixture.logits[0] = bad;
      if (which == 1) d.mixture.means[0] = bad;
      if (which == 2) d.mixture.log_scales[0] = bad;
      const Status s = BuildCdf(d, 16, cdf);
      CHECK(s.code() == StatusCode::kModelError);
      CHECK_FALSE(s.message().empty());
    }
  }
  Distribution none = OneLogistic(0.f, 0.f);
  none.mixture.num_mixtures = 0;
  CHECK(BuildCdf(none, 16, cdf).code() == StatusCode::kModelError);
  none.mixture.num_mixtures = kMaxMixtures + 1;
  CHECK(BuildCdf(none, 16, cdf).code() == StatusCode::kModelError);
  CHECK(BuildCdf(OneLogistic(0.f, 0.f), 11, cdf).code() == StatusCode::kInvalidArgument);
  CHECK(BuildCdf(OneLogistic(0.f, 0.f), 25, cdf).code() == StatusCode::kInvalidArgument);

  Distribution counts;
  counts.kind = Distribution::Kind::kCounts;
  CHECK(BuildCdf(counts, 16, cdf).code() == StatusCode::kModelError);  // null
  std::vector<uint32_t> zeros(kNumSymbols, 0);
  counts.counts = zeros.data();
  CHECK(BuildCdf(counts, 16, cdf).code() == StatusCode::kModelError);

  double pmf[kNumSymbols] = {};
  pmf[3] = -1;
  CHECK(QuantizePmf(pmf, 16, cdf).code() == StatusCode::kModelError);
}

TEST_CASE("cdf: counts quantize exactly and proportionally", "[cdf]") {
  std::mt19937 rng(3);
  uint32_t cdf[kCdfSize];
  Distribution d;
  d.kind = Distribution::Kind::kCounts;
  std::vector<uint32_t> counts(kNumSymbols);
  for (int trial = 0; trial < 500; ++trial) {
    const int mode = trial % 4;
    for (auto& c : counts) {
      c = mode == 0 ? 1 : mode == 1 ? rng() % 10 : mode == 2 ? rng() : (rng() % 50 == 0 ? rng() : 0);
    }
    counts[trial % 256] += 1;  // never all zero
    d.counts = counts.data();
    const int precision = kMinCdfPrecision + trial % 5;
    REQUIRE(BuildCdf(d, precision, cdf).ok());
    CheckValidCdf(cdf, precision);
  }
  // Uniform counts give a uniform CDF.
  std::fill(counts.begin(), counts.end(), 7);
  REQUIRE(BuildCdf(d, 16, cdf).ok());
  for (int s = 0; s < kNumSymbols; ++s) CHECK(cdf[s + 1] - cdf[s] == 256);
  // One dominant count: it gets everything the floor leaves.
  std::fill(counts.begin(), counts.end(), 0);
  counts[200] = 1000;
  REQUIRE(BuildCdf(d, 12, cdf).ok());
  CHECK(cdf[201] - cdf[200] == 4096 - 255);
}

TEST_CASE("cdf: Guess finds a single logistic's symbol, and nothing for tables", "[cdf]") {
  // One integer logistic: the guess is its quantile, so it lands on the
  // symbol whose counts hold the target, or next to it (rounding at bin
  // edges), wherever that symbol has a count to speak of.
  for (int32_t mean : {3 * 65536 + 20000, 128 * 65536, 250 * 65536 + 45000}) {
    for (int32_t l : {-3 * 65536, 0, 3 * 65536 / 2}) {
      QuantizedCdf q;
      REQUIRE(q.Init(OneIntLogistic(mean, l), 24).ok());
      int checked = 0;
      for (int v = 0; v < kNumSymbols; ++v) {
        const uint32_t lo = q(v), hi = q(v + 1);
        if (hi - lo < 4096) continue;  // under 2^-12 of the mass
        const int g = q.Guess(lo + (hi - lo) / 2);
        INFO("mean " << mean / 65536.0 << ", log2 inverse scale " << l / 65536.0 << ", symbol " << v);
        CHECK(std::abs(g - v) <= 1);
        ++checked;
      }
      CHECK(checked > 0);
      for (uint64_t t : {uint64_t{0}, (uint64_t{1} << 24) - 1}) {
        const int g = q.Guess(t);
        CHECK(g >= 0);
        CHECK(g < kNumSymbols);
      }
    }
  }
  Distribution counts;
  counts.kind = Distribution::Kind::kCounts;
  std::vector<uint32_t> freq(kNumSymbols, 1);
  counts.counts = freq.data();
  QuantizedCdf q;
  REQUIRE(q.Init(counts, 16).ok());
  CHECK(q.Guess(1000) == -1);
}

TEST_CASE("cdf: deterministic: same input, same CDF", "[cdf]") {
  Distribution d;
  d.mixture.num_mixtures = 5;
  for (int k = 0; k < 5; ++k) {
    d.mixture.logits[k] = 0.3f * k;
    d.mixture.means[k] = -0.8f + 0.37f * k;
    d.mixture.log_scales[k] = -4.f + k;
  }
  uint32_t a[kCdfSize], b[kCdfSize];
  REQUIRE(BuildCdf(d, 16, a).ok());
  REQUIRE(BuildCdf(d, 16, b).ok());
  CHECK(std::equal(a, a + kCdfSize, b));
}

}  // namespace
}  // namespace picnic
