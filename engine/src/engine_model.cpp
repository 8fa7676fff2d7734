// The exact engine: PixelCNN++ evaluated incrementally in integers, with the
// schedule of model/src/incremental.cpp (Ramachandran et al. 2017): every
// level's vertical stream a row at a time when the row starts, the
// horizontal stream position by position, a lower level's position at the
// first pixel where all its inputs exist. Batched over the tiles of a batch;
// all arithmetic as engine.h defines it.
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "kernels.h"
#include "picnic/engine.h"
#include "picnic/fixed_math.h"
#include "picnic/mixture.h"

namespace picnic {
namespace {

using fixed::EluQ;
using fixed::RoundShift64;

uint64_t Fnv(const void* data, size_t bytes, uint64_t h) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < bytes; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

int CanvasSide(int n) { return (n + 3) / 4 * 4; }

// One affine layer with its weights packed for the kernels (kernels.h).
struct Dense {
  std::string name;
  int k = 0, k_pad = 0, o = 0, o_pad = 0;
  std::vector<int16_t> packed;
  std::vector<int32_t> bias, shift;
  int hash_id = -1;
};

// A gated residual block's weights and the exponents around it.
struct BlockW {
  BlockSpec spec;
  Dense conv1, conv2;  // conv1 includes the nin of the aux input
  int e_in = 0, e_c1 = 0, e_h1 = 0, e_h2 = 0, e_out = 0;
  std::vector<int> e_aux;
  int out_hash = -1;
};

// Activations of one row: [T][width][C] int16. Their exponent is the
// consuming block's (BlockW::e_in, e_aux), fixed by the network's spec.
struct Act {
  std::vector<int16_t> v;
};

// Two-row ring of concat_elu values for one block: [2][T][w + pad][2C];
// a row's slot is its parity, column c at index c + 1 (index 0 stays 0).
struct Ring {
  std::vector<int16_t> v;
  int t = 0, w = 0, c = 0;
  void Reset(int tiles, int width, int channels) {
    t = tiles;
    w = width;
    c = channels;
    v.assign(static_cast<size_t>(2) * t * w * c, 0);
  }
  int16_t* At(int slot, int tile, int col) { return &v[((static_cast<size_t>(slot) * t + tile) * w + col) * c]; }
};

}  // namespace

struct EngineModel::Impl {
  IntWeights weights;
  KernelPath kernel = KernelPath::kScalar;
  MatVecFn matvec = MatVecScalar;
  int f = 0, n = 0, k = 0, params = 0, act_max = 0;

  Dense u_init, ul_init_v, ul_init_h, out_nin;
  Dense ds_u[2], ds_ul[2];    // [l - 1]: level l - 1 -> l
  Dense us_u[2][4];           // [l - 1]: level l -> l - 1; r0 even, r0 odd, r1 even, r1 odd
  Dense us_ul[2][4];          // [l - 1]: q00 q01 q10 q11
  // Tensor exponents live with the blocks that read them (BlockW).
  std::vector<BlockW> blocks;
  std::vector<int> up_u[3], up_ul[3], down_u[3], down_ul[3];  // block indices per level
  int e_final = 0;            // exponent of the tensor out_nin's ELU reads

  // ELU of the negative int16 values at each exponent the network uses,
  // tabulated from fixed::EluQ at load (so identical to it): elu_neg[e][m] = EluQ(-m, e).
  std::vector<int16_t> elu_neg[16];

  bool hash_layers = false;
  std::vector<std::string> hash_names;
  std::vector<uint64_t> hashes;

  // ---- per batch ----
  int t = 0, h = 0, w = 0, color_channels = 3;
  std::vector<int16_t> canvas;  // [T][H + 2][W + 2][4]; image (y, x) at (y + 2, x + 1)
  std::vector<int32_t> ul_init_v_acc;  // [T][W][F] this row's vertical part of ul_init
  struct Level {
    int w = 0;
    std::vector<Ring> ce_x, ce_c1;  // per block (index into blocks)
    Ring u_ring, ul_ring;           // up-pass outputs for the next level's down-sampling
    Ring u_deconv, ul_deconv;       // rows up-sampled from the level below, slot = row parity
    std::vector<Act> u_up;          // this row: u_list of the up pass (n + 1 entries)
    std::vector<Act> u_down;        // this row: down-pass block outputs
  } lv[3];
  std::vector<int> ring_of_block;   // block -> index into its level's rings
  int row = -1, col = -1;
  std::vector<int32_t> raw;         // [T][params] at the last stepped position
  std::vector<uint8_t> decoded;     // [T][3]
  // scratch
  std::vector<int16_t> gather;
  std::vector<int32_t> acc;
  std::vector<int16_t> tmp16;

