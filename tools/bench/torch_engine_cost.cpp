// Where the exact engine's files lose against the float model: for each
// image, coded with the integer weights at effort 1 (one thread, the
// default tiling), the sums over every colour subpixel of
//   float   the float model's NLL over the same tiles (ComputeTiledNll);
//   intf    the engine's integer mixtures scored in double (the network's
//           integer arithmetic, quantized outputs included);
//   int     the same mixtures scored as the engine scores them
//           (IntLog2BinProbability, log2-sum in double);
//   file    the real file, header included (the CDF's one-count floor, the
//           range coder and the header).
//
//   torch_engine_cost WEIGHTS.pnw INTWEIGHTS.pnq FOLDER|FILE...
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "picnic/dataset.h"
#include "picnic/engine.h"
#include "picnic/image_io.h"
#include "picnic/mixture.h"
#include "picnic/picnic.h"
#include "picnic/pixelcnn_model.h"
#include "picnic/weights.h"

namespace {

struct Sums {
  double intf = 0, int_bits = 0;
};

// -log2 of sum_k 2^(w_k) p_k / sum_k 2^(w_k), from log2 terms.
double Log2Mix(const double* w, const double* l, int n) {
  double tw = w[0], tl = w[0] + l[0];
  for (int k = 1; k < n; ++k) {
    tw = std::max(tw, w[k]);
    tl = std::max(tl, w[k] + l[k]);
  }
  double sw = 0, sl = 0;
  for (int k = 0; k < n; ++k) {
    sw += std::exp2(w[k] - tw);
    sl += std::exp2(w[k] + l[k] - tl);
  }
  return (tw + std::log2(sw)) - (tl + std::log2(sl));
}

// Passes everything to the engine and scores each integer mixture against
// the value observed.
class Scoring : public picnic::ProbabilityModel {
 public:
  Scoring(std::unique_ptr<picnic::ProbabilityModel> inner, Sums* sums) : inner_(std::move(inner)), sums_(sums) {}
  std::string name() const override { return inner_->name(); }
  uint64_t fingerprint() const override { return inner_->fingerprint(); }
  picnic::Status Begin(const std::vector<picnic::TileShape>& t, int cc) override { return inner_->Begin(t, cc); }
  picnic::Status BeginKnown(const std::vector<picnic::TileRect>& r, const picnic::Image& im) override {
    return inner_->BeginKnown(r, im);
  }
  picnic::Status Predict(int y, int x, int c, const std::vector<int>& ids, picnic::Distribution* out) override {
    picnic::Status s = inner_->Predict(y, x, c, ids, out);
    last_.assign(out, out + ids.size());
    return s;
  }
  picnic::Status Observe(int y, int x, int c, const std::vector<int>& ids, const uint8_t* values) override {
    for (size_t i = 0; i < ids.size(); ++i) {
      const picnic::IntSubpixelMixture& m = last_[i].int_mixture;
      const int v = values[i];
      double w[picnic::kMaxMixtures], lf[picnic::kMaxMixtures], li[picnic::kMaxMixtures];
      for (int k = 0; k < m.num_mixtures; ++k) {
        w[k] = m.log2_weights[k] / 65536.0;
        const double mean = m.means[k] / 65536.0 / picnic::kUnitToBin - 1.0;
        const double log_scale = -(m.log2_inv_scales[k] / 65536.0 + std::log2(picnic::kUnitToBin)) * std::log(2.0);
        lf[k] = picnic::LogBinProbability(mean, log_scale, v) / std::log(2.0);
        li[k] = picnic::IntLog2BinProbability(m.means[k], m.log2_inv_scales[k], v) / 65536.0;
      }
      sums_->intf += Log2Mix(w, lf, m.num_mixtures);
      sums_->int_bits += Log2Mix(w, li, m.num_mixtures);
    }
    return inner_->Observe(y, x, c, ids, values);
  }

 private:
  std::unique_ptr<picnic::ProbabilityModel> inner_;
  Sums* sums_;
  std::vector<picnic::Distribution> last_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s WEIGHTS.pnw INTWEIGHTS.pnq FOLDER|FILE...\n", argv[0]);
    return 2;
  }
  picnic::UseTorchThreads(2);
  auto weights = picnic::LoadWeights(argv[1]);
  auto iw = picnic::LoadIntWeights(argv[2]);
  if (!weights.ok() || !iw.ok()) {
    std::fprintf(stderr, "cannot load the weights\n");
    return 1;
  }
  auto files = picnic::ListImageFiles(std::vector<std::string>(argv + 3, argv + argc));
  if (!files.ok()) return 1;
  std::printf("%-28s %9s %9s %9s %9s   %7s %7s %7s\n", "image", "float", "intf", "int", "file", "net%", "prob%",
              "cdf%");
  Sums all;
  double all_float = 0, all_file = 0;
  uint64_t all_sub = 0;
  for (const std::string& path : *files) {
    auto image = picnic::ReadImageFile(path);
    if (!image.ok()) continue;
    image->metadata.clear();
    Sums sums;
    picnic::EncodeOptions eo;
    eo.model = argv[2];
    eo.effort = 1;
    eo.threads = 1;
    eo.choose_tile_modes = false;
    picnic::ModelProvider engine = picnic::EngineModelProvider(nullptr);
    eo.provider = [&](const std::string& n, uint64_t f) -> picnic::Result<std::unique_ptr<picnic::ProbabilityModel>> {
      PICNIC_ASSIGN_OR_RETURN(std::unique_ptr<picnic::ProbabilityModel> m, engine(n, f));
      return std::unique_ptr<picnic::ProbabilityModel>(new Scoring(std::move(m), &sums));
    };
    auto file = picnic::Encode(*image, eo);
    if (!file.ok()) {
      std::fprintf(stderr, "%s: %s\n", path.c_str(), file.status().ToString().c_str());
      continue;
    }
    auto info = picnic::ReadFileInfo(file->data(), file->size());
    auto nll = picnic::ComputeTiledNll(weights->model, *image, info->tile_size, info->tiles_per_batch);
    if (!nll.ok()) continue;
    const double n = static_cast<double>(nll->subpixels), fbits = file->size() * 8.0;
    std::printf("%-28s %9.4f %9.4f %9.4f %9.4f   %+7.3f %+7.3f %+7.3f\n", path.substr(path.find_last_of('/') + 1).c_str(),
                nll->total_bits / n, sums.intf / n, sums.int_bits / n, fbits / n,
                100 * (sums.intf / nll->total_bits - 1), 100 * (sums.int_bits / sums.intf - 1),
                100 * (fbits / sums.int_bits - 1));
    all.intf += sums.intf;
    all.int_bits += sums.int_bits;
    all_float += nll->total_bits;
    all_file += fbits;
    all_sub += nll->subpixels;
  }
  const double n = static_cast<double>(all_sub);
  std::printf("%-28s %9.4f %9.4f %9.4f %9.4f   %+7.3f %+7.3f %+7.3f\n", "total", all_float / n, all.intf / n,
              all.int_bits / n, all_file / n, 100 * (all.intf / all_float - 1), 100 * (all.int_bits / all.intf - 1),
              100 * (all_file / all.int_bits - 1));
  return 0;
}
