// picnic::Decode: the mirror of enc_picnic.cpp, on untrusted bytes.
#include <algorithm>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "container.h"
#include "deflate_tile.h"
#include "histogram_model.h"
#include "picnic/picnic.h"
#include "range_coder.h"
#include "orientation.h"
#include "replication.h"
#include "batch_runner.h"
#include "synthetic_coder.h"
#include "tile_coder.h"
#include "picnic/tiling.h"

namespace picnic {
namespace {

struct DecodeCoder {
  std::vector<RangeDecoder>* decoders;
  Status Code(int tile, const QuantizedCdf& cdf, int precision, uint8_t& value, CodedInterval* coded) {
    RangeDecoder& d = (*decoders)[tile];
    value = static_cast<uint8_t>(
        d.DecodeWith(cdf, precision, kNumSymbols, [&cdf](uint64_t target) { return cdf.Guess(target); }));
    coded->lower = d.last_lower();
    coded->upper = d.last_upper();
    return Status::Ok();
  }
};

struct SyntheticDecodeIo {
  RangeDecoder* decoder;
  int Decode(const uint32_t* cdf, int num_symbols, int precision) {
    return decoder->Decode(cdf, precision, num_symbols);
  }
};

// An encoder's stream is consumed to its last byte (trailing zeros are
// implicit); unread bytes or an impossible code value mean damage.
Status CheckConsumed(const RangeDecoder& d, uint64_t tile) {
  if (d.corrupt() || d.position() < d.size()) {
    return Status(StatusCode::kCorrupt,
                  "payload of tile " + std::to_string(tile) + " is damaged (range decoder desynchronized)");
  }
  return Status::Ok();
}

Result<Image> DecodeImpl(const uint8_t* data, size_t size, const DecodeOptions& options) {
  PICNIC_ASSIGN_OR_RETURN(ParsedContainer parsed, ParseContainer(data, size, options.max_pixels));
  const ContainerHeader& h = parsed.header;

  // Tile modes (format 1.3): the learned model is loaded only if a tile needs it.
  auto mode_of = [&h](uint64_t t) -> uint8_t { return h.tile_modes.empty() ? uint8_t{kTileModel} : h.tile_modes[t]; };
  const bool needs_model = h.tile_modes.empty() ||
                           std::any_of(h.tile_modes.begin(), h.tile_modes.end(), [](uint8_t m) { return m == kTileModel; });
  const ModelProvider provider = options.provider ? options.provider : BuiltinModelProvider();
  std::unique_ptr<ProbabilityModel> model;
  if (needs_model) {
    PICNIC_ASSIGN_OR_RETURN(model, provider(h.model_name, h.model_fingerprint));
    if (!model) {
      return Status(StatusCode::kInternal, "model provider returned no model for " + h.model_name);
    }
    if (model->fingerprint() != h.model_fingerprint) {
      return Status(StatusCode::kModelNotFound,
                    "file was encoded with model " + h.model_name + " (fingerprint " +
                        FingerprintHex(h.model_fingerprint) + "), but the available " +
                        model->name() + " has fingerprint " + FingerprintHex(model->fingerprint()));
    }
    // The encoder's per-image parameters (format 1.2), on every instance.
    PICNIC_RETURN_IF_ERROR(model->Adapt(h.model_params));
  } else {
    model = std::make_unique<HistogramModel>();  // a stand-in no tile asks for
  }

  // The tiles code the image turned to its orientation (1.9), made smaller
  // where it replicates (1.4).
  Image image = MakeImage(static_cast<int>(CodedWidth(h)), static_cast<int>(CodedHeight(h)), h.layout);
  const TileGrid grid(image.width, image.height, static_cast<int>(h.tile_size));
  const uint64_t num_tiles = grid.num_tiles();
  const uint64_t batch = std::min<uint64_t>(h.tiles_per_batch, num_tiles);
  const uint64_t num_batches = (num_tiles + batch - 1) / batch;
  auto run_batch = [&](ProbabilityModel& m, uint64_t b) -> Status {
    const uint64_t first = b * batch;
    const uint64_t count = std::min(batch, num_tiles - first);
    std::vector<TileRect> rects;
    std::vector<uint64_t> model_tiles;
    for (uint64_t t = first; t < first + count; ++t) {
      const TileRect rect = grid.Tile(t);
      const uint8_t* payload = data + parsed.payload_offsets[t];
      switch (mode_of(t)) {
        case kTileModel:
          rects.push_back(rect);
          model_tiles.push_back(t);
          break;
        case kTileSynthetic:
        case kTileSyntheticV2: {
          RangeDecoder decoder(payload, h.payload_sizes[t]);
          SyntheticDecodeIo io{&decoder};
          PICNIC_RETURN_IF_ERROR(CodeSyntheticTile(rect, image, io, SyntheticVersionOfMode(mode_of(t))));
          PICNIC_RETURN_IF_ERROR(CheckConsumed(decoder, t));
          break;
        }
        case kTileDeflate:
          PICNIC_RETURN_IF_ERROR(DecodeDeflateTile(payload, h.payload_sizes[t], rect, image));
          break;
        default:
          return Status(StatusCode::kInternal, "unknown tile mode got past the parser");
      }
    }
    if (rects.empty()) return Status::Ok();
    std::vector<RangeDecoder> decoders;
    decoders.reserve(rects.size());
    for (uint64_t t : model_tiles) decoders.emplace_back(data + parsed.payload_offsets[t], h.payload_sizes[t], h.cdf_precision);
    DecodeCoder coder{&decoders};
    const OnlineAdaptation online{(h.flags & kFlagRecalibrated) != 0, (h.flags & kFlagCalibrationMap) != 0,
                                  (h.flags & kFlagErrorFeedback) != 0, (h.flags & kFlagAnnealed) != 0};
    PICNIC_RETURN_IF_ERROR(CodeBatch(m, rects, h.cdf_precision, image, coder, online));
    for (size_t i = 0; i < rects.size(); ++i) PICNIC_RETURN_IF_ERROR(CheckConsumed(decoders[i], model_tiles[i]));
    return Status::Ok();
  };
  auto make_model = [&]() -> Result<std::unique_ptr<ProbabilityModel>> {
    if (!needs_model) return std::unique_ptr<ProbabilityModel>(std::make_unique<HistogramModel>());
    PICNIC_ASSIGN_OR_RETURN(std::unique_ptr<ProbabilityModel> m, provider(h.model_name, h.model_fingerprint));
    PICNIC_RETURN_IF_ERROR(m->Adapt(h.model_params));
    return m;
  };
  auto progress = [&](uint64_t done) {
    if (options.progress) options.progress(static_cast<double>(done) / num_batches);
  };
  PICNIC_RETURN_IF_ERROR(RunBatches(num_batches, ResolveThreads(options.threads), std::move(model),
                                    make_model, run_batch, progress));
  if (h.flags & kFlagReplicated) {
    image = Enlarge(image, Replication{h.replicate_x, h.replicate_y}, static_cast<int>(OrientedWidth(h)),
                    static_cast<int>(OrientedHeight(h)));
  }
  // Coded in another orientation (1.9): turned back.
  if (h.orientation != 0) image = Unorient(image, h.orientation);
  image.metadata = h.metadata;
  const uint32_t crc = PixelsCrc32(image.pixels);
  if (crc != h.pixels_crc32) {
    return Status(StatusCode::kChecksumMismatch,
                  "decoded pixels do not match the stored checksum (file damaged, or model " +
                      h.model_name + " computed differently here than where it was encoded)");
  }
  return image;
}

}  // namespace

Result<Image> Decode(const uint8_t* data, size_t size, const DecodeOptions& options) {
  try {
    return DecodeImpl(data, size, options);
  } catch (const std::bad_alloc&) {
    return Status(StatusCode::kLimitExceeded, "out of memory while decoding");
  } catch (const std::exception& e) {
    return Status(StatusCode::kInternal, std::string("unexpected exception: ") + e.what());
  }
}

}  // namespace picnic
