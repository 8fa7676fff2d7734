// How much could per-image adaptation deeper in the network save? Fits a
// chosen set of the float model's parameters (every bias, or the biases of
// the last blocks only) to one image by Adam steps on random crops, with the
// loss on half of the pixels (a hash of the position picks them), and
// measures the NLL on the other half over the codec's tiling, against the
// model as shipped. The parameters' own bytes are not counted there: a
// ceiling. Then the fitted changes rounded to steps of each tensor's RMS
// change / f, with their empirical entropy as the bytes a file would pay.
// Measured in README, Results ("How much adapting the whole network could
// give").
//
//   torch_adapt_deep WEIGHTS.pnw [--set all|late|head] [--tile N] [--steps N]
//       [--crop N] [--batch N] [--lr X] [--threads N] FILE...
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
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

// 1 on the pixels of one half of the image, by a hash of y * width + x.
int Half(int64_t y, int64_t x, int64_t width) {
  return static_cast<int>((((y * width + x) * 2654435761LL) % (1LL << 32)) >> 16 & 1);
}

torch::Tensor ImageTensor(const picnic::Image& image) {  // [1, 3, H, W] uint8
  torch::Tensor u8 = torch::zeros({1, 3, image.height, image.width}, torch::kUInt8);
  auto a = u8.accessor<uint8_t, 4>();
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x)
      for (int c = 0; c < 3; ++c) a[0][c][y][x] = image.at(y, x, image.channels() == 1 ? 0 : c);
  return u8;
}

torch::Tensor HalfMask(int64_t y0, int64_t x0, int64_t h, int64_t w, int64_t width, int half) {
  torch::Tensor m = torch::zeros({h, w}, torch::kFloat32);
  auto a = m.accessor<float, 2>();
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) a[y][x] = Half(y0 + y, x0 + x, width) == half ? 1.0f : 0.0f;
  return m;
}

// Sum of nats over the pixels `weight` selects, and their count.
torch::Tensor Nats(const torch::Tensor& x, const torch::Tensor& params, const torch::Tensor& weight, int cc) {
  return (picnic::DiscretizedMixLogisticNll(x, params, cc) * weight).sum();
}

