// One integer logistic component: t = (x - mean) * inverse scale, in Q16,
// for bin-unit positions x in Q16 (picnic/mixture.h, integer form).
#ifndef PICNIC_CODEC_INT_LOGISTIC_H_
#define PICNIC_CODEC_INT_LOGISTIC_H_

#include <algorithm>
#include <cstdint>

#include "picnic/fixed_math.h"
#include "picnic/mixture.h"

namespace picnic {

class IntLogistic {
 public:
  IntLogistic() = default;
  // REQUIRES: mean and log2_inv_scale within the kInt* clamps of mixture.h.
  IntLogistic(int32_t mean_q16, int32_t log2_inv_scale_q16) : mean_(mean_q16) {
    // inverse scale = 2^L = mant * 2^(n + 1) / 2^30 with mant = 2^(f - 1) in Q30.
    const int32_t n = log2_inv_scale_q16 >> 16;            // floor
    const int32_t f = log2_inv_scale_q16 - n * 65536;      // 0 .. 65535
    mant_ = fixed::Exp2NegQ30(static_cast<uint32_t>(65536 - f));
    shift_ = 29 - n;  // 26 .. 47 within the clamps
  }
  int32_t mean_q16() const { return mean_; }
  // t in Q16, clamped to +-2^28.
  int64_t T(int32_t x_q16) const {
    const int64_t d = static_cast<int64_t>(x_q16) - mean_;  // |d| < 2^27
    const int64_t t = fixed::RoundShift64(d * mant_, shift_);
    return std::min<int64_t>(std::max<int64_t>(t, -(int64_t{1} << 28)), int64_t{1} << 28);
  }

 private:
  int32_t mean_ = 0;
  int64_t mant_ = 0;
  int shift_ = 0;
};

}  // namespace picnic

#endif  // PICNIC_CODEC_INT_LOGISTIC_H_
