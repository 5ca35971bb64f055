// ActPrinter: the one way the kiosk and the CLI put a rendered document on
// paper. It saves the PDF first (so the document exists whatever the printer
// does), then hands the saved file to the Printer seam. A print failure never
// loses the PDF: the outcome carries the saved path and the print status.
//
// Ownership: borrows the Printer (may be null: no printer configured), which
// must outlive the ActPrinter. Thread-safety: as thread-safe as the Printer.
#pragma once

#include <string>

#include "common/result.h"
#include "hardware/printer.h"

namespace qoima::print {

struct PrintOutcome {
  std::string saved_path;    // always set on success of Print()
  Status printed;            // OK, or why the paper copy failed
  hardware::PrintedJob job;  // set when printed is OK
};

class ActPrinter {
 public:
  explicit ActPrinter(hardware::Printer* printer) : printer_(printer) {}

  /// Saves `pdf` to `save_path`, then prints it `copies` times under `title`.
  /// Fails only when the PDF cannot be saved; a print failure is reported in
  /// PrintOutcome::printed.
  Result<PrintOutcome> SaveAndPrint(const std::string& pdf, const std::string& save_path, const std::string& title,
                                    int copies = 2) const;

 private:
  hardware::Printer* printer_;
};

}  // namespace qoima::print
