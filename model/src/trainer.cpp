#include "picnic/trainer.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "picnic/dataset.h"
#include "picnic/evaluate.h"  // PixelNllBits
#include "picnic/mixture_loss.h"
#include "picnic/pixelcnn_model.h"
#include "picnic/weights.h"
#include "torch_errors.h"

namespace picnic {
namespace {

using Clock = std::chrono::steady_clock;

double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + 1e-6 * (u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

// What a checkpoint holds besides tensors.
struct TrainState {
  int64_t step = 0;
  int64_t pixels_seen = 0;
  double cpu_seconds = 0;   // accumulated over all sessions
  double wall_seconds = 0;
  double best_valid = 1e9;
  std::string rng_state;
  nlohmann::json history = nlohmann::json::array();  // validation curve
};

void CopyParams(const PixelCnn& from, PixelCnn& to) {
  torch::NoGradGuard no_grad;
  auto src = from->parameters();
  auto dst = to->parameters();
  for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
}

void UpdateEma(const PixelCnn& model, PixelCnn& ema, double decay) {
  torch::NoGradGuard no_grad;
  auto src = model->parameters();
  auto dst = ema->parameters();
  for (size_t i = 0; i < src.size(); ++i) dst[i].mul_(decay).add_(src[i], 1.0 - decay);
}

// Validation crops and the group of each: the file name up to its first
// '_' (photos/valid has mcm_* and urban_*), so that a change is judged on
// each kind of image, not only on the mixture.
struct ValidSet {
  torch::Tensor crops;
  std::vector<int> group_of_crop;
  std::vector<std::string> groups;
};

ValidSet MakeValidSet(const ImageSet& set, int crop, int per_image) {
  ValidSet v;
  std::vector<int> image_of_crop;
  v.crops = GridCrops(set, crop, per_image, &image_of_crop);
  std::vector<int> group_of_image;
  for (const auto& path : set.paths) {
    const std::string stem = std::filesystem::path(path).stem().string();
    const size_t cut = stem.find('_');
    const std::string group = cut == std::string::npos ? "other" : stem.substr(0, cut);
    const auto it = std::find(v.groups.begin(), v.groups.end(), group);
    group_of_image.push_back(static_cast<int>(it - v.groups.begin()));
    if (it == v.groups.end()) v.groups.push_back(group);
  }
  for (int n : image_of_crop) v.group_of_crop.push_back(group_of_image[n]);
  return v;
}

struct ValidResult {
  double all = 0;                 // bits per subpixel over every crop
  std::vector<double> by_group;   // the same per group of ValidSet::groups
};

ValidResult Validate(PixelCnn& ema, const ValidSet& valid) {
  torch::NoGradGuard no_grad;
  ema->eval();
  const torch::Tensor& crops = valid.crops;
  std::vector<double> sum(valid.groups.size(), 0.0), count(valid.groups.size(), 0.0);
  const int64_t chunk = 16;
  for (int64_t i = 0; i < crops.size(0); i += chunk) {
    const int64_t n = std::min(chunk, crops.size(0) - i);
    const torch::Tensor bits = PixelNllBits(ema, crops.narrow(0, i, n), {}, 3);  // [n, H, W]
    const torch::Tensor per_crop = bits.reshape({n, -1}).sum(1).contiguous();
    const double per_crop_count = static_cast<double>(bits.numel() / n) * 3;
    for (int64_t k = 0; k < n; ++k) {
      const int g = valid.group_of_crop[i + k];
      sum[g] += per_crop.data_ptr<double>()[k];
      count[g] += per_crop_count;
    }
  }
  ValidResult r;
  double total = 0, total_count = 0;
  for (size_t g = 0; g < sum.size(); ++g) {
    r.by_group.push_back(sum[g] / count[g]);
    total += sum[g];
    total_count += count[g];
  }
  r.all = total / total_count;
  return r;
}

// "best valid 3.3650", or "no validation yet" before the first one.
std::string BestValidText(double best_valid) {
  if (best_valid >= 1e9) return "no validation yet";
  char buf[48];
  std::snprintf(buf, sizeof buf, "best valid %.4f", best_valid);
  return buf;
}

std::string FormatDuration(double s) {
  char buf[32];
  const int64_t t = static_cast<int64_t>(s);
  std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(t / 3600),
                static_cast<long long>(t / 60 % 60), static_cast<long long>(t % 60));
  return buf;
}

}  // namespace

Status Train(const TrainOptions& opt) {
  try {
    UseSingleThreadedMath();  // one BLAS thread per LibTorch thread
    UseTorchThreads(opt.threads);
    std::filesystem::create_directories(opt.run_dir);
    const std::string ckpt_dir = opt.run_dir + "/checkpoint";
    const std::string weights_path = opt.run_dir + "/" + opt.name + ".pnw";

    std::fprintf(stderr, "loading training images...\n");
    PICNIC_ASSIGN_OR_RETURN(ImageSet train, LoadImageSet(opt.train_paths, opt.crop));
    std::fprintf(stderr, "  %zu images, %.1f Mpixels\n", train.images.size(), train.total_pixels / 1e6);
    ValidSet valid_set;
    if (!opt.valid_paths.empty()) {
      PICNIC_ASSIGN_OR_RETURN(ImageSet valid,
                              LoadImageSet(opt.valid_paths, opt.valid_crop, opt.valid_max_images));
      valid_set = MakeValidSet(valid, opt.valid_crop, opt.valid_crops_per_image);
      std::fprintf(stderr, "  validation: %lld crops of %dx%d from %zu images\n",
                   static_cast<long long>(valid_set.crops.size(0)), opt.valid_crop, opt.valid_crop,
                   valid.images.size());
    }

    torch::manual_seed(opt.seed);
    PixelCnn model(opt.config);
    PixelCnn ema(opt.config);
    CopyParams(model, ema);
    torch::optim::Adam optimizer(model->parameters(),
                                 torch::optim::AdamOptions(opt.learning_rate).betas({0.95, 0.9995}));
    std::mt19937_64 rng(opt.seed);
    TrainState st;

    if (opt.resume && std::filesystem::exists(ckpt_dir + "/state.json")) {
      std::ifstream in(ckpt_dir + "/state.json");
      nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
      if (j.is_discarded()) return Status(StatusCode::kCorrupt, "checkpoint state.json is not valid JSON");
      const auto& a = j["architecture"];
      if (a["nr_filters"] != opt.config.nr_filters || a["nr_resnet"] != opt.config.nr_resnet ||
          a["nr_logistic_mix"] != opt.config.nr_logistic_mix)
        return Status(StatusCode::kInvalidArgument,
                      "checkpoint in " + ckpt_dir + " has a different architecture; use another --run-dir");
      torch::load(model, ckpt_dir + "/model.pt");
      torch::load(ema, ckpt_dir + "/ema.pt");
      torch::load(optimizer, ckpt_dir + "/optimizer.pt");
      torch::Tensor gen_state;
      torch::load(gen_state, ckpt_dir + "/torch_rng.pt");
      { at::Generator gen = at::detail::getDefaultCPUGenerator(); gen.set_state(gen_state); }
      st.step = j["step"];
      st.pixels_seen = j["pixels_seen"];
      st.cpu_seconds = j["cpu_seconds"];
      st.wall_seconds = j["wall_seconds"];
      st.best_valid = j["best_valid"];
      st.history = j["history"];
      std::istringstream rs(j["rng"].get<std::string>());
      rs >> rng;
      std::fprintf(stderr, "resumed from %s at step %lld (%.1f Mpixels seen, %.2f CPU-hours)\n",
                   ckpt_dir.c_str(), static_cast<long long>(st.step), st.pixels_seen / 1e6,
                   st.cpu_seconds / 3600);
    } else if (!opt.init_weights.empty()) {
      PICNIC_ASSIGN_OR_RETURN(std::string init_path, FindWeights(opt.init_weights));
      PICNIC_ASSIGN_OR_RETURN(LoadedWeights w, LoadWeights(init_path));
      const PixelCnnConfig& c = w.model->config();
      if (c.nr_filters != opt.config.nr_filters || c.nr_resnet != opt.config.nr_resnet ||
          c.nr_logistic_mix != opt.config.nr_logistic_mix)
        return Status(StatusCode::kInvalidArgument,
                      opt.init_weights + " has a different architecture than the options ask for");
      CopyParams(w.model, model);
      CopyParams(w.model, ema);
      nlohmann::json meta = nlohmann::json::parse(w.metadata_json, nullptr, false);
      if (!meta.is_discarded() && meta.contains("training") && meta["training"].is_object()) {
        const auto& t = meta["training"];
        st.step = t.value("steps", int64_t{0});
        st.pixels_seen = t.value("pixels_seen", int64_t{0});
        st.cpu_seconds = t.value("cpu_hours", 0.0) * 3600;
        st.wall_seconds = t.value("wall_hours", 0.0) * 3600;
        if (t.contains("history") && t["history"].is_array()) st.history = t["history"];
      }
      std::fprintf(stderr, "initialized from %s (fingerprint %016llx) at step %lld (%.1f Mpixels seen, %.2f CPU-hours)\n",
                   opt.init_weights.c_str(), static_cast<unsigned long long>(w.fingerprint),
                   static_cast<long long>(st.step), st.pixels_seen / 1e6, st.cpu_seconds / 3600);
    }

    auto metadata = [&](double valid_bpd) {
      nlohmann::json m;
      m["training"] = {{"steps", st.step},
                       {"pixels_seen", st.pixels_seen},
                       {"crops_seen", st.step * opt.batch},
                       {"crop", opt.crop},
                       {"upscale_probability", opt.augmentation.upscale_probability},
                       {"max_upscale", opt.augmentation.max_upscale},
                       {"batch", opt.batch},
                       {"learning_rate", opt.learning_rate},
                       {"lr_decay", opt.lr_decay},
                       {"ema_decay", opt.ema_decay},
                       {"cpu_hours", st.cpu_seconds / 3600},
                       {"wall_hours", st.wall_seconds / 3600},
                       {"train_paths", opt.train_paths},
                       {"valid_paths", opt.valid_paths},
                       {"valid_crop_bits_per_subpixel", valid_bpd},
                       {"history", st.history},
                       {"seed", opt.seed}};
      return m.dump();
    };

    auto save_checkpoint = [&]() {
      const std::string tmp = ckpt_dir + ".tmp";
      std::filesystem::remove_all(tmp);
      std::filesystem::create_directories(tmp);
      torch::save(model, tmp + "/model.pt");
      torch::save(ema, tmp + "/ema.pt");
      torch::save(optimizer, tmp + "/optimizer.pt");
      torch::save(at::detail::getDefaultCPUGenerator().get_state(), tmp + "/torch_rng.pt");
      std::ostringstream rs;
      rs << rng;
      nlohmann::json j = {{"step", st.step},
                          {"pixels_seen", st.pixels_seen},
                          {"cpu_seconds", st.cpu_seconds},
                          {"wall_seconds", st.wall_seconds},
                          {"best_valid", st.best_valid},
                          {"history", st.history},
                          {"rng", rs.str()},
                          {"architecture",
                           {{"nr_filters", opt.config.nr_filters},
                            {"nr_resnet", opt.config.nr_resnet},
                            {"nr_logistic_mix", opt.config.nr_logistic_mix}}}};
      std::ofstream(tmp + "/state.json") << j.dump(1);
      // Swap in the new checkpoint only once it is complete.
      std::filesystem::remove_all(ckpt_dir + ".old");
      if (std::filesystem::exists(ckpt_dir)) std::filesystem::rename(ckpt_dir, ckpt_dir + ".old");
      std::filesystem::rename(tmp, ckpt_dir);
      std::filesystem::remove_all(ckpt_dir + ".old");
    };

    const auto start = Clock::now();
    double cpu_at_start = ProcessCpuSeconds();
    double wall_at_start = st.wall_seconds;
    double cpu_base = st.cpu_seconds;
    auto last_ckpt = Clock::now(), last_valid = Clock::now(), last_log = Clock::now();
    int64_t pixels_at_log = st.pixels_seen;
    double loss_sum = 0;
    int loss_count = 0;
    const int64_t first_step = st.step;
    auto minutes_since = [](Clock::time_point t) {
      return std::chrono::duration<double>(Clock::now() - t).count() / 60.0;
    };

    auto run_validation = [&]() {
      if (!valid_set.crops.defined()) return;
      const ValidResult result = Validate(ema, valid_set);
      const double v = result.all;
      nlohmann::json entry = {{"step", st.step}, {"pixels_seen", st.pixels_seen},
                              {"cpu_hours", st.cpu_seconds / 3600}, {"valid_bits_per_subpixel", v},
                              {"train_bits_per_subpixel", loss_count ? loss_sum / loss_count : 0.0}};
      std::string groups_text;
      if (valid_set.groups.size() > 1) {
        nlohmann::json by_group = nlohmann::json::object();
        for (size_t g = 0; g < valid_set.groups.size(); ++g) {
          by_group[valid_set.groups[g]] = result.by_group[g];
          char buf[64];
          std::snprintf(buf, sizeof buf, "%s%s %.4f", groups_text.empty() ? " (" : ", ",
                        valid_set.groups[g].c_str(), result.by_group[g]);
          groups_text += buf;
        }
        groups_text += ")";
        entry["valid_bits_per_subpixel_by_group"] = by_group;
      }
      st.history.push_back(entry);
      {
        std::ofstream log(opt.run_dir + "/log.tsv", std::ios::app);
        log << st.step << '\t' << st.pixels_seen << '\t' << st.cpu_seconds / 3600 << '\t' << v;
        for (double g : result.by_group) log << '\t' << g;
        log << '\n';
      }
      const bool better = v < st.best_valid;
      if (better) {
        st.best_valid = v;
        Status s = SaveWeights(weights_path, ema, opt.name, metadata(v));
        if (!s.ok()) std::fprintf(stderr, "warning: could not export weights: %s\n", s.ToString().c_str());
      }
      std::fprintf(stderr, "step %lld: valid %.4f bits/subpixel%s%s\n", static_cast<long long>(st.step), v,
                   groups_text.c_str(), better ? " (best, exported)" : "");
    };

    while (true) {
      const double elapsed_min = std::chrono::duration<double>(Clock::now() - start).count() / 60.0;
      if ((opt.max_steps > 0 && st.step >= opt.max_steps) || (opt.max_minutes > 0 && elapsed_min >= opt.max_minutes))
        break;
      if (opt.stop != nullptr && opt.stop->load()) {
        std::fprintf(stderr, "stopping at step %lld (asked to)\n", static_cast<long long>(st.step));
        break;
      }
      model->train();
      torch::Tensor x = ScaleToUnit(RandomCrops(train, opt.batch, opt.crop, opt.augmentation, rng));
      torch::Tensor loss = BitsPerSubpixel(x, model->forward(x));
      optimizer.zero_grad();
      loss.backward();
      const double lr = opt.learning_rate * std::pow(opt.lr_decay, static_cast<double>(st.step));
      for (auto& group : optimizer.param_groups())
        static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
      optimizer.step();
      UpdateEma(model, ema, st.step < 100 ? 0.9 : opt.ema_decay);
      ++st.step;
      st.pixels_seen += static_cast<int64_t>(opt.batch) * opt.crop * opt.crop;
      loss_sum += loss.item<double>();
      ++loss_count;
      st.cpu_seconds = cpu_base + ProcessCpuSeconds() - cpu_at_start;
      st.wall_seconds = wall_at_start + std::chrono::duration<double>(Clock::now() - start).count();

      if (minutes_since(last_log) >= 0.5) {
        const double secs = minutes_since(last_log) * 60;
        const double pps = (st.pixels_seen - pixels_at_log) / secs;
        std::string eta = "-";
        if (opt.max_minutes > 0) eta = FormatDuration(opt.max_minutes * 60 - elapsed_min * 60);
        if (opt.max_steps > 0) {
          const double step_rate = (st.step - first_step) / std::max(1e-9, elapsed_min * 60);
          eta = FormatDuration((opt.max_steps - st.step) / std::max(step_rate, 1e-9));
        }
        std::fprintf(stderr, "step %lld  %.1f Mpx seen  train %.4f bits/subpixel  %.0f px/s  lr %.2e  ETA %s  %s\n",
                     static_cast<long long>(st.step), st.pixels_seen / 1e6, loss_sum / loss_count, pps, lr,
                     eta.c_str(), BestValidText(st.best_valid).c_str());
        last_log = Clock::now();
        pixels_at_log = st.pixels_seen;
      }
      if (minutes_since(last_valid) >= opt.valid_minutes) {
        run_validation();
        loss_sum = 0;
        loss_count = 0;
        last_valid = Clock::now();
      }
      if (minutes_since(last_ckpt) >= opt.checkpoint_minutes) {
        save_checkpoint();
        last_ckpt = Clock::now();
      }
    }
    run_validation();
    save_checkpoint();
    std::fprintf(stderr, "done: step %lld, %.1f Mpixels seen, %.2f CPU-hours, %s\n",
                 static_cast<long long>(st.step), st.pixels_seen / 1e6, st.cpu_seconds / 3600,
                 BestValidText(st.best_valid).c_str());
    return Status::Ok();
  } catch (...) {
    return CurrentTorchError("training");
  }
}

}  // namespace picnic
