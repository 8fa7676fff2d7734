#include "picnic/export.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "picnic/dataset.h"
#include "picnic/image_io.h"
#include "picnic/mixture.h"
#include "torch_errors.h"

namespace picnic {
namespace {

constexpr double kLog2e = 1.4426950408889634;

// [O, C, kh, kw] -> [O][kh][kw][C] flattened: the engine's gather order.
std::vector<float> ConvRows(const torch::Tensor& weight, double scale = 1.0) {
  torch::Tensor t = (weight.detach().to(torch::kFloat64) * scale).permute({0, 2, 3, 1}).contiguous().to(torch::kFloat32);
  return std::vector<float>(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
}

std::vector<float> Vec(const torch::Tensor& t) {
  torch::Tensor c = t.detach().to(torch::kFloat32).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

class Builder {
 public:
  Builder(IntWeights* out, const ExportOptions& o, ExportReport* r) : out_(out), opt_(o), report_(r) {}

  void Exponent(const std::string& tensor, double max_abs) {
    const int top = static_cast<int>(std::floor(std::log2(static_cast<double>(opt_.act_max))));
    int e = top;
    if (max_abs > 0) e = static_cast<int>(std::floor(std::log2(opt_.act_max / (max_abs * opt_.headroom))));
    if (e < 0) ++report_->clipped_tensors;
    e = std::max(0, std::min(e, std::min(top, 15)));
    exp_[tensor] = e;
    Put(tensor + ".e", 1, {1}, {e});
  }
  int Exp(const std::string& tensor) const { return exp_.at(tensor); }

  // Quantizes and stores NAME.w/.b/.s, or hands the result to q_out instead.
  Status Dense(const std::string& name, DenseFloat d, DenseInt* q_out = nullptr) {
    PICNIC_ASSIGN_OR_RETURN(DenseInt q, QuantizeDense(d, name));
    report_->worst_accumulator_bound = std::max(report_->worst_accumulator_bound, q.worst_bound);
    if (q_out) {
      *q_out = q;
      return Status::Ok();
    }
    Store(name, d.out, d.k, q.w, q.bias, q.shift);
    return Status::Ok();
  }
  void Store(const std::string& name, int o, int k, const std::vector<int32_t>& w, const std::vector<int32_t>& b,
             const std::vector<int32_t>& s) {
    Put(name + ".w", 2, {static_cast<uint32_t>(o), static_cast<uint32_t>(k)}, w);
    Put(name + ".b", 4, {static_cast<uint32_t>(o)}, b);
    Put(name + ".s", 1, {static_cast<uint32_t>(o)}, s);
  }

  // Inputs all at one exponent.
  DenseFloat Make(const std::vector<float>& w, const std::vector<float>& bias, int out, int in_e, int32_t in_max,
                  int out_e) const {
    DenseFloat d;
    d.out = out;
    d.k = static_cast<int>(w.size()) / out;
    d.w = w;
    d.bias = bias;
    d.in_exp.assign(d.k, in_e);
    d.in_max.assign(d.k, in_max);
    d.out_exp.assign(out, out_e);
    return d;
  }

 private:
  void Put(const std::string& name, int bytes, std::vector<uint32_t> dims, std::vector<int32_t> data) {
    IntTensor t;
    t.name = name;
    t.elem_bytes = bytes;
    t.dims = std::move(dims);
    t.data = std::move(data);
    out_->tensors.push_back(std::move(t));
  }
  IntWeights* out_;
  const ExportOptions& opt_;
  ExportReport* report_;
  std::map<std::string, int> exp_;
};

}  // namespace

Result<IntWeights> ExportIntWeightsFromMaxima(const LoadedWeights& lw, const ActivationMaxima& maxima,
                                              const ExportOptions& opt, ExportReport* report) {
  torch::NoGradGuard no_grad;
  PixelCnn net = lw.model;  // a handle: the module itself is not changed
  const PixelCnnConfig& cfg = net->config();
  const int f = cfg.nr_filters, n = cfg.nr_resnet, k = cfg.nr_logistic_mix;
  if (opt.act_max < 255 || opt.act_max > 32767)
    return Status(StatusCode::kInvalidArgument, "act_max must be in [255, 32767]");
  IntWeights out;
  out.name = lw.name;
  out.nr_filters = f;
  out.nr_resnet = n;
  out.nr_logistic_mix = k;
  out.act_max = opt.act_max;
  Builder b(&out, opt, report);
  const NetworkSpec spec = PixelCnnSpec(n);

  // Exponents of every tensor the engine stores.
  std::vector<std::string> names{"u_init", "ul_init"};
  for (const auto& bs : spec.blocks) {
    for (const char* part : {".c1", ".h1", ".h2", ".out"}) names.push_back(bs.name + part);
  }
  for (const auto& [name, input] : spec.resample_input) names.push_back(name);
  for (const auto& name : names) {
    auto it = maxima.find(name);
    if (it == maxima.end()) return Status(StatusCode::kInternal, "no calibration maximum for " + name);
    b.Exponent(name, it->second);
  }

  // Pixels enter as 2v - 255 (255 times the network's [-1, 1] input) and the
  // mask as 255: weights are divided by 255.
  const double px = 1.0 / 255.0;
  PICNIC_RETURN_IF_ERROR(b.Dense("u_init", b.Make(ConvRows(net->u_init->conv->weight, px), Vec(net->u_init->conv->bias),
                                                  f, 0, 255, b.Exp("u_init"))));
  {
    // ul_init = v + h in one accumulator: quantized together, stored apart.
    std::vector<float> wv = ConvRows(net->ul_init_v->conv->weight, px), wh = ConvRows(net->ul_init_h->conv->weight, px);
    const int kv = static_cast<int>(wv.size()) / f, kh = static_cast<int>(wh.size()) / f;
    std::vector<float> w;
    for (int o = 0; o < f; ++o) {
      w.insert(w.end(), wv.begin() + o * kv, wv.begin() + (o + 1) * kv);
      w.insert(w.end(), wh.begin() + o * kh, wh.begin() + (o + 1) * kh);
    }
    DenseFloat d = b.Make(w, Vec(net->ul_init_v->conv->bias), f, 0, 255, b.Exp("ul_init"));
    d.bias2 = Vec(net->ul_init_h->conv->bias);
    DenseInt q;
    PICNIC_RETURN_IF_ERROR(b.Dense("ul_init", d, &q));
    std::vector<int32_t> qv, qh;
    for (int o = 0; o < f; ++o) {
      qv.insert(qv.end(), q.w.begin() + o * (kv + kh), q.w.begin() + o * (kv + kh) + kv);
      qh.insert(qh.end(), q.w.begin() + o * (kv + kh) + kv, q.w.begin() + (o + 1) * (kv + kh));
    }
    b.Store("ul_init_v", f, kv, qv, q.bias, q.shift);
    b.Store("ul_init_h", f, kh, qh, q.bias2, q.shift);
  }

  // Gated residual blocks: conv1 (+ nin of the aux input) and conv2.
  for (const auto& bs : spec.blocks) {
    const std::string kind = bs.name.substr(0, bs.name.find('.'));
    const int idx = std::stoi(bs.name.substr(bs.name.find('.') + 1));
    torch::nn::ModuleList list = kind == "up_u" ? net->up_u : kind == "up_ul" ? net->up_ul
                                        : kind == "down_u" ? net->down_u : net->down_ul;
    auto* m = list[idx]->as<GatedResnet>();
    const torch::nn::Conv2d& c1 = bs.vertical ? m->conv1_v->conv : m->conv1_h->conv;
    const torch::nn::Conv2d& c2 = bs.vertical ? m->conv2_v->conv : m->conv2_h->conv;
    const int e_in = b.Exp(bs.input);
    DenseFloat d1 = b.Make(ConvRows(c1->weight), Vec(c1->bias), f, e_in, opt.act_max, b.Exp(bs.name + ".c1"));
    if (!bs.aux.empty()) {
      if (m->nin_aux.is_empty()) return Status(StatusCode::kInternal, bs.name + " has no nin_aux");
      const std::vector<float> nin = ConvRows(m->nin_aux->weight);
      const std::vector<float> nb = Vec(m->nin_aux->bias);
      const int kn = static_cast<int>(nin.size()) / f;
      const int k1 = d1.k;
      std::vector<float> w;
      for (int o = 0; o < f; ++o) {
        w.insert(w.end(), d1.w.begin() + o * k1, d1.w.begin() + (o + 1) * k1);
        w.insert(w.end(), nin.begin() + o * kn, nin.begin() + (o + 1) * kn);
        d1.bias[o] += nb[o];
      }
      d1.w = w;
      d1.k = k1 + kn;
      // concat_elu(cat(aux...)): elu(a_1) .. elu(a_m), elu(-a_1) .. elu(-a_m)
      for (int half = 0; half < 2; ++half) {
        for (const auto& a : bs.aux) {
          for (int i = 0; i < f; ++i) d1.in_exp.push_back(b.Exp(a));
        }
      }
      d1.in_max.assign(d1.k, opt.act_max);
    }
    PICNIC_RETURN_IF_ERROR(b.Dense(bs.name + ".conv1", d1));
    DenseFloat d2 = b.Make(ConvRows(c2->weight), Vec(c2->bias), 2 * f, b.Exp(bs.name + ".c1"), opt.act_max, 0);
    for (int o = 0; o < 2 * f; ++o) d2.out_exp[o] = b.Exp(bs.name + (o < f ? ".h1" : ".h2"));
    PICNIC_RETURN_IF_ERROR(b.Dense(bs.name + ".conv2", d2));
  }

  // Resampling.
  for (int l = 1; l <= 2; ++l) {
    const std::string s = std::to_string(l);
    const auto& du = l == 1 ? net->downsample_u1 : net->downsample_u2;
    const auto& dul = l == 1 ? net->downsample_ul1 : net->downsample_ul2;
    PICNIC_RETURN_IF_ERROR(b.Dense("downsample_u" + s,
                                   b.Make(ConvRows(du->conv->weight), Vec(du->conv->bias), f,
                                          b.Exp(spec.resample_input.at("downsample_u" + s)), opt.act_max,
                                          b.Exp("downsample_u" + s))));
    PICNIC_RETURN_IF_ERROR(b.Dense("downsample_ul" + s,
                                   b.Make(ConvRows(dul->conv->weight), Vec(dul->conv->bias), f,
                                          b.Exp(spec.resample_input.at("downsample_ul" + s)), opt.act_max,
                                          b.Exp("downsample_ul" + s))));
    // Transposed convolutions, weight [in, out, kh, kw].
    const std::string un = "upsample_u" + s, uln = "upsample_ul" + s;
    const auto& uu = l == 1 ? net->upsample_u1 : net->upsample_u2;
    const auto& uul = l == 1 ? net->upsample_ul1 : net->upsample_ul2;
    torch::Tensor wu = uu->deconv->weight.detach().to(torch::kFloat32).contiguous();
    torch::Tensor wul = uul->deconv->weight.detach().to(torch::kFloat32).contiguous();
    auto tap = [&](const torch::Tensor& wt, int dy, int dx) {  // [out][in]
      return Vec(wt.select(2, dy).select(2, dx).t());
    };
    for (int dy = 0; dy < 2; ++dy) {
      const std::string r = ".r" + std::to_string(dy);
      PICNIC_RETURN_IF_ERROR(b.Dense(un + r + "e", b.Make(tap(wu, dy, 1), Vec(uu->deconv->bias), f,
                                                          b.Exp(spec.resample_input.at(un)), opt.act_max, b.Exp(un))));
      std::vector<float> odd;
      const std::vector<float> t2 = tap(wu, dy, 2), t0 = tap(wu, dy, 0);
      for (int o = 0; o < f; ++o) {
        odd.insert(odd.end(), t2.begin() + o * f, t2.begin() + (o + 1) * f);
        odd.insert(odd.end(), t0.begin() + o * f, t0.begin() + (o + 1) * f);
      }
      PICNIC_RETURN_IF_ERROR(b.Dense(un + r + "o", b.Make(odd, Vec(uu->deconv->bias), f,
                                                          b.Exp(spec.resample_input.at(un)), opt.act_max, b.Exp(un))));
      for (int dx = 0; dx < 2; ++dx) {
        PICNIC_RETURN_IF_ERROR(b.Dense(uln + ".q" + std::to_string(dy) + std::to_string(dx),
                                       b.Make(tap(wul, dy, dx), Vec(uul->deconv->bias), f,
                                              b.Exp(spec.resample_input.at(uln)), opt.act_max, b.Exp(uln))));
      }
    }
  }

  // Output layer, with the integer form's units folded in (picnic/mixture.h).
  {
    std::vector<float> w = ConvRows(net->out_nin->weight);
    std::vector<float> bias = Vec(net->out_nin->bias);
    for (int o = 0; o < kParamsPerMixture * k; ++o) {
      double scale = 1, offset = 0;
      const int slot = o < k ? 0 : ((o - k) % (3 * k)) / k + 1;  // 0 logit, 1 mean, 2 log-scale, 3 coeff
      if (slot == 0) scale = kLog2e;
      if (slot == 1) scale = kUnitToBin, offset = kUnitToBin;
      if (slot == 2) scale = -kLog2e, offset = -std::log2(kUnitToBin);
      for (int i = 0; i < f; ++i) w[o * f + i] = static_cast<float>(w[o * f + i] * scale);
      bias[o] = static_cast<float>(bias[o] * scale + offset);
    }
    PICNIC_RETURN_IF_ERROR(b.Dense("out_nin", b.Make(w, bias, kParamsPerMixture * k, b.Exp(spec.output_input),
                                                     opt.act_max, kIntParamFrac)));
  }
  return out;
}

Result<IntWeights> ExportIntWeights(const LoadedWeights& lw, const ExportOptions& opt, ExportReport* report) {
  if (opt.calib_paths.empty()) return Status(StatusCode::kInvalidArgument, "export needs calibration images");
  PICNIC_ASSIGN_OR_RETURN(ImageSet set, LoadImageSet(opt.calib_paths, opt.calib_crop));
  if (set.images.empty()) return Status(StatusCode::kInvalidArgument, "no calibration image is large enough");
  report->calib_images = static_cast<int>(set.images.size());
  ActivationMaxima maxima;
  PixelCnn net = lw.model;
  try {
    torch::NoGradGuard no_grad;
    net->eval();
    const int side = static_cast<int>(std::max(1.0, std::floor(std::sqrt(opt.calib_crops_per_image))));
    for (const torch::Tensor& img : set.images) {
      std::vector<torch::Tensor> crops;
      const int64_t h = img.size(1), w = img.size(2);
      for (int i = 0; i < side; ++i) {
        for (int j = 0; j < side; ++j) {
          const int64_t y = side == 1 ? 0 : (h - opt.calib_crop) * i / (side - 1);
          const int64_t x = side == 1 ? 0 : (w - opt.calib_crop) * j / (side - 1);
          crops.push_back(img.narrow(1, y, opt.calib_crop).narrow(2, x, opt.calib_crop));
        }
      }
      torch::Tensor x = ScaleToUnit(torch::stack(crops));
      net->maxima = &maxima;
      net->forward(x);
      net->maxima = nullptr;
    }
  } catch (...) {
    net->maxima = nullptr;
    return CurrentTorchError("calibrating the export");
  }
  PICNIC_ASSIGN_OR_RETURN(IntWeights out, ExportIntWeightsFromMaxima(lw, maxima, opt, report));
  nlohmann::json meta;
  meta["source_weights"] = {{"name", lw.name}, {"path", lw.path}};
  meta["source_weights"]["fingerprint"] = FingerprintHex(lw.fingerprint);
  meta["calibration"] = {{"images", report->calib_images},
                         {"crop", opt.calib_crop},
                         {"crops_per_image", opt.calib_crops_per_image},
                         {"headroom", opt.headroom},
                         {"paths", opt.calib_paths}};
  meta["act_max"] = opt.act_max;
  meta["worst_accumulator_bound"] = report->worst_accumulator_bound;
  out.metadata_json = meta.dump(2);
  return out;
}

std::string SourceWeightsFingerprint(const IntWeights& w) {
  const nlohmann::json j = nlohmann::json::parse(w.metadata_json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("source_weights") || !j["source_weights"].is_object()) return "";
  const nlohmann::json f = j["source_weights"].value("fingerprint", nlohmann::json());
  return f.is_string() ? f.get<std::string>() : "";
}

}  // namespace picnic
