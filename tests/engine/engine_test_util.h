// Shared by the engine tests: the shipped integer weights and deterministic
// test images (spelled-out arithmetic, so goldens never change).
#ifndef PICNIC_TESTS_ENGINE_TEST_UTIL_H_
#define PICNIC_TESTS_ENGINE_TEST_UTIL_H_

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>
#include <vector>

#include "picnic/engine.h"
#include "picnic/image.h"

namespace picnic {
namespace engine_test {

inline IntWeights ShippedWeights(const std::string& name) {
  auto w = LoadIntWeights(std::string(PICNIC_SOURCE_DIR) + "/weights/" + name + ".pnq");
  REQUIRE(w.ok());
  return std::move(w).value();
}

// The kernel paths on which the tests that decode many files decode them:
// every path this CPU has, or, with PICNIC_TEST_KERNEL_PATHS=ends, only the
// scalar one and the best one, with =best the best one only. The sanitizer
// build's ctest sets best (a decode there runs about 15 times slower); the tests that compare every path's
// layers and files ("every kernel path computes the same layers and files",
// the row-at-once and extreme-image tests) take every path in every build.
inline std::vector<KernelPath> DecodeKernelPaths() {
  std::vector<KernelPath> paths = AvailableKernelPaths();
  const char* env = std::getenv("PICNIC_TEST_KERNEL_PATHS");
  if (env != nullptr && std::string(env) == "ends" && paths.size() > 2) paths = {paths.front(), paths.back()};
  if (env != nullptr && std::string(env) == "best") paths = {paths.back()};
  return paths;
}

inline uint32_t Next(uint32_t& s) {
  s = s * 1664525u + 1013904223u;
  return s >> 8;
}

// Smooth gradients with texture and a little noise: photograph-like enough
// for the photo model to be confident, different for every seed.
inline Image TestImage(int w, int h, ChannelLayout layout, uint32_t seed) {
  Image img = MakeImage(w, h, layout);
  uint32_t s = seed * 2654435761u + 1;
  const int cc = NumChannels(layout);
  const int a = static_cast<int>(Next(s) % 7) + 1, b = static_cast<int>(Next(s) % 5) + 1;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < cc; ++c) {
        int v = 40 + a * x + b * y + 30 * c + static_cast<int>(Next(s) % 9) + (((x / 4 + y / 3) & 1) ? 12 : 0);
        if (c == 3) v = (x * 17 + y * 5) % 3 ? 255 : 128;  // alpha
        img.at(y, x, c) = static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
      }
    }
  }
  return img;
}

inline Image NoiseImage(int w, int h, ChannelLayout layout, uint32_t seed) {
  Image img = MakeImage(w, h, layout);
  uint32_t s = seed;
  for (auto& p : img.pixels) p = static_cast<uint8_t>(Next(s));
  return img;
}

}  // namespace engine_test
}  // namespace picnic

#endif  // PICNIC_TESTS_ENGINE_TEST_UTIL_H_
