// Broken files coded with the learned model (a tiny random-weights network
// saved to a temporary .pnw): every truncation and every payload byte change
// ends in the original image or a typed error, never a crash, kInternal or
// wrong pixels; damage the range decoder misses is caught by the pixel CRC.
// (The same exhaustively for the histogram model: tests/codec/hostile_input_test.cpp.)
#include <stdlib.h>
#include <zlib.h>

#include <map>

#include "model_test_util.h"
#include "picnic/picnic.h"
#include "picnic/pixelcnn_model.h"
#include "picnic/weights.h"

#include <catch2/catch.hpp>  // after LibTorch: glog's CHECK must not shadow Catch's

namespace picnic {
namespace {

uint32_t U32(const std::vector<uint8_t>& b, size_t at) {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (static_cast<uint32_t>(b[at + 3]) << 24);
}

TEST_CASE("learned codec: truncated and damaged files fail cleanly", "[learned_hostile]") {
  testing::TempDir dir;
  {
    PixelCnn net = testing::TinyModel(11);
    torch::NoGradGuard ng;
    for (auto& p : net->parameters()) p.add_(torch::randn_like(p) * 0.05);
    REQUIRE(SaveWeights(dir.path() + "/tiny-hostile.pnw", net, "tiny-hostile", "{}").ok());
  }
  setenv("PICNIC_WEIGHTS_DIR", dir.path().c_str(), 1);
  const ModelProvider provider = TorchModelProvider(BuiltinModelProvider());

  const Image image = testing::RandomImage(5, 4, ChannelLayout::kRgb, 3);
  EncodeOptions eo;
  eo.choose_tile_modes = false;  // the model path
  eo.model = "tiny-hostile";
  eo.provider = provider;
  eo.tile_size = 3;  // 4 tiles
  eo.tiles_per_batch = 2;
  eo.threads = 1;
  auto encoded = Encode(image, eo);
  INFO(encoded.status().ToString());
  REQUIRE(encoded.ok());
  const std::vector<uint8_t>& good = *encoded;
  DecodeOptions d;
  d.provider = provider;
  d.threads = 1;
  auto whole = Decode(good.data(), good.size(), d);
  REQUIRE(whole.ok());
  REQUIRE(whole->pixels == image.pixels);

  // Every truncation: the container notices before the model runs.
  for (size_t n = 0; n < good.size(); ++n) {
    INFO("first " << n << " bytes");
    CHECK(Decode(good.data(), n, d).status().code() == StatusCode::kTruncated);
  }

  // Every payload byte, three ways.
  const size_t header_bytes = U32(good, 8);
  std::map<StatusCode, int> outcomes;
  for (size_t pos = header_bytes; pos < good.size(); ++pos) {
    for (uint8_t mask : {0x01, 0x80, 0xFF}) {
      std::vector<uint8_t> b = good;
      b[pos] ^= mask;
      auto dec = Decode(b.data(), b.size(), d);
      INFO("byte " << pos << " ^ " << int(mask) << ": " << dec.status().ToString());
      if (dec.ok()) {
        CHECK(dec->pixels == image.pixels);
        continue;
      }
      const StatusCode c = dec.status().code();
      CHECK((c == StatusCode::kCorrupt || c == StatusCode::kChecksumMismatch));
      ++outcomes[c];
    }
  }
  WARN("learned model, payload byte changes: " << outcomes[StatusCode::kCorrupt] << " kCorrupt, "
                                               << outcomes[StatusCode::kChecksumMismatch]
                                               << " kChecksumMismatch");
  CHECK(outcomes[StatusCode::kCorrupt] + outcomes[StatusCode::kChecksumMismatch] > 0);

  // A header naming weights that are not installed (fingerprint changed,
  // header CRC fixed): kModelNotFound naming the model, not a misdecode.
  std::vector<uint8_t> b = good;
  b[32] ^= 0x40;  // model_fingerprint (FORMAT.md)
  const uint32_t crc = static_cast<uint32_t>(crc32(0, b.data(), header_bytes - 4));
  for (int i = 0; i < 4; ++i) b[header_bytes - 4 + i] = static_cast<uint8_t>(crc >> (8 * i));
  const Status s = Decode(b.data(), b.size(), d).status();
  CHECK(s.code() == StatusCode::kModelNotFound);
  CHECK(s.message().find("tiny-hostile") != std::string::npos);
  unsetenv("PICNIC_WEIGHTS_DIR");
}

}  // namespace
}  // namespace picnic
