// The exact engine (picnic/engine.h): every kernel path and thread count
// computes the same numbers, layer by layer and file by file; round trips
// on extreme images; the weights format refuses damage; the quantizer
// refuses what it cannot prove.
#include "picnic/engine.h"

#include <catch2/catch.hpp>
#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "engine_test_util.h"
#include "picnic/picnic.h"
#include "picnic/tiling.h"

namespace picnic {
namespace {

using engine_test::ShippedWeights;
using engine_test::TestImage;

// The engine on weights `w` with kernel path `p`, whatever the file asks for
// (the test keeps `w` alive).
ModelProvider ProviderOnPath(const IntWeights& w, KernelPath p) {
  return [&w, p](const std::string&, uint64_t) -> Result<std::unique_ptr<ProbabilityModel>> {
    EngineOptions eo;
    eo.use_default_kernel = false;
    eo.kernel = p;
    PICNIC_ASSIGN_OR_RETURN(std::unique_ptr<EngineModel> m, EngineModel::Create(w, eo));
    return std::unique_ptr<ProbabilityModel>(std::move(m));
  };
}

// Encodes `img` with one kernel path and returns the file and the layer hashes.
struct Coded {
  std::vector<uint8_t> file;
  std::map<std::string, uint64_t> hashes;
};

Coded EncodeWith(const IntWeights& w, KernelPath path, const Image& img, int tile, int threads) {
  Coded out;
  std::vector<EngineModel*> models;
  EncodeOptions opt;
  opt.choose_tile_modes = false;  // the model path (tile modes: tile_modes_test.cpp)
  opt.model = w.name;
  opt.tile_size = tile;
  opt.tiles_per_batch = 2;  // recorded in the file; the default depends on the thread count
  opt.threads = threads;
  opt.provider = [&](const std::string&, uint64_t) -> Result<std::unique_ptr<ProbabilityModel>> {
    EngineOptions eo;
    eo.use_default_kernel = false;
    eo.kernel = path;
    eo.hash_layers = true;
    PICNIC_ASSIGN_OR_RETURN(std::unique_ptr<EngineModel> m, EngineModel::Create(w, eo));
    models.push_back(m.get());
    return std::unique_ptr<ProbabilityModel>(std::move(m));
  };
  auto file = Encode(img, opt);
  REQUIRE(file.ok());
  out.file = std::move(file).value();
  return out;
}

Coded HashesWith(const IntWeights& w, KernelPath path, const Image& img) {
  // One batch, one model: its hashes cover every layer output of the image.
  EngineOptions eo;
  eo.use_default_kernel = false;
  eo.kernel = path;
  eo.hash_layers = true;
  auto m = EngineModel::Create(w, eo);
  REQUIRE(m.ok());
  std::shared_ptr<EngineModel> model(std::move(m).value());
  EncodeOptions opt;
  opt.choose_tile_modes = false;  // the model path (tile modes: tile_modes_test.cpp)
  opt.model = w.name;
  opt.tile_size = 16;
  opt.tiles_per_batch = 1024;
  opt.threads = 1;
  opt.provider = [model](const std::string&, uint64_t) -> Result<std::unique_ptr<ProbabilityModel>> {
    // A non-owning view: the test keeps the model to read its hashes.
    struct View : ProbabilityModel {
      std::shared_ptr<EngineModel> m;
      std::string name() const override { return m->name(); }
      uint64_t fingerprint() const override { return m->fingerprint(); }
      Status Begin(const std::vector<TileShape>& t, int c) override { return m->Begin(t, c); }
      Status Predict(int y, int x, int c, const std::vector<int>& ids, Distribution* d) override {
        return m->Predict(y, x, c, ids, d);
      }
      Status Observe(int y, int x, int c, const std::vector<int>& ids, const uint8_t* v) override {
        return m->Observe(y, x, c, ids, v);
      }
    };
    auto v = std::make_unique<View>();
    v->m = model;
    return std::unique_ptr<ProbabilityModel>(std::move(v));
  };
  auto file = Encode(img, opt);
  REQUIRE(file.ok());
  return {std::move(file).value(), model->LayerHashes()};
}

TEST_CASE("engine: every kernel path computes the same layers and files", "[engine]") {
  const IntWeights w = ShippedWeights("photo");
  const std::vector<KernelPath> paths = AvailableKernelPaths();
  INFO("kernel paths on this CPU: " << paths.size());
  REQUIRE(paths.front() == KernelPath::kScalar);
  for (const Image& img : {TestImage(37, 23, ChannelLayout::kRgb, 1), TestImage(9, 30, ChannelLayout::kGray, 2)}) {
    const Coded ref = HashesWith(w, KernelPath::kScalar, img);
    REQUIRE(ref.hashes.size() > 50);
    for (KernelPath p : paths) {
      INFO("path " << KernelPathName(p));
      const Coded got = HashesWith(w, p, img);
      CHECK(got.file == ref.file);
      for (const auto& [layer, h] : ref.hashes) {
        INFO("layer " << layer);
        CHECK(got.hashes.at(layer) == h);
      }
    }
  }
}

// The encoder computes a row at a time (BeginKnown), the decoder a position
// at a time as pixels arrive (Begin + Observe): the same numbers, subpixel by
// subpixel, on every kernel path, for batches of unequal tiles.
TEST_CASE("engine: the encoder's row-at-once predictions equal the decoder's", "[engine]") {
  const IntWeights w = ShippedWeights("photo");
  struct Case {
    Image img;
    int tile;
  };
  const std::vector<Case> cases = {{TestImage(37, 23, ChannelLayout::kRgb, 21), 16},
                                   {TestImage(30, 9, ChannelLayout::kGray, 22), 0},
                                   {engine_test::NoiseImage(19, 26, ChannelLayout::kRgba, 23), 8},
                                   {TestImage(5, 3, ChannelLayout::kRgb, 24), 0}};
  for (KernelPath p : AvailableKernelPaths()) {
    INFO("path " << KernelPathName(p));
    EngineOptions eo;
    eo.use_default_kernel = false;
    eo.kernel = p;
    auto enc = EngineModel::Create(w, eo);
    auto dec = EngineModel::Create(w, eo);
    REQUIRE(enc.ok());
    REQUIRE(dec.ok());
    for (const Case& cs : cases) {
      const Image& img = cs.img;
      INFO(img.width << "x" << img.height << " tile " << cs.tile);
      const TileGrid grid(img.width, img.height, cs.tile);
      const std::vector<TileRect> rects = BatchRects(grid, 0, grid.num_tiles());
      std::vector<TileShape> shapes;
      int max_w = 0, max_h = 0;
      for (const TileRect& r : rects) {
        shapes.push_back(TileShape{r.width, r.height});
        max_w = std::max(max_w, r.width);
        max_h = std::max(max_h, r.height);
      }
      const int cc = NumColorChannels(img.layout);
      REQUIRE((*enc)->BeginKnown(rects, img).ok());
      REQUIRE((*dec)->Begin(shapes, cc).ok());
      const int k = w.nr_logistic_mix;
      uint64_t compared = 0, mismatches = 0;
      std::vector<Distribution> de(rects.size()), dd(rects.size());
      for (int y = 0; y < max_h; ++y) {
        for (int x = 0; x < max_w; ++x) {
          std::vector<int> ids;
          for (size_t i = 0; i < rects.size(); ++i)
            if (y < rects[i].height && x < rects[i].width) ids.push_back(static_cast<int>(i));
          if (ids.empty()) continue;
          for (int c = 0; c < cc; ++c) {
            REQUIRE((*enc)->Predict(y, x, c, ids, de.data()).ok());
            REQUIRE((*dec)->Predict(y, x, c, ids, dd.data()).ok());
            std::vector<uint8_t> values;
            for (size_t j = 0; j < ids.size(); ++j) {
              const IntSubpixelMixture& a = de[j].int_mixture;
              const IntSubpixelMixture& b = dd[j].int_mixture;
              ++compared;
              if (a.num_mixtures != b.num_mixtures || a.log2_weights != b.log2_weights || a.means != b.means ||
                  a.log2_inv_scales != b.log2_inv_scales)
                ++mismatches;
              if (c == 0) {
                for (int o = 0; o < kParamsPerMixture * k; ++o)
                  if ((*enc)->RawParams(ids[j], x)[o] != (*dec)->RawParams(ids[j], x)[o]) ++mismatches;
              }
              const TileRect& r = rects[ids[j]];
              values.push_back(img.at(r.y0 + y, r.x0 + x, c));
            }
            REQUIRE((*enc)->Observe(y, x, c, ids, values.data()).ok());
            REQUIRE((*dec)->Observe(y, x, c, ids, values.data()).ok());
          }
        }
      }
      CHECK(compared == static_cast<uint64_t>(img.width) * img.height * cc);
      CHECK(mismatches == 0);
    }
  }
}

// Per-image adaptation (effort 3): the parameters the encoder fits are
// stored (format 1.2) and every kernel path decodes with them. On colour
// noise the photo model predicts far too narrow scales, so the fit must
// widen them and the file must shrink; a smooth gray image with alpha gains
// too little to pay for the parameters, so none are stored.
TEST_CASE("engine: per-image adaptation is stored, decodes everywhere, and pays on noise", "[engine]") {
  const IntWeights w = ShippedWeights("photo");
  for (const Image& img : {engine_test::NoiseImage(96, 64, ChannelLayout::kRgb, 31),
                           TestImage(40, 30, ChannelLayout::kGrayAlpha, 32)}) {
    const bool noise = img.layout == ChannelLayout::kRgb;
    INFO(ChannelLayoutName(img.layout));
    std::vector<size_t> sizes;
    for (int effort : {1, 2, 3}) {
      INFO("effort " << effort);
      EncodeOptions opt;
      opt.choose_tile_modes = false;  // the model path (tile modes: tile_modes_test.cpp)
      opt.model = w.name;
      opt.provider = EngineModelProvider(nullptr);
      opt.tile_size = 16;
      opt.effort = effort;
      opt.threads = 2;
      opt.recalibrate = false;  // the offsets alone (with recalibration: the next test)
      // Progress covers the study pass too (and at effort 3 the eight
      // orientations tried first): it rises to 1, with one report per batch
      // per pass.
      std::vector<double> seen;
      std::mutex seen_mu;
      opt.progress = [&](double f) {
        std::lock_guard<std::mutex> lock(seen_mu);
        seen.push_back(f);
      };
      auto file = Encode(img, opt);
      REQUIRE(file.ok());
      sizes.push_back(file->size());
      auto info = ReadFileInfo(file->data(), file->size());
      REQUIRE(info.ok());
      REQUIRE(!seen.empty());
      CHECK(seen.back() == Approx(1.0));
      for (size_t i = 1; i < seen.size(); ++i) CHECK(seen[i] >= seen[i - 1]);
      const uint64_t batches = (info->num_tiles + info->tiles_per_batch - 1) / info->tiles_per_batch;
      // Effort 2 studies nothing and chooses orientations only on images of
      // at least kMinSampledOrientationSide pixels a side: these code as at 1.
      CHECK(seen.size() == (effort == 3 ? 8 + 2 : 1) * batches);
      CHECK((info->model_params_bytes > 0) == (noise && effort == 3));
      for (KernelPath p : engine_test::DecodeKernelPaths()) {
        INFO("path " << KernelPathName(p));
        DecodeOptions d;
        d.provider = ProviderOnPath(w, p);
        auto back = Decode(file->data(), file->size(), d);
        REQUIRE(back.ok());
        CHECK(back->pixels == img.pixels);
      }
    }
    CHECK(sizes[1] == sizes[0]);
    if (noise) {
      CHECK(sizes[2] < sizes[0]);
    } else {
      // No offsets; effort 3 may find a better orientation.
      CHECK(sizes[2] <= sizes[0]);
    }
  }
  // Parameters for another channel count, or out of range, are refused.
  auto m = EngineModel::Create(w);
  REQUIRE(m.ok());
  std::vector<uint8_t> gray(18, 0);  // version, channels, 7 scale steps and a mean step (i16 each)
  gray[0] = 1;
  gray[1] = 1;
  REQUIRE((*m)->Adapt(gray).ok());
  CHECK((*m)->Begin({TileShape{4, 4}}, 3).code() == StatusCode::kCorrupt);
  CHECK((*m)->Begin({TileShape{4, 4}}, 1).ok());
  std::vector<uint8_t> bad = gray;
  bad[2] = 65;  // scale steps beyond 64
  CHECK((*m)->Adapt(bad).code() == StatusCode::kCorrupt);
  bad = gray;
  bad[0] = 2;  // unknown version
  CHECK((*m)->Adapt(bad).code() == StatusCode::kCorrupt);
  CHECK((*m)->Adapt({1, 3, 0, 0}).code() == StatusCode::kCorrupt);
  CHECK((*m)->Adapt({}).ok());
  CHECK((*m)->Begin({TileShape{4, 4}}, 3).ok());
}

// Online recalibration (format 1.5, codec/src/recalibration.h): on by
// default with the engine, stored as a flag, decoded bit-exactly by every
// kernel path and thread count. On colour noise the photo model predicts far
// too narrow scales, which recalibration must widen: the file shrinks.
// Effort 3 keeps the per-image offsets only where they still pay, so it is
// never larger than effort 1 (effort 2 codes images this small as effort 1).
TEST_CASE("engine: online recalibration is stored, decodes everywhere, and pays on noise", "[engine]") {
  const IntWeights w = ShippedWeights("photo");
  for (const Image& img : {engine_test::NoiseImage(96, 64, ChannelLayout::kRgb, 41),
                           TestImage(40, 30, ChannelLayout::kGrayAlpha, 42), TestImage(45, 29, ChannelLayout::kRgb, 43)}) {
    INFO(ChannelLayoutName(img.layout) << " " << img.width << "x" << img.height);
    EncodeOptions opt;
    opt.choose_tile_modes = false;
    opt.model = w.name;
    opt.provider = EngineModelProvider(nullptr);
    opt.tile_size = 32;
    opt.threads = 2;
    opt.effort = 1;
    opt.recalibrate = false;
    auto plain = Encode(img, opt);
    REQUIRE(plain.ok());
    auto plain_info = ReadFileInfo(plain->data(), plain->size());
    REQUIRE(plain_info.ok());
    CHECK_FALSE(plain_info->recalibrated);
    opt.recalibrate = true;
    std::vector<size_t> sizes;
    for (int effort : {1, 2, 3}) {
      INFO("effort " << effort);
      opt.effort = effort;
      std::vector<double> seen;
      std::mutex seen_mu;
      opt.progress = [&](double f) {
        std::lock_guard<std::mutex> lock(seen_mu);
        seen.push_back(f);
      };
      auto file = Encode(img, opt);
      REQUIRE(file.ok());
      sizes.push_back(file->size());
      auto info = ReadFileInfo(file->data(), file->size());
      REQUIRE(info.ok());
      CHECK(info->recalibrated);
      CHECK(info->format_minor <= 2);  // a flag, no field: the minor stays
      REQUIRE(!seen.empty());
      CHECK(seen.back() == Approx(1.0));
      for (size_t i = 1; i < seen.size(); ++i) CHECK(seen[i] >= seen[i - 1]);
      // Every path at effort 1; efforts 2 and 3 change only the stored
      // parameters and the orientation, so the best path decodes them.
      const std::vector<KernelPath> paths =
          effort == 1 ? engine_test::DecodeKernelPaths() : std::vector<KernelPath>{AvailableKernelPaths().back()};
      for (KernelPath p : paths) {
        for (int threads : {1, 3}) {
          INFO("path " << KernelPathName(p) << ", " << threads << " threads");
          DecodeOptions d;
          d.threads = threads;
          d.provider = ProviderOnPath(w, p);
          auto back = Decode(file->data(), file->size(), d);
          REQUIRE(back.ok());
          CHECK(back->pixels == img.pixels);
        }
      }
    }
    CHECK(sizes[1] == sizes[0]);
    CHECK(sizes[2] <= sizes[0]);
    if (img.width == 96) CHECK(sizes[0] < plain->size());
    // The calibration map never makes a file larger: where it saved
    // nothing the encoder codes the image again without it (enc_picnic.cpp).
    opt.effort = 1;
    opt.progress = nullptr;
    opt.calibration_map = false;
    auto no_map = Encode(img, opt);
    REQUIRE(no_map.ok());
    CHECK(sizes[0] <= no_map->size());
    opt.calibration_map = true;
  }
}

// Per-image parameters serve model tiles only. Noise of a few colours: the
// photo model predicts it badly (so the study finds offsets that pay), and
// the synthetic-content model codes the image's one tile far smaller, so no
// tile is left to the model and the file must not carry the parameters (a
// CIFAR-10 image did so, 50 bytes larger than at effort 1).
TEST_CASE("engine: no per-image parameters in a file without model tiles", "[engine]") {
  const IntWeights w = ShippedWeights("photo");
  Image img = MakeImage(40, 40, ChannelLayout::kRgb);  // one tile
  std::mt19937 rng(17);
  const uint8_t colours[4][3] = {{0, 0, 0}, {255, 255, 255}, {200, 30, 30}, {20, 60, 220}};
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x) {
      const int k = static_cast<int>(rng() % 4);
      for (int c = 0; c < 3; ++c) img.at(y, x, c) = colours[k][c];
    }
  EncodeOptions opt;
  opt.model = w.name;
  opt.provider = EngineModelProvider(nullptr);
  opt.effort = 3;
  // Model tiles only: the study's offsets pay, so they are stored.
  opt.choose_tile_modes = false;
  auto model_only = Encode(img, opt);
  REQUIRE(model_only.ok());
  auto model_info = ReadFileInfo(model_only->data(), model_only->size());
  REQUIRE(model_info.ok());
  CHECK(model_info->model_params_bytes > 0);
  // With the tile modes the tile leaves the model, and the parameters go too.
  opt.choose_tile_modes = true;
  auto file = Encode(img, opt);
  REQUIRE(file.ok());
  auto info = ReadFileInfo(file->data(), file->size());
  REQUIRE(info.ok());
  CHECK(info->model_tiles == 0);
  CHECK(info->model_params_bytes == 0);
  DecodeOptions d;
  d.provider = opt.provider;
  auto back = Decode(file->data(), file->size(), d);
  REQUIRE(back.ok());
  CHECK(back->pixels == img.pixels);
}

TEST_CASE("engine: thread counts and batch splits give the same file", "[engine]") {
  const IntWeights w = ShippedWeights("photo");
  const Image img = TestImage(40, 33, ChannelLayout::kRgb, 3);
  const KernelPath best = AvailableKernelPaths().back();
  const std::vector<uint8_t> one = EncodeWith(w, best, img, 16, 1).file;
  for (int threads : {2, 3}) CHECK(EncodeWith(w, best, img, 16, threads).file == one);
  CHECK(EncodeWith(w, KernelPath::kScalar, img, 16, 3).file == one);
  // And it decodes, with any thread count, to the pixels.
  for (int threads : {1, 3}) {
    DecodeOptions d;
    d.threads = threads;
    d.provider = EngineModelProvider(nullptr);
    // The provider finds the shipped weights by fingerprint.
    auto back = Decode(one.data(), one.size(), d);
    REQUIRE(back.ok());
    CHECK(back->pixels == img.pixels);
  }
}

TEST_CASE("engine: extreme images round-trip on every path", "[engine]") {
  const IntWeights w = ShippedWeights("photo");
  std::vector<Image> images;
  for (int side : {1, 2, 3, 5}) images.push_back(TestImage(side, side, ChannelLayout::kRgb, 10 + side));
  for (uint8_t v : {0, 255}) {
    Image flat = MakeImage(19, 11, ChannelLayout::kRgb);
    std::fill(flat.pixels.begin(), flat.pixels.end(), v);
    images.push_back(flat);
  }
  Image checker = MakeImage(24, 17, ChannelLayout::kRgb);
  for (int y = 0; y < 17; ++y)
    for (int x = 0; x < 24; ++x)
      for (int c = 0; c < 3; ++c) checker.at(y, x, c) = ((x + y) & 1) ? 255 : 0;
  images.push_back(checker);
  images.push_back(engine_test::NoiseImage(21, 14, ChannelLayout::kRgb, 99));
  images.push_back(engine_test::NoiseImage(13, 12, ChannelLayout::kRgba, 98));
  images.push_back(TestImage(1, 40, ChannelLayout::kGrayAlpha, 5));
  images.push_back(TestImage(40, 1, ChannelLayout::kGray, 6));
  for (KernelPath p : AvailableKernelPaths()) {
    INFO("path " << KernelPathName(p));
    for (const Image& img : images) {
      INFO(img.width << "x" << img.height << " " << ChannelLayoutName(img.layout));
      const std::vector<uint8_t> file = EncodeWith(w, p, img, 8, 2).file;
      DecodeOptions d;
      d.provider = EngineModelProvider(nullptr);
      auto back = Decode(file.data(), file.size(), d);
      REQUIRE(back.ok());
      CHECK(back->pixels == img.pixels);
    }
  }
}

TEST_CASE("engine: the integer weights format refuses damage", "[engine]") {
  IntWeights w = ShippedWeights("cifar10");
  std::vector<uint8_t> bytes = SerializeIntWeights(&w);
  REQUIRE(ParseIntWeights(bytes, "x").ok());
  for (size_t cut : {size_t{0}, size_t{7}, size_t{40}, bytes.size() / 2, bytes.size() - 1}) {
    std::vector<uint8_t> b(bytes.begin(), bytes.begin() + cut);
    CHECK(ParseIntWeights(b, "x").status().code() == StatusCode::kCorrupt);
  }
  // Any changed byte of the version, the arithmetic section or the
  // fingerprint is refused (the free-form metadata JSON is not covered).
  for (size_t at : {size_t{9}, bytes.size() / 3, bytes.size() / 2, bytes.size() - 20, bytes.size() - 3}) {
    std::vector<uint8_t> b = bytes;
    b[at] ^= 0x10;
    CHECK(ParseIntWeights(b, "x").status().code() == StatusCode::kCorrupt);
  }
  // Another arithmetic version is another model: refused by name.
  IntWeights other = w;
  other.arithmetic_version = kEngineArithmeticVersion + 1;
  std::vector<uint8_t> ob = SerializeIntWeights(&other);
  auto parsed = ParseIntWeights(ob, "x");
  REQUIRE(parsed.ok());
  CHECK(parsed->fingerprint != w.fingerprint);
  auto m = EngineModel::Create(std::move(parsed).value());
  CHECK(m.status().code() == StatusCode::kModelNotFound);
}

TEST_CASE("engine: the quantizer proves the accumulator bound or refuses", "[engine]") {
  DenseFloat d;
  d.out = 2;
  d.k = 3;
  d.w = {0.5f, -0.25f, 0.125f, 1.0f, 2.0f, -3.0f};
  d.bias = {0.1f, -0.2f};
  d.in_exp = {10, 10, 10};
  d.in_max = {8191, 8191, 8191};
  d.out_exp = {10, 12};
  auto q = QuantizeDense(d, "small");
  REQUIRE(q.ok());
  CHECK(q->worst_bound < 1.0);
  for (int o = 0; o < 2; ++o) {
    double sum = 0;
    const int g = q->shift[o] + d.out_exp[o];
    for (int k = 0; k < 3; ++k) {
      CHECK(std::abs(q->w[o * 3 + k]) <= 32767);
      CHECK(std::abs(q->w[o * 3 + k] / std::ldexp(1.0, g - 10) - d.w[o * 3 + k]) < std::ldexp(1.0, 10 - g));
      sum += std::abs(q->w[o * 3 + k]) * 8191.0;
    }
    CHECK(sum + std::abs(q->bias[o]) < 2147483648.0);
  }
  // Weights so large that even the coarsest exponent overflows: refused.
  DenseFloat big = d;
  big.w = {1e9f, 1e9f, 1e9f, 1, 1, 1};
  big.in_exp = {0, 0, 0};
  big.out_exp = {0, 0};
  auto bad = QuantizeDense(big, "huge");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == StatusCode::kInvalidArgument);
  CHECK(bad.status().message().find("huge") != std::string::npos);
}

