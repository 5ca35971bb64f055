#include "hardware/optical_drive.h"

#include <fcntl.h>
#include <linux/cdrom.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

#include "common/unique_fd.h"

namespace qoima::hardware {
namespace {

class LinuxDriveIoctl : public DriveIoctl {
 public:
  explicit LinuxDriveIoctl(UniqueFd fd) : fd_(std::move(fd)) {}
  int LockDoor(bool lock) override { return Call(CDROM_LOCKDOOR, lock ? 1 : 0); }
  int Eject() override { return Call(CDROMEJECT, 0); }
  int DriveStatusRaw() override { return Call(CDROM_DRIVE_STATUS, CDSL_CURRENT); }

 private:
  int Call(unsigned long request, unsigned long arg) {
    int rc = ::ioctl(fd_.get(), request, arg);
    return rc < 0 ? -errno : rc;
  }
  UniqueFd fd_;
};

}  // namespace

Result<std::unique_ptr<DriveIoctl>> OpenDriveIoctl(const std::string& devnode) {
  // O_NONBLOCK: open succeeds with the tray open or no disc (needed to eject).
  UniqueFd fd(::open(devnode.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return Status::FromErrno(errno, "open " + devnode);
  return std::unique_ptr<DriveIoctl>(new LinuxDriveIoctl(std::move(fd)));
}

OpticalDrive::OpticalDrive(std::string devnode, std::unique_ptr<DriveIoctl> io)
    : devnode_(std::move(devnode)), io_(std::move(io)) {}

Status OpticalDrive::Map(int rc, const char* op) const {
  if (rc >= 0) return Status::Ok();
  int err = -rc;
  std::string what = std::string(op) + " on " + devnode_;
  if (err == ENOTTY || err == EINVAL || err == ENOSYS) return Status::Unsupported(what + ": not an optical drive");
  if (err == EBUSY) return Status::FailedPrecondition(what + ": drive busy (tray locked or medium in use)");
  if (err == ENOMEDIUM) return Status::FailedPrecondition(what + ": no disc");
  return Status::FromErrno(err, what);
}

Status OpticalDrive::Lock() { return Map(io_->LockDoor(true), "lock tray"); }
Status OpticalDrive::Unlock() { return Map(io_->LockDoor(false), "unlock tray"); }

Status OpticalDrive::Eject() {
  QOIMA_RETURN_IF_ERROR(Unlock());
  return Map(io_->Eject(), "eject");
}

Result<DriveStatus> OpticalDrive::QueryStatus() {
  int rc = io_->DriveStatusRaw();
  QOIMA_RETURN_IF_ERROR(Map(rc, "drive status"));
  switch (rc) {
    case CDS_NO_DISC: return DriveStatus::kNoDisc;
    case CDS_TRAY_OPEN: return DriveStatus::kTrayOpen;
    case CDS_DRIVE_NOT_READY: return DriveStatus::kNotReady;
    case CDS_DISC_OK: return DriveStatus::kDiscOk;
    default: return DriveStatus::kNoInfo;
  }
}

Result<TrayLock> TrayLock::Acquire(OpticalDrive& drive) {
  QOIMA_RETURN_IF_ERROR(drive.Lock());
  return TrayLock(&drive);
}

TrayLock::~TrayLock() {
  if (drive_ != nullptr) (void)drive_->Unlock();
}

}  // namespace qoima::hardware
