// Hostile and broken .pnc input, exhaustively on small files: absurd headers
// fail at once, every truncation and every single-byte change ends in the
// original image or a typed error (never a crash, hang, kInternal or wrong
// pixels), and payload damage the structure checks miss is caught by the
// pixel CRC. (Random multi-edit damage: container_test; fuzzing: tools/fuzz.)
#include <zlib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "container.h"
#include "picnic/picnic.h"

namespace picnic {
namespace {

constexpr size_t kHeaderBytesAt = 8, kWidthAt = 12, kHeightAt = 16, kTileSizeAt = 24,
                 kBatchAt = 28, kNumTilesAt = 44;

uint32_t U32(const std::vector<uint8_t>& b, size_t at) {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (static_cast<uint32_t>(b[at + 3]) << 24);
}
void SetU32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}
void FixHeaderCrc(std::vector<uint8_t>& b) {
  const uint32_t header_bytes = U32(b, kHeaderBytesAt);
  SetU32(b, header_bytes - 4, static_cast<uint32_t>(crc32(0, b.data(), header_bytes - 4)));
}

Image Pattern(int w, int h, ChannelLayout layout) {
  Image img = MakeImage(w, h, layout);
  for (size_t i = 0; i < img.pixels.size(); ++i) {
    img.pixels[i] = static_cast<uint8_t>((i * 29 + (i >> 3) * 7) % 253);
  }
  return img;
}

std::vector<uint8_t> EncodeOrDie(const Image& img, int tile, int batch) {
  EncodeOptions opt;
  opt.choose_tile_modes = false;  // the model path (tile modes: tile_modes_test.cpp)
  opt.tile_size = tile;
  opt.tiles_per_batch = batch;
  auto bytes = Encode(img, opt);
  REQUIRE(bytes.ok());
  return *bytes;
}

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// The codes a damaged file may end in: anything typed, nothing internal.
bool IsCleanError(StatusCode c) {
  return c == StatusCode::kBadMagic || c == StatusCode::kUnknownVersion ||
         c == StatusCode::kTruncated || c == StatusCode::kCorrupt ||
         c == StatusCode::kChecksumMismatch || c == StatusCode::kUnsupported ||
         c == StatusCode::kLimitExceeded || c == StatusCode::kModelNotFound;
}

TEST_CASE("hostile: absurd dimensions with a tiny payload fail at once", "[hostile]") {
  // A 1x1 file, then its header made to claim a huge image (CRC fixed, so
  // the dimension checks themselves are what refuse it).
  const std::vector<uint8_t> good = EncodeOrDie(Pattern(1, 1, ChannelLayout::kRgba), 0, 0);
  struct Claim {
    uint32_t width, height;
    uint64_t max_pixels;
  };
  const Claim claims[] = {
      {0x80000000u, 0x80000000u, kDefaultMaxPixels},  // 2^31 x 2^31: over the int sides
      {0x80000000u, 0x80000000u, 0},                  // ... even with no pixel limit
      {0xFFFFFFFFu, 1, 0},
      {0x7FFFFFFFu, 0x7FFFFFFFu, kDefaultMaxPixels},  // fits an int, not the limit
      {16385, 16384, kDefaultMaxPixels},               // just over 2^28 pixels
      {1u << 20, 2, 1u << 20},                         // over a caller's limit
  };
  for (const Claim& c : claims) {
    std::vector<uint8_t> b = good;
    SetU32(b, kWidthAt, c.width);
    SetU32(b, kHeightAt, c.height);
    FixHeaderCrc(b);
    DecodeOptions opt;
    opt.max_pixels = c.max_pixels;
    const auto start = std::chrono::steady_clock::now();
    const Status s = Decode(b.data(), b.size(), opt).status();
    INFO(c.width << "x" << c.height << " limit " << c.max_pixels << ": " << s.ToString());
    CHECK(s.code() == StatusCode::kLimitExceeded);
    // Refused by the header check, not by a failed allocation.
    CHECK(s.message().find("over the limit") != std::string::npos);
    CHECK(s.message().find("memory") == std::string::npos);
    CHECK(SecondsSince(start) < 0.5);
  }
  // Within the limit, a huge image whose one tile has an empty payload is a
  // legitimate (flat) file; but a claimed tiling that does not match is
  // caught before anything is allocated for it.
  std::vector<uint8_t> b = good;
  SetU32(b, kWidthAt, 16384);
  SetU32(b, kHeightAt, 16384);
  SetU32(b, kTileSizeAt, 1);
  FixHeaderCrc(b);
  const auto start = std::chrono::steady_clock::now();
  CHECK(Decode(b.data(), b.size(), {}).status().code() == StatusCode::kCorrupt);
  CHECK(SecondsSince(start) < 0.5);
}

TEST_CASE("hostile: a batch larger than kMaxTilesPerBatch is refused", "[hostile]") {
  const Image img = Pattern(40, 40, ChannelLayout::kGray);
  EncodeOptions opt;
  opt.choose_tile_modes = false;  // the model path (tile modes: tile_modes_test.cpp)
  opt.tile_size = 1;  // 1600 tiles
  opt.tiles_per_batch = kMaxTilesPerBatch + 1;
  CHECK(Encode(img, opt).status().code() == StatusCode::kInvalidArgument);
  opt.tiles_per_batch = kMaxTilesPerBatch;
  auto bytes = Encode(img, opt);
  REQUIRE(bytes.ok());
  CHECK(Decode(bytes->data(), bytes->size(), {}).ok());
  std::vector<uint8_t> b = *bytes;
  SetU32(b, kBatchAt, kMaxTilesPerBatch + 1);
  FixHeaderCrc(b);
  const Status s = Decode(b.data(), b.size(), {}).status();
  CHECK(s.code() == StatusCode::kLimitExceeded);
  CHECK(s.message().find("tiles per batch") != std::string::npos);
  // A batch field larger than the tile count only means "all tiles at once".
  std::vector<uint8_t> small = EncodeOrDie(Pattern(5, 4, ChannelLayout::kRgb), 0, 0);
  SetU32(small, kBatchAt, 0xFFFFFFFFu);
  FixHeaderCrc(small);
  auto info = ReadFileInfo(small.data(), small.size());
  REQUIRE(info.ok());
  CHECK(info->tiles_per_batch == 1);  // was int(0xFFFFFFFF) = -1
  auto dec = Decode(small.data(), small.size(), {});
  REQUIRE(dec.ok());
  CHECK(dec->pixels == Pattern(5, 4, ChannelLayout::kRgb).pixels);
}

TEST_CASE("hostile: every truncation of a small file is a clean kTruncated", "[hostile]") {
  for (int tile : {0, 4}) {
    const Image img = Pattern(7, 6, ChannelLayout::kRgba);
    const std::vector<uint8_t> good = EncodeOrDie(img, tile, 2);
    for (size_t n = 0; n < good.size(); ++n) {
      const Status s = Decode(good.data(), n, {}).status();
      INFO("tile " << tile << ", first " << n << " of " << good.size() << " bytes: " << s.ToString());
      CHECK(s.code() == StatusCode::kTruncated);
      CHECK(ReadFileInfo(good.data(), n).status().code() == StatusCode::kTruncated);
    }
    std::vector<uint8_t> longer = good;
    longer.push_back(0);
    CHECK(Decode(longer.data(), longer.size(), {}).status().code() == StatusCode::kCorrupt);
    auto whole = Decode(good.data(), good.size(), {});
    REQUIRE(whole.ok());
    CHECK(whole->pixels == img.pixels);
  }
}

TEST_CASE("hostile: every single-byte change decodes to the original or a clean error",
          "[hostile]") {
  const Image img = Pattern(12, 9, ChannelLayout::kRgba);
  const std::vector<uint8_t> good = EncodeOrDie(img, 4, 3);  // 9 tiles, batches of 3
  auto parsed = ParseContainer(good.data(), good.size(), 0);
  REQUIRE(parsed.ok());
  const size_t header_bytes = parsed->header_bytes;
  std::map<StatusCode, int> header_outcomes, payload_outcomes;
  int unchanged_ok = 0;
  const auto start = std::chrono::steady_clock::now();
  for (size_t pos = 0; pos < good.size(); ++pos) {
    for (uint8_t mask : {0x01, 0x80, 0xFF}) {
      for (bool fix_crc : {false, true}) {
        // With the header CRC made to agree, a header edit reaches the field
        // checks (and the fields reach the decoder).
        if (fix_crc && pos >= header_bytes - 4) continue;
        std::vector<uint8_t> b = good;
        b[pos] ^= mask;
        if (fix_crc) {
          if (U32(b, kHeaderBytesAt) < 12 || U32(b, kHeaderBytesAt) > b.size()) continue;
          FixHeaderCrc(b);
        }
        DecodeOptions opt;
        opt.max_pixels = 1 << 16;  // header edits may claim big (flat) images
        auto dec = Decode(b.data(), b.size(), opt);
        INFO("byte " << pos << " ^ " << int(mask) << (fix_crc ? " (CRC fixed)" : "") << ": "
                     << dec.status().ToString());
        if (dec.ok()) {
          // Only a change that cannot matter may pass: the pixels must be the
          // original ones.
          REQUIRE(dec->pixels == img.pixels);
          ++unchanged_ok;
          continue;
        }
        CHECK(IsCleanError(dec.status().code()));
        ++(pos < header_bytes ? header_outcomes : payload_outcomes)[dec.status().code()];
      }
    }
  }
  WARN("single-byte changes of a " << good.size() << "-byte file: " << unchanged_ok
                                   << " decoded to the original, "
                                   << payload_outcomes[StatusCode::kCorrupt] << " payload kCorrupt, "
                                   << payload_outcomes[StatusCode::kChecksumMismatch]
                                   << " payload kChecksumMismatch, in " << SecondsSince(start)
                                   << " s");
  // Header damage is caught by the header CRC or the field checks.
  CHECK(header_outcomes[StatusCode::kCorrupt] > 0);
  // Payload damage: the range decoder notices most of it, and what slips
  // past the structure checks is caught by the pixel CRC.
  CHECK(payload_outcomes[StatusCode::kCorrupt] > 0);
  CHECK(payload_outcomes[StatusCode::kChecksumMismatch] > 0);
  CHECK(payload_outcomes[StatusCode::kTruncated] == 0);
}

TEST_CASE("hostile: the pixel CRC catches damage the payload structure cannot", "[hostile]") {
  // Swap two tiles' payloads (and their lengths): every stream is a valid
  // stream, but of the wrong tile's pixels.
  const Image img = Pattern(8, 4, ChannelLayout::kGray);
  std::vector<uint8_t> good = EncodeOrDie(img, 4, 1);  // two 4x4 tiles
  auto parsed = ParseContainer(good.data(), good.size(), 0);
  REQUIRE(parsed.ok());
  REQUIRE(U32(good, kNumTilesAt) == 2);
  const auto& h = parsed->header;
  std::vector<std::vector<uint8_t>> swapped = {
      std::vector<uint8_t>(good.begin() + parsed->payload_offsets[1],
                           good.begin() + parsed->payload_offsets[1] + h.payload_sizes[1]),
      std::vector<uint8_t>(good.begin() + parsed->payload_offsets[0],
                           good.begin() + parsed->payload_offsets[0] + h.payload_sizes[0])};
  auto b = WriteContainer(h, swapped);
  REQUIRE(b.ok());
  const Status s = Decode(b->data(), b->size(), {}).status();
  CHECK(s.code() == StatusCode::kChecksumMismatch);
  CHECK(s.message().find("checksum") != std::string::npos);
}

}  // namespace
}  // namespace picnic
