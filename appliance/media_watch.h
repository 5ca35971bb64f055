// MediaWatch: the appliance's view of depositor media at the counter. It keeps
// the list of media a clerk may read, updated from hardware's DeviceMonitor
// (udev: start-up enumeration, then add/remove/change events) and identified
// with the BlockProber (libblkid safe probe, plus vendor/model/serial from
// udev). Devices the hardware refuses (a USB "stick" that is also a keyboard
// or network adapter: BadUSB) stay in the list, marked refused with the
// hardware's reason, so the screen can say why nothing will be read; own
// disks, virtual devices and empty drives are left out.
//
// The caller polls EventFd() (readable when udev has news) and then calls
// Update(), which never blocks. Image files and loop devices produce no udev
// event without udevd: the kiosk keeps a typed path for those.
//
// Ownership: owns the device source and the prober it is given.
// Thread-safety: one thread (libudev contexts are not thread-safe).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "hardware/device_monitor.h"

namespace qoima::appliance {

/// Most media kept in the list (a hub full of sticks is still a handful).
inline constexpr size_t kMaxWatchedMedia = 32;

struct DetectedMedium {
  std::string device;   // "/dev/sdb", "/dev/sr0"
  std::string sysname;  // "sdb"
  std::string kind;     // hardware::DeviceKindName: "optical", "usb_storage", ...
  bool refused = false;
  std::string refusal;               // the hardware's reason when refused
  hardware::MediaIdentity identity;  // label, fs type, size, vendor, model (accepted media)
  std::string probe_error;           // blkid could not identify it (still readable: the reader decides)
};

class MediaWatch {
 public:
  /// The real udev source, the system's own disks and the blkid prober.
  static Result<std::unique_ptr<MediaWatch>> Open();
  MediaWatch(std::unique_ptr<hardware::DeviceSource> source, hardware::OwnDisks own,
             std::unique_ptr<hardware::BlockProber> prober);

  /// Enumerates what is present now (call once before Update).
  Status Start();
  /// Readable when events are pending; -1 when the source has none.
  int EventFd() const;
  /// Applies every pending event without blocking; true when the list changed.
  Result<bool> Update();
  const std::vector<DetectedMedium>& media() const { return media_; }
  /// Refused devices that arrived since the last call (the caller records
  /// each in the audit log: Appliance::RecordRefusedMedium). At most
  /// kMaxWatchedMedia are kept; later ones are counted in dropped_refusals().
  std::vector<DetectedMedium> TakeNewRefusals();
  uint64_t dropped_refusals() const { return dropped_refusals_; }

 private:
  void Apply(const hardware::DeviceEvent& event);

  std::unique_ptr<hardware::DeviceSource> source_;
  std::unique_ptr<hardware::BlockProber> prober_;
  hardware::DeviceMonitor monitor_;
  std::vector<DetectedMedium> media_;
  std::vector<DetectedMedium> new_refusals_;
  uint64_t dropped_refusals_ = 0;
};

}  // namespace qoima::appliance
