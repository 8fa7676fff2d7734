#include "picnic/mixture_loss.h"

#include <cmath>

#include "picnic/mixture.h"

namespace picnic {

torch::Tensor DiscretizedMixLogisticNll(const torch::Tensor& x_in, const torch::Tensor& params,
                                        int color_channels) {
  const int64_t k = params.size(1) / kParamsPerMixture;
  const auto b = params.size(0), h = params.size(2), w = params.size(3);
  torch::Tensor x = x_in.to(params.dtype());
  torch::Tensor logits = params.narrow(1, 0, k);                           // [B, K, H, W]
  torch::Tensor rest = params.narrow(1, k, 9 * k).reshape({b, 3, 3 * k, h, w});
  torch::Tensor means = rest.narrow(2, 0, k);                              // [B, 3, K, H, W]
  torch::Tensor log_scales = torch::clamp_min(rest.narrow(2, k, k), kMinLogScale);
  torch::Tensor coeffs = torch::tanh(rest.narrow(2, 2 * k, k));
  torch::Tensor xs = x.unsqueeze(2);                                       // [B, 3, 1, H, W]
  torch::Tensor r = xs.select(1, 0), g = xs.select(1, 1);                  // [B, 1, H, W]
  torch::Tensor m_r = means.select(1, 0);
  torch::Tensor m_g = means.select(1, 1) + coeffs.select(1, 0) * r;
  torch::Tensor m_b = means.select(1, 2) + coeffs.select(1, 1) * r + coeffs.select(1, 2) * g;
  torch::Tensor mu = torch::stack({m_r, m_g, m_b}, 1);                     // [B, 3, K, H, W]

  torch::Tensor centered = xs - mu;
  torch::Tensor inv_s = torch::exp(-log_scales);
  torch::Tensor plus_in = inv_s * (centered + kBinHalfWidth);
  torch::Tensor min_in = inv_s * (centered - kBinHalfWidth);
  // sigmoid(plus) - sigmoid(min) from whichever side loses less precision,
  // as LogBinProbability does: right of the mean both sigmoids round to 1
  // and their difference to 0 (or to one ulp), far from the true bin mass.
  torch::Tensor cdf_delta = torch::where(min_in > 0, torch::sigmoid(-min_in) - torch::sigmoid(-plus_in),
                                         torch::sigmoid(plus_in) - torch::sigmoid(min_in));
  torch::Tensor log_cdf_plus = plus_in - torch::nn::functional::softplus(plus_in);  // bin 0
  torch::Tensor log_one_minus_cdf_min = -torch::nn::functional::softplus(min_in);   // bin 255
  torch::Tensor mid_in = inv_s * centered;
  torch::Tensor log_pdf_mid = mid_in - log_scales - 2.0 * torch::nn::functional::softplus(mid_in);
  // Interior bins: log of the CDF difference, or the density at the bin
  // centre times the bin width where the difference underflows.
  // The clamp keeps log() finite in the branch where() discards, so that its
  // gradient is not NaN.
  const bool f64 = params.dtype() == torch::kFloat64;
  const double tiny = f64 ? 1e-300 : 1e-5;
  torch::Tensor log_interior = torch::where(cdf_delta > tiny, torch::log(torch::clamp_min(cdf_delta, f64 ? 1e-300 : 1e-12)),
                                            log_pdf_mid + std::log(2.0 * kBinHalfWidth));
  torch::Tensor log_probs = torch::where(xs < -0.999, log_cdf_plus,
                                         torch::where(xs > 0.999, log_one_minus_cdf_min, log_interior));
  // Sum over the scored channels, then over the mixture components.
  torch::Tensor per_component = log_probs.narrow(1, 0, color_channels).sum(1) +
                                torch::log_softmax(logits, 1);             // [B, K, H, W]
  return -torch::logsumexp(per_component, 1);                             // [B, H, W]
}

torch::Tensor BitsPerSubpixel(const torch::Tensor& x, const torch::Tensor& params, int color_channels) {
  torch::Tensor nll = DiscretizedMixLogisticNll(x, params, color_channels);
  return nll.mean() / (std::log(2.0) * color_channels);
}

torch::Tensor SampleFromMixture(const torch::Tensor& params, torch::Generator gen) {
  const int64_t k = params.size(1) / kParamsPerMixture;
  const auto b = params.size(0), h = params.size(2), w = params.size(3);
  torch::Tensor logits = params.narrow(1, 0, k);
  torch::Tensor rest = params.narrow(1, k, 9 * k).reshape({b, 3, 3 * k, h, w});
  // Gumbel-max picks a component per pixel.
  torch::Tensor u = torch::rand(logits.sizes(), gen, logits.options()).clamp(1e-5, 1.0 - 1e-5);
  torch::Tensor pick = (logits - torch::log(-torch::log(u))).argmax(1, /*keepdim=*/true);  // [B, 1, H, W]
  torch::Tensor index = pick.unsqueeze(1).expand({b, 3, 1, h, w});
  torch::Tensor means = rest.narrow(2, 0, k).gather(2, index).squeeze(2);        // [B, 3, H, W]
  torch::Tensor log_s = torch::clamp_min(rest.narrow(2, k, k).gather(2, index).squeeze(2), kMinLogScale);
  torch::Tensor coeffs = torch::tanh(rest.narrow(2, 2 * k, k).gather(2, index).squeeze(2));
  torch::Tensor v = torch::rand(means.sizes(), gen, means.options()).clamp(1e-5, 1.0 - 1e-5);
  torch::Tensor x = means + torch::exp(log_s) * (torch::log(v) - torch::log(1.0 - v));
  auto quantize = [](const torch::Tensor& t) {
    return torch::round((t.clamp(-1.0, 1.0) + 1.0) * kUnitToBin) / kUnitToBin - 1.0;
  };
  torch::Tensor x0 = quantize(x.select(1, 0));
  torch::Tensor x1 = quantize(x.select(1, 1) + coeffs.select(1, 0) * x0);
  torch::Tensor x2 = quantize(x.select(1, 2) + coeffs.select(1, 1) * x0 + coeffs.select(1, 2) * x1);
  return torch::stack({x0, x1, x2}, 1);
}

}  // namespace picnic
