// The narrow interface between the codec and any probability model: the
// adaptive histogram baseline in codec/, the PixelCNN++ evaluator in model/.
//
// The codec codes a batch of independent tiles in lockstep: for each pixel
// position (y, x) in raster order and each colour channel c (R, G, B; or just
// Y for gray), it asks for the distributions of that subpixel in every tile
// of the batch that contains (y, x), codes them, then reports the true values.
// Encoder and decoder make exactly the same sequence of calls, so a model
// whose arithmetic depends only on that sequence yields identical CDFs on
// both sides (docs/DESIGN.md, "Determinism").
#ifndef PICNIC_PROBABILITY_MODEL_H_
#define PICNIC_PROBABILITY_MODEL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "picnic/image.h"
#include "picnic/mixture.h"
#include "picnic/status.h"
#include "picnic/tiling.h"
#include "picnic/visibility.h"

namespace picnic {

struct TileShape {
  int width = 0;
  int height = 0;
};

// A distribution over the 256 values of one subpixel, in one of three forms;
// the codec's CDF builder (cdf.h) is the only place any becomes a CDF.
// kIntMixture (the exact engine's) and kCounts are integer arithmetic all the
// way to the CDF, so files coded with them decode on every machine; kMixture
// (float, the LibTorch path) only where the float arithmetic matches.
struct Distribution {
  enum class Kind { kMixture, kCounts, kIntMixture };
  Kind kind = Kind::kMixture;
  SubpixelMixture mixture;          // kind == kMixture
  IntSubpixelMixture int_mixture;   // kind == kIntMixture
  const uint32_t* counts = nullptr;  // kind == kCounts: kNumSymbols frequencies,
                                     // valid until the next Observe()
};

class PICNIC_EXPORT ProbabilityModel {
 public:
  virtual ~ProbabilityModel() = default;

  // Short name recorded in files, e.g. "histogram" or "photo".
  virtual std::string name() const = 0;
  // Identifies the exact parameters (hash of the weights); recorded in files
  // and checked on decode.
  virtual uint64_t fingerprint() const = 0;

  // Starts a batch. color_channels is 1 (gray) or 3 (RGB). Resets all state.
  virtual Status Begin(const std::vector<TileShape>& tiles, int color_channels) = 0;
  // Fills out[i] with the distribution of channel c at (y, x) of tile
  // tile_ids[i]. REQUIRES: every listed tile contains (y, x); calls follow
  // raster order, channels in order, each followed by Observe().
  virtual Status Predict(int y, int x, int c, const std::vector<int>& tile_ids,
                         Distribution* out) = 0;
  // The true values of the subpixels just predicted, same order as tile_ids.
  virtual Status Observe(int y, int x, int c, const std::vector<int>& tile_ids,
                         const uint8_t* values) = 0;

  // Encoders know every value before coding and start a batch here instead
  // of Begin(): `rects` place the batch's tiles in `image`. Predict and
  // Observe calls follow as usual, and Predict must return exactly what it
  // would after Begin(); a model may use the values to compute its
  // predictions in bulk (the exact engine computes a row at a time). The
  // default forgets the values and calls Begin().
  virtual Status BeginKnown(const std::vector<TileRect>& rects, const Image& image) {
    std::vector<TileShape> shapes;
    for (const TileRect& r : rects) shapes.push_back(TileShape{r.width, r.height});
    return Begin(shapes, NumColorChannels(image.layout));
  }

  // Whether Predict returns integer mixtures (Distribution::kIntMixture) that
  // the coder may recalibrate online (format 1.5, EncodeOptions::recalibrate).
  virtual bool RecalibratesOnline() const { return false; }

  // ---- Per-image adaptation (optional) ----
  // The encoder may fit a few parameters of the model to the image and store
  // them in the file (format 1.2); the decoder hands them back. With effort
  // >= kStudyEffort (3) the encoder first calls Study on every batch (on as many model
  // instances as threads), adds the returned statistics up element by
  // element, asks one instance to ChooseAdaptation from the sum, and calls
  // Adapt with the result on every instance that codes. The defaults study
  // nothing, choose nothing and accept only "no parameters".
  virtual Result<std::vector<int64_t>> Study(const std::vector<TileRect>& /*rects*/, const Image& /*image*/,
                                             int /*effort*/) {
    return std::vector<int64_t>{};
  }
  virtual Result<std::vector<uint8_t>> ChooseAdaptation(const std::vector<int64_t>& /*stats*/, int /*effort*/) {
    return std::vector<uint8_t>{};
  }
  // The parameters to code with (empty: none), before the first batch.
  virtual Status Adapt(const std::vector<uint8_t>& params) {
    if (params.empty()) return Status::Ok();
    return Status(StatusCode::kUnsupported, "model " + name() + " takes no per-image parameters");
  }
};

// A fingerprint as files, messages and tools show it: 16 lower-case hex
// digits. The one formatting of a fingerprint anywhere in picnic.
PICNIC_EXPORT std::string FingerprintHex(uint64_t fingerprint);

// Finds the model a file names. Returns kModelNotFound with a message naming
// the model when none of that name and fingerprint is available.
// fingerprint == 0 means "any" (used by encoders resolving a name).
using ModelProvider = std::function<Result<std::unique_ptr<ProbabilityModel>>(
    const std::string& name, uint64_t fingerprint)>;

}  // namespace picnic

#endif  // PICNIC_PROBABILITY_MODEL_H_
