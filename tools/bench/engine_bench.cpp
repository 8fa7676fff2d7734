// Prints the exact engine's coding speed: pixels/s each way (median of
// several runs) per kernel path and thread count on the given images, and
// the time a 768x512 image takes at that rate. Every round trip is checked.
//
//   engine_bench [--model NAME|PATH] [--runs N] [--threads 1,2] [--paths all|default|scalar,avx2,...]
//                [--tile N] [--effort N] [--no-recalibrate] [--no-calibration-map]
//                [--no-error-feedback] IMAGE|FOLDER...
//
// Defaults: --model photo, --runs 3, --threads 1,2, --paths default (the path compress uses), --tile 64,
// --effort as compress (an adaptation pass counts as encoding time), online
// recalibration on as compress (--no-recalibrate: off, to time what it costs).
// Benchmarks on a loaded machine are worthless: stop training first.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "bench_inputs.h"
#include "picnic/engine.h"
#include "picnic/image_io.h"
#include "picnic/picnic.h"

namespace {

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) out.push_back(item);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model = "photo", paths_arg = "default", threads_arg = "1,2";
  int runs = 3, tile = picnic::kDefaultTileSize, precision = picnic::kDefaultCdfPrecision;
  int effort = picnic::kDefaultEffort;
  bool recalibrate = true, calibration_map = true, error_feedback = true;
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (a == "--model" && v) model = argv[++i];
    else if (a == "--runs" && v) runs = std::max(1, std::atoi(argv[++i]));
    else if (a == "--threads" && v) threads_arg = argv[++i];
    else if (a == "--paths" && v) paths_arg = argv[++i];
    else if (a == "--tile" && v) tile = std::atoi(argv[++i]);
    else if (a == "--precision" && v) precision = std::atoi(argv[++i]);
    else if (a == "--effort" && v) effort = std::atoi(argv[++i]);
    else if (a == "--no-recalibrate") recalibrate = false;
    else if (a == "--no-calibration-map") calibration_map = false;
    else if (a == "--no-error-feedback") error_feedback = false;
    else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "usage: %s [--model M] [--runs N] [--threads 1,2] [--paths all|default|LIST] [--tile N] [--effort N] [--no-recalibrate] [--no-calibration-map] [--no-error-feedback] IMAGE|FOLDER...\n", argv[0]);
      return 2;
    } else inputs.push_back(a);
  }
  const std::vector<std::string> files = BenchImageFiles(inputs);
  if (files.empty()) {
    std::fprintf(stderr, "engine_bench: no images\n");
    return 2;
  }
  std::vector<picnic::Image> images;
  uint64_t pixels = 0;
  for (const auto& f : files) {
    auto img = picnic::ReadImageFile(f);
    if (!img.ok()) {
      std::fprintf(stderr, "engine_bench: %s: %s\n", f.c_str(), img.status().ToString().c_str());
      return 1;
    }
    img->metadata.clear();
    pixels += static_cast<uint64_t>(img->width) * img->height;
    images.push_back(std::move(img).value());
  }
  auto wpath = picnic::FindIntWeights(model);
  if (!wpath.ok()) {
    std::fprintf(stderr, "engine_bench: %s\n", wpath.status().ToString().c_str());
    return 1;
  }
  auto weights = picnic::LoadIntWeights(*wpath);
  if (!weights.ok()) {
    std::fprintf(stderr, "engine_bench: %s\n", weights.status().ToString().c_str());
    return 1;
  }
  std::vector<picnic::KernelPath> paths;
  const auto available = picnic::AvailableKernelPaths();
  if (paths_arg == "all") paths = available;
  else if (paths_arg == "default") {
    auto p = picnic::DefaultKernelPath();
    if (!p.ok()) {
      std::fprintf(stderr, "engine_bench: %s\n", p.status().ToString().c_str());
      return 2;
    }
    paths = {*p};
  }
  else {
    for (const auto& name : Split(paths_arg)) {
      bool found = false;
      for (auto p : available) {
        if (name == picnic::KernelPathName(p)) paths.push_back(p), found = true;
      }
      if (!found) {
        std::fprintf(stderr, "engine_bench: kernel path %s is not available here\n", name.c_str());
        return 2;
      }
    }
  }
  std::printf("model %s (fingerprint %s), %zu images, %llu pixels, tile %d, effort %d%s, median of %d runs\n",
              weights->name.c_str(), picnic::FingerprintHex(weights->fingerprint).c_str(), images.size(),
              static_cast<unsigned long long>(pixels), tile, effort, recalibrate ? (std::string(calibration_map ? "" : ", no calibration map") + (error_feedback ? "" : ", no error feedback")).c_str() : ", not recalibrated", runs);
  std::printf("%-8s %7s %12s %12s %14s %14s\n", "path", "threads", "enc px/s", "dec px/s", "768x512 enc s",
              "768x512 dec s");
  for (picnic::KernelPath path : paths) {
    picnic::ModelProvider provider = [&](const std::string&, uint64_t) -> picnic::Result<std::unique_ptr<picnic::ProbabilityModel>> {
      picnic::EngineOptions eo;
      eo.use_default_kernel = false;
      eo.kernel = path;
      PICNIC_ASSIGN_OR_RETURN(std::unique_ptr<picnic::EngineModel> m, picnic::EngineModel::Create(*weights, eo));
      return std::unique_ptr<picnic::ProbabilityModel>(std::move(m));
    };
    for (const auto& ts : Split(threads_arg)) {
      const int threads = std::atoi(ts.c_str());
      std::vector<double> enc, dec;
      uint64_t bytes = 0;
      for (int r = 0; r < runs; ++r) {
        double e = 0, d = 0;
        for (const auto& img : images) {
          picnic::EncodeOptions eo;
          eo.model = weights->name;
          eo.provider = provider;
          eo.threads = threads;
          eo.tile_size = tile;
          eo.cdf_precision = precision;
          eo.effort = effort;
          eo.recalibrate = recalibrate;
          eo.calibration_map = calibration_map;
          eo.error_feedback = error_feedback;
          auto t0 = std::chrono::steady_clock::now();
          auto file = picnic::Encode(img, eo);
          e += Since(t0);
          if (!file.ok()) {
            std::fprintf(stderr, "engine_bench: encode: %s\n", file.status().ToString().c_str());
            return 1;
          }
          if (r == 0) bytes += file->size();
          picnic::DecodeOptions dopt;
          dopt.provider = provider;
          dopt.threads = threads;
          t0 = std::chrono::steady_clock::now();
          auto back = picnic::Decode(file->data(), file->size(), dopt);
          d += Since(t0);
          if (!back.ok() || back->pixels != img.pixels) {
            std::fprintf(stderr, "engine_bench: round trip failed\n");
            return 1;
          }
        }
        enc.push_back(pixels / e);
        dec.push_back(pixels / d);
      }
      const double me = Median(enc), md = Median(dec);
      uint64_t subpixels = 0;
      for (const auto& img : images) subpixels += static_cast<uint64_t>(img.width) * img.height * picnic::NumColorChannels(img.layout);
      std::printf("%-8s %7d %12.0f %12.0f %14.2f %14.2f   %.4f bits/subpixel (colour), precision %d\n",
                  picnic::KernelPathName(path), threads, me, md, 768.0 * 512 / me, 768.0 * 512 / md,
                  bytes * 8.0 / subpixels, precision);
      std::fflush(stdout);
    }
  }
  return 0;
}
