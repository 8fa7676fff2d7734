// picnic report PATH... [--model NAME|PATH] [--tile N] [--tiles-per-batch N]
//   [--threads N] [--json FILE] [--csv FILE] [--markdown FILE] [--html FILE]
//   [--no-baselines] [--max-images N] [--every N] [-f]
//
// What picnic really spends on images, against what its model says it should
// spend and against the classical lossless codecs. Per image: picnic's bits
// per subpixel from the real .pnc bytes (header included), the model's NLL
// over the very same tiles, batches and canvases (ComputeTiledNll), the
// overhead between the two (docs/DESIGN.md "The pipeline": it should be small),
// encode and decode wall time, a verified round trip, and PNG as stored,
// WebP lossless and JPEG-XL lossless (-e 7, -e 9) where installed.
//
// This file parses the options and runs the parts: the model and the
// baselines (external.h), one MeasureImage per file (measure.h), the totals
// (totals.h) and the writers (writers.h).
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "command.h"
#include "external.h"
#include "format.h"
#include "machine.h"
#include "measure.h"
#include "picnic/dataset.h"
#include "picnic/export.h"
#include "picnic/engine.h"
#include "picnic/image_io.h"
#include "picnic/pixelcnn_model.h"
#include "picnic/weights.h"
#include "rows.h"
#include "totals.h"
#include "writers.h"

