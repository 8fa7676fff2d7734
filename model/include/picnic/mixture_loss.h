// The discretized logistic mixture likelihood of PixelCNN++ (openai/pixel-cnn
// nn.py, discretized_mix_logistic_loss), over the parameter layout of
// picnic/mixture.h.
#ifndef PICNIC_MIXTURE_LOSS_H_
#define PICNIC_MIXTURE_LOSS_H_

#include <torch/torch.h>

#include "picnic/visibility.h"

namespace picnic {

// Negative log-likelihood in nats of each pixel.
//   x:      [B, 3, H, W] in [-1, 1] (scaled 0..255 subpixels)
//   params: [B, 10K, H, W] raw network output
//   color_channels: 3, or 1 for grayscale (only channel 0 is scored: the
//     marginal of R under the mixture)
// Returns [B, H, W]. Computed in params' dtype: float32 for training,
// float64 for measuring NLL to compare with coded sizes.
PICNIC_EXPORT torch::Tensor DiscretizedMixLogisticNll(const torch::Tensor& x, const torch::Tensor& params,
                                                      int color_channels = 3);

// Mean bits per subpixel of a batch (the training loss).
PICNIC_EXPORT torch::Tensor BitsPerSubpixel(const torch::Tensor& x, const torch::Tensor& params,
                                            int color_channels = 3);

// Draws one pixel row-wise sample from the mixture at every position:
// params [B, 10K, H, W] -> [B, 3, H, W] in [-1, 1], quantized to the 256
// levels. Used by sampling, one position at a time.
PICNIC_EXPORT torch::Tensor SampleFromMixture(const torch::Tensor& params, torch::Generator gen = {});

}  // namespace picnic

#endif  // PICNIC_MIXTURE_LOSS_H_
