// The autoregressive property the codec relies on: the mixture parameters of
// pixel p depend only on pixels strictly before p in raster order, and inside
// a pixel R's conditional does not depend on G or B, nor G's on B.
#include <cstring>
#include <vector>

#include "model_test_util.h"
#include "picnic/evaluate.h"
#include "picnic/mixture.h"
#include "picnic/pixelcnn.h"

// Last: LibTorch's glog defines CHECK too; Catch's must win.
#include <catch2/catch.hpp>

namespace picnic {
namespace {

using testing::RandomImage;
using testing::TinyModel;

bool SameMixture(const SubpixelMixture& a, const SubpixelMixture& b) {
  return a.num_mixtures == b.num_mixtures && a.logits == b.logits && a.means == b.means &&
         a.log_scales == b.log_scales;
}

// Runs the causality checks for an image of width x height (padded to
// multiples of 4 with the mask when needed) at the given positions.
void CheckCausality(int width, int height, const std::vector<std::pair<int, int>>& positions) {
  // Double precision: a dependence too weak to see in float32 still shows.
  PixelCnn model = TinyModel(/*seed=*/3, torch::kFloat64);
  const int k = model->config().nr_logistic_mix;
  const Image image = RandomImage(width, height, ChannelLayout::kRgb, /*seed=*/11);
  torch::Tensor original = torch::from_blob(const_cast<uint8_t*>(image.pixels.data()),
                                            {1, height, width, 3}, torch::kUInt8)
                               .permute({0, 3, 1, 2})
                               .clone();  // [1, 3, H, W]
  torch::NoGradGuard no_grad;
  auto run = [&](const torch::Tensor& pixels) {
    PaddedBatch padded = PadToMultipleOf4(pixels);
    torch::Tensor out = model->forward(padded.x.to(torch::kFloat64), padded.mask.to(torch::kFloat64));
    // Real pixels only, in raster order: [P, 10K].
    return out.narrow(2, 0, height).narrow(3, 0, width).reshape({out.size(1), height * width}).t().contiguous();
  };
  const torch::Tensor base = run(original);

  for (const auto& [y, x] : positions) {
    const int64_t p = static_cast<int64_t>(y) * width + x;
    for (int c = 0; c < 3; ++c) {
      INFO("position (" << y << ", " << x << "), channel " << c);
      torch::Tensor changed = original.clone();
      const uint8_t old_value = original[0][c][y][x].item<uint8_t>();
      const uint8_t new_value = static_cast<uint8_t>(old_value + 97);
      changed[0][c][y][x] = new_value;
      const torch::Tensor out = run(changed);

      // Every output up to and including p is bit-for-bit unchanged: the
      // network never sees p's own subpixels.
      CHECK(torch::equal(out.narrow(0, 0, p + 1), base.narrow(0, 0, p + 1)));
      // ...while some later pixel does change, so the check above can fail.
      if (p + 1 < out.size(0)) {
        CHECK_FALSE(torch::equal(out.narrow(0, p + 1, out.size(0) - p - 1),
                                 base.narrow(0, p + 1, base.size(0) - p - 1)));
      }

      // Inside pixel p, through the coupling: the conditional of a channel
      // before c is unchanged, the conditionals after c do change.
      torch::Tensor raw64 = out[p];
      std::vector<float> raw(raw64.size(0));
      for (size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<float>(raw64[i].item<double>());
      uint8_t before[3], after[3];
      for (int ch = 0; ch < 3; ++ch) {
        before[ch] = original[0][ch][y][x].item<uint8_t>();
        after[ch] = changed[0][ch][y][x].item<uint8_t>();
      }
      for (int earlier = 0; earlier <= c; ++earlier) {
        CHECK(SameMixture(ChannelMixture(raw.data(), k, earlier, before),
                          ChannelMixture(raw.data(), k, earlier, after)));
      }
      for (int later = c + 1; later < 3; ++later) {
        CHECK_FALSE(SameMixture(ChannelMixture(raw.data(), k, later, before),
                                ChannelMixture(raw.data(), k, later, after)));
      }
    }
  }
}

TEST_CASE("causality: outputs before a changed subpixel are exactly unchanged", "[model][causality]") {
  const int w = 12, h = 8;
  CheckCausality(w, h, {{0, 0}, {0, w - 1}, {1, 0}, {3, 5}, {4, 4}, {h - 1, 0}, {h - 1, w - 2}, {h - 1, w - 1}});
}

TEST_CASE("causality: holds with padding and the mask (odd-sized image)", "[model][causality]") {
  const int w = 7, h = 5;
  CheckCausality(w, h, {{0, 0}, {0, w - 1}, {2, 3}, {h - 1, 0}, {h - 1, w - 1}});
}

}  // namespace
}  // namespace picnic
