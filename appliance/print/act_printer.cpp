#include "appliance/print/act_printer.h"

#include "appliance/print/document_renderer.h"

namespace qoima::print {

Result<PrintOutcome> ActPrinter::SaveAndPrint(const std::string& pdf, const std::string& save_path,
                                              const std::string& title, int copies) const {
  QOIMA_RETURN_IF_ERROR(SavePdf(pdf, save_path));
  PrintOutcome outcome;
  outcome.saved_path = save_path;
  if (printer_ == nullptr) {
    outcome.printed = Status::FailedPrecondition("no printer is configured; the PDF is saved at " + save_path);
    return outcome;
  }
  auto job = printer_->Print({save_path, title, copies});
  if (job.ok()) {
    outcome.job = *job;
  } else {
    outcome.printed = job.status().WithContext("print " + save_path);
  }
  return outcome;
}

}  // namespace qoima::print
