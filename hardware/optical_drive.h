// Optical drive control: lock the tray during intake, eject after.
//
// OpticalDrive talks to a drive through a DriveIoctl seam (CDROM_LOCKDOOR,
// CDROMEJECT, CDROM_DRIVE_STATUS, CDROM_DISC_STATUS on an O_RDONLY|O_NONBLOCK
// descriptor); tests substitute a recording fake and check the ioctl sequence
// and errno mapping. TrayLock is the RAII guard: the tray unlocks when it dies.
//
// Ownership: OpticalDrive owns its DriveIoctl. Thread-safety: none; one owner.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "common/result.h"
#include "common/status.h"

namespace qoima::hardware {

enum class DriveStatus : uint8_t { kNoInfo, kNoDisc, kTrayOpen, kNotReady, kDiscOk };

/// The ioctl seam. Each returns the ioctl's result or -errno.
class DriveIoctl {
 public:
  virtual ~DriveIoctl() = default;
  virtual int LockDoor(bool lock) = 0;  // CDROM_LOCKDOOR
  virtual int Eject() = 0;              // CDROMEJECT
  virtual int DriveStatusRaw() = 0;     // CDROM_DRIVE_STATUS (CDS_*)
};

/// Opens `devnode` (e.g. "/dev/sr0") O_RDONLY|O_NONBLOCK and issues real ioctls.
Result<std::unique_ptr<DriveIoctl>> OpenDriveIoctl(const std::string& devnode);

class OpticalDrive {
 public:
  OpticalDrive(std::string devnode, std::unique_ptr<DriveIoctl> io);

  Status Lock();
  Status Unlock();
  /// Unlocks then ejects.
  Status Eject();
  Result<DriveStatus> QueryStatus();
  const std::string& devnode() const { return devnode_; }

 private:
  Status Map(int rc, const char* op) const;  // the one place ioctl errors become a Status
  std::string devnode_;
  std::unique_ptr<DriveIoctl> io_;
};

/// Locks the tray for its lifetime (intake); unlocks on destruction.
class TrayLock {
 public:
  static Result<TrayLock> Acquire(OpticalDrive& drive);
  TrayLock(TrayLock&& o) noexcept : drive_(std::exchange(o.drive_, nullptr)) {}
  TrayLock& operator=(TrayLock&&) = delete;
  TrayLock(const TrayLock&) = delete;
  ~TrayLock();

 private:
  explicit TrayLock(OpticalDrive* d) : drive_(d) {}
  OpticalDrive* drive_;  // borrowed
};

}  // namespace qoima::hardware
