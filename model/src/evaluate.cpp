#include "picnic/evaluate.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "picnic/dataset.h"
#include "picnic/engine.h"  // PixelCnnCanvasSide
#include "picnic/mixture.h"
#include "picnic/mixture_loss.h"
#include "torch_errors.h"

namespace picnic {
namespace {


torch::ScalarType ModelDtype(const PixelCnn& model) {
  auto params = model->parameters();
  return params.empty() ? torch::kFloat32 : params.front().scalar_type();
}

// Evaluates images[indices] (all the same size and channel count) as one batch.
Status EvaluateBatch(PixelCnn& model, const std::vector<Image>& images, const std::vector<size_t>& indices,
                     const std::vector<ImageAdaptation>& adaptations, std::vector<ImageNll>* out) {
  const Image& first = images[indices.front()];
  const int h = first.height, w = first.width;
  const int color_channels = NumColorChannels(first.layout);
  std::vector<torch::Tensor> tensors;
  std::vector<const ImageAdaptation*> adapt;
  tensors.reserve(indices.size());
  for (size_t i : indices) {
    tensors.push_back(ImageToTensor(images[i]));
    adapt.push_back(adaptations.empty() ? nullptr : &adaptations[i]);
  }
  torch::Tensor per_image = PixelNllBits(model, torch::stack(tensors), {}, color_channels, adapt).sum({1, 2});  // [B]
  auto acc = per_image.accessor<double, 1>();
  for (size_t b = 0; b < indices.size(); ++b) {
    if (!std::isfinite(acc[b]))
      return Status(StatusCode::kModelError, "the model gave a non-finite likelihood");
    const Image& image = images[indices[b]];
    ImageNll& r = (*out)[indices[b]];
    r.width = w;
    r.height = h;
    r.color_channels = color_channels;
    r.alpha_ignored = HasAlpha(image.layout);
    r.subpixels = static_cast<int64_t>(w) * h * color_channels;
    r.nll_bits = acc[b];
  }
  return Status::Ok();
}

// One item's bits (out: [H, W] float64) with the per-image offsets applied
// to every subpixel's conditional mixture, pixel by pixel as the codec
// scores them: -log2 of sum_k softmax(logits)_k p_k(v).
void AdaptedNllBits(const torch::Tensor& params_chw, const torch::Tensor& image_chw, int color_channels,
                    const ImageAdaptation& a, torch::Tensor out) {
  const torch::Tensor raw = params_chw.permute({1, 2, 0}).to(torch::kFloat32).contiguous();  // [H, W, 10K]
  const torch::Tensor px = image_chw.permute({1, 2, 0}).contiguous();                        // [H, W, 3]
  const int64_t h = raw.size(0), w = raw.size(1), n = raw.size(2);
  const int k = static_cast<int>(n / kParamsPerMixture);
  const float* rp = raw.data_ptr<float>();
  const uint8_t* pp = px.data_ptr<uint8_t>();
  auto acc = out.accessor<double, 2>();
  for (int64_t y = 0; y < h; ++y) {
    for (int64_t x = 0; x < w; ++x) {
      const float* p = rp + (y * w + x) * n;
      const uint8_t* v = pp + (y * w + x) * 3;
      double nats = 0;
      for (int c = 0; c < color_channels; ++c) {
        SubpixelMixture m = ChannelMixture(p, k, c, v);
        a.Apply(c, &m);
        double l[kMaxMixtures];
        double top_w = m.logits[0], top_l = -1e300;
        for (int j = 0; j < k; ++j) {
          top_w = std::max<double>(top_w, m.logits[j]);
          l[j] = m.logits[j] + LogBinProbability(m.means[j], m.log_scales[j], v[c]);
          top_l = std::max(top_l, l[j]);
        }
        double norm = 0, lik = 0;
        for (int j = 0; j < k; ++j) {
          norm += std::exp(m.logits[j] - top_w);
          lik += std::exp(l[j] - top_l);
        }
        nats += (top_w + std::log(norm)) - (top_l + std::log(lik));
      }
      acc[y][x] = nats / std::log(2.0);
    }
  }
}

}  // namespace

PaddedBatch PadToMultipleOf4(const torch::Tensor& images_uint8) {
  const int64_t b = images_uint8.size(0), h = images_uint8.size(2), w = images_uint8.size(3);
  PaddedBatch out;
  out.x = torch::zeros({b, 3, PixelCnnCanvasSide(h), PixelCnnCanvasSide(w)}, torch::kFloat32);
  out.x.narrow(2, 0, h).narrow(3, 0, w).copy_(ScaleToUnit(images_uint8));
  out.mask = torch::zeros({b, 1, PixelCnnCanvasSide(h), PixelCnnCanvasSide(w)}, torch::kFloat32);
  out.mask.narrow(2, 0, h).narrow(3, 0, w).fill_(1.0);
  return out;
}

Result<ImageAdaptation> ParseModelParams(const std::vector<uint8_t>& bytes, int color_channels) {
  PICNIC_ASSIGN_OR_RETURN(ImageAdaptation a, ImageAdaptation::Parse(bytes));
  if (!a.empty() && a.channels != color_channels)
    return Status(StatusCode::kCorrupt, "per-image model parameters for " + std::to_string(a.channels) +
                                            " channels, but the image has " + std::to_string(color_channels));
  return a;
}

torch::Tensor PixelNllBits(PixelCnn& model, const torch::Tensor& images_uint8, const std::vector<Extent>& extents,
                           int color_channels, const std::vector<const ImageAdaptation*>& adaptations) {
  const int64_t b = images_uint8.size(0), h = images_uint8.size(2), w = images_uint8.size(3);
  PaddedBatch padded = PadToMultipleOf4(images_uint8);
  if (!extents.empty()) {
    padded.mask.zero_();
    for (int64_t i = 0; i < b; ++i)
      padded.mask[i].narrow(1, 0, extents[i].height).narrow(2, 0, extents[i].width).fill_(1.0);
    padded.x.mul_(padded.mask);
  }
  const torch::ScalarType dtype = ModelDtype(model);
  torch::Tensor params = model->forward(padded.x.to(dtype), padded.mask.to(dtype));  // [B, 10K, H4, W4]
  params = params.narrow(2, 0, h).narrow(3, 0, w);
  // The same arithmetic as the codec's ToUnit() (codec/src/mixture.cpp), in
  // double, so that bin edges are where the CDF builder puts them.
  torch::Tensor x = images_uint8.to(torch::kFloat64) * (2.0 / 255.0) - 1.0;  // [B, 3, H, W]
  // Items with per-image parameters are scored pixel by pixel
  // (AdaptedNllBits); the others by the tensor loss.
  auto adapted = [&](int64_t i) {
    return i < static_cast<int64_t>(adaptations.size()) && adaptations[i] && !adaptations[i]->empty();
  };
  std::vector<int64_t> plain;
  for (int64_t i = 0; i < b; ++i) {
    if (!adapted(i)) plain.push_back(i);
  }
  torch::Tensor bits = torch::zeros({b, h, w}, torch::kFloat64);
  if (!plain.empty()) {
    const bool all = static_cast<int64_t>(plain.size()) == b;
    const torch::Tensor index = torch::tensor(plain, torch::kLong);
    const torch::Tensor xp = all ? x : x.index_select(0, index);
    const torch::Tensor pp = all ? params : params.index_select(0, index);
    // The float64 loss keeps a dozen [B, 3, K, rows, W] intermediates alive;
    // over a whole photo that is gigabytes, so go a band of rows at a time.
    constexpr int64_t kLossPixelsPerChunk = 1 << 16;
    const int64_t n_plain = static_cast<int64_t>(plain.size());
    const int64_t rows = std::max<int64_t>(1, kLossPixelsPerChunk / (w * n_plain));
    std::vector<torch::Tensor> bands;
    for (int64_t y = 0; y < h; y += rows) {
      const int64_t n = std::min<int64_t>(rows, h - y);
      bands.push_back(DiscretizedMixLogisticNll(xp.narrow(2, y, n), pp.narrow(2, y, n).to(torch::kFloat64),
                                                color_channels));  // [B', n, W] nats
    }
    const torch::Tensor plain_bits = torch::cat(bands, 1) / std::log(2.0);
    if (all) {
      bits = plain_bits;
    } else {
      bits.index_copy_(0, index, plain_bits);
    }
  }
  for (int64_t i = 0; i < b; ++i) {
    if (adapted(i)) AdaptedNllBits(params[i], images_uint8[i], color_channels, *adaptations[i], bits[i]);
  }
  if (!extents.empty()) bits.mul_(padded.mask.narrow(2, 0, h).narrow(3, 0, w).squeeze(1).to(torch::kFloat64));
  return bits;
}

Result<std::vector<ImageNll>> EvaluateImages(PixelCnn& model, const std::vector<Image>& images,
                                             const EvaluateOptions& options) {
  if (options.max_batch < 1) return Status(StatusCode::kInvalidArgument, "max_batch must be at least 1");
  // Group same-shape images, keeping the order of first appearance.
  std::map<std::tuple<int, int, int>, size_t> group_of;
  std::vector<std::vector<size_t>> groups;
  for (size_t i = 0; i < images.size(); ++i) {
    const Image& im = images[i];
    if (im.width < 1 || im.height < 1 || im.pixels.size() != im.num_subpixels())
      return Status(StatusCode::kInvalidArgument, "image " + std::to_string(i) + " is empty or inconsistent");
    const int64_t pixels = static_cast<int64_t>(im.width) * im.height;
    if (options.max_pixels > 0 && pixels > options.max_pixels)
      return Status(StatusCode::kLimitExceeded,
                    "image of " + std::to_string(im.width) + "x" + std::to_string(im.height) +
                        " is larger than the " + std::to_string(options.max_pixels) +
                        " pixels whole-image evaluation allows");
    auto key = std::make_tuple(im.height, im.width, NumColorChannels(im.layout));
    auto [it, added] = group_of.emplace(key, groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(i);
  }
  if (!options.model_params.empty() && options.model_params.size() != images.size())
    return Status(StatusCode::kInvalidArgument, "model_params must be empty or one per image");
  std::vector<ImageAdaptation> adaptations;
  for (size_t i = 0; i < options.model_params.size(); ++i) {
    auto a = ParseModelParams(options.model_params[i], NumColorChannels(images[i].layout));
    if (!a.ok()) return Status(a.status().code(), "image " + std::to_string(i) + ": " + a.status().message());
    adaptations.push_back(a.value());
  }
  std::vector<ImageNll> out(images.size());
  try {
    torch::NoGradGuard no_grad;
    size_t done = 0;
    for (const auto& group : groups) {
      const Image& first = images[group.front()];
      const int64_t padded_pixels = PixelCnnCanvasSide(first.width) * PixelCnnCanvasSide(first.height);
      const size_t batch = static_cast<size_t>(
          std::clamp<int64_t>(options.max_batch_pixels / padded_pixels, 1, options.max_batch));
      for (size_t start = 0; start < group.size(); start += batch) {
        const size_t end = std::min(group.size(), start + batch);
        std::vector<size_t> chunk(group.begin() + start, group.begin() + end);
        PICNIC_RETURN_IF_ERROR(EvaluateBatch(model, images, chunk, adaptations, &out));
        done += chunk.size();
        if (options.progress) options.progress(static_cast<double>(done) / images.size());
      }
    }
  } catch (...) {
    return CurrentTorchError("evaluating the model");
  }
  return out;
}

Result<ImageNll> EvaluateImage(PixelCnn& model, const Image& image) {
  PICNIC_ASSIGN_OR_RETURN(std::vector<ImageNll> r, EvaluateImages(model, {image}));
  return r.front();
}

Result<std::vector<Image>> SampleImages(PixelCnn& model, const SampleOptions& options) {
  constexpr int kMaxSide = 1024;
  constexpr int kMaxCount = 4096;
  if (options.count < 1 || options.count > kMaxCount)
    return Status(StatusCode::kInvalidArgument, "sample count must be 1.." + std::to_string(kMaxCount));
  if (options.height < 1 || options.width < 1 || options.height > kMaxSide || options.width > kMaxSide)
    return Status(StatusCode::kInvalidArgument, "sample size must be 1.." + std::to_string(kMaxSide) + " per side");
  const int64_t n = options.count, h = options.height, w = options.width;
  const int64_t h4 = PixelCnnCanvasSide(h), w4 = PixelCnnCanvasSide(w);
  std::vector<Image> out;
  try {
    torch::NoGradGuard no_grad;
    const torch::ScalarType dtype = ModelDtype(model);
    torch::Tensor x = torch::zeros({n, 3, h4, w4}, dtype);  // [N, 3, H4, W4], filled in raster order
    torch::Tensor mask = torch::zeros({n, 1, h4, w4}, dtype);
    mask.narrow(2, 0, h).narrow(3, 0, w).fill_(1.0);
    torch::Generator gen = at::detail::createCPUGenerator(options.seed);
    for (int64_t i = 0; i < h; ++i) {
      // Output rows <= i see input rows <= i only; a multiple of 4 keeps the
      // down-sampling layers aligned as in the full image.
      const int64_t rows = std::min(h4, PixelCnnCanvasSide(i + 1));
      torch::Tensor x_rows = x.narrow(2, 0, rows);
      torch::Tensor mask_rows = mask.narrow(2, 0, rows);
      for (int64_t j = 0; j < w; ++j) {
        torch::Tensor params = model->forward(x_rows, mask_rows);  // [N, 10K, rows, W4]
        torch::Tensor pixel = params.narrow(2, i, 1).narrow(3, j, 1);  // [N, 10K, 1, 1]
        x.narrow(2, i, 1).narrow(3, j, 1).copy_(SampleFromMixture(pixel, gen));
        if (options.progress) options.progress(static_cast<double>(i * w + j + 1) / (h * w));
      }
    }
    torch::Tensor values = torch::round((x.narrow(2, 0, h).narrow(3, 0, w) + 1.0) * kUnitToBin)
                               .clamp(0, 255)
                               .to(torch::kUInt8)
                               .permute({0, 2, 3, 1})
                               .contiguous();  // [N, H, W, 3]
    for (int64_t b = 0; b < n; ++b) {
      Image image = MakeImage(static_cast<int>(w), static_cast<int>(h), ChannelLayout::kRgb);
      const uint8_t* src = values[b].data_ptr<uint8_t>();
      std::copy(src, src + image.pixels.size(), image.pixels.begin());
      out.push_back(std::move(image));
    }
  } catch (...) {
    return CurrentTorchError("sampling");
  }
  return out;
}

}  // namespace picnic
