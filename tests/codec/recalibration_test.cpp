// Online recalibration (codec/src/recalibration.h): its contexts, the
// direction its offsets move in, and, through the whole codec with a model
// whose integer mixtures are deliberately wrong, smaller files that decode
// bit-exactly with any thread count.
#include "recalibration.h"

#include <catch2/catch.hpp>
#include <memory>
#include <random>
#include <string>
#include <vector>
#include <zlib.h>

#include "picnic/picnic.h"

namespace picnic {
namespace {

IntSubpixelMixture OneComponent(int32_t mean_bins_q16, int32_t log2_inv_scale_q16) {
  IntSubpixelMixture m;
  m.num_mixtures = 2;
  m.log2_weights = {0, -20 * 65536};  // the second component all but absent
  m.means = {mean_bins_q16, mean_bins_q16};
  m.log2_inv_scales = {log2_inv_scale_q16, log2_inv_scale_q16};
  return m;
}

TEST_CASE("recalibration: contexts", "[recalibration]") {
  CHECK(Recalibration::ScaleBucket(-100 * 65536) == 0);
  CHECK(Recalibration::ScaleBucket(-7 * 32768 - 1) == 0);  // below -3.5
  CHECK(Recalibration::ScaleBucket(-7 * 32768) == 1);
  CHECK(Recalibration::ScaleBucket(0) == 8);
  CHECK(Recalibration::ScaleBucket(32767) == 8);
  CHECK(Recalibration::ScaleBucket(32768) == 9);
  CHECK(Recalibration::ScaleBucket(5 * 32768) == Recalibration::kScaleBuckets - 1);
  CHECK(Recalibration::ScaleBucket(40 * 65536) == Recalibration::kScaleBuckets - 1);
  CHECK(Recalibration::SurpriseClass(-1, -1) == 2);          // no neighbour: the middle
  CHECK(Recalibration::SurpriseClass(65536, -1) == 0);       // 1 bit
  CHECK(Recalibration::SurpriseClass(-1, 2 * 65536) == 1);   // 2 bits
  CHECK(Recalibration::SurpriseClass(3 * 65536, 5 * 65536) == 3);
  CHECK(Recalibration::SurpriseClass(16 * 65536, 16 * 65536) == Recalibration::kSurpriseClasses - 1);
}

// Outcomes above the predicted mean move the mean up; outcomes in the tails
// widen the scale, outcomes at the centre narrow it.
TEST_CASE("recalibration: offsets follow the coded intervals", "[recalibration]") {
  const int precision = 16;
  const uint32_t total = 1u << precision;
  auto run = [&](uint32_t lower, uint32_t upper) {
    Recalibration r;
    r.Begin(1, 4, 1);
    for (int y = 0; y < 50; ++y) {
      r.StartRow();
      for (int x = 0; x < 4; ++x) {
        IntSubpixelMixture m = OneComponent(128 * 65536, 0);
        r.Apply(0, x, 0, &m);
        r.Update(0, x, 0, lower, upper, precision);
      }
    }
    IntSubpixelMixture m = OneComponent(128 * 65536, 0);
    r.StartRow();
    r.Apply(0, 0, 0, &m);
    return m;
  };
  // High in the upper tail: the mean rises, the scale widens.
  IntSubpixelMixture high = run(total - total / 16, total - total / 32);
  CHECK(high.means[0] > 128 * 65536);
  CHECK(high.log2_inv_scales[0] < 0);
  CHECK(high.means[0] == high.means[1]);
  // Low in the lower tail: the mean falls.
  IntSubpixelMixture low = run(total / 32, total / 16);
  CHECK(low.means[0] < 128 * 65536);
  CHECK(low.log2_inv_scales[0] < 0);
  // A narrow interval at the centre: the scale narrows, the mean stays.
  IntSubpixelMixture centre = run(total / 2 - total / 64, total / 2 + total / 64);
  CHECK(centre.means[0] == 128 * 65536);
  CHECK(centre.log2_inv_scales[0] > 0);
  // Offsets are bounded: two doublings of scale, four bins of mean.
  Recalibration r;
  r.Begin(1, 1, 1);
  for (int i = 0; i < 100000; ++i) {
    r.StartRow();
    IntSubpixelMixture m = OneComponent(128 * 65536, 0);
    r.Apply(0, 0, 0, &m);
    r.Update(0, 0, 0, total - 2, total - 1, precision);
  }
  IntSubpixelMixture m = OneComponent(128 * 65536, 0);
  r.StartRow();
  r.Apply(0, 0, 0, &m);
  CHECK(m.log2_inv_scales[0] >= -2 * 65536);
  CHECK(m.means[0] <= 132 * 65536);
}

// A model that predicts every subpixel as mean 128, scale 8 bins: far too
// wide and off-centre for an image of values 129..131.
class WrongModel : public ProbabilityModel {
 public:
  std::string name() const override { return "wrong"; }
  uint64_t fingerprint() const override { return 0x77726f6e67; }
  Status Begin(const std::vector<TileShape>&, int) override { return Status::Ok(); }
  Status Predict(int, int, int, const std::vector<int>& ids, Distribution* out) override {
    for (size_t i = 0; i < ids.size(); ++i) {
      out[i].kind = Distribution::Kind::kIntMixture;
      out[i].int_mixture = OneComponent(128 * 65536, -3 * 65536);
    }
    return Status::Ok();
  }
  Status Observe(int, int, int, const std::vector<int>&, const uint8_t*) override { return Status::Ok(); }
  bool RecalibratesOnline() const override { return true; }
};

TEST_CASE("recalibration: a wrong model's files shrink and decode exactly", "[recalibration]") {
  Image img = MakeImage(70, 45, ChannelLayout::kRgba);
  std::mt19937 rng(5);
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x)
      for (int c = 0; c < 4; ++c) img.at(y, x, c) = static_cast<uint8_t>(c == 3 ? 255 : 129 + rng() % 3);
  ModelProvider provider = [](const std::string& n, uint64_t) -> Result<std::unique_ptr<ProbabilityModel>> {
    if (n != "wrong") return Status(StatusCode::kModelNotFound, n);
    return std::unique_ptr<ProbabilityModel>(new WrongModel);
  };
  EncodeOptions opt;
  opt.model = "wrong";
  opt.provider = provider;
  opt.choose_tile_modes = false;
  opt.tile_size = 16;
  opt.tiles_per_batch = 4;
  opt.threads = 1;
  opt.recalibrate = false;
  auto plain = Encode(img, opt);
  REQUIRE(plain.ok());
  opt.recalibrate = true;
  auto recal = Encode(img, opt);
  REQUIRE(recal.ok());
  WARN("wrong model: " << plain->size() << " bytes without recalibration, " << recal->size() << " with");
  CHECK(recal->size() < plain->size() * 85 / 100);  // 2026-12-02: 5130 against 6230 bytes
  auto info = ReadFileInfo(recal->data(), recal->size());
  REQUIRE(info.ok());
  CHECK(info->recalibrated);
  // Any thread count encodes the same bytes (the batches are fixed) and
  // decodes them.
  opt.threads = 3;
  auto recal3 = Encode(img, opt);
  REQUIRE(recal3.ok());
  CHECK(*recal3 == *recal);
  for (int threads : {1, 3}) {
    DecodeOptions d;
    d.provider = provider;
    d.threads = threads;
    for (const auto* file : {&*plain, &*recal}) {
      auto back = Decode(file->data(), file->size(), d);
      REQUIRE(back.ok());
      CHECK(back->pixels == img.pixels);
    }
  }
  // A decoder that ignored the flag would read other pixels: clearing it
  // (header checksum fixed) must not decode to the image.
  std::vector<uint8_t> cleared = *recal;
  cleared[23] &= static_cast<uint8_t>(~0x08);
  const uint32_t header_bytes = cleared[8] | cleared[9] << 8 | cleared[10] << 16 | static_cast<uint32_t>(cleared[11]) << 24;
  const uint32_t crc = static_cast<uint32_t>(crc32(0, cleared.data(), header_bytes - 4));
  for (int i = 0; i < 4; ++i) cleared[header_bytes - 4 + i] = static_cast<uint8_t>(crc >> (8 * i));
  DecodeOptions d;
  d.provider = provider;
  auto wrong = Decode(cleared.data(), cleared.size(), d);
  CHECK_FALSE(wrong.ok());
}

}  // namespace
}  // namespace picnic
