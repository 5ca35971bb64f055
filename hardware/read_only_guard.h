// ReadOnlyGuard: the medium is flagged read-only in the kernel (BLKROSET) for
// the whole read, on top of the O_RDONLY descriptors, and the flag it had is
// put back afterwards: the kernel keeps the flag after the last close, so
// leaving it set would surprise the depositor's next use of the stick.
//
// A crash (kill -9) runs no destructor. So before it sets the flag the guard
// writes a record of what it did, <dir>/<major>:<minor> holding the device's
// path and its disk sequence number (BLKGETDISKSEQ: unique per attached disk
// in a boot), and holds an exclusive flock on it while the flag is set.
// RestoreStaleReadOnlyFlags() - run by every guard before it engages, by the
// `qoima` command and by the kiosk when they start - takes over each record
// whose lock is free (its owner is dead: the kernel dropped the lock with the
// descriptor), clears the flag when the device is still the same disk (same
// device number, same diskseq) and removes the record. The records live in
// the runtime directory (ReadOnlyRecordDir()), which ends with the boot, as
// the flag does.
//
// Nothing is set without a record, nor without permission for BLKROSET (the
// appliance's unprivileged user has none): O_RDONLY still keeps the appliance
// from writing to the medium.
//
// Ownership: the guard owns a duplicate of the device descriptor and its
// record's descriptor. Thread-safety: one guard per read; the sweep is safe
// to run concurrently from several processes (the records are locked).
#pragma once

#include <string>

#include "common/unique_fd.h"

namespace qoima::hardware {

/// Where the records are kept: "readonly" in the service's runtime directory
/// ($RUNTIME_DIRECTORY, which systemd's RuntimeDirectory= sets; its first
/// entry), else /run/qoima/readonly. Both end with the boot.
std::string ReadOnlyRecordDir();

class ReadOnlyGuard {
 public:
  /// `fd`: the medium, open; `device`: its path (kept in the record).
  ReadOnlyGuard(int fd, const std::string& device, const std::string& record_dir = ReadOnlyRecordDir());
  ~ReadOnlyGuard();
  ReadOnlyGuard(const ReadOnlyGuard&) = delete;
  ReadOnlyGuard& operator=(const ReadOnlyGuard&) = delete;
  /// True while the guard holds the flag it set.
  bool engaged() const { return fd_.valid(); }

 private:
  UniqueFd fd_;
  UniqueFd record_;
  std::string record_path_;
};

/// Clears the read-only flag left by guards whose process died, where the
/// device is still the disk they flagged, and removes their records.
/// Returns how many flags were cleared.
int RestoreStaleReadOnlyFlags(const std::string& record_dir = ReadOnlyRecordDir());

}  // namespace qoima::hardware
