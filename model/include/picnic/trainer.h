// Trains PixelCNN++ on random crops (Adam, exponential learning-rate decay,
// an exponential moving average of the weights for evaluation and export),
// with periodic validation, checkpoints and exact resume.
#ifndef PICNIC_TRAINER_H_
#define PICNIC_TRAINER_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "picnic/dataset.h"
#include "picnic/pixelcnn.h"
#include "picnic/status.h"
#include "picnic/visibility.h"

namespace picnic {

struct TrainOptions {
  std::vector<std::string> train_paths;
  std::vector<std::string> valid_paths;  // may be empty: no validation
  std::string run_dir;                   // checkpoints, log, exported weights
  std::string name = "model";            // model name written into the weights
  PixelCnnConfig config;
  int crop = 32;
  int batch = 16;
  CropAugmentation augmentation;  // flips by default; see dataset.h
  double learning_rate = 1e-3;
  double lr_decay = 0.99999;    // per step (PixelCNN++ used 0.999995)
  double ema_decay = 0.999;     // Polyak averaging of the weights
  int64_t max_steps = 0;        // 0: no limit
  double max_minutes = 0;       // 0: no limit
  double checkpoint_minutes = 5;
  double valid_minutes = 10;
  int valid_crop = 64;
  int valid_crops_per_image = 4;
  int valid_max_images = 0;     // 0: all
  uint64_t seed = 1;
  int threads = 0;  // LibTorch threads; 0: one per core (UseTorchThreads)
  bool resume = true;           // continue from run_dir/checkpoint if present
  // Without a checkpoint: start from these weights (.pnw) and continue their
  // training record (steps, pixels, CPU time). Checkpoints live in run_dir,
  // which does not outlive a session here; the shipped weights do.
  std::string init_weights;
  // When set: checked before every step; once true, training ends as at
  // max_steps (validation, export if best, checkpoint). `picnic train` sets
  // it on SIGINT/SIGTERM, so stopping a run loses nothing.
  const std::atomic<bool>* stop = nullptr;
};

// Runs until max_steps or max_minutes (or forever). Progress goes to stderr;
// a line per validation to run_dir/log.tsv. Exports the EMA weights to
// run_dir/<name>.pnw after every validation that improves on the best.
PICNIC_EXPORT Status Train(const TrainOptions& options);

}  // namespace picnic

#endif  // PICNIC_TRAINER_H_
