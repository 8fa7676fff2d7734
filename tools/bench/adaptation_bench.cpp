// Prints what online adaptation (format 1.5-1.8: recalibration, the
// calibration map, error feedback, annealed steps) costs at decode time: each
// image is encoded twice with the same options, adaptation on (as compress)
// and off (compress --no-recalibrate), and the two files are decoded in
// alternation, A B B A per round, on one thread, in this one process (no
// start-up or weight loading in the figures, and the machine's drift falls
// on both alike). Per image: both files' sizes, the median decode CPU time
// of each, and the median over rounds of the round's ratio (A + A) / (B + B);
// then the same over all images. Every decode is checked against the image.
//
//   adaptation_bench [--model NAME|PATH] [--rounds N] [--tile N] [--effort N] IMAGE|FOLDER...
//
// Defaults: --model photo, --rounds 5, tile and effort as compress.
// Benchmarks on a loaded machine are worthless: stop training first.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_inputs.h"
#include "picnic/engine.h"
#include "picnic/image_io.h"
#include "picnic/picnic.h"

namespace {

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double CpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

// Decodes `file` on one thread and checks it against `image`; CPU seconds,
// or a negative value if the decode failed or differed.
double TimedDecode(const std::vector<uint8_t>& file, const picnic::Image& image,
                   const picnic::ModelProvider& provider) {
  picnic::DecodeOptions o;
  o.provider = provider;
  o.threads = 1;
  const double t0 = CpuSeconds();
  auto back = picnic::Decode(file.data(), file.size(), o);
  const double t = CpuSeconds() - t0;
  if (!back.ok()) {
    std::fprintf(stderr, "adaptation_bench: decode: %s\n", back.status().ToString().c_str());
    return -1;
  }
  if (back->pixels != image.pixels) {
    std::fprintf(stderr, "adaptation_bench: round trip differs\n");
    return -1;
  }
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model = "photo";
  int rounds = 5, tile = picnic::kDefaultTileSize, effort = picnic::kDefaultEffort;
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--model" && has_value) model = argv[++i];
    else if (a == "--rounds" && has_value) rounds = std::max(1, std::atoi(argv[++i]));
    else if (a == "--tile" && has_value) tile = std::atoi(argv[++i]);
    else if (a == "--effort" && has_value) effort = std::atoi(argv[++i]);
    else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "usage: %s [--model M] [--rounds N] [--tile N] [--effort N] IMAGE|FOLDER...\n", argv[0]);
      return 2;
    } else inputs.push_back(a);
  }
  const std::vector<std::string> files = BenchImageFiles(inputs);
  if (files.empty()) {
    std::fprintf(stderr, "adaptation_bench: no images\n");
    return 2;
  }
  const picnic::ModelProvider provider = picnic::EngineModelProvider(picnic::BuiltinModelProvider());
  std::printf("model %s, tile %d, effort %d, decoding on 1 thread, %d rounds of A B B A per image\n", model.c_str(),
              tile, effort, rounds);
  std::printf("A: online adaptation on (compress), B: off (compress --no-recalibrate)\n");
  std::printf("%-28s %10s %10s %9s %9s %9s\n", "image", "A bytes", "B bytes", "A s", "B s", "A/B");
  std::vector<double> all_ratios;
  double sum_a = 0, sum_b = 0;
  uint64_t bytes_a = 0, bytes_b = 0;
  for (const auto& f : files) {
    auto img = picnic::ReadImageFile(f);
    if (!img.ok()) {
      std::fprintf(stderr, "adaptation_bench: %s: %s\n", f.c_str(), img.status().ToString().c_str());
      return 1;
    }
    img->metadata.clear();
    std::vector<uint8_t> coded[2];
    for (int k = 0; k < 2; ++k) {
      picnic::EncodeOptions eo;
      eo.model = model;
      eo.provider = provider;
      eo.tile_size = tile;
      eo.effort = effort;
      eo.recalibrate = k == 0;
      auto file = picnic::Encode(*img, eo);
      if (!file.ok()) {
        std::fprintf(stderr, "adaptation_bench: %s: encode: %s\n", f.c_str(), file.status().ToString().c_str());
        return 1;
      }
      coded[k] = std::move(file).value();
    }
    std::vector<double> times[2], ratios;
    for (int r = 0; r < rounds; ++r) {
      double round[2] = {0, 0};
      for (int k : {0, 1, 1, 0}) {
        const double t = TimedDecode(coded[k], *img, provider);
        if (t < 0) return 1;
        times[k].push_back(t);
        round[k] += t;
      }
      ratios.push_back(round[0] / round[1]);
    }
    const double a = Median(times[0]), b = Median(times[1]), ratio = Median(ratios);
    const double min_a = *std::min_element(times[0].begin(), times[0].end());
    const double min_b = *std::min_element(times[1].begin(), times[1].end());
    std::printf("%-28s %10zu %10zu %9.3f %9.3f %+8.2f%%  (fastest %.3f / %.3f: %+.2f%%)\n",
                std::filesystem::path(f).filename().string().c_str(), coded[0].size(), coded[1].size(), a, b,
                100 * (ratio - 1), min_a, min_b, 100 * (min_a / min_b - 1));
    std::fflush(stdout);
    all_ratios.push_back(ratio);
    sum_a += a;
    sum_b += b;
    bytes_a += coded[0].size();
    bytes_b += coded[1].size();
  }
  std::printf("%-28s %10llu %10llu %9.3f %9.3f %+8.2f%%  (sum of medians; median over images %+.2f%%; A %+.2f%% bytes)\n",
              "all", static_cast<unsigned long long>(bytes_a), static_cast<unsigned long long>(bytes_b), sum_a, sum_b,
              100 * (sum_a / sum_b - 1), 100 * (Median(all_ratios) - 1), 100 * (static_cast<double>(bytes_a) / bytes_b - 1));
  return 0;
}
