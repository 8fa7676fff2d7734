// Writes small synthetic test images into a folder: every channel layout,
// degenerate sizes (1x1, 1xN, Nx1), sizes that straddle tile borders,
// gradients, noise, flat images, palette PNGs (with and without tRNS), and
// binary PPM/PGM. Deterministic: the same files on every machine, so they can
// be regenerated instead of committed.
//
//   gen_test_images OUT_DIR
#include <png.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "picnic/image.h"
#include "picnic/image_io.h"

namespace {

using picnic::ChannelLayout;
using picnic::Image;

Image Blank(int width, int height, ChannelLayout layout) {
  Image image;
  image.width = width;
  image.height = height;
  image.layout = layout;
  image.pixels.assign(image.num_subpixels(), 0);
  return image;
}

// Smooth ramps, different per channel, so neighbouring pixels are similar.
Image Gradient(int width, int height, ChannelLayout layout) {
  Image image = Blank(width, height, layout);
  const int channels = image.channels();
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < channels; ++c) {
        const int fx = width > 1 ? x * 255 / (width - 1) : 128;
        const int fy = height > 1 ? y * 255 / (height - 1) : 128;
        int v = 0;
        switch (c) {
          case 0: v = (fx + fy) / 2; break;
          case 1: v = channels == 2 ? 255 - fy : fx; break;  // alpha of gray+alpha
          case 2: v = fy; break;
          default: v = 255 - (fx + fy) / 4; break;  // alpha of RGBA
        }
        image.at(y, x, c) = static_cast<uint8_t>(v);
      }
    }
  }
  return image;
}

// Uniform noise: incompressible, about 8 bits per subpixel for any model.
Image Noise(int width, int height, ChannelLayout layout, uint32_t seed) {
  Image image = Blank(width, height, layout);
  std::mt19937 rng(seed);  // mt19937's output sequence is fixed by the standard
  for (auto& v : image.pixels) v = static_cast<uint8_t>(rng() >> 24);
  return image;
}

Image Flat(int width, int height, ChannelLayout layout, uint8_t value) {
  Image image = Blank(width, height, layout);
  std::fill(image.pixels.begin(), image.pixels.end(), value);
  return image;
}

// A smooth picture with mild noise and a sharp-edged disc, nearer a photo.
Image Scene(int width, int height, ChannelLayout layout, uint32_t seed) {
  Image image = Gradient(width, height, layout);
  std::mt19937 rng(seed);
  const int colors = picnic::NumColorChannels(layout);
  const int cx = width / 3, cy = height / 2, r = std::min(width, height) / 4;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const bool inside = (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r;
      for (int c = 0; c < colors; ++c) {
        int v = inside ? 40 + 60 * c : image.at(y, x, c);
        v += static_cast<int>(rng() % 7) - 3;
        image.at(y, x, c) = static_cast<uint8_t>(std::max(0, std::min(255, v)));
      }
    }
  }
  return image;
}

bool WriteBytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  const picnic::Status s = picnic::WriteFileAtomic(path, bytes, /*overwrite=*/true);
  if (!s.ok()) std::fprintf(stderr, "gen_test_images: %s\n", s.ToString().c_str());
  return s.ok();
}

bool WritePng(const std::string& dir, const std::string& name, const Image& image) {
  auto png = picnic::EncodePng(image);
  if (!png.ok()) {
    std::fprintf(stderr, "gen_test_images: %s: %s\n", name.c_str(), png.status().ToString().c_str());
    return false;
  }
  return WriteBytes(dir + "/" + name, png.value());
}

bool WritePnm(const std::string& dir, const std::string& name, const Image& image) {
  const bool gray = image.layout == ChannelLayout::kGray;
  std::string header = std::string(gray ? "P5" : "P6") + "\n# picnic test image\n" +
                       std::to_string(image.width) + " " + std::to_string(image.height) +
                       "\n255\n";
  std::vector<uint8_t> bytes(header.begin(), header.end());
  bytes.insert(bytes.end(), image.pixels.begin(), image.pixels.end());
  return WriteBytes(dir + "/" + name, bytes);
}

void AppendFn(png_structp png, png_bytep data, png_size_t n) {
  auto* out = static_cast<std::vector<uint8_t>*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + n);
}
void FlushFn(png_structp) {}

