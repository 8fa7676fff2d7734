// The bodies of the fuzz targets, shared by the libFuzzer drivers
// (tools/fuzz/*_fuzzer.cpp) and the regression test that replays every input
// in tests/fuzz_regressions/<target>/ forever (tests/codec/fuzz_regressions_test.cpp),
// so a crash found once is re-checked by every ordinary build, not just by
// clang fuzz builds.
//
// Each check takes arbitrary bytes. It must return normally; a broken
// invariant calls std::abort() (PICNIC_FUZZ_CHECK), which libFuzzer reports
// as a crash and a test run as a failure. Memory errors and UB are caught by
// the sanitizers of the build (PICNIC_FUZZ or PICNIC_SANITIZE).
//
// The range decoder and container targets reach below the public API
// (codec/src), which is why these live with the fuzzers and not in tools/cli.
#ifndef PICNIC_TOOLS_FUZZ_FUZZ_CHECKS_H_
#define PICNIC_TOOLS_FUZZ_FUZZ_CHECKS_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cdf.h"
#include "container.h"
#include "picnic/engine.h"
#include "picnic/image_io.h"
#include "picnic/picnic.h"
#include "picnic/tiling.h"
#include "range_coder.h"

#include <zlib.h>

#define PICNIC_FUZZ_CHECK(cond)                                                      \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                  \
    }                                                                                \
  } while (0)

