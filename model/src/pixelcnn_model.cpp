#include "picnic/pixelcnn_model.h"

#include <cstdio>

#include "picnic/mixture.h"

namespace picnic {
namespace {

std::string Hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

Status FromTorch(const c10::Error& e) {
  return Status(StatusCode::kModelError, std::string("LibTorch: ") + e.what_without_backtrace());
}

}  // namespace

int64_t CanvasSize(int64_t n) { return (n + 3) / 4 * 4; }

PixelCnnModel::PixelCnnModel(LoadedWeights weights)
    : weights_(std::move(weights)), inc_(weights_.model) {
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
    h = CanvasSize(h);
    w = CanvasSize(w);
    batch_ = static_cast<int64_t>(tiles.size());
    torch::Tensor mask = torch::zeros({batch_, 1, h, w});
    for (int64_t i = 0; i < batch_; ++i) mask[i].narrow(1, 0, tiles[i].height).narrow(2, 0, tiles[i].width).fill_(1);
    inc_.Begin(batch_, h, w, mask);
    color_channels_ = color_channels;
    decoded_.assign(static_cast<size_t>(batch_) * 3, 0);
    return Status::Ok();
  } catch (const c10::Error& e) {
    return FromTorch(e);
  } catch (const std::exception& e) {
    return Status(StatusCode::kModelError, e.what());
  }
}

Status PixelCnnModel::Predict(int y, int x, int c, const std::vector<int>& tile_ids, Distribution* out) {
  try {
    if (c == 0) raw_ = inc_.Step(y, x).contiguous();  // [T, params]
    const float* raw = raw_.data_ptr<float>();
    for (size_t i = 0; i < tile_ids.size(); ++i) {
      const int t = tile_ids[i];
      out[i].kind = Distribution::Kind::kMixture;
      out[i].mixture = ChannelMixture(raw + t * params_, num_mix_, c, &decoded_[t * 3]);
    }
    return Status::Ok();
  } catch (const c10::Error& e) {
    return FromTorch(e);
  } catch (const std::exception& e) {
    return Status(StatusCode::kModelError, e.what());
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
      for (int ch = 0; ch < 3; ++ch) p[t * 3 + ch] = decoded_[t * 3 + ch] * (2.0f / 255.0f) - 1.0f;
    }
    inc_.SetPixel(y, x, v);
    return Status::Ok();
  } catch (const c10::Error& e) {
    return FromTorch(e);
  }
}

ModelProvider TorchModelProvider(ModelProvider fallback) {
  return [fallback](const std::string& name, uint64_t fingerprint) -> Result<std::unique_ptr<ProbabilityModel>> {
    auto not_installed = [&]() {
      return Status(StatusCode::kModelNotFound,
                    "file was encoded with model " + name + " (fingerprint " + Hex(fingerprint) +
                        "), which is not installed; put its weights in the weights folder or set "
                        "PICNIC_WEIGHTS_DIR");
    };
    torch::set_num_threads(1);
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
