// picnic decompress IN... [-o OUT] [-f]
#include <chrono>
#include <cstdio>
#include <memory>

#include "command.h"
#include "picnic/image_io.h"

namespace {

struct DecompressOptions {
  std::vector<std::string> inputs;
  std::string output;
  bool force = false;
  int threads = 0;
  uint64_t max_pixels = picnic::kDefaultMaxPixels;
};

void RunDecompress(const DecompressOptions& opt, CliContext& ctx) {
  using picnic_cli::ReportError;
  const std::vector<std::string> outputs = picnic_cli::PlanOutputs(opt.inputs, opt.output, ".png");
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
    auto bytes = picnic::ReadFileBytes(in);
    if (!bytes.ok()) {
      ReportError(ctx, in, bytes.status());
      continue;
    }
    picnic::DecodeOptions options;
    options.provider = provider;
    options.threads = opt.threads;
    options.max_pixels = opt.max_pixels;
    auto info = picnic::ReadFileInfo(bytes->data(), bytes->size());
    picnic_cli::Progress progress(ctx, picnic_cli::BaseName(in),
                                  info.ok() ? static_cast<uint64_t>(info->width) * info->height : 0);
    options.progress = progress.Callback();
    auto image = picnic::Decode(bytes->data(), bytes->size(), options);
    progress.Finish();
    if (!image.ok()) {
      ReportError(ctx, in, image.status());
      continue;
    }
    auto png = picnic::EncodePng(image.value());
    if (!png.ok()) {
      ReportError(ctx, in, png.status());
      continue;
    }
    const picnic::Status written = picnic::WriteFileAtomic(out, png.value(), opt.force);
    if (!written.ok()) {
      ReportError(ctx, out, written);
      continue;
    }
    if (ctx.verbosity >= 2) {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(stderr, "picnic: %s -> %s: %dx%d %s, %.2f s\n", in.c_str(), out.c_str(),
                   image->width, image->height, picnic::ChannelLayoutName(image->layout),
                   seconds);
    }
  }
}

}  // namespace

void AddDecompressCommand(CLI::App& app, CliContext& ctx) {
  auto opt = std::make_shared<DecompressOptions>();
  CLI::App* cmd = app.add_subcommand("decompress", "Decompress .pnc files into PNG images");
  cmd->footer(
      "Each IN.pnc becomes IN.png beside it unless -o says otherwise. Existing files are "
      "never overwritten without -f. The pixels are checked against the CRC32 stored in the "
      "file; the model the file names (and its exact fingerprint) must be available.\n"
      "Examples:\n"
      "  picnic decompress photo.pnc               # writes photo.png\n"
      "  picnic decompress *.pnc -o decoded/");
  cmd->add_option("inputs", opt->inputs, ".pnc files to decompress")->required()->type_name("IN");
  cmd->add_option("-o,--output", opt->output,
                  "Output PNG (one input) or folder (several inputs; created if missing)")
      ->type_name("OUT");
  cmd->add_option("-j,--threads", opt->threads, "Tile batches decoded in parallel (0: one per core)")
      ->type_name("N")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  picnic_cli::AddMaxPixelsOption(cmd, &opt->max_pixels);
  cmd->add_flag("-f,--force", opt->force, "Overwrite existing output files");
  cmd->callback([opt, &ctx]() { RunDecompress(*opt, ctx); });
}
