// AVX2 and AVX-512 versions of MatVecScalar (kernels.cpp), exactly equal to
// it: pmaddwd / vpdpwssd add products of int16 pairs into int32 lanes
// without saturation, and no sum can overflow (the exporter's bound; inputs
// and weights never hold -32768, so not even one pair can reach 2^31).
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

}  // namespace

__attribute__((target("avx2"))) void MatVecAvx2(const int16_t* x, const int16_t* packed, int k_pairs,
                                                 int o_pad, int32_t* acc) {
  int ob = 0;
  for (; ob + 32 <= o_pad; ob += 32) {
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    const int16_t* row = packed + ob * 2;
    for (int kp = 0; kp < k_pairs; ++kp, row += o_pad * 2) {
      const __m256i xb = _mm256_set1_epi32(Pair(x + 2 * kp));
      a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(xb, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row))));
      a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(xb, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + 16))));
      a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(xb, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + 32))));
      a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(xb, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + 48))));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + ob), a0);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + ob + 8), a1);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + ob + 16), a2);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + ob + 24), a3);
  }
  for (; ob < o_pad; ob += 16) {
    __m256i a0 = _mm256_setzero_si256(), a1 = a0;
    const int16_t* row = packed + ob * 2;
    for (int kp = 0; kp < k_pairs; ++kp, row += o_pad * 2) {
      const __m256i xb = _mm256_set1_epi32(Pair(x + 2 * kp));
      a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(xb, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row))));
      a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(xb, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + 16))));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + ob), a0);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + ob + 8), a1);
  }
}

// One body, two targets: the plain AVX-512 path must not be compiled with
// VNNI enabled (the compiler could fuse madd + add into vpdpwssd).
#define PICNIC_MATVEC512(NAME, TARGET, MADD)                                                   \
  __attribute__((target(TARGET))) void NAME(const int16_t* x, const int16_t* packed,           \
                                            int k_pairs, int o_pad, int32_t* acc) {            \
    int ob = 0;                                                                                \
    for (; ob + 64 <= o_pad; ob += 64) {                                                       \
      __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;                          \
      const int16_t* row = packed + ob * 2;                                                    \
      for (int kp = 0; kp < k_pairs; ++kp, row += o_pad * 2) {                                 \
        const __m512i xb = _mm512_set1_epi32(Pair(x + 2 * kp));                                \
        a0 = MADD(a0, xb, _mm512_loadu_si512(row));                                            \
        a1 = MADD(a1, xb, _mm512_loadu_si512(row + 32));                                       \
        a2 = MADD(a2, xb, _mm512_loadu_si512(row + 64));                                       \
        a3 = MADD(a3, xb, _mm512_loadu_si512(row + 96));                                       \
      }                                                                                        \
      _mm512_storeu_si512(acc + ob, a0);                                                       \
      _mm512_storeu_si512(acc + ob + 16, a1);                                                  \
      _mm512_storeu_si512(acc + ob + 32, a2);                                                  \
      _mm512_storeu_si512(acc + ob + 48, a3);                                                  \
    }                                                                                          \
    for (; ob < o_pad; ob += 16) {                                                             \
      __m512i a0 = _mm512_setzero_si512();                                                     \
      const int16_t* row = packed + ob * 2;                                                    \
      for (int kp = 0; kp < k_pairs; ++kp, row += o_pad * 2)                                   \
        a0 = MADD(a0, _mm512_set1_epi32(Pair(x + 2 * kp)), _mm512_loadu_si512(row));           \
      _mm512_storeu_si512(acc + ob, a0);                                                       \
    }                                                                                          \
  }

#define PICNIC_MADD512(a, x, w) _mm512_add_epi32(a, _mm512_madd_epi16(x, w))
#define PICNIC_DPWSSD512(a, x, w) _mm512_dpwssd_epi32(a, x, w)
PICNIC_MATVEC512(MatVecAvx512, "avx512f,avx512bw", PICNIC_MADD512)
PICNIC_MATVEC512(MatVecAvx512Vnni, "avx512f,avx512bw,avx512vnni", PICNIC_DPWSSD512)

}  // namespace picnic
#endif
