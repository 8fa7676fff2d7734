// Tile modes (format 1.3): the synthetic-content model, deflate, and the
// encoder's choice between them and the model.
#include <zlib.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "container.h"
#include "deflate_tile.h"
#include "picnic/picnic.h"
#include "range_coder.h"
#include "histogram_model.h"
#include "synthetic_coder.h"
#include "tile_coder.h"

namespace picnic {
namespace {

const ChannelLayout kLayouts[] = {ChannelLayout::kGray, ChannelLayout::kGrayAlpha, ChannelLayout::kRgb,
                                  ChannelLayout::kRgba};

// A chart-like image: a few flat colours, axis lines, text-like glyphs
// repeated, an anti-aliased diagonal, and a transparent margin in alpha.
Image GraphicsImage(int w, int h, ChannelLayout layout, uint32_t seed = 7) {
  Image img = MakeImage(w, h, layout);
  const int nc = img.channels();
  std::mt19937 rng(seed);
  uint8_t glyph[6][5];
  for (auto& row : glyph) {
    for (auto& v : row) v = rng() % 2;
  }
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint8_t px[4] = {250, 250, 245, 255};
      if (x == 3 || y == h - 4) px[0] = px[1] = px[2] = 20;  // axes
      if (y % 9 < 6 && x % 7 < 5 && glyph[y % 9][x % 7] && y < h / 3) {
        px[0] = 30, px[1] = 30, px[2] = 90;  // text
      }
      const int d = std::abs(y - x / 2 - h / 3);
      if (d < 3 && y >= h / 3) {
        px[0] = static_cast<uint8_t>(200 - 60 * d), px[1] = 40, px[2] = static_cast<uint8_t>(40 + 50 * d);
      }
      if (x >= w - 2) px[3] = 0;  // transparent margin
      if (nc <= 2) {
        img.at(y, x, 0) = px[0];
        if (nc == 2) img.at(y, x, 1) = px[3];
      } else {
        for (int c = 0; c < nc; ++c) img.at(y, x, c) = px[c];
      }
    }
  }
  return img;
}

// Smooth shading in steps of whole values with sparse noise, as a plot's
// colour map or a rendered gradient: exact repeats, but not only.
Image SmoothImage(int w, int h, ChannelLayout layout) {
  Image img = MakeImage(w, h, layout);
  std::mt19937 rng(3);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < img.channels(); ++c) {
        const int v = 40 + (x * (2 + c)) / 3 + y + (rng() % 8 == 0 ? static_cast<int>(rng() % 3) : 0);
        img.at(y, x, c) = static_cast<uint8_t>(c == 3 ? 255 : v);
      }
    }
  }
  return img;
}

Image NoiseImage(int w, int h, ChannelLayout layout, uint32_t seed) {
  Image img = MakeImage(w, h, layout);
  std::mt19937 rng(seed);
  for (auto& p : img.pixels) p = static_cast<uint8_t>(rng());
  return img;
}

struct EncodeIo {
  RangeEncoder encoder;
  void Encode(const uint32_t* cdf, int symbol, int precision) {
    REQUIRE(cdf[symbol] < cdf[symbol + 1]);
    encoder.Encode(cdf[symbol], cdf[symbol + 1], precision);
  }
};
struct DecodeIo {
  RangeDecoder* decoder;
  int Decode(const uint32_t* cdf, int n, int precision) { return decoder->Decode(cdf, precision, n); }
};

// The file decodes to `image`'s pixels with 1 and with 3 threads.
void CheckDecodes(const std::vector<uint8_t>& file, const Image& image) {
  for (int threads : {1, 3}) {
    DecodeOptions opt;
    opt.threads = threads;
    auto back = Decode(file.data(), file.size(), opt);
    INFO(back.status().ToString() << ", " << threads << " threads");
    REQUIRE(back.ok());
    CHECK(back->pixels == image.pixels);
  }
}

// Version 2 (tile mode 3) is what the encoder writes; version 1 (mode 1)
// must keep decoding.
std::vector<uint8_t> SyntheticEncode(const Image& img, const TileRect& r, int version = 1) {
  EncodeIo io;
  REQUIRE(CodeSyntheticTile(r, img, io, version).ok());
  io.encoder.Finalize();
  return io.encoder.TakeBytes();
}

