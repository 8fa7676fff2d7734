#include "format.h"

#include <cinttypes>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <vector>

namespace picnic_report {

std::string Fmt(const char* format, double v) {
  if (std::isnan(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

void Appendf(std::string* out, const char* format, ...) {
  va_list args;
  va_start(args, format);
  va_list again;
  va_copy(again, args);
  const int n = std::vsnprintf(nullptr, 0, format, args);
  va_end(args);
  if (n > 0) {
    std::vector<char> buf(static_cast<size_t>(n) + 1);
    std::vsnprintf(buf.data(), buf.size(), format, again);
    out->append(buf.data(), static_cast<size_t>(n));
  }
  va_end(again);
}

std::string HtmlEscape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}


std::string SummaryLine(const Totals& t, const ReportContext& rc) {
  std::string s = "model " + rc.model_name;
  if (!rc.fingerprint.empty()) s += " (fingerprint " + rc.fingerprint + ")";
  s += ", effort " + std::to_string(rc.effort) + (rc.recalibrate ? std::string(rc.calibration_map ? "" : ", no calibration map") + (rc.error_feedback ? "" : ", no error feedback") : std::string(", not recalibrated")) + ", tile " + std::to_string(rc.tile_size) + ", " + std::to_string(rc.effective_threads) +
       " thread" + (rc.effective_threads == 1 ? "" : "s") + "; " + std::to_string(t.images) +
       " image" + (t.images == 1 ? "" : "s") + ", " + std::to_string(t.pixels) + " pixels; " +
       std::to_string(rc.nproc) + " x " + rc.cpu;
  return s;
}

}  // namespace picnic_report
