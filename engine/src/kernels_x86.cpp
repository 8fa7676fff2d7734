// AVX2 and AVX-512 versions of GemmScalar (kernels.cpp), exactly equal to
// it: pmaddwd / vpdpwssd add products of int16 pairs into int32 lanes
// without saturation, and no sum can overflow (the exporter's bound; inputs
// and weights never hold -32768, so not even one pair can reach 2^31).
//
// Register blocking: a tile of MB rows x 16 (AVX2) or 32 (AVX-512) outputs
// stays in registers for the whole k loop; per input pair, one weight load
// per 8 / 16 outputs is shared by MB rows, one broadcast per row is shared by
// the tile's outputs.
#if defined(__x86_64__)
#include <immintrin.h>

#include <cstring>

#include "kernels.h"

namespace picnic {
namespace {

inline int32_t Pair(const int16_t* x) {
  int32_t v;
  std::memcpy(&v, x, 4);
  return v;
}

template <int MB>
__attribute__((target("avx2"))) inline void TileAvx2(const GemmSeg* segs, int nsegs, int m0, const int16_t* packed,
                                                      int o_pad, int ob, int32_t* acc, size_t acc_stride) {
  __m256i a[MB][2];
  for (int i = 0; i < MB; ++i) a[i][0] = a[i][1] = _mm256_setzero_si256();
  const int16_t* w = packed + ob * 2;
  const size_t wstep = static_cast<size_t>(o_pad) * 2;
  for (int s = 0; s < nsegs; ++s) {
    const int16_t* x[MB];
    for (int i = 0; i < MB; ++i) x[i] = segs[s].x + static_cast<size_t>(m0 + i) * segs[s].stride;
    const int pairs = segs[s].k / 2;
    for (int kp = 0; kp < pairs; ++kp, w += wstep) {
      const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
      const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 16));
      for (int i = 0; i < MB; ++i) {
        const __m256i xb = _mm256_set1_epi32(Pair(x[i] + 2 * kp));
        a[i][0] = _mm256_add_epi32(a[i][0], _mm256_madd_epi16(xb, w0));
        a[i][1] = _mm256_add_epi32(a[i][1], _mm256_madd_epi16(xb, w1));
      }
    }
  }
  for (int i = 0; i < MB; ++i) {
    int32_t* out = acc + static_cast<size_t>(m0 + i) * acc_stride + ob;
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), a[i][0]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 8), a[i][1]);
  }
}

}  // namespace

__attribute__((target("avx2"))) void GemmAvx2(const GemmSeg* segs, int nsegs, int rows, const int16_t* packed,
                                               int o_pad, int32_t* acc, size_t acc_stride) {
  for (int ob = 0; ob < o_pad; ob += 16) {
    int m = 0;
    for (; m + 6 <= rows; m += 6) TileAvx2<6>(segs, nsegs, m, packed, o_pad, ob, acc, acc_stride);
    switch (rows - m) {
      case 5: TileAvx2<5>(segs, nsegs, m, packed, o_pad, ob, acc, acc_stride); break;
      case 4: TileAvx2<4>(segs, nsegs, m, packed, o_pad, ob, acc, acc_stride); break;
      case 3: TileAvx2<3>(segs, nsegs, m, packed, o_pad, ob, acc, acc_stride); break;
      case 2: TileAvx2<2>(segs, nsegs, m, packed, o_pad, ob, acc, acc_stride); break;
      case 1: TileAvx2<1>(segs, nsegs, m, packed, o_pad, ob, acc, acc_stride); break;
      default: break;
    }
  }
}

