// The integer weights format (.pnq), the network's named data flow, and the
// quantizer that proves the accumulators cannot overflow.
#include <cmath>
#include <cstring>

#include "picnic/engine.h"
#include "picnic/image_io.h"
#include "picnic/model_dirs.h"

namespace picnic {
namespace {

constexpr char kMagic[8] = {'P', 'I', 'C', 'N', 'I', 'C', 'Q', '1'};
constexpr uint32_t kFormatVersion = 1;

uint64_t Fnv1a(const uint8_t* data, size_t size, uint64_t h = 1469598103934665603ull) {
  for (size_t i = 0; i < size; ++i) {
    h ^= data[i];
    h *= 1099511628211ull;
  }
  return h;
}

void PutU32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void PutStr(std::vector<uint8_t>& out, const std::string& s) {
  PutU32(out, static_cast<uint32_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

class Reader {
 public:
  Reader(const std::vector<uint8_t>& b, size_t pos = 0) : b_(b), pos_(pos) {}
  bool U32(uint32_t* v) {
    if (b_.size() - pos_ < 4) return false;
    *v = 0;
    for (int i = 0; i < 4; ++i) *v |= static_cast<uint32_t>(b_[pos_ + i]) << (8 * i);
    pos_ += 4;
    return true;
  }
  bool Bytes(size_t n, const uint8_t** p) {
    if (b_.size() - pos_ < n) return false;
    *p = b_.data() + pos_;
    pos_ += n;
    return true;
  }
  bool Str(std::string* s, uint32_t max_len) {
    uint32_t n = 0;
    const uint8_t* p = nullptr;
    if (!U32(&n) || n > max_len || !Bytes(n, &p)) return false;
    s->assign(reinterpret_cast<const char*>(p), n);
    return true;
  }
  size_t pos() const { return pos_; }
  size_t left() const { return b_.size() - pos_; }

 private:
  const std::vector<uint8_t>& b_;
  size_t pos_;
};

std::vector<uint8_t> Section(const IntWeights& w) {
  std::vector<uint8_t> out;
  PutU32(out, static_cast<uint32_t>(w.nr_filters));
  PutU32(out, static_cast<uint32_t>(w.nr_resnet));
  PutU32(out, static_cast<uint32_t>(w.nr_logistic_mix));
  PutU32(out, static_cast<uint32_t>(w.act_max));
  PutU32(out, static_cast<uint32_t>(w.tensors.size()));
  for (const IntTensor& t : w.tensors) {
    PutStr(out, t.name);
    out.push_back(static_cast<uint8_t>(t.elem_bytes));
    PutU32(out, static_cast<uint32_t>(t.dims.size()));
    for (uint32_t d : t.dims) PutU32(out, d);
    for (int32_t v : t.data) {
      for (int i = 0; i < t.elem_bytes; ++i) out.push_back(static_cast<uint8_t>(static_cast<uint32_t>(v) >> (8 * i)));
    }
  }
  return out;
}

uint64_t Fingerprint(uint32_t arithmetic_version, const uint8_t* section, size_t size) {
  uint8_t v[4];
  for (int i = 0; i < 4; ++i) v[i] = static_cast<uint8_t>(arithmetic_version >> (8 * i));
  return Fnv1a(section, size, Fnv1a(v, 4));
}

}  // namespace

const IntTensor* IntWeights::Find(const std::string& tensor_name) const {
  for (const IntTensor& t : tensors) {
    if (t.name == tensor_name) return &t;
  }
  return nullptr;
}

std::vector<uint8_t> SerializeIntWeights(IntWeights* w) {
  std::vector<uint8_t> out(kMagic, kMagic + 8);
  PutU32(out, kFormatVersion);
  PutU32(out, w->arithmetic_version);
  PutStr(out, w->name);
  PutStr(out, w->metadata_json);
  const std::vector<uint8_t> section = Section(*w);
  out.insert(out.end(), section.begin(), section.end());
  w->fingerprint = Fingerprint(w->arithmetic_version, section.data(), section.size());
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(w->fingerprint >> (8 * i)));
  return out;
}

Status SaveIntWeights(const std::string& path, IntWeights* w) {
  return WriteFileAtomic(path, SerializeIntWeights(w), /*overwrite=*/true);
}

Result<IntWeights> ParseIntWeights(const std::vector<uint8_t>& bytes, const std::string& path) {
  auto corrupt = [&](const std::string& why) {
    return Status(StatusCode::kCorrupt, "integer weights file " + path + ": " + why);
  };
  if (bytes.size() < 8 || std::memcmp(bytes.data(), kMagic, 8) != 0) return corrupt("not a picnic integer weights file");
  Reader r(bytes, 8);
  IntWeights w;
  w.path = path;
  uint32_t version = 0;
  if (!r.U32(&version) || version != kFormatVersion)
    return corrupt("unsupported format version " + std::to_string(version));
  if (!r.U32(&w.arithmetic_version)) return corrupt("truncated header");
  if (!r.Str(&w.name, 255) || w.name.empty()) return corrupt("bad model name");
  if (!r.Str(&w.metadata_json, 1u << 24)) return corrupt("truncated metadata");
  const size_t section_start = r.pos();
  uint32_t f = 0, n = 0, k = 0, act_max = 0, count = 0;
  if (!r.U32(&f) || !r.U32(&n) || !r.U32(&k) || !r.U32(&act_max) || !r.U32(&count))
    return corrupt("truncated architecture");
  if (f < 1 || f > 1024 || n < 1 || n > 16 || k < 1 || k > static_cast<uint32_t>(kMaxMixtures) ||
      act_max < 255 || act_max > 32767 || count > 100000)
    return corrupt("architecture out of range");
  w.nr_filters = static_cast<int>(f);
  w.nr_resnet = static_cast<int>(n);
  w.nr_logistic_mix = static_cast<int>(k);
  w.act_max = static_cast<int>(act_max);
  for (uint32_t i = 0; i < count; ++i) {
    IntTensor t;
    const uint8_t* eb = nullptr;
    uint32_t ndim = 0;
    if (!r.Str(&t.name, 255) || !r.Bytes(1, &eb) || !r.U32(&ndim) || ndim > 4) return corrupt("bad tensor header");
    t.elem_bytes = *eb;
    if (t.elem_bytes != 1 && t.elem_bytes != 2 && t.elem_bytes != 4) return corrupt("bad element size in " + t.name);
    uint64_t numel = 1;
    for (uint32_t d = 0; d < ndim; ++d) {
      uint32_t dim = 0;
      if (!r.U32(&dim) || dim > (1u << 24)) return corrupt("bad dimension in " + t.name);
      t.dims.push_back(dim);
      numel *= dim;
    }
    if (numel > r.left() / t.elem_bytes) return corrupt("truncated data of " + t.name);
    const uint8_t* p = nullptr;
    r.Bytes(numel * t.elem_bytes, &p);
    t.data.resize(numel);
    for (uint64_t j = 0; j < numel; ++j) {
      uint32_t v = 0;
      for (int b = 0; b < t.elem_bytes; ++b) v |= static_cast<uint32_t>(p[j * t.elem_bytes + b]) << (8 * b);
      // Sign-extend from the stored width.
      const int bits = 8 * t.elem_bytes;
      int64_t sv = v;
      if (bits < 32 && (v >> (bits - 1)) & 1) sv -= int64_t{1} << bits;
      if (bits == 32) sv = static_cast<int32_t>(v);
      t.data[j] = static_cast<int32_t>(sv);
    }
    w.tensors.push_back(std::move(t));
  }
  const size_t section_end = r.pos();
  uint32_t lo = 0, hi = 0;
  if (!r.U32(&lo) || !r.U32(&hi)) return corrupt("missing fingerprint");
  const uint64_t stored = (static_cast<uint64_t>(hi) << 32) | lo;
  w.fingerprint = Fingerprint(w.arithmetic_version, bytes.data() + section_start, section_end - section_start);
  if (stored != w.fingerprint) return corrupt("fingerprint mismatch: the file is damaged");
  if (r.left() != 0) return corrupt("trailing bytes after the fingerprint");
  return w;
}

Result<IntWeights> LoadIntWeights(const std::string& path) {
  PICNIC_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFileBytes(path));
  return ParseIntWeights(bytes, path);
}

Result<std::string> FindIntWeights(const std::string& name_or_path) {
  // A float weights file (.pnw) is never integer weights, even when it exists.
  if (name_or_path.size() > 4 && name_or_path.substr(name_or_path.size() - 4) == ".pnw")
    return Status(StatusCode::kModelNotFound, name_or_path + " holds float weights, not integer weights");
  const ModelFileLookup f = FindModelFile(name_or_path, kIntWeightsExtension);
  if (f.found) return f.path;
  if (f.looks_like_path)
    return Status(StatusCode::kModelNotFound, "integer weights file " + name_or_path + " does not exist");
  return Status(StatusCode::kModelNotFound,
                "model '" + name_or_path + "' not found (looked for " + name_or_path + kIntWeightsExtension +
                    " in $PICNIC_WEIGHTS_DIR and the installed weights folders)");
}

std::vector<std::string> ListIntWeights() { return ListModelFiles(kIntWeightsExtension); }

NetworkSpec PixelCnnSpec(int n) {
  NetworkSpec s;
  auto name = [](const char* kind, int i) { return std::string(kind) + "." + std::to_string(i); };
  auto out = [&](const char* kind, int i) { return name(kind, i) + ".out"; };
  std::vector<std::string> u_skips, ul_skips;  // as the LibTorch forward's u_list, ul_list
  std::vector<BlockSpec> up_u, up_ul, down_u, down_ul;
  std::string u = "u_init", ul = "ul_init";
  u_skips.push_back(u);
  ul_skips.push_back(ul);
  int block = 0;
  for (int level = 0; level < 3; ++level) {
    for (int r = 0; r < n; ++r, ++block) {
      up_u.push_back({name("up_u", block), true, level, u, {}});
      u = out("up_u", block);
      u_skips.push_back(u);
      up_ul.push_back({name("up_ul", block), false, level, ul, {u}});
      ul = out("up_ul", block);
      ul_skips.push_back(ul);
    }
    if (level < 2) {
      const std::string du = level == 0 ? "downsample_u1" : "downsample_u2";
      const std::string dul = level == 0 ? "downsample_ul1" : "downsample_ul2";
      s.resample_input[du] = u;
      s.resample_input[dul] = ul;
      u = du;
      ul = dul;
      u_skips.push_back(u);
      ul_skips.push_back(ul);
    }
  }
  u_skips.pop_back();
  ul_skips.pop_back();
  block = 0;
  for (int level = 2; level >= 0; --level) {
    const int blocks = level == 2 ? n : n + 1;
    for (int r = 0; r < blocks; ++r, ++block) {
      down_u.push_back({name("down_u", block), true, level, u, {u_skips.back()}});
      u_skips.pop_back();
      u = out("down_u", block);
      down_ul.push_back({name("down_ul", block), false, level, ul, {u, ul_skips.back()}});
      ul_skips.pop_back();
      ul = out("down_ul", block);
    }
    if (level > 0) {
      const std::string uu = level == 2 ? "upsample_u1" : "upsample_u2";
      const std::string uul = level == 2 ? "upsample_ul1" : "upsample_ul2";
      s.resample_input[uu] = u;
      s.resample_input[uul] = ul;
      u = uu;
      ul = uul;
    }
  }
  s.output_input = ul;
  for (auto* list : {&up_u, &up_ul, &down_u, &down_ul}) s.blocks.insert(s.blocks.end(), list->begin(), list->end());
  return s;
}

Result<DenseInt> QuantizeDense(const DenseFloat& d, const std::string& what) {
  DenseInt q;
  q.w.assign(static_cast<size_t>(d.out) * d.k, 0);
  q.bias.assign(d.out, 0);
  if (!d.bias2.empty()) q.bias2.assign(d.out, 0);
  q.shift.assign(d.out, 0);
  const double limit = 2147483647.0;
  for (int o = 0; o < d.out; ++o) {
    const float* row = &d.w[static_cast<size_t>(o) * d.k];
    // Accumulator exponent g: input k's weight is round(w * 2^(g - in_exp[k])).
    bool done = false;
    for (int g = 40; g >= d.out_exp[o] && !done; --g) {
      double bound = 0;
      bool fits = true;
      std::vector<int32_t> wq(d.k);
      for (int k = 0; k < d.k && fits; ++k) {
        const double v = std::nearbyint(static_cast<double>(row[k]) * std::ldexp(1.0, g - d.in_exp[k]));
        if (!(std::fabs(v) <= 32767)) {
          fits = false;
          break;
        }
        wq[k] = static_cast<int32_t>(v);
        bound += std::fabs(v) * d.in_max[k];
      }
      if (!fits) continue;
      const double b = std::nearbyint(static_cast<double>(d.bias[o]) * std::ldexp(1.0, g));
      if (!(std::fabs(b) < limit)) continue;
      const double b2 = d.bias2.empty() ? 0 : std::nearbyint(static_cast<double>(d.bias2[o]) * std::ldexp(1.0, g));
      if (!(std::fabs(b2) < limit)) continue;
      const int shift = g - d.out_exp[o];
      // The rounding term of the requantization joins the sum.
      bound += std::fabs(b) + std::fabs(b2) + (shift > 0 ? std::ldexp(1.0, shift - 1) : 0);
      if (bound >= limit) continue;
      std::copy(wq.begin(), wq.end(), q.w.begin() + static_cast<size_t>(o) * d.k);
      q.bias[o] = static_cast<int32_t>(b);
      if (!d.bias2.empty()) q.bias2[o] = static_cast<int32_t>(b2);
      q.shift[o] = shift;
      q.worst_bound = std::max(q.worst_bound, bound / limit);
      done = true;
    }
    if (!done) {
      return Status(StatusCode::kInvalidArgument,
                    "cannot quantize " + what + " output " + std::to_string(o) +
                        ": no accumulator exponent keeps every weight in int16 and the sum "
                        "below 2^31 for every input (weights or activations too large)");
    }
  }
  return q;
}

}  // namespace picnic
