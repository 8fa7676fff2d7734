// Online recalibration of the exact engine's mixtures (format 1.5, header
// flag bit 3): the coder corrects the model's scales and means while it
// codes, from the subpixels already coded, in the same integer arithmetic in
// the encoder and the decoder. No bytes are stored and decoding costs a few
// integer operations per subpixel.
//
// What it corrects: on images unlike its training photos the model's
// predicted scales are too wide (or narrow), and its means biased, by
// amounts that change across the image. Each coded subpixel gives two
// calibration statistics from its coded interval [lower, upper) out of
// T = 2^precision, which the coder has in hand (the decoder's search ends
// with it):
//   u = (lower + upper) / 2T - 1/2, the centred mid-PIT (probability
//       integral transform): E[u] = 0 for a calibrated distribution,
//       whatever its shape, so its sign says where the means sit;
//   g = 12 u^2 - 1 + p^2 with p = (upper - lower) / T: E[g] = 0 for a
//       calibrated discrete distribution (the mid-PIT's variance is
//       (1 - sum_v p_v^3) / 12, and sum_v p_v^3 = E[p(X)^2]); g > 0 when
//       the outcomes fall in the tails more often than predicted (scales
//       too narrow), g < 0 when they crowd the centre (too wide).
// Per context (channel, the heaviest component's log2 inverse scale in
// half-doublings, and how surprising the neighbourhood was: for channel 0
// the code lengths of its left and upper neighbours in the tile, for
// channels 1 and 2 that of the same pixel's previous channel), a log2-scale
// offset
// follows g and a mean offset follows u (scaled by the predicted scale) by
// small fixed steps (stochastic approximation), and every component's
// log2 inverse scale and mean get the context's offsets before the CDF is
// built. The state belongs to one batch of tiles coded in lockstep (the file
// records the batches), updated in coding order.
//
// Measured in README, Results (compress against compress --no-recalibrate).
// Integer-only: part of what every CDF is a pure function of.
#ifndef PICNIC_CODEC_RECALIBRATION_H_
#define PICNIC_CODEC_RECALIBRATION_H_

#include <algorithm>
#include <cstdint>
#include <vector>

#include "picnic/fixed_math.h"
#include "picnic/mixture.h"
#include "error_feedback.h"
#include "pit_remap.h"

namespace picnic {

// What the coder adapts online, from the header's flags (format 1.5-1.8).
struct OnlineAdaptation {
  bool recalibrate = false;     // flag bit 3: scales and means (this file)
  bool calibration_map = false; // bit 4, only with bit 3: pit_remap.h
  bool error_feedback = false;  // bit 5, only with bit 3: error_feedback.h
  bool annealed = false;        // bit 6, only with bit 3: steps that shrink (Recalibration::kAnnealed...)
};

class Recalibration {
 public:
  static constexpr int kScaleBuckets = 14;
  static constexpr int kSurpriseClasses = 6;
  static constexpr int kContexts = kScaleBuckets * kSurpriseClasses;
  // Steps: offsets move by rate / 1024 of their statistic per subpixel.
  static constexpr int kScaleRate = 5;
  static constexpr int kMeanRate = 3;
  // Annealed steps (format 1.8): a context's n-th update (n from 0) moves
  // its scale offset by 2^(8 - k) / 1024 of g with k = floor(log2(n + 16))
  // up to 12 (16 / 1024 at first, halving as n + 16 doubles, 1 / 16384 from
  // n = 4080), and its mean offset by kMeanRate 2^(10 - k) / 1024 of its
  // statistic with k = floor(log2(n + 256)) up to 12 (12 / 1024 at first,
  // 3 / 4096 from n = 3840): a running average more than a fixed-rate
  // tracker, since the stages after it (the map, error feedback) follow
  // what changes across the image (measured 0.10 % smaller files).
  static constexpr int kAnnealedScaleStart = 16;
  static constexpr int kAnnealedMeanStart = 256;
  static constexpr int kAnnealedMaxLog2 = 12;
  static constexpr int32_t kMaxUpdates = 4096;  // counts stop here: k no longer changes
  // log2 of the step's divisor for a context's n-th update: 10 (fixed
  // steps) or floor(log2(n + start)) up to kAnnealedMaxLog2.
  static int StepLog2(bool annealed, int32_t n, int start) {
    if (!annealed) return 10;
    const int k = 31 - __builtin_clz(static_cast<uint32_t>(n + start));
    return k < kAnnealedMaxLog2 ? k : kAnnealedMaxLog2;
  }
  // Offsets stay within +-2 doublings of scale and +-4 bins of mean.
  static constexpr int64_t kMaxScaleQ26 = int64_t{2} << 26;
  static constexpr int64_t kMaxMeanQ26 = int64_t{4} << 26;

