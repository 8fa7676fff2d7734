// libFuzzer driver for image decoding (PNG via libpng, PPM/PGM): any input
// must give an Image or an error value, never a crash, leak or UB. A decoded
// image must survive EncodePng -> DecodeImage unchanged.
//   cmake -DPICNIC_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ ...; ./image_io_fuzzer corpus/
#include <cstdint>
#include <cstdlib>

#include "picnic/image_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Small limit: the fuzzer should explore parsing, not allocate gigabytes.
  constexpr uint64_t kMaxPixels = uint64_t{1} << 22;
  auto image = picnic::DecodeImage(data, size, kMaxPixels);
  if (!image.ok()) return 0;
  auto png = picnic::EncodePng(image.value());
  if (!png.ok()) std::abort();
  auto back = picnic::DecodeImage(png->data(), png->size(), kMaxPixels);
  if (!back.ok() || back->pixels != image->pixels || back->layout != image->layout ||
      back->width != image->width || back->height != image->height) {
    std::abort();
  }
  return 0;
}
