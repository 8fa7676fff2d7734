// Online error feedback of the exact engine's means (format 1.7, header flag
// bit 5, only with online recalibration): each subpixel's mean is moved by a
// linear prediction of its residual from the residuals of the subpixels
// already coded around it, learned while coding by least mean squares, in the
// same integer arithmetic in the encoder and the decoder. CALIC's error
// feedback (Wu & Memon, IEEE Trans. Commun. 1997) with learned weights in
// place of context classes.
//
// What it corrects: on images unlike its training photos the model's errors
// are correlated with its errors next door (its mean misses smooth ramps,
// film grain or a scanner's blur the same way across neighbouring pixels),
// which a per-context mean offset (recalibration.h) cannot follow. The
// residual of a coded subpixel is its centred mid-PIT u = (lower + upper) /
// 2T - 1/2 in [-1/2, 1/2] (recalibration.h): scale-free, bounded, and in hand
// in the decoder.
//
// Features of channel c of the pixel at (x, y) in its tile (Q15; 0 where a
// neighbour lies outside the tile, so absent and unbiased neighbours look
// alike): u of the same channel at (x-1, y), (x-2, y), (x-2..x+2, y-1),
// (x-1..x+1, y-2); of the same pixel's earlier channels; of every other
// channel at (x-1, y) and (x, y-1). The prediction s = sum w_k f_k (u units)
// becomes a mean shift of 4 s times the heaviest component's scale (a
// logistic's density at its mean is 1 / 4 scale), every component moved by
// it. After coding, w_k += 2^-6 u f_k (u of the shifted distribution; larger
// steps for a context's first 1024 updates; with annealed adaptation, format
// 1.8, smaller ones, 2^-7 and then 2^-8, from its 4096th and 16384th). The
// weights belong to a batch of tiles coded in lockstep, per channel and
// scale bucket (Recalibration::ScaleBucket). Measured in README, Results.
#ifndef PICNIC_CODEC_ERROR_FEEDBACK_H_
#define PICNIC_CODEC_ERROR_FEEDBACK_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "picnic/fixed_math.h"

namespace picnic {

class ErrorFeedback {
 public:
  static constexpr int kMaxChannels = 3;
  static constexpr int kMaxFeatures = 10 + (kMaxChannels - 1) + 2 * (kMaxChannels - 1);  // 16
  static constexpr int kRateLog2 = 16;                        // Q15 u times Q15 f to a Q20 step of 2^-6 u f
  // A context's first updates take larger steps (it starts from 0): 2^-3
  // for its first 64, 2^-4 to 256, 2^-5 to 1024, then 2^-6; `annealed`
  // (format 1.8): 2^-7 from 4096 and 2^-8 from 16384 (kMaxUpdates).
  static constexpr int32_t kMaxUpdates = 16384;  // counts stop here
  static int RateLog2(int32_t updates, bool annealed) {
    return kRateLog2 - (updates < 64 ? 3 : updates < 256 ? 2 : updates < 1024 ? 1 : 0) +
           (annealed ? (updates >= 4096) + (updates >= kMaxUpdates) : 0);
  }
  static constexpr int32_t kMaxWeightQ20 = int32_t{4} << 20;  // |w| <= 4
  static constexpr int32_t kMaxShiftQ16 = int32_t{16} << 16;  // |shift| <= 16 bins

  // A batch of `tiles` tiles at most `width` wide, `channels` (1..3) colour
  // channels, weights for `contexts` contexts per channel.
  void Begin(int tiles, int width, int channels, int contexts, bool annealed = false);
  // Called before the first subpixel of every row.
  void StartRow();
  // Asks the CPU to fetch (tile, x, c)'s residual neighbourhood and its
  // pending entry (Recalibration::Prefetch).
  void Prefetch(int tile, int x, int c) const {
    const size_t at = Cell(tile, c, x);
    const size_t p = static_cast<size_t>(channels_);
    __builtin_prefetch(residuals_[0].data() + at - 2 * p, 1);
    __builtin_prefetch(residuals_[0].data() + at, 1);
    for (int r = 1; r < 3; ++r) {
      __builtin_prefetch(residuals_[r].data() + at - 2 * p);
      __builtin_prefetch(residuals_[r].data() + at + 2 * p);
    }
    const char* pending = reinterpret_cast<const char*>(&pending_[tile]);
    __builtin_prefetch(pending, 1);
    __builtin_prefetch(pending + sizeof(Pending) - 1, 1);
  }
  // The same for channel c's weights in `context`.
  void PrefetchContext(int c, int context) const {
    const size_t at = static_cast<size_t>(c) * contexts_ + context;
    const int32_t* w = &weights_[at * kMaxFeatures];
    __builtin_prefetch(w, 1);
    __builtin_prefetch(w + kMaxFeatures - 1, 1);
    __builtin_prefetch(&updates_[at], 1);
  }
  // The mean shift (Q16 bins) for channel c of (tile, x), given its context
  // and the heaviest component's log2 inverse scale (Q16). Remembers the
  // features for Learn.
  int32_t Shift(int tile, int x, int c, int context, int32_t top_log2_inv_scale);
  // The same with ScaleFactor(top_log2_inv_scale) computed by the caller.
  int32_t ShiftScaled(int tile, int x, int c, int context, uint32_t scale_factor);
  // 2^-L / 8 in Q30 for the heaviest component's log2 inverse scale L (Q16)
  // taken within [-3, 3]: Exp2NegQ30(L + 3).
  static uint32_t ScaleFactor(int32_t top_log2_inv_scale);
  // After coding the subpixel Shift was last asked about for this tile: its
  // u in Q15 (|u| <= 2^14), under the shifted distribution.
  void Learn(int tile, int x, int c, int32_t u_q15);

