#include "picnic/dataset.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "picnic/image_io.h"

namespace picnic {

torch::Tensor ImageToTensor(const Image& image) {
  const int c = image.channels();
  torch::Tensor t = torch::from_blob(const_cast<uint8_t*>(image.pixels.data()),
                                     {image.height, image.width, c}, torch::kUInt8)
                        .permute({2, 0, 1});  // [C, H, W]
  if (NumColorChannels(image.layout) == 1) return t.narrow(0, 0, 1).expand({3, image.height, image.width}).clone();
  return t.narrow(0, 0, 3).clone();
}

Result<std::vector<std::string>> ListImageFiles(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  auto is_image = [](const std::filesystem::path& p) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
    return ext == ".png" || ext == ".ppm" || ext == ".pgm";
  };
  for (const auto& path : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      std::vector<std::string> found;
      for (auto it = std::filesystem::recursive_directory_iterator(path, ec);
           !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file() && is_image(it->path())) found.push_back(it->path().string());
      }
      if (ec) return Status(StatusCode::kIoError, "cannot list " + path + ": " + ec.message());
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else if (std::filesystem::exists(path, ec)) {
      out.push_back(path);
    } else {
      return Status(StatusCode::kIoError, path + ": no such file or folder");
    }
  }
  return out;
}

Result<ImageSet> LoadImageSet(const std::vector<std::string>& paths, int min_side, int max_images) {
  PICNIC_ASSIGN_OR_RETURN(std::vector<std::string> files, ListImageFiles(paths));
  if (max_images > 0 && static_cast<size_t>(max_images) < files.size()) {
    // Evenly spaced, so that a subset of a class-sorted folder covers every class.
    std::vector<std::string> subset;
    for (int i = 0; i < max_images; ++i) subset.push_back(files[i * files.size() / max_images]);
    files.swap(subset);
  }
  ImageSet set;
  for (const auto& f : files) {
    PICNIC_ASSIGN_OR_RETURN(Image image, ReadImageFile(f));
    if (image.width < min_side || image.height < min_side) continue;
    set.total_pixels += static_cast<int64_t>(image.width) * image.height;
    set.images.push_back(ImageToTensor(image));
    set.paths.push_back(f);
  }
  if (set.images.empty()) return Status(StatusCode::kInvalidArgument, "no usable images found");
  return set;
}

torch::Tensor RandomCrops(const ImageSet& set, int batch, int crop, const CropAugmentation& aug,
                          std::mt19937_64& rng) {
  std::vector<double> weights;
  weights.reserve(set.images.size());
  for (const auto& t : set.images) weights.push_back(static_cast<double>(t.size(1)) * t.size(2));
  std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
  torch::Tensor out = torch::empty({batch, 3, crop, crop}, torch::kUInt8);
  for (int b = 0; b < batch; ++b) {
    const torch::Tensor& img = set.images[pick(rng)];
    // Drawn only when enabled, so that a run without it keeps its stream.
    int source = crop;
    if (aug.upscale_probability > 0 &&
        std::uniform_real_distribution<double>(0, 1)(rng) < aug.upscale_probability) {
      const double s = std::uniform_real_distribution<double>(1, std::max(1.0, aug.max_upscale))(rng);
      source = std::clamp(static_cast<int>(std::lround(crop / s)), 2, crop);
    }
    const int64_t y = std::uniform_int_distribution<int64_t>(0, img.size(1) - source)(rng);
    const int64_t x = std::uniform_int_distribution<int64_t>(0, img.size(2) - source)(rng);
    torch::Tensor c = img.narrow(1, y, source).narrow(2, x, source);
    if (source != crop) {
      namespace F = torch::nn::functional;
      c = F::interpolate(c.unsqueeze(0).to(torch::kFloat32),
                         F::InterpolateFuncOptions()
                             .size(std::vector<int64_t>{crop, crop})
                             .mode(torch::kBilinear)
                             .align_corners(false))
              .squeeze(0)
              .round()
              .clamp(0, 255)
              .to(torch::kUInt8);
    }
    if (aug.flip && std::uniform_int_distribution<int>(0, 1)(rng) == 1) c = c.flip({2});
    out[b].copy_(c);
  }
  return out;
}

torch::Tensor GridCrops(const ImageSet& set, int crop, int per_image, std::vector<int>* image_of_crop) {
  std::vector<torch::Tensor> crops;
  if (image_of_crop != nullptr) image_of_crop->clear();
  const int side = std::max(1, static_cast<int>(std::floor(std::sqrt(per_image))));
  for (size_t n = 0; n < set.images.size(); ++n) {
    const torch::Tensor& img = set.images[n];
    const int64_t h = img.size(1), w = img.size(2);
    if (h < crop || w < crop) continue;
    for (int i = 0; i < side; ++i) {
      for (int j = 0; j < side; ++j) {
        const int64_t y = side == 1 ? (h - crop) / 2 : (h - crop) * i / (side - 1);
        const int64_t x = side == 1 ? (w - crop) / 2 : (w - crop) * j / (side - 1);
        crops.push_back(img.narrow(1, y, crop).narrow(2, x, crop));
        if (image_of_crop != nullptr) image_of_crop->push_back(static_cast<int>(n));
      }
    }
  }
  return torch::stack(crops);
}

}  // namespace picnic
