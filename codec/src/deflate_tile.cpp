#include "deflate_tile.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace picnic {
namespace {

constexpr int kNumFilters = 5;  // PNG: none, sub, up, average, paeth

int Paeth(int a, int b, int c) {
  const int p = a + b - c;
  const int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

// The prediction of filter f for byte i of a row (bpp bytes per pixel);
// `prev` is the previous row (zeros for the first).
inline int Predict(int f, const uint8_t* row, const uint8_t* prev, size_t i, int bpp) {
  const int a = i >= static_cast<size_t>(bpp) ? row[i - bpp] : 0;
  const int b = prev[i];
  const int c = i >= static_cast<size_t>(bpp) ? prev[i - bpp] : 0;
  switch (f) {
    case 1: return a;
    case 2: return b;
    case 3: return (a + b) / 2;
    case 4: return Paeth(a, b, c);
    default: return 0;
  }
}

void FilterRow(int f, const uint8_t* row, const uint8_t* prev, size_t n, int bpp, uint8_t* out) {
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(row[i] - Predict(f, row, prev, i, bpp));
}

// zlib at `level`; an empty result only if zlib itself fails.
std::vector<uint8_t> Deflate(const std::vector<uint8_t>& raw, int level) {
  uLongf bound = compressBound(static_cast<uLong>(raw.size()));
  std::vector<uint8_t> out(bound);
  if (compress2(out.data(), &bound, raw.data(), static_cast<uLong>(raw.size()), level) != Z_OK) {
    return {};
  }
  out.resize(bound);
  return out;
}

}  // namespace

Result<std::vector<uint8_t>> EncodeDeflateTile(const Image& image, const TileRect& rect, bool quick) {
  const int bpp = image.channels();
  const size_t n = static_cast<size_t>(rect.width) * bpp;
  // The tile's rows, contiguous, and a zero row before the first.
  std::vector<uint8_t> rows((rect.height + 1) * n, 0);
  for (int y = 0; y < rect.height; ++y) {
    const uint8_t* src = &image.pixels[(static_cast<size_t>(rect.y0 + y) * image.width + rect.x0) * bpp];
    std::copy(src, src + n, rows.begin() + (y + 1) * n);
  }
  std::vector<uint8_t> best;
  std::vector<uint8_t> raw(rect.height * (n + 1));
  std::vector<uint8_t> trial(n);
  // choice < kNumFilters: that filter on every row; kNumFilters: per row the
  // filter with the least sum of |signed residual| (the PNG heuristic).
  for (int choice = quick ? kNumFilters : 0; choice <= kNumFilters; ++choice) {
    for (int y = 0; y < rect.height; ++y) {
      const uint8_t* row = &rows[(y + 1) * n];
      const uint8_t* prev = &rows[y * n];
      uint8_t* out = &raw[y * (n + 1)];
      int filter = choice;
      if (choice == kNumFilters) {
        uint64_t best_sum = UINT64_MAX;
        for (int f = 0; f < kNumFilters; ++f) {
          FilterRow(f, row, prev, n, bpp, trial.data());
          uint64_t sum = 0;
          for (size_t i = 0; i < n; ++i) sum += static_cast<uint64_t>(std::abs(static_cast<int8_t>(trial[i])));
          if (sum < best_sum) {
            best_sum = sum;
            filter = f;
          }
        }
      }
      out[0] = static_cast<uint8_t>(filter);
      FilterRow(filter, row, prev, n, bpp, out + 1);
    }
    std::vector<uint8_t> z = Deflate(raw, quick ? Z_BEST_SPEED : Z_BEST_COMPRESSION);
    if (z.empty()) return Status(StatusCode::kInternal, "zlib could not compress a tile");
    if (best.empty() || z.size() < best.size()) best = std::move(z);
  }
  return best;
}

Status DecodeDeflateTile(const uint8_t* data, size_t size, const TileRect& rect, Image& image) {
  const int bpp = image.channels();
  const size_t n = static_cast<size_t>(rect.width) * bpp;
  const size_t expected = static_cast<size_t>(rect.height) * (n + 1);
  std::vector<uint8_t> raw(expected + 1);  // one spare byte shows an overlong stream
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return Status(StatusCode::kInternal, "zlib could not start inflating");
  // zlib's counts are 32-bit: feed and drain in pieces until the stream
  // ends, fails, or stops making progress (input or room exhausted).
  size_t in_pos = 0, out_pos = 0;
  int rc = Z_OK;
  for (;;) {
    const size_t in_chunk = std::min<size_t>(size - in_pos, size_t{1} << 30);
    const size_t out_chunk = std::min<size_t>(raw.size() - out_pos, size_t{1} << 30);
    z.next_in = const_cast<Bytef*>(data + in_pos);
    z.avail_in = static_cast<uInt>(in_chunk);
    z.next_out = raw.data() + out_pos;
    z.avail_out = static_cast<uInt>(out_chunk);
    rc = inflate(&z, Z_NO_FLUSH);
    const size_t used = in_chunk - z.avail_in, made = out_chunk - z.avail_out;
    in_pos += used;
    out_pos += made;
    if (rc != Z_OK || (used == 0 && made == 0)) break;
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END || in_pos != size || out_pos != expected) {
    return Status(StatusCode::kCorrupt, "deflate payload is damaged (" +
                                            std::string(rc == Z_STREAM_END ? "wrong length" : "bad zlib stream") + ")");
  }
  std::vector<uint8_t> prev(n, 0), row(n);
  for (int y = 0; y < rect.height; ++y) {
    const uint8_t* in = &raw[y * (n + 1)];
    const int filter = in[0];
    if (filter >= kNumFilters) {
      return Status(StatusCode::kCorrupt, "deflate payload names filter " + std::to_string(filter));
    }
    for (size_t i = 0; i < n; ++i) row[i] = static_cast<uint8_t>(in[1 + i] + Predict(filter, row.data(), prev.data(), i, bpp));
    std::copy(row.begin(), row.end(), &image.pixels[(static_cast<size_t>(rect.y0 + y) * image.width + rect.x0) * bpp]);
    prev.swap(row);
  }
  return Status::Ok();
}

}  // namespace picnic
