#include "histogram_model.h"

#include <string>

namespace picnic {

void AdaptiveCounts::Reset() {
  counts_.fill(1);
  total_ = kNumSymbols;
}

void AdaptiveCounts::Update(uint8_t value) {
  counts_[value] += kIncrement;
  total_ += kIncrement;
  if (total_ > kRescaleTotal) {
    total_ = 0;
    for (uint32_t& c : counts_) {
      c = (c + 1) / 2;
      total_ += c;
    }
  }
}

Status HistogramModel::Begin(const std::vector<TileShape>& tiles, int color_channels) {
  if (color_channels != 1 && color_channels != 3) {
    return Status(StatusCode::kInternal,
                  "histogram model: color_channels must be 1 or 3, got " +
                      std::to_string(color_channels));
  }
  color_channels_ = color_channels;
  counts_.assign(tiles.size() * color_channels, AdaptiveCounts());
  return Status::Ok();
}

Status HistogramModel::Check(int c, const std::vector<int>& tile_ids) const {
  if (c < 0 || c >= color_channels_) {
    return Status(StatusCode::kInternal, "histogram model: channel " + std::to_string(c) +
                                             " out of range");
  }
  const size_t num_tiles = color_channels_ ? counts_.size() / color_channels_ : 0;
  for (int id : tile_ids) {
    if (id < 0 || static_cast<size_t>(id) >= num_tiles) {
      return Status(StatusCode::kInternal,
                    "histogram model: tile " + std::to_string(id) + " not in the batch");
    }
  }
  return Status::Ok();
}

Status HistogramModel::Predict(int /*y*/, int /*x*/, int c, const std::vector<int>& tile_ids,
                               Distribution* out) {
  PICNIC_RETURN_IF_ERROR(Check(c, tile_ids));
  for (size_t i = 0; i < tile_ids.size(); ++i) {
    out[i].kind = Distribution::Kind::kCounts;
    out[i].counts = counts_[static_cast<size_t>(tile_ids[i]) * color_channels_ + c].counts();
  }
  return Status::Ok();
}

Status HistogramModel::Observe(int /*y*/, int /*x*/, int c, const std::vector<int>& tile_ids,
                               const uint8_t* values) {
  PICNIC_RETURN_IF_ERROR(Check(c, tile_ids));
  for (size_t i = 0; i < tile_ids.size(); ++i) {
    counts_[static_cast<size_t>(tile_ids[i]) * color_channels_ + c].Update(values[i]);
  }
  return Status::Ok();
}

}  // namespace picnic
