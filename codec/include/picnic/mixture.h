// The one definition of PixelCNN++'s mixture parameter layout, shared by the
// LibTorch model (which produces it) and the codec (which turns it into CDFs).
//
// Per pixel, a network with K mixture components outputs kParamsPerMixture*K
// raw values (Salimans et al. 2017; openai/pixel-cnn nn.py):
//   [0, K)                 mixture logits (shared by the three channels)
//   then for c in {R,G,B}  K means, K log-scales, K coupling coefficients
// Means live in the network's input scale [-1, 1] (subpixel v maps to
// v * 2/255 - 1). Coefficients are pre-tanh; the G mean moves by
// tanh(coeff_0) * R, the B mean by tanh(coeff_1) * R + tanh(coeff_2) * G,
// with R and G in the same [-1, 1] scale.
#ifndef PICNIC_MIXTURE_H_
#define PICNIC_MIXTURE_H_

#include <array>
#include <cstdint>

#include "picnic/visibility.h"

namespace picnic {

constexpr int kMaxMixtures = 16;
constexpr int kParamsPerMixture = 10;  // 1 logit + 3 means + 3 log-scales + 3 coefficients
// PixelCNN++ clamps log-scales from below; the CDF builder does the same.
constexpr float kMinLogScale = -7.0f;
constexpr int kNumSymbols = 256;  // 8-bit subpixels

// The discretized-logistic conventions (PixelCNN++), stated once for the
// loss, the float and integer CDFs, the network input and the exporter:
// subpixel v sits at v * 2/255 - 1 in the network's [-1, 1] scale, and its
// bin reaches kBinHalfWidth either side (bins 0 and 255 also take the tails).
constexpr double kBinHalfWidth = 1.0 / 255.0;
// One bin is 1 / kUnitToBin of the [-1, 1] scale: mean_bin = (mean + 1) * kUnitToBin.
constexpr double kUnitToBin = 127.5;
constexpr double PixelToUnit(int v) { return v * (2.0 / 255.0) - 1.0; }
constexpr float PixelToUnitF(int v) { return v * (2.0f / 255.0f) - 1.0f; }  // the network's float input

constexpr int MixtureLogitIndex(int /*num_mix*/, int k) { return k; }
constexpr int MixtureMeanIndex(int num_mix, int c, int k) { return num_mix + c * 3 * num_mix + k; }
constexpr int MixtureLogScaleIndex(int num_mix, int c, int k) {
  return num_mix + c * 3 * num_mix + num_mix + k;
}
// j = 0: G from R; j = 1: B from R; j = 2: B from G.
constexpr int MixtureCoeffIndex(int num_mix, int j, int k) {
  return num_mix + j * 3 * num_mix + 2 * num_mix + k;
}

// One subpixel's discretized logistic mixture, ready for the CDF builder:
// means already coupled to the decoded channels, log-scales not yet clamped,
// and logits already conditioned on the decoded channels (see ChannelMixture).
struct SubpixelMixture {
  int num_mixtures = 0;
  std::array<float, kMaxMixtures> logits{};
  std::array<float, kMaxMixtures> means{};       // [-1, 1] scale
  std::array<float, kMaxMixtures> log_scales{};  // natural log of the logistic scale
};

// Natural log of the probability that a discretized logistic (mean in
// [-1, 1] scale, log-scale clamped at kMinLogScale) gives to bin v of 256;
// bins 0 and 255 take the tails (PixelCNN++). Computed in double, never
// -inf for finite inputs.
PICNIC_EXPORT double LogBinProbability(double mean, double log_scale, int v);

// Extracts channel c's conditional mixture from one pixel's raw network
// output. `decoded` holds the pixel's already-known subpixels (R for c = 1;
// R and G for c = 2) as 0..255 values. PixelCNN++'s components are shared by
// the three channels, so p(G | R) is a mixture whose weights are the
// posterior of the components given R: logit_k + log p_k(R), and likewise for
// B given R and G. Coding R, G, B with these conditionals costs exactly
// -log p(R, G, B), the model's NLL. For a grayscale image the model passes
// c = 0 only. REQUIRES: 1 <= num_mix <= kMaxMixtures, 0 <= c < 3.
PICNIC_EXPORT SubpixelMixture ChannelMixture(const float* raw, int num_mix, int c,
                                             const uint8_t* decoded);

// ---- The exact engine's integer form (docs/DESIGN.md, "Determinism") ----
//
// The engine outputs kParamsPerMixture*K int32 values per pixel in the same
// slot layout as above, in units that make the CDF cheap and exact:
//   logit slot      log2-domain logit (natural logit * log2 e), Q16
//   mean slot       bin units: subpixel v's bin is [v - 1/2, v + 1/2]
//                   (mean_bin = (mean + 1) * 127.5), Q16
//   log-scale slot  log2 of the inverse logistic scale in bin units
//                   (-log_scale * log2 e - log2 127.5), Q16
//   coeff slot      the pre-tanh coupling coefficient, Q16
// The unit conversions are folded into the output layer's weights at export.
constexpr int kIntParamFrac = 16;
// log_scale >= kMinLogScale (-7) is log2_inv_scale <= this; the upper clamp
// (log_scale <= 7) only keeps the arithmetic in range.
constexpr int32_t kIntMaxLog2InvScale = 203457;
constexpr int32_t kIntMinLog2InvScale = -1120221;
constexpr int32_t kIntMinMean = -256 * 65536;
constexpr int32_t kIntMaxMean = 512 * 65536;
constexpr int32_t kIntMaxAbsLog2Weight = 1 << 30;

// One subpixel's integer mixture: means already coupled to the decoded
// channels and clamped, log2 inverse scales clamped, log2 weights already
// conditioned on the decoded channels (as ChannelMixture does in float).
struct IntSubpixelMixture {
  int num_mixtures = 0;
  std::array<int32_t, kMaxMixtures> log2_weights{};     // Q16, unnormalized
  std::array<int32_t, kMaxMixtures> means{};            // Q16 bin units
  std::array<int32_t, kMaxMixtures> log2_inv_scales{};  // Q16
};

// The integer counterpart of ChannelMixture: pure integer arithmetic
// (picnic/fixed_math.h), identical on every machine.
// REQUIRES: 1 <= num_mix <= kMaxMixtures, 0 <= c < 3.
PICNIC_EXPORT IntSubpixelMixture IntChannelMixture(const int32_t* raw, int num_mix, int c,
                                                   const uint8_t* decoded);

// log2 of the probability (Q16) that one integer logistic component gives
// to subpixel value v (bins 0 and 255 take the tails); never below -2^24.
PICNIC_EXPORT int32_t IntLog2BinProbability(int32_t mean_q16, int32_t log2_inv_scale_q16, int v);

}  // namespace picnic

#endif  // PICNIC_MIXTURE_H_