TEST_CASE("synthetic model: tiles round-trip in every layout", "[tile_modes]") {
  for (ChannelLayout layout : kLayouts) {
    for (int kind = 0; kind < 3 * 2; ++kind) {
      const int version = 1 + kind / 3;
      INFO("layout " << static_cast<int>(layout) << " kind " << kind % 3 << " version " << version);
      const Image img = kind % 3 == 0   ? GraphicsImage(37, 29, layout)
                        : kind % 3 == 1 ? NoiseImage(13, 11, layout, 5)
                                        : SmoothImage(41, 23, layout);
      const TileRect r{5, 3, img.width - 9, img.height - 5};  // not at the origin, not the whole image
      const std::vector<uint8_t> bytes = SyntheticEncode(img, r, version);
      Image out = MakeImage(img.width, img.height, layout);
      RangeDecoder decoder(bytes.data(), bytes.size());
      DecodeIo io{&decoder};
      REQUIRE(CodeSyntheticTile(r, out, io, version).ok());
      CHECK_FALSE(decoder.corrupt());
      CHECK(decoder.position() >= bytes.size());
      for (int y = 0; y < r.height; ++y) {
        for (int x = 0; x < r.width; ++x) {
          for (int c = 0; c < img.channels(); ++c) {
            REQUIRE(out.at(r.y0 + y, r.x0 + x, c) == img.at(r.y0 + y, r.x0 + x, c));
          }
        }
      }
    }
  }
}

TEST_CASE("synthetic model: graphics cost far less than noise", "[tile_modes]") {
  const Image chart = GraphicsImage(96, 64, ChannelLayout::kRgb);
  const Image noise = NoiseImage(96, 64, ChannelLayout::kRgb, 3);
  const TileRect whole{0, 0, 96, 64};
  for (int version : {1, 2}) {
    const double chart_bits = SyntheticEncode(chart, whole, version).size() * 8.0 / chart.num_subpixels();
    const double noise_bits = SyntheticEncode(noise, whole, version).size() * 8.0 / noise.num_subpixels();
    INFO("version " << version << ": chart " << chart_bits << " noise " << noise_bits << " bits/subpixel");
    CHECK(chart_bits < 0.5);
    CHECK(noise_bits > 7.9);
    CHECK(noise_bits < 8.3);  // the mixture never costs much more than raw
  }
}

TEST_CASE("synthetic model version 2 codes smooth shading smaller than version 1", "[tile_modes]") {
  // Gradients with a little noise: what version 2's gradient context and
  // residual counts are for.
  for (ChannelLayout layout : {ChannelLayout::kGray, ChannelLayout::kRgb}) {
    const Image img = SmoothImage(120, 80, layout);
    const TileRect whole{0, 0, img.width, img.height};
    const size_t v1 = SyntheticEncode(img, whole, 1).size();
    const size_t v2 = SyntheticEncode(img, whole, 2).size();
    INFO("layout " << static_cast<int>(layout) << ": version 1 " << v1 << " bytes, version 2 " << v2);
    CHECK(v2 < v1);
  }
}

TEST_CASE("deflate tiles round-trip and refuse damage", "[tile_modes]") {
  for (ChannelLayout layout : kLayouts) {
    const Image img = GraphicsImage(23, 17, layout);
    const TileRect r{2, 1, 19, 15};
    auto bytes = EncodeDeflateTile(img, r);
    REQUIRE(bytes.ok());
    Image out = MakeImage(img.width, img.height, layout);
    REQUIRE(DecodeDeflateTile(bytes->data(), bytes->size(), r, out).ok());
    for (int y = 0; y < r.height; ++y) {
      for (int x = 0; x < r.width; ++x) {
        for (int c = 0; c < img.channels(); ++c) REQUIRE(out.at(r.y0 + y, r.x0 + x, c) == img.at(r.y0 + y, r.x0 + x, c));
      }
    }
    // Truncated, extended, garbage, and a stream of the wrong length.
    std::vector<uint8_t> cut(bytes->begin(), bytes->end() - 1);
    CHECK(DecodeDeflateTile(cut.data(), cut.size(), r, out).code() == StatusCode::kCorrupt);
    std::vector<uint8_t> longer = *bytes;
    longer.push_back(0);
    CHECK(DecodeDeflateTile(longer.data(), longer.size(), r, out).code() == StatusCode::kCorrupt);
    std::vector<uint8_t> garbage(bytes->size(), 0xA5);
    CHECK(DecodeDeflateTile(garbage.data(), garbage.size(), r, out).code() == StatusCode::kCorrupt);
    const TileRect smaller{2, 1, 18, 15};
    CHECK(DecodeDeflateTile(bytes->data(), bytes->size(), smaller, out).code() == StatusCode::kCorrupt);
    CHECK(DecodeDeflateTile(nullptr, 0, r, out).code() == StatusCode::kCorrupt);
  }
  // A filter byte PNG does not have.
  const int n = 4 * 3;
  std::vector<uint8_t> raw(2 * (n + 1), 0);
  raw[n + 1] = 5;
  uLongf len = compressBound(raw.size());
  std::vector<uint8_t> z(len);
  REQUIRE(compress2(z.data(), &len, raw.data(), raw.size(), 9) == Z_OK);
  Image out = MakeImage(4, 2, ChannelLayout::kRgb);
  CHECK(DecodeDeflateTile(z.data(), len, TileRect{0, 0, 4, 2}, out).code() == StatusCode::kCorrupt);
}

