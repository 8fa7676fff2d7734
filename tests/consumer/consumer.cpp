// A program that knows picnic only from its install prefix: compresses a
// small image with the default model (photo, run by the exact engine),
// decompresses it, checks every pixel, and checks that the weights came
// from the prefix's share/picnic/weights/ (consumer_test.sh).
//
//   picnic_consumer <folder the weights must come from>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "picnic/engine.h"
#include "picnic/picnic.h"

namespace {

int Fail(const std::string& what) {
  std::fprintf(stderr, "picnic_consumer: %s\n", what.c_str());
  return 1;
}

// A gradient with some texture, so that the model has something to predict.
picnic::Image TestImage(int width, int height) {
  picnic::Image img = picnic::MakeImage(width, height, picnic::ChannelLayout::kRgb);
  uint32_t state = 12345;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < 3; ++c) {
        state = state * 1664525u + 1013904223u;
        img.at(y, x, c) = static_cast<uint8_t>((x * 13 + y * 7 + c * 60) + (state >> 28));
      }
    }
  }
  return img;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s WEIGHTS_DIR\n", argv[0]);
    return 2;
  }
  namespace fs = std::filesystem;
  auto weights = picnic::FindIntWeights("photo");
  if (!weights.ok()) return Fail("no photo weights: " + weights.status().ToString());
  std::error_code ec;
  if (fs::canonical(weights.value(), ec).parent_path() != fs::canonical(argv[1], ec)) {
    return Fail("photo weights found at " + weights.value() + ", not in " + argv[1]);
  }

  const picnic::Image image = TestImage(16, 16);
  picnic::EncodeOptions options;
  options.model = "photo";
  options.provider = picnic::EngineModelProvider(picnic::BuiltinModelProvider());
  options.threads = 1;
  auto bytes = picnic::Encode(image, options);
  if (!bytes.ok()) return Fail("encode: " + bytes.status().ToString());
  auto info = picnic::ReadFileInfo(bytes->data(), bytes->size());
  if (!info.ok()) return Fail("info: " + info.status().ToString());
  if (info->model_name != "photo") return Fail("file names model " + info->model_name);

  picnic::DecodeOptions decode_options;
  decode_options.provider = options.provider;
  decode_options.threads = 1;
  auto back = picnic::Decode(bytes->data(), bytes->size(), decode_options);
  if (!back.ok()) return Fail("decode: " + back.status().ToString());
  if (back->width != image.width || back->height != image.height || back->layout != image.layout ||
      back->pixels != image.pixels) {
    return Fail("decoded image differs from the original");
  }
  std::printf("picnic %s: %dx%d rgb, %zu bytes (%.3f bits/subpixel) with %s from %s; decoded losslessly\n",
              picnic::VersionString(), image.width, image.height, bytes->size(), info->bits_per_subpixel,
              info->model_name.c_str(), weights.value().c_str());
  return 0;
}
