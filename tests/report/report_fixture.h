// Fixed rows and contexts for the writer tests (report_writers_test.cpp).
// The golden outputs in tests/report/golden/ were written from these rows by
// the report before it was split into tools/report/, so they pin its output
// byte for byte. Names are unqualified on purpose: include after
// `using namespace picnic_report;`.
#ifndef PICNIC_TESTS_REPORT_FIXTURE_H_
#define PICNIC_TESTS_REPORT_FIXTURE_H_

#include <limits>
#include <string>
#include <vector>

namespace report_fixture {

inline CodecResult Coded(uint64_t bytes, double encode_seconds, double decode_seconds) {
  CodecResult k;
  k.have = true;
  k.bytes = bytes;
  k.encode_seconds = encode_seconds;
  k.decode_seconds = decode_seconds;
  return k;
}

inline Row Measured(const std::string& path, int width, int height, picnic::ChannelLayout layout) {
  Row r;
  r.path = path;
  r.width = width;
  r.height = height;
  r.layout = layout;
  r.subpixels = static_cast<uint64_t>(width) * height * picnic::NumChannels(layout);
  r.color_subpixels = static_cast<uint64_t>(width) * height * picnic::NumColorChannels(layout);
  return r;
}

// 0: a model with an NLL and every baseline on some images, a gray image, an
// image with alpha, a failed one, a path that CSV must quote, HTML pictures.
// 1: a model without an NLL, no baselines, one image.
inline std::vector<Row> Rows(int which) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<Row> rows;
  if (which == 0) {
    Row a = Measured("in/a.ppm", 40, 30, picnic::ChannelLayout::kRgb);
    a.verified = true;
    a.have_nll = true;
    a.nll_bits = 9000.5;
    a.codecs[kPicnic] = Coded(1234, 0.5, 0.25);
    a.codecs[kWebp] = Coded(1500, 0.0125, 0.0234);
    a.codecs[kJxl7] = Coded(1400, 0.031, 0.0042);
    a.codecs[kJxl9] = Coded(1390, 0.3, 0.00051);
    a.heatmap_png_b64 = "SEVBVA==";
    a.original_png_b64 = "T1JJRw==";
    a.heatmap_max_bits = 7.25f;
    a.preview_width = 40;
    rows.push_back(a);

    Row b = Measured("in/b.png", 17, 9, picnic::ChannelLayout::kRgba);
    b.verified = true;
    b.have_nll = true;
    b.nll_bits = 1500.25;
    b.codecs[kPicnic] = Coded(600, 0.125, 0.0625);
    b.codecs[kPng] = Coded(700, nan, 0.001);
    b.codecs[kWebp] = Coded(650, 0.02, 0.01);
    b.heatmap_max_bits = 3.5f;
    b.original_png_b64 = "Qg==";
    b.preview_width = 17;
    rows.push_back(b);

    Row c = Measured("dir,with \"quote\"/c <&>.pgm", 200, 10, picnic::ChannelLayout::kGray);
    c.verified = true;
    c.have_nll = true;
    c.nll_bits = 8000;
    c.codecs[kPicnic] = Coded(1100, 1.75, 2.5);
    c.codecs[kWebp] = Coded(1200, 0.01, 0.02);
    c.codecs[kJxl7] = Coded(1150, 0.04, 0.003);
    c.codecs[kJxl9] = Coded(1120, 0.5, 0.004);
    c.preview_width = 200;
    rows.push_back(c);

    Row d = Measured("in/d.png", 8, 8, picnic::ChannelLayout::kRgb);
    d.failed = true;
    d.error = "in/d.png: corrupt: bad <chunk> & \"stuff\"";
    d.codecs[kPng] = Coded(300, nan, 0.0002);
    rows.push_back(d);
  } else {
    Row e = Measured("e.png", 5, 3, picnic::ChannelLayout::kGrayAlpha);
    e.verified = true;
    e.codecs[kPicnic] = Coded(70, 0.001, 0.002);
    e.codecs[kPng] = Coded(90, nan, 0.0001);
    e.original_png_b64 = "RQ==";
    e.preview_width = 5;
    rows.push_back(e);
  }
  return rows;
}

inline ReportContext Context(int which) {
  ReportContext rc;
  if (which == 0) {
    rc.model_name = "photo";
    rc.fingerprint = "0123456789abcdef";
    rc.weights_path = "/w/photo.pnw";
    rc.threads = 0;
    rc.effective_threads = 2;
    rc.tile_size = 64;
    rc.effort = 2;
    rc.tiles_per_batch = 0;
    rc.notes = {"files coded by the exact integer engine (/w/photo.pnq, fingerprint fedcba9876543210)",
                "cjxl/djxl <not> & installed"};
  } else {
    rc.model_name = "histogram";
    rc.threads = 1;
    rc.effective_threads = 1;
    rc.tile_size = 0;
    rc.effort = 1;
    rc.tiles_per_batch = 3;
    rc.notes = {"model histogram has no network, so no NLL: NLL columns are n/a",
                "baselines skipped (--no-baselines)"};
  }
  return rc;
}

}  // namespace report_fixture

#endif  // PICNIC_TESTS_REPORT_FIXTURE_H_
