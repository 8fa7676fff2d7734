#include "picnic/fixed_math.h"

namespace picnic {
namespace fixed {
namespace {
#include "fixed_tables.inc"

uint64_t Fnv(const uint32_t* t, int n, uint64_t h) {
  for (int i = 0; i < n; ++i) {
    for (int b = 0; b < 4; ++b) {
      h ^= (t[i] >> (8 * b)) & 0xFF;
      h *= 1099511628211ull;
    }
  }
  return h;
}
}  // namespace

uint32_t Exp2NegQ30(uint32_t x_q16) {
  const uint32_t n = x_q16 >> 16;
  if (n >= 31) return 0;
  const uint32_t f = x_q16 & 0xFFFF;
  const uint32_t j = f >> 8, r = f & 0xFF;
  // The table falls, so the interpolation step is a subtraction.
  const uint32_t m = kExp2NegFracQ30[j] - (((kExp2NegFracQ30[j] - kExp2NegFracQ30[j + 1]) * uint64_t{r}) >> 8);
  return m >> n;
}

uint32_t SigmoidQ31(int64_t t_q16) {
  const uint64_t a = t_q16 < 0 ? static_cast<uint64_t>(-t_q16) : static_cast<uint64_t>(t_q16);
  uint32_t small;  // sigmoid(-|t|)
  if (a >= (uint64_t{24} << 16)) {
    small = kSigmoidNegQ31[3072];
  } else {
    const uint32_t idx = static_cast<uint32_t>(a >> 9), frac = static_cast<uint32_t>(a & 511);
    small = kSigmoidNegQ31[idx] -
            static_cast<uint32_t>(((kSigmoidNegQ31[idx] - kSigmoidNegQ31[idx + 1]) * uint64_t{frac}) >> 9);
  }
  return t_q16 >= 0 ? (uint32_t{1} << 31) - small : small;
}

int32_t Log2Q16(uint64_t v) {
  if (v == 0) return INT32_MIN;  // not used by callers; defined anyway
  const int n = 63 - __builtin_clzll(v);
  const uint64_t m = v << (63 - n);  // top bit at 63
  const uint32_t f = static_cast<uint32_t>((m >> 47) & 0xFFFF);
  const uint32_t j = f >> 8, r = f & 0xFF;
  const uint32_t frac = kLog2FracQ16[j] + (((kLog2FracQ16[j + 1] - kLog2FracQ16[j]) * r) >> 8);
  return n * 65536 + static_cast<int32_t>(frac);
}

int32_t EluQ(int32_t q, int e) {
  if (q >= 0) return q;
  // e^(q/2^e) = 2^(-(-q) * log2(e) / 2^e); the exponent in Q16.
  const int64_t x = (static_cast<int64_t>(-q) * kLog2eQ30) >> (e + 14);
  const uint32_t ex = x >= (int64_t{31} << 16) ? 0 : Exp2NegQ30(static_cast<uint32_t>(x));
  return static_cast<int32_t>(RoundShift64(static_cast<int64_t>(ex) - (int64_t{1} << 30), 30 - e));
}

uint64_t TablesHash() {
  uint64_t h = 1469598103934665603ull;
  h = Fnv(kExp2NegFracQ30, 257, h);
  h = Fnv(kSigmoidNegQ31, 3073, h);
  h = Fnv(kLog2FracQ16, 257, h);
  return h;
}

}  // namespace fixed
}  // namespace picnic
