// Whole-image NLL (picnic/evaluate.h) against a hand-built forward pass, and
// sampling.
#include "picnic/evaluate.h"

#include <algorithm>
#include <cmath>

#include "model_test_util.h"
#include "picnic/dataset.h"
#include "picnic/mixture.h"
#include "picnic/mixture_loss.h"

// Last: LibTorch's glog defines CHECK too; Catch's must win.
#include <catch2/catch.hpp>

namespace picnic {
namespace {

using testing::RandomImage;
using testing::TinyModel;

// The NLL in bits of an image, computed by hand: a padded canvas of zeros,
// a mask of ones over the image, one forward pass, the loss per pixel in
// float64, summed over the image's pixels only.
double ManualNllBits(PixelCnn& model, const Image& image, int color_channels) {
  torch::NoGradGuard no_grad;
  const int h = image.height, w = image.width;
  const int h4 = (h + 3) / 4 * 4, w4 = (w + 3) / 4 * 4;
  torch::Tensor pixels = ImageToTensor(image);  // [3, H, W] uint8
  torch::Tensor x = torch::zeros({1, 3, h4, w4});
  torch::Tensor mask = torch::zeros({1, 1, h4, w4});
  double bits = 0;
  for (int y = 0; y < h; ++y) {
    for (int i = 0; i < w; ++i) {
      mask[0][0][y][i] = 1.0;
      for (int c = 0; c < 3; ++c) x[0][c][y][i] = pixels[c][y][i].item<uint8_t>() * (2.0f / 255.0f) - 1.0f;
    }
  }
  torch::Tensor params = model->forward(x, mask).to(torch::kFloat64);  // [1, 10K, H4, W4]
  for (int y = 0; y < h; ++y) {
    for (int i = 0; i < w; ++i) {
      torch::Tensor v = pixels.narrow(1, y, 1).narrow(2, i, 1).unsqueeze(0).to(torch::kFloat64) * (2.0 / 255.0) - 1.0;
      torch::Tensor p = params.narrow(2, y, 1).narrow(3, i, 1);
      bits += DiscretizedMixLogisticNll(v, p, color_channels).item<double>() / std::log(2.0);
    }
  }
  return bits;
}

TEST_CASE("evaluate: odd-sized image equals the sum of per-pixel NLLs", "[model][evaluate]") {
  PixelCnn model = TinyModel(21);
  const Image image = RandomImage(7, 5, ChannelLayout::kRgb, 1);
  auto r = EvaluateImage(model, image);
  REQUIRE(r.ok());
  CHECK(r->width == 7);
  CHECK(r->height == 5);
  CHECK(r->color_channels == 3);
  CHECK(r->subpixels == 7 * 5 * 3);
  CHECK_FALSE(r->alpha_ignored);
  CHECK(r->nll_bits == Approx(ManualNllBits(model, image, 3)).epsilon(1e-9));
  // A random-init model is far from uniform, but not absurdly so.
  CHECK(r->bits_per_subpixel() > 4.0);
  CHECK(r->bits_per_subpixel() < 30.0);
}

TEST_CASE("evaluate: grayscale is scored on one channel", "[model][evaluate]") {
  PixelCnn model = TinyModel(22);
  const Image gray = RandomImage(6, 9, ChannelLayout::kGray, 2);
  auto r = EvaluateImage(model, gray);
  REQUIRE(r.ok());
  CHECK(r->color_channels == 1);
  CHECK(r->subpixels == 6 * 9);
  CHECK(r->nll_bits == Approx(ManualNllBits(model, gray, 1)).epsilon(1e-9));

  // The same pixels as RGB with R = G = B: the network input is identical,
  // but three channels are scored, so the NLL is larger.
  Image rgb = MakeImage(6, 9, ChannelLayout::kRgb);
  for (size_t i = 0; i < gray.pixels.size(); ++i)
    for (int c = 0; c < 3; ++c) rgb.pixels[3 * i + c] = gray.pixels[i];
  auto r_rgb = EvaluateImage(model, rgb);
  REQUIRE(r_rgb.ok());
  CHECK(r_rgb->subpixels == 3 * r->subpixels);
  CHECK(r_rgb->nll_bits > r->nll_bits + 1.0);
}

TEST_CASE("evaluate: alpha is ignored", "[model][evaluate]") {
  PixelCnn model = TinyModel(23);
  Image rgba = RandomImage(5, 4, ChannelLayout::kRgba, 3);
  Image rgb = MakeImage(5, 4, ChannelLayout::kRgb);
  for (size_t i = 0; i < 20; ++i)
    for (int c = 0; c < 3; ++c) rgb.pixels[3 * i + c] = rgba.pixels[4 * i + c];
  auto a = EvaluateImage(model, rgba);
  auto b = EvaluateImage(model, rgb);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->alpha_ignored);
  CHECK(a->subpixels == b->subpixels);
  CHECK(a->nll_bits == b->nll_bits);
}

TEST_CASE("evaluate: batching same-size images does not change the result", "[model][evaluate]") {
  PixelCnn model = TinyModel(24);
  std::vector<Image> images;
  for (int i = 0; i < 5; ++i) images.push_back(RandomImage(8, 8, ChannelLayout::kRgb, 100 + i));
  images.push_back(RandomImage(5, 3, ChannelLayout::kRgb, 200));  // a group of its own
  images.push_back(RandomImage(8, 8, ChannelLayout::kGray, 201));  // same size, other channels
  EvaluateOptions options;
  options.max_batch = 2;  // groups split into several batches
  std::vector<double> progress;
  options.progress = [&](double f) { progress.push_back(f); };
  auto batched = EvaluateImages(model, images, options);
  REQUIRE(batched.ok());
  REQUIRE(batched->size() == images.size());
  for (size_t i = 0; i < images.size(); ++i) {
    INFO("image " << i);
    auto single = EvaluateImage(model, images[i]);
    REQUIRE(single.ok());
    // float32 convolutions may sum in another order for another batch size.
    CHECK((*batched)[i].nll_bits == Approx(single->nll_bits).epsilon(1e-5));
    CHECK((*batched)[i].subpixels == single->subpixels);
  }
  REQUIRE_FALSE(progress.empty());
  CHECK(std::is_sorted(progress.begin(), progress.end()));
  CHECK(progress.back() == 1.0);
  // A pixel budget smaller than one image still evaluates one at a time.
  progress.clear();
  options.max_batch = 64;
  options.max_batch_pixels = 1;
  auto one_by_one = EvaluateImages(model, images, options);
  REQUIRE(one_by_one.ok());
  CHECK(progress.size() == images.size());
  for (size_t i = 0; i < images.size(); ++i)
    CHECK((*one_by_one)[i].nll_bits == Approx((*batched)[i].nll_bits).epsilon(1e-5));
}

TEST_CASE("evaluate: bad input gives errors", "[model][evaluate]") {
  PixelCnn model = TinyModel(25);
  EvaluateOptions options;
  options.max_pixels = 100;
  auto big = EvaluateImages(model, {RandomImage(11, 10, ChannelLayout::kRgb, 4)}, options);
  REQUIRE_FALSE(big.ok());
  CHECK(big.status().code() == StatusCode::kLimitExceeded);
  Image broken = MakeImage(4, 4, ChannelLayout::kRgb);
  broken.pixels.resize(5);
  CHECK_FALSE(EvaluateImage(model, broken).ok());
  auto empty = EvaluateImages(model, {});
  REQUIRE(empty.ok());
  CHECK(empty->empty());
}

TEST_CASE("sample: deterministic per seed, sized as asked", "[model][sample]") {
  PixelCnn model = TinyModel(26);
  SampleOptions options;
  options.count = 2;
  options.height = 5;
  options.width = 3;
  options.seed = 7;
  int calls = 0;
  options.progress = [&](double) { ++calls; };
  auto a = SampleImages(model, options);
  REQUIRE(a.ok());
  REQUIRE(a->size() == 2);
  CHECK((*a)[0].width == 3);
  CHECK((*a)[0].height == 5);
  CHECK((*a)[0].layout == ChannelLayout::kRgb);
  CHECK(calls == 15);
  CHECK((*a)[0].pixels != (*a)[1].pixels);
  auto b = SampleImages(model, options);
  REQUIRE(b.ok());
  CHECK((*a)[0].pixels == (*b)[0].pixels);
  options.seed = 8;
  auto c = SampleImages(model, options);
  REQUIRE(c.ok());
  CHECK((*a)[0].pixels != (*c)[0].pixels);
  options.count = 0;
  CHECK_FALSE(SampleImages(model, options).ok());
}

TEST_CASE("sample: a confident model reproduces its mean", "[model][sample]") {
  // Zero every weight and give the output layer's bias a mean of 0.6 (the
  // centre of bin 204) at the smallest scale the clamp allows (e^-7 in
  // [-1, 1] units, half a bin is 4.3 of them): nearly every draw is 204, a
  // few its neighbours, none further away.
  PixelCnn model = TinyModel(27);
  torch::NoGradGuard no_grad;
  for (auto& p : model->parameters()) p.zero_();
  const int k = model->config().nr_logistic_mix;
  torch::Tensor bias = model->out_nin->bias;
  for (int c = 0; c < 3; ++c) {
    for (int i = 0; i < k; ++i) {
      bias[MixtureMeanIndex(k, c, i)] = 0.6;
      bias[MixtureLogScaleIndex(k, c, i)] = -9.0;  // clamped to kMinLogScale
    }
  }
  SampleOptions options;
  options.count = 2;
  options.height = 8;
  options.width = 8;
  auto s = SampleImages(model, options);
  REQUIRE(s.ok());
  int exact = 0, total = 0;
  for (const Image& image : s.value()) {
    for (uint8_t v : image.pixels) {
      CHECK(std::abs(static_cast<int>(v) - 204) <= 1);
      exact += v == 204;
      ++total;
    }
  }
  CHECK(exact > 0.9 * total);
}

}  // namespace
}  // namespace picnic
