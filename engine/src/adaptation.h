// The encoder's side of per-image adaptation (picnic/image_adaptation.h):
// the statistics it gathers and the choice of offsets.
#ifndef PICNIC_ENGINE_ADAPTATION_H_
#define PICNIC_ENGINE_ADAPTATION_H_

#include <cstdint>
#include <vector>

#include "picnic/image_adaptation.h"

namespace picnic {

// The encoder's statistics: for each channel (and bucket), the coded cost
// (Q16 bits) of the sampled subpixels under each candidate offset. Scale and
// mean are searched one at a time around zero (the other held at zero).
// Effort 2 studies every fourth tile of a batch and 1 pixel in 4 there (a
// quarter of a coding pass), effort 3 every tile, and every step of the grid.
class AdaptationStudy {
 public:
  explicit AdaptationStudy(int effort);
  // Whether the encoder should study tile `tile` of a batch, and pixel
  // (x, y) of it.
  bool StudiesTile(int tile) const { return tile % tile_stride_ == 0; }
  bool Sampled(int tile, int y, int x) const;
  // Adds subpixel value v under mixture m (channel c's conditional).
  void Add(int c, const IntSubpixelMixture& m, int v);
  // Records that `sampled_pixels` of `pixels` were studied (to scale the
  // sample's saving up to the image: it must pay for the stored bytes).
  void Count(uint64_t sampled_pixels, uint64_t pixels);
  std::vector<int64_t>& stats() { return stats_; }
  // The offsets with the lowest total cost (ties to zero); empty when none
  // beats zero.
  static ImageAdaptation Choose(const std::vector<int64_t>& stats, int effort, int channels);

 private:
  static std::vector<int> ScaleGrid(int effort);
  static std::vector<int> MeanGrid(int effort);
  int tile_stride_, stride_;
  std::vector<int> scale_grid_, mean_grid_;
  // [3][kBuckets x scale candidates + mean candidates], sampled pixels, pixels
  std::vector<int64_t> stats_;
};

}  // namespace picnic

#endif  // PICNIC_ENGINE_ADAPTATION_H_
