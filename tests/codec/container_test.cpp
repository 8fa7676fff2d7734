#include "container.h"

#include <zlib.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "picnic/picnic.h"

namespace picnic {
namespace {

// FORMAT.md offsets, spelled out here on purpose: the test pins the layout.
constexpr size_t kMajorAt = 4, kMinorAt = 6, kHeaderBytesAt = 8, kWidthAt = 12, kHeightAt = 16,
                 kLayoutAt = 20, kBitDepthAt = 21, kPrecisionAt = 22, kFlagsAt = 23,
                 kTileSizeAt = 24, kBatchAt = 28, kCrcAt = 40, kNumTilesAt = 44, kNameAt = 49;

uint32_t U32(const std::vector<uint8_t>& b, size_t at) {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (static_cast<uint32_t>(b[at + 3]) << 24);
}
void SetU32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}
void SetU16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v);
  b[at + 1] = static_cast<uint8_t>(v >> 8);
}
// Recomputes the header CRC after a test edited header fields, so that the
// edit reaches the check it is meant to reach.
void FixHeaderCrc(std::vector<uint8_t>& b) {
  const uint32_t header_bytes = U32(b, kHeaderBytesAt);
  const uint32_t crc = static_cast<uint32_t>(crc32(0, b.data(), header_bytes - 4));
  SetU32(b, header_bytes - 4, crc);
}

// Every tile with the model: files of the format's older minor versions.
EncodeOptions ModelOnly() {
  EncodeOptions opt;
  opt.choose_tile_modes = false;
  return opt;
}

Image TestImage(int w, int h, ChannelLayout layout) {
  Image img = MakeImage(w, h, layout);
  for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<uint8_t>(i * 37 % 251);
  return img;
}

std::vector<uint8_t> ValidFile(int tile_size = 8) {
  EncodeOptions opt;
  opt.choose_tile_modes = false;  // the model path (tile modes: tile_modes_test.cpp)
  opt.tile_size = tile_size;
  auto bytes = Encode(TestImage(20, 12, ChannelLayout::kRgb), opt);
  REQUIRE(bytes.ok());
  return *bytes;
}

StatusCode ParseCode(const std::vector<uint8_t>& b) {
  return ParseContainer(b.data(), b.size(), kDefaultMaxPixels).status().code();
}

