// Pixel replication (format 1.4): an exact nearest-neighbour enlargement is
// coded as the image it enlarges.
#include "replication.h"

#include <zlib.h>

#include <catch2/catch.hpp>
#include <random>
#include <vector>

#include "container.h"
#include "picnic/picnic.h"

namespace picnic {
namespace {

Image Noise(int w, int h, ChannelLayout layout, uint32_t seed, int levels = 256) {
  Image img = MakeImage(w, h, layout);
  std::mt19937 rng(seed);
  for (auto& p : img.pixels) p = static_cast<uint8_t>(rng() % levels);
  return img;
}

// `small` with every pixel repeated fx x fy times, cut to width x height.
Image Enlarged(const Image& small, int fx, int fy, int width, int height) {
  Image img = MakeImage(width, height, small.layout);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < img.channels(); ++c) img.at(y, x, c) = small.at(y / fy, x / fx, c);
    }
  }
  return img;
}

TEST_CASE("replication: the largest exact factors are found", "[replication]") {
  const Image small = Noise(9, 7, ChannelLayout::kRgb, 1);
  struct Case {
    int fx, fy, width, height;
  };
  for (const Case& k : {Case{2, 2, 18, 14}, Case{3, 1, 27, 7}, Case{1, 4, 9, 28}, Case{3, 2, 26, 13},
                        Case{16, 16, 144, 112}, Case{5, 3, 41, 19}}) {
    INFO(k.fx << "x" << k.fy << " to " << k.width << "x" << k.height);
    const Image big = Enlarged(small, k.fx, k.fy, k.width, k.height);
    const Replication r = FindReplication(big);
    CHECK(r.x == k.fx);
    CHECK(r.y == k.fy);
    const Image reduced = Reduce(big, r);
    CHECK(reduced.width == ReducedSide(k.width, k.fx));
    CHECK(reduced.height == ReducedSide(k.height, k.fy));
    CHECK(Enlarge(reduced, r, k.width, k.height).pixels == big.pixels);
  }
  // One pixel off breaks it; noise and a one-pixel image have none.
  Image big = Enlarged(small, 2, 2, 18, 14);
  big.at(13, 17, 2) ^= 1;
  CHECK(FindReplication(big).none());
  CHECK(FindReplication(Noise(40, 30, ChannelLayout::kGray, 2)).none());
  CHECK(FindReplication(Noise(1, 1, ChannelLayout::kRgba, 3)).none());
  // A flat image is one block of up to kMaxReplicationSearch per side.
  const Image flat = MakeImage(40, 10, ChannelLayout::kGrayAlpha);
  CHECK(FindReplication(flat).x == kMaxReplicationSearch);
  CHECK(FindReplication(flat).y == 10);
}

TEST_CASE("replication: enlargements round-trip in every layout and mode", "[replication]") {
  for (ChannelLayout layout :
       {ChannelLayout::kGray, ChannelLayout::kGrayAlpha, ChannelLayout::kRgb, ChannelLayout::kRgba}) {
    // Noise (the model), few levels (deflate or the model), and a pattern
    // with repeats (the synthetic model), each enlarged 3 x 2 with edge
    // blocks cut short.
    Image pattern = Noise(30, 20, layout, 4, 2);
    for (int y = 0; y < 20; ++y) {
      for (int x = 0; x < 30; ++x) {
        if ((x / 5 + y / 4) % 2 == 0) {
          for (int c = 0; c < pattern.channels(); ++c) pattern.at(y, x, c) = static_cast<uint8_t>(40 * c + 7);
        }
      }
    }
    for (const Image& small : {Noise(30, 20, layout, 5), Noise(30, 20, layout, 6, 4), pattern}) {
      const Image big = Enlarged(small, 3, 2, 89, 39);
      for (int tile : {0, 8}) {
        INFO("layout " << static_cast<int>(layout) << " tile " << tile);
        EncodeOptions opt;
        opt.tile_size = tile;
        opt.tiles_per_batch = 2;
        auto file = Encode(big, opt);
        REQUIRE(file.ok());
        auto info = ReadFileInfo(file->data(), file->size());
        REQUIRE(info.ok());
        CHECK(info->format_minor == 4);
        CHECK(info->width == 89);
        CHECK(info->height == 39);
        CHECK(info->replication_x == 3);
        CHECK(info->replication_y == 2);
        for (int threads : {1, 3}) {
          DecodeOptions dopt;
          dopt.threads = threads;
          auto back = Decode(file->data(), file->size(), dopt);
          INFO(back.status().ToString());
          REQUIRE(back.ok());
          CHECK(back->width == 89);
          CHECK(back->pixels == big.pixels);
        }
        // The same image without the choice: larger, and the model's file.
        opt.choose_tile_modes = false;
        auto plain = Encode(big, opt);
        REQUIRE(plain.ok());
        CHECK(file->size() < plain->size());
        auto plain_info = ReadFileInfo(plain->data(), plain->size());
        REQUIRE(plain_info.ok());
        CHECK(plain_info->replication_x == 1);
      }
    }
  }
}

