// The engine's hot loop, a small integer matrix product:
//   acc[m][o] = sum_k x_m[k] * w[k][o]
// over int16 inputs and weights in int32 accumulators, for M rows at once.
// Row m's input is the concatenation of a few segments, each read at
// seg.x + m * seg.stride (so a convolution window is read in place from the
// engine's ring buffers: no copying into a gather buffer). Weights are packed
// at load time as [k / 2][o_pad][2] (pairs of inputs interleaved per output,
// the layout of pmaddwd / vpdpwssd), o_pad a multiple of 16; every segment
// holds an even number of inputs. Every path computes the same exact integer
// sums (the exporter proved they cannot overflow, so order does not matter).
#ifndef PICNIC_ENGINE_KERNELS_H_
#define PICNIC_ENGINE_KERNELS_H_

#include <cstddef>
#include <cstdint>

#include "picnic/engine.h"

namespace picnic {

struct GemmSeg {
  const int16_t* x = nullptr;  // row 0's first input
  size_t stride = 0;           // int16s from one row's segment to the next's
  int k = 0;                   // inputs in the segment (even)
};

// acc[m * acc_stride + o] for m < rows, o < o_pad.
using GemmFn = void (*)(const GemmSeg* segs, int nsegs, int rows, const int16_t* packed, int o_pad,
                        int32_t* acc, size_t acc_stride);

void GemmScalar(const GemmSeg* segs, int nsegs, int rows, const int16_t* packed, int o_pad, int32_t* acc,
                size_t acc_stride);
void GemmAvx2(const GemmSeg* segs, int nsegs, int rows, const int16_t* packed, int o_pad, int32_t* acc,
              size_t acc_stride);
void GemmAvx512(const GemmSeg* segs, int nsegs, int rows, const int16_t* packed, int o_pad, int32_t* acc,
                size_t acc_stride);
void GemmAvx512Vnni(const GemmSeg* segs, int nsegs, int rows, const int16_t* packed, int o_pad, int32_t* acc,
                    size_t acc_stride);

GemmFn GemmFor(KernelPath p);

// What follows a product: requantization, concat_elu and the gate, per
// position, over one position's channels. Scalar versions are the
// definition (fixed::RoundShift64 in 64 bits); the AVX2 ones compute the same
// in 32-bit lanes, valid because the engine refuses weights whose
// accumulator plus bias could leave int32 (EngineModel::Impl::LoadDense).
struct Requant {
  const int32_t* bias;
  const int32_t* shift;       // >= 0
  const int32_t* shift1;      // max(shift - 1, 0)
  const int32_t* round_bit;   // shift > 0 ? 1 : 0
};
struct EpilogueFns {
  // out[o] = clamp(RoundShift64(acc[o] + bias[o], shift[o]), +-act_max), o < n.
  void (*requant16)(const int32_t* acc, const Requant& r, int n, int32_t act_max, int16_t* out);
  // pos[i] = elu(in[i]), neg[i] = elu(-in[i]) with elu(v) = v for v >= 0 and
  // neg_table[-v] below (the table holds act_max + 2 entries).
  void (*concat_elu)(const int16_t* in, int n, const int16_t* neg_table, int16_t* pos, int16_t* neg);
  // out[i] = clamp(RoundShift64(x[i], x_shift) + RoundShift64(h1[i] * sig[h2[i]], g_shift), +-act_max)
  // where sig = sig_table + act_max (Q15 sigmoid of each int16 value), g_shift >= 0.
  void (*gate)(const int16_t* x, const int16_t* h1, const int16_t* h2, int n, const uint16_t* sig, int x_shift,
               int g_shift, int32_t act_max, int16_t* out);
};
EpilogueFns EpiloguesFor(KernelPath p);
EpilogueFns EpiloguesAvx2();  // kernels_x86.cpp

}  // namespace picnic

#endif  // PICNIC_ENGINE_KERNELS_H_
