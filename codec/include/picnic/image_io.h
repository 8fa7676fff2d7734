// Reading and writing images: PNG through libpng, binary PPM/PGM.
#ifndef PICNIC_IMAGE_IO_H_
#define PICNIC_IMAGE_IO_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "picnic/image.h"
#include "picnic/status.h"

namespace picnic {

// Decodes PNG (8-bit gray, gray+alpha, RGB, RGBA; palette expanded to RGB or
// RGBA; 16-bit refused with kUnsupported) or binary PPM (P6) / PGM (P5),
// recognized by content, not by file name. max_pixels bounds width*height
// before anything large is allocated (0 = no limit).
Result<Image> DecodeImage(const uint8_t* data, size_t size, uint64_t max_pixels = 0);
Result<Image> ReadImageFile(const std::string& path, uint64_t max_pixels = 0);

// Encodes as PNG (zlib level 6) with the image's own channel layout.
Result<std::vector<uint8_t>> EncodePng(const Image& image);

// Whole-file helpers. WriteFileAtomic writes to a temporary file in the same
// folder, then renames it over `path`; on failure nothing is left behind.
// With overwrite == false an existing `path` is an error; with true only a
// regular file (or a symlink, which is replaced, not followed) is replaced,
// never a folder, device, FIFO or socket.
Result<std::vector<uint8_t>> ReadFileBytes(const std::string& path);
Status WriteFileAtomic(const std::string& path, const std::vector<uint8_t>& bytes,
                       bool overwrite);

}  // namespace picnic

#endif  // PICNIC_IMAGE_IO_H_
