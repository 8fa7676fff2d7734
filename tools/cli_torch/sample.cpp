// picnic sample [--model NAME|PATH] -n N --size HxW -o DIR [--seed S]
//
// Draws images from a model: a quick look at what it has learned.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "command.h"
#include "picnic/evaluate.h"
#include "picnic/image_io.h"
#include "picnic/pixelcnn_model.h"
#include "picnic/weights.h"

namespace {

struct SampleCliOptions {
  std::string model = kDefaultModelName;
  int count = 16;
  std::string size = "32x32";
  std::string output;
  uint64_t seed = 1;
  int threads = 0;
  bool force = false;
};

// "HxW" or "N" (square).
bool ParseSize(const std::string& s, int* h, int* w) {
  int a = 0, b = 0;
  char x = 0, extra = 0;
  const int n = std::sscanf(s.c_str(), "%d%c%d%c", &a, &x, &b, &extra);
  if (n == 1) b = a;
  else if (n != 3 || (x != 'x' && x != 'X')) return false;
  if (a < 1 || b < 1) return false;
  *h = a;
  *w = b;
  return true;
}

void RunSample(const SampleCliOptions& opt, CliContext& ctx) {
  using picnic_cli::ReportError;
  picnic::UseTorchThreads(opt.threads);
  picnic::SampleOptions so;
  so.count = opt.count;
  so.seed = opt.seed;
  if (!ParseSize(opt.size, &so.height, &so.width)) {
    throw CLI::ValidationError("--size", "expected HxW (e.g. 32x32) or N, got '" + opt.size + "'");
  }
  auto weights_path = picnic::FindWeights(opt.model);
  if (!weights_path.ok()) return ReportError(ctx, "", weights_path.status());
  auto weights = picnic::LoadWeights(weights_path.value());
  if (!weights.ok()) return ReportError(ctx, "", weights.status());

  std::vector<std::string> outputs;
  std::vector<std::string> planned;
  const int digits = opt.count > 1000 ? static_cast<int>(std::to_string(opt.count - 1).size()) : 3;
  for (int i = 0; i < opt.count; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "sample_%0*d.png", digits, i);
    outputs.push_back((std::filesystem::path(opt.output) / name).string());
    const picnic::Status ok = picnic_cli::CheckOutput(outputs.back(), opt.force, &planned);
    if (!ok.ok()) return ReportError(ctx, "", ok);  // before hours of sampling, not after
  }
  std::error_code ec;
  std::filesystem::create_directories(opt.output, ec);
  if (ec) {
    return ReportError(ctx, "", picnic::Status(picnic::StatusCode::kIoError,
                                               "cannot create folder " + opt.output + ": " + ec.message()));
  }

  picnic_cli::Progress progress(ctx, "sampling " + std::to_string(opt.count) + " images");
  so.progress = progress.Callback();
  const auto start = std::chrono::steady_clock::now();
  auto images = picnic::SampleImages(weights->model, so);
  progress.Finish();
  if (!images.ok()) return ReportError(ctx, "", images.status());
  for (size_t i = 0; i < images->size(); ++i) {
    auto png = picnic::EncodePng((*images)[i]);
    if (!png.ok()) return ReportError(ctx, outputs[i], png.status());
    const picnic::Status written = picnic::WriteFileAtomic(outputs[i], png.value(), opt.force);
    if (!written.ok()) ReportError(ctx, outputs[i], written);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  picnic_cli::Note(ctx, "wrote " + std::to_string(images->size()) + " samples of " +
                            std::to_string(so.height) + "x" + std::to_string(so.width) + " from " +
                            weights->name + " to " + opt.output + " in " +
                            std::to_string(static_cast<int>(seconds + 0.5)) + " s");
}

}  // namespace

void AddSampleCommand(CLI::App& app, CliContext& ctx) {
  auto opt = std::make_shared<SampleCliOptions>();
  CLI::App* cmd = app.add_subcommand("sample", "Draw random images from a model");
  cmd->footer(
      "Pixels are drawn one at a time with a full forward pass each: about a minute for 16 "
      "images of 32x32 with a small model, and the cost grows with the square of the pixel count.\n"
      "Example:\n"
      "  picnic sample --model runs/cifar10/cifar10.pnw -n 16 --size 32x32 -o samples/");
  cmd->add_option("-m,--model", opt->model, "Model: a name (weights/NAME.pnw) or a weights file")
      ->type_name("NAME|PATH")
      ->capture_default_str();
  cmd->add_option("-n,--count", opt->count, "Number of images")
      ->type_name("N")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  cmd->add_option("--size", opt->size, "Image size, HxW or N for NxN")->type_name("HxW")->capture_default_str();
  cmd->add_option("-o,--output", opt->output, "Folder for sample_000.png, ... (created if missing)")
      ->required()
      ->type_name("DIR");
  cmd->add_option("--seed", opt->seed, "Random seed")->capture_default_str();
  cmd->add_option("-j,--threads", opt->threads, "LibTorch threads (0: one per core)")
      ->type_name("N")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  cmd->add_flag("-f,--force", opt->force, "Overwrite existing sample files");
  cmd->callback([opt, &ctx]() { RunSample(*opt, ctx); });
}
