#include "range_coder.h"

namespace picnic {

// Renormalization: while the range is below width_.top (2^24 narrow, 2^48
// wide), one byte out, range << 8.
void RangeEncoder::Encode(uint32_t lower, uint32_t upper, int precision) {
  const uint64_t r = range_ >> precision;
  low_ += r * lower;
  if (upper == (uint32_t{1} << precision)) {
    range_ -= r * lower;  // the top symbol absorbs the rounding remainder
  } else {
    range_ = r * (upper - lower);
  }
  while (range_ < width_.top) {
    range_ <<= 8;
    ShiftLow();
  }
}

// Moves the top byte of the window out. A byte can still change by a
// carry until a later byte below 0xFF is known, so the last byte < 0xFF is
// held in cache_ and the 0xFF bytes after it are only counted.
void RangeEncoder::ShiftLow() {
  const int w = width_.window_bits;
  const uint32_t carry = static_cast<uint32_t>(low_ >> w);
  const uint32_t top = static_cast<uint32_t>(low_ >> (w - 8)) & 0xFF;
  if (carry != 0 || top != 0xFF) {
    if (have_cache_) bytes_.push_back(static_cast<uint8_t>(cache_ + carry));
    // The interval never leaves [0, 1), so a carry never reaches past the
    // first byte: before the first byte there is nothing to carry into.
    for (; pending_ff_ > 0; --pending_ff_) bytes_.push_back(static_cast<uint8_t>(0xFF + carry));
    cache_ = static_cast<uint8_t>(top);
    have_cache_ = true;
  } else {
    ++pending_ff_;
  }
  low_ = (low_ & (width_.top - 1)) << 8;
}

void RangeEncoder::Finalize() {
  if (finalized_) return;
  finalized_ = true;
  // Any value in [low, low + range) identifies the stream; pick the one with
  // the most trailing zero bits, since the decoder supplies zeros for free.
  const uint64_t end = low_ + range_;  // exclusive
  for (int k = width_.window_bits; k >= 0; --k) {
    const uint64_t mask = (uint64_t{1} << k) - 1;
    const uint64_t v = (low_ + mask) & ~mask;
    if (v < end) {
      low_ = v;
      break;
    }
  }
  for (int i = 0; i <= width_.window_bits / 8; ++i) ShiftLow();
  while (!bytes_.empty() && bytes_.back() == 0) bytes_.pop_back();
}

RangeDecoder::RangeDecoder(const uint8_t* data, size_t size, int max_precision)
    : data_(data), size_(size), width_(max_precision), range_(width_.window_mask) {
  for (int i = 0; i < width_.window_bits / 8; ++i) code_ = (code_ << 8) | NextByte();
  if (code_ >= range_) corrupt_ = true;
}

void RangeDecoder::Consume(uint32_t lower, uint32_t upper, int precision) {
  last_lower_ = lower;
  last_upper_ = upper;
  const uint64_t r = range_ >> precision;
  // lower <= target <= code_ / r, so this never underflows.
  code_ -= r * lower;
  if (upper == (uint32_t{1} << precision)) {
    range_ -= r * lower;
  } else {
    range_ = r * (upper - lower);
  }
  if (code_ >= range_) corrupt_ = true;
  while (range_ < width_.top) {
    range_ <<= 8;
    // Bits shifted out of the window are dropped (only a corrupt stream has
    // any), as a narrow stream's 32-bit value always did.
    code_ = ((code_ << 8) | NextByte()) & width_.window_mask;
  }
}

}  // namespace picnic
