// --markdown: a totals table, then one line per image (the README's tables).
#include <cmath>
#include <sstream>

#include "command.h"
#include "format.h"
#include "writers.h"

namespace picnic_report {

std::string WriteMarkdown(const std::vector<Row>& rows, const Totals& t, const ReportContext& rc) {
  const std::vector<int> shown = ShownCodecs(t);
  std::ostringstream s;
  s << "| codec | bits/subpixel | encode s | decode s |\n|---|---:|---:|---:|\n";
  for (int c : shown) {
    s << "| " << kCodecs[c].title << Coverage(t, c) << " | " << Fmt("%.3f", t.Bpsp(c)) << " | "
      << (t.codec_has_enc[c] ? Fmt("%.2f", t.enc_s[c]) : "–") << " | "
      << Fmt("%.2f", t.dec_s[c]) << " |\n";
  }
  if (!std::isnan(t.NllBpsp())) {
    s << "| model NLL | " << Fmt("%.3f", t.NllBpsp()) << " | | |\n";
  }
  s << "\n";
  s << "| image | size | picnic | NLL | overhead |";
  for (int c : shown) {
    if (c != kPicnic) s << " " << kCodecs[c].title << " |";
  }
  s << " picnic enc s | picnic dec s |\n|---|---|---:|---:|---:|";
  for (size_t i = 1; i < shown.size(); ++i) s << "---:|";
  s << "---:|---:|\n";
  for (const Row& r : rows) {
    s << "| " << picnic_cli::BaseName(r.path) << (r.has_alpha() ? " (alpha)" : "") << " | "
      << r.width << "×" << r.height << " | ";
    if (r.failed) {
      s << "FAILED |";
      for (size_t i = 0; i < shown.size() + 3; ++i) s << " |";
      s << "\n";
      continue;
    }
    s << Fmt("%.3f", r.Bpsp(kPicnic)) << " | " << Fmt("%.3f", r.NllBpsp()) << " | "
      << Fmt("%+.2f%%", r.Overhead() * 100) << " |";
    for (int c : shown) {
      if (c != kPicnic) s << " " << Fmt("%.3f", r.Bpsp(c)) << " |";
    }
    s << " " << Fmt("%.2f", r.codecs[kPicnic].encode_seconds) << " | "
      << Fmt("%.2f", r.codecs[kPicnic].decode_seconds) << " |\n";
  }
  s << "| **total** | " << t.images << (t.images == 1 ? " image" : " images") << " | **"
    << Fmt("%.3f", t.Bpsp(kPicnic)) << "** | " << Fmt("%.3f", t.NllBpsp()) << " | "
    << Fmt("%+.2f%%", t.Overhead() * 100) << " |";
  for (int c : shown) {
    if (c != kPicnic) s << " " << Fmt("%.3f", t.Bpsp(c)) << " |";
  }
  s << " " << Fmt("%.2f", t.enc_s[kPicnic]) << " | " << Fmt("%.2f", t.dec_s[kPicnic]) << " |\n\n";
  s << "Bits per subpixel = coded bytes × 8 / subpixels (alpha included where present); "
       "picnic's from the real .pnc file, header included; NLL over the same tiles, "
       "colour channels only; overhead = file bits / NLL bits − 1, colour-only images. "
       "Times are wall seconds; PNG decode is libpng in-process, WebP and JPEG-XL are "
       "dwebp/djxl processes. "
    << SummaryLine(t, rc) << ".\n";
  for (const auto& note : rc.notes) s << "\nNote: " << note << "\n";
  return s.str();
}

}  // namespace picnic_report