TEST_CASE("engine: PICNIC_ENGINE_KERNEL picks a path or is refused", "[engine]") {
  setenv("PICNIC_ENGINE_KERNEL", "scalar", 1);
  auto p = DefaultKernelPath();
  REQUIRE(p.ok());
  CHECK(*p == KernelPath::kScalar);
  setenv("PICNIC_ENGINE_KERNEL", "nonsense", 1);
  CHECK(DefaultKernelPath().status().code() == StatusCode::kInvalidArgument);
  unsetenv("PICNIC_ENGINE_KERNEL");
  CHECK(DefaultKernelPath().ok());
}

}  // namespace
}  // namespace picnic

namespace picnic {
namespace {

// Hostile input with the exact engine (the tiny frozen model: fast): every
// truncation fails cleanly, every changed payload byte either decodes to the
// original or is refused, never a wrong image or a crash.
TEST_CASE("engine: damaged files never decode to wrong pixels", "[engine][hostile]") {
  auto tiny = LoadIntWeights(std::string(PICNIC_SOURCE_DIR) + "/tests/golden/engine/tiny.pnq");
  REQUIRE(tiny.ok());
  const IntWeights w = std::move(tiny).value();
  ModelProvider provider = [w](const std::string& name, uint64_t fp) -> Result<std::unique_ptr<ProbabilityModel>> {
    if (fp != 0 && fp != w.fingerprint)
      return Status(StatusCode::kModelNotFound, "model " + name + " with that fingerprint is not installed");
    PICNIC_ASSIGN_OR_RETURN(std::unique_ptr<EngineModel> m, EngineModel::Create(w));
    return std::unique_ptr<ProbabilityModel>(std::move(m));
  };
  const Image img = engine_test::TestImage(13, 9, ChannelLayout::kRgba, 31);
  EncodeOptions opt;
  opt.choose_tile_modes = false;  // the model path (tile modes: tile_modes_test.cpp)
  opt.model = "tiny";
  opt.provider = provider;
  opt.tile_size = 8;
  auto file = Encode(img, opt);
  REQUIRE(file.ok());
  DecodeOptions d;
  d.provider = provider;
  d.threads = 1;
  for (size_t cut = 0; cut < file->size(); ++cut) {
    auto r = Decode(file->data(), cut, d);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() != StatusCode::kInternal);
  }
  int refused = 0, same = 0;
  for (size_t at = 0; at < file->size(); ++at) {
    for (uint8_t flip : {0x01, 0x80, 0xff}) {
      std::vector<uint8_t> b = *file;
      b[at] ^= flip;
      auto r = Decode(b.data(), b.size(), d);
      if (r.ok()) {
        CHECK(r->pixels == img.pixels);
        ++same;
      } else {
        CHECK(r.status().code() != StatusCode::kInternal);
        ++refused;
      }
    }
  }
  CHECK(refused > 0);
  INFO("decoded unchanged after a flip: " << same);
}

}  // namespace
}  // namespace picnic
