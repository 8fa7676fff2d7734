// The table on standard output: one line per image, a total, decode times.
#include <cinttypes>
#include <cmath>

#include "format.h"
#include "writers.h"

namespace picnic_report {

std::string WriteTable(const std::vector<Row>& rows, const Totals& t, const ReportContext& rc) {
  std::string s;
  Appendf(&s, "%s\n", SummaryLine(t, rc).c_str());
  Appendf(&s, "%-8s %7s %7s %8s %8s %8s %7s %7s %7s %7s  %-11s %s\n", "status", "picnic", "NLL",
          "overhead", "enc s", "dec s", kCodecs[kPng].title, kCodecs[kWebp].title,
          kCodecs[kJxl7].title, kCodecs[kJxl9].title, "size", "image");
  for (const Row& r : rows) {
    const std::string size = std::to_string(r.width) + "x" + std::to_string(r.height) +
                             (r.has_alpha() ? "+a" : "");
    if (r.failed) {
      Appendf(&s, "%-8s %7s %7s %8s %8s %8s %7s %7s %7s %7s  %-11s %s: %s\n", "FAILED", "", "",
              "", "", "", "", "", "", "", size.c_str(), r.path.c_str(), r.error.c_str());
      continue;
    }
    std::string overhead = Fmt("%+.2f%%", r.Overhead() * 100);
    if (r.has_alpha() && r.have_nll) overhead = "alpha*";
    Appendf(&s, "%-8s %7s %7s %8s %8s %8s %7s %7s %7s %7s  %-11s %s\n", "verified",
            Fmt("%.3f", r.Bpsp(kPicnic)).c_str(), Fmt("%.3f", r.NllBpsp()).c_str(),
            overhead.c_str(), Fmt("%.2f", r.codecs[kPicnic].encode_seconds).c_str(),
            Fmt("%.2f", r.codecs[kPicnic].decode_seconds).c_str(),
            Fmt("%.3f", r.Bpsp(kPng)).c_str(), Fmt("%.3f", r.Bpsp(kWebp)).c_str(),
            Fmt("%.3f", r.Bpsp(kJxl7)).c_str(), Fmt("%.3f", r.Bpsp(kJxl9)).c_str(), size.c_str(),
            r.path.c_str());
  }
  const std::string status = t.failed ? std::to_string(t.failed) + " FAIL" : "total";
  // "*": the baseline's total covers only some images (see the decode line).
  auto total_cell = [&](int c) {
    return Fmt("%.3f", t.Bpsp(c)) + (t.codec_images[c] > 0 && t.codec_images[c] < t.images ? "*" : "");
  };
  Appendf(&s, "%-8s %7s %7s %8s %8s %8s %7s %7s %7s %7s  %-11s %zu image%s, %" PRIu64 " subpixels\n",
          status.c_str(), Fmt("%.3f", t.Bpsp(kPicnic)).c_str(), Fmt("%.3f", t.NllBpsp()).c_str(),
          Fmt("%+.2f%%", t.Overhead() * 100).c_str(), Fmt("%.2f", t.enc_s[kPicnic]).c_str(),
          Fmt("%.2f", t.dec_s[kPicnic]).c_str(), total_cell(kPng).c_str(), total_cell(kWebp).c_str(),
          total_cell(kJxl7).c_str(), total_cell(kJxl9).c_str(), "", t.images,
          t.images == 1 ? "" : "s", t.subpixels);
  s += "decode seconds (sum):";
  for (int c : ShownCodecs(t)) {
    Appendf(&s, " %s %s%s", kCodecs[c].title, Fmt("%.3f", t.dec_s[c]).c_str(), Coverage(t, c).c_str());
  }
  s += "\n";
  if (t.alpha_images > 0 && !std::isnan(t.NllBpsp())) {
    Appendf(&s,
            "alpha*: the file also holds alpha, which the NLL does not score; the total "
            "overhead is over the %zu colour-only image%s\n",
            t.overhead_images, t.overhead_images == 1 ? "" : "s");
  }
  for (const auto& note : rc.notes) Appendf(&s, "note: %s\n", note.c_str());
  return s;
}

}  // namespace picnic_report
