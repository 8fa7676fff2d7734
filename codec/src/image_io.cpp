// Image I/O: PNG through libpng, binary PPM/PGM, and whole-file helpers.
//
// libpng reports errors with longjmp. Jumping over a C++ destructor is
// undefined behaviour, so every function that calls setjmp() owns no object
// with a non-trivial destructor after the setjmp point: buffers live in the
// caller and are reached through plain pointers, and the libpng callbacks
// touch only plain-old-data state. Anything that can throw (allocation) runs
// outside the setjmp regions.
#include "picnic/image_io.h"

#include <errno.h>
#include <fcntl.h>
#include <png.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <vector>

namespace picnic {
namespace {

// ---------------------------------------------------------------- PNG state

// Why libpng stopped, copied into a fixed buffer so that the error callback
// allocates nothing before it jumps.
struct PngErrorState {
  char message[256] = {0};
  bool truncated = false;  // the input ran out, as opposed to bad content
};

void PngErrorFn(png_structp png, png_const_charp message) {
  auto* state = static_cast<PngErrorState*>(png_get_error_ptr(png));
  if (state != nullptr && state->message[0] == '\0') {
    std::snprintf(state->message, sizeof(state->message), "%s",
                  message != nullptr ? message : "unknown libpng error");
  }
  png_longjmp(png, 1);
}

// Warnings (bad ancillary chunks, sRGB profile quibbles) do not affect the
// pixels; a library must not print them.
void PngWarningFn(png_structp, png_const_charp) {}

struct PngReader {
  const uint8_t* data = nullptr;
  size_t size = 0;
  size_t pos = 0;
  PngErrorState* errors = nullptr;
};

void PngReadFn(png_structp png, png_bytep out, png_size_t length) {
  auto* reader = static_cast<PngReader*>(png_get_io_ptr(png));
  if (length > reader->size - reader->pos) {
    reader->errors->truncated = true;
    png_error(png, "file ends early");
  }
  std::memcpy(out, reader->data + reader->pos, length);
  reader->pos += length;
}

// What the header says, after the expansions we request.
struct PngHeader {
  png_uint_32 width = 0;
  png_uint_32 height = 0;
  int bit_depth = 0;
  int color_type = 0;
  int channels = 0;  // after transformations
  png_size_t rowbytes = 0;
};

constexpr size_t kPngSignatureSize = 8;

bool IsPng(const uint8_t* data, size_t size) {
  return size >= kPngSignatureSize && png_sig_cmp(data, 0, kPngSignatureSize) == 0;
}

// Owns the libpng read structs; destroyed by the caller, outside setjmp.
struct PngReadHandles {
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~PngReadHandles() {
    if (png != nullptr) png_destroy_read_struct(&png, info != nullptr ? &info : nullptr, nullptr);
  }
};

// Known ancillary chunks read raw, as metadata: 5 bytes each (name, NUL).
constexpr png_byte kRawChunkList[] =
    "cHRM\0gAMA\0iCCP\0sRGB\0sBIT\0pHYs\0tEXt\0zTXt\0iTXt\0tIME\0eXIf\0sPLT\0oFFs\0pCAL\0"
    "sCAL\0bKGD\0hIST\0cICP\0mDCv\0cLLi\0";
constexpr int kNumRawChunks = 20;
static_assert(sizeof(kRawChunkList) == 5 * kNumRawChunks + 1, "chunk list");

bool IsKnownRawChunk(const std::string& type) {
  for (int i = 0; i < kNumRawChunks; ++i) {
    if (std::memcmp(kRawChunkList + 5 * i, type.data(), 4) == 0) return true;
  }
  return false;
}

// Phase 1: reads the header (IHDR and the chunks before the image data).
// Returns false on a libpng error (message in *errors). No C++ objects live
// in this frame. Sets width, height, bit_depth and color_type only: the
// caller checks them before PngSetUpExpansions, whose png_read_update_info
// allocates (and clears) libpng's row buffers, a row of the claimed width.
bool PngReadHeader(PngReadHandles* h, PngReader* reader, PngHeader* header) {
  if (setjmp(png_jmpbuf(h->png))) return false;
  png_set_read_fn(h->png, reader, PngReadFn);
  // The caller's max_pixels is the real limit; libpng's default of 10^6 per
  // side would refuse legitimate long strips.
  png_set_user_limits(h->png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
  // Metadata: the known ancillary chunks below and every unknown one are
  // kept raw (png_get_unknown_chunks) instead of being interpreted. tRNS is
  // not among them: libpng turns it into alpha.
  png_set_keep_unknown_chunks(h->png, PNG_HANDLE_CHUNK_ALWAYS, kRawChunkList,
                              kNumRawChunks);
  png_set_keep_unknown_chunks(h->png, PNG_HANDLE_CHUNK_ALWAYS, nullptr, 0);
  png_read_info(h->png, h->info);

  int interlace = 0;
  png_get_IHDR(h->png, h->info, &header->width, &header->height, &header->bit_depth,
               &header->color_type, &interlace, nullptr, nullptr);
  return true;
}

// Phase 1b: the expansions to 8-bit gray, gray+alpha, RGB or RGBA; sets
// channels and rowbytes. Returns false on a libpng error.
bool PngSetUpExpansions(PngReadHandles* h, PngHeader* header) {
  if (setjmp(png_jmpbuf(h->png))) return false;
  if (header->color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(h->png);
  if (header->color_type == PNG_COLOR_TYPE_GRAY && header->bit_depth < 8) {
    png_set_expand_gray_1_2_4_to_8(h->png);
  }
  // A tRNS chunk is transparency information: keep it, as an alpha channel.
  if (png_get_valid(h->png, h->info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(h->png);
  png_set_interlace_handling(h->png);
  png_read_update_info(h->png, h->info);
  header->channels = png_get_channels(h->png, h->info);
  header->rowbytes = png_get_rowbytes(h->png, h->info);
  return true;
}

// Phase 2: decodes all rows into the caller's buffer.
bool PngReadRows(PngReadHandles* h, png_bytep* rows) {
  if (setjmp(png_jmpbuf(h->png))) return false;
  png_read_image(h->png, rows);
  return true;
}

// Phase 3: the chunks after the image data (text and tIME often come
// there). They carry no pixels: a failure here (a file that lost its IEND)
// only loses them, never the image.
bool PngReadEnd(PngReadHandles* h) {
  if (setjmp(png_jmpbuf(h->png))) return false;
  png_read_end(h->png, h->info);
  return true;
}

// The raw chunks libpng kept, in file order, less those that describe the
// stored representation rather than the image: after palette expansion or
// bit-depth expansion bKGD's sample values and hIST's palette counts no
// longer apply, and unknown unsafe-to-copy chunks (fourth letter upper case)
// may depend on critical chunks we rewrite (PNG spec, section 14.2).
Status CollectMetadata(const PngReadHandles& h, const PngHeader& header, Image* image) {
  png_unknown_chunkp chunks = nullptr;
  const int n = png_get_unknown_chunks(h.png, h.info, &chunks);
  const bool expanded = header.color_type == PNG_COLOR_TYPE_PALETTE || header.bit_depth < 8;
  try {
    for (int i = 0; i < n; ++i) {
      std::string type(reinterpret_cast<const char*>(chunks[i].name), 4);
      if (!IsAncillaryChunkType(type)) continue;
      if (type == "hIST" || (type == "bKGD" && expanded)) continue;
      if (!IsKnownRawChunk(type) && (type[3] & 0x20) == 0) continue;
      MetadataChunk chunk;
      chunk.type = std::move(type);
      chunk.data.assign(chunks[i].data, chunks[i].data + chunks[i].size);
      image->metadata.push_back(std::move(chunk));
    }
  } catch (const std::bad_alloc&) {
    return Status(StatusCode::kLimitExceeded, "out of memory for PNG metadata");
  }
  return Status::Ok();
}

Status PngError(const PngErrorState& errors) {
  std::string message = errors.message[0] != '\0' ? errors.message : "libpng error";
  if (errors.truncated) return Status(StatusCode::kTruncated, "PNG " + message);
  return Status(StatusCode::kCorrupt, "invalid PNG: " + message);
}

// Samples per pixel as a PNG of this colour type stores them (a palette
// index is one); 0 for a colour type PNG does not define.
int PngStoredChannels(int color_type) {
  switch (color_type) {
    case PNG_COLOR_TYPE_GRAY:
    case PNG_COLOR_TYPE_PALETTE: return 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB: return 3;
    case PNG_COLOR_TYPE_RGB_ALPHA: return 4;
  }
  return 0;
}

// REQUIRES: width * height does not overflow.
Status PixelLimitError(uint64_t width, uint64_t height, uint64_t max_pixels) {
  return Status(StatusCode::kLimitExceeded,
                "image is " + std::to_string(width) + "x" + std::to_string(height) + " (" +
                    std::to_string(width * height) + " pixels), over the limit of " +
                    std::to_string(max_pixels) + " pixels");
}

Status CheckDimensions(uint64_t width, uint64_t height, int channels, uint64_t max_pixels,
                       const char* format) {
  if (width == 0 || height == 0) {
    return Status(StatusCode::kCorrupt, std::string(format) + " has zero width or height");
  }
  if (width > static_cast<uint64_t>(INT_MAX) || height > static_cast<uint64_t>(INT_MAX)) {
    return Status(StatusCode::kLimitExceeded,
                  std::string(format) + " dimensions " + std::to_string(width) + "x" +
                      std::to_string(height) + " are too large");
  }
  const uint64_t pixels = width * height;  // < 2^62: no overflow
  if (max_pixels != 0 && pixels > max_pixels) return PixelLimitError(width, height, max_pixels);
  if (pixels > std::numeric_limits<size_t>::max() / 4 / static_cast<uint64_t>(channels)) {
    return Status(StatusCode::kLimitExceeded, std::string(format) + " is too large to hold in memory");
  }
  return Status::Ok();
}

ChannelLayout LayoutForChannels(int channels) {
  switch (channels) {
    case 1: return ChannelLayout::kGray;
    case 2: return ChannelLayout::kGrayAlpha;
    case 3: return ChannelLayout::kRgb;
    default: return ChannelLayout::kRgba;
  }
}

// Allocates the pixel buffer; allocation failure is an error value, not a throw.
Status AllocatePixels(Image* image, int width, int height, ChannelLayout layout) {
  image->width = width;
  image->height = height;
  image->layout = layout;
  try {
    image->pixels.assign(image->num_subpixels(), 0);
  } catch (const std::bad_alloc&) {
    return Status(StatusCode::kLimitExceeded,
                  "out of memory for a " + std::to_string(width) + "x" + std::to_string(height) +
                      " image");
  }
  return Status::Ok();
}

Result<Image> DecodePng(const uint8_t* data, size_t size, uint64_t max_pixels) {
  PngErrorState errors;
  PngReader reader{data, size, 0, &errors};
  PngReadHandles h;
  h.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &errors, PngErrorFn, PngWarningFn);
  if (h.png == nullptr) return Status(StatusCode::kInternal, "libpng: cannot create read struct");
  h.info = png_create_info_struct(h.png);
  if (h.info == nullptr) return Status(StatusCode::kInternal, "libpng: cannot create info struct");

  PngHeader header;
  if (!PngReadHeader(&h, &reader, &header)) return PngError(errors);
  if (header.bit_depth > 8) {
    return Status(StatusCode::kUnsupported, "16-bit PNG is not supported yet");
  }
  // Everything below is decided from the header alone, before libpng
  // allocates a row of the claimed width (a 60-byte file claiming 2^31 - 1
  // pixels a row used to cost 2 GB and seconds before being refused).
  // Deflate expands at most 1032:1, so a file this small cannot hold the
  // pixels its header promises: fail now rather than allocate for them.
  // The bound uses the stored (pre-expansion) bits per pixel.
  const int stored_channels = PngStoredChannels(header.color_type);  // libpng checked it
  PICNIC_RETURN_IF_ERROR(CheckDimensions(header.width, header.height, stored_channels, max_pixels, "PNG"));
  constexpr uint64_t kMaxInflateRatio = 1032;
  // pixels * channels < 2^62 (CheckDimensions), so this cannot overflow.
  const uint64_t stored_bytes =
      static_cast<uint64_t>(header.width) * header.height * stored_channels / 8 * header.bit_depth;
  if (stored_bytes > static_cast<uint64_t>(size) * kMaxInflateRatio + 4096) {
    return Status(StatusCode::kTruncated,
                  "PNG of " + std::to_string(size) + " bytes is too short to hold a " +
                      std::to_string(header.width) + "x" + std::to_string(header.height) +
                      " image");
  }
  if (!PngSetUpExpansions(&h, &header)) return PngError(errors);
  if (header.channels < 1 || header.channels > 4) {
    return Status(StatusCode::kUnsupported,
                  "PNG with " + std::to_string(header.channels) + " channels is not supported");
  }
  PICNIC_RETURN_IF_ERROR(
      CheckDimensions(header.width, header.height, header.channels, max_pixels, "PNG"));
  if (header.rowbytes != static_cast<png_size_t>(header.width) * header.channels) {
    return Status(StatusCode::kInternal, "libpng returned an unexpected row size");
  }
  Image image;
  PICNIC_RETURN_IF_ERROR(AllocatePixels(&image, static_cast<int>(header.width),
                                        static_cast<int>(header.height),
                                        LayoutForChannels(header.channels)));
  std::vector<png_bytep> rows;
  try {
    rows.resize(header.height);
  } catch (const std::bad_alloc&) {
    return Status(StatusCode::kLimitExceeded, "out of memory for PNG row table");
  }
  for (png_uint_32 y = 0; y < header.height; ++y) {
    rows[y] = image.pixels.data() + static_cast<size_t>(y) * header.rowbytes;
  }
  if (!PngReadRows(&h, rows.data())) return PngError(errors);
  PngReadEnd(&h);  // false: the trailing chunks are lost, the pixels are whole
  PICNIC_RETURN_IF_ERROR(CollectMetadata(h, header, &image));
  return image;
}

// ---------------------------------------------------------------- PNG write

struct PngWriter {
  std::vector<uint8_t>* out = nullptr;
  bool out_of_memory = false;
};

void PngWriteFn(png_structp png, png_bytep data, png_size_t length) {
  auto* writer = static_cast<PngWriter*>(png_get_io_ptr(png));
  // An exception must not unwind through libpng's C frames, and png_error
  // must not jump out of a catch block: record, then report outside it.
  try {
    writer->out->insert(writer->out->end(), data, data + length);
  } catch (...) {
    writer->out_of_memory = true;
  }
  if (writer->out_of_memory) png_error(png, "out of memory");
}

void PngFlushFn(png_structp) {}

struct PngWriteHandles {
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~PngWriteHandles() {
    if (png != nullptr) png_destroy_write_struct(&png, info != nullptr ? &info : nullptr);
  }
};

bool PngWriteAll(PngWriteHandles* h, PngWriter* writer, const Image* image, png_bytep* rows,
                 png_unknown_chunkp chunks, int num_chunks) {
  if (setjmp(png_jmpbuf(h->png))) return false;
  png_set_write_fn(h->png, writer, PngWriteFn, PngFlushFn);
  png_set_user_limits(h->png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
  png_set_compression_level(h->png, 6);
  int color_type = PNG_COLOR_TYPE_RGB;
  switch (image->layout) {
    case ChannelLayout::kGray: color_type = PNG_COLOR_TYPE_GRAY; break;
    case ChannelLayout::kGrayAlpha: color_type = PNG_COLOR_TYPE_GRAY_ALPHA; break;
    case ChannelLayout::kRgb: color_type = PNG_COLOR_TYPE_RGB; break;
    case ChannelLayout::kRgba: color_type = PNG_COLOR_TYPE_RGBA; break;
  }
  png_set_IHDR(h->png, h->info, static_cast<png_uint_32>(image->width),
               static_cast<png_uint_32>(image->height), 8, color_type, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (num_chunks > 0) {
    // Written verbatim before the image data, known chunk types included
    // (unsafe-to-copy ones need "always").
    png_set_keep_unknown_chunks(h->png, PNG_HANDLE_CHUNK_ALWAYS, nullptr, 0);
    png_set_unknown_chunks(h->png, h->info, chunks, num_chunks);
  }
  png_write_info(h->png, h->info);
  png_write_image(h->png, rows);
  png_write_end(h->png, nullptr);
  return true;
}

// ---------------------------------------------------------------- PPM / PGM

// Reads the next header token of a binary netpbm file: skips whitespace and
// '#' comments (which run to the end of the line), then collects non-space
// characters.
bool NextPnmToken(const uint8_t* data, size_t size, size_t* pos, std::string* token) {
  token->clear();
  while (*pos < size) {
    const uint8_t c = data[*pos];
    if (c == '#') {
      while (*pos < size && data[*pos] != '\n' && data[*pos] != '\r') ++*pos;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
      ++*pos;
    } else {
      break;
    }
  }
  while (*pos < size) {
    const uint8_t c = data[*pos];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == '#') break;
    if (token->size() > 32) return false;  // no legitimate field is this long
    token->push_back(static_cast<char>(c));
    ++*pos;
  }
  return !token->empty();
}

bool ParsePnmNumber(const std::string& token, uint64_t* value) {
  if (token.empty() || token.size() > 18) return false;
  uint64_t v = 0;
  for (char ch : token) {
    if (ch < '0' || ch > '9') return false;
    v = v * 10 + static_cast<uint64_t>(ch - '0');
  }
  *value = v;
  return true;
}

bool IsPnm(const uint8_t* data, size_t size) {
  return size >= 2 && data[0] == 'P' && data[1] >= '1' && data[1] <= '7';
}

Result<Image> DecodePnm(const uint8_t* data, size_t size, uint64_t max_pixels) {
  const char kind = static_cast<char>(data[1]);
  if (kind != '5' && kind != '6') {
    const char* what = kind == '7' ? "PAM (P7)"
                       : kind == '4' ? "binary PBM (P4)"
                                     : "plain-text netpbm (P1-P3)";
    return Status(StatusCode::kUnsupported,
                  std::string(what) + " is not supported; use binary PGM (P5) or PPM (P6)");
  }
  const int channels = kind == '5' ? 1 : 3;
  const char* format = kind == '5' ? "PGM" : "PPM";
  size_t pos = 2;
  uint64_t fields[3] = {0, 0, 0};  // width, height, maxval
  const char* names[3] = {"width", "height", "maxval"};
  std::string token;
  for (int i = 0; i < 3; ++i) {
    if (!NextPnmToken(data, size, &pos, &token)) {
      if (pos >= size) {
        return Status(StatusCode::kTruncated,
                      std::string(format) + " header ends before its " + names[i]);
      }
      return Status(StatusCode::kCorrupt, std::string(format) + " header has a bad " + names[i]);
    }
    if (!ParsePnmNumber(token, &fields[i])) {
      return Status(StatusCode::kCorrupt, std::string(format) + " header has a bad " + names[i] +
                                              " '" + token.substr(0, 20) + "'");
    }
  }
  // Exactly one whitespace character separates maxval from the raster.
  if (pos >= size) {
    return Status(StatusCode::kTruncated, std::string(format) + " ends after its header");
  }
  ++pos;
  const uint64_t maxval = fields[2];
  if (maxval == 0 || maxval > 65535) {
    return Status(StatusCode::kCorrupt,
                  std::string(format) + " maxval " + std::to_string(maxval) + " is invalid");
  }
  if (maxval > 255) {
    return Status(StatusCode::kUnsupported, std::string("16-bit ") + format +
                                                " (maxval " + std::to_string(maxval) +
                                                ") is not supported yet");
  }
  if (maxval != 255) {
    return Status(StatusCode::kUnsupported,
                  std::string(format) + " maxval " + std::to_string(maxval) +
                      " is not supported; only maxval 255 is (rescaling would not be lossless)");
  }
  PICNIC_RETURN_IF_ERROR(CheckDimensions(fields[0], fields[1], channels, max_pixels, format));
  const uint64_t needed = fields[0] * fields[1] * static_cast<uint64_t>(channels);
  const uint64_t available = size - pos;
  if (available < needed) {
    return Status(StatusCode::kTruncated, std::string(format) + " raster has " +
                                              std::to_string(available) + " of " +
                                              std::to_string(needed) + " bytes");
  }
  Image image;
  PICNIC_RETURN_IF_ERROR(AllocatePixels(&image, static_cast<int>(fields[0]),
                                        static_cast<int>(fields[1]),
                                        LayoutForChannels(channels)));
  std::memcpy(image.pixels.data(), data + pos, static_cast<size_t>(needed));
  // Bytes after the raster (a following image in a multi-image file) are ignored.
  return image;
}

// ---------------------------------------------------------------- files

std::string ErrnoText(int err) { return std::strerror(err); }

std::string DirName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status WriteAll(int fd, const uint8_t* data, size_t size, const std::string& path) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      return Status(StatusCode::kIoError, "cannot write " + path + ": " + ErrnoText(err));
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

// Removes the temporary file unless released, so every early return cleans up.
class TempFileGuard {
 public:
  explicit TempFileGuard(std::string path) : path_(std::move(path)) {}
  ~TempFileGuard() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  void Release() { path_.clear(); }

 private:
  std::string path_;
};

std::atomic<unsigned> g_temp_counter{0};

}  // namespace

Result<Image> DecodeImage(const uint8_t* data, size_t size, uint64_t max_pixels) {
  if (data == nullptr || size == 0) return Status(StatusCode::kTruncated, "empty input");
  if (IsPng(data, size)) return DecodePng(data, size, max_pixels);
  if (IsPnm(data, size)) return DecodePnm(data, size, max_pixels);
  if (size < kPngSignatureSize && std::memcmp(data, "\x89PNG\r\n\x1a\n", size) == 0) {
    return Status(StatusCode::kTruncated, "PNG file ends inside its signature");
  }
  return Status(StatusCode::kUnsupported,
                "not a PNG, PPM (P6) or PGM (P5) image (unrecognized content)");
}

namespace {

uint64_t SaturatingMul(uint64_t a, uint64_t b) {
  if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a) {
    return std::numeric_limits<uint64_t>::max();
  }
  return a * b;
}
uint64_t SaturatingAdd(uint64_t a, uint64_t b) {
  return b > std::numeric_limits<uint64_t>::max() - a ? std::numeric_limits<uint64_t>::max()
                                                      : a + b;
}
uint32_t BigEndian32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | p[3];
}

// Stop reading at what is there: the decoder then says what is wrong.
ReadLimit StopAt(size_t size) { return ReadLimit{size, false, true}; }

// Room for ancillary chunks (profiles, text, EXIF) in a PNG without IEND.
constexpr uint64_t kPngSlackBytes = uint64_t{64} << 20;
constexpr size_t kPngIhdrEnd = kPngSignatureSize + 8 + 13 + 4;

bool IsChunkTypeByte(uint8_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// *next: where the walk over the chunks resumes (the input only grows).
Result<ReadLimit> PngReadLimit(const uint8_t* data, size_t size, uint64_t max_pixels,
                               uint64_t* next) {
  if (size < kPngIhdrEnd) return ReadLimit{kPngIhdrEnd, false};
  if (BigEndian32(data + 8) != 13 || std::memcmp(data + 12, "IHDR", 4) != 0) return StopAt(size);
  const uint64_t width = BigEndian32(data + 16);
  const uint64_t height = BigEndian32(data + 20);
  const int depth = data[24];
  const int channels = PngStoredChannels(data[25]);
  if (channels == 0 || width == 0 || height == 0 || depth == 0 || depth > 16) return StopAt(size);
  if (max_pixels != 0 && width * height > max_pixels) {
    return PixelLimitError(width, height, max_pixels);
  }
  // Filtered rows (interlacing adds at most a filter byte per row and pass),
  // deflated: a sane encoder stays near the raw size even on noise.
  const uint64_t row_bytes = 1 + (width * channels * depth + 7) / 8;
  const uint64_t raw = SaturatingMul(height, row_bytes + 7);
  const uint64_t cap = SaturatingAdd(SaturatingMul(raw, 2), kPngSlackBytes);
  uint64_t pos = std::max<uint64_t>(*next, kPngSignatureSize);
  while (pos + 8 <= size) {
    const uint32_t length = BigEndian32(data + pos);
    const uint8_t* type = data + pos + 4;
    // libpng refuses these; stop and let it say so.
    if (length > 0x7FFFFFFFu || !IsChunkTypeByte(type[0]) || !IsChunkTypeByte(type[1]) ||
        !IsChunkTypeByte(type[2]) || !IsChunkTypeByte(type[3])) {
      return StopAt(size);
    }
    const uint64_t end = pos + 12 + length;
    if (std::memcmp(type, "IEND", 4) == 0) return ReadLimit{end, false, true};
    pos = end;
  }
  *next = pos;
  if (size >= cap) {
    return Status(StatusCode::kLimitExceeded,
                  "PNG goes on for " + std::to_string(size) + " bytes without an end, more than a " +
                      std::to_string(width) + "x" + std::to_string(height) + " image can need");
  }
  return ReadLimit{cap, false};
}

// Longest PPM/PGM header (comments included) read before giving up.
constexpr size_t kMaxPnmHeaderBytes = 1 << 16;

Result<ReadLimit> PnmReadLimit(const uint8_t* data, size_t size, uint64_t max_pixels) {
  const ReadLimit more{std::max<uint64_t>(size + 1, kMaxPnmHeaderBytes), false};
  if (data[1] != '5' && data[1] != '6') return StopAt(size);  // refused by the decoder
  size_t pos = 2;
  uint64_t fields[3] = {0, 0, 0};  // width, height, maxval
  std::string token;
  for (uint64_t& field : fields) {
    const bool got = NextPnmToken(data, size, &pos, &token);
    // A token that reaches the end of the bytes so far may go on.
    if (pos >= size) return size >= kMaxPnmHeaderBytes ? StopAt(size) : more;
    if (!got || !ParsePnmNumber(token, &field)) return StopAt(size);
  }
  const uint64_t header = pos + 1;  // one whitespace byte after maxval
  const uint64_t pixels = SaturatingMul(fields[0], fields[1]);
  if (max_pixels != 0 && pixels > max_pixels) {
    // The decoder's own checks come first for absurd sizes (> 2^31 a side).
    if (fields[0] > INT_MAX || fields[1] > INT_MAX) return StopAt(size);
    return PixelLimitError(fields[0], fields[1], max_pixels);
  }
  const uint64_t sample_bytes = (data[1] == '5' ? 1 : 3) * (fields[2] > 255 ? 2 : 1);
  return ReadLimit{SaturatingAdd(header, SaturatingMul(pixels, sample_bytes)), false, true};
}

}  // namespace

ReadLimitFn ImageReadLimit(uint64_t max_pixels) {
  uint64_t next_chunk = 0;
  return [max_pixels, next_chunk](const uint8_t* data, size_t size) mutable -> Result<ReadLimit> {
    if (size < kPngSignatureSize) return ReadLimit{kPngSignatureSize, false};
    if (IsPng(data, size)) return PngReadLimit(data, size, max_pixels, &next_chunk);
    if (IsPnm(data, size)) return PnmReadLimit(data, size, max_pixels);
    return Status(StatusCode::kUnsupported,
                  "not a PNG, PPM (P6) or PGM (P5) image (unrecognized content)");
  };
}

Result<Image> ReadImageFile(const std::string& path, uint64_t max_pixels) {
  PICNIC_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes,
                          ReadFileBytes(path, ImageReadLimit(max_pixels)));
  return DecodeImage(bytes.data(), bytes.size(), max_pixels);
}

Result<std::vector<uint8_t>> EncodePng(const Image& image) {
  if (image.width < 1 || image.height < 1) {
    return Status(StatusCode::kInvalidArgument, "cannot encode an empty image as PNG");
  }
  const int channels = image.channels();
  if (channels < 1 || channels > 4) {
    return Status(StatusCode::kInvalidArgument, "image has an invalid channel layout");
  }
  if (image.pixels.size() != image.num_subpixels()) {
    return Status(StatusCode::kInvalidArgument,
                  "image has " + std::to_string(image.pixels.size()) + " bytes of pixels, expected " +
                      std::to_string(image.num_subpixels()));
  }
  for (const MetadataChunk& chunk : image.metadata) {
    if (!IsAncillaryChunkType(chunk.type) || chunk.data.size() > PNG_UINT_31_MAX) {
      return Status(StatusCode::kInvalidArgument,
                    "metadata chunk \"" + chunk.type + "\" cannot be written to PNG");
    }
  }
  std::vector<uint8_t> out;
  std::vector<png_bytep> rows;
  std::vector<png_unknown_chunk> chunks;
  try {
    rows.resize(static_cast<size_t>(image.height));
    chunks.resize(image.metadata.size());
    out.reserve(image.num_subpixels() / 2 + 1024);
  } catch (const std::bad_alloc&) {
    return Status(StatusCode::kLimitExceeded, "out of memory encoding PNG");
  }
  const size_t stride = static_cast<size_t>(image.width) * channels;
  for (int y = 0; y < image.height; ++y) {
    // libpng's API is not const-correct; it only reads the rows.
    rows[y] = const_cast<png_bytep>(image.pixels.data() + static_cast<size_t>(y) * stride);
  }
  for (size_t i = 0; i < chunks.size(); ++i) {
    const MetadataChunk& m = image.metadata[i];
    std::memset(&chunks[i], 0, sizeof(chunks[i]));
    std::memcpy(chunks[i].name, m.type.data(), 4);
    // libpng copies the data; it does not write through this pointer.
    chunks[i].data = const_cast<png_bytep>(m.data.data());
    chunks[i].size = m.data.size();
    chunks[i].location = PNG_HAVE_IHDR;
  }
  PngErrorState errors;
  PngWriter writer{&out, false};
  PngWriteHandles h;
  h.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &errors, PngErrorFn, PngWarningFn);
  if (h.png == nullptr) return Status(StatusCode::kInternal, "libpng: cannot create write struct");
  h.info = png_create_info_struct(h.png);
  if (h.info == nullptr) return Status(StatusCode::kInternal, "libpng: cannot create info struct");
  if (!PngWriteAll(&h, &writer, &image, rows.data(), chunks.data(),
                   static_cast<int>(chunks.size()))) {
    if (writer.out_of_memory) return Status(StatusCode::kLimitExceeded, "out of memory encoding PNG");
    return Status(StatusCode::kInternal, std::string("libpng failed to encode: ") + errors.message);
  }
  return out;
}

Result<std::vector<uint8_t>> EncodePnm(const Image& image) {
  if (image.width < 1 || image.height < 1) {
    return Status(StatusCode::kInvalidArgument, "cannot encode an empty image as PPM/PGM");
  }
  if (image.layout != ChannelLayout::kRgb && image.layout != ChannelLayout::kGray) {
    return Status(StatusCode::kUnsupported,
                  std::string("PPM and PGM cannot hold a ") + ChannelLayoutName(image.layout) +
                      " image (no alpha channel); write a PNG instead");
  }
  if (image.pixels.size() != image.num_subpixels()) {
    return Status(StatusCode::kInvalidArgument, "image has the wrong number of pixel bytes");
  }
  const std::string header = std::string(image.layout == ChannelLayout::kRgb ? "P6" : "P5") +
                             "\n" + std::to_string(image.width) + " " +
                             std::to_string(image.height) + "\n255\n";
  std::vector<uint8_t> out;
  try {
    out.reserve(header.size() + image.pixels.size());
  } catch (const std::bad_alloc&) {
    return Status(StatusCode::kLimitExceeded, "out of memory encoding PPM/PGM");
  }
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), image.pixels.begin(), image.pixels.end());
  return out;
}

