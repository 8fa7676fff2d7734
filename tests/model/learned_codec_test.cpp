// The learned codec end to end, in process: PixelCNN++ through the range
// coder, exact round trips over sizes and layouts, thread settings that
// differ between encoder and decoder, and coded bits against the model's NLL.
// (Separate-process round trips: tests/cli/learned_roundtrip_test.sh.)
#include <dlfcn.h>
#include <stdlib.h>

#include <cmath>

#include "model_test_util.h"
#include "picnic/engine.h"
#include "picnic/evaluate.h"
#include "picnic/picnic.h"
#include "picnic/pixelcnn_model.h"
#include "picnic/weights.h"

#include <catch2/catch.hpp>  // after LibTorch: glog's CHECK must not shadow Catch's

namespace picnic {
namespace {

// A smooth image with some texture: a random model codes it at a few bits
// per subpixel, far from both 0 and 8.
Image SmoothImage(int width, int height, ChannelLayout layout, uint32_t seed) {
  Image image = MakeImage(width, height, layout);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> noise(-6, 6);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < image.channels(); ++c) {
        const int v = 40 + (x * 3 + y * 2 + c * 50) % 170 + noise(rng);
        image.at(y, x, c) = static_cast<uint8_t>(std::clamp(v, 0, 255));
      }
    }
  }
  return image;
}

struct TinyWeights {
  testing::TempDir dir;
  std::string path;
  TinyWeights() {
    path = dir.path() + "/tiny.pnw";
    PixelCnn net = testing::TinyModel(7);
    {
      // Random init gives near-uniform predictions; sharpen them a little so
      // that the coded sizes say something.
      torch::NoGradGuard ng;
      for (auto& p : net->parameters()) p.add_(torch::randn_like(p) * 0.05);
    }
    REQUIRE(SaveWeights(path, net, "tiny", "{}").ok());
    setenv("PICNIC_WEIGHTS_DIR", dir.path().c_str(), 1);
  }
};

Image RoundTrip(const Image& image, const std::string& model, int tile, int batch, int enc_threads,
                int dec_threads, std::vector<uint8_t>* file = nullptr) {
  EncodeOptions eo;
  eo.choose_tile_modes = false;  // the model path
  eo.model = model;
  eo.provider = TorchModelProvider(BuiltinModelProvider());
  eo.tile_size = tile;
  eo.tiles_per_batch = batch;
  eo.threads = enc_threads;
  auto bytes = Encode(image, eo);
  INFO(bytes.status().ToString());
  REQUIRE(bytes.ok());
  DecodeOptions d;
  d.provider = TorchModelProvider(BuiltinModelProvider());
  d.threads = dec_threads;
  auto back = Decode(bytes->data(), bytes->size(), d);
  INFO(back.status().ToString());
  REQUIRE(back.ok());
  if (file) *file = *bytes;
  return *back;
}

TEST_CASE("learned codec: exact round trips over sizes and layouts", "[learned_codec]") {
  TinyWeights w;
  struct Case {
    int width, height;
    ChannelLayout layout;
    int tile, batch;
  };
  const Case cases[] = {
      {1, 1, ChannelLayout::kRgb, 64, 0},      {1, 9, ChannelLayout::kRgb, 64, 0},
      {9, 1, ChannelLayout::kGray, 64, 0},     {13, 10, ChannelLayout::kGrayAlpha, 8, 0},
      {17, 11, ChannelLayout::kRgba, 8, 3},    {21, 18, ChannelLayout::kRgb, 8, 4},
      {12, 12, ChannelLayout::kGray, 0, 0},    {10, 7, ChannelLayout::kRgb, 4, 5},
  };
  for (const Case& c : cases) {
    INFO(c.width << "x" << c.height << " layout " << ChannelLayoutName(c.layout) << " tile " << c.tile);
    const Image image = testing::RandomImage(c.width, c.height, c.layout, c.width * 31 + c.height);
    const Image back = RoundTrip(image, w.path, c.tile, c.batch, 2, 1);
    REQUIRE(back.layout == image.layout);
    REQUIRE(back.width == image.width);
    REQUIRE(back.height == image.height);
    REQUIRE(back.pixels == image.pixels);
  }
}

