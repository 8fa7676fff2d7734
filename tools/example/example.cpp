// Minimal use of picnic's public API: encode an image with the built-in
// histogram model, decode it, check that nothing changed, print the sizes.
//
//   picnic_example [image.png]   (no argument: a generated gradient)
#include <cstdio>
#include <vector>

#include "picnic/image_io.h"
#include "picnic/picnic.h"

namespace {

picnic::Image Gradient(int width, int height) {
  picnic::Image img = picnic::MakeImage(width, height, picnic::ChannelLayout::kRgb);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      img.at(y, x, 0) = static_cast<uint8_t>(x * 255 / (width - 1));
      img.at(y, x, 1) = static_cast<uint8_t>(y * 255 / (height - 1));
      img.at(y, x, 2) = static_cast<uint8_t>((x + y) * 255 / (width + height - 2));
    }
  }
  return img;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2) {
    std::fprintf(stderr, "usage: %s [image.png]\n", argv[0]);
    return 2;
  }
  picnic::Image image;
  if (argc == 2) {
    auto read = picnic::ReadImageFile(argv[1]);
    if (!read.ok()) {
      std::fprintf(stderr, "%s: %s\n", argv[1], read.status().ToString().c_str());
      return 1;
    }
    image = std::move(read).value();
  } else {
    image = Gradient(256, 192);
  }

  picnic::EncodeOptions options;  // model "histogram", 64x64 tiles
  auto encoded = picnic::Encode(image, options);
  if (!encoded.ok()) {
    std::fprintf(stderr, "encode: %s\n", encoded.status().ToString().c_str());
    return 1;
  }
  auto decoded = picnic::Decode(encoded->data(), encoded->size(), picnic::DecodeOptions());
  if (!decoded.ok()) {
    std::fprintf(stderr, "decode: %s\n", decoded.status().ToString().c_str());
    return 1;
  }
  if (decoded->pixels != image.pixels || decoded->layout != image.layout) {
    std::fprintf(stderr, "decoded image differs from the original\n");
    return 1;
  }
  auto info = picnic::ReadFileInfo(encoded->data(), encoded->size());
  if (!info.ok()) {
    std::fprintf(stderr, "info: %s\n", info.status().ToString().c_str());
    return 1;
  }
  std::printf("picnic %s, format %d.%d\n", picnic::VersionString(), info->format_major,
              info->format_minor);
  std::printf("image: %dx%d %s, %zu bytes raw\n", image.width, image.height,
              picnic::ChannelLayoutName(image.layout), image.pixels.size());
  std::printf("encoded with %s: %zu bytes, %.4f bits/subpixel; decoded losslessly\n",
              info->model_name.c_str(), encoded->size(), info->bits_per_subpixel);
  return 0;
}
