// Device monitor: notices depositor media (USB mass storage, optical discs),
// classifies each block device and refuses what must not be read.
//
// A DeviceSource (the udev seam) enumerates block devices at start-up and
// delivers uevents (add / remove / change; "change" with DISK_MEDIA_CHANGE or
// ID_CDROM_MEDIA is a disc inserted into or removed from an optical drive). The
// real source is UdevDeviceSource (libudev, netlink "udev" group); tests use the
// same class against a umockdev testbed. Classify() is pure logic over one
// DeviceRecord:
//   - optical drive (ID_CDROM=1 or sr*)                 -> kOptical, accepted when media present
//   - USB mass storage (ID_BUS=usb, all interfaces 08)  -> kUsbStorage, accepted
//   - USB composite with a non-storage interface (HID, CDC, ...) -> refused (BadUSB)
//   - the appliance's own disks (OwnDisks), non-USB disks, loop/ram/dm -> ignored
// A BlockProber (libblkid seam) identifies accepted media.
//
// Ownership: DeviceMonitor borrows the source and prober (they must outlive it).
// Thread-safety: one DeviceMonitor per thread; UdevDeviceSource is not
// thread-safe (libudev contexts are not).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "hardware/media_reader.h"

namespace qoima::hardware {

/// One USB interface of the device a block device hangs off.
struct UsbInterface {
  uint8_t interface_class = 0;  // bInterfaceClass (0x08 mass storage, 0x03 HID, ...)
  uint8_t interface_subclass = 0;
  uint8_t interface_protocol = 0;
  std::string syspath;
};

/// What udev says about one block device (or one event on it).
struct DeviceRecord {
  std::string action;                             // "add", "remove", "change"; empty when enumerated
  std::string syspath;                            // "/sys/devices/.../block/sdb"
  std::string devnode;                            // "/dev/sdb"
  std::string sysname;                            // "sdb"
  std::string devtype;                            // "disk" or "partition"
  uint64_t devnum = 0;                            // makedev(major, minor)
  std::map<std::string, std::string> properties;  // ID_BUS, ID_CDROM, ID_VENDOR, ID_SERIAL_SHORT, ...
  std::map<std::string, std::string> sysattrs;    // "removable", "size", "ro"
  std::vector<UsbInterface> usb_interfaces;       // all interfaces of the parent USB device; empty when not USB
  std::string usb_device_syspath;                 // parent usb_device; empty when not USB

  /// properties[key] or "" when absent.
  std::string Property(const std::string& key) const;
  std::string Sysattr(const std::string& key) const;
};

/// The udev seam. Tests run the real UdevDeviceSource inside a umockdev
/// testbed, or a fake for pure logic.
class DeviceSource {
 public:
  virtual ~DeviceSource() = default;
  /// All block devices present now.
  virtual Result<std::vector<DeviceRecord>> Enumerate() = 0;
  /// A descriptor that becomes readable when an event is pending (-1: none).
  virtual int EventFd() const = 0;
  /// The next pending event, or nullopt when none is pending (never blocks).
  virtual Result<std::optional<DeviceRecord>> ReceiveEvent() = 0;
};

/// libudev-backed source: udev_enumerate for "block", udev_monitor on the
/// "udev" netlink group filtered to subsystem "block".
class UdevDeviceSource : public DeviceSource {
 public:
  /// Creates the context and starts the monitor (so no event between
  /// enumeration and monitoring is lost).
  static Result<std::unique_ptr<UdevDeviceSource>> Create();
  ~UdevDeviceSource() override;
  UdevDeviceSource(const UdevDeviceSource&) = delete;
  UdevDeviceSource& operator=(const UdevDeviceSource&) = delete;

  Result<std::vector<DeviceRecord>> Enumerate() override;
  int EventFd() const override;
  Result<std::optional<DeviceRecord>> ReceiveEvent() override;

  struct Handles;  // libudev RAII handles (defined in the .cpp)

 private:
  explicit UdevDeviceSource(std::unique_ptr<Handles> h);
  std::unique_ptr<Handles> h_;
};

/// The libblkid seam.
class BlockProber {
 public:
  virtual ~BlockProber() = default;
  virtual Result<MediaIdentity> Probe(const std::string& devnode) = 0;
};

/// Calls hardware::Probe (libblkid safe probe).
class BlkidBlockProber : public BlockProber {
 public:
  Result<MediaIdentity> Probe(const std::string& devnode) override;
};

enum class DeviceKind : uint8_t {
  kOptical,     // CD/DVD/BD drive
  kUsbStorage,  // USB mass storage (stick, card reader, USB disk)
  kOwnDisk,     // the appliance's own disk (holds a mounted filesystem or swap, or listed)
  kInternal,    // another non-removable, non-USB disk
  kVirtual,     // loop, ram, dm, md, zram, nbd
  kOther,
};
std::string_view DeviceKindName(DeviceKind kind);

enum class Verdict : uint8_t {
  kAccept,  // depositor media: may be probed and read
  kIgnore,  // not depositor media (own disk, virtual, drive without disc)
  kRefuse,  // must not be read; the clerk sees the reason (BadUSB, ...)
};

struct Classification {
  DeviceKind kind = DeviceKind::kOther;
  Verdict verdict = Verdict::kIgnore;
  std::string reason;          // why, in words a security officer understands
  bool media_present = false;  // optical: a disc is in the drive
};

/// The appliance's own disks, by device number of the whole disk and by name.
struct OwnDisks {
  std::set<uint64_t> devnums;      // whole-disk and partition devnums
  std::set<std::string> sysnames;  // "nvme0n1", "sda"
  /// Disks holding a mounted filesystem or active swap (from
  /// /proc/self/mountinfo and /proc/swaps) or the filesystem of one of
  /// `own_paths` (the appliance's state directory), with their parent disks
  /// and the devices they are built on (dm-crypt, LVM, md).
  static OwnDisks FromSystem(const std::vector<std::string>& own_paths = {});
};

/// True when the device (`sysname`, its whole disk `parent_sysname` when it is
/// a partition, else "") is one of `own` or a partition of one.
bool IsOwnDisk(uint64_t devnum, const std::string& sysname, const std::string& parent_sysname, const OwnDisks& own);

/// Pure classification of one record. A USB device with any interface other
/// than mass storage (class 0x08) is refused: a stick that is also a keyboard
/// (HID 0x03) or a network adapter is the BadUSB pattern.
Classification Classify(const DeviceRecord& record, const OwnDisks& own);

/// Adds what udev knows (vendor, model, serial; for optical media the
/// ID_FS_LABEL volume id when blkid found none) to a blkid identity.
void FillFromUdev(MediaIdentity& identity, const DeviceRecord& record);

enum class DeviceEventKind : uint8_t { kPresent, kAdded, kRemoved, kMediaChanged };

struct DeviceEvent {
  DeviceEventKind kind = DeviceEventKind::kPresent;
  DeviceRecord record;
  Classification classification;
};

class DeviceMonitor {
 public:
  /// Borrows `source`; `own` names disks never to touch.
  DeviceMonitor(DeviceSource& source, OwnDisks own);

  /// Start-up enumeration: one kPresent event per block device.
  Result<std::vector<DeviceEvent>> Enumerate();

  /// Waits up to `timeout` for the next event. nullopt on timeout.
  Result<std::optional<DeviceEvent>> WaitEvent(std::chrono::milliseconds timeout);

 private:
  DeviceSource& source_;
  OwnDisks own_;
};

}  // namespace qoima::hardware
