// The report's outputs, one file each: pure functions of the rows, their
// totals and the context, so that a test can pin them byte for byte
// (tests/report/report_writers_test.cpp).
#ifndef PICNIC_TOOLS_REPORT_WRITERS_H_
#define PICNIC_TOOLS_REPORT_WRITERS_H_

#include <string>
#include <vector>

#include "rows.h"
#include "totals.h"

namespace picnic_report {

// The table `picnic report` prints on standard output.
std::string WriteTable(const std::vector<Row>& rows, const Totals& t, const ReportContext& rc);
// --json: the whole report, indented, with a final newline.
std::string WriteJson(const std::vector<Row>& rows, const Totals& t, const ReportContext& rc);
// --csv: one row per image and a TOTAL row.
std::string WriteCsv(const std::vector<Row>& rows, const Totals& t);
// --markdown: a totals table and a per-image table, for the README.
std::string WriteMarkdown(const std::vector<Row>& rows, const Totals& t, const ReportContext& rc);
// --html: one self-contained page with previews, heatmaps and charts.
std::string WriteHtml(const std::vector<Row>& rows, const Totals& t, const ReportContext& rc);

}  // namespace picnic_report

#endif  // PICNIC_TOOLS_REPORT_WRITERS_H_
