// FatMediumTarget: writes a bundle to a dedicated export medium (a USB stick
// the appliance owns for exports) without a kernel mount: the whole device is
// formatted FAT32 (`mkfs.vfat -F 32 -I`), the bundle is streamed into it by
// mtools (`mcopy -i DEVICE - ::NAME`, bundle bytes on mcopy's stdin: nothing is
// staged on the appliance's disk), the device is flushed, and the read-back
// comes from the device again (`mcopy -i DEVICE ::NAME -` after BLKFLSBUF).
// Any machine reads the stick; the bundle file is the only thing on it.
//
// Limits: FAT32 holds files up to 4 GiB - 1 (kMaxFatFileBytes); a larger
// bundle fails with kLimitExceeded before the limit is crossed.
// External interfaces: mkfs.vfat, mcopy, mdel (PATH), fsync + ioctl(BLKFLSBUF)
// on the device node. Ownership: owns the mcopy child processes.
// Thread-safety: one export at a time.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "appliance/export/export_target.h"

namespace qoima::exporting {

inline constexpr uint64_t kMaxFatFileBytes = (uint64_t{4} << 30) - 1;

/// A child process with one end of a pipe (its stdin or its stdout) and its
/// stderr in an anonymous file; Wait() reaps it.
class PipedChild {
 public:
  enum class Direction { kWriteStdin, kReadStdout };
  static Result<std::unique_ptr<PipedChild>> Start(const std::vector<std::string>& argv, Direction dir,
                                                   const std::vector<std::string>& extra_env);
  ~PipedChild();
  /// The parent's end of the pipe; Release() hands it away.
  UniqueFd ReleasePipe() { return std::move(pipe_); }
  int pipe_fd() const { return pipe_.get(); }
  void ClosePipe() { pipe_.reset(); }
  /// Waits for exit; non-zero exit becomes kIoError quoting stderr.
  Status Wait();

 private:
  PipedChild() = default;
  std::string name_;
  pid_t pid_ = -1;
  UniqueFd pipe_;
  UniqueFd err_;
};

class FatMediumTarget : public ExportTarget {
 public:
  /// `device`: the export medium's block device (e.g. /dev/sdb); `label`: the
  /// FAT volume label (<= 11 characters, A-Z 0-9 _).
  FatMediumTarget(std::string device, std::string label) : device_(std::move(device)), label_(std::move(label)) {}
  std::string Describe() const override { return device_ + ":" + (name_.empty() ? "(bundle)" : name_); }
  Status Check() override;
  Result<ByteSink*> Begin(const std::string& bundle_name) override;
  Status Commit() override;
  Result<UniqueFd> OpenReadBack() override;
  Status FinishReadBack() override;
  void Discard() override;

 private:
  Status FlushDevice();
  std::string device_;
  std::string label_;
  std::string name_;
  std::unique_ptr<PipedChild> writer_;
  std::unique_ptr<PipedChild> reader_;
  std::unique_ptr<ByteSink> sink_;
};

}  // namespace qoima::exporting
