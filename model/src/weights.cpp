#include "picnic/weights.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "picnic/image_io.h"
#include "picnic/mixture.h"
#include "picnic/model_dirs.h"

namespace picnic {
namespace {

constexpr char kMagic[8] = {'P', 'I', 'C', 'N', 'I', 'C', 'W', '1'};
constexpr uint32_t kWeightsVersion = 1;
constexpr char kExtension[] = ".pnw";

uint64_t Fnv1a(const uint8_t* data, size_t size, uint64_t h = 1469598103934665603ull) {
  for (size_t i = 0; i < size; ++i) {
    h ^= data[i];
    h *= 1099511628211ull;
  }
  return h;
}

template <typename T>
void Put(std::vector<uint8_t>& out, T v) {
  uint8_t b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));  // little-endian hosts only (x86-64, arm64)
  out.insert(out.end(), b, b + sizeof(T));
}

std::vector<uint8_t> TensorSection(const PixelCnn& model) {
  std::vector<uint8_t> out;
  auto tensors = model->NamedTensors();
  Put<uint32_t>(out, static_cast<uint32_t>(tensors.size()));
  for (const auto& [name, t] : tensors) {
    Put<uint32_t>(out, static_cast<uint32_t>(name.size()));
    out.insert(out.end(), name.begin(), name.end());
    Put<uint32_t>(out, static_cast<uint32_t>(t.dim()));
    for (int64_t d : t.sizes()) Put<int64_t>(out, d);
    torch::Tensor c = t.detach().to(torch::kFloat32).contiguous();
    const auto* p = reinterpret_cast<const uint8_t*>(c.data_ptr<float>());
    out.insert(out.end(), p, p + c.numel() * sizeof(float));
  }
  return out;
}

class Reader {
 public:
  Reader(const std::vector<uint8_t>& b) : b_(b) {}
  bool Take(void* dst, size_t n) {
    if (n > b_.size() - pos_) return false;
    std::memcpy(dst, b_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  template <typename T>
  bool Get(T* v) { return Take(v, sizeof(T)); }
  size_t pos() const { return pos_; }
  size_t left() const { return b_.size() - pos_; }

 private:
  const std::vector<uint8_t>& b_;
  size_t pos_ = 0;
};

}  // namespace

uint64_t WeightsFingerprint(const PixelCnn& model) {
  auto section = TensorSection(model);
  return Fnv1a(section.data(), section.size());
}

Status SaveWeights(const std::string& path, const PixelCnn& model, const std::string& name,
                   const std::string& metadata_json) {
  nlohmann::json meta;
  if (!metadata_json.empty()) {
    meta = nlohmann::json::parse(metadata_json, nullptr, /*allow_exceptions=*/false);
    if (meta.is_discarded() || !meta.is_object())
      return Status(StatusCode::kInvalidArgument, "weights metadata is not a JSON object");
  }
  const PixelCnnConfig& c = model->config();
  meta["name"] = name;
  meta["architecture"] = {{"type", "pixelcnn++"},
                          {"nr_filters", c.nr_filters},
                          {"nr_resnet", c.nr_resnet},
                          {"nr_logistic_mix", c.nr_logistic_mix},
                          {"dropout", c.dropout}};
  const std::string text = meta.dump(2);
  std::vector<uint8_t> out(kMagic, kMagic + 8);
  Put<uint32_t>(out, kWeightsVersion);
  Put<uint32_t>(out, static_cast<uint32_t>(text.size()));
  out.insert(out.end(), text.begin(), text.end());
  auto section = TensorSection(model);
  out.insert(out.end(), section.begin(), section.end());
  Put<uint64_t>(out, Fnv1a(section.data(), section.size()));
  return WriteFileAtomic(path, out, /*overwrite=*/true);
}

Result<LoadedWeights> LoadWeights(const std::string& path) {
  PICNIC_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFileBytes(path));
  auto corrupt = [&](const std::string& why) {
    return Status(StatusCode::kCorrupt, "weights file " + path + ": " + why);
  };
  Reader r(bytes);
  char magic[8];
  uint32_t version = 0, meta_len = 0;
  if (!r.Take(magic, 8) || std::memcmp(magic, kMagic, 8) != 0) return corrupt("not a picnic weights file");
  if (!r.Get(&version) || version != kWeightsVersion)
    return corrupt("unsupported weights format version " + std::to_string(version));
  if (!r.Get(&meta_len) || meta_len > r.left()) return corrupt("truncated metadata");
  std::string text(meta_len, '\0');
  r.Take(text.data(), meta_len);
  nlohmann::json meta = nlohmann::json::parse(text, nullptr, false);
  if (meta.is_discarded() || !meta.is_object() || !meta.contains("architecture") ||
      !meta["architecture"].is_object())
    return corrupt("metadata is not valid JSON with an \"architecture\" object");
  const auto& a = meta["architecture"];
  if (a.value("type", "") != "pixelcnn++") return corrupt("unknown architecture " + a.value("type", "?"));
  PixelCnnConfig config;
  config.nr_filters = a.value("nr_filters", 0);
  config.nr_resnet = a.value("nr_resnet", 0);
  config.nr_logistic_mix = a.value("nr_logistic_mix", 0);
  config.dropout = a.value("dropout", 0.0);
  if (config.nr_filters < 1 || config.nr_filters > 1024 || config.nr_resnet < 1 || config.nr_resnet > 16 ||
      config.nr_logistic_mix < 1 || config.nr_logistic_mix > kMaxMixtures)
    return corrupt("architecture hyperparameters out of range");

