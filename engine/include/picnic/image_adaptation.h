// Per-image adaptation of the exact engine's output (ProbabilityModel::Study,
// ChooseAdaptation, Adapt), chosen by the encoder to lower the image's coded
// size and stored in the file (format 1.2, about 50 bytes). Each subpixel's
// conditional mixture falls in a scale bucket by the log2 inverse scale of
// its heaviest component; per channel and bucket, one offset is added to
// every component's log2 inverse scale, and per channel one to every mean.
// It aims at the model's known weakness: on images unlike its training
// photos the predicted scales are too wide (or narrow), by an amount that
// depends on how sharp the prediction is. The decoder only adds the offsets.
// (Buckets by the causal neighbours' activity, as CALIC picks contexts,
// measured worse on McMaster and Urban100 crops.) The encoder's side is
// engine/src/adaptation.h.
//
// Stored form (little-endian): u8 version (1), u8 channels (1 or 3), then per
// channel kBuckets i16 scale steps (1/32 of a doubling, 2048 in Q16;
// |steps| <= 64) and one i16 mean step (1/16 of a bin, 4096 in Q16;
// |steps| <= 64).
#ifndef PICNIC_IMAGE_ADAPTATION_H_
#define PICNIC_IMAGE_ADAPTATION_H_

#include <cstdint>
#include <vector>

#include "picnic/mixture.h"
#include "picnic/status.h"
#include "picnic/visibility.h"

namespace picnic {

struct PICNIC_EXPORT ImageAdaptation {
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
  // The same offsets on the float model's conditional mixture (the bucket
  // from its heaviest component's clamped log-scale, in the units the
  // exporter converts to): the model's NLL with a file's parameters
  // (picnic/pixelcnn_model.h ComputeTiledNll). Channels beyond `channels`
  // are left as they are.
  static int Bucket(const SubpixelMixture& m);
  void Apply(int c, SubpixelMixture* m) const;
  std::vector<uint8_t> Serialize() const;
  static Result<ImageAdaptation> Parse(const std::vector<uint8_t>& bytes);
};

}  // namespace picnic

#endif  // PICNIC_IMAGE_ADAPTATION_H_
