// Online calibration map of the exact engine's mixtures (format 1.6, header
// flag bit 4, only with online recalibration): a monotone map G of the
// mixture's CDF, learned while coding from where the coded values fell in
// it, in the same integer arithmetic in the encoder and the decoder.
//
// What it corrects: recalibration (recalibration.h) moves each mixture's
// scale and mean, but the shape stays the model's: if the outcomes fall in
// the tails more often than any logistic mixture of that scale says, or
// crowd one side, only a change of shape helps. For a calibrated model the
// PIT F(X) (randomized within the coded interval) is uniform on [0, 1); G
// is the empirical CDF of the PIT so far, so coding with G(F) makes the
// PIT of what follows uniform again (histogram equalization).
//
// The map is per colour channel and scale bucket (the heaviest component's
// log2 inverse scale, Recalibration::ScaleBucket): 46 bins of F (Q31), at
// powers of two from each tail,
//   [0, 2^8), [2^8, 2^9), ..., [2^29, 2^30),
//   [2^30, 2^31 - 2^29), ..., [2^31 - 2^9, 2^31 - 2^8), [2^31 - 2^8, 2^31],
// so that the tails, where the cost of a miss is largest, get fine bins; G
// is linear within each bin (each width is a power of two: a shift, no
// division). Measured in README, Results.
#ifndef PICNIC_CODEC_PIT_REMAP_H_
#define PICNIC_CODEC_PIT_REMAP_H_

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace picnic {
namespace pit_remap_internal {

constexpr int kBins = 46;
constexpr uint32_t kOne = uint32_t{1} << 31;
constexpr std::array<uint32_t, kBins + 1> kEdges = [] {
  std::array<uint32_t, kBins + 1> e{};
  for (int b = 1; b < kBins; ++b) e[b] = b < 23 ? uint32_t{1} << (b + 7) : kOne - (uint32_t{1} << (kBins - b + 7));
  e[kBins] = kOne;
  return e;
}();
constexpr std::array<uint8_t, kBins> kWidthLog2 = [] {
  std::array<uint8_t, kBins> w{};
  for (int b = 0; b < kBins; ++b) w[b] = static_cast<uint8_t>(b == 0 || b == kBins - 1 ? 8 : b < 23 ? b + 7 : kBins - b + 6);
  return w;
}();

}  // namespace pit_remap_internal

class PitRemap {
 public:
  static constexpr int kBins = pit_remap_internal::kBins;
  static constexpr uint32_t kOne = pit_remap_internal::kOne;  // F = 1 in Q31
  // Pseudo-observations of the uniform prior each map starts from, and the
  // weight of one observation.
  static constexpr uint64_t kObservationWeight = uint64_t{1} << 16;
  static constexpr uint64_t kPriorObservations = 64;
  // With annealed online adaptation (format 1.8, recalibration.h) the prior
  // is firmer: the map moves from the identity only once a context has seen
  // enough to say how (measured 0.04 % smaller files than 64).
  static constexpr uint64_t kAnnealedPriorObservations = 512;
  // Knots are recomputed after this many observations of a context...
  static constexpr int kRefreshEvery = 32;
  // ...and every count is halved (rounding up) when a context's total
  // passes this (old observations fade; the products below stay in 64 bits).
  static constexpr uint64_t kMaxTotal = uint64_t{1} << 30;

  // The bin of f in [0, 2^31] (2^31 itself: the last bin): the lower half
  // counts up from 0, the upper half down from kBins - 1 with 2^31 - 1 - f
  // in place of f (one path for both, no early returns).
  static int Bin(uint32_t f) {
    // floor(log2(x)) - 7 for x >= 256, 0 below: 24 - clz(x | 128).
    const bool low = f < (uint32_t{1} << 30);
    const uint32_t m = low ? f : kOne - 1 - std::min(f, kOne - 1);
    const int b = 24 - __builtin_clz(m | 128);
    return low ? b : kBins - 1 - b;
  }
  // Lower edge of `bin` (0..kBins; Edge(kBins) = 2^31), and the log2 of
  // its width: Edge(bin + 1) - Edge(bin) = 2^WidthLog2(bin).
  static uint32_t Edge(int bin) { return pit_remap_internal::kEdges[bin]; }
  static int WidthLog2(int bin) { return pit_remap_internal::kWidthLog2[bin]; }

  // G(f) for a context's knots (kBins + 1 values, 0 ... 2^31, non-decreasing),
  // f <= 2^31 (G(2^31) = 2^31: the last bin's top knot).
  static uint32_t Map(const uint32_t* knots, uint32_t f) {
    const int b = Bin(f);
    const uint64_t d = f - Edge(b);
    return knots[b] + static_cast<uint32_t>((d * (knots[b + 1] - knots[b])) >> WidthLog2(b));
  }

  // Every context's map starts from a uniform prior of `prior_observations`.
  void Begin(int contexts, uint64_t prior_observations = kPriorObservations);
  const uint32_t* Knots(int context) const { return &knots_[static_cast<size_t>(context) * (kBins + 1)]; }
  // The coded value's interval [f_lo, f_hi] of the unmapped CDF (Q31).
  // Inline for the common case, an interval within one bin.
  void Observe(int context, uint32_t f_lo, uint32_t f_hi) {
    const int first = Bin(f_lo);
    if (f_hi > f_lo && Bin(f_hi - 1) != first) return ObserveSpread(context, f_lo, f_hi);
    counts_[static_cast<size_t>(context) * kBins + first] += kObservationWeight;
    contexts_[context].total += kObservationWeight;
    Counted(context);
  }
  // Asks the CPU to fetch a context's knots and counts (no effect on any
  // value; Recalibration::Prepare).
  void Prefetch(int context) const {
    const uint32_t* k = Knots(context);
    const uint32_t* c = &counts_[static_cast<size_t>(context) * kBins];
    for (int i = 0; i <= kBins; i += 16) __builtin_prefetch(k + i);
    __builtin_prefetch(k + kBins);
    for (int i = 0; i < kBins; i += 16) __builtin_prefetch(c + i, 1);
    __builtin_prefetch(c + kBins - 1, 1);
    __builtin_prefetch(&contexts_[context], 1);
  }

 private:
  struct Context {
    uint64_t total = 0;
    int since_refresh = 0;
  };
  void Refresh(int context);
  // After an observation's weight is added to a context's counts and total:
  // the knots are recomputed every kRefreshEvery observations.
  void Counted(int context) {
    if (++contexts_[context].since_refresh >= kRefreshEvery) Refresh(context);
  }
  // Observe for an interval over more than one bin.
  void ObserveSpread(int context, uint32_t f_lo, uint32_t f_hi);
  // A count never exceeds its context's total, which Refresh brings back
  // under kMaxTotal = 2^30 at most kRefreshEvery observations after it
  // passes it: 32 bits hold every count.
  std::vector<uint32_t> counts_;   // [context][bin]
  std::vector<uint32_t> knots_;    // [context][bin + 1]
  std::vector<Context> contexts_;
};

}  // namespace picnic

#endif  // PICNIC_CODEC_PIT_REMAP_H_
