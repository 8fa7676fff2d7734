// picnic's public API: lossless image coding with a learned probability model.
//
//   picnic::Image img = ...;                       // or ReadImageFile()
//   picnic::EncodeOptions opt;                     // model "histogram" here
//   auto bytes = picnic::Encode(img, opt);         // Result<std::vector<uint8_t>>
//   auto back = picnic::Decode(bytes->data(), bytes->size(), {});
//
// Errors are values (Status / Result), never exceptions.
#ifndef PICNIC_PICNIC_H_
#define PICNIC_PICNIC_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "picnic/image.h"
#include "picnic/image_io.h"
#include "picnic/limits.h"
#include "picnic/probability_model.h"
#include "picnic/status.h"
#include "picnic/threads.h"  // ResolveThreads: what every threads setting means
#include "picnic/visibility.h"

namespace picnic {

// Progress callback: fraction done in [0, 1].
using ProgressFn = std::function<void(double)>;

// The provider that knows only the models built into the codec ("histogram").
PICNIC_EXPORT ModelProvider BuiltinModelProvider();


// EncodeOptions::orientation: let the encoder choose.
constexpr int kAutoOrientation = -1;

struct EncodeOptions {
  std::string model = "histogram";  // name (or path) passed to `provider`
  ModelProvider provider;           // empty: BuiltinModelProvider()
  int tile_size = kDefaultTileSize; // tiles are tile_size x tile_size; 0: one tile
  int cdf_precision = kDefaultCdfPrecision;
  int tiles_per_batch = 0;          // 0: let the codec choose; <= kMaxTilesPerBatch
  int threads = 0;                  // batches coded in parallel; 0: all cores
  // 1: code the image as given; 2 (the default): first choose its
  // orientation (below, when it is kAutoOrientation) from its centred
  // quarter coded in all eight; 3: code the whole image in all eight, then
  // fit the model to the image (ProbabilityModel::Study) at the cost of
  // more passes over it (models that cannot adapt skip that). picnic/limits.h.
  int effort = kDefaultEffort;
  // The orientation the image is coded in (format 1.9): the model predicts
  // each pixel from those above and to its left, so the image transposed or
  // mirrored can code smaller; the decoder turns it back. kAutoOrientation:
  // effort 3 codes all eight and keeps the smallest, effort 2 keeps the one
  // whose centred quarter codes smallest (images at least
  // kMinSampledOrientationSide on each side), effort 1 codes the image as
  // given; 0-7: that one (bit 2 transposes, then bit 0 mirrors left
  // to right and bit 1 top to bottom). A file in an orientation other than 0
  // cannot be read by picnic before 0.7.
  int orientation = kAutoOrientation;
  // Lets the coder correct the model's scales and means online from the
  // subpixels already coded (format 1.5; no stored bytes, a few integer
  // operations per subpixel in encoder and decoder alike), for models that
  // allow it (the exact engine's). false: files that picnic before 0.3
  // can read.
  bool recalibrate = true;
  // With `recalibrate`: also a calibration map learned online, which
  // corrects the shape of the model's distributions where recalibration
  // moves only their scale and mean (format 1.6; no stored bytes). false:
  // files that picnic before 0.4 can read.
  bool calibration_map = true;
  // With `recalibrate`: also moves each mean by a prediction of its error
  // from the errors of the subpixels coded around it, learned online (format
  // 1.7; no stored bytes). false: files that picnic before 0.5 can read.
  bool error_feedback = true;
  // With `recalibrate`: the online stages' steps shrink as their contexts
  // see more subpixels, and the map starts from a firmer prior (format 1.8;
  // no stored bytes). false: files that picnic before 0.6 can read.
  bool annealed = true;
  // Lets the encoder code tiles with the built-in synthetic-content model
  // where it is smaller (screenshots, charts, icons), and store the whole
  // image with deflate when nothing else beats it, so no image costs much
  // more than its PNG; and code an exact nearest-neighbour enlargement as the
  // image it enlarges (FileInfo::replication_x). false: every tile with
  // `model`, the image at its size (format 1.2 and older).
  bool choose_tile_modes = true;
  uint64_t max_pixels = kDefaultMaxPixels;
  ProgressFn progress;              // called from the calling thread
};

struct DecodeOptions {
  ModelProvider provider;  // empty: BuiltinModelProvider()
  int threads = 0;         // batches decoded in parallel; 0: all cores
  uint64_t max_pixels = kDefaultMaxPixels;
  ProgressFn progress;
};

// What a .pnc header says, without decoding the payload.
struct FileInfo {
  int format_major = 0;
  int format_minor = 0;
  int width = 0;
  int height = 0;
  ChannelLayout layout = ChannelLayout::kRgb;
  int bit_depth = 8;
  int tile_size = 0;
  int cdf_precision = 0;
  std::string model_name;
  uint64_t model_fingerprint = 0;
  uint32_t pixels_crc32 = 0;
  uint64_t file_bytes = 0;
  double bits_per_subpixel = 0;  // file_bytes * 8 / subpixels
  int tiles_per_batch = 0;
  uint64_t num_tiles = 0;
  std::vector<MetadataChunk> metadata;  // stored PNG chunks (format 1.1)
  uint64_t model_params_bytes = 0;      // the model's per-image parameters (format 1.2)
  std::vector<uint8_t> model_params;    // those bytes, as the model's Adapt takes them
  // How the tiles are coded (format 1.3): with the model the header names,
  // the built-in synthetic-content model, or deflate. Decoding needs the
  // model only when model_tiles > 0.
  uint64_t model_tiles = 0;
  uint64_t synthetic_tiles = 0;
  uint64_t deflate_tiles = 0;
  // Format 1.4: the file codes an image of ceil(width / replication_x) x
  // ceil(height / replication_y) pixels that this one enlarges exactly, each
  // pixel repeated over a block of replication_x x replication_y. 1 x 1:
  // the image is coded at its size.
  int replication_x = 1;
  int replication_y = 1;
  // Format 1.5: the model tiles were coded with online recalibration.
  bool recalibrated = false;
  // Format 1.6: and with an online calibration map.
  bool calibration_map = false;
  // Format 1.7: and with error feedback of the means.
  bool error_feedback = false;
  // Format 1.8: and with annealed steps.
  bool annealed = false;
  // Format 1.9: the orientation the image was coded in (0: as it is;
  // EncodeOptions::orientation).
  int orientation = 0;
};

// Encode stores image.metadata in the header (format 1.1; kLimitExceeded if
// it needs over 64 KiB) and Decode returns it; clear it to strip metadata.
PICNIC_EXPORT Result<std::vector<uint8_t>> Encode(const Image& image, const EncodeOptions& options);
PICNIC_EXPORT Result<Image> Decode(const uint8_t* data, size_t size, const DecodeOptions& options);
PICNIC_EXPORT Result<FileInfo> ReadFileInfo(const uint8_t* data, size_t size);
// The image as a file in `orientation` (FileInfo::orientation, 0-7) codes
// it: transposed if bit 2 is set, then mirrored left to right (bit 0) and
// top to bottom (bit 1). For measuring a model on what a file coded (the
// NLL next to its size). Metadata is not copied.
PICNIC_EXPORT Image OrientedImage(const Image& image, int orientation);

// Reads a .pnc file from `path` ("-": standard input), never past the end its
// header gives: a device, FIFO or endless pipe cannot make it read without
// bound, and a non-picnic input is refused after its first bytes. Header
// errors as Decode's (max_pixels as DecodeOptions::max_pixels); a file that
// ends early is returned as read, for Decode to report as kTruncated.
PICNIC_EXPORT Result<std::vector<uint8_t>> ReadPncFile(const std::string& path,
                                                       uint64_t max_pixels = kDefaultMaxPixels);
// The limit ReadPncFile reads with, for readers of their own (ReadFileBytes).
PICNIC_EXPORT ReadLimitFn PncReadLimit(uint64_t max_pixels);

// Library version (not the file format version).
PICNIC_EXPORT const char* VersionString();

}  // namespace picnic

#endif  // PICNIC_PICNIC_H_