// Every tile mode in one file, built by hand, decodes through the public API.
TEST_CASE("a file mixing the three tile modes decodes", "[tile_modes]") {
  const Image img = GraphicsImage(40, 20, ChannelLayout::kRgba);
  const TileGrid grid(img.width, img.height, 16);  // 3 x 2 tiles
  ContainerHeader h;
  h.width = img.width;
  h.height = img.height;
  h.layout = img.layout;
  h.cdf_precision = 16;
  h.tile_size = 16;
  h.tiles_per_batch = 3;
  h.model_name = "histogram";
  h.model_fingerprint = 0x3130303074736968ull;
  h.pixels_crc32 = PixelsCrc32(img.pixels);
  h.tile_modes = {kTileSynthetic, kTileDeflate, kTileSynthetic, kTileDeflate, kTileSynthetic, kTileDeflate};
  h.flags = kFlagTileModes;
  std::vector<std::vector<uint8_t>> payloads;
  for (uint64_t t = 0; t < grid.num_tiles(); ++t) {
    if (h.tile_modes[t] == kTileSynthetic) {
      payloads.push_back(SyntheticEncode(img, grid.Tile(t)));
    } else {
      auto d = EncodeDeflateTile(img, grid.Tile(t));
      REQUIRE(d.ok());
      payloads.push_back(*d);
    }
  }
  // One tile with the model (histogram), in a batch with synthetic and
  // deflate tiles.
  h.tile_modes[4] = kTileModel;
  {
    const TileRect r = grid.Tile(4);
    std::vector<RangeEncoder> encoders(1);
    struct BatchCoder {
      std::vector<RangeEncoder>* e;
      Status Code(int t, const QuantizedCdf& cdf, int precision, uint8_t v, CodedInterval*) {
        (*e)[t].Encode(cdf(v), cdf(v + 1), precision);
        return Status::Ok();
      }
    } coder{&encoders};
    HistogramModel model;
    REQUIRE(CodeBatch(model, {r}, 16, img, coder).ok());
    encoders[0].Finalize();
    payloads[4] = encoders[0].TakeBytes();
  }
  auto file = WriteContainer(h, payloads);
  REQUIRE(file.ok());
  // A golden file (written once if missing, then decoded on every run).
  const std::string golden = std::string(PICNIC_SOURCE_DIR) + "/tests/golden/modes_mixed_rgba_40x20_tiles16.pnc";
  const char* write = std::getenv("PICNIC_WRITE_GOLDEN");
  if (write != nullptr && std::string(write) == "1" && !std::ifstream(golden).good()) {
    std::ofstream(golden, std::ios::binary).write(reinterpret_cast<const char*>(file->data()), file->size());
  }
  std::ifstream in(golden, std::ios::binary);
  const std::vector<uint8_t> stored{std::istreambuf_iterator<char>(in), {}};
  REQUIRE_FALSE(stored.empty());
  auto stored_back = Decode(stored.data(), stored.size(), {});
  INFO(stored_back.status().ToString());
  REQUIRE(stored_back.ok());
  CHECK(stored_back->pixels == img.pixels);
  if (stored != *file) WARN("today's tile coders write different bytes than the golden file");
  // A decoder that has no models at all decodes the tiles that need none,
  // and names the model for the one that does.
  DecodeOptions opt;
  opt.provider = [](const std::string& name, uint64_t) -> Result<std::unique_ptr<ProbabilityModel>> {
    return Status(StatusCode::kModelNotFound, "no model " + name);
  };
  CHECK(Decode(file->data(), file->size(), opt).status().code() == StatusCode::kModelNotFound);
  CheckDecodes(*file, img);
  auto info = ReadFileInfo(file->data(), file->size());
  REQUIRE(info.ok());
  CHECK(info->format_minor == 3);
  CHECK(info->model_tiles == 1);
  CHECK(info->synthetic_tiles == 2);
  CHECK(info->deflate_tiles == 3);
}