// EncodePng never writes palettes, so palette PNGs are written here directly.
// No C++ object is created between setjmp and the libpng calls.
bool EncodePalettePng(int width, int height, bool with_trns, std::vector<uint8_t>* out,
                      std::vector<png_bytep>* rows) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (png == nullptr) return false;
  png_infop info = png_create_info_struct(png);
  if (info == nullptr || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_set_write_fn(png, out, AppendFn, FlushFn);
  png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_color palette[16];
  png_byte alpha[16];
  for (int i = 0; i < 16; ++i) {
    palette[i].red = static_cast<png_byte>(i * 17);
    palette[i].green = static_cast<png_byte>(255 - i * 13);
    palette[i].blue = static_cast<png_byte>((i * 97) & 0xff);
    alpha[i] = static_cast<png_byte>(i < 4 ? i * 60 : 255);
  }
  png_set_PLTE(png, info, palette, 16);
  if (with_trns) png_set_tRNS(png, info, alpha, 16, nullptr);
  png_write_info(png, info);
  png_write_image(png, rows->data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

bool WritePalettePng(const std::string& dir, const std::string& name, int width, int height,
                     bool with_trns) {
  std::vector<uint8_t> indices(static_cast<size_t>(width) * height);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) indices[y * width + x] = static_cast<uint8_t>((x / 3 + y / 2) % 16);
  }
  std::vector<png_bytep> rows(height);
  for (int y = 0; y < height; ++y) rows[y] = indices.data() + static_cast<size_t>(y) * width;
  std::vector<uint8_t> out;
  if (!EncodePalettePng(width, height, with_trns, &out, &rows)) {
    std::fprintf(stderr, "gen_test_images: libpng failed writing %s\n", name.c_str());
    return false;
  }
  return WriteBytes(dir + "/" + name, out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::fprintf(stderr, "usage: gen_test_images OUT_DIR\n"
                         "Writes deterministic synthetic test images (PNG, PPM, PGM) into OUT_DIR.\n");
    return argc == 2 ? 0 : 2;
  }
  const std::string dir = argv[1];
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    std::fprintf(stderr, "gen_test_images: cannot create %s: %s\n", dir.c_str(),
                 error.message().c_str());
    return 1;
  }
  const ChannelLayout kGray = ChannelLayout::kGray, kGA = ChannelLayout::kGrayAlpha,
                      kRgb = ChannelLayout::kRgb, kRgba = ChannelLayout::kRgba;
  bool ok = true;
  int count = 0;
  auto png = [&](const std::string& name, const Image& image) {
    ok = WritePng(dir, name, image) && ok;
    ++count;
  };
  png("gray_1x1.png", Flat(1, 1, kGray, 77));
  png("graya_1x1.png", Flat(1, 1, kGA, 200));
  png("rgb_1x1.png", Noise(1, 1, kRgb, 1));
  png("rgba_1x1.png", Noise(1, 1, kRgba, 2));
  png("rgb_1x97.png", Gradient(1, 97, kRgb));
  png("rgb_97x1.png", Gradient(97, 1, kRgb));
  png("gray_1x130.png", Noise(1, 130, kGray, 3));
  png("gray_130x1.png", Noise(130, 1, kGray, 4));
  png("rgb_gradient_257x131.png", Gradient(257, 131, kRgb));
  png("gray_gradient_129x67.png", Gradient(129, 67, kGray));
  png("rgb_noise_63x65.png", Noise(63, 65, kRgb, 5));
  png("gray_noise_65x63.png", Noise(65, 63, kGray, 6));
  png("rgb_flat_100x100.png", Flat(100, 100, kRgb, 128));
  png("gray_flat_64x64.png", Flat(64, 64, kGray, 0));
  png("gray_white_65x64.png", Flat(65, 64, kGray, 255));
  png("graya_gradient_50x31.png", Gradient(50, 31, kGA));
  png("rgba_gradient_77x45.png", Gradient(77, 45, kRgba));
  png("rgba_noise_33x17.png", Noise(33, 17, kRgba, 7));
  png("rgb_scene_200x150.png", Scene(200, 150, kRgb, 8));
  png("gray_scene_131x97.png", Scene(131, 97, kGray, 9));
  {
    // Metadata that a round trip must keep: gamma, pixel size, text.
    Image meta = Scene(48, 32, kRgb, 11);
    meta.metadata = {{"gAMA", {0, 0, 0xb1, 0x8f}},
                     {"pHYs", {0, 0, 0x0b, 0x13, 0, 0, 0x0b, 0x13, 1}},
                     {"tEXt", {'T', 'i', 't', 'l', 'e', 0, 'p', 'i', 'c', 'n', 'i', 'c'}}};
    png("rgb_metadata_48x32.png", meta);
  }
  ok = WritePalettePng(dir, "palette_40x30.png", 40, 30, false) && ok;
  ok = WritePalettePng(dir, "palette_trns_41x29.png", 41, 29, true) && ok;
  ok = WritePnm(dir, "rgb_scene_67x45.ppm", Scene(67, 45, kRgb, 10)) && ok;
  ok = WritePnm(dir, "gray_gradient_45x67.pgm", Gradient(45, 67, kGray)) && ok;
  count += 4;
  if (!ok) return 1;
  std::printf("gen_test_images: wrote %d images to %s\n", count, dir.c_str());
  return 0;
}
