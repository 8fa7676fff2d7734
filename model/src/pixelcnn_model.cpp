#include "picnic/pixelcnn_model.h"

#include <dlfcn.h>

#include <cstdio>

#include "picnic/engine.h"  // PixelCnnCanvasSide
#include "picnic/evaluate.h"  // PixelNllBits
#include "picnic/mixture.h"
#include "picnic/threads.h"
#include "picnic/tiling.h"
#include "torch_errors.h"

namespace picnic {

void UseSingleThreadedMath() {
  // Only when needed: another thread may be coding a batch right now.
  if (torch::get_num_threads() != 1) torch::set_num_threads(1);
  // OpenBLAS (setup.sh installs the pthread build: unlike the serial one it
  // is safe to call from several threads at once) must not split a product
  // over its own threads: our threads already run one batch each, and a
  // split could change the order of additions (and two coding threads each
  // waking two BLAS threads on two cores spend their time yielding). Looked
  // up at run time: the reference BLAS has no such function.
  using GetThreads = int (*)();
  using SetThreads = void (*)(int);
  auto get = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (set && (!get || get() != 1)) set(1);
}

void UseTorchThreads(int requested) {
  const int n = ResolveThreads(requested);
  if (torch::get_num_threads() != n) torch::set_num_threads(n);
}

ScopedTorchThreads::ScopedTorchThreads(int requested) : previous_(torch::get_num_threads()) {
  UseTorchThreads(requested);
}

ScopedTorchThreads::~ScopedTorchThreads() {
  if (torch::get_num_threads() != previous_) torch::set_num_threads(previous_);
}

PixelCnnModel::PixelCnnModel(LoadedWeights weights)
    : weights_(std::move(weights)), inc_(weights_.model) {
  UseSingleThreadedMath();  // whoever made this model: coding is single-threaded math
  num_mix_ = weights_.model->config().nr_logistic_mix;
  params_ = weights_.model->config().output_channels();
}

Status PixelCnnModel::Begin(const std::vector<TileShape>& tiles, int color_channels) {
  if (tiles.empty()) return Status(StatusCode::kInternal, "empty tile batch");
  if (color_channels != 1 && color_channels != 3)
    return Status(StatusCode::kInternal, "colour channels must be 1 or 3");
  try {
    int64_t h = 0, w = 0;
    for (const auto& t : tiles) {
      h = std::max<int64_t>(h, t.height);
      w = std::max<int64_t>(w, t.width);
    }
    h = PixelCnnCanvasSide(h);
    w = PixelCnnCanvasSide(w);
    batch_ = static_cast<int64_t>(tiles.size());
    torch::Tensor mask = torch::zeros({batch_, 1, h, w});
    for (int64_t i = 0; i < batch_; ++i) mask[i].narrow(1, 0, tiles[i].height).narrow(2, 0, tiles[i].width).fill_(1);
    PICNIC_RETURN_IF_ERROR(inc_.Begin(batch_, h, w, mask));
    color_channels_ = color_channels;
    decoded_.assign(static_cast<size_t>(batch_) * 3, 0);
    return Status::Ok();
  } catch (...) {
    return CurrentTorchError("starting a batch");
  }
}

Status PixelCnnModel::Predict(int y, int x, int c, const std::vector<int>& tile_ids, Distribution* out) {
  try {
    if (c == 0) {
      PICNIC_ASSIGN_OR_RETURN(torch::Tensor raw, inc_.Step(y, x));
      raw_ = raw.contiguous();  // [T, params]
    }
    const float* raw = raw_.data_ptr<float>();
    for (size_t i = 0; i < tile_ids.size(); ++i) {
      const int t = tile_ids[i];
      out[i].kind = Distribution::Kind::kMixture;
      out[i].mixture = ChannelMixture(raw + t * params_, num_mix_, c, &decoded_[t * 3]);
    }
    return Status::Ok();
  } catch (...) {
    return CurrentTorchError("predicting");
  }
}

Status PixelCnnModel::Observe(int y, int x, int c, const std::vector<int>& tile_ids, const uint8_t* values) {
  for (size_t i = 0; i < tile_ids.size(); ++i) {
    uint8_t* px = &decoded_[tile_ids[i] * 3];
    px[c] = values[i];
    if (color_channels_ == 1) px[1] = px[2] = values[i];  // gray: G = B = R in the input
  }
  if (c + 1 < color_channels_) return Status::Ok();
  try {
    torch::Tensor v = torch::zeros({batch_, 3});
    float* p = v.data_ptr<float>();
    for (int t : tile_ids) {
      for (int ch = 0; ch < 3; ++ch) p[t * 3 + ch] = PixelToUnitF(decoded_[t * 3 + ch]);
    }
    inc_.SetPixel(y, x, v);
    return Status::Ok();
  } catch (...) {
    return CurrentTorchError("observing");
  }
}

Result<TiledNll> ComputeTiledNll(PixelCnn net, const Image& image, int tile_size,
                                 int tiles_per_batch, const std::vector<uint8_t>& model_params) {
  if (image.width < 1 || image.height < 1 || tile_size < 0 || tiles_per_batch < 1)
    return Status(StatusCode::kInvalidArgument, "bad image or tiling for NLL");
  const int cc = NumColorChannels(image.layout);
  PICNIC_ASSIGN_OR_RETURN(const ImageAdaptation adaptation, ParseModelParams(model_params, cc));
  try {
    torch::NoGradGuard no_grad;
    net->eval();
    TiledNll out;
    out.pixel_bits.assign(static_cast<size_t>(image.width) * image.height, 0.f);
    const TileGrid grid(image.width, image.height, tile_size);
    const uint64_t n = grid.num_tiles();
    for (uint64_t first = 0; first < n; first += tiles_per_batch) {
      const std::vector<TileRect> rects = BatchRects(grid, first, std::min<uint64_t>(tiles_per_batch, n - first));
      int64_t h = 0, w = 0;
      for (const auto& r : rects) {
        h = std::max<int64_t>(h, r.height);
        w = std::max<int64_t>(w, r.width);
      }
      const int64_t t = static_cast<int64_t>(rects.size());
      torch::Tensor tiles = torch::zeros({t, 3, h, w}, torch::kUInt8);  // [T, 3, H, W]
      std::vector<Extent> extents;
      auto ta = tiles.accessor<uint8_t, 4>();
      for (int64_t i = 0; i < t; ++i) {
        const TileRect& r = rects[i];
        extents.push_back({r.height, r.width});
        for (int yy = 0; yy < r.height; ++yy) {
          for (int xx = 0; xx < r.width; ++xx) {
            for (int c = 0; c < 3; ++c) ta[i][c][yy][xx] = image.at(r.y0 + yy, r.x0 + xx, cc == 1 ? 0 : c);
          }
        }
      }
      const std::vector<const ImageAdaptation*> adapt(rects.size(), adaptation.empty() ? nullptr : &adaptation);
      torch::Tensor nll = PixelNllBits(net, tiles, extents, cc, adapt);  // [T, H, W] bits
      auto na = nll.accessor<double, 3>();
      for (int64_t i = 0; i < t; ++i) {
        const TileRect& r = rects[i];
        for (int yy = 0; yy < r.height; ++yy) {
          for (int xx = 0; xx < r.width; ++xx) {
            const double b = na[i][yy][xx];
            out.total_bits += b;
            out.pixel_bits[static_cast<size_t>(r.y0 + yy) * image.width + r.x0 + xx] = static_cast<float>(b);
          }
        }
      }
    }
    out.subpixels = static_cast<uint64_t>(image.width) * image.height * cc;
    return out;
  } catch (...) {
    return CurrentTorchError("computing the tiled NLL");
  }
}

ModelProvider TorchModelProvider(ModelProvider fallback) {
  return [fallback](const std::string& name, uint64_t fingerprint) -> Result<std::unique_ptr<ProbabilityModel>> {
    auto not_installed = [&]() {
      return Status(StatusCode::kModelNotFound,
                    "file was encoded with model " + name + " (fingerprint " + FingerprintHex(fingerprint) +
                        "), which is not installed; put its weights in the weights folder or set "
                        "PICNIC_WEIGHTS_DIR");
    };
    UseSingleThreadedMath();
    Result<std::string> path = FindWeights(name);
    if (!path.ok()) {
      if (fallback) {
        auto r = fallback(name, fingerprint);
        if (r.ok() || r.status().code() != StatusCode::kModelNotFound) return r;
      }
      if (fingerprint == 0) return path.status();
    }
    if (path.ok()) {
      PICNIC_ASSIGN_OR_RETURN(LoadedWeights w, LoadWeights(*path));
      if (fingerprint == 0 || w.fingerprint == fingerprint)
        return std::unique_ptr<ProbabilityModel>(new PixelCnnModel(std::move(w)));
    }
    // Same name, other weights (or another name): look for the fingerprint.
    for (const auto& candidate : ListWeights()) {
      Result<LoadedWeights> w = LoadWeights(candidate);
      if (w.ok() && w->fingerprint == fingerprint)
        return std::unique_ptr<ProbabilityModel>(new PixelCnnModel(std::move(w).value()));
    }
    return not_installed();
  };
}

}  // namespace picnic
