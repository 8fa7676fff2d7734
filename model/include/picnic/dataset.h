// Images in memory as network input, for training, evaluation and sampling.
#ifndef PICNIC_DATASET_H_
#define PICNIC_DATASET_H_

#include <torch/torch.h>

#include <random>
#include <string>
#include <vector>

#include "picnic/image.h"
#include "picnic/status.h"
#include "picnic/visibility.h"

namespace picnic {

// [3, H, W] uint8 from an Image: gray is replicated to R = G = B (docs/DESIGN.md,
// "Channels"); alpha is dropped.
PICNIC_EXPORT torch::Tensor ImageToTensor(const Image& image);

// Every image file (.png, .ppm, .pgm) under the given files or folders,
// recursively, sorted by path.
PICNIC_EXPORT Result<std::vector<std::string>> ListImageFiles(const std::vector<std::string>& paths);

struct ImageSet {
  std::vector<std::string> paths;
  std::vector<torch::Tensor> images;  // each [3, H, W] uint8
  int64_t total_pixels = 0;
};

// Loads every image under `paths`; with min_side > 0, skips images smaller
// than that in either dimension. max_images > 0 keeps N evenly spaced
// over the sorted file list.
PICNIC_EXPORT Result<ImageSet> LoadImageSet(const std::vector<std::string>& paths, int min_side = 0,
                                            int max_images = 0);

// Random crops of size crop x crop, chosen image with probability
// proportional to its area, position uniform, optional horizontal flip.
// Returns [batch, 3, crop, crop] uint8.
PICNIC_EXPORT torch::Tensor RandomCrops(const ImageSet& set, int batch, int crop, bool flip,
                                        std::mt19937_64& rng);

// Deterministic validation crops: up to per_image crops of crop x crop on a
// regular grid in each image. Returns [N, 3, crop, crop] uint8.
PICNIC_EXPORT torch::Tensor GridCrops(const ImageSet& set, int crop, int per_image);

}  // namespace picnic

#endif  // PICNIC_DATASET_H_
