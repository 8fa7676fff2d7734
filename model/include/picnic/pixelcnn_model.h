// PixelCNN++ behind the codec's ProbabilityModel interface, evaluated
// incrementally (incremental.h) so that encoder and decoder make the very
// same computation (docs/DESIGN.md, "Determinism").
#ifndef PICNIC_PIXELCNN_MODEL_H_
#define PICNIC_PIXELCNN_MODEL_H_

#include <memory>
#include <string>
#include <vector>

#include "picnic/image.h"
#include "picnic/incremental.h"
#include "picnic/probability_model.h"
#include "picnic/visibility.h"
#include "picnic/weights.h"

namespace picnic {

// Tiles of a batch share one canvas of the largest tile's size rounded up to
// a multiple of 4; each tile sits at the canvas's top-left, and the network's
// constant channel is 0 outside it.
class PICNIC_EXPORT PixelCnnModel : public ProbabilityModel {
 public:
  explicit PixelCnnModel(LoadedWeights weights);
  std::string name() const override { return weights_.name; }
  uint64_t fingerprint() const override { return weights_.fingerprint; }
  Status Begin(const std::vector<TileShape>& tiles, int color_channels) override;
  Status Predict(int y, int x, int c, const std::vector<int>& tile_ids, Distribution* out) override;
  Status Observe(int y, int x, int c, const std::vector<int>& tile_ids, const uint8_t* values) override;

 private:
  LoadedWeights weights_;
  IncrementalPixelCnn inc_;
  int color_channels_ = 3;
  int num_mix_ = 0;
  int64_t params_ = 0;
  int64_t batch_ = 0;
  torch::Tensor raw_;             // [T, params] at the current pixel
  std::vector<uint8_t> decoded_;  // [T, 3] subpixels of the current pixel
};

// One LibTorch intra-op thread and one BLAS thread: the codec runs its own
// threads, one batch each, and a product's result must not depend on how a
// pool splits it. Every PixelCnnModel calls it when constructed.
PICNIC_EXPORT void UseSingleThreadedMath();

// LibTorch's threads for its own work (evaluation, sampling, training, the
// report's NLL): `requested` as every picnic threads setting means it
// (picnic::ResolveThreads: 0 is one per core). Coding instead runs
// UseSingleThreadedMath, its parallelism being picnic's own threads.
PICNIC_EXPORT void UseTorchThreads(int requested);

// UseTorchThreads for a scope; the previous count is restored after.
class PICNIC_EXPORT ScopedTorchThreads {
 public:
  explicit ScopedTorchThreads(int requested);
  ~ScopedTorchThreads();
  ScopedTorchThreads(const ScopedTorchThreads&) = delete;
  ScopedTorchThreads& operator=(const ScopedTorchThreads&) = delete;

 private:
  int previous_;
};

// The model's negative log-likelihood of an image's colour channels, as the
// codec sees it: the same tiles, batches and canvases (one full forward pass
// per batch), so it is what a .pnc file of this image should cost, less the
// coding overhead. Alpha is not modelled (the codec codes it adaptively).
struct TiledNll {
  double total_bits = 0;          // sum over colour subpixels
  uint64_t subpixels = 0;         // colour subpixels scored
  std::vector<float> pixel_bits;  // [height * width], bits per pixel (all colour channels)
  double bits_per_subpixel() const { return subpixels ? total_bits / subpixels : 0; }
};
// tile_size and tiles_per_batch as in the .pnc header (tile_size 0: one
// tile); model_params as FileInfo::model_params (the file's per-image
// parameters, applied as the exact engine applies them; empty: none).
PICNIC_EXPORT Result<TiledNll> ComputeTiledNll(PixelCnn net, const Image& image, int tile_size,
                                               int tiles_per_batch,
                                               const std::vector<uint8_t>& model_params = {});

// A provider that knows the shipped LibTorch models (by name, or by weights
// path when encoding) and hands everything else to `fallback`. Decoding by
// (name, fingerprint) also finds weights of another name with that
// fingerprint. Calls UseSingleThreadedMath().
PICNIC_EXPORT ModelProvider TorchModelProvider(ModelProvider fallback);

}  // namespace picnic

#endif  // PICNIC_PIXELCNN_MODEL_H_
