// --csv: one row per image, then a TOTAL row; empty cells for what was not
// measured.
#include <cmath>
#include <sstream>

#include "format.h"
#include "writers.h"

namespace picnic_report {
namespace {

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char ch : s) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

std::string CsvNum(double v) { return std::isnan(v) ? "" : Fmt("%.6g", v); }

}  // namespace

std::string WriteCsv(const std::vector<Row>& rows, const Totals& t) {
  std::ostringstream s;
  s << "image,status,width,height,layout,pixels,subpixels,file_bytes,file_bits_per_subpixel,"
       "nll_bits_per_subpixel,overhead_percent,encode_seconds,decode_seconds";
  for (int c = kPng; c < kNumCodecs; ++c) {
    s << "," << kCodecs[c].key << "_bits_per_subpixel," << kCodecs[c].key << "_encode_seconds,"
      << kCodecs[c].key << "_decode_seconds";
  }
  s << "\n";
  for (const Row& r : rows) {
    s << CsvField(r.path) << "," << (r.failed ? "FAILED" : "ok") << "," << r.width << ","
      << r.height << "," << picnic::ChannelLayoutName(r.layout) << ","
      << static_cast<uint64_t>(r.width) * r.height << "," << r.subpixels << ","
      << (r.codecs[kPicnic].have ? std::to_string(r.codecs[kPicnic].bytes) : "") << ","
      << CsvNum(r.Bpsp(kPicnic)) << "," << CsvNum(r.NllBpsp()) << ","
      << CsvNum(r.Overhead() * 100) << "," << CsvNum(r.codecs[kPicnic].encode_seconds) << ","
      << CsvNum(r.codecs[kPicnic].decode_seconds);
    for (int c = kPng; c < kNumCodecs; ++c) {
      s << "," << CsvNum(r.Bpsp(c)) << "," << CsvNum(r.codecs[c].encode_seconds) << ","
        << CsvNum(r.codecs[c].decode_seconds);
    }
    s << "\n";
  }
  s << "TOTAL,"
    << (t.failed ? std::to_string(t.failed) + " FAILED" : std::string("ok")) << ",,,,"
    << t.pixels << "," << t.subpixels << ",," << CsvNum(t.Bpsp(kPicnic)) << ","
    << CsvNum(t.NllBpsp()) << "," << CsvNum(t.Overhead() * 100) << "," << CsvNum(t.enc_s[kPicnic])
    << "," << CsvNum(t.dec_s[kPicnic]);
  for (int c = kPng; c < kNumCodecs; ++c) {
    const bool have = t.codec_images[c] > 0;
    s << "," << CsvNum(t.Bpsp(c)) << ","
      << (have && t.codec_has_enc[c] ? CsvNum(t.enc_s[c]) : "") << ","
      << (have ? CsvNum(t.dec_s[c]) : "");
  }
  s << "\n";
  return s.str();
}

}  // namespace picnic_report
