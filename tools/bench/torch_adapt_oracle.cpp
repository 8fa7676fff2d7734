// How much could per-image adaptation of the output head save? For each
// image, caches the head's input features over the codec's tiling (one
// forward pass of the float model), then fits per-image changes of the head
// by gradient steps on half of the pixels (a hash picks them) and measures
// the NLL on the other half, against the model as shipped:
//
//   bias    the head's 10K output biases (what the engine's offsets approximate)
//   film    a scale and shift per head input feature, plus the output biases
//   head    the whole head (its weights and biases)
//
// The parameters' own bytes are not counted: this is the ceiling of what
// each kind of adaptation could give, before quantizing and storing it.
//
//   torch_adapt_oracle WEIGHTS.pnw [--tile N] [--steps N] [--lr X] [--threads N] FILE...
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "picnic/engine.h"  // PixelCnnCanvasSide
#include "picnic/evaluate.h"
#include "picnic/image_io.h"
#include "picnic/mixture_loss.h"
#include "picnic/picnic.h"
#include "picnic/pixelcnn_model.h"
#include "picnic/tiling.h"
#include "picnic/weights.h"

namespace {

struct Cached {
  torch::Tensor features;  // [N, F, T, T] float32
  torch::Tensor x;         // [N, 3, T, T] in [-1, 1]
  torch::Tensor fit, test; // [N, T, T] 1 where the pixel counts
};

Cached Cache(picnic::PixelCnn& model, const picnic::Image& image, int tile) {
  const picnic::TileGrid grid(image.width, image.height, tile);
  const int side = picnic::PixelCnnCanvasSide(tile);
  const int64_t n = static_cast<int64_t>(grid.num_tiles());
  torch::Tensor u8 = torch::zeros({n, 3, tile, tile}, torch::kUInt8);
  torch::Tensor valid = torch::zeros({n, tile, tile}, torch::kFloat32);
  auto a = u8.accessor<uint8_t, 4>();
  for (int64_t t = 0; t < n; ++t) {
    const picnic::TileRect r = grid.Tile(static_cast<uint64_t>(t));
    valid[t].narrow(0, 0, r.height).narrow(1, 0, r.width).fill_(1.0);
    for (int y = 0; y < r.height; ++y)
      for (int x = 0; x < r.width; ++x)
        for (int c = 0; c < 3; ++c) a[t][c][y][x] = image.at(r.y0 + y, r.x0 + x, image.channels() == 1 ? 0 : c);
  }
  Cached out;
  picnic::PaddedBatch padded = picnic::PadToMultipleOf4(u8);
  padded.mask.narrow(2, 0, tile).narrow(3, 0, tile).copy_(valid.unsqueeze(1));
  padded.mask.narrow(2, tile, side - tile).zero_();
  padded.mask.narrow(3, tile, side - tile).zero_();
  padded.x.mul_(padded.mask);
  std::vector<torch::Tensor> parts;
  torch::NoGradGuard no_grad;
  for (int64_t t = 0; t < n; t += 16) {
    const int64_t m = std::min<int64_t>(16, n - t);
    parts.push_back(model->Features(padded.x.narrow(0, t, m), padded.mask.narrow(0, t, m))
                        .narrow(2, 0, tile)
                        .narrow(3, 0, tile));
  }
  out.features = torch::cat(parts, 0).contiguous();
  out.x = u8.to(torch::kFloat32) * (2.0 / 255.0) - 1.0;
  // Half the pixels fit, the other half test (a fixed hash of the position).
  torch::Tensor idx = torch::arange(n * tile * tile, torch::kInt64).reshape({n, tile, tile});
  torch::Tensor h = (idx * static_cast<int64_t>(2654435761)).remainder(static_cast<int64_t>(1) << 32).floor_divide(1 << 16).remainder(2);
  out.fit = valid * (h == 0).to(torch::kFloat32);
  out.test = valid * (h == 1).to(torch::kFloat32);
  return out;
}

// Bits per subpixel over the pixels `weight` selects.
torch::Tensor Bits(const torch::Tensor& x, const torch::Tensor& params, const torch::Tensor& weight, int cc) {
  torch::Tensor nats = picnic::DiscretizedMixLogisticNll(x, params, cc);  // [N, T, T]
  return (nats * weight).sum() / (weight.sum() * cc * std::log(2.0));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s WEIGHTS.pnw [--tile N] [--steps N] [--lr X] [--threads N] FILE...\n", argv[0]);
    return 2;
  }
  int tile = 64, steps = 60, threads = 2;
  double lr = 1e-3;
  std::vector<std::string> paths;
  for (int i = 2; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--tile") && i + 1 < argc) {
      tile = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--steps") && i + 1 < argc) {
      steps = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--lr") && i + 1 < argc) {
      lr = std::atof(argv[++i]);
    } else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else {
      paths.push_back(argv[i]);
    }
  }
  picnic::UseTorchThreads(threads);
  auto weights = picnic::LoadWeights(argv[1]);
  if (!weights.ok()) {
    std::fprintf(stderr, "%s\n", weights.status().ToString().c_str());
    return 1;
  }
  picnic::PixelCnn& model = weights->model;
  model->eval();
  const torch::Tensor w0 = model->out_nin->weight.detach().clone(), b0 = model->out_nin->bias.detach().clone();
  const int64_t nf = w0.size(1), no = w0.size(0);
  std::printf("model %s, tile %d, %d Adam steps per fit; bits/subpixel on the held-out half of each image\n",
              weights->name.c_str(), tile, steps);
  std::printf("%-24s %8s %8s %8s %8s\n", "image", "shipped", "bias", "film", "head");
  double sums[4] = {0, 0, 0, 0};
  for (const std::string& path : paths) {
    auto image = picnic::ReadImageFile(path);
    if (!image.ok()) {
      std::fprintf(stderr, "%s\n", image.status().ToString().c_str());
      return 1;
    }
    const int cc = image->channels() == 1 ? 1 : 3;
    const Cached c = Cache(model, *image, tile);
    auto head = [&](const torch::Tensor& f, const torch::Tensor& w, const torch::Tensor& b) {
      return torch::conv2d(f, w, b);
    };
    double result[4];
    {
      torch::NoGradGuard g;
      result[0] = Bits(c.x, head(c.features, w0, b0), c.test, cc).item<double>();
    }
    for (int kind = 1; kind <= 3; ++kind) {
      torch::Tensor db = torch::zeros({no}, torch::requires_grad());
      torch::Tensor gain = torch::zeros({1, nf, 1, 1}, torch::requires_grad());
      torch::Tensor shift = torch::zeros({1, nf, 1, 1}, torch::requires_grad());
      torch::Tensor w = w0.clone().set_requires_grad(kind == 3);
      std::vector<torch::Tensor> params = {db};
      if (kind == 2) params = {db, gain, shift};
      if (kind == 3) params = {db, w};
      torch::optim::Adam opt(params, torch::optim::AdamOptions(lr * (kind == 3 ? 0.1 : 1.0)));
      auto forward = [&]() {
        torch::Tensor f = kind == 2 ? c.features * (1 + gain) + shift : c.features;
        return head(f, w, b0 + db);
      };
      for (int s = 0; s < steps; ++s) {
        opt.zero_grad();
        torch::Tensor loss = Bits(c.x, forward(), c.fit, cc);
        loss.backward();
        opt.step();
      }
      torch::NoGradGuard g;
      result[kind] = Bits(c.x, forward(), c.test, cc).item<double>();
    }
    const std::string name = path.substr(path.find_last_of('/') + 1);
    std::printf("%-24s %8.4f %8.4f %8.4f %8.4f   (%+.2f %% %+.2f %% %+.2f %%)\n", name.c_str(), result[0],
                result[1], result[2], result[3], 100 * (result[1] / result[0] - 1), 100 * (result[2] / result[0] - 1),
                100 * (result[3] / result[0] - 1));
    std::fflush(stdout);
    for (int k = 0; k < 4; ++k) sums[k] += result[k];
  }
  std::printf("%-24s %8.4f %8.4f %8.4f %8.4f   (mean of images)\n", "all", sums[0] / paths.size(),
              sums[1] / paths.size(), sums[2] / paths.size(), sums[3] / paths.size());
  return 0;
}
