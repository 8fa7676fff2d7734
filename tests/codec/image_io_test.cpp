// Tests for codec/src/image_io.cpp: PNG and PPM/PGM decoding, PNG encoding,
// the file helpers.
#include "picnic/image_io.h"
#include "picnic/picnic.h"

#include <png.h>
#include <zlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace picnic {
namespace {

Image RandomImage(int width, int height, ChannelLayout layout, uint32_t seed) {
  Image image;
  image.width = width;
  image.height = height;
  image.layout = layout;
  image.pixels.resize(image.num_subpixels());
  std::mt19937 rng(seed);
  for (auto& v : image.pixels) v = static_cast<uint8_t>(rng() & 0xff);
  return image;
}

std::vector<uint8_t> Bytes(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

Result<Image> Decode(const std::vector<uint8_t>& bytes, uint64_t max_pixels = 0) {
  return DecodeImage(bytes.data(), bytes.size(), max_pixels);
}

// Writes a PNG with libpng directly, for the forms EncodePng never produces
// (palette, low bit depth, 16-bit, tRNS, interlaced).
struct RawPng {
  int width = 0;
  int height = 0;
  int bit_depth = 8;
  int color_type = PNG_COLOR_TYPE_GRAY;
  int interlace = PNG_INTERLACE_NONE;
  std::vector<png_color> palette;
  std::vector<uint8_t> trns_alpha;  // palette tRNS
  bool gray_trns = false;
  uint16_t gray_trns_value = 0;
  std::vector<std::vector<uint8_t>> rows;  // packed rows as libpng wants them
  // Chunks written raw, before the image data and after it.
  std::vector<MetadataChunk> before, after;
};

// png_unknown_chunk entries for `chunks`, pointing into them.
std::vector<png_unknown_chunk> UnknownChunks(std::vector<MetadataChunk>& chunks, png_byte where) {
  std::vector<png_unknown_chunk> out(chunks.size());
  for (size_t i = 0; i < chunks.size(); ++i) {
    std::memset(&out[i], 0, sizeof(out[i]));
    std::memcpy(out[i].name, chunks[i].type.data(), 4);
    out[i].data = chunks[i].data.data();
    out[i].size = chunks[i].data.size();
    out[i].location = where;
  }
  return out;
}

void AppendFn(png_structp png, png_bytep data, png_size_t n) {
  auto* out = static_cast<std::vector<uint8_t>*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + n);
}
void NoFlush(png_structp) {}

std::vector<uint8_t> WriteRawPng(RawPng& p) {
  std::vector<uint8_t> out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  // Test inputs are well-formed; a libpng error here would be a test bug.
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return {};
  }
  png_set_write_fn(png, &out, AppendFn, NoFlush);
  png_set_IHDR(png, info, p.width, p.height, p.bit_depth, p.color_type, p.interlace,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (!p.palette.empty()) png_set_PLTE(png, info, p.palette.data(), static_cast<int>(p.palette.size()));
  if (!p.trns_alpha.empty()) {
    png_set_tRNS(png, info, p.trns_alpha.data(), static_cast<int>(p.trns_alpha.size()), nullptr);
  }
  png_color_16 trans_color{};
  if (p.gray_trns) {
    trans_color.gray = p.gray_trns_value;
    png_set_tRNS(png, info, nullptr, 0, &trans_color);
  }
  std::vector<png_bytep> row_ptrs;
  for (auto& r : p.rows) row_ptrs.push_back(r.data());
  std::vector<png_unknown_chunk> before = UnknownChunks(p.before, PNG_HAVE_PLTE);
  std::vector<png_unknown_chunk> after = UnknownChunks(p.after, PNG_AFTER_IDAT);
  png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_ALWAYS, nullptr, 0);
  if (!before.empty()) png_set_unknown_chunks(png, info, before.data(), static_cast<int>(before.size()));
  png_write_info(png, info);
  png_write_image(png, row_ptrs.data());
  if (!after.empty()) png_set_unknown_chunks(png, info, after.data(), static_cast<int>(after.size()));
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return out;
}

std::string TempDir() {
  char templ[] = "/tmp/picnic_io_test.XXXXXX";
  const char* dir = mkdtemp(templ);
  REQUIRE(dir != nullptr);
  return dir;
}

void RemoveTree(const std::string& dir) {
  const std::string cmd = "rm -rf '" + dir + "'";
  REQUIRE(std::system(cmd.c_str()) == 0);
}