// One body, two targets: the plain AVX-512 path must not be compiled with
// VNNI enabled (the compiler could fuse madd + add into vpdpwssd). NB
// outputs blocks of 16 (one or two), MB rows.
#define PICNIC_GEMM512(NAME, TARGET, MADD)                                                            \
  namespace {                                                                                         \
  template <int MB, int NB>                                                                           \
  __attribute__((target(TARGET))) inline void NAME##Tile(const GemmSeg* segs, int nsegs, int m0,     \
                                                         const int16_t* packed, int o_pad, int ob,   \
                                                         int32_t* acc, size_t acc_stride) {          \
    __m512i a[MB][NB];                                                                                \
    for (int i = 0; i < MB; ++i)                                                                      \
      for (int j = 0; j < NB; ++j) a[i][j] = _mm512_setzero_si512();                                  \
    const int16_t* w = packed + ob * 2;                                                               \
    const size_t wstep = static_cast<size_t>(o_pad) * 2;                                              \
    for (int s = 0; s < nsegs; ++s) {                                                                 \
      const int16_t* x[MB];                                                                           \
      for (int i = 0; i < MB; ++i) x[i] = segs[s].x + static_cast<size_t>(m0 + i) * segs[s].stride;  \
      const int pairs = segs[s].k / 2;                                                                \
      for (int kp = 0; kp < pairs; ++kp, w += wstep) {                                                \
        __m512i wv[NB];                                                                               \
        for (int j = 0; j < NB; ++j) wv[j] = _mm512_loadu_si512(w + 32 * j);                          \
        for (int i = 0; i < MB; ++i) {                                                                \
          const __m512i xb = _mm512_set1_epi32(Pair(x[i] + 2 * kp));                                  \
          for (int j = 0; j < NB; ++j) a[i][j] = MADD(a[i][j], xb, wv[j]);                            \
        }                                                                                             \
      }                                                                                               \
    }                                                                                                 \
    for (int i = 0; i < MB; ++i)                                                                      \
      for (int j = 0; j < NB; ++j)                                                                    \
        _mm512_storeu_si512(acc + static_cast<size_t>(m0 + i) * acc_stride + ob + 16 * j, a[i][j]);   \
  }                                                                                                   \
  template <int NB>                                                                                   \
  __attribute__((target(TARGET))) inline void NAME##Rows(const GemmSeg* segs, int nsegs, int rows,   \
                                                         const int16_t* packed, int o_pad, int ob,   \
                                                         int32_t* acc, size_t acc_stride) {          \
    int m = 0;                                                                                        \
    for (; m + 8 <= rows; m += 8) NAME##Tile<8, NB>(segs, nsegs, m, packed, o_pad, ob, acc, acc_stride); \
    switch (rows - m) {                                                                               \
      case 7: NAME##Tile<7, NB>(segs, nsegs, m, packed, o_pad, ob, acc, acc_stride); break;           \
      case 6: NAME##Tile<6, NB>(segs, nsegs, m, packed, o_pad, ob, acc, acc_stride); break;           \
      case 5: NAME##Tile<5, NB>(segs, nsegs, m, packed, o_pad, ob, acc, acc_stride); break;           \
      case 4: NAME##Tile<4, NB>(segs, nsegs, m, packed, o_pad, ob, acc, acc_stride); break;           \
      case 3: NAME##Tile<3, NB>(segs, nsegs, m, packed, o_pad, ob, acc, acc_stride); break;           \
      case 2: NAME##Tile<2, NB>(segs, nsegs, m, packed, o_pad, ob, acc, acc_stride); break;           \
      case 1: NAME##Tile<1, NB>(segs, nsegs, m, packed, o_pad, ob, acc, acc_stride); break;           \
      default: break;                                                                                 \
    }                                                                                                 \
  }                                                                                                   \
  }                                                                                                   \
  __attribute__((target(TARGET))) void NAME(const GemmSeg* segs, int nsegs, int rows,                \
                                            const int16_t* packed, int o_pad, int32_t* acc,          \
                                            size_t acc_stride) {                                     \
    int ob = 0;                                                                                       \
    for (; ob + 32 <= o_pad; ob += 32) NAME##Rows<2>(segs, nsegs, rows, packed, o_pad, ob, acc, acc_stride); \
    if (ob < o_pad) NAME##Rows<1>(segs, nsegs, rows, packed, o_pad, ob, acc, acc_stride);             \
  }

#define PICNIC_MADD512(a, x, w) _mm512_add_epi32(a, _mm512_madd_epi16(x, w))
#define PICNIC_DPWSSD512(a, x, w) _mm512_dpwssd_epi32(a, x, w)
PICNIC_GEMM512(GemmAvx512, "avx512f,avx512bw", PICNIC_MADD512)
PICNIC_GEMM512(GemmAvx512Vnni, "avx512f,avx512bw,avx512vnni", PICNIC_DPWSSD512)

