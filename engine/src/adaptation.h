// Per-image adaptation of the exact engine's output (ProbabilityModel::Study,
// ChooseAdaptation, Adapt), chosen by the encoder to lower the image's coded
// size and stored in the file (format 1.2, about 50 bytes). Each subpixel's
// conditional mixture (IntChannelMixture) falls in a scale bucket by the log2
// inverse scale of its heaviest component; per channel and bucket, one
// offset is added to every component's log2 inverse scale, and per channel
// one to every mean. It aims at the model's known weakness: on images unlike
// its training photos the predicted scales are too wide (or narrow), by an
// amount that depends on how sharp the prediction is. The decoder only adds
// the offsets. (Buckets by the causal neighbours' activity, as CALIC picks
// contexts, measured worse on McMaster and Urban100 crops.)
//
// Stored form (little-endian): u8 version (1), u8 channels (1 or 3), then per
// channel kBuckets i16 scale steps (1/32 of a doubling, 2048 in Q16;
// |steps| <= 64) and one i16 mean step (1/16 of a bin, 4096 in Q16;
// |steps| <= 64).
#ifndef PICNIC_ENGINE_ADAPTATION_H_
#define PICNIC_ENGINE_ADAPTATION_H_

#include <cstdint>
#include <vector>

#include "picnic/mixture.h"
#include "picnic/status.h"

namespace picnic {

struct ImageAdaptation {
  // Buckets of the heaviest component's log2 inverse scale L (bins): L < -3,
  // [-3, -2), ..., [1, 2), L >= 2.
  static constexpr int kBuckets = 7;
  static int Bucket(const IntSubpixelMixture& m);

  int channels = 0;  // 0: none
  int scale_steps[3][kBuckets] = {};
  int mean_steps[3] = {0, 0, 0};

  static constexpr int32_t kScaleStepQ16 = 65536 / 32;
  static constexpr int32_t kMeanStepQ16 = 65536 / 16;
  static constexpr int kMaxScaleSteps = 64;
  static constexpr int kMaxMeanSteps = 64;

  bool empty() const { return channels == 0; }
  // Adds channel c's offsets to its conditional mixture.
  void Apply(int c, IntSubpixelMixture* m) const;
  std::vector<uint8_t> Serialize() const;
  static Result<ImageAdaptation> Parse(const std::vector<uint8_t>& bytes);
};

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