  LoadedWeights out;
  out.path = path;
  out.name = meta.value("name", std::filesystem::path(path).stem().string());
  out.metadata_json = text;
  out.model = PixelCnn(config);
  const size_t section_start = r.pos();
  uint32_t count = 0;
  auto tensors = out.model->NamedTensors();
  if (!r.Get(&count) || count != tensors.size()) return corrupt("tensor count does not match the architecture");
  torch::NoGradGuard no_grad;
  for (auto& [name, t] : tensors) {
    uint32_t len = 0, ndim = 0;
    if (!r.Get(&len) || len > r.left()) return corrupt("truncated tensor name");
    std::string got(len, '\0');
    r.Take(got.data(), len);
    if (got != name) return corrupt("expected tensor " + name + ", found " + got);
    if (!r.Get(&ndim) || ndim != static_cast<uint32_t>(t.dim())) return corrupt("rank mismatch for " + name);
    for (int64_t d : t.sizes()) {
      int64_t got_d = 0;
      if (!r.Get(&got_d) || got_d != d) return corrupt("shape mismatch for " + name);
    }
    torch::Tensor data = torch::empty(t.sizes(), torch::kFloat32);
    if (!r.Take(data.data_ptr<float>(), data.numel() * sizeof(float))) return corrupt("truncated data of " + name);
    t.copy_(data);
  }
  const size_t section_end = r.pos();
  uint64_t stored = 0;
  if (!r.Get(&stored)) return corrupt("missing fingerprint");
  out.fingerprint = Fnv1a(bytes.data() + section_start, section_end - section_start);
  if (stored != out.fingerprint) return corrupt("fingerprint mismatch: the file is damaged");
  if (r.left() != 0) return corrupt("trailing bytes after the fingerprint");
  out.model->eval();
  return out;
}

Result<std::string> FindWeights(const std::string& name_or_path) {
  const ModelFileLookup f = FindModelFile(name_or_path, kExtension);
  if (f.found) return f.path;
  if (f.looks_like_path) {
    return Status(StatusCode::kModelNotFound, "weights file " + name_or_path + " does not exist");
  }
  return Status(StatusCode::kModelNotFound,
                "model '" + name_or_path + "' not found (looked for " + name_or_path + kExtension +
                    " in $PICNIC_WEIGHTS_DIR and the installed weights folders)");
}

std::vector<std::string> ListWeights() { return ListModelFiles(kExtension); }

}  // namespace picnic
