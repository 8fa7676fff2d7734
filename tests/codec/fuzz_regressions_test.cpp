// Replays every input in tests/fuzz_regressions/<target>/ through the fuzz
// target's own check (tools/fuzz/fuzz_checks.h), in every build: a crash the
// fuzzers found once stays fixed. A failing check aborts the test binary;
// under PICNIC_SANITIZE / PICNIC_FUZZ the sanitizers also watch memory and UB.
#include "fuzz_checks.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace picnic {
namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Runs `check` on every file of the target's folder; returns how many.
template <typename Check>
int Replay(const std::string& target, Check check) {
  const fs::path dir = fs::path(PICNIC_SOURCE_DIR) / "tests" / "fuzz_regressions" / target;
  int n = 0;
  if (!fs::is_directory(dir)) return 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const std::vector<uint8_t> bytes = ReadAll(entry.path());
    INFO(entry.path().string());
    check(bytes.data(), bytes.size());
    ++n;
  }
  return n;
}

TEST_CASE("fuzz regressions: every saved input passes its target's checks", "[fuzz]") {
  const int image_io = Replay("image_io", fuzz::CheckImageIo);
  const int container = Replay("container", fuzz::CheckContainer);
  const int range = Replay("range_decoder", fuzz::CheckRangeDecoder);
  const int decode = Replay("decode", fuzz::CheckDecode);
  // Also the whole decoder on the container target's inputs and vice versa:
  // they are all .pnc-shaped.
  Replay("container", fuzz::CheckDecode);
  Replay("decode", fuzz::CheckContainer);
  WARN("replayed fuzz regressions: image_io " << image_io << ", container " << container
                                              << ", range_decoder " << range << ", decode "
                                              << decode);
  CHECK(image_io + container + range + decode > 0);
}

TEST_CASE("fuzz checks: accept the trivial inputs", "[fuzz]") {
  // Empty and one-byte inputs exercise every early exit of every target.
  const uint8_t one = 0x89;
  for (size_t size : {size_t{0}, size_t{1}}) {
    fuzz::CheckImageIo(&one, size);
    fuzz::CheckContainer(&one, size);
    fuzz::CheckRangeDecoder(&one, size);
    fuzz::CheckDecode(&one, size);
  }
  // A valid file passes the container and decode checks (which re-encode it).
  EncodeOptions opt;
  opt.choose_tile_modes = false;  // the model path (tile modes: tile_modes_test.cpp)
  opt.tile_size = 4;
  Image img = MakeImage(9, 5, ChannelLayout::kRgba);
  for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<uint8_t>(i * 7);
  auto bytes = Encode(img, opt);
  REQUIRE(bytes.ok());
  fuzz::CheckContainer(bytes->data(), bytes->size());
  fuzz::CheckDecode(bytes->data(), bytes->size());
  SUCCEED();
}

}  // namespace
}  // namespace picnic
