// picnic's exact engine (docs/DESIGN.md, "Determinism"): PixelCNN++ evaluated
// incrementally on integer weights and activations, so that every CDF is a
// pure function of the integer weights file and the pixels, on any CPU,
// SIMD width, thread count, compiler and optimisation level. No LibTorch,
// no float, no libm on the coding path.
//
// Arithmetic (version kEngineArithmeticVersion), defined by the scalar
// reference in engine/src/kernels.cpp and engine_model.cpp:
//   * activations are int16 q standing for q / 2^e, |q| <= act_max, with one
//     exponent e per tensor (stored in the weights file);
//   * an affine layer sums int16 weight x int16 activation products and an
//     int32 bias in an int32 accumulator that the exporter proved cannot
//     overflow (sum |w| * max|a| + |b| < 2^31 per output; the loader checks
//     it again and refuses weights that fail it), then requantizes
//     with the one rule fixed::RoundShift64(acc, shift[o]) and clamps to
//     +-act_max (int32 Q16 mixture parameters for the output layer);
//   * ELU, the gate's sigmoid and everything after the network use
//     picnic/fixed_math.h (tables shipped in the source).
// Integer sums do not depend on their order, so every kernel path (scalar,
// AVX2, AVX-512, AVX-512 VNNI) gives the same numbers; tests compare them
// layer by layer.
#ifndef PICNIC_ENGINE_H_
#define PICNIC_ENGINE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "picnic/probability_model.h"
#include "picnic/status.h"
#include "picnic/visibility.h"

namespace picnic {

// Changes whenever the engine would compute any number differently; it is
// part of every integer weights fingerprint, so a decoder with another
// arithmetic refuses a file by name (kModelNotFound) instead of misdecoding.
constexpr uint32_t kEngineArithmeticVersion = 1;

// ---- Kernel paths ----
enum class KernelPath { kScalar, kAvx2, kAvx512, kAvx512Vnni };
PICNIC_EXPORT const char* KernelPathName(KernelPath p);
// The paths this CPU can run, scalar first.
PICNIC_EXPORT std::vector<KernelPath> AvailableKernelPaths();
// The widest path this CPU has (vnni > avx512 > avx2 > scalar: the fastest
// measured here), or the one PICNIC_ENGINE_KERNEL names
// (scalar, avx2, avx512, vnni); kInvalidArgument if unknown or unavailable.
PICNIC_EXPORT Result<KernelPath> DefaultKernelPath();

// ---- Integer weights (.pnq) ----
// File layout (little-endian):
//   "PICNICQ1", u32 format version (1), u32 arithmetic version,
//   u32 name length + name, u32 metadata length + JSON metadata (free-form
//   export record: source weights, calibration, measured rate cost),
//   then the fingerprinted section:
//     u32 nr_filters, u32 nr_resnet, u32 nr_logistic_mix, u32 act_max,
//     u32 tensor count; per tensor: u32 name length, name, u8 element bytes
//     (1, 2 or 4: int8/int16/int32), u32 ndim, u32 dims, data
//   u64 fingerprint: FNV-1a 64 over the arithmetic version (u32) and the section.
struct IntTensor {
  std::string name;
  int elem_bytes = 4;             // 1, 2 or 4 in the file
  std::vector<uint32_t> dims;
  std::vector<int32_t> data;      // widened in memory
};

struct PICNIC_EXPORT IntWeights {
  std::string name;
  std::string metadata_json;
  std::string path;
  uint32_t arithmetic_version = kEngineArithmeticVersion;
  int nr_filters = 0, nr_resnet = 0, nr_logistic_mix = 0;
  int act_max = 0;
  std::vector<IntTensor> tensors;
  uint64_t fingerprint = 0;

