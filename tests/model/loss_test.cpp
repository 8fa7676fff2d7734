// The training/evaluation loss against the codec's own arithmetic: the NLL
// the network is trained on must be what the coder spends (docs/DESIGN.md, "The
// pipeline"), so DiscretizedMixLogisticNll is checked against
// ChannelMixture + LogBinProbability (codec/src/mixture.cpp), which build the
// coding CDFs.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "picnic/mixture.h"
#include "picnic/mixture_loss.h"

// Last: LibTorch's glog defines CHECK too; Catch's must win.
#include <catch2/catch.hpp>

namespace picnic {
namespace {

struct Case {
  torch::Tensor x_uint8;  // [B, 3, H, W]
  torch::Tensor params;   // [B, 10K, H, W] float64 holding float32 values
};

// Random parameters across the ranges that stress the loss: log-scales below
// the clamp and large, means outside [-1, 1], strong couplings, peaked
// logits; subpixels with many 0s and 255s (the tail bins).
Case RandomCase(int k, int b, int h, int w, double min_log_scale, double max_log_scale,
                double mean_range, uint64_t seed) {
  torch::manual_seed(seed);
  auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  torch::Tensor logits = torch::randn({b, k, h, w}, opts) * 3.0;
  torch::Tensor rest = torch::empty({b, 3, 3 * k, h, w}, opts);
  rest.narrow(2, 0, k).uniform_(-mean_range, mean_range);
  rest.narrow(2, k, k).uniform_(min_log_scale, max_log_scale);
  rest.narrow(2, 2 * k, k).normal_(0.0, 2.0);
  Case c;
  // Rounded to float32 values: the codec reads float32 raw outputs.
  c.params = torch::cat({logits, rest.reshape({b, 9 * k, h, w})}, 1).to(torch::kFloat32).to(torch::kFloat64);
  torch::Tensor x = torch::randint(0, 256, {b, 3, h, w}, torch::kInt64);
  torch::Tensor pick = torch::rand({b, 3, h, w});
  x = torch::where(pick < 0.15, torch::zeros_like(x), x);
  x = torch::where(pick > 0.85, torch::full_like(x, 255), x);
  c.x_uint8 = x.to(torch::kUInt8);
  return c;
}

// The same scale as the codec's ToUnit(), in double.
torch::Tensor ToUnit(const torch::Tensor& x_uint8) { return x_uint8.to(torch::kFloat64) * (2.0 / 255.0) - 1.0; }

// -ln p(pixel) from the codec side: sum over channels of -ln p(channel |
// previous channels), each a mixture with ChannelMixture's posterior logits,
// normalized, over LogBinProbability. Log-sum-exp rather than exp() so that
// far-tail pixels (probabilities below 1e-308) stay finite.
double CodecPixelNll(const std::vector<float>& raw, int k, const uint8_t* v, int color_channels) {
  double nll = 0;
  for (int c = 0; c < color_channels; ++c) {
    const SubpixelMixture m = ChannelMixture(raw.data(), k, c, v);
    double max_logit = -std::numeric_limits<double>::infinity();
    for (int i = 0; i < k; ++i) max_logit = std::max(max_logit, static_cast<double>(m.logits[i]));
    double norm = 0;
    std::vector<double> terms(k);
    double max_term = -std::numeric_limits<double>::infinity();
    for (int i = 0; i < k; ++i) {
      norm += std::exp(m.logits[i] - max_logit);
      terms[i] = m.logits[i] - max_logit + LogBinProbability(m.means[i], m.log_scales[i], v[c]);
      max_term = std::max(max_term, terms[i]);
    }
    double sum = 0;
    for (int i = 0; i < k; ++i) sum += std::exp(terms[i] - max_term);
    nll -= max_term + std::log(sum) - std::log(norm);
  }
  return nll;
}

// Compares the loss with the codec-side NLL pixel by pixel; returns the
// largest relative difference.
double MaxRelativeDifference(const Case& c, int color_channels) {
  const int k = static_cast<int>(c.params.size(1)) / kParamsPerMixture;
  torch::Tensor nll = DiscretizedMixLogisticNll(ToUnit(c.x_uint8), c.params, color_channels);  // [B, H, W]
  REQUIRE(nll.sizes() == torch::IntArrayRef({c.params.size(0), c.params.size(2), c.params.size(3)}));
  double worst = 0;
  for (int64_t b = 0; b < c.params.size(0); ++b) {
    for (int64_t y = 0; y < c.params.size(2); ++y) {
      for (int64_t x = 0; x < c.params.size(3); ++x) {
        std::vector<float> raw(c.params.size(1));
        for (size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<float>(c.params[b][i][y][x].item<double>());
        uint8_t v[3];
        for (int ch = 0; ch < 3; ++ch) v[ch] = c.x_uint8[b][ch][y][x].item<uint8_t>();
        const double expected = CodecPixelNll(raw, k, v, color_channels);
        const double got = nll[b][y][x].item<double>();
        REQUIRE(std::isfinite(got));
        REQUIRE(std::isfinite(expected));
        // Near-certain pixels have an NLL near 0; relative to at least 1 nat.
        worst = std::max(worst, std::fabs(got - expected) / std::max(1.0, std::fabs(expected)));
      }
    }
  }
  return worst;
}

TEST_CASE("loss: float64 NLL equals the codec's -ln p(R) p(G|R) p(B|R,G)", "[model][loss]") {
  SECTION("ordinary parameters") {
    const Case c = RandomCase(/*k=*/4, /*b=*/2, /*h=*/6, /*w=*/7, -4.0, 0.5, 1.0, 1);
    CHECK(MaxRelativeDifference(c, 3) < 1e-6);
  }
  SECTION("extreme log-scales (below the clamp, large), means outside [-1, 1]") {
    const Case c = RandomCase(/*k=*/5, /*b=*/2, /*h=*/6, /*w=*/7, -10.0, 4.0, 1.6, 2);
    CHECK(MaxRelativeDifference(c, 3) < 1e-6);
  }
  SECTION("grayscale: only channel 0 is scored") {
    const Case c = RandomCase(/*k=*/3, /*b=*/1, /*h=*/5, /*w=*/5, -8.0, 1.0, 1.2, 3);
    CHECK(MaxRelativeDifference(c, 1) < 1e-6);
  }
}

TEST_CASE("loss: one component, tiny scale, far tails stay finite and match", "[model][loss]") {
  // Every subpixel far from a mean at the minimum scale: probabilities below
  // what a double can hold, where both sides fall back to the density.
  const int k = 1;
  torch::Tensor params = torch::zeros({1, kParamsPerMixture * k, 1, 4}, torch::kFloat64);
  for (int c = 0; c < 3; ++c) {
    params[0][MixtureMeanIndex(k, c, 0)].fill_(c == 0 ? 1.5 : -1.5);
    params[0][MixtureLogScaleIndex(k, c, 0)].fill_(-7.0);
  }
  Case c{torch::tensor({0, 1, 128, 254, 255, 0, 200, 10, 17, 77, 0, 255}, torch::kUInt8).reshape({1, 3, 1, 4}),
         params};
  CHECK(MaxRelativeDifference(c, 3) < 1e-6);
}

TEST_CASE("loss: float32 agrees with float64 on ordinary parameters", "[model][loss]") {
  const Case c = RandomCase(/*k=*/5, /*b=*/4, /*h=*/8, /*w=*/8, -4.5, 0.5, 1.0, 4);
  const torch::Tensor x = ToUnit(c.x_uint8);
  const double bits64 = BitsPerSubpixel(x, c.params).item<double>();
  const double bits32 = BitsPerSubpixel(x.to(torch::kFloat32), c.params.to(torch::kFloat32)).item<double>();
  CHECK(std::fabs(bits64 - bits32) < 1e-3);
}

TEST_CASE("loss: BitsPerSubpixel is the mean NLL / ln 2 / channels", "[model][loss]") {
  const Case c = RandomCase(/*k=*/3, /*b=*/2, /*h=*/4, /*w=*/4, -3.0, 0.0, 1.0, 5);
  const torch::Tensor x = ToUnit(c.x_uint8);
  for (int channels : {1, 3}) {
    const double nll_mean = DiscretizedMixLogisticNll(x, c.params, channels).mean().item<double>();
    const double bits = BitsPerSubpixel(x, c.params, channels).item<double>();
    CHECK(bits == Approx(nll_mean / std::log(2.0) / channels).epsilon(1e-12));
  }
}

TEST_CASE("loss: the 256 bin probabilities of a channel sum to 1", "[model][loss]") {
  // The tails go to bins 0 and 255, so nothing is lost or counted twice.
  const int k = 2;
  torch::Tensor params = torch::zeros({256, kParamsPerMixture * k, 1, 1}, torch::kFloat64);
  params.select(1, MixtureLogitIndex(k, 0)).fill_(0.7);
  params.select(1, MixtureLogitIndex(k, 1)).fill_(-0.4);
  for (int c = 0; c < 3; ++c) {
    for (int i = 0; i < k; ++i) {
      params.select(1, MixtureMeanIndex(k, c, i)).fill_(0.9 * i - 0.1);
      params.select(1, MixtureLogScaleIndex(k, c, i)).fill_(-3.0 + i);
    }
  }
  torch::Tensor v = torch::arange(256, torch::kInt64).reshape({256, 1, 1, 1}).expand({256, 3, 1, 1});
  torch::Tensor nll = DiscretizedMixLogisticNll(ToUnit(v.to(torch::kUInt8)), params, /*color_channels=*/1);
  CHECK(torch::exp(-nll).sum().item<double>() == Approx(1.0).epsilon(1e-12));
}

}  // namespace
}  // namespace picnic
