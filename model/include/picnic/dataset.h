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

// How RandomCrops varies what it cuts out.
struct CropAugmentation {
  bool flip = true;  // horizontal flip with probability 1/2
  // With this probability a crop is cut smaller, crop/s per side with s
  // uniform in [1, max_upscale], and enlarged back to crop x crop
  // bilinearly (rounded to integers): smooth content, as in photographs
  // not downscaled (the training photos mostly are). 0: never, and the
  // random stream is exactly that of a run without this augmentation.
  double upscale_probability = 0;
  double max_upscale = 2;
};

// Random crops of size crop x crop, chosen image with probability
// proportional to its area, position uniform, augmented as `aug` says.
// Returns [batch, 3, crop, crop] uint8.
PICNIC_EXPORT torch::Tensor RandomCrops(const ImageSet& set, int batch, int crop, const CropAugmentation& aug,
                                        std::mt19937_64& rng);

// Deterministic validation crops: up to per_image crops of crop x crop on a
// regular grid in each image. Returns [N, 3, crop, crop] uint8. With
// image_of_crop, also which image of `set` each crop came from.
PICNIC_EXPORT torch::Tensor GridCrops(const ImageSet& set, int crop, int per_image,
                                      std::vector<int>* image_of_crop = nullptr);

}  // namespace picnic

#endif  // PICNIC_DATASET_H_
