// The exact engine: PixelCNN++ evaluated incrementally in integers, with the
// schedule of model/src/incremental.cpp (Ramachandran et al. 2017): every
// level's vertical stream a whole row at a time when the row starts; the
// horizontal stream over a column range, one position at a time when
// decoding (pixels arrive one by one) and the whole row when encoding
// (BeginKnown: every pixel is known); a lower level's columns once all their
// inputs exist. Every layer is an integer matrix product (kernels.h) over
// the positions at hand, reading its window in place from ring buffers:
// over the tiles of the batch for one column, over the columns of each tile
// for a range. All arithmetic as engine.h defines it.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "adaptation.h"
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


// One affine layer with its weights packed for the kernels (kernels.h).
struct Dense {
  std::string name;
  int k = 0, k_pad = 0, o = 0, o_pad = 0;
  std::vector<int16_t> packed;
  std::vector<int32_t> bias, shift, shift1, round_bit;  // shift1, round_bit: kernels.h Requant
  int hash_id = -1;
  Requant requant() const { return Requant{bias.data(), shift.data(), shift1.data(), round_bit.data()}; }
};

// A gated residual block's weights and the exponents around it.
struct BlockW {
  BlockSpec spec;
  Dense conv1, conv2;  // conv1 includes the nin of the aux input
  int e_in = 0, e_c1 = 0, e_h1 = 0, e_h2 = 0, e_out = 0;
  std::vector<int> e_aux;
  int out_hash = -1;
};

// Activations of one row of a level: [T][width][F] int16. Their exponent is
// the consuming block's (BlockW::e_in, e_aux), fixed by the network's spec.
struct Act {
  std::vector<int16_t> v;
  int16_t* data() { return v.data(); }
  const int16_t* data() const { return v.data(); }
};

// Two-row ring of values for one block or resampling layer: [2][T][w][c];
// a row's slot is its parity. Columns are the level's columns shifted by the
// ring's left padding (which stays 0).
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
  size_t TileStride() const { return static_cast<size_t>(w) * c; }
};

// Where a layer reads one input segment: position (tile ti, column j) at
// base + ti * tile + j * col, k values.
struct In {
  const int16_t* base;
  size_t tile, col;
  int k;
};

}  // namespace

struct EngineModel::Impl {
  IntWeights weights;
  KernelPath kernel = KernelPath::kScalar;
  GemmFn gemm = GemmScalar;
  EpilogueFns epi{};
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
  // The gate's sigmoid in Q15 of every int16 value v at exponent e, from
  // fixed::SigmoidQ31 at load: sig_q15[e][v + act_max] (one spare entry).
  std::vector<uint16_t> sig_q15[16];

  bool hash_layers = false;
  std::vector<std::string> hash_names;
  std::vector<uint64_t> hashes;

  ImageAdaptation adaptation;  // the file's per-image offsets (adaptation.h)

  // ---- per batch ----
  int t = 0, h = 0, w = 0, color_channels = 3;
  // Encoding: every pixel is in the canvas from the start, and each row is
  // computed whole (Predict at its first position); decoding: position by
  // position as pixels arrive. Same numbers either way (the schedule only
  // ever reads pixels before the one predicted).
  bool known = false;
  std::vector<int16_t> canvas;  // [T][H + 2][W + 2][4]; image (y, x) at (y + 2, x + 1)
  std::vector<int32_t> ul_init_v_acc;  // [T][W][F] this row's vertical part of ul_init
  struct Level {
    int w = 0;
    std::vector<Ring> ce_x, ce_c1;  // per block (index into blocks): concat_elu of its x and of conv1
    Ring u_ring, ul_ring;           // up-pass outputs for the next level's down-sampling
    Ring u_deconv, ul_deconv;       // rows up-sampled from the level below, slot = row parity
    std::vector<Act> u_up, ul_up;   // this row: the up pass's lists (n + 1 entries each)
    std::vector<Act> u_down, ul_down;  // this row: down-pass block outputs
    Act u_pad;                      // this row's down-pass output with a zero column after it
  } lv[3];
  std::vector<int> ring_of_block;   // block -> index into its level's rings
  int row = -1, col = -1;
  std::vector<int32_t> raw;         // [T][W][params] of the current row
  std::vector<uint8_t> decoded;     // [T][3]
  // scratch
  int acc_width = 0;                // the largest o_pad
  std::vector<int32_t> acc;         // [max(T, W)][acc_width]
  std::vector<int16_t> aux_ce;      // [T][W][2F x aux count]
  std::vector<int16_t> tmp16;       // one position's layer output

