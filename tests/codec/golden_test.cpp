// Golden .pnc files in tests/golden/ must decode forever: they pin the
// format, the range coder, the CDF builder and the histogram model.
//
// Adding a golden file (old ones are never rewritten: this writes only the
// files that are missing):
//   PICNIC_WRITE_GOLDEN=1 build/tests/picnic_codec_tests "[golden]"
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "picnic/picnic.h"

namespace picnic {
namespace {

struct Golden {
  std::string file;
  Image image;
  int tile_size;
  int tiles_per_batch;
  int cdf_precision;
  bool choose_modes = false;  // format 1.3 tile modes (false: every tile with the model)
  uint64_t synthetic_tiles = 0, deflate_tiles = 0;  // what the file holds
  int replication_x = 1, replication_y = 1;         // format 1.4
};

// Spelled-out arithmetic (no library RNG) so the pixels never change.
uint8_t Lcg(uint32_t& state) {
  state = state * 1664525u + 1013904223u;
  return static_cast<uint8_t>(state >> 24);
}

std::vector<Golden> GoldenSet() {
  std::vector<Golden> set;
  {
    Image img = MakeImage(7, 5, ChannelLayout::kRgb);
    for (int y = 0; y < 5; ++y) {
      for (int x = 0; x < 7; ++x) {
        for (int c = 0; c < 3; ++c) img.at(y, x, c) = static_cast<uint8_t>(x * 36 + y * 50 + c * 85);
      }
    }
    set.push_back({"rgb_7x5.pnc", img, 64, 0, 16});
  }
  {
    Image img = MakeImage(3, 4, ChannelLayout::kGrayAlpha);
    for (int y = 0; y < 4; ++y) {
      for (int x = 0; x < 3; ++x) {
        img.at(y, x, 0) = static_cast<uint8_t>(20 * x + 60 * y);
        img.at(y, x, 1) = (x + y) % 3 ? 255 : 0;
      }
    }
    set.push_back({"gray_alpha_3x4.pnc", img, 64, 0, 16});
  }
  {
    Image img = MakeImage(1, 1, ChannelLayout::kRgba);
    img.pixels = {12, 200, 77, 128};
    set.push_back({"rgba_1x1.pnc", img, 64, 0, 16});
  }
  {
    // Several tiles, edge tiles, two batches, the lowest precision.
    Image img = MakeImage(21, 10, ChannelLayout::kRgb);
    uint32_t state = 2024;
    for (auto& p : img.pixels) p = static_cast<uint8_t>(100 + Lcg(state) % 16);
    set.push_back({"rgb_21x10_tiles8_batch4_p12.pnc", img, 8, 4, 12});
  }
  {
    // The wide range coder (precision above 16, the default from
    // 2026-12-02), alpha included: several tiles, two batches.
    Image img = MakeImage(19, 11, ChannelLayout::kRgba);
    uint32_t state = 2612;
    for (auto& p : img.pixels) p = static_cast<uint8_t>(60 + Lcg(state) % 40);
    set.push_back({"rgba_19x11_tiles8_batch3_p24.pnc", img, 8, 3, 24});
  }
  {
    // Format 1.3, mode 1: flat blocks and a repeated glyph beside noise, in
    // RGBA: the encoder keeps the whole image as one synthetic tile. (A file
    // mixing all three modes tile by tile: tile_modes_test.cpp.)
    Image img = MakeImage(40, 16, ChannelLayout::kRgba);
    uint32_t state = 77;
    for (int y = 0; y < 16; ++y) {
      for (int x = 0; x < 40; ++x) {
        const bool ink = x < 16 && ((x % 4 == 1 && y % 5 != 4) || (y % 5 == 0 && x % 4 < 3));
        for (int c = 0; c < 3; ++c) img.at(y, x, c) = ink ? static_cast<uint8_t>(30 + 40 * c) : 245;
        img.at(y, x, 3) = x < 2 ? 0 : 255;
        if (x >= 16) {
          for (int c = 0; c < 4; ++c) img.at(y, x, c) = Lcg(state);
        }
      }
    }
    set.push_back({"modes_rgba_40x16_synthetic.pnc", img, 8, 2, 16, true, 1, 0});
  }
  {
    // Mode 3, the synthetic model version 2 (what the encoder writes since
    // it exists): the mode-1 file's image with more glyphs, less noise.
    Image img = MakeImage(40, 16, ChannelLayout::kRgba);
    uint32_t state = 77;
    for (int y = 0; y < 16; ++y) {
      for (int x = 0; x < 40; ++x) {
        const bool ink = x < 28 && ((x % 4 == 1 && y % 5 != 4) || (y % 5 == 0 && x % 4 < 3));
        for (int c = 0; c < 3; ++c) img.at(y, x, c) = ink ? static_cast<uint8_t>(30 + 40 * c) : 245;
        img.at(y, x, 3) = x < 2 ? 0 : 255;
        if (x >= 28) {
          for (int c = 0; c < 4; ++c) img.at(y, x, c) = Lcg(state);
        }
      }
    }
    set.push_back({"modes3_rgba_40x16_synthetic_v2.pnc", img, 8, 2, 16, true, 1, 0});
  }
  {
    // Mode 2: rows of a random period of 3 pixels, gray + alpha, stored as
    // one deflated tile.
    Image img = MakeImage(30, 6, ChannelLayout::kGrayAlpha);
    uint32_t state = 5;
    for (int y = 0; y < 6; ++y) {
      uint8_t period[3][2];
      for (auto& p : period) p[0] = Lcg(state), p[1] = Lcg(state);
      for (int x = 0; x < 30; ++x) img.at(y, x, 0) = period[x % 3][0], img.at(y, x, 1) = period[x % 3][1];
    }
    set.push_back({"modes_gray_alpha_30x6_deflate.pnc", img, 64, 0, 16, true, 0, 1});
  }
  {
    // Format 1.4: a 24 x 24 image enlarged 3 x 2 and cut to 71 x 47, coded
    // as the small image in 4 tiles of 12 with the model.
    uint32_t state = 1414;
    Image small = MakeImage(24, 24, ChannelLayout::kRgb);
    for (auto& p : small.pixels) p = static_cast<uint8_t>(100 + Lcg(state) % 4);
    Image img = MakeImage(71, 47, ChannelLayout::kRgb);
    for (int y = 0; y < 47; ++y) {
      for (int x = 0; x < 71; ++x) {
        for (int c = 0; c < 3; ++c) img.at(y, x, c) = small.at(y / 2, x / 3, c);
      }
    }
    Golden g{"replicated_rgb_71x47_3x2_tiles12.pnc", img, 12, 2, 16, true, 0, 0};
    g.replication_x = 3;
    g.replication_y = 2;
    set.push_back(g);
  }
  return set;
}

std::string GoldenPath(const std::string& file) {
  return std::string(PICNIC_SOURCE_DIR) + "/tests/golden/" + file;
}

std::vector<uint8_t> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::vector<uint8_t> EncodeGolden(const Golden& g) {
  EncodeOptions opt;
  opt.tile_size = g.tile_size;
  opt.tiles_per_batch = g.tiles_per_batch;
  opt.cdf_precision = g.cdf_precision;
  opt.choose_tile_modes = g.choose_modes;
  auto bytes = Encode(g.image, opt);
  REQUIRE(bytes.ok());
  return *bytes;
}

TEST_CASE("golden: files decode to the expected pixels", "[golden]") {
  const char* write = std::getenv("PICNIC_WRITE_GOLDEN");
  for (const Golden& g : GoldenSet()) {
    INFO(g.file);
    if (write != nullptr && std::string(write) == "1" && !std::ifstream(GoldenPath(g.file)).good()) {
      const std::vector<uint8_t> bytes = EncodeGolden(g);
      std::ofstream out(GoldenPath(g.file), std::ios::binary);
      out.write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      REQUIRE(out.good());
      WARN("wrote " << GoldenPath(g.file) << " (" << bytes.size() << " bytes)");
    }
    const std::vector<uint8_t> bytes = ReadAll(GoldenPath(g.file));
    REQUIRE_FALSE(bytes.empty());
    auto info = ReadFileInfo(bytes.data(), bytes.size());
    REQUIRE(info.ok());
    CHECK(info->format_major == 1);
    CHECK(info->width == g.image.width);
    CHECK(info->height == g.image.height);
    CHECK(info->layout == g.image.layout);
    CHECK(info->model_name == "histogram");
    CHECK(info->cdf_precision == g.cdf_precision);
    CHECK(info->synthetic_tiles == g.synthetic_tiles);
    CHECK(info->deflate_tiles == g.deflate_tiles);
    CHECK(info->replication_x == g.replication_x);
    CHECK(info->replication_y == g.replication_y);
    auto decoded = Decode(bytes.data(), bytes.size(), {});
    INFO(decoded.status().ToString());
    REQUIRE(decoded.ok());
    CHECK(decoded->layout == g.image.layout);
    CHECK(decoded->pixels == g.image.pixels);
    // Not a failure: a changed encoder may legitimately write other bytes,
    // as long as the old files still decode (checked above).
    if (EncodeGolden(g) != bytes) WARN(g.file << ": today's encoder writes different bytes");
  }
}

}  // namespace
}  // namespace picnic
