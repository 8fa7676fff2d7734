// picnic train --train DIR... [--valid DIR...] --run-dir DIR --name NAME [...]
#include <csignal>
#include <memory>

#include "command.h"
#include "picnic/trainer.h"

namespace {

// SIGINT / SIGTERM: finish the step, validate, export, checkpoint, exit 0.
std::atomic<bool> g_stop{false};
extern "C" void OnStopSignal(int) { g_stop.store(true); }

// Defaults for a CPU-only machine (docs/DESIGN.md "Training on this machine"):
// a small network without dropout, and a learning-rate decay that still
// matters within a few hours (0.99997^100k = 0.05).
picnic::TrainOptions CliTrainDefaults() {
  picnic::TrainOptions o;
  o.config.nr_filters = 32;
  o.config.nr_resnet = 2;
  o.config.nr_logistic_mix = 10;
  o.config.dropout = 0.0;
  o.lr_decay = 0.99997;
  return o;
}

}  // namespace

void AddTrainCommand(CLI::App& app, CliContext& ctx) {
  auto opt = std::make_shared<picnic::TrainOptions>(CliTrainDefaults());
  auto no_resume = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("train", "Train a PixelCNN++ model on random crops of images");
  cmd->footer(
      "Checkpoints go to RUN_DIR/checkpoint every --checkpoint-minutes; a later run with the same "
      "--run-dir resumes exactly where it stopped (same steps, same random crops) unless "
      "--no-resume. After each validation that improves on the best, the EMA weights are "
      "exported to RUN_DIR/NAME.pnw (copy it to weights/ to install it); the validation curve "
      "goes to RUN_DIR/log.tsv.\n"
      "Examples:\n"
      "  picnic train --train photos/train --valid photos/valid --run-dir runs/photo --name photo \\\n"
      "               --max-minutes 120\n"
      "  picnic train --train cifar10/train --run-dir runs/c10 --name c10 --filters 64 --max-steps 50000");
  auto* g_data = "Data";
  cmd->add_option("--train", opt->train_paths, "Training images: files or folders (searched recursively)")
      ->required()
      ->type_name("PATH")
      ->group(g_data);
  cmd->add_option("--valid", opt->valid_paths, "Validation images (none: no validation, no export)")
      ->type_name("PATH")
      ->group(g_data);
  cmd->add_option("--run-dir", opt->run_dir, "Folder for checkpoints, log and exported weights")
      ->required()
      ->type_name("DIR")
      ->group(g_data);
  cmd->add_option("--name", opt->name, "Model name, stored in the weights (NAME.pnw)")
      ->required()
      ->type_name("NAME")
      ->group(g_data);

  auto* g_net = "Network";
  cmd->add_option("--filters", opt->config.nr_filters, "Filters per layer")
      ->check(CLI::Range(1, 1024))->capture_default_str()->group(g_net);
  cmd->add_option("--resnet", opt->config.nr_resnet, "Gated residual blocks per resolution")
      ->check(CLI::Range(1, 16))->capture_default_str()->group(g_net);
  cmd->add_option("--mix", opt->config.nr_logistic_mix, "Logistic mixture components")
      ->check(CLI::Range(1, 16))->capture_default_str()->group(g_net);
  cmd->add_option("--dropout", opt->config.dropout, "Dropout in the residual blocks")
      ->check(CLI::Range(0.0, 0.95))->capture_default_str()->group(g_net);

  auto* g_opt = "Optimization";
  auto multiple_of_4 = CLI::Validator(
      [](std::string& s) -> std::string {
        const int v = std::atoi(s.c_str());
        return v >= 4 && v % 4 == 0 ? std::string() : "must be a positive multiple of 4";
      },
      "MULTIPLE OF 4");
  cmd->add_option("--crop", opt->crop, "Training crop side in pixels")
      ->check(multiple_of_4)->capture_default_str()->group(g_opt);
  cmd->add_option("--batch", opt->batch, "Crops per step")
      ->check(CLI::Range(1, 4096))->capture_default_str()->group(g_opt);
  cmd->add_option("--lr", opt->learning_rate, "Adam learning rate")
      ->check(CLI::PositiveNumber)->capture_default_str()->group(g_opt);
  cmd->add_option("--lr-decay", opt->lr_decay, "Learning-rate factor per step")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str()->group(g_opt);
  cmd->add_option("--ema", opt->ema_decay, "Decay of the weights' moving average (used for evaluation and export)")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str()->group(g_opt);
  cmd->add_option("--upscale-prob", opt->augmentation.upscale_probability,
                  "Share of crops cut smaller and enlarged bilinearly to the crop size: smooth content "
                  "like photographs that were not downscaled")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str()->group(g_opt);
  cmd->add_option("--max-upscale", opt->augmentation.max_upscale,
                  "Largest enlargement factor of --upscale-prob (drawn uniformly from 1 to this)")
      ->check(CLI::Range(1.0, 8.0))->capture_default_str()->group(g_opt);
  cmd->add_option("--seed", opt->seed, "Random seed (initialization and crops)")
      ->capture_default_str()->group(g_opt);

  auto* g_run = "Schedule";
  cmd->add_option("--max-steps", opt->max_steps, "Stop at this total step count (0: no limit)")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group(g_run);
  cmd->add_option("--max-minutes", opt->max_minutes, "Stop after this many minutes of this session (0: no limit)")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group(g_run);
  cmd->add_option("--checkpoint-minutes", opt->checkpoint_minutes, "Minutes between checkpoints")
      ->check(CLI::PositiveNumber)->capture_default_str()->group(g_run);
  cmd->add_option("--valid-minutes", opt->valid_minutes, "Minutes between validations")
      ->check(CLI::PositiveNumber)->capture_default_str()->group(g_run);
  cmd->add_option("--valid-crop", opt->valid_crop, "Validation crop side in pixels")
      ->check(multiple_of_4)->capture_default_str()->group(g_run);
  cmd->add_option("--valid-crops-per-image", opt->valid_crops_per_image,
                  "Validation crops per image, on a regular grid (rounded down to a square)")
      ->check(CLI::Range(1, 1024))->capture_default_str()->group(g_run);
  cmd->add_option("--valid-max-images", opt->valid_max_images,
                  "Validate on this many evenly spaced images (0: all)")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group(g_run);
  cmd->add_option("-j,--threads", opt->threads, "LibTorch threads (0: one per core)")
      ->type_name("N")
      ->check(CLI::Range(0, 256))->capture_default_str()->group(g_run);
  cmd->add_option("--init", opt->init_weights,
                  "Without a checkpoint in RUN_DIR, start from these weights (NAME or .pnw path) and "
                  "continue their training record")
      ->type_name("WEIGHTS");
  cmd->add_flag("--no-resume", *no_resume, "Start afresh even if RUN_DIR has a checkpoint (which, with NAME.pnw, is then overwritten)")
      ->group(g_run);

  cmd->callback([opt, no_resume, &ctx]() {
    opt->resume = !*no_resume;
    opt->stop = &g_stop;
    std::signal(SIGINT, OnStopSignal);
    std::signal(SIGTERM, OnStopSignal);
    const picnic::Status s = picnic::Train(*opt);
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    if (!s.ok()) picnic_cli::ReportError(ctx, "", s);
  });
}
