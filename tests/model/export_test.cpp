// The exporter (picnic/export.h) against the float model it exports: the
// exact engine's integer mixture parameters follow the LibTorch forward pass
// position by position (so the engine's schedule, gather orders and unit
// folding are the float network's), and weights that would overflow are
// refused.
#include "picnic/export.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "model_test_util.h"
#include "picnic/engine.h"
#include "picnic/mixture.h"

namespace picnic {
namespace {

LoadedWeights Tiny(uint64_t seed) {
  LoadedWeights w;
  w.name = "tiny";
  w.model = testing::TinyModel(seed);
  return w;
}

ActivationMaxima Calibrate(PixelCnn& net) {
  torch::NoGradGuard no_grad;
  ActivationMaxima m;
  torch::manual_seed(3);
  torch::Tensor x = torch::rand({4, 3, 16, 16}) * 2 - 1;
  net->maxima = &m;
  net->forward(x);
  net->maxima = nullptr;
  return m;
}

TEST_CASE("export: engine parameters follow the float network", "[export]") {
  LoadedWeights lw = Tiny(4);
  const ActivationMaxima maxima = Calibrate(lw.model);
  ExportOptions opt;
  ExportReport report;
  auto iw = ExportIntWeightsFromMaxima(lw, maxima, opt, &report);
  REQUIRE(iw.ok());
  CHECK(report.worst_accumulator_bound < 1.0);
  SerializeIntWeights(&iw.value());
  auto engine = EngineModel::Create(std::move(iw).value());
  REQUIRE(engine.ok());

  const int width = 11, height = 9;  // canvas 12 x 12
  const Image img = testing::RandomImage(width, height, ChannelLayout::kRgb, 8);
  torch::Tensor x = torch::zeros({1, 3, 12, 12});
  torch::Tensor mask = torch::zeros({1, 1, 12, 12});
  for (int y = 0; y < height; ++y)
    for (int xx = 0; xx < width; ++xx) {
      mask[0][0][y][xx] = 1;
      for (int c = 0; c < 3; ++c) x[0][c][y][xx] = img.at(y, xx, c) * (2.0f / 255.0f) - 1.0f;
    }
  torch::Tensor params;
  {
    torch::NoGradGuard no_grad;
    params = lw.model->forward(x, mask).contiguous();  // [1, 30, 12, 12]
  }
  const int k = lw.model->config().nr_logistic_mix;
  REQUIRE((*engine)->Begin({TileShape{width, height}}, 3).ok());
  double worst = 0;
  for (int y = 0; y < height; ++y) {
    for (int xx = 0; xx < width; ++xx) {
      Distribution d;
      REQUIRE((*engine)->Predict(y, xx, 0, {0}, &d).ok());
      const int32_t* raw = (*engine)->RawParams(0, xx);
      for (int o = 0; o < kParamsPerMixture * k; ++o) {
        const double f = params[0][o][y][xx].item<double>();
        const int slot = o < k ? 0 : ((o - k) % (3 * k)) / k + 1;
        const double want = slot == 0 ? f * 1.4426950408889634
                            : slot == 1 ? (f + 1) * 127.5
                            : slot == 2 ? -f * 1.4426950408889634 - std::log2(127.5)
                                        : f;
        const double got = raw[o] / 65536.0;
        // Means are in bins (127.5 x the float scale): compare in float units.
        const double err = slot == 1 ? std::fabs(got - want) / 127.5 : std::fabs(got - want);
        worst = std::max(worst, err);
        CHECK(err < 0.02);
      }
      for (int c = 0; c < 3; ++c) {
        const uint8_t v = img.at(y, xx, c);
        if (c > 0) REQUIRE((*engine)->Predict(y, xx, c, {0}, &d).ok());
        REQUIRE((*engine)->Observe(y, xx, c, {0}, &v).ok());
      }
    }
  }
  INFO("largest deviation " << worst);
  CHECK(worst > 0);  // the comparison saw quantized numbers, not a copy
}

TEST_CASE("export: weights that could overflow an accumulator are refused", "[export]") {
  LoadedWeights lw = Tiny(5);
  const ActivationMaxima maxima = Calibrate(lw.model);
  {
    torch::NoGradGuard no_grad;
    lw.model->up_u[0]->as<GatedResnet>()->conv1_v->conv->weight.mul_(1e7);
  }
  ExportOptions opt;
  ExportReport report;
  auto iw = ExportIntWeightsFromMaxima(lw, maxima, opt, &report);
  REQUIRE_FALSE(iw.ok());
  CHECK(iw.status().code() == StatusCode::kInvalidArgument);
  CHECK(iw.status().message().find("up_u.0.conv1") != std::string::npos);
}

}  // namespace
}  // namespace picnic

namespace picnic {
namespace {

// tests/golden/engine/tiny.pnq: a tiny random network (8 filters, 1 block,
// 3 components) exported once, frozen, for the fuzzers and hostile-input
// tests of the exact engine (fast enough to decode thousands of files).
//   PICNIC_WRITE_GOLDEN=1 build/tests/picnic_model_tests "[golden]"
TEST_CASE("export: the frozen tiny integer model loads", "[export][golden]") {
  const std::string path = std::string(PICNIC_SOURCE_DIR) + "/tests/golden/engine/tiny.pnq";
  if (std::getenv("PICNIC_WRITE_GOLDEN") != nullptr) {
    LoadedWeights lw = Tiny(9);
    const ActivationMaxima maxima = Calibrate(lw.model);
    ExportOptions opt;
    ExportReport report;
    auto iw = ExportIntWeightsFromMaxima(lw, maxima, opt, &report);
    REQUIRE(iw.ok());
    iw->metadata_json = "{\"what\": \"tiny random PixelCNN++ for tests and fuzzing\"}";
    REQUIRE(SaveIntWeights(path, &iw.value()).ok());
  }
  auto w = LoadIntWeights(path);
  REQUIRE(w.ok());
  CHECK(w->name == "tiny");
  CHECK(w->nr_filters == 8);
  CHECK(EngineModel::Create(std::move(w).value()).ok());
}

}  // namespace
}  // namespace picnic