  // ---- helpers ----
  int16_t Clamp16(int64_t v) const {
    return static_cast<int16_t>(std::min<int64_t>(std::max<int64_t>(v, -act_max), act_max));
  }
  // Hashes add up per position, so they do not depend on the order positions
  // are computed in (a row at once when encoding, one by one when decoding).
  void Hash(int id, const void* data, size_t bytes) {
    if (hash_layers && id >= 0) hashes[id] += Fnv(data, bytes, 1469598103934665603ull);
  }
  int NewHash(const std::string& name) {
    hash_names.push_back(name);
    hashes.push_back(0);
    return static_cast<int>(hash_names.size()) - 1;
  }
  // The one requantization: rounding shift, clamp to +-act_max.
  void Out16(const Dense& d, const int32_t* a, int16_t* out) {
    epi.requant16(a, d.requant(), d.o, act_max, out);
    Hash(d.hash_id, out, d.o * sizeof(int16_t));
  }
  // Runs `d` at positions (ti, j), every tile, j in [c0, c1), reading its
  // inputs in place, and hands each position's accumulators to epi(ti, j, acc):
  // a single column is one product over the tiles; a longer range, one per
  // tile over the columns.
  template <typename Epi>
  void Apply(const Dense& d, std::initializer_list<In> ins, int c0, int c1, Epi&& epi) {
    const int cols = c1 - c0;
    if (cols <= 0) return;
    GemmSeg segs[4];
    int ns = 0;
    if (cols == 1) {
      for (const In& in : ins) segs[ns++] = GemmSeg{in.base + c0 * in.col, in.tile, in.k};
      gemm(segs, ns, t, d.packed.data(), d.o_pad, acc.data(), d.o_pad);
      for (int ti = 0; ti < t; ++ti) epi(ti, c0, &acc[static_cast<size_t>(ti) * d.o_pad]);
      return;
    }
    for (int ti = 0; ti < t; ++ti) {
      ns = 0;
      for (const In& in : ins) segs[ns++] = GemmSeg{in.base + ti * in.tile + c0 * in.col, in.col, in.k};
      gemm(segs, ns, cols, d.packed.data(), d.o_pad, acc.data(), d.o_pad);
      for (int m = 0; m < cols; ++m) epi(ti, c0 + m, &acc[static_cast<size_t>(m) * d.o_pad]);
    }
  }
  void TabulateElu(int e) {
    if (!elu_neg[e].empty()) return;
    elu_neg[e].resize(static_cast<size_t>(act_max) + 2);
    for (int m = 0; m <= act_max; ++m) elu_neg[e][m] = static_cast<int16_t>(EluQ(-m, e));
  }
  void TabulateSigmoid(int e) {
    if (!sig_q15[e].empty()) return;
    sig_q15[e].resize(2 * static_cast<size_t>(act_max) + 2);
    for (int v = -act_max; v <= act_max; ++v) {
      const int64_t t_q16 = static_cast<int64_t>(v) * (int64_t{1} << (16 - e));
      sig_q15[e][v + act_max] = static_cast<uint16_t>(RoundShift64(fixed::SigmoidQ31(t_q16), 16));
    }
  }
  // concat_elu of `parts` (each c values at its exponent): all elu(p), then all elu(-p).
  void ConcatElu(const int16_t* const* parts, const int* exps, int count, int c, int16_t* out) {
    for (int p = 0; p < count; ++p) epi.concat_elu(parts[p], c, elu_neg[exps[p]].data(), out + p * c, out + (count + p) * c);
  }
  // x + h1 * sigmoid(h2), at the block's output exponent (hh = h1, h2).
  void Gate(const BlockW& b, const int16_t* x, const int16_t* hh, int16_t* out) {
    epi.gate(x, hh, hh + f, f, sig_q15[b.e_h2].data() + act_max, b.e_in - b.e_out, b.e_h1 + 15 - b.e_out, act_max, out);
    Hash(b.out_hash, out, f * sizeof(int16_t));
  }
  size_t At(int ti, int wl, int j) const { return (static_cast<size_t>(ti) * wl + j) * f; }
  const int16_t* CanvasRow(int canvas_row) const { return &canvas[static_cast<size_t>(canvas_row) * (w + 2) * 4]; }
  size_t CanvasTile() const { return static_cast<size_t>(h + 2) * (w + 2) * 4; }

