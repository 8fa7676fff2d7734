// Online recalibration (recalibration.h). No floating point: what this file
// computes feeds CDFs that must agree bit for bit on every machine.
#include "recalibration.h"

#include <algorithm>
#include <climits>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "picnic/fixed_math.h"

namespace picnic {
namespace {

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

#if defined(__x86_64__)
// The same with AVX2 (ErrorFeedback::UsesAvx2): the largest of the first
// num_mixtures weights (the rest taken as INT32_MIN, below any weight:
// |log2 weight| <= kIntMaxAbsLog2Weight), then the first slot that holds it.
// 0 for an empty mixture, as above.
__attribute__((target("avx2"))) int HeaviestAvx2(const IntSubpixelMixture& m) {
  static_assert(kMaxMixtures == 16, "two vectors of eight");
  const __m256i n = _mm256_set1_epi32(m.num_mixtures);
  const __m256i none = _mm256_set1_epi32(INT32_MIN);
  const __m256i first8 = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i next8 = _mm256_setr_epi32(8, 9, 10, 11, 12, 13, 14, 15);
  const auto* w = reinterpret_cast<const __m256i*>(m.log2_weights.data());
  const __m256i a = _mm256_blendv_epi8(none, _mm256_loadu_si256(w), _mm256_cmpgt_epi32(n, first8));
  const __m256i b = _mm256_blendv_epi8(none, _mm256_loadu_si256(w + 1), _mm256_cmpgt_epi32(n, next8));
  __m256i top = _mm256_max_epi32(a, b);
  top = _mm256_max_epi32(top, _mm256_permute2x128_si256(top, top, 1));
  top = _mm256_max_epi32(top, _mm256_shuffle_epi32(top, _MM_SHUFFLE(1, 0, 3, 2)));
  top = _mm256_max_epi32(top, _mm256_shuffle_epi32(top, _MM_SHUFFLE(2, 3, 0, 1)));
  const uint32_t at_a = static_cast<uint32_t>(_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(a, top))));
  const uint32_t at_b = static_cast<uint32_t>(_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(b, top))));
  return __builtin_ctz(at_a | at_b << 8);
}
#endif

}  // namespace

int Recalibration::HeaviestComponent(const IntSubpixelMixture& m, bool avx2) {
#if defined(__x86_64__)
  if (avx2 && ErrorFeedback::UsesAvx2()) return HeaviestAvx2(m);
#endif
  (void)avx2;
  return Heaviest(m);
}

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
  heaviest_ = Heaviest;
#if defined(__x86_64__)
  if (ErrorFeedback::UsesAvx2()) heaviest_ = HeaviestAvx2;
#endif
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
  const int top = heaviest_(m);
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

}  // namespace picnic
