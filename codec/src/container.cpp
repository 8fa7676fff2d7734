#include "container.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "picnic/limits.h"
#include "picnic/tiling.h"
#include "orientation.h"
#include "replication.h"

namespace picnic {
namespace {

void PutU8(std::vector<uint8_t>& out, uint8_t v) { out.push_back(v); }
void PutU16(std::vector<uint8_t>& out, uint16_t v) {
  for (int i = 0; i < 2; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void PutU32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void PutU64(std::vector<uint8_t>& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint16_t GetU16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t GetU32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
uint64_t GetU64(const uint8_t* p) {
  return static_cast<uint64_t>(GetU32(p)) | (static_cast<uint64_t>(GetU32(p + 4)) << 32);
}

uint32_t Crc32(const uint8_t* data, size_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths; feed large buffers in pieces.
  while (size > 0) {
    const uInt chunk = size > (1u << 30) ? (1u << 30) : static_cast<uInt>(size);
    crc = crc32(crc, data, chunk);
    data += chunk;
    size -= chunk;
  }
  return static_cast<uint32_t>(crc);
}

Status Corrupt(const std::string& what) { return Status(StatusCode::kCorrupt, what); }

// Offsets of the fixed fields (FORMAT.md).
constexpr size_t kOffMajor = 4;
constexpr size_t kOffMinor = 6;
constexpr size_t kOffHeaderBytes = 8;
constexpr size_t kOffWidth = 12;
constexpr size_t kOffHeight = 16;
constexpr size_t kOffLayout = 20;
constexpr size_t kOffBitDepth = 21;
constexpr size_t kOffPrecision = 22;
constexpr size_t kOffFlags = 23;
constexpr size_t kOffTileSize = 24;
constexpr size_t kOffTilesPerBatch = 28;
constexpr size_t kOffFingerprint = 32;
constexpr size_t kOffPixelsCrc = 40;
constexpr size_t kOffNumTiles = 44;
constexpr size_t kOffNameLength = 48;
static_assert(kOffNameLength + 1 == kFixedHeaderBytes, "layout");
constexpr size_t kHeaderCrcBytes = 4;

}  // namespace

bool IsValidModelName(const std::string& name) {
  if (name.empty() || name.size() > kMaxModelNameBytes) return false;
  for (char ch : name) {
    if (ch < 0x20 || ch > 0x7E) return false;
  }
  return true;
}

uint32_t PixelsCrc32(const std::vector<uint8_t>& pixels) {
  return Crc32(pixels.data(), pixels.size());
}

uint64_t MetadataFieldBytes(const std::vector<MetadataChunk>& metadata) {
  if (metadata.empty()) return 0;
  uint64_t bytes = 4;
  for (const MetadataChunk& m : metadata) bytes += 8 + m.data.size();
  return bytes;
}

Status CheckMetadata(const std::vector<MetadataChunk>& metadata) {
  for (const MetadataChunk& m : metadata) {
    if (!IsAncillaryChunkType(m.type)) {
      return Status(StatusCode::kInvalidArgument,
                    "metadata chunk type \"" + m.type + "\" is not an ancillary PNG chunk");
    }
  }
  const uint64_t bytes = MetadataFieldBytes(metadata);
  if (bytes > kMaxMetadataFieldBytes) {
    return Status(StatusCode::kLimitExceeded,
                  "image metadata takes " + std::to_string(bytes) +
                      " bytes; a .pnc file holds at most " +
                      std::to_string(kMaxMetadataFieldBytes) + " (strip it to compress)");
  }
  return Status::Ok();
}

// Sides are at most kMaxSide (checked before these are called); a factor
// of 0, refused where it is read or written, counts as 1 here.
uint32_t OrientedWidth(const ContainerHeader& header) {
  return Transposes(header.orientation) ? header.height : header.width;
}

uint32_t OrientedHeight(const ContainerHeader& header) {
  return Transposes(header.orientation) ? header.width : header.height;
}

uint32_t CodedWidth(const ContainerHeader& header) {
  return static_cast<uint32_t>(
      ReducedSide(static_cast<int>(OrientedWidth(header)), std::max<int>(header.replicate_x, 1)));
}

uint32_t CodedHeight(const ContainerHeader& header) {
  return static_cast<uint32_t>(
      ReducedSide(static_cast<int>(OrientedHeight(header)), std::max<int>(header.replicate_y, 1)));
}

Result<std::vector<uint8_t>> WriteContainer(const ContainerHeader& header,
                                            const std::vector<std::vector<uint8_t>>& payloads) {
  if (!IsValidModelName(header.model_name)) {
    return Status(StatusCode::kInvalidArgument,
                  "model name \"" + header.model_name +
                      "\" cannot be stored (1-255 printable ASCII characters)");
  }
  const bool replicated = header.replicate_x != 1 || header.replicate_y != 1;
  if (header.width == 0 || header.height == 0 || header.width > kMaxSide ||
      header.height > kMaxSide || header.tiles_per_batch == 0 || header.replicate_x == 0 ||
      header.replicate_y == 0 || header.orientation >= kNumOrientations ||
      payloads.size() != CountTiles(CodedWidth(header), CodedHeight(header), header.tile_size)) {
    return Status(StatusCode::kInvalidArgument, "inconsistent container header");
  }
  PICNIC_RETURN_IF_ERROR(CheckMetadata(header.metadata));
  if (header.model_params.size() > kMaxModelParamsBytes) {
    return Status(StatusCode::kInvalidArgument, "model parameters over " + std::to_string(kMaxModelParamsBytes) + " bytes");
  }
  if ((header.flags & ~kKnownFlags) != 0 ||
      ((header.flags & kFlagModelParams) != 0) != !header.model_params.empty() ||
      ((header.flags & kFlagTileModes) != 0) != !header.tile_modes.empty() ||
      ((header.flags & kFlagReplicated) != 0) != replicated ||
      ((header.flags & kFlagOriented) != 0) != (header.orientation != 0) ||
      ((header.flags & kFlagsNeedingRecalibration) != 0 && (header.flags & kFlagRecalibrated) == 0)) {
    return Status(StatusCode::kInvalidArgument, "container flags do not match the header's fields");
  }
  if (!header.tile_modes.empty()) {
    if (header.tile_modes.size() != payloads.size()) {
      return Status(StatusCode::kInvalidArgument, "tile modes do not match the tiles");
    }
    for (uint8_t m : header.tile_modes) {
      if (m >= kNumTileModes) return Status(StatusCode::kInvalidArgument, "unknown tile mode " + std::to_string(m));
    }
  }
  // The lowest minor version that holds the fields in use.
  const uint16_t minor = header.orientation != 0        ? 9
                         : replicated                   ? 4
                         : !header.tile_modes.empty()   ? 3
                         : !header.model_params.empty() ? 2
                         : !header.metadata.empty()     ? 1
                                                        : 0;
  // From 1.1 on the metadata field is always there (empty: length 0).
  const uint64_t metadata_bytes = minor >= 1 ? std::max<uint64_t>(MetadataFieldBytes(header.metadata), 4) : 0;
  const uint64_t params_bytes = minor >= 2 ? 4 + header.model_params.size() : 0;
  const uint64_t modes_bytes = minor >= 3 ? 4 + header.tile_modes.size() : 0;
  const uint64_t replication_bytes = minor >= 4 ? 2 : 0;
  const uint64_t orientation_bytes = minor >= 9 ? 2 : 0;
  const uint64_t header_bytes64 = kFixedHeaderBytes + header.model_name.size() + 4ull * payloads.size() +
                                  metadata_bytes + params_bytes + modes_bytes + replication_bytes +
                                  orientation_bytes + kHeaderCrcBytes;
  if (header_bytes64 > 0xFFFFFFFFull) {
    return Status(StatusCode::kInvalidArgument, "too many tiles for one file");
  }
  std::vector<uint8_t> out;
  out.insert(out.end(), kPncMagic, kPncMagic + 4);
  PutU16(out, kFormatMajor);  // the writer always writes its own version
  PutU16(out, minor);
  PutU32(out, static_cast<uint32_t>(header_bytes64));
  PutU32(out, header.width);
  PutU32(out, header.height);
  PutU8(out, static_cast<uint8_t>(header.layout));
  PutU8(out, header.bit_depth);
  PutU8(out, header.cdf_precision);
  PutU8(out, header.flags);
  PutU32(out, header.tile_size);
  PutU32(out, header.tiles_per_batch);
  PutU64(out, header.model_fingerprint);
  PutU32(out, header.pixels_crc32);
  PutU32(out, static_cast<uint32_t>(payloads.size()));
  PutU8(out, static_cast<uint8_t>(header.model_name.size()));
  out.insert(out.end(), header.model_name.begin(), header.model_name.end());
  for (const auto& p : payloads) {
    if (p.size() > 0xFFFFFFFFull) {
      return Status(StatusCode::kInvalidArgument, "tile payload over 4 GiB");
    }
    PutU32(out, static_cast<uint32_t>(p.size()));
  }
  if (minor >= 1) {
    PutU32(out, static_cast<uint32_t>(metadata_bytes - 4));
    for (const MetadataChunk& m : header.metadata) {
      out.insert(out.end(), m.type.begin(), m.type.end());
      PutU32(out, static_cast<uint32_t>(m.data.size()));
      out.insert(out.end(), m.data.begin(), m.data.end());
    }
  }
  if (minor >= 2) {
    PutU32(out, static_cast<uint32_t>(header.model_params.size()));
    out.insert(out.end(), header.model_params.begin(), header.model_params.end());
  }
  if (minor >= 3) {
    PutU32(out, static_cast<uint32_t>(header.tile_modes.size()));
    out.insert(out.end(), header.tile_modes.begin(), header.tile_modes.end());
  }
  if (minor >= 4) {
    PutU8(out, header.replicate_x);
    PutU8(out, header.replicate_y);
  }
  if (minor >= 9) {
    PutU8(out, header.orientation);
    PutU8(out, 0);  // flags for later versions: none in 1.9
  }
  PutU32(out, Crc32(out.data(), out.size()));
  for (const auto& p : payloads) out.insert(out.end(), p.begin(), p.end());
  return out;
}

namespace {

// Magic, major version and header length: the first 12 bytes.
Result<uint32_t> CheckLead(const uint8_t* data, size_t size, ContainerHeader* header) {
  // Magic first: a file that is not ours gets told so, whatever its length.
  const size_t magic_len = size < 4 ? size : 4;
  if (std::memcmp(data ? data : kPncMagic, kPncMagic, magic_len) != 0 || size == 0) {
    if (size == 0) return Status(StatusCode::kTruncated, "file is empty");
    return Status(StatusCode::kBadMagic, "not a picnic file (bad magic)");
  }
  if (size < kOffHeaderBytes + 4) {
    return Status(StatusCode::kTruncated,
                  "file ends inside the header (" + std::to_string(size) + " bytes)");
  }
  ContainerHeader& h = *header;
  h.format_major = GetU16(data + kOffMajor);
  h.format_minor = GetU16(data + kOffMinor);
  if (h.format_major != kFormatMajor) {
    return Status(StatusCode::kUnknownVersion,
                  "file uses format version " + std::to_string(h.format_major) + "." +
                      std::to_string(h.format_minor) + "; this picnic reads " +
                      std::to_string(kFormatMajor) + ".x");
  }
  const uint32_t header_bytes = GetU32(data + kOffHeaderBytes);
  if (header_bytes < kFixedHeaderBytes + 1 + kHeaderCrcBytes) {
    return Corrupt("header length " + std::to_string(header_bytes) + " is too small");
  }
  return header_bytes;
}

// The fixed fields (bytes 12..48), against each other and the limits, and
// the header length against what they need.
Status CheckFixedFields(const uint8_t* data, uint32_t header_bytes, uint64_t max_pixels,
                        ContainerHeader* header, uint32_t* num_tiles, size_t* name_length) {
  ContainerHeader& h = *header;
  h.width = GetU32(data + kOffWidth);
  h.height = GetU32(data + kOffHeight);
  const uint8_t layout = data[kOffLayout];
  h.bit_depth = data[kOffBitDepth];
  h.cdf_precision = data[kOffPrecision];
  h.flags = data[kOffFlags];
  h.tile_size = GetU32(data + kOffTileSize);
  h.tiles_per_batch = GetU32(data + kOffTilesPerBatch);
  h.model_fingerprint = GetU64(data + kOffFingerprint);
  h.pixels_crc32 = GetU32(data + kOffPixelsCrc);
  *num_tiles = GetU32(data + kOffNumTiles);
  *name_length = data[kOffNameLength];

  if (layout < 1 || layout > 4) return Corrupt("unknown channel layout " + std::to_string(layout));
  h.layout = static_cast<ChannelLayout>(layout);
  if (h.bit_depth != 8) {
    return Status(StatusCode::kUnsupported,
                  "file stores " + std::to_string(h.bit_depth) +
                      "-bit samples; this picnic supports 8-bit only");
  }
  if ((h.flags & ~kKnownFlags) != 0) {
    return Status(StatusCode::kUnsupported,
                  "file uses feature flags 0x" + FingerprintHex(h.flags).substr(14) +
                      " that this picnic does not know");
  }
  if (!IsValidCdfPrecision(h.cdf_precision)) return Corrupt(CdfPrecisionError(h.cdf_precision));
  if (h.width == 0 || h.height == 0) {
    return Corrupt("image is " + std::to_string(h.width) + "x" + std::to_string(h.height));
  }
  const uint64_t pixels = static_cast<uint64_t>(h.width) * h.height;
  if (h.width > kMaxSide || h.height > kMaxSide || (max_pixels != 0 && pixels > max_pixels)) {
    return Status(StatusCode::kLimitExceeded,
                  "image is " + std::to_string(h.width) + "x" + std::to_string(h.height) + " = " +
                      std::to_string(pixels) + " pixels, over the limit of " +
                      std::to_string(max_pixels ? max_pixels : uint64_t{kMaxSide}) + " pixels");
  }
  if (h.tile_size > kMaxSide) return Corrupt("tile size " + std::to_string(h.tile_size) + " is absurd");
  if (h.tiles_per_batch == 0) return Corrupt("tiles per batch is 0");
  // With replication (1.4) the tiles cover a smaller image: checked exactly
  // once the field is read (ParseHeader), here only that there are no more.
  const uint64_t expected_tiles = CountTiles(h.width, h.height, h.tile_size);
  if ((h.flags & kFlagReplicated) != 0 ? *num_tiles > expected_tiles : *num_tiles != expected_tiles) {
    return Corrupt("header lists " + std::to_string(*num_tiles) + " tiles, but a " +
                   std::to_string(h.width) + "x" + std::to_string(h.height) +
                   " image in tiles of " + std::to_string(h.tile_size) + " has " +
                   std::to_string(expected_tiles));
  }
  // Decoding memory grows with the batch (model state per tile), not with
  // the image: bound it. The batch is effectively min(B, N).
  if (std::min<uint64_t>(h.tiles_per_batch, expected_tiles) > kMaxTilesPerBatch) {
    return Status(StatusCode::kLimitExceeded,
                  "file codes " + std::to_string(h.tiles_per_batch) +
                      " tiles per batch; picnic decodes at most " +
                      std::to_string(kMaxTilesPerBatch) + " at once");
  }
  // The tile table must fit inside the header: bounds the allocation below
  // by the file size.
  const uint64_t table_end = kFixedHeaderBytes + *name_length + 4ull * *num_tiles;
  const size_t crc_at = header_bytes - kHeaderCrcBytes;
  if (table_end > crc_at) {
    return Corrupt("header length " + std::to_string(header_bytes) + " is too small for " +
                   std::to_string(*num_tiles) + " tiles");
  }
  // Bytes between table_end and crc_at are fields of a newer minor version;
  // bounded so that a stream reader knows how much header to expect.
  if (crc_at - table_end > kMaxHeaderExtensionBytes) {
    return Corrupt("header length " + std::to_string(header_bytes) + " leaves " +
                   std::to_string(crc_at - table_end) + " bytes of extension fields, over " +
                   std::to_string(kMaxHeaderExtensionBytes));
  }
  return Status::Ok();
}

// The 1.1 metadata field at the start of the extension area: a length, then
// that many bytes of (type, length, data) records. Bytes after it belong to
// later minor versions. Sets *used to the field's size.
Status ParseMetadata(const uint8_t* p, size_t size, std::vector<MetadataChunk>* metadata, size_t* used) {
  if (size < 4) return Corrupt("format 1.1 header has no metadata field");
  const uint32_t field = GetU32(p);
  if (field > size - 4) {
    return Corrupt("metadata field of " + std::to_string(field) + " bytes overruns the header");
  }
  p += 4;
  size_t pos = 0;
  while (pos < field) {
    if (field - pos < 8) return Corrupt("metadata field ends inside a chunk");
    MetadataChunk m;
    m.type.assign(reinterpret_cast<const char*>(p + pos), 4);
    const uint32_t length = GetU32(p + pos + 4);
    pos += 8;
    if (!IsAncillaryChunkType(m.type)) return Corrupt("metadata holds a chunk that is not ancillary");
    if (length > field - pos) return Corrupt("metadata chunk " + m.type + " overruns its field");
    m.data.assign(p + pos, p + pos + length);
    pos += length;
    metadata->push_back(std::move(m));
  }
  *used = 4 + static_cast<size_t>(field);
  return Status::Ok();
}

// The 1.2 model-parameters field after the metadata field: a length, then
// that many bytes for the model. Bytes after it belong to later minor versions.
Status ParseModelParams(const uint8_t* p, size_t size, std::vector<uint8_t>* params, size_t* used) {
  if (size < 4) return Corrupt("format 1.2 header has no model-parameters field");
  const uint32_t field = GetU32(p);
  if (field > size - 4) return Corrupt("model-parameters field overruns the header");
  if (field > kMaxModelParamsBytes) return Corrupt("model-parameters field over " + std::to_string(kMaxModelParamsBytes) + " bytes");
  params->assign(p + 4, p + 4 + field);
  *used = 4 + static_cast<size_t>(field);
  return Status::Ok();
}

// The 1.3 tile-modes field after the model-parameters field: a length (0 or
// the number of tiles), then one mode per tile.
Status ParseTileModes(const uint8_t* p, size_t size, size_t num_tiles, std::vector<uint8_t>* modes,
                      size_t* used) {
  if (size < 4) return Corrupt("format 1.3 header has no tile-modes field");
  const uint32_t field = GetU32(p);
  if (field > size - 4) return Corrupt("tile-modes field overruns the header");
  if (field != 0 && field != num_tiles) {
    return Corrupt("tile-modes field has " + std::to_string(field) + " modes for " + std::to_string(num_tiles) +
                   " tiles");
  }
  modes->assign(p + 4, p + 4 + field);
  *used = 4 + static_cast<size_t>(field);
  for (size_t t = 0; t < modes->size(); ++t) {
    if ((*modes)[t] >= kNumTileModes) {
      return Status(StatusCode::kUnsupported, "tile " + std::to_string(t) + " is coded in mode " +
                                                  std::to_string((*modes)[t]) +
                                                  ", which this picnic does not know (a newer picnic wrote it)");
    }
  }
  return Status::Ok();
}

// The 1.4 replication field after the tile-modes field: two factors, each
// >= 1.
Status ParseReplication(const uint8_t* p, size_t size, ContainerHeader* h) {
  if (size < 2) return Corrupt("format 1.4 header has no replication field");
  if (p[0] == 0 || p[1] == 0) return Corrupt("replication factor 0");
  h->replicate_x = p[0];
  h->replicate_y = p[1];
  return Status::Ok();
}

// The 1.9 orientation field after the replication field: the orientation
// (0..7), then a byte of flags for later versions, none defined in 1.9.
Status ParseOrientation(const uint8_t* p, size_t size, ContainerHeader* h) {
  if (size < 2) return Corrupt("format 1.9 header has no orientation field");
  if (p[0] >= kNumOrientations) return Corrupt("orientation " + std::to_string(p[0]) + " is not one of 0-7");
  if (p[1] != 0) {
    return Status(StatusCode::kUnsupported, "file uses orientation-field flags 0x" + FingerprintHex(p[1]).substr(14) +
                                                " that this picnic does not know");
  }
  h->orientation = p[0];
  return Status::Ok();
}

// Everything but the payloads: needs the whole header, not the file.
Result<ParsedContainer> ParseHeader(const uint8_t* data, size_t size, uint64_t max_pixels) {
  if (data == nullptr) size = 0;
  ParsedContainer parsed;
  ContainerHeader& h = parsed.header;
  PICNIC_ASSIGN_OR_RETURN(const uint32_t header_bytes, CheckLead(data, size, &h));
  if (header_bytes > size) {
    return Status(StatusCode::kTruncated, "file ends inside the header (" +
                                              std::to_string(size) + " of " +
                                              std::to_string(header_bytes) + " bytes)");
  }
  const size_t crc_at = header_bytes - kHeaderCrcBytes;
  if (Crc32(data, crc_at) != GetU32(data + crc_at)) {
    return Corrupt("header is damaged (header checksum mismatch)");
  }
  parsed.header_bytes = header_bytes;
  uint32_t num_tiles = 0;
  size_t name_length = 0;
  PICNIC_RETURN_IF_ERROR(
      CheckFixedFields(data, header_bytes, max_pixels, &h, &num_tiles, &name_length));
  h.model_name.assign(reinterpret_cast<const char*>(data + kFixedHeaderBytes), name_length);
  if (!IsValidModelName(h.model_name)) return Corrupt("model name is not printable text");

  h.payload_sizes.resize(num_tiles);
  const uint8_t* table = data + kFixedHeaderBytes + name_length;
  for (uint32_t t = 0; t < num_tiles; ++t) h.payload_sizes[t] = GetU32(table + 4ull * t);
  if (h.format_minor >= 1) {
    const size_t table_end = kFixedHeaderBytes + name_length + 4ull * num_tiles;
    size_t used = 0;
    PICNIC_RETURN_IF_ERROR(ParseMetadata(data + table_end, crc_at - table_end, &h.metadata, &used));
    if (h.format_minor >= 2) {
      size_t params_used = 0;
      const size_t at = table_end + used;
      PICNIC_RETURN_IF_ERROR(ParseModelParams(data + at, crc_at - at, &h.model_params, &params_used));
      if (h.format_minor >= 3) {
        const size_t modes_at = at + params_used;
        size_t modes_used = 0;
        PICNIC_RETURN_IF_ERROR(
            ParseTileModes(data + modes_at, crc_at - modes_at, num_tiles, &h.tile_modes, &modes_used));
        if (h.format_minor >= 4) {
          const size_t replication_at = modes_at + modes_used;
          PICNIC_RETURN_IF_ERROR(ParseReplication(data + replication_at, crc_at - replication_at, &h));
          if (h.format_minor >= 9) {
            const size_t orientation_at = replication_at + 2;
            PICNIC_RETURN_IF_ERROR(ParseOrientation(data + orientation_at, crc_at - orientation_at, &h));
          }
        }
      }
    }
  }
  if (((h.flags & kFlagModelParams) != 0) != !h.model_params.empty()) {
    return Corrupt("the model-parameters flag and field disagree");
  }
  if (((h.flags & kFlagTileModes) != 0) != !h.tile_modes.empty()) {
    return Corrupt("the tile-modes flag and field disagree");
  }
  if (((h.flags & kFlagReplicated) != 0) != (h.replicate_x != 1 || h.replicate_y != 1)) {
    return Corrupt("the replication flag and field disagree");
  }
  if (((h.flags & kFlagOriented) != 0) != (h.orientation != 0)) {
    return Corrupt("the orientation flag and field disagree");
  }
  if ((h.flags & kFlagCalibrationMap) != 0 && (h.flags & kFlagRecalibrated) == 0) {
    return Corrupt("the calibration-map flag is set without the recalibration flag");
  }
  if ((h.flags & kFlagErrorFeedback) != 0 && (h.flags & kFlagRecalibrated) == 0) {
    return Corrupt("the error-feedback flag is set without the recalibration flag");
  }
  if ((h.flags & kFlagAnnealed) != 0 && (h.flags & kFlagRecalibrated) == 0) {
    return Corrupt("the annealing flag is set without the recalibration flag");
  }
  const uint64_t coded_tiles = CountTiles(CodedWidth(h), CodedHeight(h), h.tile_size);
  if (num_tiles != coded_tiles) {
    return Corrupt("header lists " + std::to_string(num_tiles) + " tiles, but the " + std::to_string(CodedWidth(h)) +
                   "x" + std::to_string(CodedHeight(h)) + " image the replication field leaves has " +
                   std::to_string(coded_tiles));
  }
  return parsed;
}

}  // namespace

Result<ParsedContainer> ParseContainer(const uint8_t* data, size_t size, uint64_t max_pixels) {
  if (data == nullptr) size = 0;
  PICNIC_ASSIGN_OR_RETURN(ParsedContainer parsed, ParseHeader(data, size, max_pixels));
  const ContainerHeader& h = parsed.header;
  const size_t num_tiles = h.payload_sizes.size();
  parsed.payload_offsets.resize(num_tiles);
  uint64_t offset = parsed.header_bytes;
  for (size_t t = 0; t < num_tiles; ++t) {
    const uint32_t length = h.payload_sizes[t];
    parsed.payload_offsets[t] = static_cast<size_t>(offset);
    if (offset + length > size) {
      return Status(StatusCode::kTruncated,
                    "payload of tile " + std::to_string(t) + " ends after " +
                        std::to_string(size > offset ? size - offset : 0) + " of " +
                        std::to_string(length) + " bytes");
    }
    offset += length;
  }
  if (offset != size) {
    return Corrupt(std::to_string(size - offset) + " unexpected bytes after the last tile");
  }
  return parsed;
}

Result<ContainerExtent> MeasureContainer(const uint8_t* data, size_t size, uint64_t max_pixels) {
  if (data == nullptr) size = 0;
  constexpr size_t kLeadBytes = kOffHeaderBytes + 4;
  if (size < kLeadBytes) {
    if (size > 0 && std::memcmp(data, kPncMagic, size < 4 ? size : 4) != 0) {
      return Status(StatusCode::kBadMagic, "not a picnic file (bad magic)");
    }
    return ContainerExtent{kLeadBytes, false};
  }
  ContainerHeader lead;
  PICNIC_ASSIGN_OR_RETURN(const uint32_t header_bytes, CheckLead(data, size, &lead));
  if (size < kFixedHeaderBytes) return ContainerExtent{kFixedHeaderBytes, false};
  if (size < header_bytes) {
    // Not yet checksummed, but the fields bound how long the header may be.
    uint32_t num_tiles = 0;
    size_t name_length = 0;
    PICNIC_RETURN_IF_ERROR(
        CheckFixedFields(data, header_bytes, max_pixels, &lead, &num_tiles, &name_length));
    return ContainerExtent{header_bytes, false};
  }
  PICNIC_ASSIGN_OR_RETURN(ParsedContainer parsed, ParseHeader(data, size, max_pixels));
  uint64_t total = parsed.header_bytes;
  for (uint32_t length : parsed.header.payload_sizes) total += length;
  return ContainerExtent{total, true};
}

}  // namespace picnic