  // ---- helpers ----
  int16_t Clamp16(int64_t v) const {
    return static_cast<int16_t>(std::min<int64_t>(std::max<int64_t>(v, -act_max), act_max));
  }
  void Hash(int id, const void* data, size_t bytes) {
    if (hash_layers && id >= 0) hashes[id] = Fnv(data, bytes, hashes[id]);
  }
  int NewHash(const std::string& name) {
    hash_names.push_back(name);
    hashes.push_back(1469598103934665603ull);
    return static_cast<int>(hash_names.size()) - 1;
  }
  // gather[0 .. d.k) must be filled; pads to k_pad, runs the kernel, requantizes to int16.
  void Run16(const Dense& d, int16_t* out) {
    std::fill(gather.begin() + d.k, gather.begin() + d.k_pad, 0);
    matvec(gather.data(), d.packed.data(), d.k_pad / 2, d.o_pad, acc.data());
    for (int o = 0; o < d.o; ++o) out[o] = Clamp16(RoundShift64(static_cast<int64_t>(acc[o]) + d.bias[o], d.shift[o]));
    Hash(d.hash_id, out, d.o * sizeof(int16_t));
  }
  void TabulateElu(int e) {
    if (!elu_neg[e].empty()) return;
    elu_neg[e].resize(static_cast<size_t>(act_max) + 1);
    for (int m = 0; m <= act_max; ++m) elu_neg[e][m] = static_cast<int16_t>(EluQ(-m, e));
  }
  // concat_elu of `parts` (each c values at its exponent): all elu(p), then all elu(-p).
  void ConcatElu(const int16_t* const* parts, const int* exps, int count, int c, int16_t* out) {
    for (int p = 0; p < count; ++p) {
      const int16_t* table = elu_neg[exps[p]].data();
      const int16_t* in = parts[p];
      int16_t* pos = out + p * c;
      int16_t* neg = out + (count + p) * c;
      for (int i = 0; i < c; ++i) {
        const int16_t v = in[i];  // |v| <= act_max
        pos[i] = v >= 0 ? v : table[-v];
        neg[i] = v <= 0 ? static_cast<int16_t>(-v) : table[v];
      }
    }
  }
  // x + h1 * sigmoid(h2), at the block's output exponent.
  void Gate(const BlockW& b, const int16_t* x, const int16_t* hh, int16_t* out) {
    for (int i = 0; i < f; ++i) {
      const int64_t h2_q16 = static_cast<int64_t>(hh[f + i]) * (int64_t{1} << (16 - b.e_h2));
      const int64_t sig = RoundShift64(fixed::SigmoidQ31(h2_q16), 16);  // Q15
      const int64_t g = RoundShift64(hh[i] * sig, b.e_h1 + 15 - b.e_out);
      out[i] = Clamp16(RoundShift64(x[i], b.e_in - b.e_out) + g);
    }
    Hash(b.out_hash, out, f * sizeof(int16_t));
  }

  Status Load();
  Status LoadDense(const std::string& name, int k_in, int o_out, Dense* d);
  Result<int> Exp(const std::string& tensor) const;

