#include "picnic/incremental.h"

#include "torch_errors.h"

namespace picnic {
namespace {

torch::Tensor Ce(const torch::Tensor& x) { return torch::elu(torch::cat({x, -x}, 1)); }

// Two-row ring [T, C, 2, W']: row 1 is the current row, row 0 the one above.
void ShiftRows(torch::Tensor& ring) { ring.select(2, 0).copy_(ring.select(2, 1)); }

// A convolution evaluated at a single position, as a matrix product with
// the kernel flattened in (in, kh, kw) order.
struct PointConv {
  torch::Tensor w_t;  // [in * kh * kw, out]
  torch::Tensor b;    // [out]
  PointConv() = default;
  explicit PointConv(const torch::nn::Conv2d& conv)
      : w_t(conv->weight.detach().reshape({conv->weight.size(0), -1}).t().contiguous()),
        b(conv->bias.detach()) {}
  torch::Tensor operator()(const torch::Tensor& x) const { return torch::addmm(b, x, w_t); }  // [T, in*kh*kw] -> [T, out]
};

// A gated residual block of the vertical stream, one row at a time.
struct RowBlock {
  GatedResnet m{nullptr};
  torch::Tensor ce_x, ce_c1;  // rings of concat_elu inputs [T, 2C, 2, W + 2]

  void Reset(int64_t t, int64_t c, int64_t w) {
    ce_x = torch::zeros({t, 2 * c, 2, w + 2});
    ce_c1 = torch::zeros({t, 2 * c, 2, w + 2});
  }
  // x: [T, C, 1, W], a: [T, Ca, 1, W] or undefined. Returns [T, C, 1, W].
  torch::Tensor Row(const torch::Tensor& x, const torch::Tensor& a) {
    const int64_t w = x.size(3);
    ShiftRows(ce_x);
    ce_x.select(2, 1).narrow(2, 1, w).copy_(Ce(x).squeeze(2));
    torch::Tensor c1 = m->conv1_v->conv(ce_x);
    if (a.defined()) c1 = c1 + m->nin_aux(Ce(a));
    ShiftRows(ce_c1);
    ce_c1.select(2, 1).narrow(2, 1, w).copy_(Ce(c1).squeeze(2));
    auto halves = m->conv2_v->conv(ce_c1).chunk(2, 1);
    return x + halves[0] * torch::sigmoid(halves[1]);
  }
};

// A gated residual block of the horizontal stream, one position at a time.
struct PosBlock {
  PointConv conv1, conv2, nin;
  bool has_aux = false;
  torch::Tensor ce_x, ce_c1;  // rings [T, 2C, 2, W + 1], column c at index c + 1

