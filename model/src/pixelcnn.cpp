#include "picnic/pixelcnn.h"

#include "picnic/mixture.h"

namespace picnic {

namespace F = torch::nn::functional;

void RecordMax(ActivationMaxima* m, const std::string& name, const torch::Tensor& t) {
  if (m == nullptr) return;
  const double v = t.detach().abs().max().item<double>();
  double& slot = (*m)[name];
  slot = std::max(slot, v);
}

int PixelCnnConfig::output_channels() const { return kParamsPerMixture * nr_logistic_mix; }

torch::Tensor ConcatElu(const torch::Tensor& x) {
  return torch::elu(torch::cat({x, -x}, 1));
}

torch::Tensor DownShift(const torch::Tensor& x) {
  // [B, C, H, W]: row i takes row i-1; row 0 is zero.
  const int64_t h = x.size(2);
  return F::pad(x.narrow(2, 0, h - 1), F::PadFuncOptions({0, 0, 1, 0}));
}

torch::Tensor RightShift(const torch::Tensor& x) {
  const int64_t w = x.size(3);
  return F::pad(x.narrow(3, 0, w - 1), F::PadFuncOptions({1, 0, 0, 0}));
}

DownShiftedConv2dImpl::DownShiftedConv2dImpl(int in, int out, int kh, int kw, int stride)
    : kh_(kh), kw_(kw) {
  conv = register_module(
      "conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, {kh, kw}).stride(stride)));
}

torch::Tensor DownShiftedConv2dImpl::forward(const torch::Tensor& x) {
  // Pad left/right by (kw-1)/2 and only on top by kh-1: row i sees rows <= i.
  const int64_t side = (kw_ - 1) / 2;
  return conv(F::pad(x, F::PadFuncOptions({side, side, kh_ - 1, 0})));
}

DownRightShiftedConv2dImpl::DownRightShiftedConv2dImpl(int in, int out, int kh, int kw, int stride)
    : kh_(kh), kw_(kw) {
  conv = register_module(
      "conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, {kh, kw}).stride(stride)));
}

torch::Tensor DownRightShiftedConv2dImpl::forward(const torch::Tensor& x) {
  return conv(F::pad(x, F::PadFuncOptions({kw_ - 1, 0, kh_ - 1, 0})));
}

DownShiftedDeconv2dImpl::DownShiftedDeconv2dImpl(int in, int out) {
  deconv = register_module(
      "deconv", torch::nn::ConvTranspose2d(
                    torch::nn::ConvTranspose2dOptions(in, out, {2, 3}).stride(2).output_padding(1)));
}

torch::Tensor DownShiftedDeconv2dImpl::forward(const torch::Tensor& x) {
  torch::Tensor y = deconv(x);  // [B, out, 2H+1, 2W+2]
  return y.narrow(2, 0, y.size(2) - 1).narrow(3, 1, y.size(3) - 2);
}

DownRightShiftedDeconv2dImpl::DownRightShiftedDeconv2dImpl(int in, int out) {
  deconv = register_module(
      "deconv", torch::nn::ConvTranspose2d(
                    torch::nn::ConvTranspose2dOptions(in, out, {2, 2}).stride(2).output_padding(1)));
}

torch::Tensor DownRightShiftedDeconv2dImpl::forward(const torch::Tensor& x) {
  torch::Tensor y = deconv(x);  // [B, out, 2H+1, 2W+1]
  return y.narrow(2, 0, y.size(2) - 1).narrow(3, 0, y.size(3) - 1);
}

GatedResnetImpl::GatedResnetImpl(int filters, int aux_channels, bool vertical, double dropout)
    : vertical_(vertical), dropout_(dropout) {
  if (vertical) {
    conv1_v = register_module("conv1", DownShiftedConv2d(2 * filters, filters, 2, 3, 1));
    conv2_v = register_module("conv2", DownShiftedConv2d(2 * filters, 2 * filters, 2, 3, 1));
  } else {
    conv1_h = register_module("conv1", DownRightShiftedConv2d(2 * filters, filters, 2, 2, 1));
    conv2_h = register_module("conv2", DownRightShiftedConv2d(2 * filters, 2 * filters, 2, 2, 1));
  }
  if (aux_channels > 0) {
    nin_aux = register_module(
        "nin_aux", torch::nn::Conv2d(torch::nn::Conv2dOptions(2 * aux_channels, filters, 1)));
  }
  // The reference initializes the last convolution at 0.1 scale so that
  // each block starts close to the identity.
  torch::NoGradGuard no_grad;
  auto& last = vertical ? conv2_v->conv : conv2_h->conv;
  last->weight.mul_(0.1);
}

torch::Tensor GatedResnetImpl::forward(const torch::Tensor& x, const torch::Tensor& a) {
  torch::Tensor c1 = vertical_ ? conv1_v(ConcatElu(x)) : conv1_h(ConcatElu(x));
  if (a.defined()) c1 = c1 + nin_aux(ConcatElu(a));
  RecordMax(maxima_, name_ + ".c1", c1);
  c1 = ConcatElu(c1);
  if (dropout_ > 0 && is_training()) c1 = F::dropout(c1, F::DropoutFuncOptions().p(dropout_).training(true));
  torch::Tensor c2 = vertical_ ? conv2_v(c1) : conv2_h(c1);
  auto halves = c2.chunk(2, 1);
  torch::Tensor out = x + halves[0] * torch::sigmoid(halves[1]);
  if (maxima_ != nullptr) {
    RecordMax(maxima_, name_ + ".h1", halves[0]);
    RecordMax(maxima_, name_ + ".h2", halves[1]);
    RecordMax(maxima_, name_ + ".out", out);
  }
  return out;
}

PixelCnnImpl::PixelCnnImpl(const PixelCnnConfig& config) : config_(config) {
  const int f = config.nr_filters;
  const int n = config.nr_resnet;
  const double p = config.dropout;
  // 3 image channels + a constant channel that tells image from padding.
  u_init = register_module("u_init", DownShiftedConv2d(4, f, 2, 3, 1));
  ul_init_v = register_module("ul_init_v", DownShiftedConv2d(4, f, 1, 3, 1));
  ul_init_h = register_module("ul_init_h", DownRightShiftedConv2d(4, f, 2, 1, 1));
  up_u = register_module("up_u", torch::nn::ModuleList());
  up_ul = register_module("up_ul", torch::nn::ModuleList());
  down_u = register_module("down_u", torch::nn::ModuleList());
  down_ul = register_module("down_ul", torch::nn::ModuleList());
  for (int i = 0; i < 3 * n; ++i) {
    up_u->push_back(GatedResnet(f, 0, true, p));
    up_ul->push_back(GatedResnet(f, f, false, p));
    up_u[i]->as<GatedResnet>()->name_ = "up_u." + std::to_string(i);
    up_ul[i]->as<GatedResnet>()->name_ = "up_ul." + std::to_string(i);
  }
  // Down pass: n blocks at the lowest resolution, n+1 at the two others;
  // each takes one skip connection from the up pass.
  for (int i = 0; i < 3 * n + 2; ++i) {
    down_u->push_back(GatedResnet(f, f, true, p));
    down_ul->push_back(GatedResnet(f, 2 * f, false, p));
    down_u[i]->as<GatedResnet>()->name_ = "down_u." + std::to_string(i);
    down_ul[i]->as<GatedResnet>()->name_ = "down_ul." + std::to_string(i);
  }
  downsample_u1 = register_module("downsample_u1", DownShiftedConv2d(f, f, 2, 3, 2));
  downsample_u2 = register_module("downsample_u2", DownShiftedConv2d(f, f, 2, 3, 2));
  downsample_ul1 = register_module("downsample_ul1", DownRightShiftedConv2d(f, f, 2, 2, 2));
  downsample_ul2 = register_module("downsample_ul2", DownRightShiftedConv2d(f, f, 2, 2, 2));
  upsample_u1 = register_module("upsample_u1", DownShiftedDeconv2d(f, f));
  upsample_u2 = register_module("upsample_u2", DownShiftedDeconv2d(f, f));
  upsample_ul1 = register_module("upsample_ul1", DownRightShiftedDeconv2d(f, f));
  upsample_ul2 = register_module("upsample_ul2", DownRightShiftedDeconv2d(f, f));
  out_nin = register_module(
      "out_nin", torch::nn::Conv2d(torch::nn::Conv2dOptions(f, config.output_channels(), 1)));
}

torch::Tensor PixelCnnImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  return out_nin(Features(x, mask));
}

torch::Tensor PixelCnnImpl::Features(const torch::Tensor& x, const torch::Tensor& mask) {
  const int n = config_.nr_resnet;
  torch::Tensor ones = mask.defined() ? mask.to(x.dtype())
                                      : torch::ones({x.size(0), 1, x.size(2), x.size(3)}, x.options());
  torch::Tensor x_pad = torch::cat({x, ones}, 1);  // [B, 4, H, W]
  for (auto* list : {&up_u, &up_ul, &down_u, &down_ul}) {
    for (size_t i = 0; i < (*list)->size(); ++i) (*list)[i]->as<GatedResnet>()->maxima_ = maxima;
  }

  std::vector<torch::Tensor> u_list{DownShift(u_init(x_pad))};
  std::vector<torch::Tensor> ul_list{DownShift(ul_init_v(x_pad)) + RightShift(ul_init_h(x_pad))};
  RecordMax(maxima, "u_init", u_list[0]);
  RecordMax(maxima, "ul_init", ul_list[0]);

  int block = 0;
  for (int level = 0; level < 3; ++level) {
    for (int r = 0; r < n; ++r, ++block) {
      u_list.push_back(up_u[block]->as<GatedResnet>()->forward(u_list.back()));
      ul_list.push_back(up_ul[block]->as<GatedResnet>()->forward(ul_list.back(), u_list.back()));
    }
    if (level == 0) {
      u_list.push_back(downsample_u1(u_list.back()));
      ul_list.push_back(downsample_ul1(ul_list.back()));
      RecordMax(maxima, "downsample_u1", u_list.back());
      RecordMax(maxima, "downsample_ul1", ul_list.back());
    } else if (level == 1) {
      u_list.push_back(downsample_u2(u_list.back()));
      ul_list.push_back(downsample_ul2(ul_list.back()));
      RecordMax(maxima, "downsample_u2", u_list.back());
      RecordMax(maxima, "downsample_ul2", ul_list.back());
    }
  }

  torch::Tensor u = u_list.back();
  u_list.pop_back();
  torch::Tensor ul = ul_list.back();
  ul_list.pop_back();
  block = 0;
  for (int level = 0; level < 3; ++level) {
    const int blocks = level == 0 ? n : n + 1;
    for (int r = 0; r < blocks; ++r, ++block) {
      u = down_u[block]->as<GatedResnet>()->forward(u, u_list.back());
      u_list.pop_back();
      ul = down_ul[block]->as<GatedResnet>()->forward(ul, torch::cat({u, ul_list.back()}, 1));
      ul_list.pop_back();
    }
    if (level == 0) {
      u = upsample_u1(u);
      ul = upsample_ul1(ul);
      RecordMax(maxima, "upsample_u1", u);
      RecordMax(maxima, "upsample_ul1", ul);
    } else if (level == 1) {
      u = upsample_u2(u);
      ul = upsample_ul2(ul);
      RecordMax(maxima, "upsample_u2", u);
      RecordMax(maxima, "upsample_ul2", ul);
    }
  }
  return torch::elu(ul);
}

std::vector<std::pair<std::string, torch::Tensor>> PixelCnnImpl::NamedTensors() const {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& item : named_parameters(/*recurse=*/true)) out.emplace_back(item.key(), item.value());
  return out;
}

torch::Tensor ScaleToUnit(const torch::Tensor& x_uint8) {
  return x_uint8.to(torch::kFloat32) * (2.0f / 255.0f) - 1.0f;
}

}  // namespace picnic