  // A batch of `tiles` tiles at most `width` wide, `channels` colour
  // channels; with `online.calibration_map` (format 1.6) also an online
  // calibration map per channel and scale bucket (pit_remap.h); with
  // `online.error_feedback` (format 1.7) the means also follow the
  // neighbours' residuals (error_feedback.h). `online.recalibrate` is the
  // caller's business (it calls this class or not).
  void Begin(int tiles, int width, int channels, const OnlineAdaptation& online = {});
  // Called before the first subpixel of every row.
  void StartRow();
  // Asks the CPU to fetch the state Prepare, Apply and Update will touch for
  // (tile, x, c) that does not depend on its mixture (its cells of the
  // code-length and residual rows). The network's pass between two pixels
  // evicts them (its weights alone are twice a core's L2 cache); the coding
  // loop calls this for every tile of the batch before the first Prepare.
  // No effect on any value.
  void Prefetch(int tile, int x, int c) const {
    const size_t at = Cell(tile, x, c);
    __builtin_prefetch(bits_[0].data() + at);
    __builtin_prefetch(bits_[1].data() + at, 1);
    if (x > 0) __builtin_prefetch(bits_[1].data() + at - channels_);
    __builtin_prefetch(&pending_[tile], 1);
    if (feedback_) error_feedback_.Prefetch(tile, x, c);
  }
  // Adds the offsets of (tile, x, c)'s context to the mixture. Channels are
  // coded in order: channel c > 0 after channel c - 1 of the same pixel.
  // Prepare followed by ApplyPrepared.
  void Apply(int tile, int x, int c, IntSubpixelMixture* m) {
    Prepare(tile, x, c, *m);
    ApplyPrepared(tile, x, c, m);
  }
  // Apply in two steps, so that the coding loop can choose every tile's
  // contexts (and have their state fetched, all at once) before it codes
  // the first: Prepare chooses (tile, x, c)'s contexts from its mixture's
  // weights and scales and the tile's own code lengths, which no other
  // tile's Update changes, and asks the CPU for their state; ApplyPrepared,
  // any time before the tile's Update, adds the offsets as they are then.
  void Prepare(int tile, int x, int c, const IntSubpixelMixture& m);
  void ApplyPrepared(int tile, int x, int c, IntSubpixelMixture* m);
  // After coding the subpixel Apply adjusted last for this tile: its coded
  // interval [lower, upper) out of 2^precision (12..24).
  // With a map, [lower, upper) are the counts the CDF gives without it
  // (QuantizedCdf::RawCount): the offsets learn from the mixture as they
  // moved it, whatever the map did after.
  void Update(int tile, int x, int c, uint32_t lower, uint32_t upper, int precision);
  // With `remap`: the knots of the map for the subpixel Apply adjusted last
  // for this tile (QuantizedCdf::SetRemap), and, after coding it, its
  // interval of the mixture's CDF before the map (QuantizedCdf::RawF).
  bool remap() const { return remap_; }
  // (c is the channel Apply was last called with for this tile; its map
  // context was chosen there.)
  const uint32_t* Knots(int tile, int /*c*/) const { return pit_.Knots(pending_[tile].remap_context); }
  void Observe(int tile, int /*c*/, uint32_t f_lo, uint32_t f_hi) { pit_.Observe(pending_[tile].remap_context, f_lo, f_hi); }

  // The heaviest component's log2 inverse scale L (Q16) in half-doublings:
  // L < -3.5, [-3.5, -3), ..., [2, 2.5), L >= 2.5.
  static int ScaleBucket(int32_t log2_inv_scale_q16);
  // The first of the mixture's heaviest components (0 for none), as Prepare
  // finds it: with the AVX2 loop if `avx2` and this CPU has it
  // (ErrorFeedback::UsesAvx2), else the baseline one. For tests.
  static int HeaviestComponent(const IntSubpixelMixture& m, bool avx2);
  // From the code lengths (Q16 bits) of the left and upper neighbours
  // (negative: none).
  static int SurpriseClass(int32_t left_q16, int32_t up_q16);

 private:
  struct Offsets {
    int64_t log2_scale_q26 = 0;  // added to log2 scale (subtracted from log2 inverse scale)
    int64_t mean_q26 = 0;        // bins
    int32_t updates = 0;         // counted up to kMaxUpdates (annealed steps)
  };
  struct Pending {
    int context = 0;
    int bucket = 0;             // ScaleBucket of the heaviest component
    int remap_context = 0;      // the map's: channel and scale bucket
    uint32_t scale_factor = 0;  // ErrorFeedback::ScaleFactor of the heaviest component's log2 inverse scale
  };
  size_t Cell(int tile, int x, int c) const { return (static_cast<size_t>(tile) * width_ + x) * channels_ + c; }
  static int64_t Clamp64(int64_t v, int64_t bound) { return std::min(std::max(v, -bound), bound); }
  int width_ = 0, channels_ = 0, rows_ = 0;
  bool remap_ = false, feedback_ = false, annealed_ = false;
  int (*heaviest_)(const IntSubpixelMixture& m) = nullptr;  // recalibration.cpp: Heaviest or its AVX2 form
  PitRemap pit_;
  ErrorFeedback error_feedback_;
  std::vector<Offsets> offsets_;       // [channel][context]
  std::vector<Pending> pending_;       // [tile]
  std::vector<int32_t> bits_[2];       // code lengths, Q16: [tile][x][channel], previous and current row
};

// ApplyPrepared and Update run for every subpixel: defined here, so that
// the coding loop (tile_coder.h) inlines them. No floating point.

inline void Recalibration::ApplyPrepared(int tile, int x, int c, IntSubpixelMixture* m) {
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

inline void Recalibration::Update(int tile, int x, int c, uint32_t lower, uint32_t upper, int precision) {
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

#endif  // PICNIC_CODEC_RECALIBRATION_H_
