// picnic decompress IN... [-o OUT] [-f]
#include <cctype>
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

// Output format by the output's extension: .ppm, .pgm or .pnm give binary
// PPM/PGM, anything else (standard output included) PNG.
bool WantsPnm(const std::string& path) {
  const size_t dot = path.find_last_of('.');
  if (dot == std::string::npos || path.find('/', dot) != std::string::npos) return false;
  std::string ext = path.substr(dot + 1);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == "ppm" || ext == "pgm" || ext == "pnm";
}

void RunDecompress(const DecompressOptions& opt, CliContext& ctx) {
  const picnic::ModelProvider provider = CliModelProvider();
  picnic_cli::ConvertFiles(
      ctx, opt.inputs, opt.output, ".png", opt.force,
      [&](const std::string& in, const std::string& out) -> picnic::Result<picnic_cli::Converted> {
        PICNIC_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, picnic::ReadPncFile(in, opt.max_pixels));
        picnic::DecodeOptions options;
        options.provider = provider;
        options.threads = opt.threads;
        options.max_pixels = opt.max_pixels;
        auto info = picnic::ReadFileInfo(bytes.data(), bytes.size());
        picnic_cli::Progress progress(
            ctx, picnic_cli::InputLabel(in),
            info.ok() ? static_cast<uint64_t>(info->width) * info->height : 0);
        options.progress = progress.Callback();
        auto image = picnic::Decode(bytes.data(), bytes.size(), options);
        progress.Finish();
        if (!image.ok()) return image.status();
        picnic_cli::Converted result;
        const bool pnm = WantsPnm(out);
        PICNIC_ASSIGN_OR_RETURN(result.bytes, pnm ? picnic::EncodePnm(image.value())
                                                  : picnic::EncodePng(image.value()));
        if (pnm && !image->metadata.empty()) {
          picnic_cli::Note(ctx, picnic_cli::InputLabel(in) + ": metadata (" +
                                    picnic_cli::MetadataSummary(image->metadata) +
                                    ") not written: PPM and PGM cannot hold it");
        }
        result.summary = std::to_string(image->width) + "x" + std::to_string(image->height) + " " +
                         picnic::ChannelLayoutName(image->layout);
        return result;
      });
}

}  // namespace

void AddDecompressCommand(CLI::App& app, CliContext& ctx) {
  auto opt = std::make_shared<DecompressOptions>();
  CLI::App* cmd = app.add_subcommand("decompress", "Decompress .pnc files into PNG (or PPM/PGM) images");
  cmd->footer(
      "Each IN.pnc becomes IN.png beside it unless -o says otherwise; an -o file ending in "
      ".ppm, .pgm or .pnm gets binary PPM (RGB) or PGM (gray) instead. Existing files are "
      "never overwritten without -f. The pixels are checked against the CRC32 stored in the "
      "file; the model the file names (and its exact fingerprint) must be available.\n"
      "Examples:\n"
      "  picnic decompress photo.pnc               # writes photo.png\n"
      "  picnic decompress *.pnc -o decoded/\n"
      "  picnic decompress photo.pnc -o photo.ppm\n"
      "  picnic decompress - < photo.pnc > photo.png   # standard input and output");
  cmd->add_option("inputs", opt->inputs, ".pnc files to decompress (-: standard input)")->required()->type_name("IN");
  cmd->add_option("-o,--output", opt->output,
                  "Output image (one input; -: standard output) or folder (several inputs; "
                  "created if missing)")
      ->type_name("OUT");
  cmd->add_option("-j,--threads", opt->threads, "Tile batches decoded in parallel (0: one per core)")
      ->type_name("N")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  picnic_cli::AddMaxPixelsOption(cmd, &opt->max_pixels);
  cmd->add_flag("-f,--force", opt->force, "Overwrite existing output files");
  cmd->callback([opt, &ctx]() { RunDecompress(*opt, ctx); });
}