Result<std::vector<uint8_t>> ReadFileBytes(const std::string& path, const ReadLimitFn& limit) {
  const bool is_stdin = path == "-";
  const std::string name = is_stdin ? "standard input" : path;
  const int fd = is_stdin ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return Status(StatusCode::kIoError, "cannot open " + path + ": " + ErrnoText(err));
  }
  struct FdCloser {
    int fd;
    bool own;
    ~FdCloser() {
      if (own) ::close(fd);
    }
  } closer{fd, !is_stdin};
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    return Status(StatusCode::kIoError, "cannot stat " + name + ": " + ErrnoText(err));
  }
  if (S_ISDIR(st.st_mode)) {
    return Status(StatusCode::kIoError, "cannot read " + name + ": is a directory");
  }
  std::vector<uint8_t> bytes;
  try {
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
      bytes.reserve(static_cast<size_t>(std::min<uint64_t>(st.st_size, uint64_t{1} << 30)));
    }
    // Read until EOF rather than trusting st_size (pipes, growing files),
    // and never past what `limit` allows (devices, endless pipes).
    uint8_t buffer[1 << 16];
    for (;;) {
      size_t want = sizeof(buffer);
      if (limit) {
        PICNIC_ASSIGN_OR_RETURN(const ReadLimit allowed, limit(bytes.data(), bytes.size()));
        if (bytes.size() > allowed.bytes && allowed.stop) {
          bytes.resize(static_cast<size_t>(allowed.bytes));  // trailing bytes: not ours
          break;
        }
        if (bytes.size() > allowed.bytes) {
          return Status(StatusCode::kCorrupt,
                        name + " goes on past the " + std::to_string(allowed.bytes) +
                            " bytes its header gives");
        }
        // At a final limit, ask for one byte more: the input must end there.
        const uint64_t room = allowed.bytes - bytes.size() + (allowed.final ? 1 : 0);
        if (room == 0) break;  // a limit that asks for nothing more
        want = static_cast<size_t>(std::min<uint64_t>(want, room));
      }
      const ssize_t n = ::read(fd, buffer, want);
      if (n < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        return Status(StatusCode::kIoError, "cannot read " + name + ": " + ErrnoText(err));
      }
      if (n == 0) break;
      bytes.insert(bytes.end(), buffer, buffer + n);
    }
  } catch (const std::bad_alloc&) {
    return Status(StatusCode::kLimitExceeded, "out of memory reading " + name);
  }
  return bytes;
}

