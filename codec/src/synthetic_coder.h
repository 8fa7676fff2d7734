// Tile modes 1 and 3, "synthetic" v1 and v2 (FORMAT.md, "Tile modes"): a context model for
// screenshots, charts, diagrams and icons, where a photo-trained network
// spreads probability over values that never occur and cannot copy what
// repeats. All integer arithmetic, so it decodes identically everywhere.
//
// Per pixel (all channels, alpha included), first an index symbol: which of
// up to eight candidate colours the pixel is, or "escape". The candidates are
// the colours that followed the same neighbourhood before (two hashed
// contexts of the causal neighbours' exact colours, as WebP lossless's
// colour cache and paq8px's image models remember what follows a context),
// then the neighbours W, N, NW, NE, WW, NN themselves, without repeats.
// The index is coded with adaptive counts under a context of which
// neighbours are equal and how much they differ, so flat areas, runs and
// repeated glyphs cost almost nothing. After an escape each channel is coded with 256 counts mixed from
// six experts: the tile's histogram of that channel (its palette), three
// two-sided geometric distributions around predictors (LOCO-I's median edge
// detector; that plus the previous channel's error; a blend of two
// neighbour colours in the proportion the earlier channels show, for
// anti-aliased edges), and two hashed contexts of exact neighbour values with their few most frequent
// followers. The experts' weights are 2^-(recent cost in bits), tracked per
// channel and context state, in integers (a Bayesian mixture with
// forgetting), so the decoder computes the same weights. The geometric
// experts learn their scales per local activity (|W-NW|+|N-NW|+|N-NE|, as
// CALIC's error energy), and the last channel of an escaped pixel excludes
// the values that would make it one of the candidates. Version 2 adds two
// experts: a third hashed context, of quantized gradients, whose values are
// residuals from the median predictor (CALIC's texture context; it learns
// the shading of plots and icons), and adaptive counts of those residuals
// per activity.
#ifndef PICNIC_CODEC_SYNTHETIC_CODER_H_
#define PICNIC_CODEC_SYNTHETIC_CODER_H_

#include <array>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "histogram_model.h"
#include "picnic/image.h"
#include "picnic/mixture.h"
#include "picnic/status.h"
#include "picnic/tiling.h"

namespace picnic {

class SyntheticTileModel {
 public:
  static constexpr int kMaxCandidates = 8;
  // Experts: the histogram, kNumGeometric geometric ones, two contexts.
  static constexpr int kNumGeometric = 3;
  static constexpr int kFirstContextExpert = 1 + kNumGeometric;
  // Version 1: two contexts of exact values. Version 2 adds a context of
  // quantized gradients whose values are residuals from the median
  // predictor, and an expert of those residuals' counts per activity.
  static constexpr int kMaxContexts = 3;
  static constexpr int kMaxExperts = kFirstContextExpert + kMaxContexts + 1;
  static constexpr int kPrecision = 16;  // of every CDF it makes

  // version: 1 (tile mode 1) or 2 (tile mode 3).
  SyntheticTileModel(int width, int height, ChannelLayout layout, int version);

  // Starts pixel (y, x), in raster order: finds the candidates and the CDF
  // of the index symbol (num_candidates() + 1 symbols, the last = escape).
  void BeginPixel(int y, int x);
  int num_candidates() const { return k_; }
  const uint32_t* index_cdf() const { return index_cdf_.data(); }
  // The encoder's index symbol for a pixel's channel bytes.
  int FindCandidate(const uint8_t* pixel) const;
  // Candidate i's channel bytes into `pixel`.
  void CandidateBytes(int i, uint8_t* pixel) const;

  // After an escape, channel by channel: the CDF (kNumSymbols + 1 entries)
  // of channel c given the channels before it, then its value.
  Status ChannelCdf(int c, uint32_t* cdf);
  void ObserveEscaped(int c, uint8_t value);

  // Ends the pixel: its index symbol and its channel bytes.
  void EndPixel(int index, const uint8_t* pixel);

 private:
  struct ColorEntry {  // what followed a neighbourhood last
    uint32_t check = 0;
    uint32_t color = 0;
    bool used = false;
  };
  struct Followers {  // a context's most frequent next values
    uint32_t check = 0;
    std::array<uint8_t, 4> value{};
    std::array<uint16_t, 4> count{};
  };
  struct ChannelContext {  // the escape model's view of one channel
    int w = 0, n = 0, nw = 0, ne = 0;
    int med = 0;         // the median edge detector's prediction
    int prev_error = 0;  // the previous colour channel's value minus its own, or 0
    int pred[kNumGeometric] = {};  // the geometric experts' centres
    Followers* ctx[kMaxContexts] = {};
    uint32_t total[kMaxContexts] = {};          // the contexts' counts
    uint32_t escape[kMaxContexts] = {1, 1, 1};  // and their escape counts
    int offset[kMaxContexts] = {};  // a context's values are value - offset (mod 256)
    int scale[kNumGeometric] = {};  // the geometric experts' scale buckets
    uint64_t geometric_sum[kNumGeometric] = {1, 1, 1};
    int activity = 0;  // local activity bucket (the geometric scales' context)
    int state = 0;  // which weight set: deepest context seen (0, 1, 2)
  };

