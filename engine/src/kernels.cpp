// The scalar reference (the definition of the arithmetic) and the path
// selection. The SIMD paths live in kernels_x86.cpp, compiled per ISA.
#include "kernels.h"

#include "picnic/fixed_math.h"

#include <cstdlib>
#include <cstring>
#include <string>

namespace picnic {

#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-vectorize")))
#endif
void GemmScalar(const GemmSeg* segs, int nsegs, int rows, const int16_t* packed, int o_pad, int32_t* acc,
                size_t acc_stride) {
  for (int m = 0; m < rows; ++m) {
    int32_t* a = acc + static_cast<size_t>(m) * acc_stride;
    for (int o = 0; o < o_pad; ++o) a[o] = 0;
    const int16_t* wrow = packed;
    for (int s = 0; s < nsegs; ++s) {
      const int16_t* x = segs[s].x + static_cast<size_t>(m) * segs[s].stride;
      for (int kp = 0; kp < segs[s].k / 2; ++kp, wrow += static_cast<size_t>(o_pad) * 2) {
        const int32_t x0 = x[2 * kp], x1 = x[2 * kp + 1];
#if defined(__clang__)
#pragma clang loop vectorize(disable)
#endif
        for (int o = 0; o < o_pad; ++o) a[o] += x0 * wrow[2 * o] + x1 * wrow[2 * o + 1];
      }
    }
  }
}

#if !defined(__x86_64__)
void GemmAvx2(const GemmSeg* s, int n, int r, const int16_t* p, int o, int32_t* a, size_t as) {
  GemmScalar(s, n, r, p, o, a, as);
}
void GemmAvx512(const GemmSeg* s, int n, int r, const int16_t* p, int o, int32_t* a, size_t as) {
  GemmScalar(s, n, r, p, o, a, as);
}
void GemmAvx512Vnni(const GemmSeg* s, int n, int r, const int16_t* p, int o, int32_t* a, size_t as) {
  GemmScalar(s, n, r, p, o, a, as);
}
#endif

GemmFn GemmFor(KernelPath p) {
  switch (p) {
    case KernelPath::kAvx2: return GemmAvx2;
    case KernelPath::kAvx512: return GemmAvx512;
    case KernelPath::kAvx512Vnni: return GemmAvx512Vnni;
    case KernelPath::kScalar: break;
  }
  return GemmScalar;
}

namespace {

int16_t Clamp(int64_t v, int32_t act_max) {
  return static_cast<int16_t>(v < -act_max ? -act_max : v > act_max ? act_max : v);
}

void Requant16Scalar(const int32_t* acc, const Requant& r, int n, int32_t act_max, int16_t* out) {
  for (int o = 0; o < n; ++o) out[o] = Clamp(fixed::RoundShift64(static_cast<int64_t>(acc[o]) + r.bias[o], r.shift[o]), act_max);
}

void ConcatEluScalar(const int16_t* in, int n, const int16_t* neg_table, int16_t* pos, int16_t* neg) {
  for (int i = 0; i < n; ++i) {
    const int16_t v = in[i];  // |v| <= act_max
    pos[i] = v >= 0 ? v : neg_table[-v];
    neg[i] = v <= 0 ? static_cast<int16_t>(-v) : neg_table[v];
  }
}

void GateScalar(const int16_t* x, const int16_t* h1, const int16_t* h2, int n, const uint16_t* sig, int x_shift,
                int g_shift, int32_t act_max, int16_t* out) {
  for (int i = 0; i < n; ++i) {
    const int64_t g = fixed::RoundShift64(static_cast<int64_t>(h1[i]) * sig[h2[i]], g_shift);
    out[i] = Clamp(fixed::RoundShift64(x[i], x_shift) + g, act_max);
  }
}

}  // namespace

#if !defined(__x86_64__)
EpilogueFns EpiloguesAvx2() { return EpilogueFns{Requant16Scalar, ConcatEluScalar, GateScalar}; }
#endif

EpilogueFns EpiloguesFor(KernelPath p) {
  if (p == KernelPath::kScalar) return EpilogueFns{Requant16Scalar, ConcatEluScalar, GateScalar};
  return EpiloguesAvx2();  // the 512-bit paths too: these are not where the time goes
}

const char* KernelPathName(KernelPath p) {
  switch (p) {
    case KernelPath::kScalar: return "scalar";
    case KernelPath::kAvx2: return "avx2";
    case KernelPath::kAvx512: return "avx512";
    case KernelPath::kAvx512Vnni: return "vnni";
  }
  return "?";
}

std::vector<KernelPath> AvailableKernelPaths() {
  std::vector<KernelPath> out{KernelPath::kScalar};
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) out.push_back(KernelPath::kAvx2);
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")) {
    out.push_back(KernelPath::kAvx512);
    if (__builtin_cpu_supports("avx512vnni")) out.push_back(KernelPath::kAvx512Vnni);
  }
#endif
  return out;
}

Result<KernelPath> DefaultKernelPath() {
  const std::vector<KernelPath> paths = AvailableKernelPaths();
  const char* env = std::getenv("PICNIC_ENGINE_KERNEL");
  // The widest path the CPU has: with the row-wide products, AVX-512 VNNI
  // measured fastest here (engine_bench, README); all give the same bytes.
  if (env == nullptr || *env == 0) return paths.back();
  std::string names;
  for (KernelPath p : paths) {
    if (std::strcmp(env, KernelPathName(p)) == 0) return p;
    names += std::string(names.empty() ? "" : ", ") + KernelPathName(p);
  }
  return Status(StatusCode::kInvalidArgument, std::string("PICNIC_ENGINE_KERNEL=") + env +
                                                  " is not a kernel path this CPU can run (" + names + ")");
}

}  // namespace picnic