namespace picnic {
namespace fuzz {

// Small limits: the fuzzers should explore parsing and decoding, not spend
// seconds on one legitimately huge (e.g. flat, near-empty payload) image.
constexpr uint64_t kFuzzMaxPixels = uint64_t{1} << 16;

// A copy of a .pnc-shaped input whose header CRC is made to agree, so that
// mutations reach the checks behind it (libFuzzer cannot solve a CRC).
// Unchanged when the input is too short or its header length impossible.
inline std::vector<uint8_t> WithValidHeaderCrc(const uint8_t* data, size_t size) {
  std::vector<uint8_t> b(data, data + size);
  if (size < 12) return b;
  const uint32_t header_bytes = static_cast<uint32_t>(b[8]) | (static_cast<uint32_t>(b[9]) << 8) |
                                (static_cast<uint32_t>(b[10]) << 16) |
                                (static_cast<uint32_t>(b[11]) << 24);
  if (header_bytes < 12 || header_bytes > size) return b;
  const uint32_t crc = static_cast<uint32_t>(crc32(0L, b.data(), header_bytes - 4));
  for (int i = 0; i < 4; ++i) b[header_bytes - 4 + i] = static_cast<uint8_t>(crc >> (8 * i));
  return b;
}

// ------------------------------------------------------------ image_io

inline void CheckImageIo(const uint8_t* data, size_t size) {
  constexpr uint64_t kMaxPixels = uint64_t{1} << 22;
  // The stream reader's limit: more than it was shown, unless it stops.
  auto limit = ImageReadLimit(kMaxPixels)(data, size);
  if (limit.ok() && !limit->stop) PICNIC_FUZZ_CHECK(limit->bytes > size);
  auto image = DecodeImage(data, size, kMaxPixels);
  if (!image.ok()) {
    PICNIC_FUZZ_CHECK(image.status().code() != StatusCode::kOk);
    return;
  }
  PICNIC_FUZZ_CHECK(image->width >= 1 && image->height >= 1);
  PICNIC_FUZZ_CHECK(static_cast<uint64_t>(image->width) * image->height <= kMaxPixels);
  PICNIC_FUZZ_CHECK(image->pixels.size() == image->num_subpixels());
  auto png = EncodePng(image.value());
  PICNIC_FUZZ_CHECK(png.ok());
  auto back = DecodeImage(png->data(), png->size(), kMaxPixels);
  PICNIC_FUZZ_CHECK(back.ok());
  PICNIC_FUZZ_CHECK(back->pixels == image->pixels && back->layout == image->layout &&
                    back->width == image->width && back->height == image->height);
  // Metadata comes back as it was read: same chunks, same order, same bytes.
  PICNIC_FUZZ_CHECK(back->metadata.size() == image->metadata.size());
  for (size_t i = 0; i < image->metadata.size(); ++i) {
    PICNIC_FUZZ_CHECK(IsAncillaryChunkType(image->metadata[i].type));
    PICNIC_FUZZ_CHECK(back->metadata[i].type == image->metadata[i].type &&
                      back->metadata[i].data == image->metadata[i].data);
  }
}

// ------------------------------------------------------------ container

// ParseContainer / ReadFileInfo on arbitrary bytes. An accepted file must be
// self-consistent, and writing its header back must reproduce it.
inline void CheckContainerBytes(const uint8_t* data, size_t size) {
  auto parsed = ParseContainer(data, size, kFuzzMaxPixels);
  auto unlimited = ParseContainer(data, size, 0);
  auto info = ReadFileInfo(data, size);
  PICNIC_FUZZ_CHECK(info.ok() == unlimited.ok());
  if (parsed.ok()) PICNIC_FUZZ_CHECK(unlimited.ok());
  if (!unlimited.ok()) {
    PICNIC_FUZZ_CHECK(unlimited.status().code() != StatusCode::kOk);
    PICNIC_FUZZ_CHECK(!unlimited.status().message().empty());
    return;
  }
  const ContainerHeader& h = unlimited->header;
  PICNIC_FUZZ_CHECK(h.format_major == kFormatMajor);
  PICNIC_FUZZ_CHECK(h.width >= 1 && h.width <= kMaxSide && h.height >= 1 && h.height <= kMaxSide);
  PICNIC_FUZZ_CHECK(h.cdf_precision >= kMinCdfPrecision && h.cdf_precision <= kMaxCdfPrecision);
  PICNIC_FUZZ_CHECK(h.tiles_per_batch >= 1);
  PICNIC_FUZZ_CHECK(IsValidModelName(h.model_name));
  PICNIC_FUZZ_CHECK(h.replicate_x >= 1 && h.replicate_y >= 1);
  PICNIC_FUZZ_CHECK(((h.flags & kFlagReplicated) != 0) == (h.replicate_x != 1 || h.replicate_y != 1));
  PICNIC_FUZZ_CHECK(h.orientation < 8 && ((h.flags & kFlagOriented) != 0) == (h.orientation != 0));
  // The calibration map and error feedback only on top of recalibration.
  PICNIC_FUZZ_CHECK((h.flags & kFlagsNeedingRecalibration) == 0 || (h.flags & kFlagRecalibrated) != 0);
  PICNIC_FUZZ_CHECK(h.payload_sizes.size() == CountTiles(CodedWidth(h), CodedHeight(h), h.tile_size));
  PICNIC_FUZZ_CHECK(unlimited->payload_offsets.size() == h.payload_sizes.size());
  PICNIC_FUZZ_CHECK(unlimited->header_bytes <= size);
  // Payloads tile the rest of the file exactly.
  uint64_t end = unlimited->header_bytes;
  for (size_t t = 0; t < h.payload_sizes.size(); ++t) {
    PICNIC_FUZZ_CHECK(unlimited->payload_offsets[t] == end);
    end += h.payload_sizes[t];
  }
  PICNIC_FUZZ_CHECK(end == size);
  PICNIC_FUZZ_CHECK(info->width == static_cast<int>(h.width) &&
                    info->height == static_cast<int>(h.height));
  PICNIC_FUZZ_CHECK(info->num_tiles == h.payload_sizes.size());
  if (parsed.ok()) {
    PICNIC_FUZZ_CHECK(static_cast<uint64_t>(h.width) * h.height <= kFuzzMaxPixels);
  } else {
    PICNIC_FUZZ_CHECK(parsed.status().code() == StatusCode::kLimitExceeded);
  }

  // Write it back. A 1.0 file without extension bytes comes back byte for
  // byte; a newer minor version loses only its extension fields.
  std::vector<std::vector<uint8_t>> payloads(h.payload_sizes.size());
  for (size_t t = 0; t < payloads.size(); ++t) {
    const uint8_t* p = data + unlimited->payload_offsets[t];
    payloads[t].assign(p, p + h.payload_sizes[t]);
  }
  auto written = WriteContainer(h, payloads);
  PICNIC_FUZZ_CHECK(written.ok());
  auto reparsed = ParseContainer(written->data(), written->size(), 0);
  PICNIC_FUZZ_CHECK(reparsed.ok());
  const ContainerHeader& r = reparsed->header;
  PICNIC_FUZZ_CHECK(r.width == h.width && r.height == h.height && r.layout == h.layout &&
                    r.cdf_precision == h.cdf_precision && r.tile_size == h.tile_size &&
                    r.tiles_per_batch == h.tiles_per_batch &&
                    r.model_fingerprint == h.model_fingerprint &&
                    r.pixels_crc32 == h.pixels_crc32 && r.model_name == h.model_name &&
                    r.payload_sizes == h.payload_sizes && r.replicate_x == h.replicate_x &&
                    r.replicate_y == h.replicate_y && r.tile_modes == h.tile_modes &&
                    r.orientation == h.orientation);
  PICNIC_FUZZ_CHECK(r.metadata.size() == h.metadata.size());
  for (size_t i = 0; i < h.metadata.size(); ++i) {
    PICNIC_FUZZ_CHECK(IsAncillaryChunkType(h.metadata[i].type));
    PICNIC_FUZZ_CHECK(r.metadata[i].type == h.metadata[i].type &&
                      r.metadata[i].data == h.metadata[i].data);
  }
  // The writer's own form: 1.0 without metadata, 1.1 with exactly its field.
  const size_t minimal_header = kFixedHeaderBytes + h.model_name.size() +
                                4 * h.payload_sizes.size() + MetadataFieldBytes(h.metadata) + 4;
  if (h.format_minor == (h.metadata.empty() ? 0 : kFormatMinor) &&
      unlimited->header_bytes == minimal_header) {
    PICNIC_FUZZ_CHECK(written->size() == size &&
                      std::memcmp(written->data(), data, size) == 0);
  }
}

// As the input is, and with its header CRC made valid.
inline void CheckContainer(const uint8_t* data, size_t size) {
  CheckContainerBytes(data, size);
  const std::vector<uint8_t> fixed = WithValidHeaderCrc(data, size);
  CheckContainerBytes(fixed.data(), fixed.size());
}

// ------------------------------------------------------------ range decoder

// Reads the fuzz input as a little program: CDFs first, then the bytes the
// range decoder sees.
class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t U8() { return pos_ < size_ ? data_[pos_++] : 0; }
  float F32() {
    uint32_t bits = 0;
    for (int i = 0; i < 4; ++i) bits |= static_cast<uint32_t>(U8()) << (8 * i);
    float f;
    std::memcpy(&f, &bits, sizeof(f));
    return f;
  }
  const uint8_t* rest() const { return data_ + std::min(pos_, size_); }
  size_t rest_size() const { return pos_ < size_ ? size_ - pos_ : 0; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

struct FuzzCdf {
  int num_symbols = 0;
  int precision = 0;
  std::vector<uint32_t> cdf;  // num_symbols + 1 entries
};

// A CDF over 1..256 symbols at any coder precision, from raw weights: every
// symbol gets at least one count, so it is strictly increasing.
inline FuzzCdf RawCdf(ByteReader& in, int precision) {
  FuzzCdf c;
  c.precision = precision;
  const int max_symbols = std::min(256, 1 << precision);
  c.num_symbols = 1 + in.U8() % max_symbols;
  std::vector<uint64_t> weights(c.num_symbols);
  uint64_t total = 0;
  for (auto& w : weights) total += (w = in.U8());
  if (total == 0) {
    for (auto& w : weights) w = 1;
    total = c.num_symbols;
  }
  const uint64_t spare = (uint64_t{1} << precision) - c.num_symbols;
  c.cdf.resize(c.num_symbols + 1);
  uint64_t cum = 0;
  for (int s = 0; s <= c.num_symbols; ++s) {
    c.cdf[s] = static_cast<uint32_t>(s + cum * spare / total);
    if (s < c.num_symbols) cum += weights[s];
  }
  return c;
}

// A CDF from the codec's own builder: a mixture whose parameters are raw
// float bits (NaN and infinity included) or counts. Parameters the builder
// refuses (kModelError) fall back to a flat CDF, as the test cannot use them.
inline FuzzCdf CodecCdf(ByteReader& in, int precision) {
  FuzzCdf c;
  c.precision = precision;
  c.num_symbols = kNumSymbols;
  c.cdf.resize(kCdfSize);
  Distribution d;
  std::vector<uint32_t> counts;
  if (in.U8() & 1) {
    d.kind = Distribution::Kind::kMixture;
    d.mixture.num_mixtures = in.U8() % (kMaxMixtures + 2);  // 0 and 17 are invalid
    const int n = std::min(d.mixture.num_mixtures, kMaxMixtures);
    for (int k = 0; k < n; ++k) {
      d.mixture.logits[k] = in.F32();
      d.mixture.means[k] = in.F32();
      d.mixture.log_scales[k] = in.F32();
    }
  } else {
    d.kind = Distribution::Kind::kCounts;
    counts.resize(kNumSymbols);
    for (auto& v : counts) v = in.U8() % 8 == 0 ? in.U8() * 257u : 0;
    d.counts = counts.data();
  }
  QuantizedCdf q;
  const Status s = q.Init(d, precision);
  PICNIC_FUZZ_CHECK(s.ok() || s.code() == StatusCode::kModelError);
  if (s.ok()) {
    for (int v = 0; v <= kNumSymbols; ++v) c.cdf[v] = q(v);
  } else {
    for (int v = 0; v <= kNumSymbols; ++v) {
      c.cdf[v] = static_cast<uint32_t>((uint64_t{1} << precision) * v / kNumSymbols);
    }
  }
  // What the range coder REQUIREs; a builder that breaks it is a bug.
  PICNIC_FUZZ_CHECK(c.cdf[0] == 0 && c.cdf[kNumSymbols] == (uint32_t{1} << precision));
  for (int v = 0; v < kNumSymbols; ++v) PICNIC_FUZZ_CHECK(c.cdf[v] < c.cdf[v + 1]);
  return c;
}

// Decodes symbols from arbitrary bytes with CDFs taken from the input: every
// symbol is in range and nothing reads out of bounds. Then the decoded
// symbols, encoded again, must decode to themselves from a clean stream.
// The first byte: bits 0-1 the number of CDFs less one, bit 2 a wide stream
// (precisions up to 24; narrow: up to 16).
inline void CheckRangeDecoder(const uint8_t* data, size_t size) {
  ByteReader in(data, size);
  const uint8_t head = in.U8();
  const int num_cdfs = 1 + head % 4;
  const int max_precision = (head & 4) ? kRangeCoderMaxPrecision : kRangeCoderNarrowMaxPrecision;
  std::vector<FuzzCdf> cdfs;
  for (int i = 0; i < num_cdfs; ++i) {
    const uint8_t kind = in.U8();
    if (kind & 1) {
      const int max_codec = std::min(kMaxCdfPrecision, max_precision);
      const int precision = kMinCdfPrecision + (kind >> 1) % (max_codec - kMinCdfPrecision + 1);
      cdfs.push_back(CodecCdf(in, precision));
    } else {
      const int precision = kRangeCoderMinPrecision + (kind >> 1) % (max_precision - kRangeCoderMinPrecision + 1);
      cdfs.push_back(RawCdf(in, precision));
    }
  }
  const uint8_t* stream = in.rest();
  const size_t stream_size = in.rest_size();
  // Enough symbols to run well past the end of the stream (zeros are read there).
  const size_t num_symbols = std::min<size_t>(4 * stream_size + 16, 1 << 14);

  RangeDecoder decoder(stream, stream_size, max_precision);
  std::vector<int> symbols(num_symbols);
  for (size_t i = 0; i < num_symbols; ++i) {
    const FuzzCdf& c = cdfs[i % cdfs.size()];
    const int s = decoder.Decode(c.cdf.data(), c.precision, c.num_symbols);
    PICNIC_FUZZ_CHECK(s >= 0 && s < c.num_symbols);
    symbols[i] = s;
  }

  RangeEncoder encoder(max_precision);
  for (size_t i = 0; i < num_symbols; ++i) {
    const FuzzCdf& c = cdfs[i % cdfs.size()];
    encoder.Encode(c.cdf[symbols[i]], c.cdf[symbols[i] + 1], c.precision);
  }
  encoder.Finalize();
  const std::vector<uint8_t>& clean = encoder.bytes();
  RangeDecoder again(clean.data(), clean.size(), max_precision);
  for (size_t i = 0; i < num_symbols; ++i) {
    const FuzzCdf& c = cdfs[i % cdfs.size()];
    PICNIC_FUZZ_CHECK(again.Decode(c.cdf.data(), c.precision, c.num_symbols) == symbols[i]);
  }
  PICNIC_FUZZ_CHECK(!again.corrupt());
  PICNIC_FUZZ_CHECK(again.position() >= again.size());
}

// ------------------------------------------------------------ whole decode

// The models a fuzzed file may name: the frozen tiny integer model
// (tests/golden/engine/tiny.pnq: the exact engine, fast enough to fuzz) and
// the built-in histogram model.
inline ModelProvider FuzzProvider() {
  static const Result<IntWeights> tiny = LoadIntWeights(PICNIC_FUZZ_TINY_MODEL);
  return [](const std::string& name, uint64_t fp) -> Result<std::unique_ptr<ProbabilityModel>> {
    if (tiny.ok() && (fp == tiny->fingerprint || (fp == 0 && name == tiny->name))) {
      EngineOptions eo;
      eo.use_default_kernel = false;
      eo.kernel = AvailableKernelPaths().back();
      PICNIC_ASSIGN_OR_RETURN(std::unique_ptr<EngineModel> m, EngineModel::Create(tiny.value(), eo));
      return std::unique_ptr<ProbabilityModel>(std::move(m));
    }
    return BuiltinModelProvider()(name, fp);
  };
}

// picnic::Decode with the tiny engine model or the histogram model. Errors must be errors
// (never kInternal, never kOk without an image); an accepted file must
// describe an image that encodes and decodes back to itself.
inline void CheckDecodeBytes(const uint8_t* data, size_t size) {
  DecodeOptions options;
  options.threads = 1;  // libFuzzer and threads mix badly; batches are independent anyway
  options.max_pixels = kFuzzMaxPixels;
  options.provider = FuzzProvider();
  auto image = Decode(data, size, options);
  if (!image.ok()) {
    const StatusCode code = image.status().code();
    PICNIC_FUZZ_CHECK(code != StatusCode::kOk && code != StatusCode::kInternal);
    return;
  }
  auto info = ReadFileInfo(data, size);
  PICNIC_FUZZ_CHECK(info.ok());
  PICNIC_FUZZ_CHECK(image->width == info->width && image->height == info->height &&
                    image->layout == info->layout);
  PICNIC_FUZZ_CHECK(image->pixels.size() == image->num_subpixels());
  PICNIC_FUZZ_CHECK(PixelsCrc32(image->pixels) == info->pixels_crc32);
  EncodeOptions encode;
  encode.threads = 1;
  encode.tile_size = info->tile_size;
  encode.cdf_precision = info->cdf_precision;
  encode.tiles_per_batch = info->tiles_per_batch;
  // The fingerprint decides which model decodes a file (its stored name may
  // differ, as in a damaged or hand-made file): re-encode with that model.
  // A file without model tiles (format 1.3) never asked for it, so the
  // model it names need not exist: re-encode with the histogram then.
  encode.model = "histogram";
  if (info->model_tiles > 0) {
    auto model = options.provider(info->model_name, info->model_fingerprint);
    PICNIC_FUZZ_CHECK(model.ok());
    encode.model = (*model)->name();
  }
  encode.provider = options.provider;
  auto again = Encode(image.value(), encode);
  PICNIC_FUZZ_CHECK(again.ok());
  auto back = Decode(again->data(), again->size(), options);
  PICNIC_FUZZ_CHECK(back.ok() && back->pixels == image->pixels);
}

// With the header CRC made valid: the header check itself is the container
// target's job; this one is for what lies behind it.
inline void CheckDecode(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> fixed = WithValidHeaderCrc(data, size);
  CheckDecodeBytes(fixed.data(), fixed.size());
}

}  // namespace fuzz
}  // namespace picnic

#endif  // PICNIC_TOOLS_FUZZ_FUZZ_CHECKS_H_
