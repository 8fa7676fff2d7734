// picnic::Encode: tiles -> batches -> model -> CDF -> one range coder per tile.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "container.h"
#include "deflate_tile.h"
#include "picnic/fixed_math.h"
#include "picnic/picnic.h"
#include "orientation.h"
#include "range_coder.h"
#include "replication.h"
#include "batch_runner.h"
#include "synthetic_coder.h"
#include "tile_coder.h"
#include "picnic/tiling.h"

namespace picnic {
namespace {

// Tiles per batch when EncodeOptions::tiles_per_batch is 0: at most
// kDefaultTilesPerBatch, and at most kBatchColumns pixels of tile width side
// by side (a wider batch's model state runs out of cache: tile 128 on a
// 2048x1536 photo decoded in 11.6 s at 16 tiles per batch, 16.1 s at 32),
// in a number of batches that is a multiple of the threads, so none waits
// on another's last batch (3 batches on 2 threads took 18.0 s).
constexpr int kBatchColumns = 2048;

uint64_t DefaultTilesPerBatch(uint64_t num_tiles, int tile_width, int threads) {
  const uint64_t cap = std::max<uint64_t>(
      1, std::min<uint64_t>(kDefaultTilesPerBatch, kBatchColumns / std::max(1, tile_width)));
  const uint64_t t = static_cast<uint64_t>(std::max(1, threads));
  uint64_t batches = (num_tiles + cap - 1) / cap;
  batches = (batches + t - 1) / t * t;
  return std::max<uint64_t>(1, (num_tiles + batches - 1) / batches);
}

struct EncodeCoder {
  std::vector<RangeEncoder>* encoders;
  // What the calibration map saved (Q16 bits; negative: what it cost): the
  // code length without it minus with it. Recalibration learns from the
  // unmapped counts, so without the map the whole batch would have coded
  // exactly those unmapped intervals.
  int64_t map_gain_q16 = 0;
  Status Code(int tile, const QuantizedCdf& cdf, int precision, uint8_t value, CodedInterval* coded) {
    const uint32_t lower = cdf(value), upper = cdf(value + 1);
    coded->lower = lower;
    coded->upper = upper;
    // Never write a symbol the decoder could not read back.
    if (lower >= upper) {
      return Status(StatusCode::kInternal, "empty CDF interval for value " + std::to_string(value));
    }
    (*encoders)[tile].Encode(lower, upper, precision);
    if (cdf.remapped()) {
      map_gain_q16 += fixed::Log2Q16(upper - lower) - fixed::Log2Q16(cdf.RawCount(value + 1) - cdf.RawCount(value));
    }
    return Status::Ok();
  }
};

struct SyntheticEncodeIo {
  RangeEncoder encoder;
  void Encode(const uint32_t* cdf, int symbol, int precision) {
    encoder.Encode(cdf[symbol], cdf[symbol + 1], precision);
  }
};

// The synthetic model's only errors are internal ones about its own CDFs; a
// tile it cannot code is simply not coded in that mode (nullopt).
std::optional<std::vector<uint8_t>> EncodeSyntheticTile(const Image& image, const TileRect& rect) {
  SyntheticEncodeIo io;
  if (!CodeSyntheticTile(rect, image, io, SyntheticVersionOfMode(kSyntheticModeWritten)).ok()) return std::nullopt;
  io.encoder.Finalize();
  return io.encoder.TakeBytes();
}

// Per mille of the rect's pixels equal (every channel) to their W or N
// neighbour: near 0 in photographs, most of a screenshot or chart. The
// encoder's cheap guess of where the synthetic model and deflate may win.
int RepeatPerMille(const Image& image, const TileRect& r) {
  const int nc = image.channels();
  uint64_t repeats = 0;
  for (int y = 0; y < r.height; ++y) {
    const uint8_t* row = &image.pixels[(static_cast<size_t>(r.y0 + y) * image.width + r.x0) * nc];
    const uint8_t* up = y > 0 ? row - static_cast<size_t>(image.width) * nc : nullptr;
    for (int x = 0; x < r.width; ++x) {
      const uint8_t* p = row + static_cast<size_t>(x) * nc;
      const bool w = x > 0 && std::equal(p, p + nc, p - nc);
      const bool n = up && std::equal(p, p + nc, up + static_cast<size_t>(x) * nc);
      repeats += w || n;
    }
  }
  return static_cast<int>(repeats * 1000 / (static_cast<uint64_t>(r.width) * r.height));
}

// The encoder's choices (not part of the format). Tiles with at least
// kTrySyntheticPerMille repeats are also tried with the synthetic model, and
// images with at least kTryWholeSyntheticPerMille as one synthetic tile;
// tiles with more than kSkipModelPerMille are not tried with the learned
// model at all. Measured (tools/bench/synthetic_bench): photographs repeat
// 5-360 per mille (the most on flat dark or saturated areas, where the
// synthetic model still costs 3.4-4.9 bits/subpixel as a whole), screenshots,
// charts, diagrams and icons 640-996.
constexpr int kTrySyntheticPerMille = 250;
constexpr int kTryWholeSyntheticPerMille = 500;
constexpr int kSkipModelPerMille = 900;
// When the synthetic model codes the whole image in under this many
// hundredths of a bit per subpixel, the learned model is not tried at all.
constexpr uint64_t kSkipModelBitsPerSubpixel = 75;
// The whole image is tried with deflate at its best level when deflate at
// its fastest is under this percentage of the best file so far (zlib's best
// level rarely saves more than a quarter over its fastest).
constexpr uint64_t kDeflateTryPercent = 130;

uint64_t TotalBytes(const std::vector<std::vector<uint8_t>>& payloads) {
  uint64_t total = 0;
  for (const auto& p : payloads) total += p.size();
  return total;
}

Status CheckImage(const Image& image, const EncodeOptions& options) {
  const int layout = static_cast<int>(image.layout);
  if (layout < 1 || layout > 4) {
    return Status(StatusCode::kInvalidArgument, "unknown channel layout " + std::to_string(layout));
  }
  if (image.width < 1 || image.height < 1) {
    return Status(StatusCode::kInvalidArgument, "image is " + std::to_string(image.width) + "x" +
                                                    std::to_string(image.height));
  }
  if (image.pixels.size() != image.num_subpixels()) {
    return Status(StatusCode::kInvalidArgument,
                  "image has " + std::to_string(image.pixels.size()) + " bytes of pixels, " +
                      std::to_string(image.num_subpixels()) + " expected");
  }
  const uint64_t pixels = static_cast<uint64_t>(image.width) * image.height;
  if (options.max_pixels != 0 && pixels > options.max_pixels) {
    return Status(StatusCode::kLimitExceeded, "image has " + std::to_string(pixels) +
                                                  " pixels, over the limit of " +
                                                  std::to_string(options.max_pixels));
  }
  if (options.tile_size < 0) {
    return Status(StatusCode::kInvalidArgument,
                  "tile size must be >= 0 (0: one tile), got " + std::to_string(options.tile_size));
  }
  if (options.tiles_per_batch < 0 || options.tiles_per_batch > kMaxTilesPerBatch) {
    return Status(StatusCode::kInvalidArgument,
                  "tiles per batch must be in [0, " + std::to_string(kMaxTilesPerBatch) +
                      "] (0: automatic), got " + std::to_string(options.tiles_per_batch));
  }
  if (options.effort < kMinEffort || options.effort > kMaxEffort) {
    return Status(StatusCode::kInvalidArgument, "effort must be in [" + std::to_string(kMinEffort) + ", " +
                                                    std::to_string(kMaxEffort) + "], got " +
                                                    std::to_string(options.effort));
  }
  if (!IsValidCdfPrecision(options.cdf_precision)) {
    return Status(StatusCode::kInvalidArgument, CdfPrecisionError(options.cdf_precision));
  }
  if (options.orientation != kAutoOrientation && (options.orientation < 0 || options.orientation >= kNumOrientations)) {
    return Status(StatusCode::kInvalidArgument, "orientation must be 0-7 or kAutoOrientation (-1), got " +
                                                    std::to_string(options.orientation));
  }
  return Status::Ok();
}

// The centred quarter of `image`: half its width and height, pixels only
// (effort 2's orientation sample).
Image CentredQuarter(const Image& image) {
  Image q;
  q.layout = image.layout;
  q.width = image.width / 2;
  q.height = image.height / 2;
  const size_t n = static_cast<size_t>(image.channels());
  const int x0 = (image.width - q.width) / 2, y0 = (image.height - q.height) / 2;
  q.pixels.resize(q.num_subpixels());
  for (int y = 0; y < q.height; ++y) {
    const uint8_t* from = &image.pixels[(static_cast<size_t>(y0 + y) * image.width + x0) * n];
    std::copy(from, from + static_cast<size_t>(q.width) * n, &q.pixels[static_cast<size_t>(y) * q.width * n]);
  }
  return q;
}

// Codes `image`, which is `original` in `orientation` (orientation.h), or
// the image that replicates (rep; Encode checked `original`).
// *map_gain_q16 (when given): what the calibration map saved over every
// batch coded, Q16 bits (EncodeCoder::map_gain_q16).
Result<std::vector<uint8_t>> EncodeImpl(const Image& original, const Image& image, int orientation,
                                        Replication rep, const EncodeOptions& options,
                                        int64_t* map_gain_q16 = nullptr) {
  const ModelProvider provider = options.provider ? options.provider : BuiltinModelProvider();
  PICNIC_ASSIGN_OR_RETURN(std::unique_ptr<ProbabilityModel> model, provider(options.model, 0));
  if (!model) {
    return Status(StatusCode::kInternal, "model provider returned no model for " + options.model);
  }

  ContainerHeader header;
  header.width = static_cast<uint32_t>(original.width);
  header.height = static_cast<uint32_t>(original.height);
  header.replicate_x = static_cast<uint8_t>(rep.x);
  header.replicate_y = static_cast<uint8_t>(rep.y);
  if (!rep.none()) header.flags |= kFlagReplicated;
  header.orientation = static_cast<uint8_t>(orientation);
  if (orientation != 0) header.flags |= kFlagOriented;
  header.layout = image.layout;
  header.cdf_precision = static_cast<uint8_t>(options.cdf_precision);
  header.tile_size = static_cast<uint32_t>(options.tile_size);
  header.model_name = model->name();
  header.model_fingerprint = model->fingerprint();
  header.pixels_crc32 = PixelsCrc32(original.pixels);
  header.metadata = original.metadata;
  // Checked before the (long) coding: WriteContainer would refuse it after.
  PICNIC_RETURN_IF_ERROR(CheckMetadata(original.metadata));
  if (!IsValidModelName(header.model_name)) {
    return Status(StatusCode::kModelError, "model name \"" + header.model_name +
                                               "\" cannot be stored (1-255 printable ASCII)");
  }

  const TileGrid grid(image.width, image.height, options.tile_size);
  const uint64_t num_tiles = grid.num_tiles();
  const int threads = ResolveThreads(options.threads);
  const uint64_t batch =
      options.tiles_per_batch
          ? std::min<uint64_t>(options.tiles_per_batch, num_tiles)
          : DefaultTilesPerBatch(num_tiles, grid.Tile(0).width, threads);
  header.tiles_per_batch = static_cast<uint32_t>(batch);
  const uint64_t num_batches = (num_tiles + batch - 1) / batch;

  // The whole image as one tile, in tile modes 1 and 2 (choose_tile_modes):
  // the file written when it is smaller than the tiled one. The synthetic
  // model is tried first: where it codes the image very small, the learned
  // model is not run at all (graphics code fast).
  const bool choose = options.choose_tile_modes;
  const TileRect whole{0, 0, image.width, image.height};
  ContainerHeader single = header;
  single.tile_size = 0;
  single.tiles_per_batch = 1;
  single.flags = header.flags | kFlagTileModes;
  std::vector<std::vector<uint8_t>> single_payload;
  uint64_t best = UINT64_MAX;
  // A one-tile file has 4 bytes of payload size and 5 of tile modes.
  auto consider = [&](std::optional<std::vector<uint8_t>> bytes, uint8_t mode) {
    if (!bytes || bytes->size() + 9 >= best) return;
    best = bytes->size() + 9;
    single.tile_modes = {mode};
    single_payload.assign(1, std::move(*bytes));
  };
  // Deflate, the floor (never much above a PNG): at zlib's fastest first,
  // and at its best only if that comes near.
  auto finish = [&](std::vector<std::vector<uint8_t>>* tiled) -> Result<std::vector<uint8_t>> {
    PICNIC_ASSIGN_OR_RETURN(const std::vector<uint8_t> quick, EncodeDeflateTile(image, whole, /*quick=*/true));
    if (quick.size() * 100 < best * kDeflateTryPercent) {
      PICNIC_ASSIGN_OR_RETURN(std::vector<uint8_t> deflated, EncodeDeflateTile(image, whole));
      consider(std::move(deflated), kTileDeflate);
    }
    // The smaller file, header included (a one-tile file in a tile mode
    // carries the 1.1-1.3 fields, which a tiled 1.0 file does not).
    if (single_payload.empty()) return WriteContainer(header, *tiled);
    PICNIC_ASSIGN_OR_RETURN(std::vector<uint8_t> one, WriteContainer(single, single_payload));
    if (tiled->empty()) return one;
    PICNIC_ASSIGN_OR_RETURN(std::vector<uint8_t> many, WriteContainer(header, *tiled));
    return many.size() <= one.size() ? std::move(many) : std::move(one);
  };
  if (choose && num_tiles > 1 && RepeatPerMille(image, whole) >= kTryWholeSyntheticPerMille) {
    consider(EncodeSyntheticTile(image, whole), kSyntheticModeWritten);
    if (!single_payload.empty() && best * 8 < image.num_subpixels() * kSkipModelBitsPerSubpixel / 100) {
      std::vector<std::vector<uint8_t>> none;
      if (options.progress) options.progress(1.0);
      return finish(&none);
    }
  }

  // Per-image adaptation: a first pass over every batch gathers the model's
  // statistics, the model chooses its parameters from their sum, and every
  // model instance codes with them (probability_model.h). A model that
  // studies nothing (one that does not adapt) costs no pass: one pixel
  // tells.
  double study_share = 0.0;
  if (options.effort >= kStudyEffort) {
    std::vector<int64_t> stats;
    std::mutex mu;
    auto study_batch = [&](ProbabilityModel& m, uint64_t b) -> Status {
      const uint64_t first = b * batch;
      const std::vector<TileRect> rects = BatchRects(grid, first, std::min(batch, num_tiles - first));
      PICNIC_ASSIGN_OR_RETURN(std::vector<int64_t> s, m.Study(rects, image, options.effort));
      std::lock_guard<std::mutex> lock(mu);
      if (stats.empty()) stats.resize(s.size());
      if (s.size() != stats.size()) return Status(StatusCode::kInternal, "model statistics change size between batches");
      for (size_t i = 0; i < s.size(); ++i) stats[i] += s[i];
      return Status::Ok();
    };
    auto make_study_model = [&]() { return provider(options.model, header.model_fingerprint); };
    PICNIC_ASSIGN_OR_RETURN(std::unique_ptr<ProbabilityModel> study_model, make_study_model());
    PICNIC_ASSIGN_OR_RETURN(const std::vector<int64_t> probe,
                            study_model->Study({TileRect{0, 0, 1, 1}}, image, options.effort));
    if (!probe.empty()) {
      study_share = 0.5;
      auto study_progress = [&](uint64_t done) {
        if (options.progress) options.progress(study_share * done / num_batches);
      };
      PICNIC_RETURN_IF_ERROR(
          RunBatches(num_batches, threads, std::move(study_model), make_study_model, study_batch, study_progress));
    }
    if (!stats.empty()) {
      PICNIC_ASSIGN_OR_RETURN(header.model_params, model->ChooseAdaptation(stats, options.effort));
      if (header.model_params.size() > kMaxModelParamsBytes)
        return Status(StatusCode::kModelError, "model chose over " + std::to_string(kMaxModelParamsBytes) +
                                                   " bytes of per-image parameters");
      if (!header.model_params.empty()) header.flags |= kFlagModelParams;
    }
  }
  PICNIC_RETURN_IF_ERROR(model->Adapt(header.model_params));
  // Online recalibration (format 1.5) for a model whose mixtures allow it.
  const bool recalibrate = options.recalibrate && model->RecalibratesOnline();
  if (recalibrate) header.flags |= kFlagRecalibrated;
  // And the online calibration map (format 1.6) on top.
  const bool remap = recalibrate && options.calibration_map;
  if (remap) header.flags |= kFlagCalibrationMap;
  // And error feedback of the means (format 1.7).
  const bool feedback = recalibrate && options.error_feedback;
  if (feedback) header.flags |= kFlagErrorFeedback;
  // And annealed steps for all of them (format 1.8).
  const bool annealed = recalibrate && options.annealed;
  if (annealed) header.flags |= kFlagAnnealed;
  const OnlineAdaptation online{recalibrate, remap, feedback, annealed};

  // Which tiles to try in which mode (EncodeOptions::choose_tile_modes).
  std::vector<int> repeats(num_tiles, 0);
  if (choose) {
    for (uint64_t t = 0; t < num_tiles; ++t) repeats[t] = RepeatPerMille(image, grid.Tile(t));
  }
  auto try_model = [&](uint64_t t) { return !choose || repeats[t] <= kSkipModelPerMille; };
  auto try_synthetic = [&](uint64_t t) { return choose && repeats[t] >= kTrySyntheticPerMille; };

  std::vector<std::vector<uint8_t>> payloads(static_cast<size_t>(num_tiles));
  std::vector<uint8_t> modes(static_cast<size_t>(num_tiles), kTileModel);
  // Every tile with the model, as first coded: kept in case the tile-modes
  // field costs more than the tiles that left save. Only possible while
  // every tile was coded with the model (`all_model`).
  std::vector<std::vector<uint8_t>> model_payloads(static_cast<size_t>(num_tiles));
  std::atomic<bool> all_model{true};
  std::atomic<int64_t> map_gain{0};
  // One batch: the synthetic model on the tiles worth trying, the learned
  // model in lockstep on the rest of the batch's tiles, the smaller payload
  // kept per tile. The decoder runs the learned model on exactly the tiles
  // left in kTileModel, so if a tile leaves, the model codes the others again
  // as that batch (a model's arithmetic may depend on the batch).
  auto run_batch = [&](ProbabilityModel& m, uint64_t b) -> Status {
    const uint64_t first = b * batch;
    const uint64_t count = std::min(batch, num_tiles - first);
    std::vector<uint64_t> model_tiles;
    for (uint64_t t = first; t < first + count; ++t) {
      std::optional<std::vector<uint8_t>> synthetic;
      if (try_synthetic(t)) synthetic = EncodeSyntheticTile(image, grid.Tile(t));
      if (synthetic) {
        payloads[t] = std::move(*synthetic);
        modes[t] = kSyntheticModeWritten;
      }
      if (!synthetic || try_model(t)) {
        model_tiles.push_back(t);
      } else {
        all_model = false;
      }
    }
    for (int pass = 0; pass < 2 && !model_tiles.empty(); ++pass) {
      std::vector<TileRect> rects;
      for (uint64_t t : model_tiles) rects.push_back(grid.Tile(t));
      std::vector<RangeEncoder> encoders(rects.size(), RangeEncoder(options.cdf_precision));
      EncodeCoder coder{&encoders};
      PICNIC_RETURN_IF_ERROR(CodeBatch(m, rects, options.cdf_precision, image, coder, online));
      if (pass == 0) map_gain += coder.map_gain_q16;
      std::vector<uint64_t> stay;
      for (size_t i = 0; i < rects.size(); ++i) {
        const uint64_t t = model_tiles[i];
        encoders[i].Finalize();
        std::vector<uint8_t> bytes = encoders[i].TakeBytes();
        if (pass == 0) model_payloads[t] = bytes;
        if (pass == 0 && modes[t] == kSyntheticModeWritten && payloads[t].size() <= bytes.size()) continue;
        modes[t] = kTileModel;
        payloads[t] = std::move(bytes);
        stay.push_back(t);
      }
      if (stay.size() == model_tiles.size()) break;
      model_tiles = std::move(stay);
    }
    return Status::Ok();
  };
  auto make_model = [&]() -> Result<std::unique_ptr<ProbabilityModel>> {
    PICNIC_ASSIGN_OR_RETURN(std::unique_ptr<ProbabilityModel> m, provider(options.model, header.model_fingerprint));
    PICNIC_RETURN_IF_ERROR(m->Adapt(header.model_params));
    return m;
  };
  auto progress = [&](uint64_t done) {
    if (options.progress) options.progress(study_share + (1 - study_share) * done / num_batches);
  };
  PICNIC_RETURN_IF_ERROR(
      RunBatches(num_batches, threads, std::move(model), make_model, run_batch, progress));
  if (map_gain_q16 != nullptr) *map_gain_q16 = map_gain;
  if (std::any_of(modes.begin(), modes.end(), [](uint8_t m) { return m != kTileModel; })) {
    ContainerHeader with_modes = header;
    with_modes.tile_modes = modes;
    with_modes.flags |= kFlagTileModes;
    bool keep_modes = true;
    if (all_model) {
      // The tiles that left may save less than the field (and the fields of
      // the minor versions before it) costs: compare the real headers.
      PICNIC_ASSIGN_OR_RETURN(const std::vector<uint8_t> a, WriteContainer(with_modes, payloads));
      PICNIC_ASSIGN_OR_RETURN(const std::vector<uint8_t> b, WriteContainer(header, model_payloads));
      keep_modes = a.size() < b.size();
    }
    if (keep_modes) {
      header = std::move(with_modes);
    } else {
      payloads = std::move(model_payloads);
    }
  }
  // Per-image parameters and recalibration serve model tiles only: with
  // none left, the file does not carry them (the decoder does not even load
  // the model).
  if (!header.tile_modes.empty() &&
      std::none_of(header.tile_modes.begin(), header.tile_modes.end(), [](uint8_t m) { return m == kTileModel; })) {
    header.model_params.clear();
    header.flags &= static_cast<uint8_t>(~(kFlagModelParams | kFlagRecalibrated | kFlagsNeedingRecalibration));
  }
  if (!choose) return WriteContainer(header, payloads);
  // The tiled file against the one-tile ones (exactly, in finish).
  best = std::min(best, TotalBytes(payloads) + 4 * num_tiles);
  return finish(&payloads);
}

}  // namespace

Result<std::vector<uint8_t>> Encode(const Image& image, const EncodeOptions& options) {
  // Errors are values at the API: nothing thrown below (allocation, a
  // model's own code) escapes.
  try {
    PICNIC_RETURN_IF_ERROR(CheckImage(image, options));
    // Codes the image turned to `orientation` (format 1.9); an exact
    // enlargement (of the turned image) is coded as the image it enlarges
    // (one of the encoder's choices, with the tile modes).
    // The calibration map learns from the image as it codes it, so on a
    // small image (a CIFAR-10 32x32: +0.18 %) it can cost more than it
    // saves. The encoder knows exactly what it saved (EncodeCoder), and
    // codes the image again without it where it saved nothing: the map
    // never makes a file larger, and costs a second pass only there.
    auto encode_image = [&](const Image& source, const EncodeOptions& o,
                            int orientation) -> Result<std::vector<uint8_t>> {
      const Image turned = orientation == 0 ? Image{} : Orient(source, orientation);
      const Image& oriented = orientation == 0 ? source : turned;
      const Replication rep = o.choose_tile_modes ? FindReplication(oriented) : Replication{};
      const Image reduced = rep.none() ? Image{} : Reduce(oriented, rep);
      const Image& coded = rep.none() ? oriented : reduced;
      int64_t gain = 0;
      PICNIC_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, EncodeImpl(source, coded, orientation, rep, o, &gain));
      if (gain >= 0 || !o.recalibrate || !o.calibration_map) return bytes;
      EncodeOptions without = o;
      without.calibration_map = false;
      without.progress = nullptr;
      PICNIC_ASSIGN_OR_RETURN(std::vector<uint8_t> plain, EncodeImpl(source, coded, orientation, rep, without));
      return plain.size() <= bytes.size() ? std::move(plain) : std::move(bytes);
    };
    auto encode = [&](const EncodeOptions& o, int orientation) { return encode_image(image, o, orientation); };
    // Progress from `from` to `to` of the whole.
    auto part = [&options](double from, double to) -> ProgressFn {
      if (!options.progress) return nullptr;
      return [&options, from, to](double f) { options.progress(from + (to - from) * f); };
    };
    // The highest effort codes the image in each of the eight orientations
    // (as effort 1) and goes on with the smallest: 0.18 % smaller files on
    // photos/valid for about ten times effort 1's encoding time (README,
    // Orientation).
    const bool search = options.orientation == kAutoOrientation && options.effort >= kMaxEffort;
    int orientation = options.orientation == kAutoOrientation ? 0 : options.orientation;
    std::vector<uint8_t> plain_best;  // effort 1 in `orientation`, once searched
    double done = 0.0;
    // Codes `source` in each of the eight orientations as effort 1 (progress
    // over [0, share) of the whole), sets `orientation` to the one whose
    // file is smallest (ties: the first) and returns that file.
    auto search_orientations = [&](const Image& source, double share) -> Result<std::vector<uint8_t>> {
      EncodeOptions plain = options;
      plain.effort = 1;
      std::vector<uint8_t> smallest;
      for (int o = 0; o < kNumOrientations; ++o) {
        plain.progress = part(share * o / kNumOrientations, share * (o + 1) / kNumOrientations);
        PICNIC_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, encode_image(source, plain, o));
        if (o == 0 || bytes.size() < smallest.size()) {
          smallest = std::move(bytes);
          orientation = o;
        }
      }
      done = share;
      return smallest;
    };
    // Effort 2 (the default) chooses the orientation on a sample: the
    // image's centred quarter (half its width and height) coded in each of
    // the eight orientations as effort 1, about 2.6 times effort 1's time
    // in all (README, Orientation). Images smaller than
    // kMinSampledOrientationSide on a side are coded as given.
    if (options.orientation == kAutoOrientation && options.effort == kSampledOrientationEffort &&
        image.width >= kMinSampledOrientationSide && image.height >= kMinSampledOrientationSide) {
      constexpr double kSampleShare = 0.7;
      PICNIC_RETURN_IF_ERROR(search_orientations(CentredQuarter(image), kSampleShare).status());
    }
    if (search) {
      constexpr double kSearchShare = 0.8;
      PICNIC_ASSIGN_OR_RETURN(plain_best, search_orientations(image, kSearchShare));
    }
    // The smaller of a file and the searched one (ties: the searched one,
    // coded without per-image parameters).
    auto smaller = [&plain_best](std::vector<uint8_t> bytes) {
      return !plain_best.empty() && plain_best.size() <= bytes.size() ? std::move(plain_best) : std::move(bytes);
    };
    EncodeOptions rest = options;
    rest.progress = part(done, 1.0);
    bool offsets_may_not_pay = options.effort >= kStudyEffort && options.recalibrate;
    if (offsets_may_not_pay) {
      const ModelProvider provider = options.provider ? options.provider : BuiltinModelProvider();
      PICNIC_ASSIGN_OR_RETURN(std::unique_ptr<ProbabilityModel> probe, provider(options.model, 0));
      offsets_may_not_pay = probe && probe->RecalibratesOnline();
    }
    if (!offsets_may_not_pay) {
      PICNIC_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, encode(rest, orientation));
      return smaller(std::move(bytes));
    }
    // Per-image offsets are chosen on the model as shipped, and online
    // recalibration corrects much of the same error: with both, the offsets
    // can cost more than they save. So a file with offsets is coded again
    // without them (effort 1; already done by the search), and the smaller
    // one kept: a higher effort never gives a larger file.
    EncodeOptions first = rest;
    if (plain_best.empty()) first.progress = part(done, 0.5 * (1 + done));
    PICNIC_ASSIGN_OR_RETURN(std::vector<uint8_t> adapted, encode(first, orientation));
    PICNIC_ASSIGN_OR_RETURN(const FileInfo info, ReadFileInfo(adapted.data(), adapted.size()));
    if (info.model_params_bytes == 0 || !info.recalibrated || !plain_best.empty()) {
      if (options.progress) options.progress(1.0);
      return smaller(std::move(adapted));
    }
    EncodeOptions plain = options;
    plain.effort = 1;
    plain.progress = part(0.5 * (1 + done), 1.0);
    PICNIC_ASSIGN_OR_RETURN(std::vector<uint8_t> unadapted, encode(plain, orientation));
    return unadapted.size() <= adapted.size() ? std::move(unadapted) : std::move(adapted);
  } catch (const std::bad_alloc&) {
    return Status(StatusCode::kLimitExceeded, "out of memory while encoding");
  } catch (const std::exception& e) {
    return Status(StatusCode::kInternal, std::string("unexpected exception: ") + e.what());
  }
}

}  // namespace picnic
