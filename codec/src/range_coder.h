// A byte-oriented range coder (Martin 1979; the carry/cache scheme of LZMA's
// rc), in the shape of tensorflow/compression's cc/lib/range_coder: a small
// pure class, Encode(lower, upper, precision) / Decode(cdf, precision).
//
// Two widths, chosen per stream by the largest precision it will use:
// - narrow (precision <= 16, every file before the wide coder): a 32-bit
//   range kept in [2^24, 2^32) by emitting one byte at a time, a 64-bit `low`
//   whose bit 32 is a pending carry;
// - wide (precision 17..24): the same scheme with a 56-bit window, range kept
//   in [2^48, 2^56), carry at bit 56, so that a CDF of 2^24 counts leaves
//   every symbol a range >= 2^24. A 16-bit CDF must give every symbol at
//   least 1 of 65,536 counts (256 symbols: up to 0.4 % of the mass; 0.19 %
//   of the files of photos/valid, 2026-12-02); at 2^24 the floor costs
//   nothing measurable.
// A symbol with counts [lower, upper) out of 2^precision narrows the range to
// (range >> precision) * (upper - lower); the symbol whose upper == 2^precision
// also takes the rounding remainder, so no code space is wasted at the top.
// Every symbol keeps a range of at least 2^(window - 8 - precision) (2^8 for
// narrow at 16, 2^24 for wide at 24), and the rounding loss is below that
// fraction of the range.
//
// Stream end: Finalize() picks the value in the final interval with the most
// trailing zero bits and drops trailing zero bytes; the decoder reads zeros
// past the end, so the stream is as short as it can be.
#ifndef PICNIC_CODEC_RANGE_CODER_H_
#define PICNIC_CODEC_RANGE_CODER_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace picnic {

// CDF precisions the coder supports: totals of 2^1 .. 2^24; up to 2^16 in a
// narrow stream.
constexpr int kRangeCoderMinPrecision = 1;
constexpr int kRangeCoderNarrowMaxPrecision = 16;
constexpr int kRangeCoderMaxPrecision = 24;

// The state of one stream's width (see above).
struct RangeCoderWidth {
  explicit RangeCoderWidth(int max_precision)
      : window_bits(max_precision > kRangeCoderNarrowMaxPrecision ? 56 : 32),
        top(uint64_t{1} << (window_bits - 8)),
        window_mask((uint64_t{1} << window_bits) - 1) {}
  int window_bits;       // 32 or 56
  uint64_t top;          // renormalize below this range
  uint64_t window_mask;  // the largest range
};

class RangeEncoder {
 public:
  // A stream whose precisions are all <= max_precision: narrow up to 16
  // (bytes identical to every earlier picnic), wide above.
  explicit RangeEncoder(int max_precision = kRangeCoderNarrowMaxPrecision)
      : width_(max_precision), range_(width_.window_mask) {}

  // Codes the symbol whose cumulative counts are [lower, upper).
  // REQUIRES: kRangeCoderMinPrecision <= precision <= the width's maximum,
  //           lower < upper <= 2^precision, Finalize() not yet called.
  void Encode(uint32_t lower, uint32_t upper, int precision);

  // Flushes the state; afterwards bytes() is the complete stream.
  void Finalize();

  const std::vector<uint8_t>& bytes() const { return bytes_; }
  std::vector<uint8_t> TakeBytes() { return std::move(bytes_); }

 private:
  void ShiftLow();

  RangeCoderWidth width_;
  uint64_t low_ = 0;            // bits [0, window) window, bit `window` = carry
  uint64_t range_;
  uint8_t cache_ = 0;           // last byte not yet written (may get a carry)
  uint64_t pending_ff_ = 0;     // 0xFF bytes after cache_, also awaiting carry
  bool have_cache_ = false;     // false until the first real byte exists
  bool finalized_ = false;
  std::vector<uint8_t> bytes_;
};

class RangeDecoder {
 public:
  // Decodes from [data, data + size) a stream encoded with the same
  // max_precision (its width). The caller keeps the bytes alive.
  // Reads past the end see zero bytes (that is how streams end, see above).
  RangeDecoder(const uint8_t* data, size_t size, int max_precision = kRangeCoderNarrowMaxPrecision);

