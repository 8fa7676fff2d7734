// Number and text formatting shared by the writers.
#ifndef PICNIC_TOOLS_REPORT_FORMAT_H_
#define PICNIC_TOOLS_REPORT_FORMAT_H_

#include <cstdint>
#include <string>

#include "rows.h"
#include "totals.h"

namespace picnic_report {

// printf-formats one number; "n/a" for NaN (not measured).
std::string Fmt(const char* format, double v);

// Appends printf-formatted text to *out.
void Appendf(std::string* out, const char* format, ...) __attribute__((format(printf, 2, 3)));

std::string HtmlEscape(const std::string& s);

// "model photo (fingerprint ...), tile 64, 2 threads; 3 images, N pixels;
// 2 x CPU": the first line of the table, the Markdown and the HTML.
std::string SummaryLine(const Totals& t, const ReportContext& rc);

}  // namespace picnic_report

#endif  // PICNIC_TOOLS_REPORT_FORMAT_H_
