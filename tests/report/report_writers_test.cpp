// The report's outputs on fixed rows (report_fixture.h) against golden files
// written by the report before it was split into tools/report/: the table,
// JSON, CSV, Markdown and HTML must not change byte for byte unless a change
// means to (then rewrite them: PICNIC_WRITE_GOLDEN=1 build/tests/picnic_report_tests).
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

#include "totals.h"
#include "writers.h"

namespace {

using namespace picnic_report;
#include "report/report_fixture.h"

std::string GoldenPath(const std::string& file) {
  return std::string(PICNIC_SOURCE_DIR) + "/tests/report/golden/" + file;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void CheckGolden(const std::string& file, const std::string& got) {
  INFO("golden file " << file);
  if (std::getenv("PICNIC_WRITE_GOLDEN")) std::ofstream(GoldenPath(file), std::ios::binary) << got;
  const std::string want = ReadText(GoldenPath(file));
  REQUIRE_FALSE(want.empty());
  CHECK(got == want);
}

// The machine and version are the context's, so the outputs do not depend on
// where the test runs.
ReportContext FixedContext(int which) {
  ReportContext rc = report_fixture::Context(which);
  rc.picnic_version = "9.8.7";
  rc.nproc = 4;
  rc.cpu = "Example CPU @ 2.00GHz";
  return rc;
}

}  // namespace

TEST_CASE("report writers: table, JSON, CSV, Markdown and HTML are unchanged", "[report]") {
  for (int which = 0; which < 2; ++which) {
    const std::vector<Row> rows = report_fixture::Rows(which);
    const ReportContext rc = FixedContext(which);
    const Totals t = ComputeTotals(rows);
    const std::string name = "fixture" + std::to_string(which);
    CheckGolden(name + ".txt", WriteTable(rows, t, rc));
    CheckGolden(name + ".json", WriteJson(rows, t, rc));
    CheckGolden(name + ".csv", WriteCsv(rows, t));
    CheckGolden(name + ".md", WriteMarkdown(rows, t, rc));
    CheckGolden(name + ".html", WriteHtml(rows, t, rc));
  }
}

TEST_CASE("report writers: every row, note and escaped path appears", "[report]") {
  const std::vector<Row> rows = report_fixture::Rows(0);
  const ReportContext rc = FixedContext(0);
  const Totals t = ComputeTotals(rows);
  const std::string html = WriteHtml(rows, t, rc);
  CHECK(html.find("c &lt;&amp;&gt;.pgm") != std::string::npos);
  CHECK(html.find("<&>") == std::string::npos);
  CHECK(WriteCsv(rows, t).find("\"dir,with \"\"quote\"\"/c <&>.pgm\"") != std::string::npos);
  const std::string table = WriteTable(rows, t, rc);
  for (const Row& r : rows) CHECK(table.find(r.path) != std::string::npos);
  for (const auto& note : rc.notes) CHECK(table.find("note: " + note + "\n") != std::string::npos);
}
