// Small helpers shared by the model tests: a tiny network, random images,
// temporary folders.
#ifndef PICNIC_TESTS_MODEL_TEST_UTIL_H_
#define PICNIC_TESTS_MODEL_TEST_UTIL_H_

#include <stdlib.h>

#include <filesystem>
#include <random>
#include <string>

#include "picnic/image.h"
#include "picnic/pixelcnn.h"

namespace picnic {
namespace testing {

// Small enough that a forward pass of a 16x16 image takes milliseconds.
inline PixelCnnConfig TinyConfig() {
  PixelCnnConfig c;
  c.nr_filters = 8;
  c.nr_resnet = 1;
  c.nr_logistic_mix = 3;
  c.dropout = 0.0;
  return c;
}

// A randomly initialized tiny model in eval mode (seeded: reproducible).
inline PixelCnn TinyModel(uint64_t seed = 1, torch::ScalarType dtype = torch::kFloat32) {
  torch::manual_seed(seed);
  PixelCnn model(TinyConfig());
  model->to(dtype);
  model->eval();
  return model;
}

inline Image RandomImage(int width, int height, ChannelLayout layout, uint32_t seed) {
  Image image = MakeImage(width, height, layout);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> v(0, 255);
  for (auto& p : image.pixels) p = static_cast<uint8_t>(v(rng));
  return image;
}

// A fresh folder under $TMPDIR, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "picnic_model_test_XXXXXX").string();
    const char* dir = mkdtemp(templ.data());
    path_ = dir ? dir : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace testing
}  // namespace picnic

#endif  // PICNIC_TESTS_MODEL_TEST_UTIL_H_
