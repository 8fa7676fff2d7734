// picnic's weights format (picnic/weights.h): exact round trips, a
// fingerprint that sees every weight, errors (not crashes) on damaged files.
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "model_test_util.h"
#include "picnic/image_io.h"
#include "picnic/weights.h"

// Last: LibTorch's glog defines CHECK too; Catch's must win.
#include <catch2/catch.hpp>

namespace picnic {
namespace {

using testing::TempDir;
using testing::TinyModel;

std::vector<uint8_t> ReadAll(const std::string& path) {
  auto bytes = ReadFileBytes(path);
  REQUIRE(bytes.ok());
  return bytes.value();
}

void WriteAll(const std::string& path, const std::vector<uint8_t>& bytes) {
  REQUIRE(WriteFileAtomic(path, bytes, /*overwrite=*/true).ok());
}

TEST_CASE("weights: save and load give bitwise identical outputs and fingerprint", "[model][weights]") {
  TempDir dir;
  PixelCnn model = TinyModel(5);
  const std::string path = dir.path() + "/tiny.pnw";
  REQUIRE(SaveWeights(path, model, "tiny", R"({"training": {"steps": 3}})").ok());
  auto loaded = LoadWeights(path);
  REQUIRE(loaded.ok());
  CHECK(loaded->name == "tiny");
  CHECK(loaded->fingerprint == WeightsFingerprint(model));
  CHECK(WeightsFingerprint(loaded->model) == loaded->fingerprint);
  CHECK(loaded->metadata_json.find("\"steps\": 3") != std::string::npos);
  CHECK_FALSE(loaded->model->is_training());
  const auto& c = loaded->model->config();
  CHECK(c.nr_filters == model->config().nr_filters);
  CHECK(c.nr_resnet == model->config().nr_resnet);
  CHECK(c.nr_logistic_mix == model->config().nr_logistic_mix);

  torch::NoGradGuard no_grad;
  torch::manual_seed(9);
  torch::Tensor x = torch::rand({2, 3, 8, 12}) * 2 - 1;
  CHECK(torch::equal(model->forward(x), loaded->model->forward(x)));
}

TEST_CASE("weights: the fingerprint changes when any one tensor changes", "[model][weights]") {
  PixelCnn model = TinyModel(6);
  const uint64_t original = WeightsFingerprint(model);
  CHECK(WeightsFingerprint(model) == original);  // deterministic
  torch::NoGradGuard no_grad;
  for (auto& [name, t] : model->NamedTensors()) {
    INFO(name);
    torch::Tensor flat = t.view(-1);
    const int64_t i = flat.numel() / 2;
    const float old_value = flat[i].item<float>();
    // The smallest change a float32 can make.
    flat[i] = std::nextafter(old_value, 1e30f);
    CHECK(WeightsFingerprint(model) != original);
    flat[i] = old_value;
  }
  CHECK(WeightsFingerprint(model) == original);
}

TEST_CASE("weights: damaged files give errors", "[model][weights]") {
  TempDir dir;
  PixelCnn model = TinyModel(7);
  const std::string good = dir.path() + "/good.pnw";
  REQUIRE(SaveWeights(good, model, "tiny", "").ok());
  const std::vector<uint8_t> bytes = ReadAll(good);
  const std::string bad = dir.path() + "/bad.pnw";

  SECTION("bad magic") {
    auto b = bytes;
    b[0] = 'X';
    WriteAll(bad, b);
    auto r = LoadWeights(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kCorrupt);
    CHECK(r.status().message().find("not a picnic weights file") != std::string::npos);
  }
  SECTION("unknown version") {
    auto b = bytes;
    b[8] = 2;
    WriteAll(bad, b);
    auto r = LoadWeights(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("version") != std::string::npos);
  }
  SECTION("a flipped data byte is caught by the fingerprint") {
    auto b = bytes;
    b[b.size() - 8 - 5] ^= 0x10;  // inside the last tensor's data
    WriteAll(bad, b);
    auto r = LoadWeights(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("fingerprint mismatch") != std::string::npos);
  }
  SECTION("a flipped fingerprint byte") {
    auto b = bytes;
    b.back() ^= 0x01;
    WriteAll(bad, b);
    CHECK_FALSE(LoadWeights(bad).ok());
  }
  SECTION("truncated anywhere, or with trailing bytes") {
    // Every prefix length would be slow (each load builds a model); a spread
    // of them, denser at the start where the header fields are.
    std::vector<size_t> lengths;
    for (size_t n = 0; n < 64; ++n) lengths.push_back(n);
    for (size_t n = 64; n < bytes.size(); n += bytes.size() / 97 + 1) lengths.push_back(n);
    lengths.push_back(bytes.size() - 1);
    for (size_t n : lengths) {
      INFO("length " << n);
      WriteAll(bad, std::vector<uint8_t>(bytes.begin(), bytes.begin() + n));
      auto r = LoadWeights(bad);
      CHECK_FALSE(r.ok());
    }
    auto b = bytes;
    b.push_back(0);
    WriteAll(bad, b);
    CHECK_FALSE(LoadWeights(bad).ok());
  }
  SECTION("metadata that is not JSON") {
    auto b = bytes;
    b[16] = '#';  // first metadata byte
    WriteAll(bad, b);
    auto r = LoadWeights(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kCorrupt);
  }
  SECTION("a missing file") {
    auto r = LoadWeights(dir.path() + "/absent.pnw");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kIoError);
  }
  // The intact file still loads after all this.
  CHECK(LoadWeights(good).ok());
}

TEST_CASE("weights: FindWeights and ListWeights use PICNIC_WEIGHTS_DIR", "[model][weights]") {
  TempDir dir;
  PixelCnn model = TinyModel(8);
  const std::string path = dir.path() + "/tiny-test-model.pnw";
  REQUIRE(SaveWeights(path, model, "tiny-test-model", "").ok());
  const char* previous = std::getenv("PICNIC_WEIGHTS_DIR");
  const std::string saved = previous ? previous : "";
  setenv("PICNIC_WEIGHTS_DIR", dir.path().c_str(), 1);

  auto by_name = FindWeights("tiny-test-model");
  REQUIRE(by_name.ok());
  CHECK(std::filesystem::equivalent(by_name.value(), path));
  auto by_path = FindWeights(path);
  REQUIRE(by_path.ok());
  CHECK(by_path.value() == path);
  auto missing = FindWeights("no-such-model-anywhere");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == StatusCode::kModelNotFound);
  // A path that does not exist is not looked up as a name.
  CHECK_FALSE(FindWeights(dir.path() + "/absent.pnw").ok());
  const auto all = ListWeights();
  CHECK(std::any_of(all.begin(), all.end(), [&](const std::string& p) {
    return std::filesystem::equivalent(p, path);
  }));

  if (previous) {
    setenv("PICNIC_WEIGHTS_DIR", saved.c_str(), 1);
  } else {
    unsetenv("PICNIC_WEIGHTS_DIR");
  }
}

}  // namespace
}  // namespace picnic
