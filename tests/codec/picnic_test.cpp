#include "picnic/picnic.h"

#include "container.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace picnic {
namespace {

Image NoiseImage(int w, int h, ChannelLayout layout, uint32_t seed) {
  Image img = MakeImage(w, h, layout);
  std::mt19937 rng(seed);
  for (auto& p : img.pixels) p = static_cast<uint8_t>(rng());
  return img;
}

Image GradientImage(int w, int h, ChannelLayout layout) {
  Image img = MakeImage(w, h, layout);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < img.channels(); ++c) {
        img.at(y, x, c) = static_cast<uint8_t>((x * 7 + y * 3 + c * 50) & 0xFF);
      }
    }
  }
  if (HasAlpha(layout)) {
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) img.at(y, x, img.channels() - 1) = x < w / 2 ? 255 : 0;
    }
  }
  return img;
}

double BitsPerSubpixel(const std::vector<uint8_t>& bytes, const Image& img) {
  return bytes.size() * 8.0 / img.num_subpixels();
}

void CheckRoundTrip(const Image& img, const EncodeOptions& opt) {
  auto enc = Encode(img, opt);
  REQUIRE(enc.ok());
  auto dec = Decode(enc->data(), enc->size(), {});
  INFO(dec.status().ToString());
  REQUIRE(dec.ok());
  CHECK(dec->width == img.width);
  CHECK(dec->height == img.height);
  CHECK(dec->layout == img.layout);
  CHECK(dec->pixels == img.pixels);
}

TEST_CASE("picnic: round trips over sizes, layouts and tilings", "[picnic]") {
  const std::vector<std::pair<int, int>> sizes = {{1, 1}, {1, 9}, {9, 1}, {65, 63}, {64, 64},
                                                  {130, 3}, {17, 33}};
  const ChannelLayout layouts[] = {ChannelLayout::kGray, ChannelLayout::kGrayAlpha,
                                   ChannelLayout::kRgb, ChannelLayout::kRgba};
  uint32_t seed = 1;
  for (auto [w, h] : sizes) {
    for (ChannelLayout layout : layouts) {
      // Large images with a few tilings only: keeps the test fast.
      const bool large = w * h > 1000;
      for (int tile : {0, 64, 16, 5}) {
        for (int batch : {0, 1, 3}) {
          if (large && (batch == 1 || tile == 5)) continue;
          INFO(w << "x" << h << " " << ChannelLayoutName(layout) << " tile " << tile
                 << " batch " << batch);
          EncodeOptions opt;
          opt.tile_size = tile;
          opt.tiles_per_batch = batch;
          const Image img = seed % 2 ? NoiseImage(w, h, layout, seed) : GradientImage(w, h, layout);
          // With the encoder's choice of tile modes and with the model only.
          for (bool choose : {true, false}) {
            opt.choose_tile_modes = choose;
            CheckRoundTrip(img, opt);
          }
          ++seed;
        }
      }
    }
  }
}

TEST_CASE("picnic: every CDF precision round trips", "[picnic]") {
  const Image img = NoiseImage(20, 11, ChannelLayout::kRgba, 77);
  for (int p = kMinCdfPrecision; p <= kMaxCdfPrecision; ++p) {
    EncodeOptions opt;
    opt.choose_tile_modes = false;  // the model path (tile modes: tile_modes_test.cpp)
    opt.cdf_precision = p;
    CheckRoundTrip(img, opt);
  }
}

