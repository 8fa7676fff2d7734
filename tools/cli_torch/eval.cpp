// picnic eval [--model NAME|PATH] [-e N] [--json] [--per-image] [--threads N] PATH...
//
// The model's negative log-likelihood of whole images in bits per subpixel:
// what `picnic compress` with that model should spend, less the coding
// overhead (docs/DESIGN.md "The pipeline"). With -e 2 or 3, each image's
// NLL is computed with the per-image parameters that `compress --model-only
// -e N` would store for it (fitted by the exact engine with the model's
// integer weights).
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "command.h"
#include "picnic/dataset.h"
#include "picnic/engine.h"
#include "picnic/export.h"
#include "picnic/evaluate.h"
#include "picnic/image_io.h"
#include "picnic/pixelcnn_model.h"
#include "picnic/weights.h"

namespace {

struct EvalOptions {
  std::vector<std::string> inputs;
  std::string model = kDefaultModelName;
  bool json = false;
  bool per_image = false;
  int threads = 0;
  int batch = 64;
  int effort = 1;
};

// Files are read and evaluated a chunk at a time, so that memory stays
// bounded for large folders while same-size images still share batches.
constexpr size_t kChunkImages = 1024;
constexpr int64_t kChunkPixels = 16 << 20;

struct Row {
  std::string path;
  picnic::ImageNll nll;
  size_t model_params_bytes = 0;
};

// The per-image parameters `compress --model-only --no-recalibrate -e effort`
// stores for the image (empty when they do not pay): the image is encoded in
// memory as compress would, every tile with the model (eval measures the
// model; a file whose tiles all went to the synthetic model or deflate has
// none), without online recalibration, which is a stage of the coder and
// not of the model the NLL measures, and in the image's own orientation
// (effort 3's search of orientations is the coder's too).
picnic::Result<std::vector<uint8_t>> ChooseParams(const picnic::Image& image, const std::string& int_weights,
                                                  int effort) {
  picnic::EncodeOptions eo;
  eo.model = int_weights;
  eo.provider = picnic::EngineModelProvider(nullptr);
  eo.effort = effort;
  eo.choose_tile_modes = false;
  eo.recalibrate = false;
  eo.orientation = 0;
  PICNIC_ASSIGN_OR_RETURN(std::vector<uint8_t> file, picnic::Encode(image, eo));
  PICNIC_ASSIGN_OR_RETURN(picnic::FileInfo info, picnic::ReadFileInfo(file.data(), file.size()));
  return info.model_params;
}

void RunEval(const EvalOptions& opt, CliContext& ctx) {
  using picnic_cli::ReportError;
  const auto start = std::chrono::steady_clock::now();
  picnic::UseTorchThreads(opt.threads);

  auto weights_path = picnic::FindWeights(opt.model);
  if (!weights_path.ok()) return ReportError(ctx, "", weights_path.status());
  auto weights = picnic::LoadWeights(weights_path.value());
  if (!weights.ok()) return ReportError(ctx, "", weights.status());
  auto files = picnic::ListImageFiles(opt.inputs);
  if (!files.ok()) return ReportError(ctx, "", files.status());
  if (files->empty()) {
    return ReportError(ctx, "", picnic::Status(picnic::StatusCode::kInvalidArgument,
                                               "no images (.png, .ppm, .pgm) found"));
  }

  // -e 3: the integer weights fit the parameters, so they must come from
  // these float weights.
  std::string int_weights;
  if (opt.effort >= picnic::kStudyEffort) {
    auto int_path = picnic::FindIntWeights(opt.model);
    if (!int_path.ok()) {
      return ReportError(ctx, "", picnic::Status(picnic::StatusCode::kModelNotFound,
                                                 "-e " + std::to_string(opt.effort) +
                                                     " needs the model's integer weights (NAME.pnq): " +
                                                     int_path.status().message()));
    }
    auto iw = picnic::LoadIntWeights(int_path.value());
    if (!iw.ok()) return ReportError(ctx, "", iw.status());
    const std::string source = picnic::SourceWeightsFingerprint(iw.value());
    if (source != picnic::FingerprintHex(weights->fingerprint)) {
      return ReportError(ctx, "", picnic::Status(picnic::StatusCode::kModelError,
                                                 int_path.value() + " was exported from other float weights (" +
                                                     (source.empty() ? std::string("not recorded") : source) +
                                                     ") than " + weights->path + " (" +
                                                     picnic::FingerprintHex(weights->fingerprint) + ")"));
    }
    int_weights = int_path.value();
  }

  picnic::EvaluateOptions eval_options;
  eval_options.max_batch = opt.batch;
  std::vector<Row> rows;
  picnic_cli::Progress progress(ctx, "eval");
  auto report = progress.Callback();
  const size_t total_files = files->size();
  size_t next = 0;
  while (next < total_files) {
    // Read the next chunk of files.
    std::vector<picnic::Image> images;
    std::vector<std::string> paths;
    int64_t pixels = 0;
    const size_t chunk_start = next;
    while (next < total_files && images.size() < kChunkImages && pixels < kChunkPixels) {
      const std::string& path = (*files)[next++];
      auto image = picnic::ReadImageFile(path, eval_options.max_pixels);
      if (!image.ok()) {
        progress.Finish();
        ReportError(ctx, path, image.status());
        continue;
      }
      if (!int_weights.empty()) {
        auto params = ChooseParams(image.value(), int_weights, opt.effort);
        if (!params.ok()) {
          progress.Finish();
          ReportError(ctx, path, params.status());
          continue;
        }
        eval_options.model_params.push_back(std::move(params).value());
      }
      pixels += static_cast<int64_t>(image->width) * image->height;
      images.push_back(std::move(image.value()));
      paths.push_back(path);
    }
    if (images.empty()) {
      eval_options.model_params.clear();
      continue;
    }
    const size_t chunk_files = next - chunk_start;
    if (report) {
      eval_options.progress = [report, chunk_start, chunk_files, total_files](double f) {
        report((chunk_start + f * chunk_files) / static_cast<double>(total_files));
      };
    }
    auto nll = picnic::EvaluateImages(weights->model, images, eval_options);
    if (!nll.ok()) {
      progress.Finish();
      // One failure (e.g. out of memory) spoils its batch; name the files.
      for (const auto& path : paths) ReportError(ctx, path, nll.status());
      continue;
    }
    for (size_t i = 0; i < images.size(); ++i) {
      rows.push_back({paths[i], nll.value()[i],
                      eval_options.model_params.empty() ? 0 : eval_options.model_params[i].size()});
    }
    eval_options.model_params.clear();
  }
  progress.Finish();
  if (rows.empty()) return;

  double nll_bits = 0;
  int64_t subpixels = 0;
  int alpha_ignored = 0;
  size_t adapted = 0, params_bytes = 0;
  for (const Row& r : rows) {
    adapted += r.model_params_bytes > 0 ? 1 : 0;
    params_bytes += r.model_params_bytes;
    nll_bits += r.nll.nll_bits;
    subpixels += r.nll.subpixels;
    alpha_ignored += r.nll.alpha_ignored ? 1 : 0;
  }
  const double bpsp = nll_bits / static_cast<double>(subpixels);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string fingerprint = picnic::FingerprintHex(weights->fingerprint);

  if (opt.json) {
    nlohmann::json j;
    j["model"] = weights->name;
    j["weights"] = weights->path;
    j["fingerprint"] = fingerprint;
    j["images"] = rows.size();
    j["subpixels"] = subpixels;
    j["nll_bits"] = nll_bits;
    j["nll_bits_per_subpixel"] = bpsp;
    j["seconds"] = seconds;
    j["threads"] = picnic::ResolveThreads(opt.threads);
    j["effort"] = opt.effort;
    if (opt.effort >= picnic::kStudyEffort) {
      j["integer_weights"] = int_weights;
      j["adapted_images"] = adapted;
      j["model_params_bytes"] = params_bytes;  // not in nll_bits
    }
    // Alpha is coded apart from the network (docs/DESIGN.md "Channels").
    j["alpha_ignored_images"] = alpha_ignored;
    if (opt.per_image) {
      j["per_image"] = nlohmann::json::array();
      for (const Row& r : rows) {
        j["per_image"].push_back({{"path", r.path},
                                  {"width", r.nll.width},
                                  {"height", r.nll.height},
                                  {"color_channels", r.nll.color_channels},
                                  {"alpha_ignored", r.nll.alpha_ignored},
                                  {"subpixels", r.nll.subpixels},
                                  {"nll_bits", r.nll.nll_bits},
                                  {"model_params_bytes", r.model_params_bytes},
                                  {"bits_per_subpixel", r.nll.bits_per_subpixel()}});
      }
    }
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("model %s (fingerprint %s, %s)\n", weights->name.c_str(), fingerprint.c_str(),
                weights->path.c_str());
    if (opt.per_image) {
      std::printf("%12s  %11s  %-5s  %s\n", "bits/subpx", "size", "chan", "image");
      for (const Row& r : rows) {
        const std::string size = std::to_string(r.nll.width) + "x" + std::to_string(r.nll.height);
        std::printf("%12.4f  %11s  %-5s  %s\n", r.nll.bits_per_subpixel(), size.c_str(),
                    r.nll.color_channels == 1 ? (r.nll.alpha_ignored ? "Y+a" : "Y")
                                              : (r.nll.alpha_ignored ? "RGB+a" : "RGB"),
                    r.path.c_str());
      }
    }
    std::printf("total: %.4f bits/subpixel (NLL) over %zu image%s, %" PRId64 " subpixels, %.1f s\n",
                bpsp, rows.size(), rows.size() == 1 ? "" : "s", subpixels, seconds);
    if (opt.effort >= picnic::kStudyEffort) {
      std::printf("effort %d: %zu of %zu image%s with per-image parameters (%zu bytes in all, not in the NLL), "
                  "fitted by %s as compress --model-only -e %d fits them\n",
                  opt.effort, adapted, rows.size(), rows.size() == 1 ? "" : "s", params_bytes, int_weights.c_str(),
                  opt.effort);
    }
    if (alpha_ignored > 0) {
      std::printf("note: the alpha channel of %d image%s is not scored (picnic codes alpha "
                  "apart from the network)\n",
                  alpha_ignored, alpha_ignored == 1 ? "" : "s");
    }
  }
}

}  // namespace