TEST_CASE("container: header fields survive a write/read round trip", "[container]") {
  ContainerHeader h;
  h.width = 300;
  h.height = 7;
  h.layout = ChannelLayout::kGrayAlpha;
  h.cdf_precision = 13;
  h.tile_size = 64;
  h.tiles_per_batch = 3;
  h.model_fingerprint = 0x0123456789abcdefull;
  h.pixels_crc32 = 0xdeadbeef;
  h.model_name = "photo-v2";
  std::vector<std::vector<uint8_t>> payloads = {{1, 2, 3}, {}, {4}, {5, 6, 7, 8, 9}, {10}};
  auto bytes = WriteContainer(h, payloads);
  REQUIRE(bytes.ok());
  CHECK(std::memcmp(bytes->data(), "\x89PNC", 4) == 0);
  auto parsed = ParseContainer(bytes->data(), bytes->size(), 0);
  REQUIRE(parsed.ok());
  const ContainerHeader& r = parsed->header;
  CHECK(r.format_major == kFormatMajor);
  CHECK(r.format_minor == 0);  // no metadata: nothing a 1.0 reader would miss
  CHECK(r.width == 300);
  CHECK(r.height == 7);
  CHECK(r.layout == ChannelLayout::kGrayAlpha);
  CHECK(r.bit_depth == 8);
  CHECK(r.cdf_precision == 13);
  CHECK(r.tile_size == 64);
  CHECK(r.tiles_per_batch == 3);
  CHECK(r.model_fingerprint == 0x0123456789abcdefull);
  CHECK(r.pixels_crc32 == 0xdeadbeef);
  CHECK(r.model_name == "photo-v2");
  REQUIRE(r.payload_sizes == std::vector<uint32_t>{3, 0, 1, 5, 1});
  CHECK(parsed->header_bytes == kFixedHeaderBytes + 8 + 5 * 4 + 4);
  for (size_t t = 0; t < payloads.size(); ++t) {
    CHECK(std::equal(payloads[t].begin(), payloads[t].end(),
                     bytes->data() + parsed->payload_offsets[t]));
  }

  // The writer refuses headers it could not read back.
  h.model_name = "";
  CHECK(WriteContainer(h, payloads).status().code() == StatusCode::kInvalidArgument);
  h.model_name = "bad\nname";
  CHECK(WriteContainer(h, payloads).status().code() == StatusCode::kInvalidArgument);
  h.model_name = "ok";
  payloads.pop_back();
  CHECK(WriteContainer(h, payloads).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("container: each malformed file gets its own error", "[container]") {
  const std::vector<uint8_t> good = ValidFile();
  REQUIRE(ParseCode(good) == StatusCode::kOk);

  SECTION("empty") { CHECK(ParseCode({}) == StatusCode::kTruncated); }
  SECTION("bad magic") {
    std::vector<uint8_t> b = good;
    b[1] = 'X';
    const Status s = ParseContainer(b.data(), b.size(), 0).status();
    CHECK(s.code() == StatusCode::kBadMagic);
    CHECK(s.message() == "not a picnic file (bad magic)");
    const std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    CHECK(ParseCode(png) == StatusCode::kBadMagic);
    CHECK(ParseCode({'P'}) == StatusCode::kBadMagic);
  }
  SECTION("unknown major version") {
    std::vector<uint8_t> b = good;
    SetU16(b, kMajorAt, 3);
    SetU16(b, kMinorAt, 2);
    const Status s = ParseContainer(b.data(), b.size(), 0).status();
    CHECK(s.code() == StatusCode::kUnknownVersion);
    CHECK(s.message() == "file uses format version 3.2; this picnic reads 1.x");
  }
  SECTION("truncated header") {
    for (size_t len : {size_t{2}, size_t{4}, size_t{11}, size_t{30}, size_t{60}}) {
      std::vector<uint8_t> b(good.begin(), good.begin() + len);
      INFO("length " << len);
      CHECK(ParseCode(b) == StatusCode::kTruncated);
    }
  }
  SECTION("damaged header") {
    std::vector<uint8_t> b = good;
    b[kWidthAt] ^= 1;  // not fixing the CRC
    CHECK(ParseCode(b) == StatusCode::kCorrupt);
  }
  SECTION("truncated payload") {
    std::vector<uint8_t> b(good.begin(), good.end() - 1);
    const Status s = ParseContainer(b.data(), b.size(), 0).status();
    CHECK(s.code() == StatusCode::kTruncated);
    CHECK(s.message().find("payload of tile") != std::string::npos);
  }
  SECTION("trailing garbage") {
    std::vector<uint8_t> b = good;
    b.push_back(0);
    const Status s = ParseContainer(b.data(), b.size(), 0).status();
    CHECK(s.code() == StatusCode::kCorrupt);
    CHECK(s.message().find("after the last tile") != std::string::npos);
  }
  SECTION("payload length beyond the file") {
    std::vector<uint8_t> b = good;
    const size_t table = kNameAt + b[kNameAt - 1];
    SetU32(b, table, U32(b, table) + 1000);
    FixHeaderCrc(b);
    CHECK(ParseCode(b) == StatusCode::kTruncated);
    SetU32(b, table, 0xFFFFFFFFu);
    FixHeaderCrc(b);
    CHECK(ParseCode(b) == StatusCode::kTruncated);
  }
  SECTION("tile count does not match the dimensions") {
    std::vector<uint8_t> b = good;
    SetU32(b, kTileSizeAt, 4);
    FixHeaderCrc(b);
    CHECK(ParseCode(b) == StatusCode::kCorrupt);
    b = good;
    SetU32(b, kNumTilesAt, 1000000);
    FixHeaderCrc(b);
    CHECK(ParseCode(b) == StatusCode::kCorrupt);
  }
  SECTION("absurd dimensions are refused before allocating") {
    std::vector<uint8_t> b = good;
    SetU32(b, kWidthAt, 1u << 20);
    SetU32(b, kHeightAt, 1u << 20);
    SetU32(b, kTileSizeAt, 0);
    FixHeaderCrc(b);
    CHECK(ParseCode(b) == StatusCode::kLimitExceeded);
    const Status s = ParseContainer(b.data(), b.size(), kDefaultMaxPixels).status();
    CHECK(s.message().find("1048576x1048576") != std::string::npos);
    // Also through Decode.
    CHECK(Decode(b.data(), b.size(), {}).status().code() == StatusCode::kLimitExceeded);
    SetU32(b, kWidthAt, 0xFFFFFFFFu);
    SetU32(b, kHeightAt, 1);
    FixHeaderCrc(b);
    CHECK(ParseContainer(b.data(), b.size(), 0).status().code() == StatusCode::kLimitExceeded);
  }
  SECTION("zero dimensions") {
    std::vector<uint8_t> b = good;
    SetU32(b, kHeightAt, 0);
    FixHeaderCrc(b);
    CHECK(ParseCode(b) == StatusCode::kCorrupt);
  }
  SECTION("field values out of range") {
    std::vector<uint8_t> b = good;
    b[kLayoutAt] = 7;
    FixHeaderCrc(b);
    CHECK(ParseCode(b) == StatusCode::kCorrupt);
    b = good;
    b[kPrecisionAt] = 25;
    FixHeaderCrc(b);
    CHECK(ParseCode(b) == StatusCode::kCorrupt);
    b = good;
    SetU32(b, kBatchAt, 0);
    FixHeaderCrc(b);
    CHECK(ParseCode(b) == StatusCode::kCorrupt);
    b = good;
    b[kNameAt] = 0x07;
    FixHeaderCrc(b);
    CHECK(ParseCode(b) == StatusCode::kCorrupt);
  }
  SECTION("16-bit samples and unknown flags are unsupported, not corrupt") {
    std::vector<uint8_t> b = good;
    b[kBitDepthAt] = 16;
    FixHeaderCrc(b);
    const Status s = ParseContainer(b.data(), b.size(), 0).status();
    CHECK(s.code() == StatusCode::kUnsupported);
    CHECK(s.message().find("16-bit") != std::string::npos);
    // Every bit of the flags byte is taken (1.9); later features use the
    // orientation field's second byte ("container: orientation").
  }
  SECTION("pixel checksum mismatch") {
    std::vector<uint8_t> b = good;
    SetU32(b, kCrcAt, U32(b, kCrcAt) ^ 1);
    FixHeaderCrc(b);
    CHECK(ParseCode(b) == StatusCode::kOk);
    CHECK(Decode(b.data(), b.size(), {}).status().code() == StatusCode::kChecksumMismatch);
  }
  SECTION("unknown model") {
    std::vector<uint8_t> b = good;
    b[kNameAt + 2] = 'X';  // "hiXtogram"
    FixHeaderCrc(b);
    const Status s = Decode(b.data(), b.size(), {}).status();
    CHECK(s.code() == StatusCode::kModelNotFound);
    CHECK(s.message().find("hiXtogram") != std::string::npos);
  }
}

TEST_CASE("container: a newer minor version with appended fields still decodes",
          "[container]") {
  std::vector<uint8_t> b = ValidFile();
  const uint32_t header_bytes = U32(b, kHeaderBytesAt);
  // From 1.1 on the extension area starts with the metadata field, from 1.2
  // the model-parameters field follows, from 1.3 the tile-modes field (here
  // all empty: zero lengths), from 1.4 the replication factors (1 x 1),
  // from 1.9 the orientation and its flags (0, 0), then two bytes of
  // "future" fields.
  b.insert(b.begin() + (header_bytes - 4), {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 5, 6});
  SetU32(b, kHeaderBytesAt, header_bytes + 18);
  SetU16(b, kMinorAt, kFormatMinor + 5);
  FixHeaderCrc(b);
  auto info = ReadFileInfo(b.data(), b.size());
  REQUIRE(info.ok());
  CHECK(info->format_minor == kFormatMinor + 5);
  auto dec = Decode(b.data(), b.size(), {});
  INFO(dec.status().ToString());
  REQUIRE(dec.ok());
  CHECK(dec->pixels == TestImage(20, 12, ChannelLayout::kRgb).pixels);
}

TEST_CASE("container: random damage anywhere never crashes the decoder", "[container]") {
  const std::vector<uint8_t> good = ValidFile(5);
  std::mt19937 rng(17);
  DecodeOptions opt;
  opt.max_pixels = 1 << 12;
  for (int trial = 0; trial < 400; ++trial) {
    std::vector<uint8_t> b = good;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t pos = rng() % b.size();
      switch (rng() % 3) {
        case 0: b[pos] = static_cast<uint8_t>(rng()); break;
        case 1: b.resize(pos); break;
        case 2: b.insert(b.begin() + pos, static_cast<uint8_t>(rng())); break;
      }
      if (b.empty()) break;
    }
    // Half the time make the header checksum agree, to get past it.
    if (trial % 2 && b.size() > kHeaderBytesAt + 4 && U32(b, kHeaderBytesAt) <= b.size() &&
        U32(b, kHeaderBytesAt) >= 8) {
      FixHeaderCrc(b);
    }
    auto dec = Decode(b.data(), b.size(), opt);
    auto info = ReadFileInfo(b.data(), b.size());
    if (dec.ok()) CHECK(dec->pixels == TestImage(20, 12, ChannelLayout::kRgb).pixels);
    (void)info;
  }
}

TEST_CASE("container: MeasureContainer learns a file's length from its first bytes", "[container]") {
  const std::vector<uint8_t> good = ValidFile();
  const auto parsed = ParseContainer(good.data(), good.size(), 0);
  REQUIRE(parsed.ok());
  // Every prefix: either "read up to N" with size < N <= header length, or
  // (the header complete) the exact total.
  for (size_t n = 0; n <= good.size(); ++n) {
    INFO("first " << n << " bytes");
    auto e = MeasureContainer(good.data(), n, 0);
    REQUIRE(e.ok());
    if (n < parsed->header_bytes) {
      CHECK_FALSE(e->complete);
      CHECK(e->bytes > n);
      CHECK(e->bytes <= parsed->header_bytes);
    } else {
      CHECK(e->complete);
      CHECK(e->bytes == good.size());
    }
  }
  // Bad magic is seen from the first byte on; other damage once it is read.
  std::vector<uint8_t> b = good;
  b[0] = 'P';
  CHECK(MeasureContainer(b.data(), 1, 0).status().code() == StatusCode::kBadMagic);
  b = good;
  SetU16(b, kMajorAt, 9);
  CHECK(MeasureContainer(b.data(), 12, 0).status().code() == StatusCode::kUnknownVersion);
  // Limits before the rest of the header is read.
  b = good;
  SetU32(b, kWidthAt, 1u << 20);
  SetU32(b, kHeightAt, 1u << 20);
  SetU32(b, kTileSizeAt, 0);
  CHECK(MeasureContainer(b.data(), kFixedHeaderBytes, kDefaultMaxPixels).status().code() ==
        StatusCode::kLimitExceeded);
  // A header length beyond what its fields and extensions allow.
  b = good;
  SetU32(b, kHeaderBytesAt, 0x7FFFFFFFu);
  CHECK(MeasureContainer(b.data(), kFixedHeaderBytes, 0).status().code() == StatusCode::kCorrupt);
  // Once complete, the header checksum counts.
  b = good;
  b[kNameAt] ^= 1;
  CHECK(MeasureContainer(b.data(), b.size(), 0).status().code() == StatusCode::kCorrupt);
}

TEST_CASE("container: header extensions are bounded", "[container]") {
  std::vector<uint8_t> b = ValidFile();
  const auto parsed = ParseContainer(b.data(), b.size(), 0);
  REQUIRE(parsed.ok());
  const size_t header = parsed->header_bytes;
  // Insert extension bytes before the header CRC: a later minor version.
  for (size_t extra : {size_t{16}, kMaxHeaderExtensionBytes, kMaxHeaderExtensionBytes + 1}) {
    INFO("extension of " << extra << " bytes");
    std::vector<uint8_t> x(b.begin(), b.begin() + (header - 4));
    x.insert(x.end(), extra, 0xAB);
    x.insert(x.end(), 4, 0);
    x.insert(x.end(), b.begin() + header, b.end());
    SetU32(x, kHeaderBytesAt, static_cast<uint32_t>(header + extra));
    FixHeaderCrc(x);
    const auto p = ParseContainer(x.data(), x.size(), 0);
    if (extra <= kMaxHeaderExtensionBytes) {
      CHECK(p.ok());
      CHECK(MeasureContainer(x.data(), x.size(), 0).value().bytes == x.size());
    } else {
      CHECK(p.status().code() == StatusCode::kCorrupt);
    }
  }
}

Image ImageWithMetadata() {
  Image img = TestImage(20, 12, ChannelLayout::kRgb);
  img.metadata.push_back({"gAMA", {0, 0, 0xb1, 0x8f}});
  img.metadata.push_back({"tEXt", {'T', 'i', 't', 'l', 'e', 0, 'x'}});
  img.metadata.push_back({"prVt", {}});
  return img;
}

TEST_CASE("container: metadata is stored (format 1.1) and given back", "[container]") {
  const Image img = ImageWithMetadata();
  EncodeOptions opt;
  opt.choose_tile_modes = false;  // fields of 1.1 only
  auto bytes = Encode(img, opt);
  REQUIRE(bytes.ok());
  auto info = ReadFileInfo(bytes->data(), bytes->size());
  REQUIRE(info.ok());
  CHECK(info->format_minor == 1);
  REQUIRE(info->metadata.size() == 3);
  auto dec = Decode(bytes->data(), bytes->size(), {});
  REQUIRE(dec.ok());
  CHECK(dec->pixels == img.pixels);
  REQUIRE(dec->metadata.size() == img.metadata.size());
  for (size_t i = 0; i < img.metadata.size(); ++i) {
    CHECK(dec->metadata[i].type == img.metadata[i].type);
    CHECK(dec->metadata[i].data == img.metadata[i].data);
  }
  // The same pixels without metadata: a 1.0 file, 4 + 3 * 8 + 11 bytes shorter.
  auto plain = Encode(TestImage(20, 12, ChannelLayout::kRgb), opt);
  REQUIRE(plain.ok());
  CHECK(U32(*plain, kMinorAt) % 65536 == 0);
  CHECK(bytes->size() == plain->size() + 4 + 3 * 8 + 11);
  auto plain_dec = Decode(plain->data(), plain->size(), {});
  REQUIRE(plain_dec.ok());
  CHECK(plain_dec->metadata.empty());
}

TEST_CASE("container: metadata limits and chunk types", "[container]") {
  Image img = TestImage(4, 4, ChannelLayout::kGray);
  // The field (4 bytes, then 8 per chunk plus its data) holds 64 KiB at most.
  img.metadata = {{"iCCP", std::vector<uint8_t>(kMaxHeaderExtensionBytes - 12, 7)}};
  CHECK(Encode(img, {}).ok());
  img.metadata[0].data.push_back(7);
  CHECK(Encode(img, {}).status().code() == StatusCode::kLimitExceeded);
  for (const char* bad : {"IDAT", "gAM", "gAMA5", "g4MA", "PLTE"}) {
    INFO(bad);
    img.metadata = {{bad, {1}}};
    CHECK(Encode(img, {}).status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("container: a damaged metadata field is refused", "[container]") {
  auto good = Encode(ImageWithMetadata(), ModelOnly());
  REQUIRE(good.ok());
  const auto parsed = ParseContainer(good->data(), good->size(), 0);
  REQUIRE(parsed.ok());
  // The field starts after the name and the tile table.
  const size_t field_at = kNameAt + parsed->header.model_name.size() +
                          4 * parsed->header.payload_sizes.size();
  REQUIRE(U32(*good, field_at) == 3 * 8 + 11);
  SECTION("field longer than the header") {
    std::vector<uint8_t> b = *good;
    SetU32(b, field_at, 3 * 8 + 12);
    FixHeaderCrc(b);
    CHECK(ParseCode(b) == StatusCode::kCorrupt);
  }
  SECTION("chunk longer than the field") {
    std::vector<uint8_t> b = *good;
    SetU32(b, field_at + 4 + 4, 5);  // gAMA claims 5 bytes
    FixHeaderCrc(b);
    // It then swallows the next record's type; what is left no longer parses.
    CHECK(ParseCode(b) == StatusCode::kCorrupt);
    SetU32(b, field_at + 4 + 4, 1000);
    FixHeaderCrc(b);
    CHECK(ParseCode(b) == StatusCode::kCorrupt);
  }
  SECTION("critical chunk type") {
    std::vector<uint8_t> b = *good;
    b[field_at + 4] = 'G';  // "GAMA"
    FixHeaderCrc(b);
    CHECK(ParseCode(b) == StatusCode::kCorrupt);
  }
  SECTION("a 1.1 header too short for the field") {
    auto plain = Encode(TestImage(20, 12, ChannelLayout::kRgb), ModelOnly());
    REQUIRE(plain.ok());
    std::vector<uint8_t> b = *plain;
    SetU16(b, kMinorAt, 1);
    FixHeaderCrc(b);
    CHECK(ParseCode(b) == StatusCode::kCorrupt);
  }
}
}  // namespace
}  // namespace picnic

namespace picnic {
namespace {

// The file ValidFile() holds, rewritten with `edit` applied to its header.
Result<std::vector<uint8_t>> Rewritten(const std::function<void(ContainerHeader&)>& edit) {
  const std::vector<uint8_t> file = ValidFile();
  auto parsed = ParseContainer(file.data(), file.size(), 0);
  REQUIRE(parsed.ok());
  ContainerHeader h = parsed->header;
  std::vector<std::vector<uint8_t>> payloads;
  for (size_t i = 0; i < h.payload_sizes.size(); ++i)
    payloads.emplace_back(file.begin() + parsed->payload_offsets[i],
                          file.begin() + parsed->payload_offsets[i] + h.payload_sizes[i]);
  edit(h);
  return WriteContainer(h, payloads);
}

TEST_CASE("container: model parameters are stored (format 1.2) behind a flag", "[container]") {
  const std::vector<uint8_t> params = {1, 2, 3, 250};
  auto file = Rewritten([&](ContainerHeader& h) {
    h.model_params = params;
    h.flags = kFlagModelParams;
  });
  REQUIRE(file.ok());
  CHECK(U32(*file, kMinorAt) % 65536 == 2);
  CHECK((*file)[kFlagsAt] == kFlagModelParams);
  auto parsed = ParseContainer(file->data(), file->size(), 0);
  REQUIRE(parsed.ok());
  CHECK(parsed->header.model_params == params);
  CHECK(parsed->header.metadata.empty());
  auto info = ReadFileInfo(file->data(), file->size());
  REQUIRE(info.ok());
  CHECK(info->model_params_bytes == params.size());
  // The histogram model takes no parameters: decoding says so, it does not guess.
  auto dec = Decode(file->data(), file->size(), {});
  CHECK(dec.status().code() == StatusCode::kUnsupported);

  // The writer keeps flag and field together, and bounds the field.
  CHECK(Rewritten([&](ContainerHeader& h) { h.model_params = params; }).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(Rewritten([&](ContainerHeader& h) { h.flags = kFlagModelParams; }).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(Rewritten([&](ContainerHeader& h) {
          h.model_params.assign(kMaxModelParamsBytes + 1, 1);
          h.flags = kFlagModelParams;
        }).status().code() == StatusCode::kInvalidArgument);

  // A reader refuses a flag without its field (the orientation flag here).
  std::vector<uint8_t> b = *file;
  b[kFlagsAt] = kFlagModelParams | kFlagOriented;
  FixHeaderCrc(b);
  CHECK(ParseCode(b) == StatusCode::kCorrupt);
  // Recalibration (1.5), the calibration map (1.6), error feedback (1.7)
  // and annealing (1.8) are flags without a field; the last three only
  // with recalibration.
  b[kFlagsAt] = kFlagModelParams | kFlagRecalibrated;
  FixHeaderCrc(b);
  CHECK(ParseCode(b) == StatusCode::kOk);
  b[kFlagsAt] = kFlagModelParams | kFlagRecalibrated | kFlagCalibrationMap;
  FixHeaderCrc(b);
  CHECK(ParseCode(b) == StatusCode::kOk);
  b[kFlagsAt] = kFlagModelParams | kFlagRecalibrated | kFlagCalibrationMap | kFlagErrorFeedback;
  FixHeaderCrc(b);
  CHECK(ParseCode(b) == StatusCode::kOk);
  b[kFlagsAt] = kFlagModelParams | kFlagRecalibrated | kFlagErrorFeedback;
  FixHeaderCrc(b);
  CHECK(ParseCode(b) == StatusCode::kOk);
  b[kFlagsAt] = kFlagModelParams | kFlagRecalibrated | kFlagsNeedingRecalibration;  // 1.8: annealed too
  FixHeaderCrc(b);
  CHECK(ParseCode(b) == StatusCode::kOk);
  for (uint8_t alone : {kFlagCalibrationMap, kFlagErrorFeedback, kFlagAnnealed,
                        static_cast<uint8_t>(kFlagCalibrationMap | kFlagErrorFeedback), kFlagsNeedingRecalibration}) {
    INFO("flags " << int{alone});
    b[kFlagsAt] = kFlagModelParams | alone;
    FixHeaderCrc(b);
    CHECK(ParseCode(b) == StatusCode::kCorrupt);
    CHECK(Rewritten([&](ContainerHeader& h) {
            h.model_params = params;
            h.flags = kFlagModelParams | alone;
          }).status().code() == StatusCode::kInvalidArgument);
  }
  b[kFlagsAt] = 0;
  FixHeaderCrc(b);
  CHECK(ParseCode(b) == StatusCode::kCorrupt);
  // A field that overruns the header.
  b = *file;
  const size_t header_bytes = U32(b, kHeaderBytesAt);
  const size_t field_at = header_bytes - 4 - params.size() - 4;
  REQUIRE(U32(b, field_at) == params.size());
  SetU32(b, field_at, static_cast<uint32_t>(params.size() + 1));
  FixHeaderCrc(b);
  CHECK(ParseCode(b) == StatusCode::kCorrupt);
}

TEST_CASE("container: orientation (format 1.9) is a field behind the last flag bit", "[container]") {
  // ValidFile's image is 20x12 in tiles of 8: 3x2 tiles, and 2x3 transposed
  // (the same count, so any orientation fits the same tile table).
  auto file = Rewritten([&](ContainerHeader& h) {
    h.orientation = 6;
    h.flags |= kFlagOriented;
  });
  REQUIRE(file.ok());
  CHECK(U32(*file, kMinorAt) % 65536 == 9);
  const size_t header_bytes = U32(*file, kHeaderBytesAt);
  // The field is the header's last two bytes before its CRC.
  CHECK((*file)[header_bytes - 6] == 6);
  CHECK((*file)[header_bytes - 5] == 0);
  auto parsed = ParseContainer(file->data(), file->size(), 0);
  REQUIRE(parsed.ok());
  CHECK(parsed->header.orientation == 6);
  CHECK(OrientedWidth(parsed->header) == 12);
  CHECK(OrientedHeight(parsed->header) == 20);
  CHECK(CodedWidth(parsed->header) == 12);
  auto info = ReadFileInfo(file->data(), file->size());
  REQUIRE(info.ok());
  CHECK(info->orientation == 6);
  CHECK(info->width == 20);

  // The writer keeps flag and field together and refuses orientations past 7.
  CHECK(Rewritten([&](ContainerHeader& h) { h.orientation = 1; }).status().code() == StatusCode::kInvalidArgument);
  CHECK(Rewritten([&](ContainerHeader& h) { h.flags |= kFlagOriented; }).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(Rewritten([&](ContainerHeader& h) {
          h.orientation = 8;
          h.flags |= kFlagOriented;
        }).status().code() == StatusCode::kInvalidArgument);

  // A reader: each damage its own typed error.
  std::vector<uint8_t> b = *file;
  b[header_bytes - 6] = 8;  // not an orientation
  FixHeaderCrc(b);
  CHECK(ParseCode(b) == StatusCode::kCorrupt);
  b = *file;
  b[header_bytes - 6] = 0;  // the flag without an orientation
  FixHeaderCrc(b);
  CHECK(ParseCode(b) == StatusCode::kCorrupt);
  b = *file;
  b[kFlagsAt] &= static_cast<uint8_t>(~kFlagOriented);  // an orientation without the flag
  FixHeaderCrc(b);
  CHECK(ParseCode(b) == StatusCode::kCorrupt);
  b = *file;
  b[header_bytes - 5] = 0x10;  // a later version's flag
  FixHeaderCrc(b);
  const Status later = ParseContainer(b.data(), b.size(), 0).status();
  CHECK(later.code() == StatusCode::kUnsupported);
  CHECK(later.message().find("does not know") != std::string::npos);
  // A 1.9 header cut before its orientation field.
  b = *file;
  b.erase(b.begin() + (header_bytes - 6), b.begin() + (header_bytes - 4));
  SetU32(b, kHeaderBytesAt, static_cast<uint32_t>(header_bytes - 2));
  FixHeaderCrc(b);
  CHECK(ParseCode(b) == StatusCode::kCorrupt);
}

}  // namespace
}  // namespace picnic
