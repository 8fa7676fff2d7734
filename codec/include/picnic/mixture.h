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

namespace picnic {

constexpr int kMaxMixtures = 16;
constexpr int kParamsPerMixture = 10;  // 1 logit + 3 means + 3 log-scales + 3 coefficients
// PixelCNN++ clamps log-scales from below; the CDF builder does the same.
constexpr float kMinLogScale = -7.0f;
constexpr int kNumSymbols = 256;  // 8-bit subpixels

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
double LogBinProbability(double mean, double log_scale, int v);

// Extracts channel c's conditional mixture from one pixel's raw network
// output. `decoded` holds the pixel's already-known subpixels (R for c = 1;
// R and G for c = 2) as 0..255 values. PixelCNN++'s components are shared by
// the three channels, so p(G | R) is a mixture whose weights are the
// posterior of the components given R: logit_k + log p_k(R), and likewise for
// B given R and G. Coding R, G, B with these conditionals costs exactly
// -log p(R, G, B), the model's NLL. For a grayscale image the model passes
// c = 0 only. REQUIRES: 1 <= num_mix <= kMaxMixtures, 0 <= c < 3.
SubpixelMixture ChannelMixture(const float* raw, int num_mix, int c,
                               const uint8_t* decoded);

}  // namespace picnic

#endif  // PICNIC_MIXTURE_H_