namespace {

using namespace picnic_report;
using picnic::Result;
using picnic::Status;
using picnic::StatusCode;

struct ReportOptions {
  std::vector<std::string> inputs;
  std::string model = kDefaultModelName;
  int tile_size = picnic::kDefaultTileSize;
  int tiles_per_batch = 0;
  int threads = 0;
  int effort = picnic::kDefaultEffort;
  std::string json, csv, markdown, html;
  bool no_baselines = false;
  bool model_only = false;
  bool no_recalibrate = false;
  bool no_calibration_map = false;
  bool no_error_feedback = false;
  int max_images = 0;
  int every = 1;
  bool force = false;
};

// Encodes with the report's weights (in memory by path, so that a weights
// file outside the weights folders decodes in this process too), and
// everything else through the CLI's provider.
picnic::ModelProvider ReportProvider(const std::string& model_arg, const std::string& weights_path,
                                     uint64_t fingerprint) {
  picnic::ModelProvider base = CliModelProvider();
  if (weights_path.empty()) return base;
  return [=](const std::string& name,
             uint64_t fp) -> Result<std::unique_ptr<picnic::ProbabilityModel>> {
    if (fp == fingerprint || (fp == 0 && (name == model_arg || name == weights_path))) {
      PICNIC_ASSIGN_OR_RETURN(picnic::LoadedWeights w, picnic::LoadWeights(weights_path));
      if (w.fingerprint != fingerprint) {
        return Status(StatusCode::kModelError, weights_path + " changed while the report ran");
      }
      return std::unique_ptr<picnic::ProbabilityModel>(new picnic::PixelCnnModel(std::move(w)));
    }
    return base(name, fp);
  };
}

void RunReport(const ReportOptions& opt, CliContext& ctx) {
  using picnic_cli::ReportError;
  // Outputs first: no work that cannot be written.
  std::vector<std::string> planned;
  for (const std::string* out : {&opt.json, &opt.csv, &opt.markdown, &opt.html}) {
    if (out->empty()) continue;
    const Status ok = picnic_cli::CheckOutput(*out, opt.force, &planned);
    if (!ok.ok()) return ReportError(ctx, "", ok);
  }

  auto listed = picnic::ListImageFiles(opt.inputs);
  if (!listed.ok()) return ReportError(ctx, "", listed.status());
  std::vector<std::string> files;
  for (size_t i = 0; i < listed->size(); i += opt.every) files.push_back((*listed)[i]);
  if (opt.max_images > 0 && files.size() > static_cast<size_t>(opt.max_images)) {
    files.resize(opt.max_images);
  }
  if (files.empty()) {
    return ReportError(ctx, "", Status(StatusCode::kInvalidArgument,
                                       "no images (.png, .ppm, .pgm) found"));
  }

  // The model: weights (with an NLL) or a built-in model (without).
  ReportContext rc;
  rc.picnic_version = picnic::VersionString();
  rc.nproc = picnic::ResolveThreads(0);
  rc.cpu = CpuModel();
  rc.threads = opt.threads;
  rc.effective_threads = picnic::ResolveThreads(opt.threads);
  rc.tile_size = opt.tile_size;
  rc.tiles_per_batch = opt.tiles_per_batch;
  rc.effort = opt.effort;
  rc.recalibrate = !opt.no_recalibrate;
  rc.calibration_map = !opt.no_recalibrate && !opt.no_calibration_map;
  rc.error_feedback = !opt.no_recalibrate && !opt.no_error_feedback;
  std::unique_ptr<picnic::LoadedWeights> weights;
  auto weights_path = picnic::FindWeights(opt.model);
  if (weights_path.ok()) {
    auto loaded = picnic::LoadWeights(weights_path.value());
    if (!loaded.ok()) return ReportError(ctx, "", loaded.status());
    weights = std::make_unique<picnic::LoadedWeights>(std::move(loaded).value());
    rc.model_name = weights->name;
    rc.fingerprint = picnic::FingerprintHex(weights->fingerprint);
    rc.weights_path = weights->path;
  } else {
    auto builtin = picnic::BuiltinModelProvider()(opt.model, 0);
    if (!builtin.ok()) return ReportError(ctx, "", weights_path.status());
    rc.model_name = opt.model;
    rc.notes.push_back("model " + opt.model + " has no network, so no NLL: NLL columns are n/a");
  }
  picnic::ModelProvider provider = ReportProvider(
      opt.model, weights ? weights->path : "", weights ? weights->fingerprint : 0);
  // Files are coded as compress codes them: by the exact engine when the
  // model has integer weights (NAME.pnq); the NLL stays the float model's,
  // when the integer weights were exported from it.
  std::string int_weights_path;
  uint64_t int_fingerprint = 0;
  if (weights) {
    auto int_path = picnic::FindIntWeights(opt.model);
    if (int_path.ok()) {
      auto iw = picnic::LoadIntWeights(int_path.value());
      if (!iw.ok()) return ReportError(ctx, "", iw.status());
      provider = CliModelProvider();
      int_weights_path = int_path.value();
      int_fingerprint = iw->fingerprint;
      rc.notes.push_back("files coded by the exact integer engine (" + int_path.value() + ", fingerprint " +
                         picnic::FingerprintHex(iw->fingerprint) + "); NLL from the float weights " + weights->path);
      const std::string source = picnic::SourceWeightsFingerprint(iw.value());
      if (source != picnic::FingerprintHex(weights->fingerprint)) {
        rc.notes.push_back("the integer weights were exported from other float weights (" +
                           (source.empty() ? std::string("not recorded") : source) + ", not " +
                           picnic::FingerprintHex(weights->fingerprint) + "): no NLL");
        weights.reset();
      }
      if (weights && !opt.no_recalibrate)
        rc.notes.push_back(std::string("files are recalibrated online (a stage of the coder, format 1.5") +
                           (opt.no_calibration_map ? "" : ", with the calibration map of 1.6") +
                           (opt.no_error_feedback ? "" : ", with the error feedback of 1.7") +
                           "), which no NLL includes: they can be smaller than the NLL");
      if (weights && opt.effort >= picnic::kStudyEffort)
        rc.notes.push_back("effort " + std::to_string(opt.effort) +
                           ": files carry per-image parameters where they pay; the NLL is the float model's "
                           "with each file's own parameters, over the image turned as each file coded it");
      else if (weights && opt.effort >= picnic::kSampledOrientationEffort)
        rc.notes.push_back("effort " + std::to_string(opt.effort) +
                           ": files may code their image turned (transposed, mirrored); the NLL is over the "
                           "image turned as each file coded it");
    }
  }

  Baselines baselines;
  if (!opt.no_baselines) {
    for (const ExternalCodec& codec : ExternalCodecs()) {
      if (Installed(codec)) {
        baselines.codecs.push_back(&codec);
      } else if (std::find(rc.notes.begin(), rc.notes.end(), codec.missing_note) == rc.notes.end()) {
        rc.notes.push_back(codec.missing_note);
      }
    }
    if (!baselines.codecs.empty()) {
      const char* tmp = std::getenv("TMPDIR");
      std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/picnic_report.XXXXXX";
      if (::mkdtemp(pattern.data()) == nullptr) {
        return ReportError(ctx, "", Status(StatusCode::kIoError,
                                           "cannot create a temporary folder: " +
                                               std::string(std::strerror(errno))));
      }
      baselines.tmp_dir = pattern;
    }
  } else {
    rc.notes.push_back("baselines skipped (--no-baselines)");
  }
  for (const auto& n : rc.notes) picnic_cli::Note(ctx, n);

  MeasureOptions measure;
  measure.model = opt.model;
  measure.int_weights_path = int_weights_path;
  measure.int_fingerprint = int_fingerprint;
  measure.tile_size = opt.tile_size;
  measure.tiles_per_batch = opt.tiles_per_batch;
  measure.threads = opt.threads;
  measure.effort = opt.effort;
  measure.model_only = opt.model_only;
  measure.recalibrate = !opt.no_recalibrate;
  measure.calibration_map = !opt.no_calibration_map;
  measure.error_feedback = !opt.no_error_feedback;
  measure.pictures = !opt.html.empty();
  const ProgressFactory progress = [&ctx](const std::string& label) -> picnic::ProgressFn {
    auto line = std::make_shared<picnic_cli::Progress>(ctx, label);
    picnic::ProgressFn update = line->Callback();
    if (!update) return nullptr;
    return [line, update](double fraction) { update(fraction); };
  };
  std::vector<Row> rows;
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string label = "[" + std::to_string(i + 1) + "/" + std::to_string(files.size()) + "] " +
                              picnic_cli::BaseName(files[i]);
    rows.push_back(MeasureImage(measure, files[i], label, weights.get(), provider, baselines, progress));
    const Row& row = rows.back();
    if (row.failed) ReportError(ctx, files[i], row.status);
    for (const auto& note : row.notes) picnic_cli::Note(ctx, note);
    if (ctx.verbosity >= 2 && !row.failed) {
      std::fprintf(stderr, "picnic: %s: %.4f bits/subpixel, %.2f s encode, %.2f s decode\n",
                   files[i].c_str(), row.Bpsp(kPicnic), row.codecs[kPicnic].encode_seconds,
                   row.codecs[kPicnic].decode_seconds);
    }
    // A missing model fails every image the same way: stop after the first.
    if (row.failed && row.status.code() == StatusCode::kModelNotFound) break;
  }
  if (!baselines.tmp_dir.empty()) ::rmdir(baselines.tmp_dir.c_str());

