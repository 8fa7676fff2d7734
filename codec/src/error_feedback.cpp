// Online error feedback (error_feedback.h). No floating point: what this file
// computes feeds CDFs that must agree bit for bit on every machine.
#include "error_feedback.h"

#include <algorithm>

#include "picnic/fixed_math.h"

namespace picnic {

void ErrorFeedback::Begin(int tiles, int width, int channels, int contexts, bool annealed) {
  width_ = width;
  annealed_ = annealed;
  stride_ = width + 2 * kMargin;
  channels_ = std::min(channels, kMaxChannels);
  contexts_ = contexts;
  weights_.assign(static_cast<size_t>(channels_) * contexts * kMaxFeatures, 0);
  updates_.assign(static_cast<size_t>(channels_) * contexts, 0);
  pending_.assign(static_cast<size_t>(tiles), Pending{});
  for (auto& row : residuals_) row.assign(static_cast<size_t>(tiles) * channels_ * stride_, 0);
}

void ErrorFeedback::StartRow() {
  // The oldest row becomes the new one, cleared: until a subpixel is coded
  // its residual reads 0, as do those beyond a narrower tile's edge.
  std::swap(residuals_[2], residuals_[1]);
  std::swap(residuals_[1], residuals_[0]);
  std::fill(residuals_[0].begin(), residuals_[0].end(), 0);
}

int ErrorFeedback::Features(int tile, int x, int c, int32_t* f) const {
  // Channel cc's cell is cc - c away from channel c's, the pixel at x + dx
  // dx * channels_.
  const size_t at = Cell(tile, c, x);
  const ptrdiff_t p = channels_;
  const int32_t* r0 = residuals_[0].data() + at;
  const int32_t* r1 = residuals_[1].data() + at;
  const int32_t* r2 = residuals_[2].data() + at;
  f[0] = r0[-p];
  f[1] = r0[-2 * p];
  f[2] = r1[-2 * p];
  f[3] = r1[-p];
  f[4] = r1[0];
  f[5] = r1[p];
  f[6] = r1[2 * p];
  f[7] = r2[-p];
  f[8] = r2[0];
  f[9] = r2[p];
  int n = 10;
  for (int cc = 0; cc < c; ++cc) f[n++] = r0[cc - c];
  for (int cc = 0; cc < channels_; ++cc) {
    if (cc == c) continue;
    f[n++] = r0[cc - c - p];
    f[n++] = r1[cc - c];
  }
  return n;
}

uint32_t ErrorFeedback::ScaleFactor(int32_t top_log2_inv_scale) {
  const int32_t l = std::min(std::max(top_log2_inv_scale, -3 * 65536), 3 * 65536);
  return fixed::Exp2NegQ30(static_cast<uint32_t>(l + 3 * 65536));
}

int32_t ErrorFeedback::Shift(int tile, int x, int c, int context, int32_t top_log2_inv_scale) {
  return ShiftScaled(tile, x, c, context, ScaleFactor(top_log2_inv_scale));
}

int32_t ErrorFeedback::ShiftScaled(int tile, int x, int c, int context, uint32_t scale_factor) {
  Pending& p = pending_[tile];
  const size_t at = static_cast<size_t>(c) * contexts_ + context;
  p.weights = &weights_[at * kMaxFeatures];
  p.updates = &updates_[at];
  // Features writes the first 10 and up to 6 more; the rest stay 0.
  for (int k = 10; k < kMaxFeatures; ++k) p.f[k] = 0;
  Features(tile, x, c, p.f);
  // s in Q35: |w| <= 2^22 (Q20), |f| <= 2^14 (Q15), 16 terms: |s| <= 2^40.
  int64_t s = 0;
  for (int k = 0; k < kMaxFeatures; ++k) s += int64_t{p.weights[k]} * p.f[k];
  if (s == 0) return 0;
  // Shift = 4 s scale bins, scale = 2^-L with L within [-3, 3]:
  // 2^-L = Exp2NegQ30(L + 3) * 8 / 2^30 (ScaleFactor), so in Q16 the shift
  // is s * ScaleFactor / 2^44: s to Q16 first (|s| <= 2^21), times at most
  // 2^30.
  const int64_t shift = fixed::RoundShift64(fixed::RoundShift64(s, 19) * int64_t{scale_factor}, 25);
  return static_cast<int32_t>(std::min<int64_t>(std::max<int64_t>(shift, -kMaxShiftQ16), kMaxShiftQ16));
}

void ErrorFeedback::Learn(int tile, int x, int c, int32_t u_q15) {
  Pending& p = pending_[tile];
  if (p.weights != nullptr) {
    const int rate = RateLog2(*p.updates, annealed_);
    if (*p.updates < kMaxUpdates) ++*p.updates;
    // w += RoundShift(u f, rate), spelled out so that it vectorizes;
    // |u f| <= 2^28 and |w| <= 2^22: 32 bits suffice.
    const int32_t half = int32_t{1} << (rate - 1);
    int32_t* w = p.weights;
    const int32_t* f = p.f;
    for (int k = 0; k < kMaxFeatures; ++k) {
      const int32_t v = w[k] + ((u_q15 * f[k] + half) >> rate);
      w[k] = v < -kMaxWeightQ20 ? -kMaxWeightQ20 : v > kMaxWeightQ20 ? kMaxWeightQ20 : v;
    }
  }
  residuals_[0][Cell(tile, c, x)] = u_q15;
}

}  // namespace picnic