// Damage anywhere in a file of synthetic, deflate and model tiles gives the
// original pixels or a typed error, never a crash (the sanitizer build runs
// this too).
TEST_CASE("every single-byte change of a tile-modes file fails cleanly", "[tile_modes]") {
  const std::string golden = std::string(PICNIC_SOURCE_DIR) + "/tests/golden/modes_mixed_rgba_40x20_tiles16.pnc";
  std::ifstream in(golden, std::ios::binary);
  const std::vector<uint8_t> good{std::istreambuf_iterator<char>(in), {}};
  REQUIRE(good.size() > 100);
  auto parsed = ParseContainer(good.data(), good.size(), 0);
  REQUIRE(parsed.ok());
  const size_t header_bytes = parsed->header_bytes;
  auto original = Decode(good.data(), good.size(), {});
  REQUIRE(original.ok());
  int clean_errors = 0, originals = 0;
  for (size_t pos = 0; pos < good.size(); ++pos) {
    for (uint8_t mask : {0x01, 0x80, 0xFF}) {
      std::vector<uint8_t> b = good;
      b[pos] ^= mask;
      if (pos < header_bytes - 4) {  // let header edits reach the field checks
        const uint32_t crc = static_cast<uint32_t>(crc32(0, b.data(), header_bytes - 4));
        for (int i = 0; i < 4; ++i) b[header_bytes - 4 + i] = static_cast<uint8_t>(crc >> (8 * i));
      }
      DecodeOptions opt;
      opt.threads = 1;
      auto back = Decode(b.data(), b.size(), opt);
      if (back.ok()) {
        REQUIRE(back->pixels == original->pixels);  // the pixel CRC held
        ++originals;
      } else {
        CHECK(back.status().code() != StatusCode::kInternal);
        ++clean_errors;
      }
    }
  }
  WARN("tile-modes file, single-byte changes: " << clean_errors << " errors, " << originals << " decoded");
  CHECK(clean_errors > 0);
}

TEST_CASE("the tile-modes field is checked", "[tile_modes]") {
  const Image img = GraphicsImage(20, 10, ChannelLayout::kGray);
  ContainerHeader h;
  h.width = 20;
  h.height = 10;
  h.layout = img.layout;
  h.cdf_precision = 16;
  h.tile_size = 0;
  h.tiles_per_batch = 1;
  h.model_name = "histogram";
  h.pixels_crc32 = PixelsCrc32(img.pixels);
  auto deflated = EncodeDeflateTile(img, TileRect{0, 0, 20, 10});
  REQUIRE(deflated.ok());
  h.tile_modes = {kTileDeflate};
  h.flags = kFlagTileModes;
  auto file = WriteContainer(h, {*deflated});
  REQUIRE(file.ok());
  REQUIRE(ParseContainer(file->data(), file->size(), 0).ok());
  auto back = Decode(file->data(), file->size(), {});
  REQUIRE(back.ok());
  CHECK(back->pixels == img.pixels);

  // The writer refuses inconsistent headers.
  ContainerHeader bad = h;
  bad.flags = 0;
  CHECK(WriteContainer(bad, {*deflated}).status().code() == StatusCode::kInvalidArgument);
  bad = h;
  bad.tile_modes = {7};
  CHECK(WriteContainer(bad, {*deflated}).status().code() == StatusCode::kInvalidArgument);

  // The reader: the mode byte sits just before the header CRC.
  const uint32_t header_bytes = file->at(8) | file->at(9) << 8 | file->at(10) << 16 | file->at(11) << 24;
  auto with = [&](auto edit) {
    std::vector<uint8_t> b = *file;
    edit(b);
    const uint32_t crc = static_cast<uint32_t>(crc32(0, b.data(), header_bytes - 4));
    for (int i = 0; i < 4; ++i) b[header_bytes - 4 + i] = static_cast<uint8_t>(crc >> (8 * i));
    return ParseContainer(b.data(), b.size(), 0).status().code();
  };
  CHECK(with([&](std::vector<uint8_t>& b) { b[header_bytes - 5] = 4; }) == StatusCode::kUnsupported);
  CHECK(with([&](std::vector<uint8_t>& b) { b[header_bytes - 5] = 255; }) == StatusCode::kUnsupported);
  CHECK(with([&](std::vector<uint8_t>& b) { b[23] = 0; }) == StatusCode::kCorrupt);       // flag cleared
  CHECK(with([&](std::vector<uint8_t>& b) { b[header_bytes - 9] = 2; }) == StatusCode::kCorrupt);  // count 2 of 1 tile
  CHECK(with([&](std::vector<uint8_t>& b) { b[header_bytes - 9] = 0; }) == StatusCode::kCorrupt);  // flag without modes
}

