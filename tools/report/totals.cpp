#include "totals.h"

#include <cmath>

namespace picnic_report {

Totals ComputeTotals(const std::vector<Row>& rows) {
  Totals t;
  for (const Row& r : rows) {
    if (r.failed) {
      ++t.failed;
      continue;
    }
    ++t.images;
    t.pixels += static_cast<uint64_t>(r.width) * r.height;
    t.subpixels += r.subpixels;
    t.color_subpixels += r.color_subpixels;
    if (r.has_alpha()) ++t.alpha_images;
    for (int c = 0; c < kNumCodecs; ++c) {
      const CodecResult& k = r.codecs[c];
      if (!k.have) continue;
      t.bits[c] += k.bytes * 8.0;
      t.codec_subpixels[c] += r.subpixels;
      ++t.codec_images[c];
      if (!std::isnan(k.encode_seconds)) {
        t.enc_s[c] += k.encode_seconds;
        t.codec_has_enc[c] = true;
      }
      if (!std::isnan(k.decode_seconds)) t.dec_s[c] += k.decode_seconds;
    }
    if (r.have_nll) {
      t.nll_bits += r.nll_bits;
      t.nll_subpixels += r.color_subpixels;
      if (!r.has_alpha()) {
        t.overhead_file_bits += r.codecs[kPicnic].bytes * 8.0;
        t.overhead_nll_bits += r.nll_bits;
        ++t.overhead_images;
      }
    }
  }
  return t;
}

std::vector<int> ShownCodecs(const Totals& t) {
  std::vector<int> out = {kPicnic};
  for (int c = kPng; c < kNumCodecs; ++c) {
    if (t.codec_images[c] > 0) out.push_back(c);
  }
  return out;
}

std::string Coverage(const Totals& t, int c) {
  if (t.codec_images[c] == t.images) return "";
  return " (" + std::to_string(t.codec_images[c]) + " of " + std::to_string(t.images) + " images)";
}

}  // namespace picnic_report
