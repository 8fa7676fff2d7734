// Reading and writing images: PNG through libpng, binary PPM/PGM.
#ifndef PICNIC_IMAGE_IO_H_
#define PICNIC_IMAGE_IO_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "picnic/image.h"
#include "picnic/status.h"
#include "picnic/visibility.h"

namespace picnic {

// Decodes PNG (8-bit gray, gray+alpha, RGB, RGBA; palette expanded to RGB or
// RGBA; 16-bit refused with kUnsupported) or binary PPM (P6) / PGM (P5),
// recognized by content, not by file name. max_pixels bounds width*height
// before anything large is allocated (0 = no limit).
// PNG metadata goes to Image::metadata, raw and in file order, from before
// and after the image data: colour (iCCP, sRGB, gAMA, cHRM, cICP, mDCv,
// cLLi, sBIT), text (tEXt, zTXt, iTXt), eXIf, tIME, pHYs, sPLT, oFFs, pCAL,
// sCAL, bKGD and any unknown safe-to-copy chunk. Left out, because they
// describe the stored form rather than the image: tRNS (it becomes alpha),
// hIST, bKGD of palette or sub-8-bit files, unknown unsafe-to-copy chunks.
// Trailing chunks that cannot be read (a file cut after its image data) are
// lost; the pixels are not.
PICNIC_EXPORT Result<Image> DecodeImage(const uint8_t* data, size_t size, uint64_t max_pixels = 0);
PICNIC_EXPORT Result<Image> ReadImageFile(const std::string& path, uint64_t max_pixels = 0);

// Encodes as PNG (zlib level 6) with the image's own channel layout and its
// metadata chunks, verbatim, before the image data (kInvalidArgument for a
// chunk type that is not ancillary).
PICNIC_EXPORT Result<std::vector<uint8_t>> EncodePng(const Image& image);
// Encodes RGB as binary PPM (P6) and gray as PGM (P5), maxval 255. Images
// with alpha are refused (kUnsupported): PPM and PGM have no alpha. Metadata
// is not written: PPM and PGM have no place for it.
PICNIC_EXPORT Result<std::vector<uint8_t>> EncodePnm(const Image& image);

// Whole-file helpers. ReadFileBytes reads `path` ("-": standard input) to its
// end, asking `limit` (when given) after every read how far it may go: the
// bytes it may hold in all, and whether the input must end exactly there (a
// byte more is kCorrupt) or its content ends there (`stop`: nothing after it
// is read, and bytes already read past it are dropped). A limit always allows
// more than it has been shown until it is final or stops. ReadImageFile reads
// with ImageReadLimit.
struct ReadLimit {
  uint64_t bytes = 0;
  bool final = false;
  bool stop = false;
};
using ReadLimitFn = std::function<Result<ReadLimit>(const uint8_t* data, size_t size)>;
PICNIC_EXPORT Result<std::vector<uint8_t>> ReadFileBytes(const std::string& path,
                                                         const ReadLimitFn& limit = nullptr);
// Refuses input that does not start like a PNG, PPM or PGM after its first
// 8 bytes (so that /dev/zero is not read to the end). A PNG is read up to
// its IEND chunk; without one, no further than twice the raw size its IHDR
// gives plus 64 MiB (kLimitExceeded past that). A PPM or PGM is read up to
// the end of the raster its header gives. Trailing bytes are not read. An
// image over max_pixels (0: no limit) is refused (kLimitExceeded) as soon as
// its header is in. The function remembers how far it has walked a PNG's
// chunks: use a fresh one for every input.
PICNIC_EXPORT ReadLimitFn ImageReadLimit(uint64_t max_pixels = 0);

// WriteFileAtomic writes to a temporary file in the same
// folder, then renames it over `path`; on failure nothing is left behind.
// With overwrite == false an existing `path` is an error; with true only a
// regular file (or a symlink, which is replaced, not followed) is replaced,
// never a folder, device, FIFO or socket.
PICNIC_EXPORT Status WriteFileAtomic(const std::string& path, const std::vector<uint8_t>& bytes,
                                     bool overwrite);

}  // namespace picnic

#endif  // PICNIC_IMAGE_IO_H_
