// ExportTarget: where a bundle goes. The exporter writes through Begin()'s
// sink, calls Commit() to hand the bytes to the medium, then reads the bundle
// back through OpenReadBack() from the target itself (not from the exporter's
// memory) and verifies it, then calls FinishReadBack(), after which the
// bundle is durable and visible. On any failure it calls Discard().
//
// FileExportTarget: a file path (tests, staging directories): written as
// "<path>.partial" with writeback running while it is written; Commit()
// starts writeback of the rest and the read-back verification of the
// partial file runs while the disk finishes; FinishReadBack() fsyncs, renames
// into place and fsyncs the directory. The read-back goes through the
// kernel's page cache (what the filesystem returns for the file); only a
// verified bundle ever appears under its name.
// FatMediumTarget (export_medium.h): a dedicated USB stick, formatted and
// written in userspace, flushed, and read back from the device itself.
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
  /// Ends writing: the whole bundle is handed to the medium (it may still be
  /// on its way to stable storage).
  virtual Status Commit() = 0;
  /// A descriptor reading the committed bundle back from the target.
  virtual Result<UniqueFd> OpenReadBack() = 0;
  /// True when OpenReadBack() may be called right after Begin(), to read the
  /// bundle back while it is being written (the reader waits for the writer).
  virtual bool ReadBackWhileWriting() const { return false; }
  /// After the read-back descriptor hit EOF: reports a reader failure, makes
  /// the bundle durable (fsync) and visible under its name.
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
  bool ReadBackWhileWriting() const override { return true; }
  Status FinishReadBack() override;
  void Discard() override;

 private:
  std::string path_;
  std::unique_ptr<FdSink> sink_;
  bool published_ = false;  // the bundle has its final name
};

}  // namespace qoima::exporting
