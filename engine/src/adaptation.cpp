#include "adaptation.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "picnic/fixed_math.h"

namespace picnic {
namespace {

int32_t Clamp(int64_t v, int32_t lo, int32_t hi) {
  return static_cast<int32_t>(std::min<int64_t>(std::max<int64_t>(v, lo), hi));
}

// log2 of sum_k 2^(l_k), all Q16: the largest plus log2 of the rest's share.
int64_t Log2SumExp2(const int64_t* l, int n) {
  int64_t top = l[0];
  for (int i = 1; i < n; ++i) top = std::max(top, l[i]);
  uint64_t sum = 0;
  for (int i = 0; i < n; ++i) {
    const int64_t d = top - l[i];
    if (d < (int64_t{31} << 16)) sum += fixed::Exp2NegQ30(static_cast<uint32_t>(d));
  }
  return top + fixed::Log2Q16(sum) - 30 * 65536;
}

}  // namespace

int ImageAdaptation::Bucket(const IntSubpixelMixture& m) {
  int top = 0;
  for (int k = 1; k < m.num_mixtures; ++k) {
    if (m.log2_weights[k] > m.log2_weights[top]) top = k;
  }
  const int b = (m.log2_inv_scales[top] >> 16) + 4;  // floor(L) + 4
  return b < 0 ? 0 : b >= kBuckets ? kBuckets - 1 : b;
}

void ImageAdaptation::Apply(int c, IntSubpixelMixture* m) const {
  if (c >= channels) return;
  const int32_t ds = scale_steps[c][Bucket(*m)] * kScaleStepQ16, dm = mean_steps[c] * kMeanStepQ16;
  if (ds == 0 && dm == 0) return;
  for (int k = 0; k < m->num_mixtures; ++k) {
    m->log2_inv_scales[k] = Clamp(static_cast<int64_t>(m->log2_inv_scales[k]) + ds, kIntMinLog2InvScale, kIntMaxLog2InvScale);
    m->means[k] = Clamp(static_cast<int64_t>(m->means[k]) + dm, kIntMinMean, kIntMaxMean);
  }
}

int ImageAdaptation::Bucket(const SubpixelMixture& m) {
  int top = 0;
  for (int k = 1; k < m.num_mixtures; ++k) {
    if (m.logits[k] > m.logits[top]) top = k;
  }
  // log2 of the inverse scale in bins, as the exporter converts it.
  const double l = -std::max<double>(m.log_scales[top], kMinLogScale) / std::log(2.0) - std::log2(kUnitToBin);
  const int b = static_cast<int>(std::floor(l)) + 4;
  return b < 0 ? 0 : b >= kBuckets ? kBuckets - 1 : b;
}

void ImageAdaptation::Apply(int c, SubpixelMixture* m) const {
  if (c >= channels) return;
  const int ds = scale_steps[c][Bucket(*m)], dm = mean_steps[c];
  if (ds == 0 && dm == 0) return;
  const double log_scale_step = static_cast<double>(kScaleStepQ16) / 65536.0 * std::log(2.0);
  const double mean_step = static_cast<double>(kMeanStepQ16) / 65536.0 / kUnitToBin;
  for (int k = 0; k < m->num_mixtures; ++k) {
    m->log_scales[k] = static_cast<float>(std::max<double>(m->log_scales[k], kMinLogScale) - ds * log_scale_step);
    m->means[k] = static_cast<float>(m->means[k] + dm * mean_step);
  }
}

std::vector<uint8_t> ImageAdaptation::Serialize() const {
  if (empty()) return {};
  std::vector<uint8_t> out = {1, static_cast<uint8_t>(channels)};
  auto put16 = [&](int v) {
    const uint16_t u = static_cast<uint16_t>(static_cast<int16_t>(v));
    out.push_back(static_cast<uint8_t>(u & 0xff));
    out.push_back(static_cast<uint8_t>(u >> 8));
  };
  for (int c = 0; c < channels; ++c) {
    for (int b = 0; b < kBuckets; ++b) put16(scale_steps[c][b]);
    put16(mean_steps[c]);
  }
  return out;
}

Result<ImageAdaptation> ImageAdaptation::Parse(const std::vector<uint8_t>& bytes) {
  ImageAdaptation a;
  if (bytes.empty()) return a;
  auto bad = [](const std::string& why) {
    return Status(StatusCode::kCorrupt, "per-image model parameters: " + why);
  };
  if (bytes[0] != 1) return bad("unknown version " + std::to_string(bytes[0]));
  if (bytes.size() < 2 || (bytes[1] != 1 && bytes[1] != 3)) return bad("channel count must be 1 or 3");
  a.channels = bytes[1];
  const size_t per_channel = 2 * (kBuckets + 1);
  if (bytes.size() != 2 + per_channel * a.channels) return bad("wrong length");
  auto get16 = [&](size_t at) { return static_cast<int>(static_cast<int16_t>(bytes[at] | (bytes[at + 1] << 8))); };
  for (int c = 0; c < a.channels; ++c) {
    const size_t at = 2 + per_channel * c;
    for (int b = 0; b < kBuckets; ++b) {
      a.scale_steps[c][b] = get16(at + 2 * b);
      if (std::abs(a.scale_steps[c][b]) > kMaxScaleSteps) return bad("scale offset out of range");
    }
    a.mean_steps[c] = get16(at + 2 * kBuckets);
    if (std::abs(a.mean_steps[c]) > kMaxMeanSteps) return bad("mean offset out of range");
  }
  return a;
}

// Fine near zero (real photographs need little), coarse out to two
// doublings (noise, or a scanner's grain, needs a lot).
std::vector<int> AdaptationStudy::ScaleGrid(int effort) {
  std::vector<int> g = {0};
  for (int s : {1, 2, 4, 6, 8, 12, 16, 24, 32, 48, 64}) {
    g.push_back(s);
    g.push_back(-s);
  }
  if (effort >= 3) {
    for (int s = 3; s < 16; s += 2) {
      g.push_back(s);
      g.push_back(-s);
    }
  }
  std::sort(g.begin(), g.end());
  return g;
}

std::vector<int> AdaptationStudy::MeanGrid(int effort) {
  std::vector<int> g;
  const int step = effort >= 3 ? 1 : 2;
  for (int s = -8; s <= 8; s += step) g.push_back(s);
  return g;
}

AdaptationStudy::AdaptationStudy(int effort)
    : tile_stride_(effort >= 3 ? 1 : 4), stride_(4), scale_grid_(ScaleGrid(effort)), mean_grid_(MeanGrid(effort)) {
  stats_.assign(3 * (ImageAdaptation::kBuckets * scale_grid_.size() + mean_grid_.size()) + 2, 0);
}

bool AdaptationStudy::Sampled(int tile, int y, int x) const {
  const uint32_t h = static_cast<uint32_t>(x) * 73856093u ^ static_cast<uint32_t>(y) * 19349663u ^
                     static_cast<uint32_t>(tile) * 83492791u;
  return (h >> 7) % static_cast<uint32_t>(stride_) == 0;
}

void AdaptationStudy::Count(uint64_t sampled_pixels, uint64_t pixels) {
  stats_[stats_.size() - 2] += static_cast<int64_t>(sampled_pixels);
  stats_[stats_.size() - 1] += static_cast<int64_t>(pixels);
}

void AdaptationStudy::Add(int c, const IntSubpixelMixture& m, int v) {
  const int n = m.num_mixtures;
  int64_t w[kMaxMixtures] = {}, l[kMaxMixtures] = {};
  for (int k = 0; k < n; ++k) w[k] = m.log2_weights[k];
  const int64_t norm = Log2SumExp2(w, n);
  const size_t scales = ImageAdaptation::kBuckets * scale_grid_.size();
  const size_t per_channel = scales + mean_grid_.size();
  int64_t* out = &stats_[c * per_channel];
  int64_t* by_scale = out + ImageAdaptation::Bucket(m) * scale_grid_.size();
  auto cost = [&](int32_t ds, int32_t dm) {
    for (int k = 0; k < n; ++k) {
      const int32_t mean = Clamp(static_cast<int64_t>(m.means[k]) + dm, kIntMinMean, kIntMaxMean);
      const int32_t lis = Clamp(static_cast<int64_t>(m.log2_inv_scales[k]) + ds, kIntMinLog2InvScale, kIntMaxLog2InvScale);
      l[k] = w[k] + IntLog2BinProbability(mean, lis, v);
    }
    return norm - Log2SumExp2(l, n);  // -log2 p, Q16
  };
  for (size_t i = 0; i < scale_grid_.size(); ++i) by_scale[i] += cost(scale_grid_[i] * ImageAdaptation::kScaleStepQ16, 0);
  for (size_t i = 0; i < mean_grid_.size(); ++i)
    out[scales + i] += cost(0, mean_grid_[i] * ImageAdaptation::kMeanStepQ16);
}

ImageAdaptation AdaptationStudy::Choose(const std::vector<int64_t>& stats, int effort, int channels) {
  const std::vector<int> sg = ScaleGrid(effort), mg = MeanGrid(effort);
  const size_t scales = ImageAdaptation::kBuckets * sg.size();
  const size_t per_channel = scales + mg.size();
  ImageAdaptation a;
  if (stats.size() != 3 * per_channel + 2 || stats[3 * per_channel] <= 0) return a;
  // The sample's saving, scaled to the whole image, must pay for the bytes.
  const double scale_up = static_cast<double>(stats[3 * per_channel + 1]) / stats[3 * per_channel];
  int64_t saved = 0;
  bool any = false;
  for (int c = 0; c < channels; ++c) {
    const int64_t* s = &stats[c * per_channel];
    auto best = [&](const int64_t* costs, const std::vector<int>& grid) {
      size_t zero = 0;
      while (grid[zero] != 0) ++zero;
      size_t b = zero;
      for (size_t i = 0; i < grid.size(); ++i) {
        if (costs[i] < costs[b]) b = i;
      }
      saved += costs[zero] - costs[b];
      return grid[b];
    };
    for (int b = 0; b < ImageAdaptation::kBuckets; ++b) {
      a.scale_steps[c][b] = best(s + b * sg.size(), sg);
      any |= a.scale_steps[c][b] != 0;
    }
    a.mean_steps[c] = best(s + scales, mg);
    any |= a.mean_steps[c] != 0;
  }
  if (any) a.channels = channels;
  const double saved_bits = saved / 65536.0 * scale_up;
  // With a margin: the estimate comes from a sample.
  if (any && saved_bits <= 2 * 8.0 * a.Serialize().size() + 64) a = ImageAdaptation{};
  return a;
}

}  // namespace picnic
