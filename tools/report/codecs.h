// The codecs a report compares: picnic, PNG as stored, and the external
// lossless codecs (external.h runs those). Rows, totals and every writer
// index them by Codec.
#ifndef PICNIC_TOOLS_REPORT_CODECS_H_
#define PICNIC_TOOLS_REPORT_CODECS_H_

namespace picnic_report {

enum Codec { kPicnic = 0, kPng, kWebp, kJxl7, kJxl9, kNumCodecs };

struct CodecInfo {
  const char* key;     // JSON and CSV names
  const char* title;   // tables and charts
  const char* colour;  // charts
};

inline constexpr CodecInfo kCodecs[kNumCodecs] = {
    {"picnic", "picnic", "#d62728"},
    {"png", "PNG", "#7f7f7f"},
    {"webp", "WebP", "#1f77b4"},
    {"jxl_e7", "JXL e7", "#2ca02c"},
    {"jxl_e9", "JXL e9", "#17becf"},
};

}  // namespace picnic_report

#endif  // PICNIC_TOOLS_REPORT_CODECS_H_