// ---- Epilogues (kernels.h), 8 channels per step ----
namespace {

// RoundShift64(v, s) for s >= 0 in 32-bit lanes: floor(v / 2^s + 1/2)
// = (v >> s) + bit s - 1 of v, which cannot overflow.
__attribute__((target("avx2"))) inline __m256i RoundShiftV(__m256i v, __m256i s, __m256i s1, __m256i bit) {
  return _mm256_add_epi32(_mm256_srav_epi32(v, s), _mm256_and_si256(_mm256_srav_epi32(v, s1), bit));
}

__attribute__((target("avx2"))) inline __m256i RoundShiftU(__m256i v, int s) {
  if (s <= 0) return _mm256_sll_epi32(v, _mm_cvtsi32_si128(-s));
  return _mm256_add_epi32(_mm256_sra_epi32(v, _mm_cvtsi32_si128(s)),
                          _mm256_and_si256(_mm256_sra_epi32(v, _mm_cvtsi32_si128(s - 1)), _mm256_set1_epi32(1)));
}

__attribute__((target("avx2"))) inline __m128i Pack8(__m256i v) {
  return _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
}

__attribute__((target("avx2"))) inline __m256i Load8(const int16_t* p) {
  return _mm256_cvtepi16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

__attribute__((target("avx2"))) inline __m256i Load8(const int32_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

inline int16_t ClampS(int64_t v, int32_t m) { return static_cast<int16_t>(v < -m ? -m : v > m ? m : v); }
inline int64_t RoundShiftS(int64_t v, int s) {
  return s > 0 ? (v + (int64_t{1} << (s - 1))) >> s : static_cast<int64_t>(static_cast<uint64_t>(v) << -s);
}

__attribute__((target("avx2"))) void Requant16Avx2(const int32_t* acc, const Requant& r, int n, int32_t act_max,
                                                    int16_t* out) {
  const __m256i hi = _mm256_set1_epi32(act_max), lo = _mm256_set1_epi32(-act_max);
  int o = 0;
  for (; o + 8 <= n; o += 8) {
    const __m256i v = _mm256_add_epi32(Load8(acc + o), Load8(r.bias + o));
    __m256i q = RoundShiftV(v, Load8(r.shift + o), Load8(r.shift1 + o), Load8(r.round_bit + o));
    q = _mm256_min_epi32(_mm256_max_epi32(q, lo), hi);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + o), Pack8(q));
  }
  for (; o < n; ++o) out[o] = ClampS(RoundShiftS(static_cast<int64_t>(acc[o]) + r.bias[o], r.shift[o]), act_max);
}

__attribute__((target("avx2"))) void ConcatEluAvx2(const int16_t* in, int n, const int16_t* neg_table, int16_t* pos,
                                                    int16_t* neg) {
  const __m256i zero = _mm256_setzero_si256();
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i v = Load8(in + i);
    // table[|v|] (reads two entries, keeps the first: the table has a spare one at the end)
    __m256i g = _mm256_i32gather_epi32(reinterpret_cast<const int*>(neg_table), _mm256_abs_epi32(v), 2);
    g = _mm256_srai_epi32(_mm256_slli_epi32(g, 16), 16);
    const __m256i p = _mm256_blendv_epi8(v, g, _mm256_cmpgt_epi32(zero, v));
    const __m256i m = _mm256_blendv_epi8(_mm256_sub_epi32(zero, v), g, _mm256_cmpgt_epi32(v, zero));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(pos + i), Pack8(p));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(neg + i), Pack8(m));
  }
  for (; i < n; ++i) {
    const int16_t v = in[i];
    pos[i] = v >= 0 ? v : neg_table[-v];
    neg[i] = v <= 0 ? static_cast<int16_t>(-v) : neg_table[v];
  }
}

__attribute__((target("avx2"))) void GateAvx2(const int16_t* x, const int16_t* h1, const int16_t* h2, int n,
                                               const uint16_t* sig, int x_shift, int g_shift, int32_t act_max,
                                               int16_t* out) {
  const __m256i hi = _mm256_set1_epi32(act_max), lo = _mm256_set1_epi32(-act_max);
  const __m256i low16 = _mm256_set1_epi32(0xffff);
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    // sig[h2] (a spare entry after the table's end, as above); |h1| * sig < 2^28
    __m256i s = _mm256_i32gather_epi32(reinterpret_cast<const int*>(sig), Load8(h2 + i), 2);
    s = _mm256_and_si256(s, low16);
    const __m256i g = RoundShiftU(_mm256_mullo_epi32(Load8(h1 + i), s), g_shift);
    __m256i q = _mm256_add_epi32(RoundShiftU(Load8(x + i), x_shift), g);
    q = _mm256_min_epi32(_mm256_max_epi32(q, lo), hi);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), Pack8(q));
  }
  for (; i < n; ++i) {
    const int64_t g = RoundShiftS(static_cast<int64_t>(h1[i]) * sig[h2[i]], g_shift);
    out[i] = ClampS(RoundShiftS(x[i], x_shift) + g, act_max);
  }
}

}  // namespace

EpilogueFns EpiloguesAvx2() { return EpilogueFns{Requant16Avx2, ConcatEluAvx2, GateAvx2}; }

}  // namespace picnic
#endif