TEST_CASE("picnic: bits per subpixel are sane", "[picnic]") {
  EncodeOptions opt;
  opt.choose_tile_modes = false;  // the model path (tile modes: tile_modes_test.cpp)
  Image flat = MakeImage(256, 256, ChannelLayout::kRgb);
  for (auto& p : flat.pixels) p = 77;
  auto flat_bytes = Encode(flat, opt);
  REQUIRE(flat_bytes.ok());
  const double flat_bpsp = BitsPerSubpixel(*flat_bytes, flat);
  WARN("histogram, flat 256x256 RGB: " << flat_bpsp << " bits/subpixel");
  CHECK(flat_bpsp < 0.1);

  const Image noise = NoiseImage(256, 256, ChannelLayout::kRgb, 5);
  auto noise_bytes = Encode(noise, opt);
  REQUIRE(noise_bytes.ok());
  const double noise_bpsp = BitsPerSubpixel(*noise_bytes, noise);
  WARN("histogram, uniform noise 256x256 RGB: " << noise_bpsp << " bits/subpixel");
  CHECK(noise_bpsp > 8.0);  // nothing beats the entropy of uniform noise
  // Each 64x64 tile learns its histograms from scratch: ~0.25 bits/subpixel
  // of learning cost on noise (256 symbols, 4096 samples per channel).
  CHECK(noise_bpsp < 8.35);
  opt.tile_size = 0;
  auto big_tile_bytes = Encode(noise, opt);
  REQUIRE(big_tile_bytes.ok());
  WARN("histogram, uniform noise 256x256 RGB, one tile: "
       << BitsPerSubpixel(*big_tile_bytes, noise) << " bits/subpixel");
  CHECK(BitsPerSubpixel(*big_tile_bytes, noise) < 8.1);
  opt.tile_size = kDefaultTileSize;

  // A constant alpha channel costs next to nothing on top of RGB.
  Image rgba = MakeImage(256, 256, ChannelLayout::kRgba);
  for (int y = 0; y < 256; ++y) {
    for (int x = 0; x < 256; ++x) {
      for (int c = 0; c < 3; ++c) rgba.at(y, x, c) = noise.at(y, x, c);
      rgba.at(y, x, 3) = 255;
    }
  }
  auto rgba_bytes = Encode(rgba, opt);
  REQUIRE(rgba_bytes.ok());
  CHECK(rgba_bytes->size() < noise_bytes->size() * 1.01);
}

// The default batching: a number of batches that is a multiple of the
// threads (3 batches on 2 threads leave one idle for a third of the time),
// at most 2048 pixels of tile width per batch, and any file decodes with any
// thread count.
TEST_CASE("picnic: default tiles per batch balance the threads and bound the width", "[picnic]") {
  struct Case {
    int width, height, tile, threads, tiles_per_batch;
  };
  for (const Case& c : {Case{416, 320, 32, 2, 33},  // 130 tiles: 4 batches (64 per batch would be 3)
                        Case{416, 320, 32, 1, 44},  // 130 tiles: 3 batches of at most 64
                        Case{1024, 256, 256, 2, 2},  // 4 tiles: one batch per thread
                        Case{2048, 128, 64, 1, 32},  // 32 tiles of 64: 2048 columns
                        Case{4096, 64, 128, 2, 16},  // 32 tiles of 128: 16 per batch
                        Case{20, 10, 128, 4, 1}}) {  // one tile
    CAPTURE(c.width, c.height, c.tile, c.threads);
    const Image img = NoiseImage(c.width, c.height, ChannelLayout::kGray, 9);
    EncodeOptions opt;
    opt.model = "histogram";
    opt.choose_tile_modes = false;
    opt.tile_size = c.tile;
    opt.threads = c.threads;
    auto bytes = Encode(img, opt);
    REQUIRE(bytes.ok());
    auto info = ReadFileInfo(bytes->data(), bytes->size());
    REQUIRE(info.ok());
    CHECK(info->tiles_per_batch == c.tiles_per_batch);
    DecodeOptions dopt;
    dopt.threads = 3;
    auto back = Decode(bytes->data(), bytes->size(), dopt);
    REQUIRE(back.ok());
    CHECK(back->pixels == img.pixels);
  }
}

TEST_CASE("picnic: ReadFileInfo reports the header", "[picnic]") {
  const Image img = GradientImage(65, 63, ChannelLayout::kRgba);
  EncodeOptions opt;
  opt.choose_tile_modes = false;  // the model path (tile modes: tile_modes_test.cpp)
  opt.tile_size = 32;
  opt.tiles_per_batch = 2;
  opt.cdf_precision = 14;
  auto bytes = Encode(img, opt);
  REQUIRE(bytes.ok());
  auto info = ReadFileInfo(bytes->data(), bytes->size());
  REQUIRE(info.ok());
  CHECK(info->format_major == 1);
  CHECK(info->width == 65);
  CHECK(info->height == 63);
  CHECK(info->layout == ChannelLayout::kRgba);
  CHECK(info->bit_depth == 8);
  CHECK(info->tile_size == 32);
  CHECK(info->cdf_precision == 14);
  CHECK(info->model_name == "histogram");
  CHECK(info->model_fingerprint != 0);
  CHECK(info->file_bytes == bytes->size());
  CHECK(info->tiles_per_batch == 2);
  CHECK(info->num_tiles == 6);  // 3 columns x 2 rows
  CHECK(info->bits_per_subpixel == Approx(bytes->size() * 8.0 / (65 * 63 * 4)));
}

