// picnic::Encode: tiles -> batches -> model -> CDF -> one range coder per tile.
#include <algorithm>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "container.h"
#include "picnic/picnic.h"
#include "range_coder.h"
#include "batch_runner.h"
#include "tile_coder.h"
#include "picnic/tiling.h"

namespace picnic {
namespace {

struct EncodeCoder {
  std::vector<RangeEncoder>* encoders;
  Status Code(int tile, const QuantizedCdf& cdf, int precision, uint8_t value) {
    const uint32_t lower = cdf(value), upper = cdf(value + 1);
    // Never write a symbol the decoder could not read back.
    if (lower >= upper) {
      return Status(StatusCode::kInternal, "empty CDF interval for value " + std::to_string(value));
    }
    (*encoders)[tile].Encode(lower, upper, precision);
    return Status::Ok();
  }
};

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
  return Status::Ok();
}

Result<std::vector<uint8_t>> EncodeImpl(const Image& image, const EncodeOptions& options) {
  PICNIC_RETURN_IF_ERROR(CheckImage(image, options));
  const ModelProvider provider = options.provider ? options.provider : BuiltinModelProvider();
  PICNIC_ASSIGN_OR_RETURN(std::unique_ptr<ProbabilityModel> model, provider(options.model, 0));
  if (!model) {
    return Status(StatusCode::kInternal, "model provider returned no model for " + options.model);
  }

  ContainerHeader header;
  header.width = static_cast<uint32_t>(image.width);
  header.height = static_cast<uint32_t>(image.height);
  header.layout = image.layout;
  header.cdf_precision = static_cast<uint8_t>(options.cdf_precision);
  header.tile_size = static_cast<uint32_t>(options.tile_size);
  header.model_name = model->name();
  header.model_fingerprint = model->fingerprint();
  header.pixels_crc32 = PixelsCrc32(image.pixels);
  header.metadata = image.metadata;
  // Checked before the (long) coding: WriteContainer would refuse it after.
  PICNIC_RETURN_IF_ERROR(CheckMetadata(image.metadata));
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
          : std::min<uint64_t>(kDefaultTilesPerBatch, (num_tiles + threads - 1) / threads);
  header.tiles_per_batch = static_cast<uint32_t>(batch);
  const uint64_t num_batches = (num_tiles + batch - 1) / batch;

  // Per-image adaptation: a first pass over every batch gathers the model's
  // statistics, the model chooses its parameters from their sum, and every
  // model instance codes with them (probability_model.h).
  const double study_share = options.effort >= 2 ? 0.5 : 0.0;
  if (options.effort >= 2) {
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
    auto study_progress = [&](uint64_t done) {
      if (options.progress) options.progress(study_share * done / num_batches);
    };
    PICNIC_ASSIGN_OR_RETURN(std::unique_ptr<ProbabilityModel> study_model, make_study_model());
    PICNIC_RETURN_IF_ERROR(
        RunBatches(num_batches, threads, std::move(study_model), make_study_model, study_batch, study_progress));
    if (!stats.empty()) {
      PICNIC_ASSIGN_OR_RETURN(header.model_params, model->ChooseAdaptation(stats, options.effort));
      if (header.model_params.size() > kMaxModelParamsBytes)
        return Status(StatusCode::kModelError, "model chose over " + std::to_string(kMaxModelParamsBytes) +
                                                   " bytes of per-image parameters");
      if (!header.model_params.empty()) header.flags |= kFlagModelParams;
    }
  }
  PICNIC_RETURN_IF_ERROR(model->Adapt(header.model_params));

  std::vector<std::vector<uint8_t>> payloads(static_cast<size_t>(num_tiles));
  auto run_batch = [&](ProbabilityModel& m, uint64_t b) -> Status {
    const uint64_t first = b * batch;
    const uint64_t count = std::min(batch, num_tiles - first);
    const std::vector<TileRect> rects = BatchRects(grid, first, count);
    std::vector<RangeEncoder> encoders(rects.size());
    EncodeCoder coder{&encoders};
    PICNIC_RETURN_IF_ERROR(CodeBatch(m, rects, options.cdf_precision, image, coder));
    for (size_t i = 0; i < rects.size(); ++i) {
      encoders[i].Finalize();
      payloads[first + i] = encoders[i].TakeBytes();
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
  return WriteContainer(header, payloads);
}

}  // namespace

Result<std::vector<uint8_t>> Encode(const Image& image, const EncodeOptions& options) {
  // Errors are values at the API: nothing thrown below (allocation, a
  // model's own code) escapes.
  try {
    return EncodeImpl(image, options);
  } catch (const std::bad_alloc&) {
    return Status(StatusCode::kLimitExceeded, "out of memory while encoding");
  } catch (const std::exception& e) {
    return Status(StatusCode::kInternal, std::string("unexpected exception: ") + e.what());
  }
}

}  // namespace picnic
