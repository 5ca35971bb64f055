#include "hardware/medium_admission.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>

#include "common/unique_fd.h"
#include "hardware/device_monitor.h"

namespace qoima::hardware {
namespace {

constexpr unsigned kLoopMajor = 7;  // LOOP_MAJOR; a loop device's partitions are loopNpM

// The block device's name in sysfs and, for a partition, its whole disk's.
struct SysName {
  std::string name;
  std::string parent;
};

SysName SysNameOf(dev_t dev) {
  SysName out;
  char buf[PATH_MAX];
  std::string sys = "/sys/dev/block/" + std::to_string(major(dev)) + ":" + std::to_string(minor(dev));
  if (::realpath(sys.c_str(), buf) == nullptr) return out;
  std::string p = buf;
  out.name = p.substr(p.rfind('/') + 1);
  if (::access((p + "/partition").c_str(), F_OK) == 0) {
    std::string up = p.substr(0, p.rfind('/'));
    out.parent = up.substr(up.rfind('/') + 1);
  }
  return out;
}

std::string Canonical(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) ? std::string(buf) : std::string();
}

// True when `file` is one of `dirs` or lies inside one.
bool InsideAny(const std::string& file, const std::vector<std::string>& dirs) {
  std::string f = Canonical(file);
  if (f.empty()) return false;
  for (const auto& d : dirs) {
    std::string c = Canonical(d);
    if (c.empty()) continue;
    if (f == c || (f.size() > c.size() && f.compare(0, c.size(), c) == 0 && (c == "/" || f[c.size()] == '/')))
      return true;
  }
  return false;
}

std::string FirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string KindWords(DeviceKind kind) {
  switch (kind) {
    case DeviceKind::kOptical: return "an optical drive";
    case DeviceKind::kUsbStorage: return "a USB storage device";
    case DeviceKind::kOwnDisk: return "the appliance's own disk";
    case DeviceKind::kInternal: return "an internal disk";
    case DeviceKind::kVirtual: return "a virtual block device";
    case DeviceKind::kOther: return "not a storage medium";
  }
  return "not a storage medium";
}

// A medium the appliance's user cannot open is refused here, before an
// intake is recorded. O_NONBLOCK: an optical drive opens without waiting.
Status CanOpen(const std::string& device) {
  UniqueFd fd(::open(device.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd) return Status::IoError("cannot open the medium " + device + ": " + std::strerror(errno));
  return Status::Ok();
}

}  // namespace

Status AdmitMedium(const std::string& device, const MediumPolicy& policy) {
  return AdmitMedium(device, policy, nullptr, OwnDisks::FromSystem(policy.own_paths));
}

Status AdmitMedium(const std::string& device, const MediumPolicy& policy, DeviceSource* udev, const OwnDisks& own) {
  // What the path is comes from stat, which needs no access to the device:
  // an own disk is refused as such even where opening it is not permitted.
  struct stat st;
  if (::stat(device.c_str(), &st) != 0)
    return Status::IoError("cannot open the medium " + device + ": " + std::strerror(errno));
  auto refuse = [&](const std::string& why) {
    return Status::FailedPrecondition(device + " is not read as a depositor's medium: " + why);
  };
  const std::string test_only = " stand for media only in tests (QOIMA_TEST_MEDIA=1)";

  if (S_ISREG(st.st_mode)) {
    if (!policy.allow_test_media) return refuse("it is an image file; image files" + test_only);
    if (InsideAny(device, policy.own_paths)) return refuse("it is a file of the appliance's own state");
    return CanOpen(device);
  }
  if (!S_ISBLK(st.st_mode)) return refuse("it is neither a block device nor an image file");

  const SysName sys = SysNameOf(st.st_rdev);
  if (IsOwnDisk(st.st_rdev, sys.name, sys.parent, own))
    return refuse("it is the appliance's own disk" +
                  (sys.parent.empty() ? "" : " (a partition of " + sys.parent + ")"));

  const bool loop =
      major(st.st_rdev) == kLoopMajor || sys.name.rfind("loop", 0) == 0 || sys.parent.rfind("loop", 0) == 0;
  if (loop) {
    if (!policy.allow_test_media)
      return refuse("it is a loop device (a disk image), not a removable medium; loop devices" + test_only);
    // What the loop device shows: never an own disk or a file of the state.
    std::string whole = sys.parent.empty() ? sys.name : sys.parent;
    std::string backing = whole.empty() ? "" : FirstLine("/sys/block/" + whole + "/loop/backing_file");
    struct stat bs;
    if (!backing.empty() && ::stat(backing.c_str(), &bs) == 0) {
      if (S_ISBLK(bs.st_mode)) {
        SysName b = SysNameOf(bs.st_rdev);
        if (IsOwnDisk(bs.st_rdev, b.name, b.parent, own))
          return refuse("it is a loop device over the appliance's own disk " + backing);
      }
      if (InsideAny(backing, policy.own_paths))
        return refuse("it is a loop device over a file of the appliance's own state");
    }
    return CanOpen(device);
  }

  std::unique_ptr<UdevDeviceSource> system_udev;
  if (udev == nullptr) {
    QOIMA_ASSIGN_OR_RETURN(system_udev, UdevDeviceSource::Create());
    udev = system_udev.get();
  }
  QOIMA_ASSIGN_OR_RETURN(std::vector<DeviceRecord> records, udev->Enumerate());
  for (const auto& r : records) {
    if (r.devnum != static_cast<uint64_t>(st.st_rdev)) continue;
    Classification c = Classify(r, own);
    if (c.verdict == Verdict::kAccept && (c.kind == DeviceKind::kOptical || c.kind == DeviceKind::kUsbStorage))
      return CanOpen(device);
    return refuse("it is " + KindWords(c.kind) + (c.reason.empty() ? "" : " (" + c.reason + ")"));
  }
  return refuse("udev does not report it as a removable medium");
}

}  // namespace qoima::hardware
