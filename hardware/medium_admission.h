// Which devices the appliance reads as depositor media: devices it does not
// own. A medium is a USB mass-storage device (or a partition of one) or an
// optical disc, as Classify() decides them - never one of the appliance's own
// disks (a mounted filesystem, swap, the filesystem of its state directory,
// what they are built on) or a partition of one, never an internal disk, never
// a USB device that also presents another interface (BadUSB).
//
// Loop devices and image files are what the tests, the demonstration and the
// benchmarks use in place of a stick. They are admitted only when the policy
// says so (the fronts set it from QOIMA_TEST_MEDIA=1; the appliance image
// never does), and even then never when the loop device is one of the
// appliance's own disks or stands for an own disk or a file of the state
// directory, and never an image file inside the state directory.
//
// Ownership: none kept. Thread-safety: AdmitMedium is safe to call from
// several threads with their own DeviceSource.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace qoima::hardware {

class DeviceSource;  // device_monitor.h
struct OwnDisks;

struct MediumPolicy {
  /// Loop devices and image files too (QOIMA_TEST_MEDIA=1).
  bool allow_test_media = false;
  /// The appliance's own files (its state directory): their filesystem's
  /// device is an own disk, and nothing inside them is a medium.
  std::vector<std::string> own_paths;
};

/// OK when `device` may be read as depositor media under `policy`.
/// kIoError when it cannot be opened at all ("cannot open the medium ...");
/// kFailedPrecondition naming what it is when it is not a medium.
Status AdmitMedium(const std::string& device, const MediumPolicy& policy);

/// The same over a given set of own disks and udev source (nullptr: the
/// system's, opened only when a block device must be classified).
Status AdmitMedium(const std::string& device, const MediumPolicy& policy, DeviceSource* udev, const OwnDisks& own);

}  // namespace qoima::hardware