  const Totals totals = ComputeTotals(rows);
  std::fputs(WriteTable(rows, totals, rc).c_str(), stdout);
  std::fflush(stdout);
  auto write = [&](const std::string& path, const std::string& text) {
    if (path.empty()) return;
    const Status s = picnic::WriteFileAtomic(path, std::vector<uint8_t>(text.begin(), text.end()),
                                             true);
    if (!s.ok()) ReportError(ctx, path, s);
  };
  write(opt.json, WriteJson(rows, totals, rc));
  write(opt.csv, WriteCsv(rows, totals));
  write(opt.markdown, WriteMarkdown(rows, totals, rc));
  write(opt.html, WriteHtml(rows, totals, rc));
  if (totals.failed > 0 && ctx.exit_code == picnic_cli::kExitOk) {
    ctx.exit_code = picnic_cli::kExitFailure;
  }
}

}  // namespace

void AddReportCommand(CLI::App& app, CliContext& ctx) {
  auto opt = std::make_shared<ReportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "report", "Measure picnic against its model's NLL and against PNG, WebP and JPEG-XL");
  cmd->footer([]() {
    return "Per image and in total: bits per subpixel of the real .pnc file (header "
           "included), the model's NLL over the same tiles, the overhead between them, encode "
           "and decode seconds, a verified round trip (else the row says FAILED and the exit "
           "status is 1), and PNG as stored, WebP lossless (cwebp -lossless -exact -z 9) and "
           "JPEG-XL lossless (cjxl -d 0 -e 7, -e 9) where installed. Pixels only: PNG metadata "
           "is left out of picnic's file and of the baselines' input.\n"
           "Examples:\n"
           "  picnic report photos/valid --json report.json --html report.html\n"
           "  picnic report cifar10/test --every 5 --tile 0 --markdown table.md\n"
           "  picnic report --model /tmp/w/photo.pnw a.png b.png\n" +
           InstalledModelsHelp(/*builtin=*/true);
  });
  cmd->add_option("inputs", opt->inputs, "Images, or folders searched recursively")
      ->required()
      ->type_name("PATH");
  cmd->add_option("-m,--model", opt->model,
                  "Model: a name (weights/NAME.pnw, or histogram) or a weights file")
      ->type_name("NAME|PATH")
      ->capture_default_str();
  cmd->add_option("-e,--effort", opt->effort,
                  "Encoder effort, as compress -e (2: orientation chosen on a sample; 3: every orientation, and per-image parameters fitted by the exact engine)")
      ->type_name("N")
      ->check(CLI::Range(picnic::kMinEffort, picnic::kMaxEffort))
      ->capture_default_str();
  cmd->add_flag("--no-recalibrate", opt->no_recalibrate,
                "Code without online recalibration, as compress --no-recalibrate");
  cmd->add_flag("--no-calibration-map", opt->no_calibration_map,
                "Code without the online calibration map, as compress --no-calibration-map");
  cmd->add_flag("--no-error-feedback", opt->no_error_feedback,
                "Code without error feedback of the means, as compress --no-error-feedback");
  cmd->add_option("--tile", opt->tile_size, "Tile size in pixels (0: one tile)")
      ->type_name("N")
      ->check(CLI::Range(0, 1 << 16))
      ->capture_default_str();
  cmd->add_option("--tiles-per-batch", opt->tiles_per_batch,
                  "Tiles coded together in one batch (0: let the codec choose)")
      ->type_name("N")
      ->check(CLI::Range(0, 1 << 20))
      ->capture_default_str();
  cmd->add_option("-j,--threads", opt->threads, "Threads for coding and the NLL (0: all cores)")
      ->type_name("N")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  cmd->add_option("--json", opt->json, "Also write the report as JSON")->type_name("FILE");
  cmd->add_option("--csv", opt->csv, "Also write one CSV row per image, and a total row")
      ->type_name("FILE");
  cmd->add_option("--markdown", opt->markdown, "Also write Markdown tables (for the README)")
      ->type_name("FILE");
  cmd->add_option("--html", opt->html,
                  "Also write one self-contained page: images, bits-per-pixel heatmaps, charts")
      ->type_name("FILE");
  cmd->add_flag("--no-baselines", opt->no_baselines, "Skip WebP and JPEG-XL");
  cmd->add_flag("--model-only", opt->model_only,
                "Code every tile with the model (compress --model-only): no synthetic-content or deflate "
                "tiles, so the file measures the model against its NLL");
  cmd->add_option("--max-images", opt->max_images, "Stop after N images (0: all)")
      ->type_name("N")
      ->check(CLI::Range(0, 1 << 30));
  cmd->add_option("--every", opt->every, "Take every Nth file of the sorted list")
      ->type_name("N")
      ->check(CLI::Range(1, 1 << 30))
      ->capture_default_str();
  cmd->add_flag("-f,--force", opt->force, "Overwrite existing --json/--csv/--markdown/--html files");
  cmd->callback([opt, &ctx]() { RunReport(*opt, ctx); });
}
