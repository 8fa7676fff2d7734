// The baseline probability model: adaptive frequency counts per tile and
// channel, no context. Also the model for the alpha channel inside the
// driver (docs/DESIGN.md, "Channels").
#ifndef PICNIC_CODEC_HISTOGRAM_MODEL_H_
#define PICNIC_CODEC_HISTOGRAM_MODEL_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "picnic/mixture.h"
#include "picnic/probability_model.h"

namespace picnic {

// Frequency counts that start flat and follow the data. Each observation
// adds kIncrement; when the total passes kRescaleTotal all counts are halved
// (rounding up, so none reaches zero), which keeps the totals bounded and
// lets the estimate track slow drift. Changing either constant changes the
// coded bits, so it needs a new kHistogramFingerprint.
class AdaptiveCounts {
 public:
  static constexpr uint32_t kIncrement = 16;
  static constexpr uint32_t kRescaleTotal = uint32_t{1} << 16;

  AdaptiveCounts() { Reset(); }
  void Reset();
  void Update(uint8_t value);
  // kNumSymbols frequencies, all >= 1.
  const uint32_t* counts() const { return counts_.data(); }
  uint32_t total() const { return total_; }

 private:
  std::array<uint32_t, kNumSymbols> counts_;
  uint32_t total_ = 0;
};

constexpr char kHistogramModelName[] = "histogram";
// Fixed: the histogram model has no weights. "hist0001" in ASCII.
constexpr uint64_t kHistogramFingerprint = 0x3130303074736968ull;

class HistogramModel final : public ProbabilityModel {
 public:
  std::string name() const override { return kHistogramModelName; }
  uint64_t fingerprint() const override { return kHistogramFingerprint; }
  Status Begin(const std::vector<TileShape>& tiles, int color_channels) override;
  Status Predict(int y, int x, int c, const std::vector<int>& tile_ids,
                 Distribution* out) override;
  Status Observe(int y, int x, int c, const std::vector<int>& tile_ids,
                 const uint8_t* values) override;

 private:
  Status Check(int c, const std::vector<int>& tile_ids) const;

  int color_channels_ = 0;
  std::vector<AdaptiveCounts> counts_;  // [tile][channel]
};

}  // namespace picnic

#endif  // PICNIC_CODEC_HISTOGRAM_MODEL_H_
