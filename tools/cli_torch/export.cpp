// picnic export --model NAME|PATH --calib PATH... -o OUT.pnq
//
// Turns trained float weights into the exact engine's integer weights.
#include <cstdio>

#include "command.h"
#include "picnic/export.h"
#include "picnic/weights.h"

void AddExportCommand(CLI::App& app, CliContext& ctx) {
  auto opt = std::make_shared<picnic::ExportOptions>();
  auto model = std::make_shared<std::string>(kDefaultModelName);
  auto output = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand(
      "export", "Turn float weights (.pnw) into the exact integer engine's weights (.pnq) used for coding");
  cmd->footer(
      "Runs the float model on calibration crops to pick each activation's fixed-point exponent, "
      "folds the mixture parameters' units into the output layer, and quantizes every layer to "
      "int16 weights with a proof that no 32-bit accumulator can overflow for any input (the "
      "export fails, naming the layer, when it cannot prove it). The result decodes identically "
      "on every machine; compress uses NAME.pnq when it is installed next to NAME.pnw.\n"
      "Example:\n"
      "  picnic export --model photo --calib ../shared/data/photos/valid -o weights/photo.pnq");
  cmd->add_option("-m,--model", *model, "Float weights: a name or a .pnw path")->capture_default_str();
  cmd->add_option("--calib", opt->calib_paths, "Calibration images: files or folders")->required()->type_name("PATH");
  cmd->add_option("-o,--output", *output, "Output .pnq file")->required()->type_name("OUT");
  cmd->add_option("--act-max", opt->act_max, "Largest |activation| in int16 units")
      ->check(CLI::Range(255, 32767))->capture_default_str();
  cmd->add_option("--headroom", opt->headroom, "Factor kept above each calibrated maximum")
      ->check(CLI::Range(1.0, 64.0))->capture_default_str();
  cmd->add_option("--calib-crop", opt->calib_crop, "Calibration crop side (images smaller than it are skipped)")
      ->check(CLI::Range(4, 4096))->capture_default_str();
  cmd->add_option("--calib-crops", opt->calib_crops_per_image, "Calibration crops per image")
      ->check(CLI::Range(1, 64))->capture_default_str();
  cmd->add_flag("-f,--force", *force, "Overwrite the output");
  cmd->callback([=, &ctx]() {
    using picnic_cli::ReportError;
    std::vector<std::string> planned;
    const picnic::Status ok = picnic_cli::CheckOutput(*output, *force, &planned);
    if (!ok.ok()) return ReportError(ctx, "", ok);
    auto path = picnic::FindWeights(*model);
    if (!path.ok()) return ReportError(ctx, "", path.status());
    auto weights = picnic::LoadWeights(*path);
    if (!weights.ok()) return ReportError(ctx, "", weights.status());
    picnic::ExportReport report;
    auto out = picnic::ExportIntWeights(*weights, *opt, &report);
    if (!out.ok()) return ReportError(ctx, "", out.status());
    const picnic::Status saved = picnic::SaveIntWeights(*output, &out.value());
    if (!saved.ok()) return ReportError(ctx, *output, saved);
    std::fprintf(stderr,
                 "exported %s (float fingerprint %016llx) to %s: fingerprint %016llx, %d calibration images, "
                 "act_max %d, worst accumulator bound %.3f of 2^31%s\n",
                 weights->name.c_str(), static_cast<unsigned long long>(weights->fingerprint), output->c_str(),
                 static_cast<unsigned long long>(out->fingerprint), report.calib_images, opt->act_max,
                 report.worst_accumulator_bound,
                 report.clipped_tensors ? " (some tensors exceed the int16 range and clip)" : "");
  });
}
