// --html: one self-contained page: totals, a size-against-decode-time chart,
// and per image a preview, the model's bits-per-pixel heatmap and a chart.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "format.h"
#include "writers.h"

namespace picnic_report {
namespace {

// Smaller previews (CIFAR: 32x32) are shown enlarged to at least this width.
constexpr int kMinDisplayWidth = 128;

struct ChartPoint {
  int codec;
  double bpsp, decode_seconds;
};

// Bits per subpixel against decode time (log scale), one dot per codec.
std::string SvgChart(const std::vector<ChartPoint>& points, int width, int height) {
  std::vector<ChartPoint> pts;
  for (const auto& p : points) {
    if (!std::isnan(p.bpsp) && !std::isnan(p.decode_seconds)) pts.push_back(p);
  }
  if (pts.empty()) return "<p>(no codec has both a size and a decode time)</p>";
  double tmin = 1e30, tmax = 0, bmax = 0;
  for (const auto& p : pts) {
    const double t = std::max(p.decode_seconds, 1e-4);
    tmin = std::min(tmin, t);
    tmax = std::max(tmax, t);
    bmax = std::max(bmax, p.bpsp);
  }
  const int d0 = static_cast<int>(std::floor(std::log10(tmin)));
  int d1 = static_cast<int>(std::ceil(std::log10(tmax)));
  if (d1 <= d0) d1 = d0 + 1;
  const double ytop = std::max(1.0, std::ceil(bmax * 1.15));
  const double left = 48, right = 120, top = 14, bottom = 38;
  const double pw = width - left - right, ph = height - top - bottom;
  auto X = [&](double t) {
    return left + (std::log10(std::max(t, 1e-4)) - d0) / (d1 - d0) * pw;
  };
  auto Y = [&](double b) { return top + (1 - b / ytop) * ph; };
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(1);
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
    << "\" font-family=\"sans-serif\" font-size=\"11\">";
  s << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw << "\" height=\"" << ph
    << "\" fill=\"#fafafa\" stroke=\"#999\"/>";
  for (int d = d0; d <= d1; ++d) {
    const double x = X(std::pow(10.0, d));
    s << "<line x1=\"" << x << "\" y1=\"" << top << "\" x2=\"" << x << "\" y2=\"" << top + ph
      << "\" stroke=\"#ddd\"/>";
    char label[32];
    std::snprintf(label, sizeof label, "%g s", std::pow(10.0, d));
    s << "<text x=\"" << x << "\" y=\"" << top + ph + 14 << "\" text-anchor=\"middle\">" << label
      << "</text>";
  }
  const double ystep = ytop <= 4 ? 0.5 : (ytop <= 10 ? 1 : 2);
  for (double b = 0; b <= ytop + 1e-9; b += ystep) {
    s << "<line x1=\"" << left << "\" y1=\"" << Y(b) << "\" x2=\"" << left + pw << "\" y2=\""
      << Y(b) << "\" stroke=\"#ddd\"/>";
    s << "<text x=\"" << left - 4 << "\" y=\"" << Y(b) + 4 << "\" text-anchor=\"end\">" << b
      << "</text>";
  }
  s << "<text x=\"" << left + pw / 2 << "\" y=\"" << height - 4
    << "\" text-anchor=\"middle\">decode time (log scale)</text>";
  s << "<text x=\"12\" y=\"" << top + ph / 2 << "\" text-anchor=\"middle\" transform=\"rotate(-90 12 "
    << top + ph / 2 << ")\">bits/subpixel</text>";
  s.precision(2);
  for (const auto& p : pts) {
    const double x = X(p.decode_seconds), y = Y(p.bpsp);
    s << "<circle cx=\"" << x << "\" cy=\"" << y << "\" r=\"5\" fill=\"" << kCodecs[p.codec].colour
      << "\"><title>" << kCodecs[p.codec].title << ": " << p.bpsp << " bits/subpixel, "
      << p.decode_seconds << " s</title></circle>";
  }
  // A legend rather than labels by the dots: close codecs would overlap.
  for (size_t i = 0; i < pts.size(); ++i) {
    const double ly = top + 10 + 16.0 * i;
    s << "<circle cx=\"" << left + pw + 12 << "\" cy=\"" << ly - 4 << "\" r=\"4\" fill=\""
      << kCodecs[pts[i].codec].colour << "\"/><text x=\"" << left + pw + 20 << "\" y=\"" << ly
      << "\">" << kCodecs[pts[i].codec].title << " " << pts[i].bpsp << "</text>";
  }
  s << "</svg>";
  return s.str();
}

std::vector<ChartPoint> RowPoints(const Row& r) {
  std::vector<ChartPoint> pts;
  for (int c = 0; c < kNumCodecs; ++c) {
    if (r.codecs[c].have) pts.push_back({c, r.Bpsp(c), r.codecs[c].decode_seconds});
  }
  return pts;
}

}  // namespace

std::string WriteHtml(const std::vector<Row>& rows, const Totals& t, const ReportContext& rc) {
  const std::vector<int> shown = ShownCodecs(t);
  std::ostringstream s;
  s << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>picnic report</title>\n"
       "<style>body{font-family:sans-serif;margin:1.5em;color:#222}"
       "table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #ccc;"
       "padding:2px 8px;text-align:right}th{background:#eee}td:first-child{text-align:left}"
       ".img{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}"
       ".img figure{margin:0}figcaption{font-size:12px;color:#555;max-width:520px}"
       ".failed{color:#c00;font-weight:bold}.bar{height:10px;width:200px;display:inline-block;"
       "vertical-align:middle;background:linear-gradient(to right,"
       "#440154,#3b528b,#21918c,#5ec962,#fde725)}"
       "img{image-rendering:pixelated}</style></head><body>\n";
  s << "<h1>picnic report</h1>\n<p>" << HtmlEscape(SummaryLine(t, rc)) << ".</p>\n";
  for (const auto& note : rc.notes) s << "<p>Note: " << HtmlEscape(note) << "</p>\n";
  s << "<h2>Total</h2>\n<table><tr><th>codec</th><th>bits/subpixel</th><th>encode s</th>"
       "<th>decode s</th></tr>\n";
  for (int c : shown) {
    s << "<tr><td>" << kCodecs[c].title << HtmlEscape(Coverage(t, c)) << "</td><td>"
      << Fmt("%.3f", t.Bpsp(c)) << "</td><td>"
      << (t.codec_has_enc[c] ? Fmt("%.2f", t.enc_s[c]) : "–") << "</td><td>"
      << Fmt("%.3f", t.dec_s[c]) << "</td></tr>\n";
  }
  s << "<tr><td>model NLL</td><td>" << Fmt("%.3f", t.NllBpsp()) << "</td><td></td><td></td></tr>\n";
  s << "</table>\n<p>picnic overhead (file bits / NLL bits − 1, colour-only images): "
    << Fmt("%+.2f%%", t.Overhead() * 100) << "; " << t.failed << " round trip(s) FAILED.</p>\n";
  std::vector<ChartPoint> total_points;
  for (int c : shown) total_points.push_back({c, t.Bpsp(c), t.dec_s[c]});
  s << SvgChart(total_points, 560, 320) << "\n";
  s << "<p style=\"font-size:12px;color:#555\">Bits per subpixel = coded bytes × 8 / "
       "subpixels; picnic's from the real file. Decode times are wall seconds summed over the "
       "images (PNG: libpng in-process; WebP, JPEG-XL: dwebp/djxl processes). Heatmaps: "
       "the model's bits per pixel (all colour channels), from 0 (dark) to the image's 99th "
       "percentile (yellow) — where the model is surprised.</p>\n";
  s << "<h2>Images</h2>\n";
  for (const Row& r : rows) {
    s << "<h3>" << HtmlEscape(r.path) << "</h3>\n<p>" << r.width << "×" << r.height << " "
      << picnic::ChannelLayoutName(r.layout);
    if (r.failed) {
      s << " <span class=\"failed\">FAILED: " << HtmlEscape(r.error) << "</span></p>\n";
      continue;
    }
    s << ", round trip verified; picnic " << Fmt("%.3f", r.Bpsp(kPicnic)) << " bits/subpixel, NLL "
      << Fmt("%.3f", r.NllBpsp()) << ", overhead " << Fmt("%+.2f%%", r.Overhead() * 100)
      << (r.has_alpha() ? " (alpha coded apart from the NLL)" : "") << "; encode "
      << Fmt("%.2f", r.codecs[kPicnic].encode_seconds) << " s, decode "
      << Fmt("%.2f", r.codecs[kPicnic].decode_seconds) << " s.</p>\n<div class=\"img\">";
    std::string width_attr;
    if (r.preview_width > 0 && r.preview_width < kMinDisplayWidth) {
      const int zoom = (kMinDisplayWidth + r.preview_width - 1) / r.preview_width;
      width_attr = " width=\"" + std::to_string(r.preview_width * zoom) + "\"";
    }
    if (!r.original_png_b64.empty()) {
      s << "<figure><img alt=\"image\"" << width_attr << " src=\"data:image/png;base64," << r.original_png_b64
        << "\"><figcaption>image</figcaption></figure>";
    }
    if (!r.heatmap_png_b64.empty()) {
      s << "<figure><img alt=\"bits per pixel\"" << width_attr << " src=\"data:image/png;base64," << r.heatmap_png_b64
        << "\"><figcaption>bits per pixel: 0 <span class=\"bar\"></span> "
        << Fmt("%.1f", r.heatmap_max_bits) << "+</figcaption></figure>";
    } else {
      s << "<figure><figcaption>(no heatmap: model " << HtmlEscape(rc.model_name)
        << " has no NLL)</figcaption></figure>";
    }
    s << "<figure>" << SvgChart(RowPoints(r), 420, 260) << "</figure></div>\n";
  }
  s << "</body></html>\n";
  return s.str();
}

}  // namespace picnic_report