TEST_CASE("picnic: progress is reported per batch and ends at 1", "[picnic]") {
  const Image img = GradientImage(100, 40, ChannelLayout::kRgb);
  std::vector<double> seen;
  EncodeOptions opt;
  opt.choose_tile_modes = false;  // the model path (tile modes: tile_modes_test.cpp)
  opt.tile_size = 20;
  opt.tiles_per_batch = 3;  // 10 tiles: batches of 3, 3, 3, 1
  // Effort 2 on an image under kMinSampledOrientationSide pixels high: no
  // orientation sample, so one report per coded batch, and the same file as
  // effort 1.
  opt.effort = 2;
  opt.progress = [&](double f) { seen.push_back(f); };
  auto bytes = Encode(img, opt);
  REQUIRE(bytes.ok());
  REQUIRE(seen.size() == 4);
  {
    EncodeOptions e1 = opt;
    e1.effort = 1;
    e1.progress = nullptr;
    auto bytes1 = Encode(img, e1);
    REQUIRE(bytes1.ok());
    CHECK(bytes1.value() == bytes.value());
  }
  CHECK(seen.back() == Approx(1.0));
  for (size_t i = 1; i < seen.size(); ++i) CHECK(seen[i] > seen[i - 1]);
  seen.clear();
  DecodeOptions dopt;
  dopt.progress = [&](double f) { seen.push_back(f); };
  CHECK(Decode(bytes->data(), bytes->size(), dopt).ok());
  CHECK(seen.size() == 4);
}