TEST_CASE("replication: the field is checked", "[replication]") {
  const Image small = Noise(24, 24, ChannelLayout::kRgb, 8, 4);
  const Image big = Enlarged(small, 3, 2, 71, 47);
  EncodeOptions opt;
  opt.tile_size = 12;
  auto file = Encode(big, opt);
  REQUIRE(file.ok());
  auto parsed = ParseContainer(file->data(), file->size(), 0);
  REQUIRE(parsed.ok());
  const ContainerHeader h = parsed->header;
  REQUIRE(h.replicate_x == 3);
  REQUIRE(h.replicate_y == 2);
  REQUIRE(h.payload_sizes.size() == 4);  // the 24 x 24 image in tiles of 12

  // The writer keeps flag, factors and tile count together.
  std::vector<std::vector<uint8_t>> payloads;
  for (size_t t = 0; t < h.payload_sizes.size(); ++t) {
    payloads.emplace_back(file->begin() + parsed->payload_offsets[t],
                          file->begin() + parsed->payload_offsets[t] + h.payload_sizes[t]);
  }
  auto rewritten = WriteContainer(h, payloads);
  REQUIRE(rewritten.ok());
  CHECK(*rewritten == *file);
  ContainerHeader bad = h;
  bad.flags &= ~kFlagReplicated;
  CHECK(WriteContainer(bad, payloads).status().code() == StatusCode::kInvalidArgument);
  bad = h;
  bad.replicate_x = 0;
  CHECK(WriteContainer(bad, payloads).status().code() == StatusCode::kInvalidArgument);
  bad = h;
  bad.replicate_y = 1;  // 24 x 47 in tiles of 12 is 8 tiles
  CHECK(WriteContainer(bad, payloads).status().code() == StatusCode::kInvalidArgument);

  // The reader: the two factor bytes sit just before the header CRC.
  const size_t header_bytes = parsed->header_bytes;
  auto with = [&](auto edit) {
    std::vector<uint8_t> b = *file;
    edit(b);
    const uint32_t crc = static_cast<uint32_t>(crc32(0, b.data(), header_bytes - 4));
    for (int i = 0; i < 4; ++i) b[header_bytes - 4 + i] = static_cast<uint8_t>(crc >> (8 * i));
    return Decode(b.data(), b.size(), {}).status().code();
  };
  CHECK(with([](std::vector<uint8_t>&) {}) == StatusCode::kOk);
  CHECK(with([&](std::vector<uint8_t>& b) { b[header_bytes - 6] = 0; }) == StatusCode::kCorrupt);
  CHECK(with([&](std::vector<uint8_t>& b) { b[header_bytes - 5] = 0; }) == StatusCode::kCorrupt);
  // Other factors leave another tile count.
  CHECK(with([&](std::vector<uint8_t>& b) { b[header_bytes - 6] = 2; }) == StatusCode::kCorrupt);
  CHECK(with([&](std::vector<uint8_t>& b) { b[header_bytes - 5] = 255; }) == StatusCode::kCorrupt);
  // Factors of 1 x 1 with the flag, and the flag cleared with factors.
  CHECK(with([&](std::vector<uint8_t>& b) { b[header_bytes - 6] = b[header_bytes - 5] = 1; }) ==
        StatusCode::kCorrupt);
  CHECK(with([&](std::vector<uint8_t>& b) { b[23] &= ~kFlagReplicated; }) == StatusCode::kCorrupt);
  // A width that keeps the tile count decodes other pixels: the CRC says so.
  CHECK(with([&](std::vector<uint8_t>& b) { b[12] = 70; }) == StatusCode::kChecksumMismatch);
}

}  // namespace
}  // namespace picnic
