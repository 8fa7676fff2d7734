// Error feedback of the means (codec/src/error_feedback.h): which residuals
// a subpixel sees, the direction the weights learn, the shift's scale, and
// its bounds under hostile residuals. Through the codec:
// recalibration_test.cpp.
#include "error_feedback.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <random>
#include <vector>

namespace picnic {
namespace {

constexpr int kU = 8192;  // u = 1/4 in Q15

TEST_CASE("error feedback: features", "[error_feedback]") {
  ErrorFeedback fb;
  fb.Begin(2, 6, 3, 1);
  int32_t f[ErrorFeedback::kMaxFeatures];
  // Three rows of tile 1; residual u = 100 * row + 10 * x + c (Q15).
  for (int y = 0; y < 3; ++y) {
    fb.StartRow();
    for (int x = 0; x < 6; ++x)
      for (int c = 0; c < 3; ++c) {
        fb.Shift(1, x, c, 0, 0);
        if (y < 2 || x < 3) fb.Learn(1, x, c, 1000 + 100 * y + 10 * x + c);
      }
  }
  // Pixel (3, 2), channel 2: its left neighbours in row 2, rows 1 and 0
  // above, the same pixel's channels 0 and 1 (not coded yet: 0), and the
  // other channels at left and above.
  CHECK(fb.Features(1, 3, 2, f) == 16);
  const std::vector<int32_t> want = {1222, 1212, 1112, 1122, 1132, 1142, 1152, 1022, 1032, 1042,
                                     0,    0,    1220, 1130, 1221, 1131};
  CHECK(std::vector<int32_t>(f, f + 16) == want);
  // Channel 0 sees no earlier channel; at the tile's left edge and past the
  // right edge, absent neighbours read 0; tile 0 saw nothing.
  CHECK(fb.Features(1, 0, 0, f) == 14);
  const std::vector<int32_t> edge = {0, 0, 0, 0, 1100, 1110, 1120, 0, 1000, 1010, 0, 1101, 0, 1102};
  CHECK(std::vector<int32_t>(f, f + 14) == edge);
  CHECK(f[14] == 0);  // every slot is written: 0 past those it has
  CHECK(f[15] == 0);
  CHECK(fb.Features(1, 5, 1, f) == 15);
  CHECK(f[6] == 0);  // (x + 2, y - 1) is past the edge
  CHECK(fb.Features(0, 3, 2, f) == 16);
  for (int k = 0; k < 16; ++k) CHECK(f[k] == 0);
  // Gray: the ten neighbours of its one channel.
  ErrorFeedback gray;
  gray.Begin(1, 4, 1, 1);
  gray.StartRow();
  CHECK(gray.Features(0, 1, 0, f) == 10);
}

// Residuals in runs of four of one sign along a row: the weight on the left
// neighbour grows, and the shift follows the neighbour's sign, in
// proportion to the scale (a doubling of the inverse scale halves it).
// Tiles one row high (every tile of a batch shares the weights), so no
// residual above takes part; tiles 0 and 1 are kept to probe.
TEST_CASE("error feedback: learns a correlation", "[error_feedback]") {
  ErrorFeedback fb;
  fb.Begin(40, 64, 1, 2);
  fb.StartRow();
  std::mt19937 rng(3);
  for (int t = 2; t < 40; ++t) {
    int32_t u = 0;
    for (int x = 0; x < 64; ++x) {
      if (x % 4 == 0) u = rng() % 2 ? kU : -kU;
      fb.Shift(t, x, 0, 1, 0);
      fb.Learn(t, x, 0, u);
    }
  }
  fb.Learn(0, 0, 0, kU);  // residuals only: no Shift before, nothing learned
  fb.Learn(1, 0, 0, -kU);
  const int32_t up = fb.Shift(0, 1, 0, 1, 0);
  CHECK(up > 65536 / 8);  // over 1/8 of a bin at scale 1
  CHECK(up < ErrorFeedback::kMaxShiftQ16);
  const int32_t narrower = fb.Shift(0, 1, 0, 1, 65536);
  CHECK(std::abs(narrower * 2 - up) <= 2);
  CHECK(fb.Shift(1, 1, 0, 1, 0) == -up);
  // Context 0 learned nothing.
  CHECK(fb.Shift(0, 1, 0, 0, 0) == 0);
}

// A context starts from 0, so its first updates take larger steps; annealed
// (format 1.8), its later ones smaller.
TEST_CASE("error feedback: step sizes", "[error_feedback]") {
  for (bool annealed : {false, true}) {
    INFO("annealed " << annealed);
    CHECK(ErrorFeedback::RateLog2(0, annealed) == 13);
    CHECK(ErrorFeedback::RateLog2(63, annealed) == 13);
    CHECK(ErrorFeedback::RateLog2(64, annealed) == 14);
    CHECK(ErrorFeedback::RateLog2(255, annealed) == 14);
    CHECK(ErrorFeedback::RateLog2(256, annealed) == 15);
    CHECK(ErrorFeedback::RateLog2(1023, annealed) == 15);
    CHECK(ErrorFeedback::RateLog2(1024, annealed) == ErrorFeedback::kRateLog2);
    CHECK(ErrorFeedback::RateLog2(4095, annealed) == ErrorFeedback::kRateLog2);
  }
  CHECK(ErrorFeedback::RateLog2(4096, false) == ErrorFeedback::kRateLog2);
  CHECK(ErrorFeedback::RateLog2(ErrorFeedback::kMaxUpdates, false) == ErrorFeedback::kRateLog2);
  CHECK(ErrorFeedback::RateLog2(4096, true) == ErrorFeedback::kRateLog2 + 1);
  CHECK(ErrorFeedback::RateLog2(ErrorFeedback::kMaxUpdates - 1, true) == ErrorFeedback::kRateLog2 + 1);
  CHECK(ErrorFeedback::RateLog2(ErrorFeedback::kMaxUpdates, true) == ErrorFeedback::kRateLog2 + 2);
}

// What one update does to the shift (the weights move by u f / 2^rate, so
// its effect does not depend on where they are): annealed (format 1.8), a
// half after a context's 4096th update and a quarter after its 16384th.
TEST_CASE("error feedback: annealed steps shrink", "[error_feedback]") {
  auto one_update = [](bool annealed, int rows) {
    ErrorFeedback fb;
    fb.Begin(1, 8, 1, 1, annealed);
    const uint32_t scale = ErrorFeedback::ScaleFactor(0);
    for (int y = 0; y < rows; ++y) {  // 8 updates a row; residuals +-1/8 by row
      fb.StartRow();
      for (int x = 0; x < 8; ++x) {
        fb.ShiftScaled(0, x, 0, 0, scale);
        fb.Learn(0, x, 0, y % 2 ? 4096 : -4096);
      }
    }
    fb.StartRow();
    for (int x = 0; x < 5; ++x) {
      fb.ShiftScaled(0, x, 0, 0, scale);
      fb.Learn(0, x, 0, 4096);
    }
    // The features of x = 5 are its neighbours' residuals, not its own.
    const int32_t before = fb.ShiftScaled(0, 5, 0, 0, scale);
    fb.Learn(0, 5, 0, 8192);
    return fb.ShiftScaled(0, 5, 0, 0, scale) - before;
  };
  for (int rows : {200, 600, 2100}) {  // 1,600, 4,800 and 16,800 updates before
    const int32_t fixed = one_update(false, rows), annealed = one_update(true, rows);
    INFO(rows * 8 << " updates: one more moves the shift by " << fixed << " (fixed steps), " << annealed
                  << " (annealed)");
    CHECK(fixed > 100);  // u and the features agree in sign: the shift rises
    const int32_t divisor = rows < 512 ? 1 : rows < 2048 ? 2 : 4;
    CHECK(std::abs(annealed * divisor - fixed) <= 4 * divisor);
  }
}

// Hostile residuals (the largest u, every time) cannot push the weights or
// the shift past their bounds.
TEST_CASE("error feedback: bounded", "[error_feedback]") {
  ErrorFeedback fb;
  fb.Begin(1, 8, 3, 1);
  int32_t last = 0;
  for (int y = 0; y < 200; ++y) {
    fb.StartRow();
    for (int x = 0; x < 8; ++x)
      for (int c = 0; c < 3; ++c) {
        last = fb.Shift(0, x, c, 0, -40 * 65536);  // the widest scale
        CHECK(std::abs(last) <= ErrorFeedback::kMaxShiftQ16);
        fb.Learn(0, x, c, 16384);
      }
  }
  CHECK(last == ErrorFeedback::kMaxShiftQ16);
}

}  // namespace
}  // namespace picnic
