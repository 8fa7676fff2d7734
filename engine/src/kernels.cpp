// The scalar reference (the definition of the arithmetic) and the path
// selection. The SIMD paths live in kernels_x86.cpp, compiled per ISA.
#include "kernels.h"

#include <cstdlib>
#include <cstring>
#include <string>

namespace picnic {

#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-vectorize")))
#endif
void MatVecScalar(const int16_t* x, const int16_t* packed, int k_pairs, int o_pad, int32_t* acc) {
  for (int o = 0; o < o_pad; ++o) acc[o] = 0;
  for (int kp = 0; kp < k_pairs; ++kp) {
    const int32_t x0 = x[2 * kp], x1 = x[2 * kp + 1];
    const int16_t* row = packed + static_cast<size_t>(kp) * o_pad * 2;
#if defined(__clang__)
#pragma clang loop vectorize(disable)
#endif
    for (int o = 0; o < o_pad; ++o) acc[o] += x0 * row[2 * o] + x1 * row[2 * o + 1];
  }
}

#if !defined(__x86_64__)
void MatVecAvx2(const int16_t* x, const int16_t* p, int k, int o, int32_t* a) { MatVecScalar(x, p, k, o, a); }
void MatVecAvx512(const int16_t* x, const int16_t* p, int k, int o, int32_t* a) { MatVecScalar(x, p, k, o, a); }
void MatVecAvx512Vnni(const int16_t* x, const int16_t* p, int k, int o, int32_t* a) { MatVecScalar(x, p, k, o, a); }
#endif

MatVecFn MatVecFor(KernelPath p) {
  switch (p) {
    case KernelPath::kAvx2: return MatVecAvx2;
    case KernelPath::kAvx512: return MatVecAvx512;
    case KernelPath::kAvx512Vnni: return MatVecAvx512Vnni;
    case KernelPath::kScalar: break;
  }
  return MatVecScalar;
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
  if (env == nullptr || *env == 0) {
    // AVX2 when the CPU has it: on this project's Xeon the 512-bit paths
    // measured 2-6 % slower (engine_bench, README); all give the same bytes.
    for (KernelPath p : paths) {
      if (p == KernelPath::kAvx2) return p;
    }
    return paths.back();
  }
  std::string names;
  for (KernelPath p : paths) {
    if (std::strcmp(env, KernelPathName(p)) == 0) return p;
    names += std::string(names.empty() ? "" : ", ") + KernelPathName(p);
  }
  return Status(StatusCode::kInvalidArgument, std::string("PICNIC_ENGINE_KERNEL=") + env +
                                                  " is not a kernel path this CPU can run (" + names + ")");
}

}  // namespace picnic
