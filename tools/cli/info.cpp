// picnic info FILE... [--tsv]
#include <cinttypes>
#include <cstdio>
#include <memory>

#include "command.h"
#include "picnic/image_io.h"
#include "picnic/tiling.h"  // ReducedSide

namespace {

struct InfoOptions {
  std::vector<std::string> inputs;
  bool tsv = false;
};

constexpr const char* kTsvHeader =
    "file\twidth\theight\tlayout\tchannels\tmodel\tfingerprint\ttile\tcdf_precision\t"
    "format\tbytes\tbits_per_subpixel\tmetadata\n";

// Chunk types, comma-separated; "-" for none.
std::string MetadataTypes(const std::vector<picnic::MetadataChunk>& metadata) {
  std::string out;
  for (const picnic::MetadataChunk& m : metadata) out += (out.empty() ? "" : ",") + m.type;
  return out.empty() ? "-" : out;
}

// How the image was turned for coding (format 1.9, orientation.h's bits).
const char* OrientationName(int orientation) {
  static const char* const kNames[8] = {"as given",
                                        "mirrored left to right",
                                        "mirrored top to bottom",
                                        "turned 180 degrees",
                                        "transposed",
                                        "transposed, then mirrored left to right",
                                        "transposed, then mirrored top to bottom",
                                        "transposed, then turned 180 degrees"};
  return kNames[orientation & 7];
}

void PrintPnc(const std::string& path, const picnic::FileInfo& info, bool tsv) {
  const int channels = picnic::NumChannels(info.layout);
  if (tsv) {
    std::printf("%s\t%d\t%d\t%s\t%d\t%s\t%016" PRIx64 "\t%d\t%d\t%d.%d\t%" PRIu64 "\t%.6f\t%s\n",
                path.c_str(), info.width, info.height, picnic::ChannelLayoutName(info.layout),
                channels, info.model_name.c_str(), info.model_fingerprint, info.tile_size,
                info.cdf_precision, info.format_major, info.format_minor, info.file_bytes,
                info.bits_per_subpixel, MetadataTypes(info.metadata).c_str());
    return;
  }
  std::printf(
      "%s: %dx%d %s (%d channel%s), model %s (fingerprint %016" PRIx64 "), tile %d, "
      "CDFs of 2^%d, format %d.%d, %s, %.4f bits/subpixel\n",
      path.c_str(), info.width, info.height, picnic::ChannelLayoutName(info.layout), channels,
      channels == 1 ? "" : "s", info.model_name.c_str(), info.model_fingerprint, info.tile_size,
      info.cdf_precision, info.format_major, info.format_minor, picnic_cli::HumanBytes(info.file_bytes).c_str(),
      info.bits_per_subpixel);
  if (!info.metadata.empty()) {
    std::printf("  metadata: %s\n", picnic_cli::MetadataSummary(info.metadata).c_str());
  }
  if (info.model_params_bytes > 0) {
    std::printf("  model fitted to the image: %s of parameters (compress -e 2 or 3)\n",
                picnic_cli::HumanBytes(info.model_params_bytes).c_str());
  }
  if (info.recalibrated) {
    std::printf("  model recalibrated online while coding (format 1.5)%s%s%s\n",
                info.calibration_map ? ", with a calibration map (1.6)" : "",
                info.error_feedback ? ", with error feedback (1.7)" : "",
                info.annealed ? ", with annealed steps (1.8)" : "");
  }
  // The sides the coder saw: swapped by a transposing orientation.
  const bool transposed = (info.orientation & 4) != 0;
  const int coded_width = transposed ? info.height : info.width;
  const int coded_height = transposed ? info.width : info.height;
  if (info.orientation != 0) {
    std::printf("  coded %s (orientation %d, format 1.9; compress -e 2 and -e 3 choose it), %dx%d\n",
                OrientationName(info.orientation), info.orientation, coded_width, coded_height);
  }
  if (info.replication_x != 1 || info.replication_y != 1) {
    std::printf("  an exact %dx%d enlargement: coded as the %dx%d image it enlarges\n", info.replication_x,
                info.replication_y, picnic::ReducedSide(coded_width, info.replication_x),
                picnic::ReducedSide(coded_height, info.replication_y));
  }
  if (info.model_tiles != info.num_tiles) {
    std::printf("  tiles: %" PRIu64 " with model %s, %" PRIu64 " synthetic-content, %" PRIu64
                " deflate%s\n",
                info.model_tiles, info.model_name.c_str(), info.synthetic_tiles, info.deflate_tiles,
                info.model_tiles == 0 ? " (decoding does not need the model)" : "");
  }
}

// An input image (not a .pnc): say what it is and what it costs uncompressed.
void PrintImage(const std::string& path, const picnic::Image& image, uint64_t bytes, bool tsv) {
  const double bpsp = bytes * 8.0 / static_cast<double>(image.num_subpixels());
  if (tsv) {
    std::printf("%s\t%d\t%d\t%s\t%d\t-\t-\t-\t-\t-\t%" PRIu64 "\t%.6f\t%s\n", path.c_str(),
                image.width, image.height, picnic::ChannelLayoutName(image.layout),
                image.channels(), bytes, bpsp, MetadataTypes(image.metadata).c_str());
    return;
  }
  std::printf("%s: %dx%d %s (%d channel%s), not a .pnc file (image), %s, %.4f bits/subpixel\n",
              path.c_str(), image.width, image.height, picnic::ChannelLayoutName(image.layout),
              image.channels(), image.channels() == 1 ? "" : "s",
              picnic_cli::HumanBytes(bytes).c_str(), bpsp);
  if (!image.metadata.empty()) {
    std::printf("  metadata: %s\n", picnic_cli::MetadataSummary(image.metadata).c_str());
  }
}

void RunInfo(const InfoOptions& opt, CliContext& ctx) {
  if (opt.tsv) std::printf("%s", kTsvHeader);
  for (const std::string& path : opt.inputs) {
    // A .pnc file is read no further than its header says it goes (an
    // endless device or pipe cannot hold info up); images to their end.
    const picnic::ReadLimitFn pnc_limit = picnic::PncReadLimit(0);
    picnic::ReadLimitFn image_limit = picnic::ImageReadLimit();
    auto bytes = picnic::ReadFileBytes(
        path, [&](const uint8_t* data, size_t size) -> picnic::Result<picnic::ReadLimit> {
          auto pnc = pnc_limit(data, size);
          if (pnc.ok() || pnc.status().code() != picnic::StatusCode::kBadMagic) return pnc;
          auto image = image_limit(data, size);
          if (image.ok()) return image;
          return picnic::Status(picnic::StatusCode::kBadMagic,
                                "neither a .pnc file nor a PNG, PPM (P6) or PGM (P5) image");
        });
    if (!bytes.ok()) {
      picnic_cli::ReportError(ctx, path, bytes.status());
      continue;
    }
    auto info = picnic::ReadFileInfo(bytes->data(), bytes->size());
    if (info.ok()) {
      PrintPnc(path, info.value(), opt.tsv);
      continue;
    }
    if (info.status().code() == picnic::StatusCode::kBadMagic) {
      auto image = picnic::DecodeImage(bytes->data(), bytes->size(), picnic::kDefaultMaxPixels);
      if (image.ok()) {
        PrintImage(path, image.value(), bytes->size(), opt.tsv);
        continue;
      }
      if (image.status().code() != picnic::StatusCode::kUnsupported) {
        picnic_cli::ReportError(ctx, path, image.status());
        continue;
      }
    }
    picnic_cli::ReportError(ctx, path, info.status());
  }
  std::fflush(stdout);
}

}  // namespace

void AddInfoCommand(CLI::App& app, CliContext& ctx) {
  auto opt = std::make_shared<InfoOptions>();
  CLI::App* cmd = app.add_subcommand(
      "info", "Show what a .pnc file holds: dimensions, channels, model, size, bits/subpixel");
  cmd->footer(
      "Reads only the header, so it is fast and needs no model. Images (PNG, PPM, PGM) are "
      "described too, with their own bits per subpixel for comparison.\n"
      "Example:\n"
      "  picnic info photo.pnc");
  cmd->add_option("files", opt->inputs, ".pnc files (or images)")->required()->type_name("FILE");
  cmd->add_flag("--tsv", opt->tsv, "Tab-separated output with a header line, for scripts");
  cmd->callback([opt, &ctx]() { RunInfo(*opt, ctx); });
}
