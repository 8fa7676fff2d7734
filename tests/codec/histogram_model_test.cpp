#include "histogram_model.h"

#include <catch2/catch.hpp>
#include <numeric>
#include <vector>

#include "cdf.h"

namespace picnic {
namespace {

uint64_t Sum(const uint32_t* counts) {
  return std::accumulate(counts, counts + kNumSymbols, uint64_t{0});
}

TEST_CASE("histogram: adaptive counts start flat, learn, stay bounded", "[histogram]") {
  AdaptiveCounts a;
  for (int s = 0; s < kNumSymbols; ++s) REQUIRE(a.counts()[s] == 1);
  CHECK(a.total() == 256);
  a.Update(9);
  CHECK(a.counts()[9] == 1 + AdaptiveCounts::kIncrement);
  CHECK(a.total() == Sum(a.counts()));
  for (int i = 0; i < 100000; ++i) a.Update(200);
  CHECK(a.total() == Sum(a.counts()));
  CHECK(a.total() <= AdaptiveCounts::kRescaleTotal);
  for (int s = 0; s < kNumSymbols; ++s) REQUIRE(a.counts()[s] >= 1);
  // After a long constant run nearly all mass is on that value.
  CHECK(a.counts()[200] > a.total() * 0.99);
  a.Reset();
  CHECK(a.total() == 256);
}

TEST_CASE("histogram: tiles and channels are independent", "[histogram]") {
  HistogramModel model;
  CHECK(model.name() == "histogram");
  CHECK(model.fingerprint() == kHistogramFingerprint);
  REQUIRE(model.Begin({{4, 4}, {4, 4}}, 3).ok());
  std::vector<Distribution> d(2);
  const uint8_t values[2] = {10, 20};
  REQUIRE(model.Predict(0, 0, 1, {0, 1}, d.data()).ok());
  REQUIRE(model.Observe(0, 0, 1, {0, 1}, values).ok());
  REQUIRE(model.Predict(0, 1, 1, {1, 0}, d.data()).ok());
  CHECK(d[0].kind == Distribution::Kind::kCounts);
  CHECK(d[0].counts[20] > 1);  // tile 1 saw 20
  CHECK(d[0].counts[10] == 1);
  CHECK(d[1].counts[10] > 1);  // tile 0 saw 10
  REQUIRE(model.Predict(0, 1, 0, {0}, d.data()).ok());
  CHECK(d[0].counts[10] == 1);  // channel 0 saw nothing yet
  uint32_t cdf[kCdfSize];
  CHECK(BuildCdf(d[0], 16, cdf).ok());
  // Begin resets.
  REQUIRE(model.Begin({{4, 4}}, 1).ok());
  REQUIRE(model.Predict(0, 0, 0, {0}, d.data()).ok());
  CHECK(Sum(d[0].counts) == 256);
}

TEST_CASE("histogram: misuse is an error, not a crash", "[histogram]") {
  HistogramModel model;
  std::vector<Distribution> d(2);
  CHECK_FALSE(model.Predict(0, 0, 0, {0}, d.data()).ok());  // before Begin
  CHECK_FALSE(model.Begin({{1, 1}}, 2).ok());
  REQUIRE(model.Begin({{1, 1}}, 1).ok());
  CHECK_FALSE(model.Predict(0, 0, 0, {1}, d.data()).ok());
  CHECK_FALSE(model.Predict(0, 0, 1, {0}, d.data()).ok());
  CHECK_FALSE(model.Predict(0, 0, 0, {-1}, d.data()).ok());
}

}  // namespace
}  // namespace picnic
