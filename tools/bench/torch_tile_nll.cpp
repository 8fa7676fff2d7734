// Prints the model's NLL (bits per subpixel) over the codec's own tiling for
// several tile sizes: what tile borders cost in compression, without coding
// (ComputeTiledNll equals the coded size to within the coding overhead).
//
//   torch_tile_nll WEIGHTS.pnw [--threads N] [--every K] TILE... -- FOLDER|FILE...
//
// Tiles per batch are chosen as the encoder chooses them for --threads
// (default 2). --every K keeps every K-th image of the sorted list.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "picnic/dataset.h"
#include "picnic/image_io.h"
#include "picnic/picnic.h"
#include "picnic/pixelcnn_model.h"
#include "picnic/tiling.h"
#include "picnic/weights.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s WEIGHTS.pnw [--threads N] [--every K] TILE... -- FOLDER|FILE...\n", argv[0]);
    return 2;
  }
  int threads = 2, every = 1;
  std::vector<int> tiles;
  std::vector<std::string> paths;
  bool after = false;
  for (int i = 2; i < argc; ++i) {
    if (after) {
      paths.push_back(argv[i]);
    } else if (!std::strcmp(argv[i], "--")) {
      after = true;
    } else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--every") && i + 1 < argc) {
      every = std::atoi(argv[++i]);
    } else {
      tiles.push_back(std::atoi(argv[i]));
    }
  }
  picnic::UseTorchThreads(threads);
  auto weights = picnic::LoadWeights(argv[1]);
  if (!weights.ok()) {
    std::fprintf(stderr, "%s\n", weights.status().ToString().c_str());
    return 1;
  }
  auto files = picnic::ListImageFiles(paths);
  if (!files.ok()) {
    std::fprintf(stderr, "%s\n", files.status().ToString().c_str());
    return 1;
  }
  std::vector<picnic::Image> images;
  for (size_t i = 0; i < files->size(); i += every) {
    auto image = picnic::ReadImageFile((*files)[i]);
    if (image.ok()) images.push_back(std::move(image).value());
  }
  std::printf("model %s (fingerprint %s), %zu images, batches as an encoder with %d threads\n",
              weights->name.c_str(), picnic::FingerprintHex(weights->fingerprint).c_str(), images.size(),
              threads);
  std::printf("%6s %12s\n", "tile", "NLL bpsp");
  for (int tile : tiles) {
    double bits = 0, subpixels = 0;
    for (const auto& image : images) {
      const picnic::TileGrid grid(image.width, image.height, tile);
      const uint64_t n = grid.num_tiles();
      const int batch = static_cast<int>(
          std::min<uint64_t>(picnic::kDefaultTilesPerBatch, (n + threads - 1) / threads));
      auto nll = picnic::ComputeTiledNll(weights->model, image, tile, batch);
      if (!nll.ok()) {
        std::fprintf(stderr, "%s\n", nll.status().ToString().c_str());
        return 1;
      }
      bits += nll->total_bits;
      subpixels += nll->subpixels;
    }
    std::printf("%6d %12.4f\n", tile, bits / subpixels);
    std::fflush(stdout);
  }
  return 0;
}
