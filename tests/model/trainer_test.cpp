// The trainer (picnic/trainer.h) on a tiny network and a handful of
// generated images: it learns, and a run interrupted by a checkpoint resumes
// exactly where it stopped.
#include "picnic/trainer.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "model_test_util.h"
#include "picnic/dataset.h"
#include "picnic/evaluate.h"
#include "picnic/image_io.h"
#include "picnic/weights.h"

// Last: LibTorch's glog defines CHECK too; Catch's must win.
#include <catch2/catch.hpp>

namespace picnic {
namespace {

using testing::TempDir;
using testing::TinyConfig;

// Smooth gradients with a little noise: easy to beat a random network on.
std::vector<Image> TrainingImages() {
  std::vector<Image> images;
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> noise(-3, 3);
  for (int n = 0; n < 4; ++n) {
    Image image = MakeImage(16, 16, ChannelLayout::kRgb);
    for (int y = 0; y < 16; ++y)
      for (int x = 0; x < 16; ++x)
        for (int c = 0; c < 3; ++c)
          image.at(y, x, c) = static_cast<uint8_t>(std::clamp(40 + 8 * x + 4 * y + 20 * c + 10 * n + noise(rng), 0, 255));
    images.push_back(std::move(image));
  }
  return images;
}

void WritePng(const Image& image, const std::string& path) {
  auto png = EncodePng(image);
  REQUIRE(png.ok());
  REQUIRE(WriteFileAtomic(path, png.value(), false).ok());
}

TrainOptions TinyTrainOptions(const std::string& data_dir, const std::string& run_dir) {
  TrainOptions o;
  o.train_paths = {data_dir};
  o.run_dir = run_dir;
  o.name = "tiny";
  o.config = TinyConfig();
  o.crop = 8;
  o.batch = 4;
  o.learning_rate = 3e-3;
  o.lr_decay = 0.999;
  o.ema_decay = 0.99;
  o.checkpoint_minutes = 1e9;  // only the final checkpoint
  o.valid_minutes = 1e9;
  o.seed = 3;
  // One thread: tiny tensors gain nothing from two, and OpenMP threads that
  // spin-wait for each other crawl on a loaded machine.
  o.threads = 1;
  return o;
}

// Loads checkpoint/<file> (model.pt or ema.pt) of a run.
PixelCnn LoadCheckpoint(const std::string& run_dir, const std::string& file) {
  PixelCnn model(TinyConfig());
  torch::load(model, run_dir + "/checkpoint/" + file);
  model->eval();
  return model;
}

bool SameParameters(const PixelCnn& a, const PixelCnn& b) {
  auto pa = a->parameters(), pb = b->parameters();
  if (pa.size() != pb.size()) return false;
  for (size_t i = 0; i < pa.size(); ++i)
    if (!torch::equal(pa[i], pb[i])) return false;
  return true;
}

double MeanBits(PixelCnn& model, const std::vector<Image>& images) {
  auto r = EvaluateImages(model, images);
  REQUIRE(r.ok());
  double bits = 0, subpixels = 0;
  for (const auto& n : r.value()) {
    bits += n.nll_bits;
    subpixels += n.subpixels;
  }
  return bits / subpixels;
}

TEST_CASE("trainer: learns, and resumes exactly from a checkpoint", "[model][trainer]") {
  TempDir tmp;
  const int threads_before = torch::get_num_threads();  // Train() sets its own
  const std::string data = tmp.path() + "/data";
  std::filesystem::create_directories(data);
  const std::vector<Image> images = TrainingImages();
  for (size_t i = 0; i < images.size(); ++i) WritePng(images[i], data + "/img" + std::to_string(i) + ".png");
  constexpr int kSteps = 20;

  // Uninterrupted.
  const std::string straight = tmp.path() + "/straight";
  TrainOptions a = TinyTrainOptions(data, straight);
  a.max_steps = kSteps;
  REQUIRE(Train(a).ok());

  // Stopped half-way, then resumed in a second call.
  const std::string halves = tmp.path() + "/halves";
  TrainOptions b = TinyTrainOptions(data, halves);
  b.max_steps = kSteps / 2;
  REQUIRE(Train(b).ok());
  {
    std::ifstream in(halves + "/checkpoint/state.json");
    CHECK(nlohmann::json::parse(in)["step"] == kSteps / 2);
  }
  b.max_steps = kSteps;
  REQUIRE(Train(b).ok());
  {
    std::ifstream in(halves + "/checkpoint/state.json");
    CHECK(nlohmann::json::parse(in)["step"] == kSteps);
  }

  PixelCnn model_a = LoadCheckpoint(straight, "model.pt");
  PixelCnn model_b = LoadCheckpoint(halves, "model.pt");
  CHECK(SameParameters(model_a, model_b));
  CHECK(SameParameters(LoadCheckpoint(straight, "ema.pt"), LoadCheckpoint(halves, "ema.pt")));

  // A stop request (SIGINT/SIGTERM in `picnic train`) ends the run at the
  // next step with a checkpoint, and the run resumes from there.
  {
    const std::string stopped = tmp.path() + "/stopped";
    TrainOptions s = TinyTrainOptions(data, stopped);
    s.max_steps = kSteps / 2;
    REQUIRE(Train(s).ok());
    std::atomic<bool> stop{true};
    s.max_steps = kSteps;
    s.stop = &stop;
    REQUIRE(Train(s).ok());
    std::ifstream in(stopped + "/checkpoint/state.json");
    CHECK(nlohmann::json::parse(in)["step"] == kSteps / 2);
  }

  // The check above can fail: one step more is a different model.
  TrainOptions c = TinyTrainOptions(data, halves);
  c.max_steps = kSteps + 1;
  REQUIRE(Train(c).ok());
  CHECK_FALSE(SameParameters(model_a, LoadCheckpoint(halves, "model.pt")));

  // And it learned: the trained network beats its own initialization.
  torch::manual_seed(a.seed);
  PixelCnn initial(TinyConfig());
  initial->eval();
  const double before = MeanBits(initial, images);
  const double after = MeanBits(model_a, images);
  INFO("bits/subpixel before " << before << ", after " << after);
  CHECK(after < before - 0.5);

  // A new run started from exported weights continues their training record
  // (checkpoints do not outlive a session; shipped weights do).
  const std::string init = tmp.path() + "/init.pnw";
  REQUIRE(SaveWeights(init, LoadCheckpoint(straight, "ema.pt"), "tiny",
                      R"({"training": {"steps": 20, "pixels_seen": 1280, "cpu_hours": 0.5}})")
              .ok());
  TrainOptions d = TinyTrainOptions(data, tmp.path() + "/from_init");
  d.init_weights = init;
  d.max_steps = kSteps + 1;
  REQUIRE(Train(d).ok());
  {
    std::ifstream in(tmp.path() + "/from_init/checkpoint/state.json");
    const auto j = nlohmann::json::parse(in);
    CHECK(j["step"] == kSteps + 1);
    CHECK(j["pixels_seen"] == 1280 + d.batch * d.crop * d.crop);
    CHECK(j["cpu_seconds"].get<double>() >= 0.5 * 3600);
  }
  TrainOptions e = TinyTrainOptions(data, tmp.path() + "/wrong_arch");
  e.init_weights = init;
  e.config.nr_filters = 12;
  e.max_steps = 1;
  CHECK_FALSE(Train(e).ok());
  torch::set_num_threads(threads_before);
}

// Mean absolute difference of horizontal neighbours over a [N, 3, H, W] uint8 batch.
double Roughness(const torch::Tensor& crops) {
  torch::Tensor f = crops.to(torch::kFloat32);
  return (f.narrow(3, 1, f.size(3) - 1) - f.narrow(3, 0, f.size(3) - 1)).abs().mean().item<double>();
}

TEST_CASE("trainer: upscaling augmentation makes smooth crops; off, the stream is unchanged", "[model][trainer]") {
  // One image of uniform noise: any smoothness comes from the augmentation.
  ImageSet set;
  set.images.push_back(torch::randint(0, 256, {3, 40, 40}, torch::TensorOptions().dtype(torch::kUInt8)));
  set.paths.push_back("noise.png");
  set.total_pixels = 40 * 40;

  CropAugmentation plain;
  std::mt19937_64 rng1(7), rng2(7);
  const torch::Tensor a = RandomCrops(set, 64, 16, plain, rng1);
  CropAugmentation zero = plain;
  zero.upscale_probability = 0;
  zero.max_upscale = 4;  // ignored when the probability is 0
  const torch::Tensor b = RandomCrops(set, 64, 16, zero, rng2);
  CHECK(torch::equal(a, b));
  CHECK(rng1() == rng2());

  CropAugmentation up = plain;
  up.upscale_probability = 1;
  up.max_upscale = 3;
  std::mt19937_64 rng3(7);
  const torch::Tensor c = RandomCrops(set, 64, 16, up, rng3);
  REQUIRE(c.sizes() == a.sizes());
  CHECK(c.dtype() == torch::kUInt8);
  const double rough_plain = Roughness(a), rough_up = Roughness(c);
  INFO("roughness plain " << rough_plain << ", upscaled " << rough_up);
  CHECK(rough_up < 0.7 * rough_plain);

  // Same seed, same crops.
  std::mt19937_64 rng4(7);
  CHECK(torch::equal(c, RandomCrops(set, 64, 16, up, rng4)));
}

TEST_CASE("trainer: validation is reported per group of file names", "[model][trainer]") {
  TempDir tmp;
  const int threads_before = torch::get_num_threads();
  const std::string data = tmp.path() + "/data", valid = tmp.path() + "/valid";
  std::filesystem::create_directories(data);
  std::filesystem::create_directories(valid);
  const std::vector<Image> images = TrainingImages();
  for (size_t i = 0; i < images.size(); ++i) {
    WritePng(images[i], data + "/img" + std::to_string(i) + ".png");
    // Two groups: smooth images (the training ones) and noise.
    const std::string group = i % 2 == 0 ? "smooth_" : "noise_";
    Image v = images[i];
    if (i % 2 == 1) {
      std::mt19937 rng(static_cast<unsigned>(i));
      for (auto& p : v.pixels) p = static_cast<uint8_t>(rng() & 255);
    }
    WritePng(v, valid + "/" + group + std::to_string(i) + ".png");
  }
  TrainOptions o = TinyTrainOptions(data, tmp.path() + "/run");
  o.valid_paths = {valid};
  o.valid_crop = 8;
  o.valid_crops_per_image = 4;
  o.max_steps = 3;
  REQUIRE(Train(o).ok());
  std::ifstream in(tmp.path() + "/run/checkpoint/state.json");
  const auto j = nlohmann::json::parse(in);
  REQUIRE(j["history"].size() >= 1);
  const auto& last = j["history"].back();
  REQUIRE(last.contains("valid_bits_per_subpixel_by_group"));
  const auto& groups = last["valid_bits_per_subpixel_by_group"];
  REQUIRE(groups.size() == 2);
  const double smooth = groups["smooth"].get<double>(), noise = groups["noise"].get<double>();
  const double all = last["valid_bits_per_subpixel"].get<double>();
  INFO("smooth " << smooth << ", noise " << noise << ", all " << all);
  CHECK(smooth < noise);
  // Both groups have the same number of crops: the whole is their mean.
  CHECK(std::abs(all - 0.5 * (smooth + noise)) < 1e-6);
  torch::set_num_threads(threads_before);
}

}  // namespace
}  // namespace picnic