TEST_CASE("EncodePng then DecodeImage round-trips every layout", "[image_io]") {
  const ChannelLayout layouts[] = {ChannelLayout::kGray, ChannelLayout::kGrayAlpha,
                                   ChannelLayout::kRgb, ChannelLayout::kRgba};
  const std::pair<int, int> sizes[] = {{1, 1}, {1, 17}, {23, 1}, {31, 7}, {64, 64}};
  uint32_t seed = 1;
  for (ChannelLayout layout : layouts) {
    for (auto [w, h] : sizes) {
      const Image image = RandomImage(w, h, layout, seed++);
      auto png = EncodePng(image);
      REQUIRE(png.ok());
      auto back = Decode(*png);
      INFO("layout " << static_cast<int>(layout) << " size " << w << "x" << h);
      REQUIRE(back.ok());
      CHECK(back->width == w);
      CHECK(back->height == h);
      CHECK(back->layout == layout);
      CHECK(back->pixels == image.pixels);
    }
  }
}

TEST_CASE("EncodePng rejects inconsistent images", "[image_io]") {
  Image image = RandomImage(4, 4, ChannelLayout::kRgb, 7);
  image.pixels.pop_back();
  CHECK(EncodePng(image).status().code() == StatusCode::kInvalidArgument);
  Image empty;
  CHECK(EncodePng(empty).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("binary PPM and PGM parse, with comments", "[image_io]") {
  std::string ppm = "P6\n# a comment\n2 # inline comment\n1\n255\n";
  ppm += std::string("\x01\x02\x03\xfd\xfe\xff", 6);
  auto image = Decode(Bytes(ppm));
  REQUIRE(image.ok());
  CHECK(image->width == 2);
  CHECK(image->height == 1);
  CHECK(image->layout == ChannelLayout::kRgb);
  CHECK(image->pixels == std::vector<uint8_t>{1, 2, 3, 253, 254, 255});

  // The single whitespace after maxval may itself be a byte that looks like
  // whitespace in the raster: the raster starts right after it.
  std::string pgm = "P5 3 2 255\n";
  pgm += std::string("\n \t#\x00\xff", 6);
  auto gray = Decode(Bytes(pgm));
  REQUIRE(gray.ok());
  CHECK(gray->layout == ChannelLayout::kGray);
  CHECK(gray->width == 3);
  CHECK(gray->height == 2);
  CHECK(gray->pixels == std::vector<uint8_t>{'\n', ' ', '\t', '#', 0, 255});
}

TEST_CASE("netpbm variants we do not handle are refused clearly", "[image_io]") {
  auto p3 = Decode(Bytes("P3\n1 1\n255\n1 2 3\n"));
  CHECK(p3.status().code() == StatusCode::kUnsupported);
  auto sixteen = Decode(Bytes("P5\n1 1\n65535\n\x01\x02"));
  CHECK(sixteen.status().code() == StatusCode::kUnsupported);
  CHECK(sixteen.status().message().find("16-bit") != std::string::npos);
  auto maxval15 = Decode(Bytes("P5\n1 1\n15\n\x01"));
  CHECK(maxval15.status().code() == StatusCode::kUnsupported);
  CHECK(Decode(Bytes("P5\n1 1\n0\n\x01")).status().code() == StatusCode::kCorrupt);
  CHECK(Decode(Bytes("P5\n0 1\n255\n\x01")).status().code() == StatusCode::kCorrupt);
  CHECK(Decode(Bytes("P5\n-1 1\n255\n\x01")).status().code() == StatusCode::kCorrupt);
  CHECK(Decode(Bytes("P5\n99999999999999999999 1\n255\n")).status().code() ==
        StatusCode::kCorrupt);
}

TEST_CASE("truncated PPM/PGM is an error", "[image_io]") {
  CHECK(Decode(Bytes("P6\n4 4\n255\n\x01\x02")).status().code() == StatusCode::kTruncated);
  CHECK(Decode(Bytes("P6\n4 4\n255")).status().code() == StatusCode::kTruncated);
  CHECK(Decode(Bytes("P6\n4")).status().code() == StatusCode::kTruncated);
  CHECK(Decode(Bytes("P6")).status().code() == StatusCode::kTruncated);
}

TEST_CASE("max_pixels is checked before allocating", "[image_io]") {
  // Claims 2^30 x 2^30 pixels in a few bytes: must fail fast, not allocate.
  auto huge = Decode(Bytes("P6\n1073741824 1073741824\n255\n"), 1 << 20);
  CHECK(huge.status().code() == StatusCode::kLimitExceeded);
  const Image image = RandomImage(100, 100, ChannelLayout::kRgb, 3);
  auto png = EncodePng(image);
  REQUIRE(png.ok());
  CHECK(Decode(*png, 9999).status().code() == StatusCode::kLimitExceeded);
  CHECK(Decode(*png, 10000).ok());
  CHECK(Decode(*png, 0).ok());
}

TEST_CASE("highly compressible PNG is not mistaken for a truncated one", "[image_io]") {
  // Flat images approach deflate's 1032:1 limit, which the early size check uses.
  for (ChannelLayout layout : {ChannelLayout::kGray, ChannelLayout::kRgba}) {
    Image flat;
    flat.width = 3001;
    flat.height = 1999;
    flat.layout = layout;
    flat.pixels.assign(flat.num_subpixels(), 0);
    auto png = EncodePng(flat);
    REQUIRE(png.ok());
    auto back = Decode(*png);
    REQUIRE(back.ok());
    CHECK(back->pixels == flat.pixels);
  }
  // 1-bit gray, all black: 8 pixels per stored byte.
  RawPng p;
  p.width = 4000;
  p.height = 3000;
  p.bit_depth = 1;
  p.rows.assign(p.height, std::vector<uint8_t>(p.width / 8, 0));
  auto back = Decode(WriteRawPng(p));
  REQUIRE(back.ok());
  CHECK(back->pixels == std::vector<uint8_t>(size_t{4000} * 3000, 0));
}

TEST_CASE("PNG header claiming a huge image is refused", "[image_io]") {
  // Patch a valid PNG's IHDR to claim 2^31-1 x 2^31-1 (CRC fixed up).
  const Image image = RandomImage(2, 2, ChannelLayout::kGray, 5);
  auto png = EncodePng(image);
  REQUIRE(png.ok());
  std::vector<uint8_t> bytes = *png;
  // IHDR data starts at 16: width, height (big endian).
  for (int i = 0; i < 8; ++i) bytes[16 + i] = (i % 4 == 0) ? 0x7f : 0xff;
  const uint32_t crc = static_cast<uint32_t>(crc32(0, bytes.data() + 12, 17));
  bytes[29] = crc >> 24;
  bytes[30] = crc >> 16;
  bytes[31] = crc >> 8;
  bytes[32] = crc;
  CHECK(Decode(bytes, uint64_t{1} << 28).status().code() == StatusCode::kLimitExceeded);
  // With no limit it must still fail cleanly, before allocating: a file this
  // small cannot inflate to that many pixels. (Until 2026-12-02 libpng first
  // allocated and cleared two rows of the claimed width: 2 GB and 14 s here.)
  CHECK(Decode(bytes, 0).status().code() == StatusCode::kTruncated);
  // One row of 2^28 RGBA pixels, within the default pixel limit: refused
  // the same way, before libpng's row buffers (2 GB) exist.
  for (int i = 0; i < 8; ++i) bytes[16 + i] = 0;
  bytes[16] = 0x10;  // width 2^28
  bytes[23] = 1;     // height 1
  bytes[25] = 6;     // colour type RGBA
  const uint32_t crc2 = static_cast<uint32_t>(crc32(0, bytes.data() + 12, 17));
  bytes[29] = crc2 >> 24;
  bytes[30] = crc2 >> 16;
  bytes[31] = crc2 >> 8;
  bytes[32] = crc2;
  auto strip = Decode(bytes, uint64_t{1} << 28);
  CHECK(strip.status().code() == StatusCode::kTruncated);
  CHECK(strip.status().message().find("too short") != std::string::npos);
}

TEST_CASE("palette PNG expands to RGB, or RGBA with tRNS", "[image_io]") {
  RawPng p;
  p.width = 3;
  p.height = 2;
  p.color_type = PNG_COLOR_TYPE_PALETTE;
  p.palette = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {10, 20, 30}};
  p.rows = {{0, 1, 2}, {3, 3, 0}};
  auto rgb = Decode(WriteRawPng(p));
  REQUIRE(rgb.ok());
  CHECK(rgb->layout == ChannelLayout::kRgb);
  CHECK(rgb->pixels == std::vector<uint8_t>{255, 0, 0, 0, 255, 0, 0, 0, 255,
                                            10, 20, 30, 10, 20, 30, 255, 0, 0});

  p.trns_alpha = {0, 128};  // entries 2, 3 default to opaque
  auto rgba = Decode(WriteRawPng(p));
  REQUIRE(rgba.ok());
  CHECK(rgba->layout == ChannelLayout::kRgba);
  CHECK(rgba->pixels == std::vector<uint8_t>{255, 0, 0, 0, 0, 255, 0, 128, 0, 0, 255, 255,
                                             10, 20, 30, 255, 10, 20, 30, 255, 255, 0, 0, 0});

  // 2-bit palette indices, packed four to a byte.
  RawPng q;
  q.width = 5;
  q.height = 1;
  q.bit_depth = 2;
  q.color_type = PNG_COLOR_TYPE_PALETTE;
  q.palette = {{1, 1, 1}, {2, 2, 2}, {3, 3, 3}, {4, 4, 4}};
  q.rows = {{0x1b, 0xc0}};  // indices 0 1 2 3 | 3
  auto packed = Decode(WriteRawPng(q));
  REQUIRE(packed.ok());
  CHECK(packed->pixels == std::vector<uint8_t>{1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 4, 4, 4});
}

TEST_CASE("low-bit-depth gray expands to 8 bits", "[image_io]") {
  RawPng p;
  p.width = 8;
  p.height = 1;
  p.bit_depth = 1;
  p.color_type = PNG_COLOR_TYPE_GRAY;
  p.rows = {{0xa5}};  // 1010 0101
  auto image = Decode(WriteRawPng(p));
  REQUIRE(image.ok());
  CHECK(image->layout == ChannelLayout::kGray);
  CHECK(image->pixels == std::vector<uint8_t>{255, 0, 255, 0, 0, 255, 0, 255});

  p.bit_depth = 4;
  p.width = 3;
  p.rows = {{0x0f, 0x80}};
  auto four = Decode(WriteRawPng(p));
  REQUIRE(four.ok());
  CHECK(four->pixels == std::vector<uint8_t>{0, 255, 136});

  // Gray with a transparent colour becomes gray + alpha.
  p.gray_trns = true;
  p.gray_trns_value = 15;
  auto alpha = Decode(WriteRawPng(p));
  REQUIRE(alpha.ok());
  CHECK(alpha->layout == ChannelLayout::kGrayAlpha);
  CHECK(alpha->pixels == std::vector<uint8_t>{0, 255, 255, 0, 136, 255});
}

TEST_CASE("interlaced PNG decodes", "[image_io]") {
  RawPng p;
  p.width = 13;
  p.height = 11;
  p.color_type = PNG_COLOR_TYPE_RGB;
  p.interlace = PNG_INTERLACE_ADAM7;
  std::vector<uint8_t> expected;
  for (int y = 0; y < p.height; ++y) {
    std::vector<uint8_t> row;
    for (int x = 0; x < p.width * 3; ++x) row.push_back(static_cast<uint8_t>(y * 31 + x * 7));
    expected.insert(expected.end(), row.begin(), row.end());
    p.rows.push_back(row);
  }
  auto image = Decode(WriteRawPng(p));
  REQUIRE(image.ok());
  CHECK(image->pixels == expected);
}

TEST_CASE("16-bit PNG is refused with a clear message", "[image_io]") {
  RawPng p;
  p.width = 2;
  p.height = 1;
  p.bit_depth = 16;
  p.color_type = PNG_COLOR_TYPE_RGB;
  p.rows = {std::vector<uint8_t>(12, 0x42)};
  auto image = Decode(WriteRawPng(p));
  CHECK(image.status().code() == StatusCode::kUnsupported);
  CHECK(image.status().message() == "16-bit PNG is not supported yet");
}

TEST_CASE("truncated or damaged PNG gives an error, never a crash", "[image_io]") {
  const Image image = RandomImage(37, 29, ChannelLayout::kRgba, 11);
  auto png = EncodePng(image);
  REQUIRE(png.ok());
  const std::vector<uint8_t>& full = *png;
  // Every prefix: the signature, the header, and the middle of IDAT.
  for (size_t n = 1; n + 12 < full.size(); n += (n < 64 ? 1 : 97)) {
    std::vector<uint8_t> cut(full.begin(), full.begin() + n);
    auto r = Decode(cut);
    INFO("prefix " << n);
    CHECK_FALSE(r.ok());
  }
  CHECK(Decode(std::vector<uint8_t>(full.begin(), full.begin() + 20)).status().code() ==
        StatusCode::kTruncated);
  // Bit flips: any result is fine as long as it is a value, not a crash.
  std::mt19937 rng(99);
  int failures = 0;
  for (int i = 0; i < 300; ++i) {
    std::vector<uint8_t> bad = full;
    bad[8 + rng() % (bad.size() - 8)] ^= static_cast<uint8_t>(1u << (rng() % 8));
    if (!Decode(bad).ok()) ++failures;
  }
  CHECK(failures > 0);
}

TEST_CASE("garbage and empty input are errors", "[image_io]") {
  CHECK(Decode({}).status().code() == StatusCode::kTruncated);
  CHECK(Decode(Bytes("GIF89a....")).status().code() == StatusCode::kUnsupported);
  CHECK(Decode(Bytes("\x89PNG")).status().code() == StatusCode::kTruncated);
  std::vector<uint8_t> sig_then_junk = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  for (int i = 0; i < 100; ++i) sig_then_junk.push_back(static_cast<uint8_t>(i * 37));
  CHECK_FALSE(Decode(sig_then_junk).ok());
}

TEST_CASE("WriteFileAtomic writes, refuses to overwrite, and cleans up", "[image_io]") {
  const std::string dir = TempDir();
  const std::string path = dir + "/out.bin";
  const std::vector<uint8_t> first = {1, 2, 3};
  const std::vector<uint8_t> second = {4, 5, 6, 7};

  REQUIRE(WriteFileAtomic(path, first, false).ok());
  auto read = ReadFileBytes(path);
  REQUIRE(read.ok());
  CHECK(*read == first);

  const Status refused = WriteFileAtomic(path, second, false);
  CHECK(refused.code() == StatusCode::kIoError);
  CHECK(refused.message().find("already exists") != std::string::npos);
  CHECK(ReadFileBytes(path).value() == first);

  REQUIRE(WriteFileAtomic(path, second, true).ok());
  CHECK(ReadFileBytes(path).value() == second);

  // A folder that does not exist: a clear error, no file created.
  const Status missing = WriteFileAtomic(dir + "/no/such/dir/x", first, false);
  CHECK(missing.code() == StatusCode::kIoError);

  // A directory in the way of the output name.
  REQUIRE(mkdir((dir + "/sub").c_str(), 0755) == 0);
  CHECK(WriteFileAtomic(dir + "/sub", first, true).code() == StatusCode::kIoError);

  // A file name at NAME_MAX: the temporary name must not be too long.
  const std::string long_name = dir + "/" + std::string(250, 'n') + ".png";
  REQUIRE(WriteFileAtomic(long_name, first, false).ok());
  CHECK(ReadFileBytes(long_name).value() == first);
  std::remove(long_name.c_str());

  // No temporary files left behind.
  const std::string listing = dir + "/listing";
  REQUIRE(std::system(("ls -A '" + dir + "' > '" + listing + "'").c_str()) == 0);
  auto names = ReadFileBytes(listing);
  REQUIRE(names.ok());
  CHECK(std::string(names->begin(), names->end()) == "listing\nout.bin\nsub\n");
  RemoveTree(dir);
}

TEST_CASE("WriteFileAtomic reports an unwritable folder", "[image_io]") {
  if (geteuid() == 0) {
    SUCCEED("root ignores folder permissions; skipped");
    return;
  }
  const std::string dir = TempDir();
  REQUIRE(chmod(dir.c_str(), 0555) == 0);
  const Status s = WriteFileAtomic(dir + "/x", {1}, false);
  CHECK(s.code() == StatusCode::kIoError);
  CHECK(s.message().find("Permission denied") != std::string::npos);
  REQUIRE(chmod(dir.c_str(), 0755) == 0);
  RemoveTree(dir);
}

TEST_CASE("WriteFileAtomic reports a failed write and removes its temp file", "[image_io]") {
  // A file-size limit makes write() fail (EFBIG) as a full disk would
  // (ENOSPC), without needing a full file system.
  const std::string dir = TempDir();
  struct rlimit old_limit;
  REQUIRE(getrlimit(RLIMIT_FSIZE, &old_limit) == 0);
  void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old_limit;
  small.rlim_cur = 1000;
  REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
  const Status s = WriteFileAtomic(dir + "/big", std::vector<uint8_t>(5000, 1), false);
  REQUIRE(setrlimit(RLIMIT_FSIZE, &old_limit) == 0);
  signal(SIGXFSZ, old_handler);
  CHECK(s.code() == StatusCode::kIoError);
  CHECK(s.message().find("cannot write") != std::string::npos);
  const std::string listing = dir + "/../" + dir.substr(dir.rfind('/') + 1) + ".ls";
  REQUIRE(std::system(("ls -A '" + dir + "' > '" + listing + "'").c_str()) == 0);
  auto names = ReadFileBytes(listing);
  REQUIRE(names.ok());
  CHECK(names->empty());
  std::remove(listing.c_str());
  RemoveTree(dir);
}

TEST_CASE("ReadFileBytes errors", "[image_io]") {
  CHECK(ReadFileBytes("/nonexistent/picnic/file").status().code() == StatusCode::kIoError);
  CHECK(ReadFileBytes("/tmp").status().code() == StatusCode::kIoError);
  CHECK(ReadImageFile("/nonexistent/picnic/file").status().message().find("No such file") !=
        std::string::npos);
}

TEST_CASE("ReadFileBytes stops where its limit says", "[image_io]") {
  const std::string dir = TempDir();
  const std::string path = dir + "/ten";
  const std::vector<uint8_t> ten = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  REQUIRE(WriteFileAtomic(path, ten, false).ok());
  std::vector<size_t> seen;
  auto limit = [&](uint64_t at, bool final) {
    return [&, at, final](const uint8_t*, size_t size) -> Result<ReadLimit> {
      seen.push_back(size);
      return ReadLimit{at, final};
    };
  };
  // Final at the file's length: read whole, and the limit saw every step.
  auto r = ReadFileBytes(path, limit(10, true));
  REQUIRE(r.ok());
  CHECK(*r == ten);
  CHECK(seen.front() == 0);
  // Final before the end: the bytes beyond are an error, not silently cut.
  auto over = ReadFileBytes(path, limit(6, true));
  CHECK(over.status().code() == StatusCode::kCorrupt);
  CHECK(over.status().message().find("past the 6 bytes") != std::string::npos);
  // Final beyond the end: a short read, for the caller to judge.
  auto shorter = ReadFileBytes(path, limit(20, true));
  REQUIRE(shorter.ok());
  CHECK(shorter->size() == 10);
  // A limit's error ends the read.
  auto refused = ReadFileBytes(path, [](const uint8_t*, size_t size) -> Result<ReadLimit> {
    if (size >= 4) return Status(StatusCode::kBadMagic, "no thanks");
    return ReadLimit{4, false};
  });
  CHECK(refused.status().code() == StatusCode::kBadMagic);
  // A device that never ends: refused after its first bytes.
  CHECK(ReadImageFile("/dev/zero").status().code() == StatusCode::kUnsupported);
  CHECK(ReadPncFile("/dev/zero").status().code() == StatusCode::kBadMagic);
}

TEST_CASE("EncodePnm writes P6 for RGB and P5 for gray, refuses alpha", "[image_io]") {
  Image rgb = MakeImage(3, 2, ChannelLayout::kRgb);
  for (size_t i = 0; i < rgb.pixels.size(); ++i) rgb.pixels[i] = static_cast<uint8_t>(i * 13);
  auto ppm = EncodePnm(rgb);
  REQUIRE(ppm.ok());
  const std::string head(ppm->begin(), ppm->begin() + 11);
  CHECK(head == "P6\n3 2\n255\n");
  auto back = DecodeImage(ppm->data(), ppm->size());
  REQUIRE(back.ok());
  CHECK(back->layout == ChannelLayout::kRgb);
  CHECK(back->pixels == rgb.pixels);
  Image gray = MakeImage(5, 1, ChannelLayout::kGray);
  gray.pixels = {0, 255, 7, 8, 9};
  auto pgm = EncodePnm(gray);
  REQUIRE(pgm.ok());
  CHECK(std::string(pgm->begin(), pgm->begin() + 2) == "P5");
  CHECK(DecodeImage(pgm->data(), pgm->size()).value().pixels == gray.pixels);
  CHECK(EncodePnm(MakeImage(2, 2, ChannelLayout::kRgba)).status().code() ==
        StatusCode::kUnsupported);
  CHECK(EncodePnm(MakeImage(2, 2, ChannelLayout::kGrayAlpha)).status().code() ==
        StatusCode::kUnsupported);
}

std::vector<std::string> Types(const std::vector<MetadataChunk>& metadata) {
  std::vector<std::string> out;
  for (const auto& m : metadata) out.push_back(m.type);
  return out;
}

RawPng GrayPng(int width, int height) {
  RawPng p;
  p.width = width;
  p.height = height;
  for (int y = 0; y < height; ++y) {
    p.rows.emplace_back(static_cast<size_t>(width));
    for (int x = 0; x < width; ++x) p.rows.back()[x] = static_cast<uint8_t>(x * 40 + y);
  }
  return p;
}

TEST_CASE("PNG metadata is read in file order and written back verbatim", "[image_io]") {
  RawPng p = GrayPng(5, 3);
  p.before = {{"gAMA", {0, 0, 0xb1, 0x8f}},
              {"iCCP", {'s', 'R', 'G', 'B', 0, 0, 0x78, 0x9c, 1, 2, 3}},  // kept raw, not parsed
              {"bKGD", {0, 7}},
              {"prVt", {9, 9}},    // unknown, safe to copy: kept
              {"prvT", {8}}};      // unknown, unsafe to copy: left out
  p.after = {{"tEXt", {'C', 'o', 'm', 'm', 'e', 'n', 't', 0, 'h', 'i'}}, {"tIME", {7, 234, 11, 26, 12, 0, 0}}};
  const std::vector<uint8_t> png = WriteRawPng(p);
  REQUIRE(!png.empty());
  auto image = Decode(png);
  REQUIRE(image.ok());
  CHECK(image->pixels[1] == 40);
  CHECK(Types(image->metadata) ==
        std::vector<std::string>{"gAMA", "iCCP", "bKGD", "prVt", "tEXt", "tIME"});
  CHECK(image->metadata[1].data == p.before[1].data);
  CHECK(image->metadata[4].data == p.after[0].data);

  // Written back, read again: the same chunks, the same bytes.
  auto again_png = EncodePng(image.value());
  REQUIRE(again_png.ok());
  auto again = Decode(again_png.value());
  REQUIRE(again.ok());
  CHECK(again->pixels == image->pixels);
  REQUIRE(Types(again->metadata) == Types(image->metadata));
  for (size_t i = 0; i < image->metadata.size(); ++i) {
    CHECK(again->metadata[i].data == image->metadata[i].data);
  }

  // Only ancillary chunk types can be written.
  Image bad = image.value();
  bad.metadata.push_back({"IDAT", {1}});
  CHECK(EncodePng(bad).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("PNG metadata tied to the stored form is left out", "[image_io]") {
  // A palette image's bKGD is a palette index and hIST counts palette
  // entries: neither means anything once the palette is expanded.
  RawPng p;
  p.width = 2;
  p.height = 1;
  p.color_type = PNG_COLOR_TYPE_PALETTE;
  p.palette = {{255, 0, 0}, {0, 0, 255}};
  p.rows = {{0, 1}};
  p.before = {{"bKGD", {1}}, {"hIST", {0, 1, 0, 1}}, {"pHYs", {0, 0, 11, 19, 0, 0, 11, 19, 1}}};
  auto image = Decode(WriteRawPng(p));
  REQUIRE(image.ok());
  CHECK(Types(image->metadata) == std::vector<std::string>{"pHYs"});
  // A 4-bit gray image's bKGD is a 4-bit sample: also left out.
  RawPng q;
  q.width = 2;
  q.height = 1;
  q.bit_depth = 4;
  q.rows = {{0x1f}};
  q.before = {{"bKGD", {0, 3}}};
  auto low = Decode(WriteRawPng(q));
  REQUIRE(low.ok());
  CHECK(low->metadata.empty());
}

TEST_CASE("a PNG cut after its image data keeps its pixels, loses its trailing chunks",
          "[image_io]") {
  RawPng p = GrayPng(6, 4);
  p.before = {{"gAMA", {0, 0, 0xb1, 0x8f}}};
  p.after = {{"tEXt", {'A', 0, 'b'}}};
  const std::vector<uint8_t> png = WriteRawPng(p);
  auto whole = Decode(png);
  REQUIRE(whole.ok());
  CHECK(Types(whole->metadata) == std::vector<std::string>{"gAMA", "tEXt"});
  // Drop IEND (12 bytes) and most of the tEXt chunk after the image data.
  const std::vector<uint8_t> cut(png.begin(), png.end() - 12 - 9);
  auto image = Decode(cut);
  REQUIRE(image.ok());
  CHECK(image->pixels == whole->pixels);
  CHECK(Types(image->metadata) == std::vector<std::string>{"gAMA"});
}

// Every prefix of `file`: the limit asks for more than it has seen, or stops
// exactly at `content` bytes once the end is in view.
void CheckLimitOnPrefixes(const std::vector<uint8_t>& file, size_t content) {
  const ReadLimitFn limit = ImageReadLimit();
  bool stopped = false;
  for (size_t n = 0; n <= file.size(); ++n) {
    INFO("first " << n << " bytes");
    auto l = limit(file.data(), n);
    REQUIRE(l.ok());
    CHECK_FALSE(l->final);
    if (l->stop) {
      CHECK(l->bytes == content);
      stopped = true;
    } else {
      CHECK_FALSE(stopped);  // once stopped, it stays stopped
      CHECK(l->bytes > n);
    }
  }
  CHECK(stopped);
}

TEST_CASE("ImageReadLimit reads a PNG or PPM to its end and no further", "[image_io]") {
  auto png = EncodePng(RandomImage(9, 7, ChannelLayout::kRgb, 3));
  REQUIRE(png.ok());
  CheckLimitOnPrefixes(*png, png->size());
  const std::string header = "P5\n# a comment\n4 3\n255\n";
  std::vector<uint8_t> pgm(header.begin(), header.end());
  pgm.resize(pgm.size() + 12, 200);
  CheckLimitOnPrefixes(pgm, pgm.size());

  // Trailing bytes (after IEND, after the raster) are not read: a file with
  // them reads as the image alone.
  const std::string dir = TempDir();
  for (const std::vector<uint8_t>* image : {&png.value(), &pgm}) {
    std::vector<uint8_t> padded = *image;
    padded.resize(padded.size() + 100000, 'x');
    REQUIRE(WriteFileAtomic(dir + "/padded", padded, true).ok());
    auto read = ReadFileBytes(dir + "/padded", ImageReadLimit());
    REQUIRE(read.ok());
    CHECK(*read == *image);
    CHECK(ReadImageFile(dir + "/padded").ok());
  }
  RemoveTree(dir);
}

TEST_CASE("ImageReadLimit bounds a PNG that never ends", "[image_io]") {
  // A 1x1 PNG whose one "chunk" claims nearly 2 GiB: without an IEND, the
  // reader gives up at twice the raw size plus 64 MiB.
  auto png = EncodePng(MakeImage(1, 1, ChannelLayout::kGray));
  REQUIRE(png.ok());
  std::vector<uint8_t> endless(png->begin(), png->begin() + 33);  // signature and IHDR
  const uint8_t chunk[8] = {0x7f, 0xff, 0xff, 0xf0, 't', 'E', 'X', 't'};
  endless.insert(endless.end(), chunk, chunk + 8);
  endless.resize(size_t{64} << 20, 0);
  const ReadLimitFn limit = ImageReadLimit();
  auto early = limit(endless.data(), 1 << 20);
  REQUIRE(early.ok());
  CHECK(early->bytes > (1u << 20));
  CHECK_FALSE(early->stop);
  endless.resize(early->bytes, 0);
  auto late = limit(endless.data(), endless.size());
  CHECK(late.status().code() == StatusCode::kLimitExceeded);
}

TEST_CASE("ImageReadLimit stops at the header of an image over max_pixels", "[image_io]") {
  auto png = EncodePng(MakeImage(40, 30, ChannelLayout::kRgb));
  REQUIRE(png.ok());
  auto l = ImageReadLimit(1000)(png->data(), 33);
  CHECK(l.status().code() == StatusCode::kLimitExceeded);
  CHECK(l.status().message().find("40x30") != std::string::npos);
  CHECK(ImageReadLimit(1200)(png->data(), 33).value().stop == false);
  const std::string dir = TempDir();
  REQUIRE(WriteFileAtomic(dir + "/big.png", *png, false).ok());
  CHECK(ReadImageFile(dir + "/big.png", 1000).status().code() == StatusCode::kLimitExceeded);
  const std::string ppm = "P6 40 30 255\n";
  std::vector<uint8_t> p(ppm.begin(), ppm.end());
  p.resize(p.size() + 3600, 1);
  REQUIRE(WriteFileAtomic(dir + "/big.ppm", p, false).ok());
  CHECK(ReadImageFile(dir + "/big.ppm", 1000).status().code() == StatusCode::kLimitExceeded);
  CHECK(ReadImageFile(dir + "/big.ppm", 1200).ok());
  RemoveTree(dir);
}

}  // namespace
}  // namespace picnic