  void BeginBatch(const std::vector<TileShape>& tiles);
  void StartRow(int r);
  void UpURow(int l, int r);
  void DownURow(int l, int r);
  void RowBlock(int bi, int r, const Act& x, const std::vector<const Act*>& aux, Act* out);
  void PosBlock(int bi, int r, int c, const int16_t* x, const std::vector<const int16_t*>& aux, int16_t* out);
  void UlLow(int l, int r, int c);
  void StepAt(int y, int x);
};

Result<int> EngineModel::Impl::Exp(const std::string& tensor) const {
  const IntTensor* t = weights.Find(tensor + ".e");
  if (t == nullptr || t->data.size() != 1)
    return Status(StatusCode::kCorrupt, "integer weights " + weights.path + ": missing exponent of " + tensor);
  const int e = t->data[0];
  if (e < 0 || e > 15 || (1 << e) > act_max)
    return Status(StatusCode::kCorrupt, "integer weights " + weights.path + ": exponent of " + tensor + " out of range");
  return e;
}

Status EngineModel::Impl::LoadDense(const std::string& name, int k_in, int o_out, Dense* d) {
  auto bad = [&](const std::string& why) {
    return Status(StatusCode::kCorrupt, "integer weights " + weights.path + ": layer " + name + " " + why);
  };
  const IntTensor* wt = weights.Find(name + ".w");
  const IntTensor* bt = weights.Find(name + ".b");
  const IntTensor* st = weights.Find(name + ".s");
  if (!wt || !bt || !st) return bad("is missing");
  if (wt->dims != std::vector<uint32_t>{static_cast<uint32_t>(o_out), static_cast<uint32_t>(k_in)} ||
      bt->data.size() != static_cast<size_t>(o_out) || st->data.size() != static_cast<size_t>(o_out))
    return bad("has the wrong shape");
  d->name = name;
  d->k = k_in;
  d->k_pad = (k_in + 1) / 2 * 2;
  d->o = o_out;
  d->o_pad = (o_out + 15) / 16 * 16;
  d->packed.assign(static_cast<size_t>(d->k_pad) * d->o_pad, 0);
  for (int o = 0; o < o_out; ++o) {
    for (int k2 = 0; k2 < k_in; ++k2) {
      const int32_t v = wt->data[static_cast<size_t>(o) * k_in + k2];
      if (v < -32767 || v > 32767) return bad("has a weight outside int16");
      d->packed[(static_cast<size_t>(k2 / 2) * d->o_pad + o) * 2 + (k2 & 1)] = static_cast<int16_t>(v);
    }
    if (st->data[o] < 0 || st->data[o] > 62) return bad("has a shift out of range");
  }
  d->bias = bt->data;
  d->shift = st->data;
  d->hash_id = NewHash(name);
  return Status::Ok();
}

Status EngineModel::Impl::Load() {
  f = weights.nr_filters;
  n = weights.nr_resnet;
  k = weights.nr_logistic_mix;
  params = kParamsPerMixture * k;
  act_max = weights.act_max;
  if (weights.arithmetic_version != kEngineArithmeticVersion)
    return Status(StatusCode::kModelNotFound,
                  "integer weights " + weights.path + " need engine arithmetic version " +
                      std::to_string(weights.arithmetic_version) + "; this picnic has " +
                      std::to_string(kEngineArithmeticVersion));
  PICNIC_RETURN_IF_ERROR(LoadDense("u_init", 2 * 3 * 4, f, &u_init));
  PICNIC_RETURN_IF_ERROR(LoadDense("ul_init_v", 3 * 4, f, &ul_init_v));
  PICNIC_RETURN_IF_ERROR(LoadDense("ul_init_h", 2 * 4, f, &ul_init_h));
  if (ul_init_v.shift != ul_init_h.shift)
    return Status(StatusCode::kCorrupt, "integer weights " + weights.path + ": ul_init parts must share shifts");
  PICNIC_RETURN_IF_ERROR(LoadDense("out_nin", f, params, &out_nin));
  for (int l = 1; l <= 2; ++l) {
    const std::string s = std::to_string(l);
    PICNIC_RETURN_IF_ERROR(LoadDense("downsample_u" + s, 2 * 3 * f, f, &ds_u[l - 1]));
    PICNIC_RETURN_IF_ERROR(LoadDense("downsample_ul" + s, 2 * 2 * f, f, &ds_ul[l - 1]));
  }
  // us_[l - 1] goes from level l to level l - 1: upsample_u2 from level 1, upsample_u1 from level 2.
  for (int l = 1; l <= 2; ++l) {
    const std::string u = l == 1 ? "upsample_u2" : "upsample_u1";
    const std::string ul = l == 1 ? "upsample_ul2" : "upsample_ul1";
    const char* parts_u[4] = {".r0e", ".r0o", ".r1e", ".r1o"};
    const char* parts_ul[4] = {".q00", ".q01", ".q10", ".q11"};
    for (int p = 0; p < 4; ++p) {
      PICNIC_RETURN_IF_ERROR(LoadDense(u + parts_u[p], p % 2 == 0 ? f : 2 * f, f, &us_u[l - 1][p]));
      PICNIC_RETURN_IF_ERROR(LoadDense(ul + parts_ul[p], f, f, &us_ul[l - 1][p]));
    }
  }
  const NetworkSpec spec = PixelCnnSpec(n);
  for (const BlockSpec& bs : spec.blocks) {
    BlockW b;
    b.spec = bs;
    const int window = bs.vertical ? 6 : 4;
    PICNIC_RETURN_IF_ERROR(LoadDense(bs.name + ".conv1", window * 2 * f + static_cast<int>(bs.aux.size()) * 2 * f, f, &b.conv1));
    PICNIC_RETURN_IF_ERROR(LoadDense(bs.name + ".conv2", window * 2 * f, 2 * f, &b.conv2));
    PICNIC_ASSIGN_OR_RETURN(b.e_in, Exp(bs.input));
    for (const auto& a : bs.aux) {
      PICNIC_ASSIGN_OR_RETURN(int e, Exp(a));
      b.e_aux.push_back(e);
    }
    PICNIC_ASSIGN_OR_RETURN(b.e_c1, Exp(bs.name + ".c1"));
    PICNIC_ASSIGN_OR_RETURN(b.e_h1, Exp(bs.name + ".h1"));
    PICNIC_ASSIGN_OR_RETURN(b.e_h2, Exp(bs.name + ".h2"));
    PICNIC_ASSIGN_OR_RETURN(b.e_out, Exp(bs.name + ".out"));
    b.out_hash = NewHash(bs.name + ".out");
    const int idx = static_cast<int>(blocks.size());
    const std::string kind = bs.name.substr(0, bs.name.find('.'));
    (kind == "up_u" ? up_u : kind == "up_ul" ? up_ul : kind == "down_u" ? down_u : down_ul)[bs.level].push_back(idx);
    blocks.push_back(std::move(b));
  }
  PICNIC_ASSIGN_OR_RETURN(e_final, Exp(spec.output_input));
  for (const BlockW& b : blocks) {
    TabulateElu(b.e_in);
    TabulateElu(b.e_c1);
    for (int e : b.e_aux) TabulateElu(e);
  }
  TabulateElu(e_final);
  size_t max_k = 0, max_o = 0;
  auto grow = [&](const Dense& d) {
    max_k = std::max<size_t>(max_k, d.k_pad);
    max_o = std::max<size_t>(max_o, d.o_pad);
  };
  for (const Dense* d : {&u_init, &ul_init_v, &ul_init_h, &out_nin, &ds_u[0], &ds_u[1], &ds_ul[0], &ds_ul[1]}) grow(*d);
  for (auto& arr : us_u) for (auto& d : arr) grow(d);
  for (auto& arr : us_ul) for (auto& d : arr) grow(d);
  for (auto& b : blocks) {
    grow(b.conv1);
    grow(b.conv2);
  }
  gather.assign(max_k, 0);
  acc.assign(max_o, 0);
  tmp16.assign(max_o, 0);
  return Status::Ok();
}

void EngineModel::Impl::BeginBatch(const std::vector<TileShape>& tiles) {
  t = static_cast<int>(tiles.size());
  int mh = 0, mw = 0;
  for (const auto& s : tiles) {
    mh = std::max(mh, s.height);
    mw = std::max(mw, s.width);
  }
  h = CanvasSide(mh);
  w = CanvasSide(mw);
  canvas.assign(static_cast<size_t>(t) * (h + 2) * (w + 2) * 4, 0);
  for (int i = 0; i < t; ++i) {
    for (int y = 0; y < tiles[i].height; ++y) {
      for (int x = 0; x < tiles[i].width; ++x)
        canvas[((static_cast<size_t>(i) * (h + 2) + y + 2) * (w + 2) + x + 1) * 4 + 3] = 255;  // mask 1 = 255/255
    }
  }
  ul_init_v_acc.assign(static_cast<size_t>(t) * w * f, 0);
  ring_of_block.assign(blocks.size(), -1);
  for (int l = 0; l < 3; ++l) {
    Level& L = lv[l];
    L.w = w >> l;
    L.ce_x.clear();
    L.ce_c1.clear();
    for (auto* list : {&up_u[l], &up_ul[l], &down_u[l], &down_ul[l]}) {
      for (int bi : *list) {
        const int pad = blocks[bi].spec.vertical ? 2 : 1;
        ring_of_block[bi] = static_cast<int>(L.ce_x.size());
        L.ce_x.emplace_back();
        L.ce_x.back().Reset(t, L.w + pad, 2 * f);
        L.ce_c1.emplace_back();
        L.ce_c1.back().Reset(t, L.w + pad, 2 * f);
      }
    }
    L.u_ring.Reset(t, L.w + 2, f);
    L.ul_ring.Reset(t, L.w + 1, f);
    L.u_deconv.Reset(t, L.w, f);
    L.ul_deconv.Reset(t, L.w, f);
    L.u_up.assign(n + 1, Act{});
    L.u_down.assign(down_u[l].size(), Act{});
    for (auto& a : L.u_up) a.v.assign(static_cast<size_t>(t) * L.w * f, 0);
    for (auto& a : L.u_down) a.v.assign(static_cast<size_t>(t) * L.w * f, 0);
  }
  raw.assign(static_cast<size_t>(t) * params, 0);
  decoded.assign(static_cast<size_t>(t) * 3, 0);
  row = -1;
  col = -1;
}

// A gated residual block of the vertical stream over one row of level l.
void EngineModel::Impl::RowBlock(int bi, int r, const Act& x, const std::vector<const Act*>& aux, Act* out) {
  const BlockW& b = blocks[bi];
  Level& L = lv[b.spec.level];
  Ring& cx = L.ce_x[ring_of_block[bi]];
  Ring& cc = L.ce_c1[ring_of_block[bi]];
  const int cur = r & 1, prev = cur ^ 1, wl = L.w;
  const int row_len = 3 * 2 * f;  // three columns of concat_elu values
  for (int ti = 0; ti < t; ++ti) {
    for (int j = 0; j < wl; ++j) {
      const int16_t* p = &x.v[(static_cast<size_t>(ti) * wl + j) * f];
      ConcatElu(&p, &b.e_in, 1, f, cx.At(cur, ti, j + 1));
    }
  }
  std::vector<const int16_t*> parts(aux.size());
  for (int ti = 0; ti < t; ++ti) {
    for (int j = 0; j < wl; ++j) {
      std::memcpy(&gather[0], cx.At(prev, ti, j), row_len * sizeof(int16_t));
      std::memcpy(&gather[row_len], cx.At(cur, ti, j), row_len * sizeof(int16_t));
      for (size_t a = 0; a < aux.size(); ++a) parts[a] = &aux[a]->v[(static_cast<size_t>(ti) * wl + j) * f];
      if (!aux.empty()) ConcatElu(parts.data(), b.e_aux.data(), static_cast<int>(aux.size()), f, &gather[2 * row_len]);
      Run16(b.conv1, tmp16.data());
      const int16_t* c1 = tmp16.data();
      ConcatElu(&c1, &b.e_c1, 1, f, cc.At(cur, ti, j + 1));
    }
  }
  for (int ti = 0; ti < t; ++ti) {
    for (int j = 0; j < wl; ++j) {
      std::memcpy(&gather[0], cc.At(prev, ti, j), row_len * sizeof(int16_t));
      std::memcpy(&gather[row_len], cc.At(cur, ti, j), row_len * sizeof(int16_t));
      Run16(b.conv2, tmp16.data());
      const size_t at = (static_cast<size_t>(ti) * wl + j) * f;
      Gate(b, &x.v[at], tmp16.data(), &out->v[at]);
    }
  }
}

// A gated residual block of the horizontal stream at column c of its level:
// x, aux[i] and out are [T][F].
void EngineModel::Impl::PosBlock(int bi, int r, int c, const int16_t* x, const std::vector<const int16_t*>& aux,
                                 int16_t* out) {
  const BlockW& b = blocks[bi];
  Level& L = lv[b.spec.level];
  Ring& cx = L.ce_x[ring_of_block[bi]];
  Ring& cc = L.ce_c1[ring_of_block[bi]];
  const int cur = r & 1, prev = cur ^ 1;
  const int row_len = 2 * 2 * f;  // two columns
  const int na = static_cast<int>(aux.size());
  const int16_t* parts[4];
  for (int ti = 0; ti < t; ++ti) {
    const int16_t* xp = x + static_cast<size_t>(ti) * f;
    ConcatElu(&xp, &b.e_in, 1, f, cx.At(cur, ti, c + 1));
    std::memcpy(&gather[0], cx.At(prev, ti, c), row_len * sizeof(int16_t));
    std::memcpy(&gather[row_len], cx.At(cur, ti, c), row_len * sizeof(int16_t));
    for (int a = 0; a < na; ++a) parts[a] = aux[a] + static_cast<size_t>(ti) * f;
    if (na > 0) ConcatElu(parts, b.e_aux.data(), na, f, &gather[2 * row_len]);
    Run16(b.conv1, tmp16.data());
    const int16_t* c1 = tmp16.data();
    ConcatElu(&c1, &b.e_c1, 1, f, cc.At(cur, ti, c + 1));
    std::memcpy(&gather[0], cc.At(prev, ti, c), row_len * sizeof(int16_t));
    std::memcpy(&gather[row_len], cc.At(cur, ti, c), row_len * sizeof(int16_t));
    Run16(b.conv2, tmp16.data());
    Gate(b, xp, tmp16.data(), out + static_cast<size_t>(ti) * f);
  }
}

// The up pass of the vertical stream at level l, row r: the u list and the ring.
void EngineModel::Impl::UpURow(int l, int r) {
  Level& L = lv[l];
  const int wl = L.w;
  Act& u0 = L.u_up[0];
  if (l == 0) {
    if (r == 0) {
      std::fill(u0.v.begin(), u0.v.end(), 0);  // DownShift: row 0 sees nothing, not even the bias
    } else {
      for (int ti = 0; ti < t; ++ti) {
        for (int j = 0; j < wl; ++j) {
          // canvas rows r, r + 1 (image rows r - 2, r - 1), columns j .. j + 2 (image j - 1 .. j + 1)
          for (int dy = 0; dy < 2; ++dy)
            std::memcpy(&gather[dy * 12], &canvas[((static_cast<size_t>(ti) * (h + 2) + r + dy) * (w + 2) + j) * 4],
                        12 * sizeof(int16_t));
          Run16(u_init, &u0.v[(static_cast<size_t>(ti) * wl + j) * f]);
        }
      }
    }
  } else {
    Level& P = lv[l - 1];
    const int prev = (2 * r - 1) & 1, cur = (2 * r) & 1;
    for (int ti = 0; ti < t; ++ti) {
      for (int j = 0; j < wl; ++j) {
        // level l - 1 rows 2r - 1, 2r; columns 2j - 1 .. 2j + 1 (ring indices 2j .. 2j + 2)
        std::memcpy(&gather[0], P.u_ring.At(prev, ti, 2 * j), 3 * f * sizeof(int16_t));
        std::memcpy(&gather[3 * f], P.u_ring.At(cur, ti, 2 * j), 3 * f * sizeof(int16_t));
        Run16(ds_u[l - 1], &u0.v[(static_cast<size_t>(ti) * wl + j) * f]);
      }
    }
  }
  for (int i = 0; i < n; ++i) RowBlock(up_u[l][i], r, L.u_up[i], {}, &L.u_up[i + 1]);
  const Act& last = L.u_up[n];
  for (int ti = 0; ti < t; ++ti) {
    for (int j = 0; j < wl; ++j)
      std::memcpy(L.u_ring.At(r & 1, ti, j + 1), &last.v[(static_cast<size_t>(ti) * wl + j) * f], f * sizeof(int16_t));
  }
}

// The down pass of the vertical stream at level l, row r, and its up-sampling
// into the two rows of level l - 1.
void EngineModel::Impl::DownURow(int l, int r) {
  Level& L = lv[l];
  const int wl = L.w;
  std::vector<const Act*> skips;
  for (const Act& a : L.u_up) skips.push_back(&a);
  Act deconv_row;
  const Act* u;
  if (l == 2) {
    u = skips.back();
    skips.pop_back();
  } else {
    deconv_row.v.assign(L.u_deconv.At(r & 1, 0, 0), L.u_deconv.At(r & 1, 0, 0) + static_cast<size_t>(t) * wl * f);
    u = &deconv_row;
  }
  for (size_t i = 0; i < down_u[l].size(); ++i) {
    RowBlock(down_u[l][i], r, *u, {skips.back()}, &L.u_down[i]);
    skips.pop_back();
    u = &L.u_down[i];
  }
  if (l == 0) return;
  Level& P = lv[l - 1];
  // Stride-2 2x3 transposed convolution, cropped: output row 2r + dy takes
  // kernel row dy; even column 2m takes input m (tap 1), odd 2m + 1 takes
  // inputs m (tap 2) and m + 1 (tap 0), zero past the edge.
  for (int dy = 0; dy < 2; ++dy) {
    for (int ti = 0; ti < t; ++ti) {
      for (int m = 0; m < wl; ++m) {
        const int16_t* in = &u->v[(static_cast<size_t>(ti) * wl + m) * f];
        std::memcpy(&gather[0], in, f * sizeof(int16_t));
        Run16(us_u[l - 1][2 * dy], P.u_deconv.At(dy, ti, 2 * m));
        std::memcpy(&gather[0], in, f * sizeof(int16_t));
        if (m + 1 < wl) std::memcpy(&gather[f], in + f, f * sizeof(int16_t));
        else std::fill(gather.begin() + f, gather.begin() + 2 * f, 0);
        Run16(us_u[l - 1][2 * dy + 1], P.u_deconv.At(dy, ti, 2 * m + 1));
      }
    }
  }
}

void EngineModel::Impl::StartRow(int r) {
  // The vertical part of ul_init for this row: canvas row r + 1 (image row r - 1).
  for (int ti = 0; ti < t; ++ti) {
    for (int j = 0; j < w; ++j) {
      int32_t* a = &ul_init_v_acc[(static_cast<size_t>(ti) * w + j) * f];
      if (r == 0) {
        std::fill(a, a + f, 0);
        continue;
      }
      std::memcpy(&gather[0], &canvas[((static_cast<size_t>(ti) * (h + 2) + r + 1) * (w + 2) + j) * 4], 12 * sizeof(int16_t));
      std::fill(gather.begin() + 12, gather.begin() + ul_init_v.k_pad, 0);
      matvec(gather.data(), ul_init_v.packed.data(), ul_init_v.k_pad / 2, ul_init_v.o_pad, acc.data());
      for (int o = 0; o < f; ++o) a[o] = acc[o] + ul_init_v.bias[o];
    }
  }
  UpURow(0, r);
  if (r % 2 == 0) UpURow(1, r / 2);
  if (r % 4 == 0) {
    UpURow(2, r / 4);
    DownURow(2, r / 4);
  }
  if (r % 2 == 0) DownURow(1, r / 2);
  DownURow(0, r);
}

// The horizontal stream at position (r, c) of level l >= 1, the levels below
// that become computable there, and the up-sampling into level l - 1.
void EngineModel::Impl::UlLow(int l, int r, int c) {
  Level& L = lv[l];
  Level& P = lv[l - 1];
  const size_t tf = static_cast<size_t>(t) * f;
  std::vector<std::vector<int16_t>> skips;
  skips.emplace_back(tf);
  const int prev = (2 * r - 1) & 1, cur = (2 * r) & 1;
  for (int ti = 0; ti < t; ++ti) {
    // level l - 1 rows 2r - 1, 2r, columns 2c - 1, 2c (ring indices 2c, 2c + 1)
    std::memcpy(&gather[0], P.ul_ring.At(prev, ti, 2 * c), 2 * f * sizeof(int16_t));
    std::memcpy(&gather[2 * f], P.ul_ring.At(cur, ti, 2 * c), 2 * f * sizeof(int16_t));
    Run16(ds_ul[l - 1], &skips[0][ti * f]);
  }
  std::vector<int16_t> col_u(tf);
  for (int i = 0; i < n; ++i) {
    const Act& a = L.u_up[i + 1];
    for (int ti = 0; ti < t; ++ti)
      std::memcpy(&col_u[ti * f], &a.v[(static_cast<size_t>(ti) * L.w + c) * f], f * sizeof(int16_t));
    std::vector<int16_t> out(tf);
    PosBlock(up_ul[l][i], r, c, skips.back().data(), {col_u.data()}, out.data());
    skips.push_back(std::move(out));
  }
  for (int ti = 0; ti < t; ++ti)
    std::memcpy(L.ul_ring.At(r & 1, ti, c + 1), &skips.back()[ti * f], f * sizeof(int16_t));
  if (l == 1 && r % 2 == 0 && c % 2 == 0) UlLow(2, r / 2, c / 2);
  std::vector<int16_t> ul(tf);
  if (l == 2) {
    ul = std::move(skips.back());
    skips.pop_back();
  } else {
    for (int ti = 0; ti < t; ++ti) std::memcpy(&ul[ti * f], L.ul_deconv.At(r & 1, ti, c), f * sizeof(int16_t));
  }
  for (size_t i = 0; i < down_ul[l].size(); ++i) {
    const Act& a = L.u_down[i];
    for (int ti = 0; ti < t; ++ti)
      std::memcpy(&col_u[ti * f], &a.v[(static_cast<size_t>(ti) * L.w + c) * f], f * sizeof(int16_t));
    std::vector<int16_t> out(tf);
    PosBlock(down_ul[l][i], r, c, ul.data(), {col_u.data(), skips.back().data()}, out.data());
    skips.pop_back();
    ul = std::move(out);
  }
  // Stride-2 2x2 transposed convolution: each output has exactly one input.
  for (int ti = 0; ti < t; ++ti) {
    for (int q = 0; q < 4; ++q) {
      std::memcpy(&gather[0], &ul[ti * f], f * sizeof(int16_t));
      Run16(us_ul[l - 1][q], P.ul_deconv.At(q / 2, ti, 2 * c + q % 2));
    }
  }
}

void EngineModel::Impl::StepAt(int y, int x) {
  Level& L = lv[0];
  const size_t tf = static_cast<size_t>(t) * f;
  std::vector<std::vector<int16_t>> skips;
  skips.emplace_back(tf);
  for (int ti = 0; ti < t; ++ti) {
    const int32_t* a = &ul_init_v_acc[(static_cast<size_t>(ti) * w + x) * f];
    int16_t* out = &skips[0][ti * f];
    if (x > 0) {
      // canvas rows y + 1, y + 2 (image rows y - 1, y), column x (image x - 1)
      for (int dy = 0; dy < 2; ++dy)
        std::memcpy(&gather[dy * 4], &canvas[((static_cast<size_t>(ti) * (h + 2) + y + 1 + dy) * (w + 2) + x) * 4],
                    4 * sizeof(int16_t));
      matvec(gather.data(), ul_init_h.packed.data(), ul_init_h.k_pad / 2, ul_init_h.o_pad, acc.data());
      for (int o = 0; o < f; ++o)
        out[o] = Clamp16(RoundShift64(static_cast<int64_t>(a[o]) + acc[o] + ul_init_h.bias[o], ul_init_h.shift[o]));
    } else {
      for (int o = 0; o < f; ++o) out[o] = Clamp16(RoundShift64(a[o], ul_init_v.shift[o]));
    }
    Hash(ul_init_h.hash_id, out, f * sizeof(int16_t));
  }
  std::vector<int16_t> col_u(tf);
  for (int i = 0; i < n; ++i) {
    const Act& a = L.u_up[i + 1];
    for (int ti = 0; ti < t; ++ti)
      std::memcpy(&col_u[ti * f], &a.v[(static_cast<size_t>(ti) * L.w + x) * f], f * sizeof(int16_t));
    std::vector<int16_t> out(tf);
    PosBlock(up_ul[0][i], y, x, skips.back().data(), {col_u.data()}, out.data());
    skips.push_back(std::move(out));
  }
  for (int ti = 0; ti < t; ++ti)
    std::memcpy(L.ul_ring.At(y & 1, ti, x + 1), &skips.back()[ti * f], f * sizeof(int16_t));
  if (y % 2 == 0 && x % 2 == 0) UlLow(1, y / 2, x / 2);
  std::vector<int16_t> ul(tf);
  for (int ti = 0; ti < t; ++ti) std::memcpy(&ul[ti * f], L.ul_deconv.At(y & 1, ti, x), f * sizeof(int16_t));
  for (size_t i = 0; i < down_ul[0].size(); ++i) {
    const Act& a = L.u_down[i];
    for (int ti = 0; ti < t; ++ti)
      std::memcpy(&col_u[ti * f], &a.v[(static_cast<size_t>(ti) * L.w + x) * f], f * sizeof(int16_t));
    std::vector<int16_t> out(tf);
    PosBlock(down_ul[0][i], y, x, ul.data(), {col_u.data(), skips.back().data()}, out.data());
    skips.pop_back();
    ul = std::move(out);
  }
  // Output layer on elu(ul): int32 Q16 mixture parameters.
  for (int ti = 0; ti < t; ++ti) {
    for (int i = 0; i < f; ++i) {
      const int16_t v = ul[ti * f + i];
      gather[i] = v >= 0 ? v : elu_neg[e_final][-v];
    }
    std::fill(gather.begin() + f, gather.begin() + out_nin.k_pad, 0);
    matvec(gather.data(), out_nin.packed.data(), out_nin.k_pad / 2, out_nin.o_pad, acc.data());
    int32_t* p = &raw[static_cast<size_t>(ti) * params];
    for (int o = 0; o < params; ++o) {
      const int64_t v = RoundShift64(static_cast<int64_t>(acc[o]) + out_nin.bias[o], out_nin.shift[o]);
      p[o] = static_cast<int32_t>(std::min<int64_t>(std::max<int64_t>(v, -(int64_t{1} << 30)), int64_t{1} << 30));
    }
    Hash(out_nin.hash_id, p, params * sizeof(int32_t));
  }
}

EngineModel::EngineModel() : impl_(new Impl) {}
EngineModel::~EngineModel() = default;

Result<std::unique_ptr<EngineModel>> EngineModel::Create(IntWeights weights, const EngineOptions& options) {
  std::unique_ptr<EngineModel> m(new EngineModel);
  Impl& s = *m->impl_;
  s.weights = std::move(weights);
  if (options.use_default_kernel) {
    PICNIC_ASSIGN_OR_RETURN(s.kernel, DefaultKernelPath());
  } else {
    const auto paths = AvailableKernelPaths();
    if (std::find(paths.begin(), paths.end(), options.kernel) == paths.end())
      return Status(StatusCode::kInvalidArgument,
                    std::string("kernel path ") + KernelPathName(options.kernel) + " is not available on this CPU");
    s.kernel = options.kernel;
  }
  s.matvec = MatVecFor(s.kernel);
  s.hash_layers = options.hash_layers;
  PICNIC_RETURN_IF_ERROR(s.Load());
  return m;
}

std::string EngineModel::name() const { return impl_->weights.name; }
uint64_t EngineModel::fingerprint() const { return impl_->weights.fingerprint; }
KernelPath EngineModel::kernel() const { return impl_->kernel; }
const std::vector<int32_t>& EngineModel::raw_params() const { return impl_->raw; }

std::map<std::string, uint64_t> EngineModel::LayerHashes() const {
  std::map<std::string, uint64_t> out;
  for (size_t i = 0; i < impl_->hash_names.size(); ++i) out[impl_->hash_names[i]] = impl_->hashes[i];
  return out;
}

Status EngineModel::Begin(const std::vector<TileShape>& tiles, int color_channels) {
  if (tiles.empty()) return Status(StatusCode::kInternal, "empty tile batch");
  if (color_channels != 1 && color_channels != 3) return Status(StatusCode::kInternal, "colour channels must be 1 or 3");
  for (const auto& s : tiles) {
    if (s.width < 1 || s.height < 1) return Status(StatusCode::kInternal, "empty tile");
  }
  impl_->color_channels = color_channels;
  impl_->BeginBatch(tiles);
  return Status::Ok();
}

Status EngineModel::Predict(int y, int x, int c, const std::vector<int>& tile_ids, Distribution* out) {
  Impl& s = *impl_;
  if (c == 0) {
    if (y < s.row || (y == s.row && x <= s.col) || y >= s.h || x >= s.w || x < 0)
      return Status(StatusCode::kInternal, "engine: positions must advance in raster order");
    while (s.row < y) {
      s.StartRow(++s.row);
      s.col = -1;
    }
    while (s.col < x) s.StepAt(y, ++s.col);
  }
  for (size_t i = 0; i < tile_ids.size(); ++i) {
    const int ti = tile_ids[i];
    out[i].kind = Distribution::Kind::kIntMixture;
    out[i].int_mixture = IntChannelMixture(&s.raw[static_cast<size_t>(ti) * s.params], s.k, c, &s.decoded[ti * 3]);
  }
  return Status::Ok();
}

Status EngineModel::Observe(int y, int x, int c, const std::vector<int>& tile_ids, const uint8_t* values) {
  Impl& s = *impl_;
  for (size_t i = 0; i < tile_ids.size(); ++i) {
    uint8_t* px = &s.decoded[tile_ids[i] * 3];
    px[c] = values[i];
    if (s.color_channels == 1) px[1] = px[2] = values[i];  // gray: G = B = R in the input
  }
  if (c + 1 < s.color_channels) return Status::Ok();
  for (int ti : tile_ids) {
    int16_t* p = &s.canvas[((static_cast<size_t>(ti) * (s.h + 2) + y + 2) * (s.w + 2) + x + 1) * 4];
    for (int ch = 0; ch < 3; ++ch) p[ch] = static_cast<int16_t>(2 * s.decoded[ti * 3 + ch] - 255);  // 255 x
  }
  return Status::Ok();
}

namespace {

// Parsed integer weights by path, so that coding many files (or every tile
// batch's thread) does not read and parse the same file again; a file that
// changes on disk (size or time) is read again.
Result<IntWeights> LoadIntWeightsCached(const std::string& path) {
  static std::mutex mu;
  static std::map<std::string, std::pair<std::string, std::shared_ptr<const IntWeights>>> cache;
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  const auto time = std::filesystem::last_write_time(path, ec);
  const std::string stamp = std::to_string(size) + ":" + std::to_string(time.time_since_epoch().count());
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(path);
    if (!ec && it != cache.end() && it->second.first == stamp) return *it->second.second;
  }
  PICNIC_ASSIGN_OR_RETURN(IntWeights w, LoadIntWeights(path));
  if (!ec) {
    std::lock_guard<std::mutex> lock(mu);
    cache[path] = {stamp, std::make_shared<const IntWeights>(w)};
  }
  return w;
}

}  // namespace

