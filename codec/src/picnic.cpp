// The rest of the public API: file info, the built-in model provider, version.
#include "picnic/picnic.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "container.h"
#include "picnic/image_io.h"
#include "histogram_model.h"
#include "orientation.h"

namespace picnic {

std::string FingerprintHex(uint64_t fingerprint) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(fingerprint));
  return buf;
}

ModelProvider BuiltinModelProvider() {
  return [](const std::string& name,
            uint64_t fingerprint) -> Result<std::unique_ptr<ProbabilityModel>> {
    if (name == kHistogramModelName) {
      if (fingerprint == 0 || fingerprint == kHistogramFingerprint) {
        return std::unique_ptr<ProbabilityModel>(new HistogramModel());
      }
      return Status(StatusCode::kModelNotFound,
                    "file was encoded with model histogram (fingerprint " +
                        FingerprintHex(fingerprint) + "), but this picnic's histogram model is " +
                        FingerprintHex(kHistogramFingerprint));
    }
    std::string message = "model " + name;
    if (fingerprint != 0) message += " (fingerprint " + FingerprintHex(fingerprint) + ")";
    message += " is not available; built-in models: histogram";
    return Status(StatusCode::kModelNotFound, message);
  };
}

Result<FileInfo> ReadFileInfo(const uint8_t* data, size_t size) {
  PICNIC_ASSIGN_OR_RETURN(ParsedContainer parsed, ParseContainer(data, size, 0));
  const ContainerHeader& h = parsed.header;
  FileInfo info;
  info.format_major = h.format_major;
  info.format_minor = h.format_minor;
  info.width = static_cast<int>(h.width);
  info.height = static_cast<int>(h.height);
  info.layout = h.layout;
  info.bit_depth = h.bit_depth;
  info.tile_size = static_cast<int>(h.tile_size);
  info.cdf_precision = h.cdf_precision;
  info.model_name = h.model_name;
  info.model_fingerprint = h.model_fingerprint;
  info.pixels_crc32 = h.pixels_crc32;
  info.file_bytes = size;
  const double subpixels =
      static_cast<double>(h.width) * h.height * NumChannels(h.layout);
  info.bits_per_subpixel = size * 8.0 / subpixels;
  // The batch the decoder uses: a header may say more than there are tiles
  // (up to 2^32-1, which would not fit an int).
  info.tiles_per_batch =
      static_cast<int>(std::min<uint64_t>(h.tiles_per_batch, h.payload_sizes.size()));
  info.num_tiles = h.payload_sizes.size();
  info.metadata = h.metadata;
  info.model_params_bytes = h.model_params.size();
  info.model_params = h.model_params;
  info.model_tiles = info.num_tiles;
  for (uint8_t m : h.tile_modes) {
    info.model_tiles -= m != kTileModel;
    info.synthetic_tiles += IsSyntheticMode(m);
    info.deflate_tiles += m == kTileDeflate;
  }
  info.replication_x = h.replicate_x;
  info.replication_y = h.replicate_y;
  info.recalibrated = (h.flags & kFlagRecalibrated) != 0;
  info.calibration_map = (h.flags & kFlagCalibrationMap) != 0;
  info.error_feedback = (h.flags & kFlagErrorFeedback) != 0;
  info.annealed = (h.flags & kFlagAnnealed) != 0;
  info.orientation = h.orientation;
  return info;
}

ReadLimitFn PncReadLimit(uint64_t max_pixels) {
  return [max_pixels](const uint8_t* data, size_t size) -> Result<ReadLimit> {
    PICNIC_ASSIGN_OR_RETURN(const ContainerExtent extent,
                            MeasureContainer(data, size, max_pixels));
    return ReadLimit{extent.bytes, extent.complete};
  };
}

Result<std::vector<uint8_t>> ReadPncFile(const std::string& path, uint64_t max_pixels) {
  return ReadFileBytes(path, PncReadLimit(max_pixels));
}

Image OrientedImage(const Image& image, int orientation) { return Orient(image, orientation); }

// Library version, kept in step with project(VERSION) in CMakeLists.txt.
const char* VersionString() { return PICNIC_VERSION; }

}  // namespace picnic