  Status Load();
  Status LoadDense(const std::string& name, int k_in, int o_out, Dense* d, int in_bound = 0);
  Result<int> Exp(const std::string& tensor) const;

  void BeginBatch(const std::vector<TileShape>& tiles);
  void StartRow(int r);
  void UpURow(int l, int r);
  void DownURow(int l, int r);
  void Block(int bi, int r, int c0, int c1, const int16_t* x, std::initializer_list<const int16_t*> aux,
             int16_t* out);
  void Horizontal(int l, int r, int c0, int c1);
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

// in_bound: the largest |input| (act_max unless given). Refuses weights whose
// accumulator plus bias could leave int32 for some input, the bound the
// exporter proved, so every kernel path computes the same exact sums.
Status EngineModel::Impl::LoadDense(const std::string& name, int k_in, int o_out, Dense* d, int in_bound) {
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
  if (in_bound == 0) in_bound = act_max;
  for (int o = 0; o < o_out; ++o) {
    int64_t bound = std::abs(static_cast<int64_t>(bt->data[o]));
    for (int k2 = 0; k2 < k_in; ++k2) bound += std::abs(static_cast<int64_t>(wt->data[static_cast<size_t>(o) * k_in + k2])) * in_bound;
    if (bound >= (int64_t{1} << 31)) return bad("could overflow its accumulator");
  }
  if (k_in % 2 != 0) return bad("has an odd input count");
  d->bias = bt->data;
  d->shift = st->data;
  for (int32_t sh : d->shift) {
    d->shift1.push_back(std::max(sh - 1, 0));
    d->round_bit.push_back(sh > 0 ? 1 : 0);
  }
  d->hash_id = NewHash(name);
  return Status::Ok();
}

Status EngineModel::Impl::Load() {
  f = weights.nr_filters;
  n = weights.nr_resnet;
  if (f < 2 || f % 2 != 0 || n < 1)
    return Status(StatusCode::kCorrupt, "integer weights " + weights.path + ": filter count must be even, blocks >= 1");
  k = weights.nr_logistic_mix;
  params = kParamsPerMixture * k;
  act_max = weights.act_max;
  if (weights.arithmetic_version != kEngineArithmeticVersion)
    return Status(StatusCode::kModelNotFound,
                  "integer weights " + weights.path + " need engine arithmetic version " +
                      std::to_string(weights.arithmetic_version) + "; this picnic has " +
                      std::to_string(kEngineArithmeticVersion));
  // The first layers read the canvas: pixel values 2v - 255 and the mask 255.
  PICNIC_RETURN_IF_ERROR(LoadDense("u_init", 2 * 3 * 4, f, &u_init, 255));
  PICNIC_RETURN_IF_ERROR(LoadDense("ul_init_v", 3 * 4, f, &ul_init_v, 255));
  PICNIC_RETURN_IF_ERROR(LoadDense("ul_init_h", 2 * 4, f, &ul_init_h, 255));
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
    TabulateSigmoid(b.e_h2);
    TabulateElu(b.e_in);
    TabulateElu(b.e_c1);
    for (int e : b.e_aux) TabulateElu(e);
  }
  TabulateElu(e_final);
  int max_o = 0;
  auto grow = [&](const Dense& d) { max_o = std::max(max_o, d.o_pad); };
  for (const Dense* d : {&u_init, &ul_init_v, &ul_init_h, &out_nin, &ds_u[0], &ds_u[1], &ds_ul[0], &ds_ul[1]}) grow(*d);
  for (auto& arr : us_u) for (auto& d : arr) grow(d);
  for (auto& arr : us_ul) for (auto& d : arr) grow(d);
  for (auto& b : blocks) {
    grow(b.conv1);
    grow(b.conv2);
  }
  acc_width = max_o;
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
  h = static_cast<int>(PixelCnnCanvasSide(mh));
  w = static_cast<int>(PixelCnnCanvasSide(mw));
  canvas.assign(static_cast<size_t>(t) * (h + 2) * (w + 2) * 4, 0);
  for (int i = 0; i < t; ++i) {
    for (int y = 0; y < tiles[i].height; ++y) {
      for (int x = 0; x < tiles[i].width; ++x)
        canvas[((static_cast<size_t>(i) * (h + 2) + y + 2) * (w + 2) + x + 1) * 4 + 3] = 255;  // mask 1 = 255/255
    }
  }
  ul_init_v_acc.assign(static_cast<size_t>(t) * w * f, 0);
  ring_of_block.assign(blocks.size(), -1);
  const size_t row_len = static_cast<size_t>(t) * w * f;
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
    for (auto* list : {&L.u_up, &L.ul_up}) list->assign(n + 1, Act{});
    L.u_down.assign(down_u[l].size(), Act{});
    L.ul_down.assign(down_ul[l].size(), Act{});
    for (auto* list : {&L.u_up, &L.ul_up, &L.u_down, &L.ul_down}) {
      for (Act& a : *list) a.v.assign(row_len >> l, 0);
    }
    L.u_pad.v.assign(static_cast<size_t>(t) * (L.w + 1) * f, 0);
  }
  raw.assign(static_cast<size_t>(t) * w * params, 0);
  decoded.assign(static_cast<size_t>(t) * 3, 0);
  acc.assign(static_cast<size_t>(std::max(t, w)) * acc_width, 0);
  aux_ce.assign(static_cast<size_t>(t) * w * 4 * f, 0);
  row = -1;
  col = -1;
}