TEST_CASE("learned codec: file bits agree with the model's NLL", "[learned_codec]") {
  TinyWeights w;
  const Image image = SmoothImage(96, 64, ChannelLayout::kRgb, 3);
  std::vector<uint8_t> file;
  const Image back = RoundTrip(image, w.path, 32, 0, 2, 2, &file);
  REQUIRE(back.pixels == image.pixels);
  auto info = ReadFileInfo(file.data(), file.size());
  REQUIRE(info.ok());
  CHECK(info->model_name == "tiny");
  auto loaded = LoadWeights(w.path);
  REQUIRE(loaded.ok());
  CHECK(info->model_fingerprint == loaded->fingerprint);
  auto nll = ComputeTiledNll(loaded->model, image, info->tile_size, info->tiles_per_batch);
  REQUIRE(nll.ok());
  const double file_bits = file.size() * 8.0;
  const double overhead = file_bits / nll->total_bits - 1;
  WARN("tiny random model, 96x64 smooth image: file " << file_bits / nll->subpixels << " vs NLL "
                                                      << nll->bits_per_subpixel() << " bits/subpixel ("
                                                      << 100 * overhead << "%)");
  CHECK(nll->bits_per_subpixel() > 1.0);  // the check below must mean something
  CHECK(std::fabs(overhead) < 0.01);
}

