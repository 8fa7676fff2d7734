// PixelCNN++ (Salimans, Karpathy, Chen, Kingma, ICLR 2017) in LibTorch,
// following openai/pixel-cnn's pixel_cnn_pp/model.py: a vertical stream `u`
// (down-shifted convolutions: sees rows above) and a horizontal stream `ul`
// (down-right-shifted convolutions: sees pixels to the left in the current
// row, plus `u`), gated residual blocks, three resolutions with skip
// connections, and a 1x1 output layer with the mixture parameters of
// picnic/mixture.h.
#ifndef PICNIC_PIXELCNN_H_
#define PICNIC_PIXELCNN_H_

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "picnic/visibility.h"

namespace picnic {

// Largest |activation| seen per named tensor (the exact engine's names,
// picnic/engine.h PixelCnnSpec), filled by forward() when set: the
// exporter's calibration.
using ActivationMaxima = std::map<std::string, double>;
PICNIC_EXPORT void RecordMax(ActivationMaxima* m, const std::string& name, const torch::Tensor& t);

struct PICNIC_EXPORT PixelCnnConfig {
  int nr_filters = 32;
  int nr_resnet = 2;        // gated residual blocks per resolution
  int nr_logistic_mix = 5;  // mixture components K
  double dropout = 0.5;

  int output_channels() const;  // kParamsPerMixture * nr_logistic_mix
};

// Convolution whose output at row i sees only input rows <= i (after the
// padding), columns j-(kw-1)/2 .. j+(kw-1)/2: openai's down_shifted_conv2d.
class PICNIC_EXPORT DownShiftedConv2dImpl : public torch::nn::Module {
 public:
  DownShiftedConv2dImpl(int in, int out, int kh, int kw, int stride);
  torch::Tensor forward(const torch::Tensor& x);  // [B, in, H, W] -> [B, out, H/s, W/s]
  torch::nn::Conv2d conv{nullptr};
  int kh_, kw_;
};
TORCH_MODULE(DownShiftedConv2d);

// Output at (i, j) sees input rows <= i and columns <= j: down_right_shifted_conv2d.
class PICNIC_EXPORT DownRightShiftedConv2dImpl : public torch::nn::Module {
 public:
  DownRightShiftedConv2dImpl(int in, int out, int kh, int kw, int stride);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Conv2d conv{nullptr};
  int kh_, kw_;
};
TORCH_MODULE(DownRightShiftedConv2d);

// Stride-2 transposed convolutions (up-sampling) with the matching crops.
class PICNIC_EXPORT DownShiftedDeconv2dImpl : public torch::nn::Module {
 public:
  DownShiftedDeconv2dImpl(int in, int out);  // 2x3 kernel
  torch::Tensor forward(const torch::Tensor& x);  // [B, in, H, W] -> [B, out, 2H, 2W]
  torch::nn::ConvTranspose2d deconv{nullptr};
};
TORCH_MODULE(DownShiftedDeconv2d);

class PICNIC_EXPORT DownRightShiftedDeconv2dImpl : public torch::nn::Module {
 public:
  DownRightShiftedDeconv2dImpl(int in, int out);  // 2x2 kernel
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::ConvTranspose2d deconv{nullptr};
};
TORCH_MODULE(DownRightShiftedDeconv2d);

// x + gate(conv(concat_elu(conv(concat_elu(x)) + nin(concat_elu(a))))).
// `vertical` selects the 2x3 down-shifted convolution (u stream) or the
// 2x2 down-right-shifted one (ul stream). aux_channels = 0: no `a` input.
class PICNIC_EXPORT GatedResnetImpl : public torch::nn::Module {
 public:
  GatedResnetImpl(int filters, int aux_channels, bool vertical, double dropout);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& a = {});
  DownShiftedConv2d conv1_v{nullptr}, conv2_v{nullptr};
  DownRightShiftedConv2d conv1_h{nullptr}, conv2_h{nullptr};
  torch::nn::Conv2d nin_aux{nullptr};
  bool vertical_;
  double dropout_;
  std::string name_;                     // e.g. "up_u.0", for calibration
  ActivationMaxima* maxima_ = nullptr;   // set by PixelCnnImpl::forward
};
TORCH_MODULE(GatedResnet);

PICNIC_EXPORT torch::Tensor ConcatElu(const torch::Tensor& x);  // elu([x, -x]) on dim 1
PICNIC_EXPORT torch::Tensor DownShift(const torch::Tensor& x);  // move rows down by one, zero top row
PICNIC_EXPORT torch::Tensor RightShift(const torch::Tensor& x); // move columns right by one, zero left

class PICNIC_EXPORT PixelCnnImpl : public torch::nn::Module {
 public:
  explicit PixelCnnImpl(const PixelCnnConfig& config);
  // x: [B, 3, H, W] in [-1, 1], H and W multiples of 4.
  // mask: [B, 1, H, W], 1 where x holds image and 0 on padding (PixelCNN++'s
  // constant input channel); undefined means all ones. Padding is zero in x.
  // Returns [B, output_channels, H, W]: mixture parameters per pixel, laid
  // out as picnic/mixture.h describes.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask = {});
  // The output head's input, elu of the last horizontal-stream activations:
  // [B, nr_filters, H, W]; forward() is out_nin(Features(x, mask)).
  torch::Tensor Features(const torch::Tensor& x, const torch::Tensor& mask = {});
  const PixelCnnConfig& config() const { return config_; }
  // When set, forward() records activation maxima (and costs more).
  ActivationMaxima* maxima = nullptr;

  // Named parameters in a stable order (for saving, EMA and fingerprints).
  std::vector<std::pair<std::string, torch::Tensor>> NamedTensors() const;

  PixelCnnConfig config_;
  DownShiftedConv2d u_init{nullptr};
  DownShiftedConv2d ul_init_v{nullptr};
  DownRightShiftedConv2d ul_init_h{nullptr};
  torch::nn::ModuleList up_u, up_ul, down_u, down_ul;  // GatedResnet blocks
  DownShiftedConv2d downsample_u1{nullptr}, downsample_u2{nullptr};
  DownRightShiftedConv2d downsample_ul1{nullptr}, downsample_ul2{nullptr};
  DownShiftedDeconv2d upsample_u1{nullptr}, upsample_u2{nullptr};
  DownRightShiftedDeconv2d upsample_ul1{nullptr}, upsample_ul2{nullptr};
  torch::nn::Conv2d out_nin{nullptr};
};
TORCH_MODULE(PixelCnn);

// Scales 0..255 subpixels to the network's [-1, 1]: v * 2/255 - 1.
PICNIC_EXPORT torch::Tensor ScaleToUnit(const torch::Tensor& x_uint8);  // [B, 3, H, W] float

}  // namespace picnic

#endif  // PICNIC_PIXELCNN_H_