// A gated residual block of level l at row r, columns [c0, c1): x, aux and
// out are rows [T][w_l][F]. The vertical stream (2x3 window, down-shifted)
// always runs whole rows; the horizontal one (2x2, down-right-shifted) whole
// rows when encoding and single columns when decoding, column c0 - 1 of the
// row then being done already.
void EngineModel::Impl::Block(int bi, int r, int c0, int c1, const int16_t* x,
                              std::initializer_list<const int16_t*> aux, int16_t* out) {
  const BlockW& b = blocks[bi];
  const int wl = lv[b.spec.level].w;
  Ring& cx = lv[b.spec.level].ce_x[ring_of_block[bi]];
  Ring& cc = lv[b.spec.level].ce_c1[ring_of_block[bi]];
  const int cur = r & 1, prev = cur ^ 1;
  const int window = (b.spec.vertical ? 3 : 2) * 2 * f;
  const int na = static_cast<int>(aux.size());
  for (int ti = 0; ti < t; ++ti) {
    for (int j = c0; j < c1; ++j) {
      const int16_t* p = x + At(ti, wl, j);
      ConcatElu(&p, &b.e_in, 1, f, cx.At(cur, ti, j + 1));
      if (na == 0) continue;
      const int16_t* parts[2];
      int a = 0;
      for (const int16_t* src : aux) parts[a++] = src + At(ti, wl, j);
      ConcatElu(parts, b.e_aux.data(), na, f, &aux_ce[At(ti, wl, j) * 2 * na]);
    }
  }
  const size_t ring_tile = cx.TileStride();
  const In x_prev{cx.At(prev, 0, 0), ring_tile, static_cast<size_t>(2 * f), window};
  const In x_cur{cx.At(cur, 0, 0), ring_tile, static_cast<size_t>(2 * f), window};
  const In aux_in{aux_ce.data(), static_cast<size_t>(wl) * 2 * f * na, static_cast<size_t>(2 * f * na), 2 * f * na};
  auto conv1_out = [&](int ti, int j, const int32_t* a) {
    Out16(b.conv1, a, tmp16.data());
    const int16_t* c1v = tmp16.data();
    ConcatElu(&c1v, &b.e_c1, 1, f, cc.At(cur, ti, j + 1));
  };
  if (na > 0) Apply(b.conv1, {x_prev, x_cur, aux_in}, c0, c1, conv1_out);
  else Apply(b.conv1, {x_prev, x_cur}, c0, c1, conv1_out);
  const In c_prev{cc.At(prev, 0, 0), ring_tile, static_cast<size_t>(2 * f), window};
  const In c_cur{cc.At(cur, 0, 0), ring_tile, static_cast<size_t>(2 * f), window};
  Apply(b.conv2, {c_prev, c_cur}, c0, c1, [&](int ti, int j, const int32_t* a) {
    Out16(b.conv2, a, tmp16.data());
    Gate(b, x + At(ti, wl, j), tmp16.data(), out + At(ti, wl, j));
  });
}

