// Prints picnic's encode and decode speed (pixels/s, median of several runs)
// with a learned model on the images of a folder, and, from the total
// pixels/s, the time a 768x512 image would take:
//
//   torch_codec_bench [--model NAME|PATH] [--threads N] [--tile N]
//                     [--tiles-per-batch N] [--runs N] [--max-images N] [FOLDER|FILE...]
//
// Defaults: --model photo, --threads 0 (all cores), --tile 64, --runs 3,
// FOLDER ../shared/data/photos/valid. Every round trip is checked.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "picnic/dataset.h"
#include "picnic/image_io.h"
#include "picnic/picnic.h"
#include "picnic/pixelcnn_model.h"
#include "picnic/weights.h"

namespace {

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int Usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--model NAME|PATH] [--threads N] [--tile N] [--tiles-per-batch N] "
               "[--runs N] [--max-images N] [FOLDER|FILE...]\n",
               argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model = "photo";
  int threads = 0, tile = picnic::kDefaultTileSize, tiles_per_batch = 0, runs = 3, max_images = 0;
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    auto int_arg = [&](int* out) {
      const char* v = next();
      if (!v) return false;
      char* end = nullptr;
      const long n = std::strtol(v, &end, 10);
      if (*end != '\0' || n < 0 || n > (1 << 20)) return false;
      *out = static_cast<int>(n);
      return true;
    };
    if (a == "--model") {
      const char* v = next();
      if (!v) return Usage(argv[0]);
      model = v;
    } else if (a == "--threads") {
      if (!int_arg(&threads)) return Usage(argv[0]);
    } else if (a == "--tile") {
      if (!int_arg(&tile)) return Usage(argv[0]);
    } else if (a == "--tiles-per-batch") {
      if (!int_arg(&tiles_per_batch)) return Usage(argv[0]);
    } else if (a == "--runs") {
      if (!int_arg(&runs) || runs < 1) return Usage(argv[0]);
    } else if (a == "--max-images") {
      if (!int_arg(&max_images)) return Usage(argv[0]);
    } else if (a == "-h" || a == "--help") {
      Usage(argv[0]);
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      return Usage(argv[0]);
    } else {
      inputs.push_back(a);
    }
  }
  if (inputs.empty()) {
    const std::string fallback = "../shared/data/photos/valid";
    if (!std::filesystem::is_directory(fallback)) {
      std::fprintf(stderr, "no FOLDER given and %s does not exist\n", fallback.c_str());
      return Usage(argv[0]);
    }
    inputs.push_back(fallback);
  }

  auto weights_path = picnic::FindWeights(model);
  if (!weights_path.ok()) {
    std::fprintf(stderr, "torch_codec_bench: %s\n", weights_path.status().ToString().c_str());
    return 1;
  }
  auto weights = picnic::LoadWeights(weights_path.value());
  if (!weights.ok()) {
    std::fprintf(stderr, "torch_codec_bench: %s\n", weights.status().ToString().c_str());
    return 1;
  }
  const std::string path = weights->path;
  const uint64_t fingerprint = weights->fingerprint;
  // These weights by fingerprint (they may lie outside the weights folders),
  // anything else as the CLI would find it.
  const picnic::ModelProvider fallback = picnic::TorchModelProvider(picnic::BuiltinModelProvider());
  const picnic::ModelProvider provider =
      [=](const std::string& name,
          uint64_t fp) -> picnic::Result<std::unique_ptr<picnic::ProbabilityModel>> {
    if (fp != fingerprint && !(fp == 0 && name == path)) return fallback(name, fp);
    auto w = picnic::LoadWeights(path);
    if (!w.ok()) return w.status();
    return std::unique_ptr<picnic::ProbabilityModel>(new picnic::PixelCnnModel(std::move(w).value()));
  };

  auto files = picnic::ListImageFiles(inputs);
  if (!files.ok()) {
    std::fprintf(stderr, "torch_codec_bench: %s\n", files.status().ToString().c_str());
    return 1;
  }
  if (max_images > 0 && files->size() > static_cast<size_t>(max_images)) files->resize(max_images);
  if (files->empty()) {
    std::fprintf(stderr, "torch_codec_bench: no images found\n");
    return 1;
  }

  std::printf("# picnic encode/decode speed: model %s (fingerprint %s), tile %d, tiles/batch %s, threads %s, %ld cores; median of %d run%s per image; "
              "wall seconds, pixels/s = width*height/seconds; every round trip checked\n",
              weights->name.c_str(), picnic::FingerprintHex(fingerprint).c_str(), tile,
              tiles_per_batch ? std::to_string(tiles_per_batch).c_str() : "auto",
              threads ? std::to_string(threads).c_str() : "all",
              ::sysconf(_SC_NPROCESSORS_ONLN), runs, runs == 1 ? "" : "s");
  std::printf("%-11s %9s %9s %12s %12s %8s  %s\n", "size", "enc s", "dec s", "enc px/s",
              "dec px/s", "bpsp", "image");
  std::fflush(stdout);
  double total_pixels = 0, total_enc = 0, total_dec = 0;
  int failures = 0;
  for (const std::string& file : files.value()) {
    auto image = picnic::ReadImageFile(file);
    if (!image.ok()) {
      std::fprintf(stderr, "torch_codec_bench: %s: %s\n", file.c_str(), image.status().ToString().c_str());
      ++failures;
      continue;
    }
    picnic::EncodeOptions enc;
    enc.model = path;
    enc.provider = provider;
    enc.tile_size = tile;
    enc.tiles_per_batch = tiles_per_batch;
    enc.threads = threads;
    picnic::DecodeOptions dec;
    dec.provider = provider;
    dec.threads = threads;
    std::vector<double> enc_s, dec_s;
    size_t bytes = 0;
    bool ok = true;
    for (int r = 0; r < runs && ok; ++r) {
      auto start = std::chrono::steady_clock::now();
      auto encoded = picnic::Encode(image.value(), enc);
      enc_s.push_back(SecondsSince(start));
      if (!encoded.ok()) {
        std::fprintf(stderr, "torch_codec_bench: %s: %s\n", file.c_str(), encoded.status().ToString().c_str());
        ok = false;
        break;
      }
      bytes = encoded->size();
      start = std::chrono::steady_clock::now();
      auto decoded = picnic::Decode(encoded->data(), encoded->size(), dec);
      dec_s.push_back(SecondsSince(start));
      if (!decoded.ok() || decoded->pixels != image->pixels || decoded->layout != image->layout) {
        std::fprintf(stderr, "torch_codec_bench: %s: round trip FAILED%s%s\n", file.c_str(),
                     decoded.ok() ? "" : ": ", decoded.ok() ? "" : decoded.status().ToString().c_str());
        ok = false;
      }
    }
    if (!ok) {
      ++failures;
      continue;
    }
    const double pixels = static_cast<double>(image->width) * image->height;
    const double e = Median(enc_s), d = Median(dec_s);
    total_pixels += pixels;
    total_enc += e;
    total_dec += d;
    const std::string size = std::to_string(image->width) + "x" + std::to_string(image->height);
    std::printf("%-11s %9.2f %9.2f %12.0f %12.0f %8.4f  %s\n", size.c_str(), e, d, pixels / e,
                pixels / d, bytes * 8.0 / image->num_subpixels(), file.c_str());
    std::fflush(stdout);
  }
  if (total_pixels > 0) {
    const double enc_pps = total_pixels / total_enc, dec_pps = total_pixels / total_dec;
    std::printf("%-11s %9.2f %9.2f %12.0f %12.0f %8s  total over %.0f pixels\n", "total", total_enc,
                total_dec, enc_pps, dec_pps, "", total_pixels);
    std::printf("768x512 at these rates (linear in pixels): encode %.1f s, decode %.1f s\n", 768.0 * 512 / enc_pps,
                768.0 * 512 / dec_pps);
  }
  return failures ? 1 : 0;
}
