// Measuring a PixelCNN++ model: the negative log-likelihood of whole images
// (the number a coded file size must match, docs/DESIGN.md "The pipeline"), and
// drawing images from it.
#ifndef PICNIC_EVALUATE_H_
#define PICNIC_EVALUATE_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "picnic/image.h"
#include "picnic/image_adaptation.h"
#include "picnic/pixelcnn.h"
#include "picnic/status.h"
#include "picnic/visibility.h"

namespace picnic {

// The NLL of one image under the model.
struct ImageNll {
  int width = 0;
  int height = 0;
  int color_channels = 3;  // scored channels per pixel: 3 (RGB) or 1 (gray)
  bool alpha_ignored = false;  // the image has alpha, which is not scored
  int64_t subpixels = 0;   // scored subpixels: width * height * color_channels
  double nll_bits = 0;     // sum of -log2 p over the scored subpixels

  double bits_per_subpixel() const { return subpixels > 0 ? nll_bits / subpixels : 0.0; }
};

struct EvaluateOptions {
  // Images of the same size and colour channel count go through the network
  // together, at most max_batch at once and, beyond the first image, at most
  // max_batch_pixels (padded) in all: memory grows with the batch's pixels.
  int max_batch = 64;
  int64_t max_batch_pixels = 1 << 18;
  // Whole-image evaluation holds the network's activations for the whole
  // image at once: measured 3 kB per pixel at 32 filters, 2 blocks per
  // resolution (a 512x512 photo peaks under 1 GB), proportionally more with
  // more filters. Larger images get kLimitExceeded rather than exhausting
  // memory.
  int64_t max_pixels = 4 << 20;
  // Called with the fraction of images done; may be empty.
  std::function<void(double)> progress;
  // Empty, or one entry per image: the per-image parameters (as a .pnc
  // stores them, FileInfo::model_params; empty: none) that image's NLL is
  // computed with (ImageAdaptation).
  std::vector<std::vector<uint8_t>> model_params;
};

// NLL of whole images (no crops), one forward pass each: the image is padded
// to multiples of 4 on the right and bottom with x = 0 and mask = 0 there
// (PixelCnn::forward), and the discretized logistic mixture NLL is computed
// in float64 on the network output over the real pixels only. Grayscale
// images are scored on one channel (the network sees Y replicated to RGB;
// docs/DESIGN.md "Channels"); alpha is ignored. The model should be in eval mode.
// Returns one ImageNll per input image, in order.
PICNIC_EXPORT Result<std::vector<ImageNll>> EvaluateImages(PixelCnn& model,
                                                           const std::vector<Image>& images,
                                                           const EvaluateOptions& options = {});
PICNIC_EXPORT Result<ImageNll> EvaluateImage(PixelCnn& model, const Image& image);

// The padded network input of a batch of same-size [3, H, W] uint8 images:
// x [B, 3, H4, W4] in [-1, 1] with zeros on the padding, and mask
// [B, 1, H4, W4], 1 on image pixels; H4, W4 are H, W rounded up to
// multiples of 4.
struct PaddedBatch {
  torch::Tensor x;
  torch::Tensor mask;
};
PICNIC_EXPORT PaddedBatch PadToMultipleOf4(const torch::Tensor& images_uint8);  // [B, 3, H, W] uint8

// Where an image sits in a batch of images or tiles: its top-left height x
// width; the rest of the batch's H x W is padding.
struct Extent {
  int height = 0;
  int width = 0;
};

// The one NLL computation of the model library (EvaluateImages, the
// report's ComputeTiledNll, the trainer's validation): -log2 p of every
// pixel's colour subpixels (summed over them) for a batch of [B, 3, H, W]
// uint8 images. Item b occupies the top-left extents[b] (empty: all of
// H x W); the network sees x = 0 and mask = 0 on padding, as the codec's
// model does at tile edges, and padding scores 0. The mixture NLL is
// computed in float64, a band of rows at a time (memory stays bounded over
// whole photographs). adaptations: empty, or one per item (null: none): the
// per-image offsets applied to each subpixel's conditional mixture before
// it is scored, as the exact engine applies them (those items are scored
// pixel by pixel, ChannelMixture). Returns [B, H, W] float64 bits. May throw
// LibTorch errors (callers convert them with their context).
PICNIC_EXPORT torch::Tensor PixelNllBits(PixelCnn& model, const torch::Tensor& images_uint8,
                                         const std::vector<Extent>& extents, int color_channels,
                                         const std::vector<const ImageAdaptation*>& adaptations = {});

// The per-image parameters of a file (FileInfo::model_params) for an image
// of `color_channels` scored channels; kCorrupt if damaged or made for
// another channel count. Empty bytes give an empty adaptation.
PICNIC_EXPORT Result<ImageAdaptation> ParseModelParams(const std::vector<uint8_t>& bytes, int color_channels);

struct SampleOptions {
  int count = 1;
  int height = 32;
  int width = 32;
  uint64_t seed = 1;
  std::function<void(double)> progress;  // fraction of pixels drawn
};

// Draws `count` RGB images from the model, pixel by pixel in raster order
// (R, G, B within a pixel through the mixture's coupling). Naive: one
// forward pass of the whole batch per pixel, cropped below the current row
// (rows below cannot influence it), so O((H*W)^2) work: fine for 32x32.
// Deterministic for a given seed, model and thread count.
PICNIC_EXPORT Result<std::vector<Image>> SampleImages(PixelCnn& model, const SampleOptions& options);

}  // namespace picnic

#endif  // PICNIC_EVALUATE_H_
