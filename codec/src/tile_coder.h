// The coding loop shared by encoder and decoder, written once so that both
// make exactly the same sequence of model calls (probability_model.h).
#ifndef PICNIC_CODEC_TILE_CODER_H_
#define PICNIC_CODEC_TILE_CODER_H_

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "cdf.h"
#include "histogram_model.h"
#include "picnic/image.h"
#include "picnic/probability_model.h"
#include "picnic/status.h"
#include "picnic/tiling.h"
#include "recalibration.h"

namespace picnic {

// The counts [lower, upper) the coded symbol had.
struct CodedInterval {
  uint32_t lower = 0, upper = 0;
};

// Codes one batch of tiles in lockstep. `Coder` has
//   Status Code(int tile_in_batch, const QuantizedCdf& cdf, int precision, V value,
//               CodedInterval* coded)
// where the encoder's V is uint8_t (read from the image) and the decoder's is
// uint8_t& (written into the image). ImageT is Image or const Image.
// Raster order over the batch's bounding tile shape; per pixel the colour
// channels through the model, then alpha through per-tile AdaptiveCounts.
// With `online.recalibrate` (format 1.5), integer mixtures are corrected
// online before their CDFs are built (recalibration.h), their means also by
// the neighbours' residuals with `online.error_feedback` (format 1.7,
// error_feedback.h), and with `online.calibration_map` (format 1.6) their
// CDFs go through an online calibration map (pit_remap.h); other
// distributions are coded as they come.
template <typename ImageT, typename Coder>
Status CodeBatch(ProbabilityModel& model, const std::vector<TileRect>& rects, int precision,
                 ImageT& image, Coder& coder, const OnlineAdaptation& online = {}) {
  const bool recalibrate = online.recalibrate;
  const bool remap = recalibrate && online.calibration_map;
  const int color_channels = NumColorChannels(image.layout);
  const bool has_alpha = HasAlpha(image.layout);
  const int alpha_channel = color_channels;

  std::vector<TileShape> shapes(rects.size());
  int max_w = 0, max_h = 0;
  for (size_t i = 0; i < rects.size(); ++i) {
    shapes[i].width = rects[i].width;
    shapes[i].height = rects[i].height;
    max_w = std::max(max_w, rects[i].width);
    max_h = std::max(max_h, rects[i].height);
  }
  if constexpr (std::is_const_v<ImageT>) {
    PICNIC_RETURN_IF_ERROR(model.BeginKnown(rects, image));  // the encoder knows every value
  } else {
    PICNIC_RETURN_IF_ERROR(model.Begin(shapes, color_channels));
  }
  std::vector<AdaptiveCounts> alpha(has_alpha ? rects.size() : 0);

  std::vector<int> ids;
  ids.reserve(rects.size());
  std::vector<Distribution> dists(rects.size());
  std::vector<uint8_t> values(rects.size());
  QuantizedCdf cdf;
  CodedInterval coded;
  Recalibration recalibration;
  if (recalibrate) recalibration.Begin(static_cast<int>(rects.size()), max_w, color_channels, online);
  for (int y = 0; y < max_h; ++y) {
    if (recalibrate) recalibration.StartRow();
    for (int x = 0; x < max_w; ++x) {
      ids.clear();
      for (size_t i = 0; i < rects.size(); ++i) {
        if (y < rects[i].height && x < rects[i].width) ids.push_back(static_cast<int>(i));
      }
      if (ids.empty()) continue;
      for (int c = 0; c < color_channels; ++c) {
        PICNIC_RETURN_IF_ERROR(model.Predict(y, x, c, ids, dists.data()));
        // Every tile's contexts are chosen (and their state fetched: the
        // network's pass has evicted it) before the first is coded, so that
        // the fetches overlap (Recalibration::Prepare).
        auto recalibrated = [&](size_t j) {
          return recalibrate && dists[j].kind == Distribution::Kind::kIntMixture;
        };
        if (recalibrate) {
          for (int id : ids) recalibration.Prefetch(id, x, c);
          for (size_t j = 0; j < ids.size(); ++j) {
            if (recalibrated(j)) recalibration.Prepare(ids[j], x, c, dists[j].int_mixture);
          }
        }
        for (size_t j = 0; j < ids.size(); ++j) {
          const TileRect& r = rects[ids[j]];
          const bool recalibrated_j = recalibrated(j);
          if (recalibrated_j) recalibration.ApplyPrepared(ids[j], x, c, &dists[j].int_mixture);
          PICNIC_RETURN_IF_ERROR(cdf.Init(dists[j], precision));
          if (recalibrated_j && remap) cdf.SetRemap(recalibration.Knots(ids[j], c));
          auto&& value = image.at(r.y0 + y, r.x0 + x, c);
          PICNIC_RETURN_IF_ERROR(coder.Code(ids[j], cdf, precision, value, &coded));
          if (recalibrated_j && remap) {
            const int v = value;
            const uint32_t f_lo = cdf.RawF(v), f_hi = cdf.RawF(v + 1);
            recalibration.Update(ids[j], x, c, cdf.RawCount(v, f_lo), cdf.RawCount(v + 1, f_hi), precision);
            recalibration.Observe(ids[j], c, f_lo, f_hi);
          } else if (recalibrated_j) {
            recalibration.Update(ids[j], x, c, coded.lower, coded.upper, precision);
          }
          values[j] = value;
        }
        PICNIC_RETURN_IF_ERROR(model.Observe(y, x, c, ids, values.data()));
      }
      if (has_alpha) {
        for (int id : ids) {
          const TileRect& r = rects[id];
          Distribution counts;
          counts.kind = Distribution::Kind::kCounts;
          counts.counts = alpha[id].counts();
          PICNIC_RETURN_IF_ERROR(cdf.Init(counts, precision));
          auto&& value = image.at(r.y0 + y, r.x0 + x, alpha_channel);
          PICNIC_RETURN_IF_ERROR(coder.Code(id, cdf, precision, value, &coded));
          alpha[id].Update(value);
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace picnic

#endif  // PICNIC_CODEC_TILE_CODER_H_