// Per-image parameters (effort 2, 3) are fitted by the exact engine; the
// float model's NLL with the file's own parameters must still match the
// file, and must be lower than without them by about what the file saved.
// Colour noise: the photo model predicts far too narrow scales, so the
// parameters pay (0.6 % here; the float and integer models differ a little,
// so the two savings agree to within a quarter).
TEST_CASE("learned codec: the NLL with a file's per-image parameters matches the file", "[learned_codec]") {
  const std::string dir = std::string(PICNIC_SOURCE_DIR) + "/weights/";
  auto loaded = LoadWeights(dir + "photo.pnw");
  REQUIRE(loaded.ok());
  Image image = MakeImage(96, 64, ChannelLayout::kRgb);
  uint32_t s = 31;
  for (auto& p : image.pixels) {
    s = s * 1664525u + 1013904223u;
    p = static_cast<uint8_t>(s >> 8);
  }
  std::vector<uint8_t> files[2];
  for (int i = 0; i < 2; ++i) {
    EncodeOptions eo;
    eo.choose_tile_modes = false;
    eo.model = dir + "photo.pnq";
    eo.provider = EngineModelProvider(nullptr);
    eo.tile_size = 32;
    eo.effort = i == 0 ? 1 : 3;
    eo.threads = 2;
    eo.recalibrate = false;  // a stage of the coder, which no NLL includes
    auto file = Encode(image, eo);
    REQUIRE(file.ok());
    files[i] = std::move(file).value();
  }
  auto info = ReadFileInfo(files[1].data(), files[1].size());
  REQUIRE(info.ok());
  REQUIRE(info->model_params.size() == info->model_params_bytes);
  REQUIRE(!info->model_params.empty());
  auto int_weights = LoadIntWeights(dir + "photo.pnq");
  REQUIRE(int_weights.ok());
  CHECK(info->model_fingerprint == int_weights->fingerprint);
  auto plain = ComputeTiledNll(loaded->model, image, info->tile_size, info->tiles_per_batch);
  auto adapted = ComputeTiledNll(loaded->model, image, info->tile_size, info->tiles_per_batch, info->model_params);
  REQUIRE(plain.ok());
  REQUIRE(adapted.ok());
  const double bits[2] = {files[0].size() * 8.0, files[1].size() * 8.0};
  WARN("photo model, 96x64 colour noise: effort 1 file " << bits[0] / plain->subpixels << " vs NLL "
       << plain->bits_per_subpixel() << "; effort 3 file " << bits[1] / adapted->subpixels << " vs adapted NLL "
       << adapted->bits_per_subpixel() << " bits/subpixel");
  CHECK(std::fabs(bits[0] / plain->total_bits - 1) < 0.01);
  CHECK(std::fabs(bits[1] / adapted->total_bits - 1) < 0.01);
  // What the parameters saved in the file, before paying for their bytes.
  const double file_saving = bits[0] - bits[1] + 8.0 * info->model_params.size();
  const double nll_saving = plain->total_bits - adapted->total_bits;
  CHECK(file_saving > 0.003 * bits[0]);  // the check below must mean something
  CHECK(nll_saving == Approx(file_saving).epsilon(0.25));
  // The same parameters through whole-image evaluation (picnic eval -e).
  EvaluateOptions ev;
  ev.model_params = {info->model_params};
  auto whole = EvaluateImages(loaded->model, {image}, ev);
  REQUIRE(whole.ok());
  auto whole_plain = EvaluateImage(loaded->model, image);
  REQUIRE(whole_plain.ok());
  CHECK(whole->front().nll_bits < whole_plain->nll_bits - 0.5 * nll_saving);
  // In one batch with an image without parameters (same size: one forward
  // pass), each image gets exactly what it gets alone.
  Image other = image;
  for (auto& p : other.pixels) p = static_cast<uint8_t>(255 - p);
  ev.model_params = {{}, info->model_params, {}};
  auto mixed = EvaluateImages(loaded->model, {other, image, other}, ev);
  REQUIRE(mixed.ok());
  auto other_alone = EvaluateImage(loaded->model, other);
  REQUIRE(other_alone.ok());
  CHECK((*mixed)[0].nll_bits == Approx(other_alone->nll_bits).epsilon(1e-6));
  CHECK((*mixed)[1].nll_bits == Approx(whole->front().nll_bits).epsilon(1e-6));
  CHECK((*mixed)[2].nll_bits == Approx(other_alone->nll_bits).epsilon(1e-6));
  // Damaged parameters, or parameters for another channel count, are refused.
  std::vector<uint8_t> bad = info->model_params;
  bad[0] = 9;
  CHECK(ComputeTiledNll(loaded->model, image, 32, 1, bad).status().code() == StatusCode::kCorrupt);
  bad = info->model_params;
  bad.pop_back();
  CHECK(ComputeTiledNll(loaded->model, image, 32, 1, bad).status().code() == StatusCode::kCorrupt);
  Image gray = MakeImage(8, 8, ChannelLayout::kGray);
  CHECK(ComputeTiledNll(loaded->model, gray, 8, 1, info->model_params).status().code() == StatusCode::kCorrupt);
  ev.model_params = {info->model_params, {}};
  CHECK(EvaluateImages(loaded->model, {image}, ev).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("learned codec: a coding model turns LibTorch and OpenBLAS pools off", "[learned_codec]") {
  // Whoever builds a PixelCnnModel (CLI, report, benchmark, library user),
  // its products run on the calling thread: a BLAS pool under several coding
  // threads wastes the cores in yields (seen in `picnic report`).
  TinyWeights w;
  using GetThreads = int (*)();
  using SetThreads = void (*)(int);
  auto get = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  torch::set_num_threads(2);
  if (set) set(2);
  auto loaded = LoadWeights(w.path);
  REQUIRE(loaded.ok());
  PixelCnnModel model(std::move(loaded).value());
  CHECK(torch::get_num_threads() == 1);
  if (get) CHECK(get() == 1);
}

TEST_CASE("learned codec: a missing model is named in the error", "[learned_codec]") {
  TinyWeights w;
  const Image image = testing::RandomImage(5, 4, ChannelLayout::kRgb, 1);
  EncodeOptions eo;
  eo.choose_tile_modes = false;  // the model path
  eo.model = w.path;
  eo.provider = TorchModelProvider(BuiltinModelProvider());
  auto bytes = Encode(image, eo);
  REQUIRE(bytes.ok());
  setenv("PICNIC_WEIGHTS_DIR", "/nonexistent", 1);
  DecodeOptions d;
  d.provider = TorchModelProvider(BuiltinModelProvider());
  auto back = Decode(bytes->data(), bytes->size(), d);
  REQUIRE_FALSE(back.ok());
  CHECK(back.status().code() == StatusCode::kModelNotFound);
  CHECK_THAT(back.status().message(), Catch::Contains("tiny"));
}

}  // namespace
}  // namespace picnic
