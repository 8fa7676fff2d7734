// picnic's exact integer arithmetic (docs/DESIGN.md, "Determinism"): the few
// non-linear functions that feed a CDF, as integer formulas over constant
// tables shipped in the source (codec/src/fixed_tables.inc). Every function
// here is a pure function of its integer arguments on every machine,
// compiler and optimisation level: no float, no libm.
//
// Fixed-point formats: "Qn" means the integer q stands for q / 2^n.
#ifndef PICNIC_FIXED_MATH_H_
#define PICNIC_FIXED_MATH_H_

#include <cstdint>

#include "picnic/visibility.h"

namespace picnic {
namespace fixed {

// log2(e) in Q30.
constexpr int64_t kLog2eQ30 = 1549082005;

// The one requantization rule: a rounding right shift, ties towards +inf,
// (v + 2^(s-1)) >> s with an arithmetic shift; s <= 0 shifts left (exact).
// REQUIRES: the result and v + 2^(s-1) fit the type.
constexpr int32_t RoundShift(int32_t v, int s) {
  return s > 0 ? static_cast<int32_t>((v + (int32_t{1} << (s - 1))) >> s)
               : static_cast<int32_t>(static_cast<uint32_t>(v) << -s);
}
constexpr int64_t RoundShift64(int64_t v, int s) {
  return s > 0 ? (v + (int64_t{1} << (s - 1))) >> s : static_cast<int64_t>(static_cast<uint64_t>(v) << -s);
}
static_assert((-3 >> 1) == -2, "picnic needs arithmetic right shifts of negative integers");
static_assert(RoundShift(-3, 1) == -1 && RoundShift(3, 1) == 2 && RoundShift(-5, 2) == -1, "tie rule");

// 2^(-x) for x >= 0 given in Q16; result in Q30 (1.0 = 2^30), 0 from x = 31.
PICNIC_EXPORT uint32_t Exp2NegQ30(uint32_t x_q16);

// The logistic sigmoid 1 / (1 + e^-t) of t in Q16, in Q31: 0 .. 2^31,
// sigmoid(0) = 2^30, monotone non-decreasing in t, exactly symmetric
// (SigmoidQ31(-t) = 2^31 - SigmoidQ31(t)); |t| >= 24 saturates.
PICNIC_EXPORT uint32_t SigmoidQ31(int64_t t_q16);

// log2(v) in Q16 for v >= 1 (accurate to about 2^-16).
PICNIC_EXPORT int32_t Log2Q16(uint64_t v);

// ELU of q / 2^e, in the same exponent: q for q >= 0, else
// round((e^(q/2^e) - 1) * 2^e). REQUIRES 0 <= e <= 20, |q| < 2^20.
PICNIC_EXPORT int32_t EluQ(int32_t q, int e);

// Hash (FNV-1a 64) of the shipped tables, for the frozen-tables test.
PICNIC_EXPORT uint64_t TablesHash();

}  // namespace fixed
}  // namespace picnic

#endif  // PICNIC_FIXED_MATH_H_