Status WriteFileAtomic(const std::string& path, const std::vector<uint8_t>& bytes,
                       bool overwrite) {
  if (path.empty()) return Status(StatusCode::kInvalidArgument, "empty output path");
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) {
    if (!overwrite) {
      return Status(StatusCode::kIoError, path + " already exists; not overwriting it");
    }
    if (S_ISDIR(st.st_mode)) {
      return Status(StatusCode::kIoError, "cannot write " + path + ": is a directory");
    }
    // The rename below would replace a device, FIFO or socket with a plain
    // file (as root: /dev/null, /dev/full); overwriting means files only.
    if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
      return Status(StatusCode::kIoError,
                    "cannot write " + path + ": not a regular file; not replacing it");
    }
  }

  // A unique temporary name next to the target, so the final rename stays on
  // one file system and is atomic. O_EXCL: never reuse someone else's file.
  std::string temp;
  int fd = -1;
  bool short_name = false;  // for targets whose name is near NAME_MAX
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    const std::string suffix = ".tmp." + std::to_string(::getpid()) + "." +
                               std::to_string(g_temp_counter.fetch_add(1));
    temp = short_name ? DirName(path) + "/.picnic" + suffix : path + suffix;
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno == ENAMETOOLONG && !short_name) {
      short_name = true;
      continue;
    }
    if (fd < 0 && errno != EEXIST) {
      const int err = errno;
      return Status(StatusCode::kIoError, "cannot create a file in " + DirName(path) + " to write " +
                                              path + ": " + ErrnoText(err));
    }
  }
  if (fd < 0) return Status(StatusCode::kIoError, "cannot find a free temporary name for " + path);
  TempFileGuard guard(temp);

  Status status = WriteAll(fd, bytes.data(), bytes.size(), path);
  // fsync before rename: otherwise a crash could leave a renamed, empty file.
  if (status.ok() && ::fsync(fd) != 0) {
    const int err = errno;
    status = Status(StatusCode::kIoError, "cannot write " + path + ": " + ErrnoText(err));
  }
  if (::close(fd) != 0 && status.ok()) {
    const int err = errno;
    status = Status(StatusCode::kIoError, "cannot write " + path + ": " + ErrnoText(err));
  }
  PICNIC_RETURN_IF_ERROR(status);

  if (overwrite) {
    if (::rename(temp.c_str(), path.c_str()) != 0) {
      const int err = errno;
      return Status(StatusCode::kIoError, "cannot write " + path + ": " + ErrnoText(err));
    }
    guard.Release();
  } else {
    // link() fails with EEXIST if the target appeared meanwhile: no race.
    if (::link(temp.c_str(), path.c_str()) != 0) {
      const int err = errno;
      if (err == EEXIST) {
        return Status(StatusCode::kIoError, path + " already exists; not overwriting it");
      }
      // File systems without hard links: fall back to check-then-rename.
      if (err != EPERM && err != ENOTSUP && err != EOPNOTSUPP && err != ENOSYS &&
          err != EMLINK) {
        return Status(StatusCode::kIoError, "cannot write " + path + ": " + ErrnoText(err));
      }
      if (::lstat(path.c_str(), &st) == 0) {
        return Status(StatusCode::kIoError, path + " already exists; not overwriting it");
      }
      if (::rename(temp.c_str(), path.c_str()) != 0) {
        const int err2 = errno;
        return Status(StatusCode::kIoError, "cannot write " + path + ": " + ErrnoText(err2));
      }
      guard.Release();
    }
    // After a successful link() the guard removes the temporary name.
  }

  // Make the rename itself durable; best effort, some file systems refuse.
  const int dir_fd = ::open(DirName(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    (void)::fsync(dir_fd);
    ::close(dir_fd);
  }
  return Status::Ok();
}

}  // namespace picnic
