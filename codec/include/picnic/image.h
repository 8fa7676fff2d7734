// An 8-bit image in memory: interleaved channels, row-major, no padding.
#ifndef PICNIC_IMAGE_H_
#define PICNIC_IMAGE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "picnic/status.h"
#include "picnic/visibility.h"

namespace picnic {

// Channel layouts picnic stores. Values are part of the file format.
enum class ChannelLayout : uint8_t {
  kGray = 1,       // Y
  kGrayAlpha = 2,  // Y, A
  kRgb = 3,        // R, G, B
  kRgba = 4,       // R, G, B, A
};

PICNIC_EXPORT int NumChannels(ChannelLayout layout);      // 1..4
PICNIC_EXPORT int NumColorChannels(ChannelLayout layout); // 1 or 3 (alpha excluded)
PICNIC_EXPORT bool HasAlpha(ChannelLayout layout);
PICNIC_EXPORT const char* ChannelLayoutName(ChannelLayout layout);  // "gray", "rgba", ...

// An ancillary PNG chunk kept verbatim: colour profile (iCCP), gamma, text,
// EXIF and the like. picnic stores them in the .pnc header and writes them
// back to PNG; the pixels never depend on them.
struct MetadataChunk {
  std::string type;           // the PNG chunk type: 4 ASCII letters, first lowercase
  std::vector<uint8_t> data;  // the chunk's data, without length, type or CRC
};

// Whether `type` names an ancillary PNG chunk (4 ASCII letters, the first
// lower case): the only kind picnic stores as metadata.
PICNIC_EXPORT bool IsAncillaryChunkType(const std::string& type);

struct Image {
  int width = 0;
  int height = 0;
  ChannelLayout layout = ChannelLayout::kRgb;
  std::vector<uint8_t> pixels;  // [height][width][NumChannels(layout)]
  // Read from PNG (image_io.h says which chunks), stored by Encode, returned
  // by Decode, written by EncodePng. Not part of the pixel checksum.
  std::vector<MetadataChunk> metadata;

  int channels() const { return NumChannels(layout); }
  size_t num_subpixels() const {
    return static_cast<size_t>(width) * height * channels();
  }
  uint8_t at(int y, int x, int c) const {
    return pixels[(static_cast<size_t>(y) * width + x) * channels() + c];
  }
  uint8_t& at(int y, int x, int c) {
    return pixels[(static_cast<size_t>(y) * width + x) * channels() + c];
  }
};

// Allocates a zero-filled image. REQUIRES: width, height >= 1.
PICNIC_EXPORT Image MakeImage(int width, int height, ChannelLayout layout);

}  // namespace picnic

#endif  // PICNIC_IMAGE_H_
