// Online recalibration (recalibration.h). No floating point: what this file
// computes feeds CDFs that must agree bit for bit on every machine.
#include "recalibration.h"

#include <algorithm>

#include "picnic/fixed_math.h"

namespace picnic {
namespace {

int32_t Clamp32(int64_t v, int32_t lo, int32_t hi) {
  return static_cast<int32_t>(std::min<int64_t>(std::max<int64_t>(v, lo), hi));
}

int64_t Clamp64(int64_t v, int64_t bound) { return std::min(std::max(v, -bound), bound); }

int Heaviest(const IntSubpixelMixture& m) {
  int top = 0;
  for (int k = 1; k < m.num_mixtures; ++k) {
    if (m.log2_weights[k] > m.log2_weights[top]) top = k;
  }
  return top;
}

}  // namespace

int Recalibration::ScaleBucket(int32_t log2_inv_scale_q16) {
  const int b = (log2_inv_scale_q16 >> 15) + 8;
  return b < 0 ? 0 : b >= kScaleBuckets ? kScaleBuckets - 1 : b;
}

int Recalibration::SurpriseClass(int32_t left_q16, int32_t up_q16) {
  int64_t sum = 0;
  int n = 0;
  for (int32_t b : {left_q16, up_q16}) {
    if (b >= 0) {
      sum += b;
      ++n;
    }
  }
  if (n == 0) return 2;
  const int64_t avg = sum / n;
  const int c = static_cast<int>(avg >> 16) - 1;  // under 2 bits: 0; 2-3: 1; ...; 6 and more: 5
  return c < 0 ? 0 : c >= kSurpriseClasses ? kSurpriseClasses - 1 : c;
}

void Recalibration::Begin(int tiles, int width, int channels, bool remap, bool feedback) {
  width_ = width;
  channels_ = channels;
  remap_ = remap;
  feedback_ = feedback;
  if (remap) pit_.Begin(channels * kScaleBuckets);
  if (feedback) error_feedback_.Begin(tiles, width, channels, kScaleBuckets);
  rows_ = 0;
  offsets_.assign(static_cast<size_t>(channels) * kContexts, Offsets{});
  pending_.assign(static_cast<size_t>(tiles), Pending{});
  const size_t cells = static_cast<size_t>(tiles) * channels * width;
  bits_[0].assign(cells, -1);
  bits_[1].assign(cells, -1);
}

void Recalibration::StartRow() {
  if (rows_++ > 0) {
    std::swap(bits_[0], bits_[1]);
    std::fill(bits_[1].begin(), bits_[1].end(), -1);
  }
  if (feedback_) error_feedback_.StartRow();
}

void Recalibration::Apply(int tile, int x, int c, IntSubpixelMixture* m) {
  // Channel 0: its left and upper neighbours' code lengths; channels 1 and
  // 2: the code length of the same pixel's previous channel (measured
  // better: 0.06-0.23 % smaller files on six photos/valid images than the
  // neighbours of the same channel, and than both together).
  const size_t row = (static_cast<size_t>(tile) * channels_ + c) * width_;
  const int32_t left = c > 0 ? bits_[1][row - width_ + x] : x > 0 ? bits_[1][row + x - 1] : -1;
  const int32_t up = c > 0 ? -1 : bits_[0][row + x];
  const int top = Heaviest(*m);
  Pending& p = pending_[tile];
  p.top_log2_inv_scale = m->log2_inv_scales[top];
  const int bucket = ScaleBucket(p.top_log2_inv_scale);
  p.context = bucket * kSurpriseClasses + SurpriseClass(left, up);
  const Offsets& o = offsets_[static_cast<size_t>(c) * kContexts + p.context];
  const int64_t ds = -(o.log2_scale_q26 >> 10);  // Q16
  int64_t dm = o.mean_q26 >> 10;
  if (feedback_) dm += error_feedback_.Shift(tile, x, c, bucket, p.top_log2_inv_scale);
  if (ds == 0 && dm == 0) return;
  for (int k = 0; k < m->num_mixtures; ++k) {
    m->log2_inv_scales[k] = Clamp32(m->log2_inv_scales[k] + ds, kIntMinLog2InvScale, kIntMaxLog2InvScale);
    m->means[k] = Clamp32(m->means[k] + dm, kIntMinMean, kIntMaxMean);
  }
}

void Recalibration::Update(int tile, int x, int c, uint32_t lower, uint32_t upper, int precision) {
  const Pending& p = pending_[tile];
  Offsets& o = offsets_[static_cast<size_t>(c) * kContexts + p.context];
  const int64_t total = int64_t{1} << precision;
  const int64_t u2 = static_cast<int64_t>(lower) + upper - total;  // 2T u, in [-T, T]
  const int64_t pr = static_cast<int64_t>(upper) - lower;           // T p, >= 1
  // g = 12 u^2 - 1 + p^2 = (3 u2^2 + pr^2 - T^2) / T^2, in Q16 (|g| <= 3):
  // the numerator (< 2^51 at precision 24) shifted right by 2 precision - 16.
  const int64_t g_q16 = fixed::RoundShift64(3 * u2 * u2 + pr * pr - total * total, 2 * precision - 16);
  o.log2_scale_q26 = Clamp64(o.log2_scale_q26 + g_q16 * kScaleRate, kMaxScaleQ26);
  // The mean moves by rate/1024 * 4u * scale bins; scale = 2^-L with L (the
  // heaviest component's log2 inverse scale) taken within [-3, 3]:
  // 2^-L = Exp2NegQ30(L + 3) * 8 / 2^30. In Q26 that is
  // rate * u2 * Exp2NegQ30(L + 3) / 2^(10 + precision).
  const int32_t l = std::min(std::max(p.top_log2_inv_scale, -3 * 65536), 3 * 65536);
  const int64_t e = fixed::Exp2NegQ30(static_cast<uint32_t>(l + 3 * 65536));
  o.mean_q26 = Clamp64(o.mean_q26 + fixed::RoundShift64(kMeanRate * u2 * e, 10 + precision), kMaxMeanQ26);
  // This subpixel's code length, for its right and lower neighbours' contexts.
  const int32_t bits = precision * 65536 - fixed::Log2Q16(static_cast<uint64_t>(pr));
  bits_[1][(static_cast<size_t>(tile) * channels_ + c) * width_ + x] = std::max(bits, 0);
  // u in Q15: u2 / 2T * 2^15 (|u2| <= T <= 2^24, so the product fits).
  if (feedback_) error_feedback_.Learn(tile, x, c, static_cast<int32_t>(fixed::RoundShift64(u2 * 16384, precision)));
}

}  // namespace picnic