// The up pass of the vertical stream at level l, row r: the u list and the ring.
void EngineModel::Impl::UpURow(int l, int r) {
  Level& L = lv[l];
  const int wl = L.w;
  int16_t* u0 = L.u_up[0].data();
  auto store = [&](const Dense& d) {
    return [&](int ti, int j, const int32_t* a) { Out16(d, a, u0 + At(ti, wl, j)); };
  };
  if (l == 0) {
    if (r == 0) {
      std::fill(L.u_up[0].v.begin(), L.u_up[0].v.end(), 0);  // DownShift: row 0 sees nothing, not even the bias
    } else {
      // canvas rows r, r + 1 (image rows r - 2, r - 1), columns j .. j + 2 (image j - 1 .. j + 1)
      Apply(u_init, {In{CanvasRow(r), CanvasTile(), 4, 12}, In{CanvasRow(r + 1), CanvasTile(), 4, 12}}, 0, wl,
            store(u_init));
    }
  } else {
    Level& P = lv[l - 1];
    // level l - 1 rows 2r - 1, 2r; columns 2j - 1 .. 2j + 1 (ring indices 2j .. 2j + 2)
    const size_t tile = P.u_ring.TileStride(), col = 2 * static_cast<size_t>(f);
    Apply(ds_u[l - 1],
          {In{P.u_ring.At((2 * r - 1) & 1, 0, 0), tile, col, 3 * f}, In{P.u_ring.At(0, 0, 0), tile, col, 3 * f}}, 0,
          wl, store(ds_u[l - 1]));
  }
  for (int i = 0; i < n; ++i) Block(up_u[l][i], r, 0, wl, L.u_up[i].data(), {}, L.u_up[i + 1].data());
  const int16_t* last = L.u_up[n].data();
  for (int ti = 0; ti < t; ++ti) {
    for (int j = 0; j < wl; ++j) std::memcpy(L.u_ring.At(r & 1, ti, j + 1), last + At(ti, wl, j), f * sizeof(int16_t));
  }
}

// The down pass of the vertical stream at level l, row r, and its up-sampling
// into the two rows of level l - 1.
void EngineModel::Impl::DownURow(int l, int r) {
  Level& L = lv[l];
  const int wl = L.w;
  int skip = n;  // the u list is consumed from its end
  const int16_t* u = l == 2 ? L.u_up[skip--].data() : L.u_deconv.At(r & 1, 0, 0);
  for (size_t i = 0; i < down_u[l].size(); ++i) {
    Block(down_u[l][i], r, 0, wl, u, {L.u_up[skip--].data()}, L.u_down[i].data());
    u = L.u_down[i].data();
  }
  if (l == 0) return;
  Level& P = lv[l - 1];
  // Stride-2 2x3 transposed convolution, cropped: output row 2r + dy takes
  // kernel row dy; even column 2m takes input m (tap 1), odd 2m + 1 takes
  // inputs m (tap 2) and m + 1 (tap 0), zero past the edge (u_pad's last column).
  for (int ti = 0; ti < t; ++ti)
    std::memcpy(&L.u_pad.v[static_cast<size_t>(ti) * (wl + 1) * f], u + At(ti, wl, 0), wl * f * sizeof(int16_t));
  const size_t tile = static_cast<size_t>(wl + 1) * f;
  for (int dy = 0; dy < 2; ++dy) {
    for (int odd = 0; odd < 2; ++odd) {
      const Dense& d = us_u[l - 1][2 * dy + odd];
      Apply(d, {In{L.u_pad.data(), tile, static_cast<size_t>(f), (1 + odd) * f}}, 0, wl,
            [&](int ti, int m, const int32_t* a) { Out16(d, a, P.u_deconv.At(dy, ti, 2 * m + odd)); });
    }
  }
}