ModelProvider EngineModelProvider(ModelProvider fallback) {
  return [fallback](const std::string& name, uint64_t fingerprint) -> Result<std::unique_ptr<ProbabilityModel>> {
    auto make = [](IntWeights w) -> Result<std::unique_ptr<ProbabilityModel>> {
      PICNIC_ASSIGN_OR_RETURN(std::unique_ptr<EngineModel> m, EngineModel::Create(std::move(w)));
      return std::unique_ptr<ProbabilityModel>(std::move(m));
    };
    Result<std::string> path = FindIntWeights(name);  // a .pnw path is the fallback's
    if (path.ok()) {
      PICNIC_ASSIGN_OR_RETURN(IntWeights w, LoadIntWeightsCached(*path));
      if (fingerprint == 0 || w.fingerprint == fingerprint) return make(std::move(w));
    }
    if (fingerprint != 0) {
      for (const auto& candidate : ListIntWeights()) {
        Result<IntWeights> w = LoadIntWeightsCached(candidate);
        if (w.ok() && w->fingerprint == fingerprint) return make(std::move(w).value());
      }
    }
    if (fallback) return fallback(name, fingerprint);
    if (!path.ok()) return path.status();
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fingerprint));
    return Status(StatusCode::kModelNotFound, "file was encoded with model " + name + " (fingerprint " + hex +
                                                  "), which is not installed; put its weights in the weights "
                                                  "folder or set PICNIC_WEIGHTS_DIR");
  };
}

}  // namespace picnic
