// The report's totals: sums over the images each codec has, failed images
// apart, the overhead over colour-only images.
#include <catch2/catch.hpp>
#include <cmath>

#include "totals.h"

namespace {

using namespace picnic_report;
#include "report/report_fixture.h"

}  // namespace

TEST_CASE("totals: sums over the images each codec has; failed rows only counted", "[report]") {
  const std::vector<Row> rows = report_fixture::Rows(0);  // a, b (alpha), c (gray), d (failed)
  const Totals t = ComputeTotals(rows);
  CHECK(t.images == 3);
  CHECK(t.failed == 1);
  CHECK(t.pixels == 40 * 30 + 17 * 9 + 200 * 10);
  CHECK(t.subpixels == 40 * 30 * 3 + 17 * 9 * 4 + 200 * 10);
  CHECK(t.color_subpixels == 40 * 30 * 3 + 17 * 9 * 3 + 200 * 10);
  CHECK(t.alpha_images == 1);

  // picnic: every image that did not fail.
  CHECK(t.codec_images[kPicnic] == 3);
  CHECK(t.Bpsp(kPicnic) == Approx((1234 + 600 + 1100) * 8.0 / t.subpixels));
  CHECK(t.enc_s[kPicnic] == Approx(0.5 + 0.125 + 1.75));
  CHECK(t.dec_s[kPicnic] == Approx(0.25 + 0.0625 + 2.5));
  // PNG as stored: only b (d failed); no encode time, so none in total.
  CHECK(t.codec_images[kPng] == 1);
  CHECK(t.codec_subpixels[kPng] == 17 * 9 * 4);
  CHECK(t.Bpsp(kPng) == Approx(700 * 8.0 / (17 * 9 * 4)));
  CHECK_FALSE(t.codec_has_enc[kPng]);
  CHECK(t.dec_s[kPng] == Approx(0.001));
  // JPEG-XL: a and c.
  CHECK(t.codec_images[kJxl7] == 2);
  CHECK(t.Bpsp(kJxl7) == Approx((1400 + 1150) * 8.0 / (40 * 30 * 3 + 200 * 10)));
  CHECK(t.codec_has_enc[kJxl7]);

  // NLL over every image with one; overhead over the colour-only ones (a, c).
  CHECK(t.NllBpsp() == Approx((9000.5 + 1500.25 + 8000) / t.color_subpixels));
  CHECK(t.overhead_images == 2);
  CHECK(t.Overhead() == Approx((1234 + 1100) * 8.0 / (9000.5 + 8000) - 1.0));
}

TEST_CASE("totals: what was not measured is NaN, not zero", "[report]") {
  const Totals empty = ComputeTotals({});
  CHECK(empty.images == 0);
  CHECK(std::isnan(empty.Bpsp(kPicnic)));
  CHECK(std::isnan(empty.NllBpsp()));
  CHECK(std::isnan(empty.Overhead()));

  const Totals t = ComputeTotals(report_fixture::Rows(1));  // histogram: no NLL, one image with alpha
  CHECK(t.images == 1);
  CHECK(std::isnan(t.NllBpsp()));
  CHECK(std::isnan(t.Overhead()));
  CHECK(t.overhead_images == 0);
  CHECK(std::isnan(t.Bpsp(kWebp)));
  CHECK(t.Bpsp(kPicnic) == Approx(70 * 8.0 / 30));
}

TEST_CASE("totals: shown codecs and coverage", "[report]") {
  const Totals t = ComputeTotals(report_fixture::Rows(0));
  CHECK(ShownCodecs(t) == std::vector<int>{kPicnic, kPng, kWebp, kJxl7, kJxl9});
  CHECK(Coverage(t, kPicnic) == "");
  CHECK(Coverage(t, kWebp) == "");
  CHECK(Coverage(t, kPng) == " (1 of 3 images)");
  CHECK(Coverage(t, kJxl9) == " (2 of 3 images)");

  const Totals h = ComputeTotals(report_fixture::Rows(1));
  CHECK(ShownCodecs(h) == std::vector<int>{kPicnic, kPng});
}

TEST_CASE("totals: a row's overhead leaves out alpha and missing NLLs", "[report]") {
  const std::vector<Row> rows = report_fixture::Rows(0);
  CHECK(rows[0].Overhead() == Approx(1234 * 8.0 / 9000.5 - 1.0));
  CHECK(std::isnan(rows[1].Overhead()));  // alpha
  Row no_nll = rows[0];
  no_nll.have_nll = false;
  CHECK(std::isnan(no_nll.Overhead()));
  CHECK(std::isnan(no_nll.NllBpsp()));
}