  const IntTensor* Find(const std::string& tensor_name) const;
};

constexpr char kIntWeightsExtension[] = ".pnq";

PICNIC_EXPORT std::vector<uint8_t> SerializeIntWeights(IntWeights* w);  // sets w->fingerprint
PICNIC_EXPORT Status SaveIntWeights(const std::string& path, IntWeights* w);
PICNIC_EXPORT Result<IntWeights> ParseIntWeights(const std::vector<uint8_t>& bytes, const std::string& path);
PICNIC_EXPORT Result<IntWeights> LoadIntWeights(const std::string& path);
// NAME.pnq in the model folders (picnic/model_dirs.h), or a path.
PICNIC_EXPORT Result<std::string> FindIntWeights(const std::string& name_or_path);
PICNIC_EXPORT std::vector<std::string> ListIntWeights();

// ---- The network's data flow, named ----
// Tensor and layer names shared by the engine and the exporter, so the
// exporter knows which exponent feeds which layer. Block names follow the
// LibTorch model's modules: up_u.I, up_ul.I, down_u.I, down_ul.I.
struct BlockSpec {
  std::string name;               // e.g. "down_ul.3"
  bool vertical = false;          // 2x3 down-shifted (u) or 2x2 down-right-shifted (ul)
  int level = 0;                  // 0 full resolution, 1 half, 2 quarter
  std::string input;              // tensor name of x
  std::vector<std::string> aux;   // tensor names concatenated into the nin input (may be empty)
};
struct NetworkSpec {
  std::vector<BlockSpec> blocks;  // in LibTorch module order: up_u, up_ul, down_u, down_ul
  // Inputs of the resampling layers: downsample_u1 <- ..., etc.
  std::map<std::string, std::string> resample_input;
  std::string output_input;       // tensor whose ELU feeds out_nin
};
PICNIC_EXPORT NetworkSpec PixelCnnSpec(int nr_resnet);
// The network halves its input twice, so it runs on a canvas whose sides are
// multiples of 4: the image at the top left, the mask channel over it. The
// one rounding of the engine, the LibTorch model and the evaluator.
constexpr int64_t PixelCnnCanvasSide(int64_t n) { return (n + 3) / 4 * 4; }

// ---- Quantization (used by the exporter; float is fine here: it runs once
// and its output is frozen in the weights file) ----
struct DenseFloat {
  int out = 0, k = 0;
  std::vector<float> w;          // [out][k], in the engine's gather order
  std::vector<float> bias;       // [out]
  std::vector<float> bias2;      // [out] or empty: a second bias into the same accumulator
  std::vector<int> in_exp;       // [k]: exponent of the activation at input k
  std::vector<int32_t> in_max;   // [k]: largest |q| input k can hold
  std::vector<int> out_exp;      // [out]: exponent of each output (16 for Q16 parameters)
};
struct DenseInt {
  std::vector<int32_t> w;        // [out][k], |w| <= 32767
  std::vector<int32_t> bias;     // [out]
  std::vector<int32_t> bias2;    // [out] when DenseFloat::bias2 is given
  std::vector<int32_t> shift;    // [out], >= 0
  double worst_bound = 0;        // largest sum |w| max|a| + |b| over outputs, / 2^31
};
// Largest accumulator exponent per output such that every weight fits int16
// and no accumulator can overflow for any input; kInvalidArgument (naming
// `what`) when no exponent works.
PICNIC_EXPORT Result<DenseInt> QuantizeDense(const DenseFloat& d, const std::string& what);

// ---- The coding model ----
struct EngineOptions {
  KernelPath kernel = KernelPath::kScalar;
  bool use_default_kernel = true;  // ignore `kernel`, take DefaultKernelPath()
  bool hash_layers = false;        // keep an FNV-1a hash of every layer's outputs
};

class PICNIC_EXPORT EngineModel : public ProbabilityModel {
 public:
  ~EngineModel() override;
  static Result<std::unique_ptr<EngineModel>> Create(IntWeights weights, const EngineOptions& options = {});
  std::string name() const override;
  uint64_t fingerprint() const override;
  Status Begin(const std::vector<TileShape>& tiles, int color_channels) override;
  // Encoding: each row is computed whole, one product per layer and tile,
  // when Predict reaches it; the numbers are those of Begin + Observe.
  Status BeginKnown(const std::vector<TileRect>& rects, const Image& image) override;
  Status Predict(int y, int x, int c, const std::vector<int>& tile_ids, Distribution* out) override;
  Status Observe(int y, int x, int c, const std::vector<int>& tile_ids, const uint8_t* values) override;
  // Per-image adaptation: per colour channel, an offset to every component's
  // log2 inverse scale and mean, chosen from a sample of the image's pixels
  // (effort 2: 1 in 16, effort 3: 1 in 4 and a finer search; the codec
  // studies at effort 3 only, picnic/limits.h); engine/src/adaptation.h.
  Result<std::vector<int64_t>> Study(const std::vector<TileRect>& rects, const Image& image, int effort) override;
  Result<std::vector<uint8_t>> ChooseAdaptation(const std::vector<int64_t>& stats, int effort) override;
  Status Adapt(const std::vector<uint8_t>& params) override;
  bool RecalibratesOnline() const override { return true; }

  // The integer mixture parameters (10K, Q16) of tile `tile` at column x of
  // the row of the last Predict; valid until the next Predict.
  const int32_t* RawParams(int tile, int x) const;
  // Layer name -> hash of everything it produced since creation (hash_layers).
  std::map<std::string, uint64_t> LayerHashes() const;
  KernelPath kernel() const;

 private:
  EngineModel();
  struct PICNIC_NO_EXPORT Impl;  // internals stay out of the shared library
  std::unique_ptr<Impl> impl_;
};

// Knows the installed integer models (NAME.pnq; decoding by fingerprint
// searches them all) and hands everything else to `fallback`.
PICNIC_EXPORT ModelProvider EngineModelProvider(ModelProvider fallback);

}  // namespace picnic

#endif  // PICNIC_ENGINE_H_