  // Whether the online stages pick the loops compiled for AVX2 (on x86-64
  // CPUs that have it: Learn's update here, Recalibration's heaviest
  // component; the same values either way), as of their next Begin.
  // AllowAvx2(false) makes them use the baseline ones: for tests that
  // compare the two.
  static void AllowAvx2(bool allow);
  static bool UsesAvx2();

  // Which features (tile, x, c) sees: writes all kMaxFeatures (0 past
  // those it has) and returns how many it has.
  int Features(int tile, int x, int c, int32_t* f) const;

 private:
  // Residual rows carry kMargin zero cells on either side, so that the
  // neighbours of a tile's edge pixels read 0 without a test.
  static constexpr int kMargin = 2;
  struct Pending {
    int32_t* weights = nullptr;
    int32_t* updates = nullptr;
    int32_t f[kMaxFeatures] = {};  // unused features stay 0 (and so their weights)
  };
  // A row holds a tile's pixels side by side, each pixel's channels
  // together (one cache line serves a pixel's neighbourhood).
  // Writes (tile, x, c)'s features to f (all kMaxFeatures, 0 past those it
  // has) and returns sum_k w_k f_k.
  int64_t Gather(int tile, int x, int c, const int32_t* w, int32_t* f) const;
  size_t Cell(int tile, int c, int x) const {
    return (static_cast<size_t>(tile) * stride_ + kMargin + x) * channels_ + c;
  }
  int width_ = 0, stride_ = 0, channels_ = 0, contexts_ = 0;
  bool annealed_ = false;
  void (*step_)(int32_t* w, const int32_t* f, int32_t u, int rate) = nullptr;  // StepBody
  std::vector<int32_t> weights_;       // Q20: [channel][context][kMaxFeatures]
  std::vector<int32_t> updates_;       // [channel][context], counted up to kMaxUpdates
  std::vector<Pending> pending_;       // [tile]
  std::vector<int32_t> residuals_[3];  // u, Q15: [tile][margin + x + margin][channel]; rows y, y - 1, y - 2
};

// ShiftScaled and Learn run for every subpixel: defined here, so that the
// coding loop inlines them. No floating point.

inline int32_t ErrorFeedback::ShiftScaled(int tile, int x, int c, int context, uint32_t scale_factor) {
  Pending& p = pending_[tile];
  const size_t at = static_cast<size_t>(c) * contexts_ + context;
  p.weights = &weights_[at * kMaxFeatures];
  p.updates = &updates_[at];
  const int64_t s = Gather(tile, x, c, p.weights, p.f);  // Q35
  if (s == 0) return 0;
  // Shift = 4 s scale bins, scale = 2^-L with L within [-3, 3]:
  // 2^-L = Exp2NegQ30(L + 3) * 8 / 2^30 (ScaleFactor), so in Q16 the shift
  // is s * ScaleFactor / 2^44: s to Q16 first (|s| <= 2^21), times at most
  // 2^30.
  const int64_t shift = fixed::RoundShift64(fixed::RoundShift64(s, 19) * int64_t{scale_factor}, 25);
  return static_cast<int32_t>(std::min<int64_t>(std::max<int64_t>(shift, -kMaxShiftQ16), kMaxShiftQ16));
}

inline void ErrorFeedback::Learn(int tile, int x, int c, int32_t u_q15) {
  Pending& p = pending_[tile];
  if (p.weights != nullptr) {
    const int rate = RateLog2(*p.updates, annealed_);
    if (*p.updates < kMaxUpdates) ++*p.updates;
    step_(p.weights, p.f, u_q15, rate);
  }
  residuals_[0][Cell(tile, c, x)] = u_q15;
}

}  // namespace picnic

#endif  // PICNIC_CODEC_ERROR_FEEDBACK_H_
