// ActPrinter with a recording fake Printer: the PDF is saved before printing
// and survives every print failure.
#include <catch2/catch.hpp>

#include <filesystem>

#include "appliance/print/act_printer.h"
#include "tests/fixtures/temp_dir.h"

namespace qoima::print {
namespace {

class FakePrinter : public hardware::Printer {
 public:
  explicit FakePrinter(Status result) : result_(std::move(result)) {}
  Result<hardware::PrintedJob> Print(const hardware::PrintRequest& request) override {
    requests.push_back(request);
    existed_when_printed = std::filesystem::exists(request.pdf_path);
    if (!result_.ok()) return result_;
    return hardware::PrintedJob{"fake-1", "fake"};
  }
  std::vector<hardware::PrintRequest> requests;
  bool existed_when_printed = false;

 private:
  Status result_;
};

const std::string kPdf = "%PDF-1.5\n%%EOF\n";

TEST_CASE("the PDF is saved before it is printed") {
  qoima::testing::TempDir dir("qoima-print");
  FakePrinter printer(Status::Ok());
  auto outcome = ActPrinter(&printer).SaveAndPrint(kPdf, dir.Sub("act.pdf"), "act QA-1");
  REQUIRE(outcome.ok());
  CHECK(outcome->printed.ok());
  CHECK(outcome->job.job_id == "fake-1");
  REQUIRE(printer.requests.size() == 1);
  CHECK(printer.existed_when_printed);
  CHECK(printer.requests[0].pdf_path == dir.Sub("act.pdf"));
  CHECK(printer.requests[0].copies == 2);  // one copy for each party
  CHECK(qoima::testing::ReadFile(dir.Sub("act.pdf")) == kPdf);
}

TEST_CASE("a failed print keeps the saved PDF and says why") {
  qoima::testing::TempDir dir("qoima-print");
  FakePrinter printer(Status::IoError("print job fake-7 was aborted by the print server: Filter failed"));
  auto outcome = ActPrinter(&printer).SaveAndPrint(kPdf, dir.Sub("act.pdf"), "act QA-1");
  REQUIRE(outcome.ok());
  CHECK(outcome->printed.code() == Code::kIoError);
  CHECK(outcome->printed.message().find("Filter failed") != std::string::npos);
  CHECK(std::filesystem::exists(dir.Sub("act.pdf")));
}

TEST_CASE("with no printer configured the PDF is still saved") {
  qoima::testing::TempDir dir("qoima-print");
  auto outcome = ActPrinter(nullptr).SaveAndPrint(kPdf, dir.Sub("act.pdf"), "act QA-1");
  REQUIRE(outcome.ok());
  CHECK(outcome->printed.code() == Code::kFailedPrecondition);
  CHECK(outcome->printed.message().find("no printer is configured") != std::string::npos);
  CHECK(std::filesystem::exists(dir.Sub("act.pdf")));
}

TEST_CASE("a PDF that cannot be saved is an error and nothing is printed") {
  qoima::testing::TempDir dir("qoima-print");
  FakePrinter printer(Status::Ok());
  auto outcome = ActPrinter(&printer).SaveAndPrint(kPdf, dir.Sub("missing/act.pdf"), "act QA-1");
  CHECK_FALSE(outcome.ok());
  CHECK(printer.requests.empty());
}

}  // namespace
}  // namespace qoima::print
