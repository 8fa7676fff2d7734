// Online error feedback (error_feedback.h). No floating point: what this file
// computes feeds CDFs that must agree bit for bit on every machine.
#include "error_feedback.h"

#include <algorithm>
#include <atomic>

#include "picnic/fixed_math.h"

namespace picnic {
namespace {

// Learn's loop, written once and compiled twice: for the baseline
// instruction set and, on x86-64 CPUs that have it, for AVX2 (vector 32-bit
// multiplies and min/max, which the baseline lacks: a third of the
// instructions). Integer arithmetic: both give the same values.
#define PICNIC_FEEDBACK_BODY inline __attribute__((always_inline))

// w_k += RoundShift(u f_k, rate), clamped; |u f| <= 2^28 and |w| <= 2^22:
// 32 bits suffice.
PICNIC_FEEDBACK_BODY void StepBody(int32_t* w, const int32_t* f, int32_t u, int rate) {
  const int32_t half = int32_t{1} << (rate - 1);
  constexpr int32_t kMax = ErrorFeedback::kMaxWeightQ20;
  for (int k = 0; k < ErrorFeedback::kMaxFeatures; ++k) {
    const int32_t v = w[k] + ((u * f[k] + half) >> rate);
    w[k] = v < -kMax ? -kMax : v > kMax ? kMax : v;
  }
}

void StepBaseline(int32_t* w, const int32_t* f, int32_t u, int rate) { StepBody(w, f, u, rate); }

#if defined(__x86_64__)
__attribute__((target("avx2"))) void StepAvx2(int32_t* w, const int32_t* f, int32_t u, int rate) {
  StepBody(w, f, u, rate);
}
#endif

#undef PICNIC_FEEDBACK_BODY

std::atomic<bool> g_allow_avx2{true};

}  // namespace

void ErrorFeedback::AllowAvx2(bool allow) { g_allow_avx2.store(allow); }

bool ErrorFeedback::UsesAvx2() {
#if defined(__x86_64__)
  return g_allow_avx2.load() && __builtin_cpu_supports("avx2");
#else
  return false;
#endif
}

void ErrorFeedback::Begin(int tiles, int width, int channels, int contexts, bool annealed) {
  step_ = StepBaseline;
#if defined(__x86_64__)
  if (UsesAvx2()) {
    step_ = StepAvx2;
  }
#endif
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

namespace {

// Features for channel kC of a pixel with kChannels channels, r0..r2 at the
// subpixel's cell in rows y, y - 1, y - 2 (Features); every offset a
// constant.
// Also returns sum_k w_k f_k, as the features come (|w| <= 2^22 in Q20,
// |f| <= 2^14 in Q15, 16 terms: |s| <= 2^40): reading back the features
// just stored as one vector would wait for the stores.
template <int kC, int kChannels>
int64_t GatherFeatures(const int32_t* r0, const int32_t* r1, const int32_t* r2, const int32_t* w, int32_t* f) {
  // Channel cc's cell is cc - c away from channel c's, the pixel at x + dx
  // dx * kChannels.
  constexpr ptrdiff_t p = kChannels;
  int64_t s = 0;
  int n = 0;
  auto add = [&](int32_t v) {
    f[n] = v;
    s += int64_t{w[n]} * v;
    ++n;
  };
  add(r0[-p]);
  add(r0[-2 * p]);
  add(r1[-2 * p]);
  add(r1[-p]);
  add(r1[0]);
  add(r1[p]);
  add(r1[2 * p]);
  add(r2[-p]);
  add(r2[0]);
  add(r2[p]);
  for (int cc = 0; cc < kC; ++cc) add(r0[cc - kC]);
  for (int cc = 0; cc < kChannels; ++cc) {
    if (cc == kC) continue;
    add(r0[cc - kC - p]);
    add(r1[cc - kC]);
  }
  while (n < ErrorFeedback::kMaxFeatures) f[n++] = 0;
  return s;
}

}  // namespace

int64_t ErrorFeedback::Gather(int tile, int x, int c, const int32_t* w, int32_t* f) const {
  const size_t at = Cell(tile, c, x);
  const int32_t* r0 = residuals_[0].data() + at;
  const int32_t* r1 = residuals_[1].data() + at;
  const int32_t* r2 = residuals_[2].data() + at;
  switch (channels_ * 4 + c) {
    case 4: return GatherFeatures<0, 1>(r0, r1, r2, w, f);
    case 8: return GatherFeatures<0, 2>(r0, r1, r2, w, f);
    case 9: return GatherFeatures<1, 2>(r0, r1, r2, w, f);
    case 12: return GatherFeatures<0, 3>(r0, r1, r2, w, f);
    case 13: return GatherFeatures<1, 3>(r0, r1, r2, w, f);
    default: return GatherFeatures<2, 3>(r0, r1, r2, w, f);  // 14 (channels_ <= kMaxChannels, c < channels_)
  }
}

int ErrorFeedback::Features(int tile, int x, int c, int32_t* f) const {
  static constexpr int32_t kNoWeights[kMaxFeatures] = {};
  Gather(tile, x, c, kNoWeights, f);
  // 10 of the same channel, c of the same pixel's earlier channels, two of
  // each other channel.
  return 10 + c + 2 * (channels_ - 1);
}

uint32_t ErrorFeedback::ScaleFactor(int32_t top_log2_inv_scale) {
  const int32_t l = std::min(std::max(top_log2_inv_scale, -3 * 65536), 3 * 65536);
  return fixed::Exp2NegQ30(static_cast<uint32_t>(l + 3 * 65536));
}

int32_t ErrorFeedback::Shift(int tile, int x, int c, int context, int32_t top_log2_inv_scale) {
  return ShiftScaled(tile, x, c, context, ScaleFactor(top_log2_inv_scale));
}

}  // namespace picnic