  // Returns the symbol s with cdf[s] <= target < cdf[s + 1].
  // REQUIRES: kRangeCoderMinPrecision <= precision <= the width's maximum;
  //   cdf has num_symbols + 1 entries, cdf[0] == 0,
  //   cdf[num_symbols] == 2^precision, strictly increasing; 1 <= num_symbols.
  // Arbitrary input bytes give arbitrary symbols (in range), never UB; a
  // stream that no encoder could have produced sets corrupt().
  int Decode(const uint32_t* cdf, int precision, int num_symbols = 256) {
    return DecodeWith([cdf](int s) { return cdf[s]; }, precision, num_symbols);
  }

  // The same for a CDF evaluated on demand: cdf(s) for 0 <= s <= num_symbols,
  // with the same REQUIREs as above. Binary search makes log2(num_symbols)
  // calls, so a model's CDF never has to be tabulated.
  template <typename CdfFn>
  int DecodeWith(const CdfFn& cdf, int precision, int num_symbols = 256) {
    return DecodeWith(cdf, precision, num_symbols, [](uint64_t) { return -1; });
  }

  // The same, starting from guess(target) (any int; < 0: no guess), the
  // caller's estimate of the symbol: the search looks there first and
  // gallops outwards, so that a good guess costs two calls of cdf. The
  // symbol does not depend on the guess (only one s has cdf(s) <= target
  // < cdf(s + 1)), so a guess may come from anywhere, floating point
  // included.
  template <typename CdfFn, typename GuessFn>
  int DecodeWith(const CdfFn& cdf, int precision, int num_symbols, const GuessFn& guess) {
    const uint64_t r = range_ >> precision;
    const uint64_t max_target = (uint64_t{1} << precision) - 1;
    uint64_t target = code_ / r;
    // Values in the top symbol's rounding remainder (and garbage) land here.
    if (target > max_target) target = max_target;
    // Largest s with cdf(s) <= target; cdf(0) == 0 <= target always holds.
    int lo = 0, hi = num_symbols;  // invariant: cdf(lo) <= target < cdf(hi)
    uint32_t cdf_lo = 0, cdf_hi = uint32_t{1} << precision;
    const int g = guess(target);
    if (g >= 0 && g < num_symbols) {
      const uint32_t c = g > 0 ? cdf(g) : 0;
      if (c <= target) {  // at or above g: g + 1, g + 2, g + 4, ...
        lo = g;
        cdf_lo = c;
        for (int step = 1; lo + step < hi; step *= 2) {
          const uint32_t d = cdf(lo + step);
          if (d > target) {
            hi = lo + step;
            cdf_hi = d;
            break;
          }
          lo += step;
          cdf_lo = d;
        }
      } else {  // below g: g - 1, g - 2, g - 4, ...
        hi = g;
        cdf_hi = c;
        for (int step = 1; hi - step > lo; step *= 2) {
          const uint32_t d = cdf(hi - step);
          if (d <= target) {
            lo = hi - step;
            cdf_lo = d;
            break;
          }
          hi -= step;
          cdf_hi = d;
        }
      }
    }
    while (hi - lo > 1) {
      const int mid = lo + (hi - lo) / 2;
      const uint32_t c = cdf(mid);
      if (c <= target) {
        lo = mid;
        cdf_lo = c;
      } else {
        hi = mid;
        cdf_hi = c;
      }
    }
    Consume(cdf_lo, cdf_hi, precision);
    return lo;
  }

  // True once the stream was seen to be impossible (the code value left the
  // current interval). Corrupt streams are not always detected; the driver's
  // CRC catches the rest.
  bool corrupt() const { return corrupt_; }
  // The counts [lower, upper) of the symbol decoded last.
  uint32_t last_lower() const { return last_lower_; }
  uint32_t last_upper() const { return last_upper_; }
  // Bytes consumed so far, counting reads past the end. A valid stream has
  // consumed at least its size after its last symbol.
  uint64_t position() const { return position_; }
  size_t size() const { return size_; }

 private:
  // Narrows to the decoded symbol's counts [lower, upper).
  void Consume(uint32_t lower, uint32_t upper, int precision);

  uint8_t NextByte() {
    const uint8_t b = position_ < size_ ? data_[position_] : 0;
    ++position_;
    return b;
  }

  const uint8_t* data_;
  size_t size_;
  RangeCoderWidth width_;
  uint64_t position_ = 0;
  uint64_t range_;
  uint64_t code_ = 0;  // value - low, < range_ for every valid stream; within the window
  uint32_t last_lower_ = 0, last_upper_ = 0;
  bool corrupt_ = false;
};

}  // namespace picnic

#endif  // PICNIC_CODEC_RANGE_CODER_H_