void EngineModel::Impl::StartRow(int r) {
  // The vertical part of ul_init for this row: canvas row r + 1 (image row r - 1).
  if (r == 0) {
    std::fill(ul_init_v_acc.begin(), ul_init_v_acc.end(), 0);
  } else {
    Apply(ul_init_v, {In{CanvasRow(r + 1), CanvasTile(), 4, 12}}, 0, w, [&](int ti, int j, const int32_t* a) {
      int32_t* out = &ul_init_v_acc[At(ti, w, j)];
      for (int o = 0; o < f; ++o) out[o] = a[o] + ul_init_v.bias[o];
    });
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

// The horizontal stream of level l at row r, columns [c0, c1): its up pass,
// the lower levels' columns that become computable there, its down pass, and
// the up-sampling into level l - 1 (or, at level 0, the output layer).
void EngineModel::Impl::Horizontal(int l, int r, int c0, int c1) {
  if (c0 >= c1) return;
  Level& L = lv[l];
  const int wl = L.w;
  int16_t* ul0 = L.ul_up[0].data();
  if (l == 0) {
    // canvas rows r + 1, r + 2 (image rows r - 1, r), column j (image j - 1),
    // on top of the row's vertical part; column 0 sees only the vertical part.
    Apply(ul_init_h, {In{CanvasRow(r + 1), CanvasTile(), 4, 4}, In{CanvasRow(r + 2), CanvasTile(), 4, 4}}, c0, c1,
          [&](int ti, int j, const int32_t* a) {
            const int32_t* v = &ul_init_v_acc[At(ti, w, j)];
            int16_t* out = ul0 + At(ti, w, j);
            if (j > 0) {
              for (int o = 0; o < f; ++o)
                out[o] = Clamp16(RoundShift64(static_cast<int64_t>(v[o]) + a[o] + ul_init_h.bias[o], ul_init_h.shift[o]));
            } else {
              for (int o = 0; o < f; ++o) out[o] = Clamp16(RoundShift64(v[o], ul_init_v.shift[o]));
            }
            Hash(ul_init_h.hash_id, out, f * sizeof(int16_t));
          });
  } else {
    Level& P = lv[l - 1];
    // level l - 1 rows 2r - 1, 2r, columns 2j - 1, 2j (ring indices 2j, 2j + 1)
    const size_t tile = P.ul_ring.TileStride(), col = 2 * static_cast<size_t>(f);
    const Dense& d = ds_ul[l - 1];
    Apply(d, {In{P.ul_ring.At((2 * r - 1) & 1, 0, 0), tile, col, 2 * f}, In{P.ul_ring.At(0, 0, 0), tile, col, 2 * f}},
          c0, c1, [&](int ti, int j, const int32_t* a) { Out16(d, a, ul0 + At(ti, wl, j)); });
  }
  for (int i = 0; i < n; ++i)
    Block(up_ul[l][i], r, c0, c1, L.ul_up[i].data(), {L.u_up[i + 1].data()}, L.ul_up[i + 1].data());
  const int16_t* last = L.ul_up[n].data();
  for (int ti = 0; ti < t; ++ti) {
    for (int j = c0; j < c1; ++j)
      std::memcpy(L.ul_ring.At(r & 1, ti, j + 1), last + At(ti, wl, j), f * sizeof(int16_t));
  }
  // Level l + 1's column j needs columns 2j - 1 and 2j here.
  if (l < 2 && r % 2 == 0) Horizontal(l + 1, r / 2, (c0 + 1) / 2, (c1 + 1) / 2);
  int skip = n;  // the ul list is consumed from its end
  const int16_t* ul = l == 2 ? L.ul_up[skip--].data() : L.ul_deconv.At(r & 1, 0, 0);
  for (size_t i = 0; i < down_ul[l].size(); ++i) {
    Block(down_ul[l][i], r, c0, c1, ul, {L.u_down[i].data(), L.ul_up[skip--].data()}, L.ul_down[i].data());
    ul = L.ul_down[i].data();
  }
  if (l > 0) {
    // Stride-2 2x2 transposed convolution: each output has exactly one input.
    Level& P = lv[l - 1];
    for (int q = 0; q < 4; ++q) {
      const Dense& d = us_ul[l - 1][q];
      Apply(d, {In{ul, static_cast<size_t>(wl) * f, static_cast<size_t>(f), f}}, c0, c1,
            [&](int ti, int j, const int32_t* a) { Out16(d, a, P.ul_deconv.At(q / 2, ti, 2 * j + q % 2)); });
    }
    return;
  }
  // Output layer on elu(ul): int32 Q16 mixture parameters.
  int16_t* elu = aux_ce.data();
  for (int ti = 0; ti < t; ++ti) {
    for (int j = c0; j < c1; ++j) {
      const int16_t* in = ul + At(ti, w, j);
      int16_t* out = elu + At(ti, w, j);
      for (int i = 0; i < f; ++i) out[i] = in[i] >= 0 ? in[i] : elu_neg[e_final][-in[i]];
    }
  }
  Apply(out_nin, {In{elu, static_cast<size_t>(w) * f, static_cast<size_t>(f), f}}, c0, c1,
        [&](int ti, int j, const int32_t* a) {
          int32_t* p = &raw[(static_cast<size_t>(ti) * w + j) * params];
          for (int o = 0; o < params; ++o) {
            const int64_t v = RoundShift64(static_cast<int64_t>(a[o]) + out_nin.bias[o], out_nin.shift[o]);
            p[o] = static_cast<int32_t>(std::min<int64_t>(std::max<int64_t>(v, -(int64_t{1} << 30)), int64_t{1} << 30));
          }
          Hash(out_nin.hash_id, p, params * sizeof(int32_t));
        });
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
  s.gemm = GemmFor(s.kernel);
  s.epi = EpiloguesFor(s.kernel);
  s.hash_layers = options.hash_layers;
  PICNIC_RETURN_IF_ERROR(s.Load());
  return m;
}

std::string EngineModel::name() const { return impl_->weights.name; }
uint64_t EngineModel::fingerprint() const { return impl_->weights.fingerprint; }
KernelPath EngineModel::kernel() const { return impl_->kernel; }
const int32_t* EngineModel::RawParams(int tile, int x) const {
  const Impl& s = *impl_;
  return &s.raw[(static_cast<size_t>(tile) * s.w + x) * s.params];
}

std::map<std::string, uint64_t> EngineModel::LayerHashes() const {
  std::map<std::string, uint64_t> out;
  for (size_t i = 0; i < impl_->hash_names.size(); ++i) out[impl_->hash_names[i]] = impl_->hashes[i];
  return out;
}

namespace {

Status CheckBatch(const std::vector<TileShape>& tiles, int color_channels, const ImageAdaptation& a) {
  if (!a.empty() && a.channels != color_channels)
    return Status(StatusCode::kCorrupt, "per-image model parameters are for " + std::to_string(a.channels) +
                                            " channels, the image has " + std::to_string(color_channels));
  if (tiles.empty()) return Status(StatusCode::kInternal, "empty tile batch");
  if (color_channels != 1 && color_channels != 3) return Status(StatusCode::kInternal, "colour channels must be 1 or 3");
  for (const auto& s : tiles) {
    if (s.width < 1 || s.height < 1) return Status(StatusCode::kInternal, "empty tile");
  }
  return Status::Ok();
}

}  // namespace

Status EngineModel::Begin(const std::vector<TileShape>& tiles, int color_channels) {
  PICNIC_RETURN_IF_ERROR(CheckBatch(tiles, color_channels, impl_->adaptation));
  impl_->color_channels = color_channels;
  impl_->known = false;
  impl_->BeginBatch(tiles);
  return Status::Ok();
}

Status EngineModel::BeginKnown(const std::vector<TileRect>& rects, const Image& image) {
  std::vector<TileShape> tiles;
  for (const TileRect& r : rects) {
    if (r.x0 < 0 || r.y0 < 0 || r.width > image.width - r.x0 || r.height > image.height - r.y0)
      return Status(StatusCode::kInternal, "tile outside the image");
    tiles.push_back(TileShape{r.width, r.height});
  }
  const int cc = NumColorChannels(image.layout);
  PICNIC_RETURN_IF_ERROR(CheckBatch(tiles, cc, impl_->adaptation));
  Impl& s = *impl_;
  s.color_channels = cc;
  s.known = true;
  s.BeginBatch(tiles);
  // What Observe would write, all at once (gray: G = B = R in the input).
  for (int ti = 0; ti < s.t; ++ti) {
    const TileRect& r = rects[ti];
    for (int y = 0; y < r.height; ++y) {
      for (int x = 0; x < r.width; ++x) {
        int16_t* p = &s.canvas[((static_cast<size_t>(ti) * (s.h + 2) + y + 2) * (s.w + 2) + x + 1) * 4];
        for (int ch = 0; ch < 3; ++ch)
          p[ch] = static_cast<int16_t>(2 * image.at(r.y0 + y, r.x0 + x, cc == 1 ? 0 : ch) - 255);
      }
    }
  }
  return Status::Ok();
}

Status EngineModel::Predict(int y, int x, int c, const std::vector<int>& tile_ids, Distribution* out) {
  Impl& s = *impl_;
  if (c == 0) {
    if (y < s.row || (y == s.row && x <= s.col) || y >= s.h || x >= s.w || x < 0)
      return Status(StatusCode::kInternal, "engine: positions must advance in raster order");
    if (s.known) {
      if (y > s.row) {
        s.row = y;
        s.StartRow(y);
        s.Horizontal(0, y, 0, s.w);
      }
      s.col = x;
    } else {
      while (s.row < y) {
        s.StartRow(++s.row);
        s.col = -1;
      }
      while (s.col < x) {
        ++s.col;
        s.Horizontal(0, y, s.col, s.col + 1);
      }
    }
  }
  for (size_t i = 0; i < tile_ids.size(); ++i) {
    const int ti = tile_ids[i];
    out[i].kind = Distribution::Kind::kIntMixture;
    out[i].int_mixture = IntChannelMixture(RawParams(ti, x), s.k, c, &s.decoded[ti * 3]);
    if (!s.adaptation.empty()) s.adaptation.Apply(c, &out[i].int_mixture);
  }
  return Status::Ok();
}

Result<std::vector<int64_t>> EngineModel::Study(const std::vector<TileRect>& rects, const Image& image, int effort) {
  Impl& s = *impl_;
  // The statistics are of the model as shipped: offsets are applied only in
  // Predict, and studying reads the raw parameters directly.
  AdaptationStudy study(effort);
  std::vector<TileRect> studied;
  for (size_t i = 0; i < rects.size(); ++i) {
    if (study.StudiesTile(static_cast<int>(i))) studied.push_back(rects[i]);
  }
  PICNIC_RETURN_IF_ERROR(BeginKnown(studied, image));
  const int cc = s.color_channels;
  int max_h = 0;
  for (const TileRect& r : studied) max_h = std::max(max_h, r.height);
  uint8_t px[3];
  uint64_t pixels = 0, sampled = 0;
  for (const TileRect& r : rects) pixels += static_cast<uint64_t>(r.width) * r.height;
  for (int y = 0; y < max_h; ++y) {
    s.row = y;
    s.StartRow(y);
    s.Horizontal(0, y, 0, s.w);
    for (int ti = 0; ti < s.t; ++ti) {
      const TileRect& r = studied[ti];
      if (y >= r.height) continue;
      for (int x = 0; x < r.width; ++x) {
        if (!study.Sampled(ti, y, x)) continue;
        ++sampled;
        for (int c = 0; c < cc; ++c) px[c] = image.at(r.y0 + y, r.x0 + x, c);
        if (cc == 1) px[1] = px[2] = px[0];
        for (int c = 0; c < cc; ++c) study.Add(c, IntChannelMixture(RawParams(ti, x), s.k, c, px), px[c]);
      }
    }
  }
  study.Count(sampled, pixels);
  s.row = s.h;  // the batch is spent: Begin again before Predict
  return std::move(study.stats());
}

Result<std::vector<uint8_t>> EngineModel::ChooseAdaptation(const std::vector<int64_t>& stats, int effort) {
  // A gray image's statistics have nothing for channels 1 and 2.
  bool colour = false;
  const size_t third = (stats.size() - 2) / 3;
  for (size_t i = third; i < 3 * third; ++i) colour |= stats[i] != 0;
  return AdaptationStudy::Choose(stats, effort, colour ? 3 : 1).Serialize();
}

Status EngineModel::Adapt(const std::vector<uint8_t>& params) {
  PICNIC_ASSIGN_OR_RETURN(impl_->adaptation, ImageAdaptation::Parse(params));
  return Status::Ok();
}

Status EngineModel::Observe(int y, int x, int c, const std::vector<int>& tile_ids, const uint8_t* values) {
  Impl& s = *impl_;
  for (size_t i = 0; i < tile_ids.size(); ++i) {
    uint8_t* px = &s.decoded[tile_ids[i] * 3];
    px[c] = values[i];
    if (s.color_channels == 1) px[1] = px[2] = values[i];  // gray: G = B = R in the input
  }
  if (c + 1 < s.color_channels || s.known) return Status::Ok();
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
    return Status(StatusCode::kModelNotFound, "file was encoded with model " + name + " (fingerprint " +
                                                  FingerprintHex(fingerprint) +
                                                  "), which is not installed; put its weights in the weights "
                                                  "folder or set PICNIC_WEIGHTS_DIR");
  };
}

}  // namespace picnic
