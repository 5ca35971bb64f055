// CupsPrinter against a private cupsd with the real cups-pdf virtual printer.
#include <catch2/catch.hpp>

#include <regex>

#include "appliance/print/document_renderer.h"
#include "hardware/printer.h"
#include "tests/fixtures/temp_dir.h"
#include "tests/print/private_cupsd.h"
#include "tests/print/sample_documents.h"

namespace qoima::print {
namespace {

using hardware::CupsConfig;
using hardware::CupsPrinter;
using hardware::PrintRequest;
using testing::RunTool;

int PageCount(const std::string& pdf) {
  std::smatch m;
  const std::string info = RunTool({"pdfinfo", pdf});
  REQUIRE(std::regex_search(info, m, std::regex("Pages:\\s+(\\d+)")));
  return std::stoi(m[1]);
}

std::string RenderNotice(const qoima::testing::TempDir& dir, const Notice& notice) {
  auto set = TemplateSet::Builtin(TemplateSet::kDefaultId);
  REQUIRE(set.ok());
  auto pdf = DocumentRenderer(*set, Bilingual()).Render(notice);
  REQUIRE(pdf.ok());
  const std::string path = dir.Sub("notice.pdf");
  REQUIRE(SavePdf(*pdf, path).ok());
  return path;
}

TEST_CASE("an act printed through a private cupsd comes out of cups-pdf with its QR code intact") {
  qoima::testing::TempDir dir("qoima-print");
  testing::PrivateCupsd cupsd;
  cupsd.AddCupsPdfQueue("qoima-pdf");
  const Notice notice = testing::SampleNotice();
  const std::string pdf = RenderNotice(dir, notice);

  CupsPrinter printer({"qoima-pdf", cupsd.socket_path()});
  auto job = printer.Print({pdf, "act " + notice.verification.act_id, 1});
  INFO(job.status().ToString());
  REQUIRE(job.ok());
  CHECK(std::regex_match(job->job_id, std::regex("qoima-pdf-\\d+")));

  const auto out = cupsd.OutputFiles();  // lp returned only after the job completed
  REQUIRE(out.size() == 1);
  const std::string pages = "Pages:\\s+" + std::to_string(PageCount(pdf)) + "\n";
  CHECK(std::regex_search(RunTool({"pdfinfo", out.front()}), std::regex(pages)));
  const std::string last = std::to_string(PageCount(pdf));
  RunTool({"pdftoppm", "-r", "150", "-gray", "-png", "-f", last, "-l", last, "-singlefile", out.front(),
           dir.Sub("printed")});
  std::string scanned = RunTool({"zbarimg", "--raw", "-q", dir.Sub("printed.png")});
  while (!scanned.empty() && scanned.back() == '\n') scanned.pop_back();
  CHECK(VerifyPayload(scanned, notice.verification).ok());
}

TEST_CASE("printing with no printer configured is a clear error") {
  CupsPrinter printer(CupsConfig{});
  auto job = printer.Print({"/nonexistent.pdf", "x", 1});
  REQUIRE_FALSE(job.ok());
  CHECK(job.status().code() == Code::kFailedPrecondition);
  CHECK(job.status().message().find("no printer is configured") != std::string::npos);
}

TEST_CASE("a print server that is not running is named in the error") {
  qoima::testing::TempDir dir("qoima-print");
  CupsPrinter printer({"qoima-pdf", dir.Sub("no-cupsd.sock")});
  Status st = printer.CheckQueue();
  CHECK(st.code() == Code::kFailedPrecondition);
  CHECK(st.message().find("not running") != std::string::npos);
  CHECK(st.message().find(dir.Sub("no-cupsd.sock")) != std::string::npos);
}

TEST_CASE("a missing queue, a stopped printer and a failed job are clear errors") {
  qoima::testing::TempDir dir("qoima-print");
  testing::PrivateCupsd cupsd;
  cupsd.AddCupsPdfQueue("qoima-pdf");
  const std::string pdf = RenderNotice(dir, testing::SampleNotice());

  SECTION("missing queue") {
    CupsPrinter printer({"no-such-queue", cupsd.socket_path()});
    auto job = printer.Print({pdf, "x", 1});
    REQUIRE_FALSE(job.ok());
    CHECK(job.status().code() == Code::kNotFound);
    CHECK(job.status().message().find("'no-such-queue' does not exist") != std::string::npos);
  }
  SECTION("stopped printer") {
    cupsd.DisableQueue("qoima-pdf", "paper jam");
    CupsPrinter printer({"qoima-pdf", cupsd.socket_path()});
    auto job = printer.Print({pdf, "x", 1});
    REQUIRE_FALSE(job.ok());
    CHECK(job.status().code() == Code::kFailedPrecondition);
    CHECK(job.status().message().find("stopped") != std::string::npos);
    CHECK(job.status().message().find("paper jam") != std::string::npos);
    CHECK(cupsd.OutputFiles().empty());
  }
  SECTION("job the filters cannot process") {
    const std::string broken = dir.Sub("broken.pdf");
    qoima::testing::WriteFile(broken, "%PDF-1.5\nthis is not really a PDF\n");
    CupsPrinter printer({"qoima-pdf", cupsd.socket_path()});
    auto job = printer.Print({broken, "broken", 1});
    REQUIRE_FALSE(job.ok());
    INFO(job.status().ToString());
    CHECK(job.status().code() == Code::kIoError);
    CHECK(std::regex_search(job.status().message(), std::regex("print job qoima-pdf-\\d+ was (aborted|stopped)")));
    // The server's own reason is passed on.
    CHECK(job.status().message().find("no reason given") == std::string::npos);
  }
  SECTION("not a PDF") {
    const std::string text = dir.Sub("act.txt");
    qoima::testing::WriteFile(text, "hello");
    CupsPrinter printer({"qoima-pdf", cupsd.socket_path()});
    CHECK(printer.Print({text, "x", 1}).status().code() == Code::kInvalidArgument);
    CHECK(printer.Print({pdf, "x", 0}).status().code() == Code::kInvalidArgument);
  }
}

}  // namespace
}  // namespace qoima::print
