// Totals over a report's rows: pure functions of the rows (totals_test.cpp).
#ifndef PICNIC_TOOLS_REPORT_TOTALS_H_
#define PICNIC_TOOLS_REPORT_TOTALS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "rows.h"

namespace picnic_report {

struct Totals {
  size_t images = 0, failed = 0;
  uint64_t pixels = 0, subpixels = 0, color_subpixels = 0;
  // Per codec: bits, subpixels, seconds and image count over the images it has.
  double bits[kNumCodecs] = {}, enc_s[kNumCodecs] = {}, dec_s[kNumCodecs] = {};
  uint64_t codec_subpixels[kNumCodecs] = {};
  size_t codec_images[kNumCodecs] = {};
  bool codec_has_enc[kNumCodecs] = {};
  // NLL over every image with one; overhead over colour-only images.
  double nll_bits = 0;
  uint64_t nll_subpixels = 0;
  double overhead_file_bits = 0, overhead_nll_bits = 0;
  size_t overhead_images = 0, alpha_images = 0;

  double Bpsp(int c) const {
    return codec_subpixels[c] ? bits[c] / static_cast<double>(codec_subpixels[c]) : kNan;
  }
  double NllBpsp() const {
    return nll_subpixels ? nll_bits / static_cast<double>(nll_subpixels) : kNan;
  }
  double Overhead() const {
    return overhead_nll_bits > 0 ? overhead_file_bits / overhead_nll_bits - 1.0 : kNan;
  }
};

// Failed rows count only in `failed`; a codec's sums cover the images it has.
Totals ComputeTotals(const std::vector<Row>& rows);

// Which codecs to show: picnic always, a baseline when some image has it.
std::vector<int> ShownCodecs(const Totals& t);

// "(3 of 4 images)" when a baseline total does not cover every image.
std::string Coverage(const Totals& t, int c);

}  // namespace picnic_report

#endif  // PICNIC_TOOLS_REPORT_TOTALS_H_
