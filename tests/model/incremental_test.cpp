// The incremental evaluator must give, at every position, the mixture
// parameters of the full forward pass over the same canvas.
// LibTorch first: it pulls in glog, whose CHECK would shadow Catch's.
#include "picnic/incremental.h"
#include "picnic/pixelcnn.h"

#include <catch2/catch.hpp>

namespace picnic {
namespace {

double MaxIncrementalError(const PixelCnnConfig& cfg, int64_t batch, int64_t h, int64_t w,
                           const torch::Tensor& mask, uint64_t seed) {
  torch::manual_seed(seed);
  PixelCnn net(cfg);
  net->eval();
  // Non-trivial weights: scale up so that every layer matters.
  {
    torch::NoGradGuard ng;
    for (auto& p : net->parameters()) p.add_(torch::randn_like(p) * 0.05);
  }
  torch::Tensor x = (torch::randint(0, 256, {batch, 3, h, w}).to(torch::kFloat32) * (2.0 / 255) - 1) * mask;
  torch::Tensor full;
  {
    torch::NoGradGuard ng;
    full = net->forward(x, mask);  // [B, P, H, W]
  }
  IncrementalPixelCnn inc(net);
  REQUIRE(inc.Begin(batch, h, w, mask).ok());
  double worst = 0;
  for (int64_t y = 0; y < h; ++y) {
    for (int64_t xx = 0; xx < w; ++xx) {
      auto step = inc.Step(y, xx);
      REQUIRE(step.ok());
      torch::Tensor got = *step;  // [B, P]
      torch::Tensor want = full.select(2, y).select(2, xx);
      worst = std::max(worst, (got - want).abs().max().item<double>());
      inc.SetPixel(y, xx, x.select(2, y).select(2, xx));
    }
  }
  return worst;
}

TEST_CASE("incremental evaluation equals the full forward pass", "[incremental]") {
  PixelCnnConfig cfg;
  cfg.nr_filters = 8;
  cfg.nr_resnet = 2;
  cfg.nr_logistic_mix = 3;
  cfg.dropout = 0;
  SECTION("full canvas") {
    const int64_t b = 2, h = 12, w = 16;
    torch::Tensor mask = torch::ones({b, 1, h, w});
    REQUIRE(MaxIncrementalError(cfg, b, h, w, mask, 1) < 1e-4);
  }
  SECTION("tiles smaller than the canvas") {
    const int64_t b = 3, h = 16, w = 12;
    torch::Tensor mask = torch::zeros({b, 1, h, w});
    mask[0].fill_(1);
    mask[1].narrow(1, 0, 9).narrow(2, 0, 12).fill_(1);
    mask[2].narrow(1, 0, 16).narrow(2, 0, 5).fill_(1);
    REQUIRE(MaxIncrementalError(cfg, b, h, w, mask, 2) < 1e-4);
  }
  SECTION("one residual block per level") {
    cfg.nr_resnet = 1;
    torch::Tensor mask = torch::ones({1, 1, 8, 8});
    REQUIRE(MaxIncrementalError(cfg, 1, 8, 8, mask, 3) < 1e-4);
  }
}

TEST_CASE("incremental evaluation refuses misuse with an error, not a throw", "[incremental]") {
  PixelCnnConfig cfg;
  cfg.nr_filters = 4;
  cfg.nr_resnet = 1;
  cfg.nr_logistic_mix = 2;
  IncrementalPixelCnn inc{PixelCnn(cfg)};
  const torch::Tensor mask = torch::ones({1, 1, 8, 8});
  CHECK(inc.Begin(1, 6, 8, torch::ones({1, 1, 6, 8})).code() == StatusCode::kInvalidArgument);
  CHECK(inc.Begin(0, 8, 8, mask).code() == StatusCode::kInvalidArgument);
  REQUIRE(inc.Begin(1, 8, 8, mask).ok());
  REQUIRE(inc.Step(0, 0).ok());
  REQUIRE(inc.Step(0, 1).ok());
  CHECK(inc.Step(0, 1).status().code() == StatusCode::kInvalidArgument);  // not advancing
  CHECK(inc.Step(0, 8).status().code() == StatusCode::kInvalidArgument);  // off the canvas
  CHECK(inc.Step(8, 0).status().code() == StatusCode::kInvalidArgument);
  CHECK(inc.Step(1, 0).ok());
}

}  // namespace
}  // namespace picnic
