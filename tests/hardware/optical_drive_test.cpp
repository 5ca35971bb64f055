// Optical drive control: the ioctl sequence through a recording fake, errno
// mapping, and the real ioctls against a device that is not a drive.
#include <catch2/catch.hpp>

#include <linux/cdrom.h>

#include "hardware/optical_drive.h"
#include "tests/fixtures/loop_device.h"
#include "tests/fixtures/temp_dir.h"

using namespace qoima;
using namespace qoima::hardware;

namespace {

class RecordingIoctl : public DriveIoctl {
 public:
  explicit RecordingIoctl(std::vector<std::string>& log) : log_(log) {}
  int LockDoor(bool lock) override {
    log_.push_back(lock ? "lock" : "unlock");
    return lock_rc;
  }
  int Eject() override {
    log_.push_back("eject");
    return eject_rc;
  }
  int DriveStatusRaw() override { return status_rc; }
  int lock_rc = 0, eject_rc = 0, status_rc = CDS_DISC_OK;

 private:
  std::vector<std::string>& log_;
};

}  // namespace

TEST_CASE("a tray lock is held for the intake and released on every path, eject unlocks first") {
  std::vector<std::string> log;
  OpticalDrive drive("/dev/sr0", std::make_unique<RecordingIoctl>(log));
  {
    auto lock = TrayLock::Acquire(drive);
    REQUIRE(lock.ok());
    CHECK(log == std::vector<std::string>{"lock"});
  }
  CHECK(log == std::vector<std::string>{"lock", "unlock"});
  REQUIRE(drive.Eject().ok());
  CHECK(log == std::vector<std::string>{"lock", "unlock", "unlock", "eject"});
  auto st = drive.QueryStatus();
  REQUIRE(st.ok());
  CHECK(*st == DriveStatus::kDiscOk);
}

TEST_CASE("drive errors map to named statuses") {
  std::vector<std::string> log;
  auto io = std::make_unique<RecordingIoctl>(log);
  auto* raw = io.get();
  OpticalDrive drive("/dev/sr0", std::move(io));
  raw->eject_rc = -EBUSY;
  auto st = drive.Eject();
  CHECK(st.code() == Code::kFailedPrecondition);
  CHECK(st.message().find("/dev/sr0") != std::string::npos);
  raw->lock_rc = -ENOTTY;
  CHECK(TrayLock::Acquire(drive).status().code() == Code::kUnsupported);
  raw->lock_rc = 0;
  raw->status_rc = CDS_TRAY_OPEN;
  CHECK(*drive.QueryStatus() == DriveStatus::kTrayOpen);
  raw->status_rc = CDS_NO_DISC;
  CHECK(*drive.QueryStatus() == DriveStatus::kNoDisc);
  raw->status_rc = -EIO;
  CHECK(drive.QueryStatus().status().code() == Code::kIoError);
}

TEST_CASE("the real ioctls on a block device that is not a drive report unsupported") {
  qoima::testing::TempDir dir("qoima-hw");
  qoima::testing::WriteFile(dir.Sub("img"), std::string(1 << 20, '\0'));
  qoima::testing::LoopDevice loop(dir.Sub("img"));
  auto io = OpenDriveIoctl(loop.path());
  REQUIRE(io.ok());
  OpticalDrive drive(loop.path(), std::move(*io));
  CHECK(drive.Lock().code() == Code::kUnsupported);
  CHECK(drive.QueryStatus().status().code() == Code::kUnsupported);
  CHECK(OpenDriveIoctl(dir.Sub("missing")).status().code() == Code::kNotFound);
}
