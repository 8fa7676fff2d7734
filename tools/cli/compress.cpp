// picnic compress IN... [-o OUT] [--model NAME|PATH] [--tile N] [-f]
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
  int effort = picnic::kDefaultEffort;
  int threads = 0;
  int tiles_per_batch = 0;
  uint64_t max_pixels = picnic::kDefaultMaxPixels;
  bool force = false;
  bool strip_metadata = false;
  bool model_only = false;
  bool no_recalibrate = false;
  bool no_calibration_map = false;
  bool no_error_feedback = false;
};

void RunCompress(const CompressOptions& opt, CliContext& ctx) {
  const picnic::ModelProvider provider = CliModelProvider();
  picnic_cli::ConvertFiles(
      ctx, opt.inputs, opt.output, ".pnc", opt.force,
      [&](const std::string& in, const std::string&) -> picnic::Result<picnic_cli::Converted> {
        picnic::EncodeOptions options;
        options.model = opt.model;
        options.provider = provider;
        options.tile_size = opt.tile_size;
        options.effort = opt.effort;
        options.max_pixels = opt.max_pixels;
        options.threads = opt.threads;
        options.tiles_per_batch = opt.tiles_per_batch;
        options.choose_tile_modes = !opt.model_only;
        options.recalibrate = !opt.no_recalibrate;
        options.calibration_map = !opt.no_calibration_map;
        options.error_feedback = !opt.no_error_feedback;
        PICNIC_ASSIGN_OR_RETURN(picnic::Image image, picnic::ReadImageFile(in, options.max_pixels));
        if (opt.strip_metadata) image.metadata.clear();
        picnic_cli::Progress progress(ctx, picnic_cli::InputLabel(in),
                                      static_cast<uint64_t>(image.width) * image.height);
        options.progress = progress.Callback();
        auto encoded = picnic::Encode(image, options);
        progress.Finish();
        if (!encoded.ok()) return encoded.status();
        char summary[160];
        std::snprintf(summary, sizeof(summary), "%dx%d %s, %s, %.4f bits/subpixel", image.width,
                      image.height, picnic::ChannelLayoutName(image.layout),
                      picnic_cli::HumanBytes(encoded->size()).c_str(),
                      encoded->size() * 8.0 / static_cast<double>(image.num_subpixels()));
        return picnic_cli::Converted{std::move(encoded).value(), summary};
      },
      // The same model will be missing for every other input: say so once.
      [&](const picnic::Status& s) -> std::string {
        if (s.code() != picnic::StatusCode::kModelNotFound) return "";
        return "model " + opt.model + " is not available";
      });
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
                  "Probability model: a name (photo, cifar10, histogram) or a weights file: .pnq runs the exact integer engine (files decode on any computer), .pnw the float LibTorch path (decodes only where its float arithmetic matches)")
      ->type_name("NAME|PATH")
      ->capture_default_str();
  cmd->add_option("-e,--effort", opt->effort,
                  "1: code the image as given with the model (recalibrated online unless --no-recalibrate), "
                  "fastest; 2: first choose which of its 8 orientations (transposed, mirrored) to code "
                  "it in, from its centred quarter coded in each (images at least 128 pixels on each "
                  "side; about 2.6x effort 1's encoding time); 3: code the whole image in all 8 and keep "
                  "the smallest (about 10x effort 1's time), then fit offsets to the model's predicted "
                  "scales (per channel and sharpness) and means on every tile, store them in the file "
                  "(50 bytes) and keep them only if the file gets smaller (with recalibration they "
                  "rarely pay). Decoding is no slower. Runs in every build; models without per-image "
                  "parameters (histogram, .pnw) fit no offsets")
      ->type_name("N")
      ->check(CLI::Range(picnic::kMinEffort, picnic::kMaxEffort))
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
  cmd->add_option("--tiles-per-batch", opt->tiles_per_batch,
                  "Tiles coded in lockstep, recorded in the file (0: spread over the threads, so the "
                  "bytes depend on -j; fix it for bytes that do not)")
      ->type_name("N")
      ->check(CLI::Range(0, picnic::kMaxTilesPerBatch))
      ->capture_default_str();
  picnic_cli::AddMaxPixelsOption(cmd, &opt->max_pixels);
  cmd->add_flag("-f,--force", opt->force, "Overwrite existing output files");
  cmd->add_flag("--model-only", opt->model_only,
                "Code every tile with the model. By default the encoder also tries, where the "
                "image repeats exact colours (screenshots, charts, icons), a built-in "
                "synthetic-content model per tile and for the whole image, and deflate for the "
                "whole image, and keeps the smallest file, so no image costs much more than its PNG");
  cmd->add_flag("--no-recalibrate", opt->no_recalibrate,
                "Code with the model's predictions as they are. By default the exact engine's scales "
                "and means are corrected online from the subpixels already coded (format 1.5: no "
                "stored bytes, at every effort; measured 0.1-0.7 % smaller on photographs), with "
                "steps that shrink as it learns (1.8), and the stages below build on it: this flag "
                "turns all of them off (together 2.0 % smaller on photos/valid with the weights shipped on 2026-12-03, up to 4.4 %); files "
                "made with this flag are also readable by picnic 0.2");
  cmd->add_flag("--no-calibration-map", opt->no_calibration_map,
                "Recalibrate scales and means only. By default the coder also learns online a map "
                "of the model's CDFs that corrects their shape (format 1.6: no stored bytes, about "
                "2.5 % of the decoding time; measured 0.16 % smaller on photographs, up to 0.8 %; "
                "where it saves nothing, as on small images, the encoder leaves it out); files made "
                "with this flag are also readable by picnic 0.3");
  cmd->add_flag("--no-error-feedback", opt->no_error_feedback,
                "Leave each mean where the model and recalibration put it. By default the coder "
                "also moves it by a prediction of its error from the errors of the subpixels "
                "coded around it, learned online (format 1.7: no stored bytes, about 1 % of the "
                "decoder's instructions; measured 1.4 % smaller on photographs, up to 3.5 %); files made with this flag "
                "are also readable by picnic 0.4");
  cmd->add_flag("--strip-metadata", opt->strip_metadata,
                "Leave out PNG metadata (colour profile, text, EXIF...); kept by default");
  cmd->callback([opt, &ctx]() { RunCompress(*opt, ctx); });
}
