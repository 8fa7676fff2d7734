// Online recalibration (recalibration.h). No floating point: what this file
// computes feeds CDFs that must agree bit for bit on every machine.
#include "recalibration.h"

#include <algorithm>

#include "picnic/fixed_math.h"

namespace picnic {
namespace {

int64_t Clamp64(int64_t v, int64_t bound) { return std::min(std::max(v, -bound), bound); }

// The first of the heaviest components (written to compile to conditional
// moves: which one it is changes from subpixel to subpixel).
int Heaviest(const IntSubpixelMixture& m) {
  int top = 0;
  int32_t best = m.log2_weights[0];
  for (int k = 1; k < m.num_mixtures; ++k) {
    const int32_t w = m.log2_weights[k];
    top = w > best ? k : top;
    best = w > best ? w : best;
  }
  return top;
}

}  // namespace

int Recalibration::ScaleBucket(int32_t log2_inv_scale_q16) {
  const int b = (log2_inv_scale_q16 >> 15) + 8;
  return b < 0 ? 0 : b >= kScaleBuckets ? kScaleBuckets - 1 : b;
}

int Recalibration::SurpriseClass(int32_t left_q16, int32_t up_q16) {
  // Code lengths are >= 0, so their mean is a shift.
  int64_t avg;
  if (left_q16 >= 0 && up_q16 >= 0) {
    avg = (int64_t{left_q16} + up_q16) >> 1;
  } else if (left_q16 >= 0 || up_q16 >= 0) {
    avg = std::max(left_q16, up_q16);
  } else {
    return 2;
  }
  const int c = static_cast<int>(avg >> 16) - 1;  // under 2 bits: 0; 2-3: 1; ...; 6 and more: 5
  return c < 0 ? 0 : c >= kSurpriseClasses ? kSurpriseClasses - 1 : c;
}

void Recalibration::Begin(int tiles, int width, int channels, const OnlineAdaptation& online) {
  const bool remap = online.calibration_map, feedback = online.error_feedback;
  width_ = width;
  channels_ = channels;
  remap_ = remap;
  feedback_ = feedback;
  annealed_ = online.annealed;
  if (remap) {
    pit_.Begin(channels * kScaleBuckets,
               annealed_ ? PitRemap::kAnnealedPriorObservations : PitRemap::kPriorObservations);
  }
  if (feedback) error_feedback_.Begin(tiles, width, channels, kScaleBuckets, annealed_);
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

void Recalibration::Prepare(int tile, int x, int c, const IntSubpixelMixture& m) {
  // Channel 0: its left and upper neighbours' code lengths; channels 1 and
  // 2: the code length of the same pixel's previous channel (measured
  // better: 0.06-0.23 % smaller files on six photos/valid images than the
  // neighbours of the same channel, and than both together).
  const size_t at = Cell(tile, x, c);
  const int32_t left = c > 0 ? bits_[1][at - 1] : x > 0 ? bits_[1][at - channels_] : -1;
  const int32_t up = c > 0 ? -1 : bits_[0][at];
  const int top = Heaviest(m);
  Pending& p = pending_[tile];
  const int32_t top_log2_inv_scale = m.log2_inv_scales[top];
  p.scale_factor = ErrorFeedback::ScaleFactor(top_log2_inv_scale);
  const int bucket = ScaleBucket(top_log2_inv_scale);
  p.bucket = bucket;
  p.remap_context = c * kScaleBuckets + bucket;
  p.context = bucket * kSurpriseClasses + SurpriseClass(left, up);
  // The state these contexts own: the network's pass since the last pixel
  // has evicted it.
  __builtin_prefetch(&offsets_[static_cast<size_t>(c) * kContexts + p.context], 1);
  if (remap_) pit_.Prefetch(p.remap_context);
  if (feedback_) error_feedback_.PrefetchContext(c, bucket);
}

void Recalibration::ApplyPrepared(int tile, int x, int c, IntSubpixelMixture* m) {
  const Pending& p = pending_[tile];
  const Offsets& o = offsets_[static_cast<size_t>(c) * kContexts + p.context];
  // |ds| <= 2^17 and |dm| <= 20 * 2^16 (kMaxScaleQ26, kMaxMeanQ26,
  // ErrorFeedback::kMaxShiftQ16), so with the mixture's values in their
  // ranges (picnic/mixture.h) the sums below fit 32 bits.
  const int32_t ds = static_cast<int32_t>(-(o.log2_scale_q26 >> 10));  // Q16
  int32_t dm = static_cast<int32_t>(o.mean_q26 >> 10);
  if (feedback_) dm += error_feedback_.ShiftScaled(tile, x, c, p.bucket, p.scale_factor);
  // Every slot, used or not (a fixed count vectorizes; unused slots are
  // never read). Not clamped here: QuantizedCdf clamps every mean and log2
  // inverse scale to the ranges of picnic/mixture.h as it builds the CDF,
  // and clamping once gives what clamping twice did (formats 1.5-1.9).
  for (int k = 0; k < kMaxMixtures; ++k) m->log2_inv_scales[k] += ds;
  for (int k = 0; k < kMaxMixtures; ++k) m->means[k] += dm;
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
  // Fixed steps: rate g, i.e. (rate 2^10 g) >> 10; annealed: (2^8 g) >> k.
  const int scale_k = StepLog2(annealed_, o.updates, kAnnealedScaleStart);
  const int mean_k = StepLog2(annealed_, o.updates, kAnnealedMeanStart);
  if (o.updates < kMaxUpdates) ++o.updates;
  const int64_t scale_step = annealed_ ? (g_q16 * 256) >> scale_k : g_q16 * kScaleRate;
  o.log2_scale_q26 = Clamp64(o.log2_scale_q26 + scale_step, kMaxScaleQ26);
  // The mean moves by rate/1024 * 4u * scale bins; scale = 2^-L with L (the
  // heaviest component's log2 inverse scale) taken within [-3, 3]:
  // 2^-L = Exp2NegQ30(L + 3) * 8 / 2^30. In Q26 that is
  // rate * u2 * Exp2NegQ30(L + 3) / 2^(10 + precision), the factor
  // ErrorFeedback::ScaleFactor that Apply computed (annealed: 2^(k +
  // precision) in place of 2^(10 + precision)).
  o.mean_q26 = Clamp64(o.mean_q26 + fixed::RoundShift64(kMeanRate * u2 * int64_t{p.scale_factor}, mean_k + precision),
                       kMaxMeanQ26);
  // This subpixel's code length, for its right and lower neighbours' contexts.
  const int32_t bits = precision * 65536 - fixed::Log2Q16(static_cast<uint64_t>(pr));
  bits_[1][Cell(tile, x, c)] = std::max(bits, 0);
  // u in Q15: u2 / 2T * 2^15 (|u2| <= T <= 2^24, so the product fits).
  if (feedback_) error_feedback_.Learn(tile, x, c, static_cast<int32_t>(fixed::RoundShift64(u2 * 16384, precision)));
}

}  // namespace picnic
