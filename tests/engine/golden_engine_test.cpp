// Golden files of the exact engine: made once with the shipped integer
// weights (weights/photo.pnq, weights/cifar10.pnq) and committed; every test
// run, on whatever machine, compiler and kernel path runs it, must decode
// them to the same pixels. They never change: a change of arithmetic or of
// shipped integer weights needs new fingerprints, and the old weights stay
// installed so that old files (these included) keep decoding.
//
// Write the ones that are missing (when adding a golden file; old ones are
// never rewritten):
//   PICNIC_WRITE_GOLDEN=1 build/tests/picnic_engine_tests "[golden]"
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "engine_test_util.h"
#include "picnic/engine.h"
#include "picnic/picnic.h"

namespace picnic {
namespace {

struct Golden {
  std::string file;
  std::string model;
  Image image;
  int tile_size;
  int tiles_per_batch;
  int effort = 1;
  uint64_t model_params_bytes = 0;  // format 1.2: the encoder's per-image parameters
  bool recalibrate = false;         // format 1.5: online recalibration
  int precision = 16;               // above 16: the wide range coder (2026-12-02)
  bool calibration_map = false;     // format 1.6: the online calibration map
  bool error_feedback = false;      // format 1.7: error feedback of the means
  bool annealed = false;            // format 1.8: annealed steps
  int orientation = 0;              // format 1.9: coded transposed / mirrored
};

std::vector<Golden> GoldenSet() {
  using engine_test::TestImage;
  return {
      {"photo_rgb_45x29_tile16.pnc", "photo", TestImage(45, 29, ChannelLayout::kRgb, 21), 16, 4},
      {"photo_gray_17x13.pnc", "photo", TestImage(17, 13, ChannelLayout::kGray, 22), 64, 0},
      {"photo_rgba_12x9_tile8.pnc", "photo", TestImage(12, 9, ChannelLayout::kRgba, 23), 8, 3},
      {"photo_grayalpha_5x3.pnc", "photo", TestImage(5, 3, ChannelLayout::kGrayAlpha, 24), 64, 0},
      {"photo_rgb_1x1.pnc", "photo", TestImage(1, 1, ChannelLayout::kRgb, 25), 64, 0},
      {"cifar10_rgb_32x32.pnc", "cifar10", TestImage(32, 32, ChannelLayout::kRgb, 26), 0, 0},
      {"cifar10_rgb_33x18_tile16.pnc", "cifar10", TestImage(33, 18, ChannelLayout::kRgb, 27), 16, 2},
      // Format 1.2, per-image adaptation (engine/src/adaptation.h): 3 channels x 16 bytes + 2.
      {"photo_rgb_noise_96x64_tile32_e3.pnc", "photo", engine_test::NoiseImage(96, 64, ChannelLayout::kRgb, 28), 32,
       3, 3, 50},
      {"photo_rgb_noise_96x64_e2.pnc", "photo", engine_test::NoiseImage(96, 64, ChannelLayout::kRgb, 29), 64, 0, 2,
       50},
      // The weights shipped from 2026-12-02 (photo 1871bffb50af7a84, cifar10
      // 110f65d6d4b2d2b8):
      // activations over the whole int16 range (act_max 32767).
      {"photo32k_rgb_45x29_tile16.pnc", "photo", TestImage(45, 29, ChannelLayout::kRgb, 30), 16, 4},
      {"photo32k_gray_17x13.pnc", "photo", TestImage(17, 13, ChannelLayout::kGray, 31), 64, 0},
      {"photo32k_rgb_noise_96x64_tile32_e3.pnc", "photo", engine_test::NoiseImage(96, 64, ChannelLayout::kRgb, 32),
       32, 3, 3, 50},
      {"cifar10_32k_rgb_33x18_tile16.pnc", "cifar10", TestImage(33, 18, ChannelLayout::kRgb, 33), 16, 2},
      // Format 1.5, online recalibration (codec/src/recalibration.h), the
      // default from 2026-12-02.
      {"photo32k_recal_rgb_45x29_tile16.pnc", "photo", TestImage(45, 29, ChannelLayout::kRgb, 34), 16, 4, 1, 0, true},
      {"photo32k_recal_gray_17x13.pnc", "photo", TestImage(17, 13, ChannelLayout::kGray, 35), 64, 0, 1, 0, true},
      {"photo32k_recal_rgba_12x9_tile8.pnc", "photo", TestImage(12, 9, ChannelLayout::kRgba, 36), 8, 3, 1, 0, true},
      {"photo32k_recal_rgb_noise_96x64_tile32.pnc", "photo", engine_test::NoiseImage(96, 64, ChannelLayout::kRgb, 37),
       32, 3, 1, 0, true},
      {"cifar10_32k_recal_rgb_33x18_tile16.pnc", "cifar10", TestImage(33, 18, ChannelLayout::kRgb, 38), 16, 2, 1, 0,
       true},
      // CDFs of 2^24 counts in the wide range coder (codec/src/range_coder.h)
      // and the photo weights shipped with it (3cd1c3e70cc983a8; cifar10
      // unchanged): the defaults from 2026-12-02.
      {"photo3cd1_p24_rgb_45x29_tile16.pnc", "photo", TestImage(45, 29, ChannelLayout::kRgb, 39), 16, 4, 1, 0, true,
       24},
      {"photo3cd1_p24_gray_17x13.pnc", "photo", TestImage(17, 13, ChannelLayout::kGray, 40), 64, 0, 1, 0, true, 24},
      {"photo3cd1_p24_rgba_12x9_tile8.pnc", "photo", TestImage(12, 9, ChannelLayout::kRgba, 41), 8, 3, 1, 0, true, 24},
      {"photo3cd1_p24_rgb_noise_96x64_tile32.pnc", "photo", engine_test::NoiseImage(96, 64, ChannelLayout::kRgb, 42),
       32, 3, 1, 0, true, 24},
      {"cifar10_32k_p24_rgb_33x18_tile16.pnc", "cifar10", TestImage(33, 18, ChannelLayout::kRgb, 43), 16, 2, 1, 0,
       true, 24},
      // Format 1.6, the online calibration map (codec/src/pit_remap.h) on
      // top of recalibration: the defaults from 2026-12-02 (evening).
      {"photo3cd1_map_rgb_45x29_tile16.pnc", "photo", TestImage(45, 29, ChannelLayout::kRgb, 44), 16, 4, 1, 0, true,
       24, true},
      {"photo3cd1_map_gray_17x13.pnc", "photo", TestImage(17, 13, ChannelLayout::kGray, 45), 64, 0, 1, 0, true, 24,
       true},
      {"photo3cd1_map_rgba_12x9_tile8.pnc", "photo", TestImage(12, 9, ChannelLayout::kRgba, 46), 8, 3, 1, 0, true, 24,
       true},
      {"photo3cd1_map_rgb_noise_96x64_tile32.pnc", "photo", engine_test::NoiseImage(96, 64, ChannelLayout::kRgb, 47),
       32, 3, 1, 0, true, 24, true},
      {"cifar10_32k_map_rgb_33x18_tile16.pnc", "cifar10", TestImage(33, 18, ChannelLayout::kRgb, 48), 16, 2, 1, 0,
       true, 24, true},
      // Format 1.7, error feedback of the means (codec/src/error_feedback.h)
      // with recalibration and the map: the defaults from 2026-12-02 (late).
      {"photo3cd1_fb_rgb_45x29_tile16.pnc", "photo", TestImage(45, 29, ChannelLayout::kRgb, 49), 16, 4, 1, 0, true,
       24, true, true},
      {"photo3cd1_fb_gray_17x13.pnc", "photo", TestImage(17, 13, ChannelLayout::kGray, 50), 64, 0, 1, 0, true, 24,
       true, true},
      // (The map saved nothing on this one: the encoder left it out.)
      {"photo3cd1_fb_rgba_12x9_tile8.pnc", "photo", TestImage(12, 9, ChannelLayout::kRgba, 51), 8, 3, 1, 0, true, 24,
       false, true},
      {"photo3cd1_fb_rgb_noise_96x64_tile32.pnc", "photo", engine_test::NoiseImage(96, 64, ChannelLayout::kRgb, 52),
       32, 3, 1, 0, true, 24, true, true},
      {"photo3cd1_fb_nomap_rgb_45x29_tile16.pnc", "photo", TestImage(45, 29, ChannelLayout::kRgb, 53), 16, 4, 1, 0,
       true, 24, false, true},
      {"cifar10_32k_fb_rgb_33x18_tile16.pnc", "cifar10", TestImage(33, 18, ChannelLayout::kRgb, 54), 16, 2, 1, 0,
       true, 24, true, true},
      // Format 1.8, annealed steps (codec/src/recalibration.h) for every
      // online stage: the defaults from 2026-12-02 (night).
      {"photo3cd1_an_rgb_45x29_tile16.pnc", "photo", TestImage(45, 29, ChannelLayout::kRgb, 55), 16, 4, 1, 0, true,
       24, true, true, true},
      // (The map saved nothing on this one: the encoder left it out.)
      {"photo3cd1_an_gray_17x13.pnc", "photo", TestImage(17, 13, ChannelLayout::kGray, 56), 64, 0, 1, 0, true, 24,
       false, true, true},
      {"photo3cd1_an_rgba_12x9_tile8.pnc", "photo", TestImage(12, 9, ChannelLayout::kRgba, 57), 8, 3, 1, 0, true, 24,
       true, true, true},
      {"photo3cd1_an_rgb_noise_96x64_tile32.pnc", "photo", engine_test::NoiseImage(96, 64, ChannelLayout::kRgb, 58),
       32, 3, 1, 0, true, 24, true, true, true},
      {"photo3cd1_an_nofb_rgb_45x29_tile16.pnc", "photo", TestImage(45, 29, ChannelLayout::kRgb, 59), 16, 4, 1, 0,
       true, 24, true, false, true},
      {"cifar10_32k_an_rgb_33x18_tile16.pnc", "cifar10", TestImage(33, 18, ChannelLayout::kRgb, 60), 16, 2, 1, 0,
       true, 24, true, true, true},
      // Format 1.9, coded in another orientation (codec/src/orientation.h):
      // transposed and mirrored left to right (non-square, tiles cut short
      // differently), and mirrored top to bottom.
      {"photo3cd1_or5_rgb_45x29_tile16.pnc", "photo", TestImage(45, 29, ChannelLayout::kRgb, 61), 16, 4, 1, 0, true,
       24, true, true, true, 5},
      // (The map saved nothing on this one: the encoder left it out.)
      {"photo3cd1_or2_rgba_12x9_tile8.pnc", "photo", TestImage(12, 9, ChannelLayout::kRgba, 62), 8, 3, 1, 0, true, 24,
       false, true, true, 2},
      // The photo weights shipped on 2026-12-03 (6bcab0a83b089702, step
      // 112,349): the default online stages, as given and turned.
      {"photo6bca_an_rgb_45x29_tile16.pnc", "photo", TestImage(45, 29, ChannelLayout::kRgb, 63), 16, 4, 1, 0, true,
       24, true, true, true},
      {"photo6bca_or3_rgb_noise_96x64_tile32.pnc", "photo", engine_test::NoiseImage(96, 64, ChannelLayout::kRgb, 64),
       32, 3, 1, 0, true, 24, true, true, true, 3},
  };
}

std::string GoldenPath(const std::string& file) {
  return std::string(PICNIC_SOURCE_DIR) + "/tests/golden/engine/" + file;
}

TEST_CASE("engine golden files decode to their pixels", "[golden][engine]") {
  const bool write = std::getenv("PICNIC_WRITE_GOLDEN") != nullptr;
  for (const Golden& g : GoldenSet()) {
    INFO(g.file);
    const IntWeights w = engine_test::ShippedWeights(g.model);
    if (write && !std::ifstream(GoldenPath(g.file)).good()) {
      EncodeOptions opt;
      opt.choose_tile_modes = false;  // the model path (tile modes: tile_modes_test.cpp)
      opt.model = g.model;
      opt.provider = EngineModelProvider(nullptr);
      opt.tile_size = g.tile_size;
      opt.tiles_per_batch = g.tiles_per_batch;
      opt.effort = g.effort;
      opt.recalibrate = g.recalibrate;
      opt.calibration_map = g.calibration_map;
      opt.error_feedback = g.error_feedback;
      opt.annealed = g.annealed;
      opt.orientation = g.orientation;
      opt.cdf_precision = g.precision;
      auto bytes = Encode(g.image, opt);
      REQUIRE(bytes.ok());
      std::ofstream(GoldenPath(g.file), std::ios::binary).write(reinterpret_cast<const char*>(bytes->data()),
                                                                static_cast<std::streamsize>(bytes->size()));
    }
    std::ifstream in(GoldenPath(g.file), std::ios::binary);
    REQUIRE(in.good());
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto info = ReadFileInfo(bytes.data(), bytes.size());
    REQUIRE(info.ok());
    CHECK(info->model_name == g.model);
    CHECK(info->model_params_bytes == g.model_params_bytes);
    CHECK(info->format_minor == (g.orientation != 0 ? 9 : g.model_params_bytes > 0 ? 2 : 0));
    CHECK(info->orientation == g.orientation);
    CHECK(info->recalibrated == g.recalibrate);
    CHECK(info->calibration_map == g.calibration_map);
    CHECK(info->error_feedback == g.error_feedback);
    CHECK(info->annealed == g.annealed);
    CHECK(info->cdf_precision == g.precision);
    // Which weights made it: the shipped ones (or, after they are replaced,
    // their kept predecessor with this fingerprint).
    if (info->model_fingerprint != w.fingerprint) WARN(g.file << " was made with earlier shipped weights");
    for (KernelPath p : engine_test::DecodeKernelPaths()) {
      INFO("path " << KernelPathName(p));
      DecodeOptions d;
      d.threads = 2;
      d.provider = [p](const std::string& name, uint64_t fp) -> Result<std::unique_ptr<ProbabilityModel>> {
        for (const auto& path : ListIntWeights()) {
          auto iw = LoadIntWeights(path);
          if (!iw.ok() || iw->fingerprint != fp) continue;
          EngineOptions eo;
          eo.use_default_kernel = false;
          eo.kernel = p;
          PICNIC_ASSIGN_OR_RETURN(std::unique_ptr<EngineModel> m, EngineModel::Create(std::move(iw).value(), eo));
          return std::unique_ptr<ProbabilityModel>(std::move(m));
        }
        return Status(StatusCode::kModelNotFound, name);
      };
      auto back = Decode(bytes.data(), bytes.size(), d);
      REQUIRE(back.ok());
      CHECK(back->layout == g.image.layout);
      CHECK(back->pixels == g.image.pixels);
    }
  }
}

}  // namespace
}  // namespace picnic
