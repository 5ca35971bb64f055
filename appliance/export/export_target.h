// ExportTarget: where a bundle goes. The exporter writes through Begin()'s
// sink, calls Commit() to make it durable and visible, then reads it back
// through OpenReadBack() from the target itself (not from memory or the page
// cache) to verify it. On any failure it calls Discard().
//
// FileExportTarget: a file path (tests, staging directories): written as
// "<path>.partial", fsync'd, renamed, directory fsync'd.
// FatMediumTarget (export_medium.h): a dedicated USB stick, formatted and
// written in userspace.
// Ownership: the target owns its sink. Thread-safety: one export at a time.
#pragma once

#include <memory>
#include <string>

#include "appliance/export/byte_stream.h"
#include "common/result.h"
#include "common/unique_fd.h"

namespace qoima::exporting {

class ExportTarget {
 public:
  virtual ~ExportTarget() = default;
  /// For messages and the receipt: "/exports/b.tar", "/dev/sdb:qoima-export-000042.tar".
  virtual std::string Describe() const = 0;
  /// Refuses before anything happens (e.g. the file exists already).
  virtual Status Check() = 0;
  /// Starts writing the bundle named `bundle_name` (a file name, no '/').
  virtual Result<ByteSink*> Begin(const std::string& bundle_name) = 0;
  /// Closes the sink and makes the bundle durable and visible.
  virtual Status Commit() = 0;
  /// A descriptor reading the committed bundle back from the target.
  virtual Result<UniqueFd> OpenReadBack() = 0;
  /// After the read-back descriptor hit EOF: reports a reader failure.
  virtual Status FinishReadBack() = 0;
  /// Best effort: removes whatever was written.
  virtual void Discard() = 0;
};

class FileExportTarget : public ExportTarget {
 public:
  explicit FileExportTarget(std::string path) : path_(std::move(path)) {}
  std::string Describe() const override { return path_; }
  Status Check() override;
  Result<ByteSink*> Begin(const std::string& bundle_name) override;
  Status Commit() override;
  Result<UniqueFd> OpenReadBack() override;
  Status FinishReadBack() override { return Status::Ok(); }
  void Discard() override;

 private:
  std::string path_;
  std::unique_ptr<FdSink> sink_;
};

}  // namespace qoima::exporting