TEST_CASE("the encoder picks tile modes and every choice round-trips", "[tile_modes]") {
  struct Case {
    const char* name;
    Image image;
  };
  std::vector<Case> cases;
  for (ChannelLayout layout : kLayouts) cases.push_back({"graphics", GraphicsImage(150, 70, layout)});
  // Graphics beside noise: some tiles synthetic, some with the model.
  Image half = GraphicsImage(128, 64, ChannelLayout::kRgb);
  const Image noise = NoiseImage(128, 64, ChannelLayout::kRgb, 9);
  for (int y = 0; y < 64; ++y) {
    for (int x = 64; x < 128; ++x) {
      for (int c = 0; c < 3; ++c) half.at(y, x, c) = static_cast<uint8_t>(100 + noise.at(y, x, c) % 8);
    }
  }
  cases.push_back({"half", half});
  // Rows of a short random period: deflate's matches win.
  Image periodic = MakeImage(120, 40, ChannelLayout::kRgb);
  std::mt19937 rng(11);
  for (int y = 0; y < 40; ++y) {
    uint8_t period[5][3];
    for (auto& p : period) {
      for (auto& v : p) v = static_cast<uint8_t>(rng());
    }
    for (int x = 0; x < 120; ++x) {
      for (int c = 0; c < 3; ++c) periodic.at(y, x, c) = period[x % 5][c];
    }
  }
  cases.push_back({"periodic", periodic});
  for (const Case& k : cases) {
    INFO(k.name << " layout " << static_cast<int>(k.image.layout));
    EncodeOptions opt;
    opt.tile_size = 32;
    opt.tiles_per_batch = 3;
    auto chosen = Encode(k.image, opt);
    REQUIRE(chosen.ok());
    opt.choose_tile_modes = false;
    auto plain = Encode(k.image, opt);
    REQUIRE(plain.ok());
    CHECK(chosen->size() < plain->size());
    auto info = ReadFileInfo(chosen->data(), chosen->size());
    REQUIRE(info.ok());
    CHECK(info->model_tiles < info->num_tiles);
    if (std::string(k.name) == "half") {
      CHECK(info->model_tiles > 0);
      CHECK(info->synthetic_tiles > 0);
    }
    if (std::string(k.name) == "periodic") CHECK(info->deflate_tiles == 1);
    CheckDecodes(*chosen, k.image);
  }
}

TEST_CASE("content without repeats is not tried with the synthetic model", "[tile_modes]") {
  // Smooth noise with no exact repeats: no synthetic tile; deflate may
  // still beat the (weak) histogram model.
  Image img = MakeImage(64, 48, ChannelLayout::kRgb);
  std::mt19937 rng(4);
  for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<uint8_t>(60 + (i / 3) % 97 + rng() % 41);
  EncodeOptions opt;
  auto chosen = Encode(img, opt);
  opt.choose_tile_modes = false;
  auto plain = Encode(img, opt);
  REQUIRE(chosen.ok());
  REQUIRE(plain.ok());
  auto info = ReadFileInfo(chosen->data(), chosen->size());
  REQUIRE(info.ok());
  CHECK(info->synthetic_tiles == 0);
  CHECK(chosen->size() <= plain->size());
  if (info->deflate_tiles == 0) CHECK(*chosen == *plain);
}

}  // namespace
}  // namespace picnic
