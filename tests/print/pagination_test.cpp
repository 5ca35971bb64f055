// Pagination of a long Annex 3 act: every page carries the table header and
// "page N of M". Built twice: QOIMA_PRINT_ROWS=2000 (about 80 pages) in the
// default suite and 10000 (about 390 pages, the size) labelled slow,
// because under ASan on a shared 2-core machine the big one takes a minute.
#include <catch2/catch.hpp>

#include <regex>

#include "appliance/print/document_renderer.h"
#include "tests/fixtures/temp_dir.h"
#include "tests/print/sample_documents.h"

#ifndef QOIMA_PRINT_ROWS
#error "define QOIMA_PRINT_ROWS"
#endif

namespace qoima::print {
namespace {

using qoima::testing::TempDir;
using testing::RunTool;

int PageCount(const std::string& pdf) {
  std::smatch m;
  const std::string info = RunTool({"pdfinfo", pdf});
  REQUIRE(std::regex_search(info, m, std::regex("Pages:\\s+(\\d+)")));
  return std::stoi(m[1]);
}

std::vector<std::string> PagesText(const std::string& pdf) {
  const std::string text = RunTool({"pdftotext", "-enc", "UTF-8", pdf, "-"});
  std::vector<std::string> pages;
  size_t start = 0;
  for (size_t ff; (ff = text.find('\f', start)) != std::string::npos; start = ff + 1) {
    pages.push_back(text.substr(start, ff - start));
  }
  return pages;
}

TEST_CASE("a long act paginates with the table header and page N of M on every page") {
  constexpr size_t kRows = QOIMA_PRINT_ROWS;
  TempDir dir("qoima-print");
  const AcceptanceAct act = testing::SampleAct(kRows);
  auto set = TemplateSet::Builtin(TemplateSet::kDefaultId);
  REQUIRE(set.ok());
  auto rendered = DocumentRenderer(*set, Bilingual()).Render(act);
  INFO(rendered.status().ToString());
  REQUIRE(rendered.ok());
  const std::string pdf = dir.Sub("big.pdf");
  REQUIRE(SavePdf(*rendered, pdf).ok());
  const int total = PageCount(pdf);
  CHECK(total > static_cast<int>(kRows / 30));  // about 26 rows a page
  const std::vector<std::string> pages = PagesText(pdf);
  REQUIRE(static_cast<int>(pages.size()) == total);
  int pages_with_rows = 0;
  for (int n = 1; n <= total; ++n) {
    const std::string& page = pages[static_cast<size_t>(n - 1)];
    INFO("page " << n);
    CHECK(page.find("Бет " + std::to_string(n) + " / " + std::to_string(total)) != std::string::npos);
    CHECK(page.find("Страница " + std::to_string(n) + " из " + std::to_string(total)) != std::string::npos);
    if (page.find("әғқңөұүһі_") != std::string::npos) {
      ++pages_with_rows;
      CHECK(page.find("Файлдың") != std::string::npos);
      CHECK(page.find("Имя файла") != std::string::npos);
    }
  }
  CHECK(pages_with_rows >= total - 2);
  // First and last rows and their hashes are present.
  CHECK(pages.front().find("әғқңөұүһі_1.cpp") != std::string::npos);
  bool last_row = false, last_hash = false;
  for (const std::string& page : pages) {
    last_row = last_row || page.find("әғқңөұүһі_" + std::to_string(kRows) + ".cpp") != std::string::npos;
    last_hash = last_hash || page.find(act.files[kRows - 1].sha256) != std::string::npos;
  }
  CHECK(last_row);
  CHECK(last_hash);
}

}  // namespace
}  // namespace qoima::print
