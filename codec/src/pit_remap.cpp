// Online calibration map (pit_remap.h). Integer arithmetic only: it feeds
// CDFs that must agree bit for bit on every machine.
#include "pit_remap.h"

#include <algorithm>

namespace picnic {

void PitRemap::Begin(int contexts, uint64_t prior_observations) {
  counts_.assign(static_cast<size_t>(contexts) * kBins, 0);
  knots_.assign(static_cast<size_t>(contexts) * (kBins + 1), 0);
  contexts_.assign(static_cast<size_t>(contexts), Context{});
  // The uniform prior: each bin's share of the prior observations by its
  // width, at least 1 (so that G is strictly increasing from the start).
  const uint64_t prior = prior_observations * kObservationWeight;  // 2^22 or 2^25
  for (int k = 0; k < contexts; ++k) {
    uint32_t* c = &counts_[static_cast<size_t>(k) * kBins];
    uint64_t total = 0;
    for (int b = 0; b < kBins; ++b) {
      c[b] = static_cast<uint32_t>(std::max<uint64_t>((prior << WidthLog2(b)) >> 31, 1));
      total += c[b];
    }
    contexts_[k].total = total;
    Refresh(k);
  }
}

void PitRemap::Refresh(int context) {
  Context& s = contexts_[context];
  if (s.total > kMaxTotal) {
    uint32_t* c = &counts_[static_cast<size_t>(context) * kBins];
    s.total = 0;
    for (int b = 0; b < kBins; ++b) {
      c[b] = (c[b] + 1) >> 1;
      s.total += c[b];
    }
  }
  const uint32_t* c = &counts_[static_cast<size_t>(context) * kBins];
  uint32_t* knots = &knots_[static_cast<size_t>(context) * (kBins + 1)];
  // knots[b] = (counts below bin b) * floor(2^62 / total) / 2^31: 2^31
  // times their share, rounded down; below <= total, so the product stays
  // within 2^62.
  const uint64_t reciprocal = (uint64_t{1} << 62) / s.total;
  uint64_t below = 0;
  knots[0] = 0;
  for (int b = 1; b < kBins; ++b) {
    below += c[b - 1];
    knots[b] = static_cast<uint32_t>((below * reciprocal) >> 31);
  }
  knots[kBins] = kOne;
  s.since_refresh = 0;
}

void PitRemap::ObserveSpread(int context, uint32_t f_lo, uint32_t f_hi) {
  uint32_t* c = &counts_[static_cast<size_t>(context) * kBins];
  Context& s = contexts_[context];
  // The randomized PIT is uniform over [f_lo, f_hi): each bin gets its
  // overlap's share of one observation.
  const uint64_t len = f_hi - f_lo;
  const int first = Bin(f_lo), last = Bin(f_hi - 1);
  for (int b = first; b <= last; ++b) {
    const uint64_t lo = std::max<uint64_t>(f_lo, Edge(b)), hi = std::min<uint64_t>(f_hi, Edge(b + 1));
    const uint64_t share = ((hi - lo) * kObservationWeight) / len;
    c[b] += static_cast<uint32_t>(share);
    s.total += share;
  }
  Counted(context);
}

}  // namespace picnic