  uint64_t Neighbor(int y, int x) const;  // packed colour, or kAbsent
  int Sample(int dy, int dx, int c) const;  // channel c of a causal neighbour
  void PrepareContexts(int c);    // the hashed contexts of channel c
  void PreparePredictors(int c);  // the geometric experts (escapes only)
  Followers* Lookup(std::vector<Followers>& table, uint64_t key, bool insert);
  static void Learn(Followers* f, uint8_t value);
  std::array<uint32_t, kMaxExperts> ExpertProbabilities(int c, int v) const;
  size_t ResidualIndex(int c) const;  // into residuals_, at the current activity

  int width_, height_, channels_, color_channels_;
  int num_contexts_, num_experts_;
  int residual_expert_;  // version 2's residual counts, or -1
  int y_ = 0, x_ = 0;
  std::vector<uint8_t> pixels_;  // the tile so far
  std::vector<ColorEntry> colors_[2];
  std::vector<Followers> followers_[kMaxContexts];
  uint64_t color_mask_ = 0, followers_mask_ = 0;
  uint64_t hash_[2] = {0, 0};
  int k_ = 0;
  std::array<uint32_t, kMaxCandidates> candidates_{};
  int index_context_ = 0;
  std::vector<uint16_t> index_counts_;  // [context][kMaxCandidates + 1]
  std::array<uint32_t, kMaxCandidates + 2> index_cdf_{};
  uint8_t current_[4] = {0, 0, 0, 0};  // the escaped pixel's channels so far
  ChannelContext chan_;
  std::vector<AdaptiveCounts> histograms_;   // [channel]
  std::vector<AdaptiveCounts> residuals_;    // version 2: [channel][activity]
  std::vector<uint32_t> losses_;             // [channel][state][expert], Q8 bits, decayed
  std::vector<uint32_t> error_sum_;          // [channel][kNumGeometric], Q4
  std::vector<uint32_t> error_count_;        // [channel][kNumGeometric]
  std::array<uint32_t, kNumSymbols> mixed_{};
  std::array<uint32_t, kMaxExperts> weights_{};
};

// Codes one tile with the synthetic model. `Io` has
//   void Encode(const uint32_t* cdf, int symbol, int precision)       (encoder)
//   int Decode(const uint32_t* cdf, int num_symbols, int precision)    (decoder)
// and ImageT is const Image (encoder: reads) or Image (decoder: writes).
template <typename ImageT, typename Io>
Status CodeSyntheticTile(const TileRect& r, ImageT& image, Io& io, int version) {
  constexpr bool kEncode = std::is_const_v<ImageT>;
  const int nc = image.channels();
  SyntheticTileModel model(r.width, r.height, image.layout, version);
  uint32_t cdf[kNumSymbols + 1];
  uint8_t pixel[4] = {0, 0, 0, 0};
  for (int y = 0; y < r.height; ++y) {
    for (int x = 0; x < r.width; ++x) {
      model.BeginPixel(y, x);
      const int k = model.num_candidates();
      int index = k;
      if constexpr (kEncode) {
        for (int c = 0; c < nc; ++c) pixel[c] = image.at(r.y0 + y, r.x0 + x, c);
        index = model.FindCandidate(pixel);
        if (k > 0) io.Encode(model.index_cdf(), index, SyntheticTileModel::kPrecision);
      } else {
        if (k > 0) index = io.Decode(model.index_cdf(), k + 1, SyntheticTileModel::kPrecision);
      }
      if (index < k) {
        model.CandidateBytes(index, pixel);
      } else {
        for (int c = 0; c < nc; ++c) {
          PICNIC_RETURN_IF_ERROR(model.ChannelCdf(c, cdf));
          if constexpr (kEncode) {
            io.Encode(cdf, pixel[c], SyntheticTileModel::kPrecision);
          } else {
            pixel[c] = static_cast<uint8_t>(io.Decode(cdf, kNumSymbols, SyntheticTileModel::kPrecision));
          }
          model.ObserveEscaped(c, pixel[c]);
        }
      }
      if constexpr (!kEncode) {
        for (int c = 0; c < nc; ++c) image.at(r.y0 + y, r.x0 + x, c) = pixel[c];
      }
      model.EndPixel(index, pixel);
    }
  }
  return Status::Ok();
}

}  // namespace picnic

#endif  // PICNIC_CODEC_SYNTHETIC_CODER_H_
