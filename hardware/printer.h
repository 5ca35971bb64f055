// Printer: the seam through which the appliance puts acts on paper, and
// CupsPrinter, its backend over the CUPS command-line clients (`lpstat`, `lp`,
// `cancel`, and `ipptool` to read a job's final state).
//
// Printing is "submit, then wait until the print server says the job
// completed": an act is not reported as printed while it sits in a queue, and
// a job the printer aborted or stopped on is an error naming the queue, the job
// and the server's reason. The PDF itself is always saved first (see
// print::SavePdf), so a failed print never loses the document.
//
// External interfaces (the sandbox allow-list): runs /usr/bin/lpstat, lp,
// cancel and ipptool; they talk IPP to the configured server (a UNIX socket
// path such as /run/cups/cups.sock, or host:port). No other file or device.
//
// Thread-safety: CupsPrinter holds only its configuration; Print() may be
// called from several threads (each call runs its own subprocesses).
#pragma once

#include <chrono>
#include <string>

#include "common/result.h"

namespace qoima::hardware {

struct PrintRequest {
  std::string pdf_path;  // a PDF file already saved
  std::string title;     // job title shown by the server, e.g. "act QA-2026-000117"
  int copies = 1;
};

/// What a finished job looked like.
struct PrintedJob {
  std::string job_id;  // "<queue>-<n>", as lp reports it
  std::string queue;
};

class Printer {
 public:
  virtual ~Printer() = default;
  /// Submits the PDF and waits until the job completed. Errors:
  /// kFailedPrecondition no printer configured / server down / printer stopped,
  /// kNotFound queue missing, kIoError job aborted or cancelled, kTimeout still
  /// queued after the configured wait.
  virtual Result<PrintedJob> Print(const PrintRequest& request) = 0;
};

struct CupsConfig {
  /// Queue name; empty means "no printer configured".
  std::string queue;
  /// Print server: a UNIX socket path or host[:port]; empty means the system
  /// default ($CUPS_SERVER, else /run/cups/cups.sock).
  std::string server;
  /// How long to wait for the job to finish before reporting kTimeout.
  std::chrono::milliseconds timeout{std::chrono::minutes(3)};
  /// Interval between job-state queries.
  std::chrono::milliseconds poll_interval{std::chrono::milliseconds(200)};
};

/// Largest number of copies one request may ask for.
inline constexpr int kMaxCopies = 10;

class CupsPrinter : public Printer {
 public:
  explicit CupsPrinter(CupsConfig config);
  Result<PrintedJob> Print(const PrintRequest& request) override;

  /// "printer X is idle." etc.; fails like Print() when the queue is unusable.
  Status CheckQueue() const;

 private:
  std::string Server() const;
  std::string JobUri(const std::string& job_number) const;
  CupsConfig config_;
};

}  // namespace qoima::hardware
