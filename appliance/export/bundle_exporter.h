// BundleExporter: the one way data leaves the appliance. Checks the two-person
// approval, takes the next export sequence and a fresh export id, streams the
// bag (BagWriter) through an optional CMS envelope into the output, reads it
// back from the output and verifies it, makes it durable, and only then
// reports success. On any failure the partial output is removed.
//
// Output: a file path (tests, staging) written as "<path>.partial" and renamed;
// a plain bundle there is read back by a second thread while it is written
// (the reader waits for the writer at the end of the file), so verification
// overlaps writing. The export medium writer (export_medium.h) hands in its
// own path and is read back from the device after it was flushed.
// Ownership: borrows signer, audit log and counter (all passed to the
// constructor, so tests swap each seam). Thread-safety: one export at a time;
// the read-back thread lives only inside Export().
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "appliance/export/bag_writer.h"
#include "appliance/export/export_target.h"
#include "appliance/export/payload_source.h"
#include "crypto/signer.h"

namespace qoima::exporting {

/// Hands out strictly increasing export sequence numbers, durably: a number
/// once returned is never returned again, even after a crash (gaps are allowed).
class ExportCounter {
 public:
  virtual ~ExportCounter() = default;
  virtual Result<uint64_t> Next() = 0;
};

/// Counter in a small file (write temp, fsync, rename, fsync dir).
class FileExportCounter : public ExportCounter {
 public:
  explicit FileExportCounter(std::string path) : path_(std::move(path)) {}
  Result<uint64_t> Next() override;

 private:
  std::string path_;
};

/// How far an export is, for a front that shows it: the bundle's bytes
/// written so far against the payload's size (the bundle is a little larger:
/// tar headers, tag files), then the read-back's verification.
struct ExportProgress {
  uint64_t bytes_written = 0;
  uint64_t payload_bytes = 0;  // sum of the payload files' sizes
  bool verifying = false;      // the bundle is written; it is being read back and checked
};
using ExportProgressFn = std::function<void(const ExportProgress&)>;

struct ExportRequest {
  ExportApproval approval;
  std::optional<std::string> recipient_cert_pem;  // set: encrypt to this recipient (CMS)
  std::string output_path;                        // file target: must not exist yet
  ExportTarget* target = nullptr;                 // set: write here instead of output_path
  /// Called from the exporting thread after each write and once when the
  /// read-back starts; must return quickly (it may be null).
  ExportProgressFn progress;
};

struct ExportReceipt {
  std::string export_id;
  uint64_t sequence = 0;
  std::string output_path;  // ExportTarget::Describe()
  uint64_t bundle_bytes = 0;
  std::string bundle_sha256;  // of the file as written and read back
  bool encrypted = false;
  BagSummary bag;
};

class BundleExporter {
 public:
  using Clock = std::function<int64_t()>;
  BundleExporter(crypto::Signer* signer, ExportAuditLog* audit, ExportCounter* counter, Clock clock = nullptr);

  Result<ExportReceipt> Export(PayloadSource& source, const ExportRequest& request);

 private:
  Result<ExportReceipt> WriteAndVerify(PayloadSource& source, const ExportRequest& request, const BundleIdentity& id,
                                       ExportTarget* target);
  crypto::Signer* signer_;
  ExportAuditLog* audit_;
  ExportCounter* counter_;
  Clock clock_;
};

/// A random RFC 4122 version-4 UUID from the OS CSPRNG.
Result<std::string> NewExportId();

}  // namespace qoima::exporting
