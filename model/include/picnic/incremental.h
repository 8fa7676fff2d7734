// Incremental evaluation of PixelCNN++ for decoding ("Fast Generation for
// Convolutional Autoregressive Models", Ramachandran et al. 2017): per-layer
// caches hold the two most recent rows of every convolution input, so each
// pixel costs about what one pixel costs in a full forward pass.
//
// The vertical stream `u` at row i depends only on rows < i, so every level's
// `u` row is computed once, when row i starts. The horizontal stream `ul`
// advances pixel by pixel; a half-resolution position (r, c) is computed at
// pixel (2r, 2c), the first moment all its inputs exist, and likewise at
// quarter resolution. Results equal the full forward pass over the same
// canvas up to float rounding (~1e-6); they are bit-identical between two
// runs that make the same calls with the same batch size and thread count,
// which is what the range coder needs (docs/DESIGN.md, "Determinism").
#ifndef PICNIC_INCREMENTAL_H_
#define PICNIC_INCREMENTAL_H_

#include <torch/torch.h>

#include <memory>
#include <vector>

#include "picnic/pixelcnn.h"
#include "picnic/status.h"
#include "picnic/visibility.h"

namespace picnic {

class PICNIC_EXPORT IncrementalPixelCnn {
 public:
  explicit IncrementalPixelCnn(PixelCnn net);
  ~IncrementalPixelCnn();

  // Starts a batch of `batch` canvases of height x width (multiples of 4;
  // kInvalidArgument otherwise). mask: [batch, 1, height, width], 1 where a
  // tile has pixels, else 0 (the network's constant channel; padding stays
  // 0 in the input).
  Status Begin(int64_t batch, int64_t height, int64_t width, const torch::Tensor& mask);

  // Mixture parameters at (y, x) for every canvas: [batch, 10K] float32.
  // Calls must go in raster order (kInvalidArgument otherwise), no position
  // skipped within [0, height) x [0, last column used), every pixel before
  // (y, x) set. LibTorch's errors come back as kModelError.
  Result<torch::Tensor> Step(int64_t y, int64_t x);

  // Sets the pixel (y, x) of every canvas: values [batch, 3] in [-1, 1].
  // Positions a canvas does not cover should be left at 0.
  void SetPixel(int64_t y, int64_t x, const torch::Tensor& values);

  const PixelCnn& net() const { return net_; }

 private:
  struct PICNIC_NO_EXPORT State;
  static constexpr int kLevels = 3;  // resolutions: full, 1/2, 1/4

  // At the start of row r (of level 0): the vertical stream's rows of every
  // level that starts a row there.
  void StartRow(int64_t r);
  void UpPassRow(int level, int64_t r);    // keeps the skips for DownPassRow
  void DownPassRow(int level, int64_t r);  // and up-samples into the level above
  // The horizontal stream of `level` at its position (r, c), descending into
  // the next coarser level where that becomes computable; the down pass's
  // result [batch, C].
  torch::Tensor HorizontalAt(int level, int64_t r, int64_t c);
  // HorizontalAt on a coarser level, up-sampled into the finer one.
  void CoarserAt(int level, int64_t r, int64_t c);

  PixelCnn net_;
  std::unique_ptr<State> s_;
};

}  // namespace picnic

#endif  // PICNIC_INCREMENTAL_H_