  void Init(const GatedResnet& m) {
    conv1 = PointConv(m->conv1_h->conv);
    conv2 = PointConv(m->conv2_h->conv);
    has_aux = !m->nin_aux.is_empty();
    if (has_aux) nin = PointConv(m->nin_aux);
  }
  void Reset(int64_t t, int64_t c, int64_t w) {
    ce_x = torch::zeros({t, 2 * c, 2, w + 1});
    ce_c1 = torch::zeros({t, 2 * c, 2, w + 1});
  }
  void NewRow() {
    ShiftRows(ce_x);
    ShiftRows(ce_c1);
  }
  // x: [T, C], a: [T, Ca]. Returns [T, C].
  torch::Tensor At(int64_t col, const torch::Tensor& x, const torch::Tensor& a) {
    const int64_t t = x.size(0);
    ce_x.select(2, 1).select(2, col + 1).copy_(Ce(x));
    torch::Tensor c1 = conv1(ce_x.narrow(3, col, 2).reshape({t, -1}));
    if (a.defined()) c1 = c1 + nin(Ce(a));
    ce_c1.select(2, 1).select(2, col + 1).copy_(Ce(c1));
    auto halves = conv2(ce_c1.narrow(3, col, 2).reshape({t, -1})).chunk(2, 1);
    return x + halves[0] * torch::sigmoid(halves[1]);
  }
};

torch::Tensor Col(const torch::Tensor& row, int64_t col) { return row.select(2, 0).select(2, col); }  // [T,C,1,W] -> [T,C]

}  // namespace

struct IncrementalPixelCnn::State {
  struct Level {
    int64_t w = 0;
    std::vector<RowBlock> up_u, down_u;
    std::vector<PosBlock> up_ul, down_ul;
    torch::Tensor u_ring;     // up-pass output, for the next level's down-sampling [T, C, 2, W + 2]
    torch::Tensor ul_ring;    // likewise for ul [T, C, 2, W + 1]
    torch::Tensor u_deconv;   // rows up-sampled from the level below [T, C, 2, W], slot = row % 2
    torch::Tensor ul_deconv;  // [T, C, 2, W]
    std::vector<torch::Tensor> u_up;    // this row's up-pass u list [T, C, 1, W]
    std::vector<torch::Tensor> u_down;  // this row's down-pass block outputs
  };
  int64_t t = 0, h = 0, w = 0, c = 0, n = 0;
  torch::Tensor canvas;      // input + constant channel, padded: [T, 4, H + 2, W + 2]
  torch::Tensor ul_init_v;   // this row's vertical part of ul_init [T, C, 1, W]
  PointConv ul_init_h, ds_ul[2], out_nin;
  torch::Tensor deconv_ul_w[2], deconv_ul_b[2];  // [Cin, Cout * 4], [Cout]
  Level lv[kLevels];
  int64_t row = -1, col = -1;  // last position stepped
};

IncrementalPixelCnn::IncrementalPixelCnn(PixelCnn net) : net_(std::move(net)), s_(new State) {
  net_->eval();
  State& s = *s_;
  const auto& cfg = net_->config();
  s.n = cfg.nr_resnet;
  s.c = cfg.nr_filters;
  torch::NoGradGuard no_grad;
  s.ul_init_h = PointConv(net_->ul_init_h->conv);
  s.ds_ul[0] = PointConv(net_->downsample_ul1->conv);
  s.ds_ul[1] = PointConv(net_->downsample_ul2->conv);
  s.out_nin = PointConv(net_->out_nin);
  // deconv_ul_w[l] up-samples from level l + 1 to level l.
  for (int l = 0; l < 2; ++l) {
    const auto& d = l == 0 ? net_->upsample_ul2->deconv : net_->upsample_ul1->deconv;
    s.deconv_ul_w[l] = d->weight.detach().reshape({d->weight.size(0), -1}).contiguous();
    s.deconv_ul_b[l] = d->bias.detach();
  }
  const int n = static_cast<int>(s.n);
  for (int l = 0; l < kLevels; ++l) {
    State::Level& L = s.lv[l];
    for (int k = 0; k < n; ++k) {
      RowBlock rb;
      rb.m = GatedResnet(net_->up_u->ptr<GatedResnetImpl>(l * n + k));
      L.up_u.push_back(rb);
      PosBlock pb;
      pb.Init(GatedResnet(net_->up_ul->ptr<GatedResnetImpl>(l * n + k)));
      L.up_ul.push_back(pb);
    }
    // Down pass blocks: level 2 first (n), then level 1 (n + 1), then level 0 (n + 1).
    const int first = l == 2 ? 0 : (l == 1 ? n : 2 * n + 1);
    const int count = l == 2 ? n : n + 1;
    for (int k = 0; k < count; ++k) {
      RowBlock rb;
      rb.m = GatedResnet(net_->down_u->ptr<GatedResnetImpl>(first + k));
      L.down_u.push_back(rb);
      PosBlock pb;
      pb.Init(GatedResnet(net_->down_ul->ptr<GatedResnetImpl>(first + k)));
      L.down_ul.push_back(pb);
    }
  }
}

IncrementalPixelCnn::~IncrementalPixelCnn() = default;

Status IncrementalPixelCnn::Begin(int64_t batch, int64_t height, int64_t width, const torch::Tensor& mask) {
  if (height % 4 != 0 || width % 4 != 0 || height < 4 || width < 4 || batch < 1) {
    return Status(StatusCode::kInvalidArgument,
                  "IncrementalPixelCnn: canvas sides must be positive multiples of 4, batch >= 1");
  }
  try {
    State& s = *s_;
    s.t = batch;
    s.h = height;
    s.w = width;
    s.row = -1;
    s.col = -1;
    s.canvas = torch::zeros({batch, 4, height + 2, width + 2});
    s.canvas.narrow(1, 3, 1).narrow(2, 2, height).narrow(3, 1, width).copy_(mask);
    for (int l = 0; l < kLevels; ++l) {
      State::Level& L = s.lv[l];
      L.w = width >> l;
      for (auto& b : L.up_u) b.Reset(batch, s.c, L.w);
      for (auto& b : L.down_u) b.Reset(batch, s.c, L.w);
      for (auto& b : L.up_ul) b.Reset(batch, s.c, L.w);
      for (auto& b : L.down_ul) b.Reset(batch, s.c, L.w);
      L.u_ring = torch::zeros({batch, s.c, 2, L.w + 2});
      L.ul_ring = torch::zeros({batch, s.c, 2, L.w + 1});
      L.u_deconv = torch::zeros({batch, s.c, 2, L.w});
      L.ul_deconv = torch::zeros({batch, s.c, 2, L.w});
    }
    return Status::Ok();
  } catch (...) {
    return CurrentTorchError("starting the incremental evaluator");
  }
}

void IncrementalPixelCnn::SetPixel(int64_t y, int64_t x, const torch::Tensor& values) {
  s_->canvas.narrow(1, 0, 3).select(2, y + 2).select(2, x + 1).copy_(values);
}

// The schedule (the header's comment): row r of level 0 starts every row,
// of level 1 every second row, of level 2 every fourth. At the start of a
// row every level that starts one computes its vertical stream's row, up
// pass from fine to coarse, then down pass from coarse to fine (the down
// pass of level l takes level l + 1's up-sampled rows). Then the
// horizontal stream goes pixel by pixel at level 0, descending into level
// l + 1 at even row and column of level l.

void IncrementalPixelCnn::UpPassRow(int l, int64_t r) {
  State& s = *s_;
  State::Level& L = s.lv[l];
  torch::Tensor u;
  if (l == 0) {
    u = r == 0 ? torch::zeros({s.t, s.c, 1, L.w}) : net_->u_init->conv(s.canvas.narrow(2, r, 2));
  } else {
    u = (l == 1 ? net_->downsample_u1 : net_->downsample_u2)->conv(s.lv[l - 1].u_ring);
  }
  L.u_up.assign(1, u);  // the skip list the down pass consumes
  for (auto& b : L.up_u) {
    u = b.Row(u, {});
    L.u_up.push_back(u);
  }
  ShiftRows(L.u_ring);
  L.u_ring.select(2, 1).narrow(2, 1, L.w).copy_(u.squeeze(2));
}

void IncrementalPixelCnn::DownPassRow(int l, int64_t r) {
  State& s = *s_;
  State::Level& L = s.lv[l];
  std::vector<torch::Tensor> skips = L.u_up;
  torch::Tensor u;
  if (l == kLevels - 1) {
    u = skips.back();
    skips.pop_back();
  } else {
    u = L.u_deconv.narrow(2, r % 2, 1);
  }
  L.u_down.clear();
  for (auto& b : L.down_u) {
    u = b.Row(u, skips.back());
    skips.pop_back();
    L.u_down.push_back(u);
  }
  if (l > 0) {
    torch::Tensor d = (l == 1 ? net_->upsample_u2 : net_->upsample_u1)->deconv(u);  // [T, C, 3, 2W + 2]
    s.lv[l - 1].u_deconv.copy_(d.narrow(2, 0, 2).narrow(3, 1, 2 * L.w));
  }
}

void IncrementalPixelCnn::StartRow(int64_t r) {
  State& s = *s_;
  for (int l = 0; l < kLevels; ++l) {
    if (r % (int64_t{1} << l) != 0) continue;
    for (auto& b : s.lv[l].up_ul) b.NewRow();
    for (auto& b : s.lv[l].down_ul) b.NewRow();
    ShiftRows(s.lv[l].ul_ring);
  }
  s.ul_init_v = r == 0 ? torch::zeros({s.t, s.c, 1, s.w}) : net_->ul_init_v->conv(s.canvas.narrow(2, r + 1, 1));
  UpPassRow(0, r);
  if (r % 2 == 0) UpPassRow(1, r / 2);
  if (r % 4 == 0) {
    UpPassRow(2, r / 4);
    DownPassRow(2, r / 4);
  }
  if (r % 2 == 0) DownPassRow(1, r / 2);
  DownPassRow(0, r);
}

torch::Tensor IncrementalPixelCnn::HorizontalAt(int l, int64_t r, int64_t c) {
  State& s = *s_;
  State::Level& L = s.lv[l];
  const int64_t t = s.t;
  torch::Tensor ul;
  if (l == 0) {
    ul = Col(s.ul_init_v, c);
    if (c > 0) ul = ul + s.ul_init_h(s.canvas.narrow(2, r + 1, 2).select(3, c).reshape({t, -1}));
  } else {
    ul = s.ds_ul[l - 1](s.lv[l - 1].ul_ring.narrow(3, 2 * c, 2).reshape({t, -1}));
  }
  std::vector<torch::Tensor> skips{ul};
  for (size_t k = 0; k < L.up_ul.size(); ++k) {
    ul = L.up_ul[k].At(c, ul, Col(L.u_up[k + 1], c));
    skips.push_back(ul);
  }
  L.ul_ring.select(2, 1).select(2, c + 1).copy_(ul);
  if (l + 1 < kLevels && r % 2 == 0 && c % 2 == 0) CoarserAt(l + 1, r / 2, c / 2);
  if (l == kLevels - 1) {
    ul = skips.back();
    skips.pop_back();
  } else {
    ul = L.ul_deconv.select(2, r % 2).select(2, c);
  }
  for (size_t k = 0; k < L.down_ul.size(); ++k) {
    ul = L.down_ul[k].At(c, ul, torch::cat({Col(L.u_down[k], c), skips.back()}, 1));
    skips.pop_back();
  }
  return ul;
}

void IncrementalPixelCnn::CoarserAt(int l, int64_t r, int64_t c) {
  State& s = *s_;
  const torch::Tensor ul = HorizontalAt(l, r, c);
  // Each output position of the stride-2 2x2 transposed convolution has
  // exactly one input position.
  const int d = l - 1;
  torch::Tensor up = torch::mm(ul, s.deconv_ul_w[d]).view({s.t, s.c, 2, 2}) + s.deconv_ul_b[d].view({1, s.c, 1, 1});
  s.lv[l - 1].ul_deconv.narrow(3, 2 * c, 2).copy_(up);
}

Result<torch::Tensor> IncrementalPixelCnn::Step(int64_t y, int64_t x) {
  State& s = *s_;
  if (y < s.row || (y == s.row && x <= s.col) || y >= s.h || x >= s.w || y < 0 || x < 0) {
    return Status(StatusCode::kInvalidArgument, "IncrementalPixelCnn::Step: positions must advance in raster order");
  }
  try {
    torch::NoGradGuard no_grad;
    while (s.row < y) {
      StartRow(++s.row);
      s.col = -1;
    }
    torch::Tensor out;
    while (s.col < x) {
      ++s.col;
      out = s.out_nin(torch::elu(HorizontalAt(0, y, s.col)));
    }
    return out;
  } catch (...) {
    return CurrentTorchError("stepping the incremental evaluator");
  }
}

}  // namespace picnic
