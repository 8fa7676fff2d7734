// The engine's hot loop: acc[o] = sum_k x[k] * w[k][o] over int16 inputs
// and weights in an int32 accumulator. Weights are packed at load time as
// [k / 2][o_pad][2] (pairs of inputs interleaved per output, the layout of
// pmaddwd / vpdpwssd), o_pad a multiple of 16, k padded to even with zeros.
// Every path computes the same exact integer sums (the exporter proved they
// cannot overflow, so their order does not matter).
#ifndef PICNIC_ENGINE_KERNELS_H_
#define PICNIC_ENGINE_KERNELS_H_

#include <cstdint>

#include "picnic/engine.h"

namespace picnic {

using MatVecFn = void (*)(const int16_t* x, const int16_t* packed, int k_pairs, int o_pad, int32_t* acc);

void MatVecScalar(const int16_t* x, const int16_t* packed, int k_pairs, int o_pad, int32_t* acc);
void MatVecAvx2(const int16_t* x, const int16_t* packed, int k_pairs, int o_pad, int32_t* acc);
void MatVecAvx512(const int16_t* x, const int16_t* packed, int k_pairs, int o_pad, int32_t* acc);
void MatVecAvx512Vnni(const int16_t* x, const int16_t* packed, int k_pairs, int o_pad, int32_t* acc);

MatVecFn MatVecFor(KernelPath p);

}  // namespace picnic

#endif  // PICNIC_ENGINE_KERNELS_H_