std::string InstalledModelsHelp(bool builtin) {
  std::string out = builtin ? "Installed models: histogram (built in, no NLL)" : "Installed models:";
  const auto found = picnic::ListWeights();
  if (found.empty() && !builtin) return out + " none (pass a weights file with --model PATH)";
  for (const auto& path : found) out += "\n  " + path;
  return out;
}

void AddEvalCommand(CLI::App& app, CliContext& ctx) {
  auto opt = std::make_shared<EvalOptions>();
  CLI::App* cmd = app.add_subcommand(
      "eval", "Measure a model's negative log-likelihood (bits/subpixel) on whole images");
  cmd->footer([]() {
    return "Each image is scored whole in one forward pass (padded to multiples of 4 with a "
           "mask); gray images on one channel, alpha not at all. The figure is what "
           "`picnic compress` with the same model should spend, less the coding overhead.\n"
           "Examples:\n"
           "  picnic eval photos/valid\n"
           "  picnic eval --model runs/photo/photo.pnw --json --per-image a.png b.png\n"
           "  picnic eval -e 2 --per-image photos/valid   # with the parameters compress --model-only -e 2 stores\n" +
           InstalledModelsHelp(/*builtin=*/false);
  });
  cmd->add_option("inputs", opt->inputs, "Images, or folders searched recursively")
      ->required()
      ->type_name("PATH");
  cmd->add_option("-m,--model", opt->model, "Model: a name (weights/NAME.pnw) or a weights file")
      ->type_name("NAME|PATH")
      ->capture_default_str();
  cmd->add_option("-e,--effort", opt->effort,
                  "1, 2: the model as it is; 3: with the per-image parameters compress --model-only "
                  "--no-recalibrate -e 3 stores for each image (fitted by the exact engine: needs the "
                  "model's integer weights, NAME.pnq). Online recalibration is the coder's, not the "
                  "model's: no NLL includes it")
      ->type_name("N")
      ->check(CLI::Range(1, picnic::kMaxEffort))
      ->capture_default_str();
  cmd->add_flag("--json", opt->json, "Print one JSON object instead of a table");
  cmd->add_flag("--per-image", opt->per_image, "Also give every image's figure");
  cmd->add_option("-j,--threads", opt->threads, "LibTorch threads (0: one per core)")
      ->type_name("N")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  cmd->add_option("--batch", opt->batch, "At most this many same-size images per forward pass (and at most 256k pixels)")
      ->type_name("N")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  cmd->callback([opt, &ctx]() { RunEval(*opt, ctx); });
}
