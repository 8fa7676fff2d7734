// picnic compress IN... [-o OUT] [--model NAME|PATH] [--tile N] [-f]
#include <chrono>
#include <cstdio>
#include <memory>

#include "command.h"
#include "picnic/image_io.h"

namespace {

struct CompressOptions {
  std::vector<std::string> inputs;
  std::string output;
  std::string model = kDefaultModelName;
  int tile_size = picnic::kDefaultTileSize;
  int threads = 0;
  uint64_t max_pixels = picnic::kDefaultMaxPixels;
  bool force = false;
};

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void RunCompress(const CompressOptions& opt, CliContext& ctx) {
  using picnic_cli::ReportError;
  const std::vector<std::string> outputs = picnic_cli::PlanOutputs(opt.inputs, opt.output, ".pnc");
  const picnic::ModelProvider provider = CliModelProvider();
  std::vector<std::string> planned;
  for (size_t i = 0; i < opt.inputs.size(); ++i) {
    const std::string& in = opt.inputs[i];
    const std::string& out = outputs[i];
    const picnic::Status output_ok = picnic_cli::CheckOutput(in, out, opt.force, &planned);
    if (!output_ok.ok()) {
      ReportError(ctx, in, output_ok);
      continue;
    }
    const auto start = std::chrono::steady_clock::now();
    picnic::EncodeOptions options;
    options.model = opt.model;
    options.provider = provider;
    options.tile_size = opt.tile_size;
    options.max_pixels = opt.max_pixels;
    options.threads = opt.threads;
    auto image = picnic::ReadImageFile(in, options.max_pixels);
    if (!image.ok()) {
      ReportError(ctx, in, image.status());
      continue;
    }
    picnic_cli::Progress progress(ctx, picnic_cli::InputLabel(in),
                                  static_cast<uint64_t>(image->width) * image->height);
    options.progress = progress.Callback();
    auto encoded = picnic::Encode(image.value(), options);
    progress.Finish();
    if (!encoded.ok()) {
      ReportError(ctx, in, encoded.status());
      // The same model will be missing for every other input: say so once.
      if (encoded.status().code() == picnic::StatusCode::kModelNotFound) {
        if (i + 1 < opt.inputs.size()) {
          picnic_cli::Note(ctx, "skipping the other " + std::to_string(opt.inputs.size() - i - 1) +
                                    " input(s): model " + opt.model + " is not available");
        }
        return;
      }
      continue;
    }
    const picnic::Status written = picnic_cli::WriteOutput(out, encoded.value(), opt.force);
    if (!written.ok()) {
      ReportError(ctx, out, written);
      continue;
    }
    if (ctx.verbosity >= 2) {
      const picnic::Image& img = image.value();
      const double bpsp = encoded->size() * 8.0 / static_cast<double>(img.num_subpixels());
      std::fprintf(stderr, "picnic: %s -> %s: %dx%d %s, %s, %.4f bits/subpixel, %.2f s\n",
                   in.c_str(), out.c_str(), img.width, img.height,
                   picnic::ChannelLayoutName(img.layout),
                   picnic_cli::HumanBytes(encoded->size()).c_str(), bpsp, SecondsSince(start));
    }
  }
}

}  // namespace

void AddCompressCommand(CLI::App& app, CliContext& ctx) {
  auto opt = std::make_shared<CompressOptions>();
  CLI::App* cmd = app.add_subcommand(
      "compress", "Compress images (PNG, PPM, PGM) losslessly into .pnc files");
  cmd->footer(
      "Each IN.png becomes IN.pnc beside it unless -o says otherwise. Existing files are "
      "never overwritten without -f.\n"
      "Examples:\n"
      "  picnic compress photo.png                 # writes photo.pnc\n"
      "  picnic compress a.png b.ppm -o out/       # writes out/a.pnc, out/b.pnc\n"
      "  picnic compress x.png -o y.pnc --model histogram\n"
      "  picnic compress - < x.png > x.pnc          # standard input and output");
  cmd->add_option("inputs", opt->inputs, "Images to compress (-: standard input)")->required()->type_name("IN");
  cmd->add_option("-o,--output", opt->output,
                  "Output file (one input; -: standard output) or folder (several inputs; "
                  "created if missing)")
      ->type_name("OUT");
  cmd->add_option("-m,--model", opt->model,
                  "Probability model: a name (e.g. histogram) or a weights file")
      ->type_name("NAME|PATH")
      ->capture_default_str();
  cmd->add_option("--tile", opt->tile_size,
                  "Tile size in pixels; tiles are coded independently (0: one tile)")
      ->type_name("N")
      ->check(CLI::Range(0, 1 << 16))
      ->capture_default_str();
  cmd->add_option("-j,--threads", opt->threads,
                  "Tile batches coded in parallel (0: one per core); any setting decodes any file")
      ->type_name("N")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  picnic_cli::AddMaxPixelsOption(cmd, &opt->max_pixels);
  cmd->add_flag("-f,--force", opt->force, "Overwrite existing output files");
  cmd->callback([opt, &ctx]() { RunCompress(*opt, ctx); });
}