TEST_CASE("picnic: invalid options and images are rejected", "[picnic]") {
  const Image img = GradientImage(8, 8, ChannelLayout::kRgb);
  EncodeOptions opt;
  opt.choose_tile_modes = false;  // the model path (tile modes: tile_modes_test.cpp)
  opt.tile_size = -1;
  CHECK(Encode(img, opt).status().code() == StatusCode::kInvalidArgument);
  opt = EncodeOptions();
  opt.choose_tile_modes = false;
  opt.cdf_precision = 25;
  CHECK(Encode(img, opt).status().code() == StatusCode::kInvalidArgument);
  opt = EncodeOptions();
  opt.choose_tile_modes = false;
  opt.tiles_per_batch = -2;
  CHECK(Encode(img, opt).status().code() == StatusCode::kInvalidArgument);
  opt = EncodeOptions();
  opt.choose_tile_modes = false;
  opt.max_pixels = 63;
  CHECK(Encode(img, opt).status().code() == StatusCode::kLimitExceeded);
  opt = EncodeOptions();
  opt.choose_tile_modes = false;
  opt.model = "photo-v2";
  const Status missing = Encode(img, opt).status();
  CHECK(missing.code() == StatusCode::kModelNotFound);
  CHECK(missing.message().find("photo-v2") != std::string::npos);
  Image bad = img;
  bad.pixels.pop_back();
  CHECK(Encode(bad, {}).status().code() == StatusCode::kInvalidArgument);
  Image empty;
  CHECK(Encode(empty, {}).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("picnic: decoding enforces max_pixels before allocating", "[picnic]") {
  const Image img = GradientImage(50, 40, ChannelLayout::kGray);
  auto bytes = Encode(img, {});
  REQUIRE(bytes.ok());
  DecodeOptions opt;
  opt.max_pixels = 1999;
  CHECK(Decode(bytes->data(), bytes->size(), opt).status().code() == StatusCode::kLimitExceeded);
  opt.max_pixels = 2000;
  CHECK(Decode(bytes->data(), bytes->size(), opt).ok());
}

// A provider whose model claims another fingerprint than the file needs.
class WrongFingerprintModel : public ProbabilityModel {
 public:
  std::string name() const override { return "histogram"; }
  uint64_t fingerprint() const override { return 42; }
  Status Begin(const std::vector<TileShape>&, int) override { return Status::Ok(); }
  Status Predict(int, int, int, const std::vector<int>&, Distribution*) override {
    return Status::Ok();
  }
  Status Observe(int, int, int, const std::vector<int>&, const uint8_t*) override {
    return Status::Ok();
  }
};

TEST_CASE("picnic: model lookup on decode", "[picnic]") {
  const Image img = GradientImage(10, 10, ChannelLayout::kRgb);
  EncodeOptions eopt;
  eopt.choose_tile_modes = false;  // a file that needs its model
  auto bytes = Encode(img, eopt);
  REQUIRE(bytes.ok());
  DecodeOptions opt;
  opt.provider = [](const std::string&, uint64_t) -> Result<std::unique_ptr<ProbabilityModel>> {
    return std::unique_ptr<ProbabilityModel>(new WrongFingerprintModel());
  };
  const Status s = Decode(bytes->data(), bytes->size(), opt).status();
  CHECK(s.code() == StatusCode::kModelNotFound);
  CHECK(s.message().find("histogram") != std::string::npos);

  auto unknown = BuiltinModelProvider()("photo-v2", 0x3fa1000000000000ull);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().code() == StatusCode::kModelNotFound);
  CHECK(unknown.status().message().find("photo-v2") != std::string::npos);
  CHECK(unknown.status().message().find("3fa1000000000000") != std::string::npos);
  auto wrong_fp = BuiltinModelProvider()("histogram", 12345);
  CHECK(wrong_fp.status().code() == StatusCode::kModelNotFound);
}

// A model that returns a NaN mixture: the encoder must report it, not crash.
class NanModel : public WrongFingerprintModel {
 public:
  uint64_t fingerprint() const override { return 7; }
  Status Predict(int, int, int, const std::vector<int>& ids, Distribution* out) override {
    for (size_t i = 0; i < ids.size(); ++i) {
      out[i].kind = Distribution::Kind::kMixture;
      out[i].mixture.num_mixtures = 1;
      out[i].mixture.means[0] = std::nanf("");
    }
    return Status::Ok();
  }
};

TEST_CASE("picnic: a model's non-finite output is a model error", "[picnic]") {
  EncodeOptions opt;
  opt.choose_tile_modes = false;  // the model path (tile modes: tile_modes_test.cpp)
  opt.provider = [](const std::string&, uint64_t) -> Result<std::unique_ptr<ProbabilityModel>> {
    return std::unique_ptr<ProbabilityModel>(new NanModel());
  };
  CHECK(Encode(GradientImage(4, 4, ChannelLayout::kRgb), opt).status().code() ==
        StatusCode::kModelError);
}

TEST_CASE("picnic: damaged payloads never crash and are reported", "[picnic]") {
  const Image img = NoiseImage(40, 30, ChannelLayout::kRgba, 11);
  EncodeOptions eopt;
  eopt.choose_tile_modes = false;  // the model path (tile modes: tile_modes_test.cpp)
  eopt.tile_size = 16;
  auto bytes = Encode(img, eopt);
  REQUIRE(bytes.ok());
  auto parsed = ParseContainer(bytes->data(), bytes->size(), 0);
  REQUIRE(parsed.ok());
  const size_t payload_start = parsed->header_bytes;
  std::mt19937 rng(3);
  int detected = 0;
  const int trials = 60;
  for (int t = 0; t < trials; ++t) {
    std::vector<uint8_t> damaged = *bytes;
    const size_t pos = payload_start + rng() % (bytes->size() - payload_start);
    damaged[pos] ^= static_cast<uint8_t>(1 + rng() % 255);
    auto dec = Decode(damaged.data(), damaged.size(), {});
    if (!dec.ok()) {
      ++detected;
      const StatusCode c = dec.status().code();
      CHECK((c == StatusCode::kCorrupt || c == StatusCode::kChecksumMismatch));
    } else {
      // Damage to a tile's last byte can fall below the final interval's
      // resolution and change nothing; what must never happen is a
      // successful decode to different pixels.
      CHECK(dec->pixels == img.pixels);
    }
  }
  CHECK(detected >= trials * 9 / 10);
}

TEST_CASE("picnic: version string", "[picnic]") {
  CHECK(std::string(VersionString()) == "0.7.0");
}

}  // namespace
}  // namespace picnic