// Bits per subpixel on the test half over the codec's tiling.
double TestBits(picnic::PixelCnn& model, const torch::Tensor& u8, int tile, int cc) {
  torch::NoGradGuard no_grad;
  const int64_t height = u8.size(2), width = u8.size(3);
  const picnic::TileGrid grid(static_cast<int>(width), static_cast<int>(height), tile);
  double nats = 0, count = 0;
  for (uint64_t t = 0; t < grid.num_tiles(); ++t) {
    const picnic::TileRect r = grid.Tile(t);
    torch::Tensor crop = u8.narrow(2, r.y0, r.height).narrow(3, r.x0, r.width);
    picnic::PaddedBatch p = picnic::PadToMultipleOf4(crop.contiguous());
    torch::Tensor params = model->forward(p.x, p.mask).narrow(2, 0, r.height).narrow(3, 0, r.width);
    torch::Tensor x = crop.to(torch::kFloat32) * (2.0 / 255.0) - 1.0;
    torch::Tensor m = HalfMask(r.y0, r.x0, r.height, r.width, width, 1).unsqueeze(0);
    nats += Nats(x, params, m, cc).item<double>();
    count += m.sum().item<double>() * cc;
  }
  return nats / count / std::log(2.0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s WEIGHTS.pnw [--set all|late|head] [--tile N] [--steps N] [--crop N] "
                 "[--batch N] [--lr X] [--threads N] FILE...\n", argv[0]);
    return 2;
  }
  int tile = 128, steps = 100, crop = 64, batch = 8, threads = 1;
  double lr = 1e-3;
  std::string set = "all";
  std::vector<std::string> paths;
  for (int i = 2; i < argc; ++i) {
    auto next = [&]() { return argv[++i]; };
    if (!std::strcmp(argv[i], "--tile") && i + 1 < argc) tile = std::atoi(next());
    else if (!std::strcmp(argv[i], "--steps") && i + 1 < argc) steps = std::atoi(next());
    else if (!std::strcmp(argv[i], "--crop") && i + 1 < argc) crop = std::atoi(next());
    else if (!std::strcmp(argv[i], "--batch") && i + 1 < argc) batch = std::atoi(next());
    else if (!std::strcmp(argv[i], "--lr") && i + 1 < argc) lr = std::atof(next());
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(next());
    else if (!std::strcmp(argv[i], "--set") && i + 1 < argc) set = next();
    else paths.push_back(argv[i]);
  }
  picnic::UseTorchThreads(threads);
  auto weights = picnic::LoadWeights(argv[1]);
  if (!weights.ok()) {
    std::fprintf(stderr, "%s\n", weights.status().ToString().c_str());
    return 1;
  }
  picnic::PixelCnn& model = weights->model;
  model->eval();
  std::vector<std::pair<std::string, torch::Tensor>> named = model->NamedTensors();
  std::vector<torch::Tensor> originals;
  for (auto& [name, t] : named) originals.push_back(t.detach().clone());
  auto chosen = [&](const std::string& name) {
    const bool bias = name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0;
    if (!bias) return false;
    if (set == "all") return true;
    if (set == "head") return name.rfind("out_nin", 0) == 0;
    // late: the last resolution's down blocks and the head
    return name.rfind("out_nin", 0) == 0 || name.rfind("down_u.", 0) == 0 || name.rfind("down_ul.", 0) == 0;
  };
  int64_t adapted = 0;
  for (auto& [name, t] : named) {
    t.set_requires_grad(chosen(name));
    if (chosen(name)) adapted += t.numel();
  }
  std::printf("model %s, set %s (%lld parameters), tile %d, %d Adam steps of %d crops %dx%d, lr %g\n",
              weights->name.c_str(), set.c_str(), static_cast<long long>(adapted), tile, steps, batch, crop, crop, lr);
  std::printf("%-24s %8s %8s\n", "image", "shipped", "adapted");
  double sums[2] = {0, 0};
  std::mt19937 rng(1);
  for (const std::string& path : paths) {
    auto image = picnic::ReadImageFile(path);
    if (!image.ok()) {
      std::fprintf(stderr, "%s\n", image.status().ToString().c_str());
      return 1;
    }
    for (size_t i = 0; i < named.size(); ++i) {
      torch::NoGradGuard g;
      named[i].second.copy_(originals[i]);
    }
    const int cc = image->channels() == 1 ? 1 : 3;
    const torch::Tensor u8 = ImageTensor(*image);
    const double before = TestBits(model, u8, tile, cc);
    std::vector<torch::Tensor> params;
    for (auto& [name, t] : named)
      if (chosen(name)) params.push_back(t);
    torch::optim::Adam opt(params, torch::optim::AdamOptions(lr));
    const int ch = std::min<int>(crop, image->height), cw = std::min<int>(crop, image->width);
    for (int s = 0; s < steps; ++s) {
      std::vector<torch::Tensor> xs, ms;
      for (int b = 0; b < batch; ++b) {
        const int y0 = std::uniform_int_distribution<int>(0, image->height - ch)(rng);
        const int x0 = std::uniform_int_distribution<int>(0, image->width - cw)(rng);
        xs.push_back(u8.narrow(2, y0, ch).narrow(3, x0, cw));
        ms.push_back(HalfMask(y0, x0, ch, cw, image->width, 0).unsqueeze(0));
      }
      torch::Tensor crops = torch::cat(xs, 0).contiguous();
      picnic::PaddedBatch p = picnic::PadToMultipleOf4(crops);
      opt.zero_grad();
      torch::Tensor out = model->forward(p.x, p.mask).narrow(2, 0, ch).narrow(3, 0, cw);
      torch::Tensor x = crops.to(torch::kFloat32) * (2.0 / 255.0) - 1.0;
      torch::Tensor m = torch::cat(ms, 0);
      torch::Tensor loss = Nats(x, out, m, cc) / (m.sum() * cc * std::log(2.0));
      loss.backward();
      opt.step();
    }
    const double after = TestBits(model, u8, tile, cc);
    const std::string name = path.substr(path.find_last_of('/') + 1);
    std::printf("%-24s %8.4f %8.4f   (%+.2f %%)\n", name.c_str(), before, after, 100 * (after / before - 1));
    // Quantized: per tensor a step of its RMS change / f; the parameters'
    // bits are each tensor's empirical entropy of its steps plus 32 bits.
    const double subpixels = static_cast<double>(image->height) * image->width * cc;
    std::vector<torch::Tensor> fitted;
    for (auto& [n, t] : named) fitted.push_back(t.detach().clone());
    for (double f : {2.0, 8.0, 32.0}) {
      double param_bits = 0;
      for (size_t i = 0; i < named.size(); ++i) {
        if (!chosen(named[i].first)) continue;
        torch::NoGradGuard g;
        torch::Tensor d = fitted[i] - originals[i];
        const double rms = std::sqrt(d.pow(2).mean().item<double>());
        if (rms == 0) continue;
        const double step = rms / f;
        torch::Tensor q = (d / step).round();
        named[i].second.copy_(originals[i] + q * step);
        std::map<int64_t, int64_t> counts;
        auto qa = q.to(torch::kInt64).flatten();
        for (int64_t j = 0; j < qa.size(0); ++j) ++counts[qa[j].item<int64_t>()];
        double h = 0;
        for (auto& [v, k] : counts) h -= k * std::log2(static_cast<double>(k) / qa.size(0));
        param_bits += h + 32;
      }
      const double qbits = TestBits(model, u8, tile, cc);
      const double total = qbits + param_bits / subpixels;
      std::printf("  step rms/%g: %8.4f + params %6.0f bytes (%.4f) = %8.4f (%+.2f %%)\n", f, qbits, param_bits / 8,
                  param_bits / subpixels, total, 100 * (total / before - 1));
      std::fflush(stdout);
    }
    std::fflush(stdout);
    sums[0] += before;
    sums[1] += after;
  }
  std::printf("%-24s %8.4f %8.4f   (%+.2f %%, mean of images)\n", "all", sums[0] / paths.size(),
              sums[1] / paths.size(), 100 * (sums[1] / sums[0] - 1));
  return 0;
}
