// The .pnc container: header writer and reader, in one place. Byte layout in
// codec/FORMAT.md. Little-endian fixed-width fields throughout.
//
// Versioning (as libjxl): the format version is independent of the library
// version. A reader accepts every minor version of its major version: minor
// versions only append header fields before the header CRC, which older
// readers skip using header_bytes. Anything an older reader would decode
// wrongly needs a new major version or a flag bit (unknown flags are refused).
#ifndef PICNIC_CODEC_CONTAINER_H_
#define PICNIC_CODEC_CONTAINER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "picnic/image.h"
#include "picnic/probability_model.h"  // FingerprintHex
#include "picnic/status.h"

namespace picnic {

constexpr uint8_t kPncMagic[4] = {0x89, 'P', 'N', 'C'};
constexpr uint16_t kFormatMajor = 1;
// 1.1 adds the metadata field, 1.2 the model-parameters field, 1.3 the
// tile-modes field, 1.4 the replication field (FORMAT.md), 1.5 the
// recalibration flag, 1.6 the calibration-map flag, 1.7 the error-feedback
// flag, 1.8 the annealing flag (no fields: they do not raise a file's minor
// version), 1.9 the orientation field and its flag.
// A file is written with the lowest minor version its fields need: without
// metadata and model parameters it is a 1.0 file.
constexpr uint16_t kFormatMinor = 9;
// Flag bits. A reader refuses flags it does not know: a file that needs a
// feature an older reader would misdecode sets one.
constexpr uint8_t kFlagModelParams = 0x01;  // the 1.2 model-parameters field is in use
constexpr uint8_t kFlagTileModes = 0x02;    // the 1.3 tile-modes field is in use
constexpr uint8_t kFlagReplicated = 0x04;  // the 1.4 replication field is in use
constexpr uint8_t kFlagRecalibrated = 0x08;  // 1.5: model tiles' integer mixtures recalibrated online (recalibration.h)
constexpr uint8_t kFlagCalibrationMap = 0x10;  // 1.6: and their CDFs mapped online (pit_remap.h); only with 0x08
constexpr uint8_t kFlagErrorFeedback = 0x20;  // 1.7: and their means fed back the neighbours' residuals (error_feedback.h); only with 0x08
constexpr uint8_t kFlagAnnealed = 0x40;  // 1.8: and the online stages' steps annealed (recalibration.h); only with 0x08
constexpr uint8_t kFlagOriented = 0x80;  // 1.9: the image is coded in another orientation (the 1.9 field)
constexpr uint8_t kKnownFlags = kFlagModelParams | kFlagTileModes | kFlagReplicated | kFlagRecalibrated |
                                kFlagCalibrationMap | kFlagErrorFeedback | kFlagAnnealed | kFlagOriented;
// The flags that only make sense with kFlagRecalibrated.
constexpr uint8_t kFlagsNeedingRecalibration = kFlagCalibrationMap | kFlagErrorFeedback | kFlagAnnealed;
// How a tile is coded (the 1.3 tile-modes field; without it every tile is
// kTileModel). A new way of coding, or any change to one, takes a new number.
enum TileMode : uint8_t {
  kTileModel = 0,      // the header's model, through the tile coder (tile_coder.h)
  kTileSynthetic = 1,  // the synthetic-content model, version 1 (synthetic_coder.h)
  kTileDeflate = 2,    // filtered rows and zlib (deflate_tile.h)
  kTileSyntheticV2 = 3,  // the synthetic-content model, version 2: what the encoder writes
};
constexpr int kNumTileModes = 4;
// The synthetic-content model's modes, and which version of it each names.
// The encoder writes kSyntheticModeWritten; the others are only decoded.
constexpr uint8_t kSyntheticModeWritten = kTileSyntheticV2;
constexpr bool IsSyntheticMode(uint8_t mode) { return mode == kTileSynthetic || mode == kTileSyntheticV2; }
constexpr int SyntheticVersionOfMode(uint8_t mode) { return mode == kTileSynthetic ? 1 : 2; }
// The most bytes of model parameters a file may carry.
constexpr size_t kMaxModelParamsBytes = 4096;
// Header bytes before the model name: magic .. model name length.
constexpr size_t kFixedHeaderBytes = 49;
constexpr size_t kMaxModelNameBytes = 255;
// Header bytes a later minor version may append before the header CRC.
constexpr size_t kMaxHeaderExtensionBytes = 65536;
// Sides beyond this cannot be stored in an Image (int) and are refused.
constexpr uint32_t kMaxSide = 0x7FFFFFFF;

struct ContainerHeader {
  uint16_t format_major = kFormatMajor;
  uint16_t format_minor = kFormatMinor;
  uint32_t width = 0;
  uint32_t height = 0;
  ChannelLayout layout = ChannelLayout::kRgb;
  uint8_t bit_depth = 8;
  uint8_t cdf_precision = 0;
  uint8_t flags = 0;             // none defined in 1.0
  uint32_t tile_size = 0;        // 0: the whole image is one tile
  uint32_t tiles_per_batch = 0;  // tiles coded in lockstep; >= 1
  uint64_t model_fingerprint = 0;
  uint32_t pixels_crc32 = 0;     // zlib crc32 of Image::pixels
  std::string model_name;
  std::vector<uint32_t> payload_sizes;  // one per tile, raster order of tiles
  std::vector<MetadataChunk> metadata;  // 1.1: ancillary PNG chunks, verbatim
  // 1.2: the model's per-image parameters (the encoder's adaptation), opaque
  // to the container; non-empty exactly when flags has kFlagModelParams.
  std::vector<uint8_t> model_params;
  // 1.3: one TileMode per tile, raster order; empty: every tile kTileModel.
  // Non-empty exactly when flags has kFlagTileModes.
  std::vector<uint8_t> tile_modes;
  // 1.4: the tiles code an image of ceil(width / replicate_x) x
  // ceil(height / replicate_y) pixels, each repeated over a block of
  // replicate_x x replicate_y (replication.h). Not 1 x 1 exactly when flags
  // has kFlagReplicated.
  uint8_t replicate_x = 1;
  uint8_t replicate_y = 1;
  // 1.9: the orientation the image is coded in (orientation.h; 0..7),
  // before replication. Not 0 exactly when flags has kFlagOriented. The
  // field's second byte, flags for later versions (every bit the flags byte
  // above has is taken), is 0 in 1.9 and refused otherwise.
  uint8_t orientation = 0;
};

// The sides of the image in its coded orientation: width and height, swapped
// if the orientation transposes.
uint32_t OrientedWidth(const ContainerHeader& header);
uint32_t OrientedHeight(const ContainerHeader& header);
// The sides of the image the tiles code: the oriented sides, or less with
// replication.
uint32_t CodedWidth(const ContainerHeader& header);
uint32_t CodedHeight(const ContainerHeader& header);

// Bytes the 1.1 metadata field takes in the header: its length word, then
// per chunk 8 bytes of type and length and the data; 0 without metadata.
uint64_t MetadataFieldBytes(const std::vector<MetadataChunk>& metadata);
// The most one file can hold: the whole header extension area.
constexpr uint64_t kMaxMetadataFieldBytes = kMaxHeaderExtensionBytes;
// kInvalidArgument for a chunk type that is not ancillary, kLimitExceeded
// for metadata over kMaxMetadataFieldBytes: what WriteContainer refuses.
Status CheckMetadata(const std::vector<MetadataChunk>& metadata);

struct ParsedContainer {
  ContainerHeader header;
  size_t header_bytes = 0;
  std::vector<size_t> payload_offsets;  // into the parsed buffer
};

// Serializes header and payloads. Fills in header.payload_sizes from
// `payloads`. Returns kInvalidArgument for a header it could not read back
// and kLimitExceeded for metadata over kMaxMetadataFieldBytes.
Result<std::vector<uint8_t>> WriteContainer(const ContainerHeader& header,
                                            const std::vector<std::vector<uint8_t>>& payloads);

// Validates everything about a file that can be checked without decoding:
// magic, version, header CRC, field ranges, tile count against dimensions,
// payload lengths against the file size (no trailing bytes). max_pixels
// (0 = no limit) is checked before anything proportional to the image size
// is allocated. Each failure has its own StatusCode and a readable message.
Result<ParsedContainer> ParseContainer(const uint8_t* data, size_t size, uint64_t max_pixels);

// For reading a file from a stream without trusting it to end: given its
// first `size` bytes, either the file's total length (complete: the header
// is all there and checked) or how many bytes to have before asking again
// (more than size; the header so far is consistent with that length).
// Errors as ParseContainer's, for what the bytes so far show.
struct ContainerExtent {
  uint64_t bytes = 0;
  bool complete = false;
};
Result<ContainerExtent> MeasureContainer(const uint8_t* data, size_t size, uint64_t max_pixels);

// zlib crc32 of the pixel bytes: the end-to-end check stored in the header.
uint32_t PixelsCrc32(const std::vector<uint8_t>& pixels);

// Whether `name` may be stored as a model name (1..255 printable ASCII).
bool IsValidModelName(const std::string& name);

}  // namespace picnic

#endif  // PICNIC_CODEC_CONTAINER_H_
