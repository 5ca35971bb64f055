#include "hardware/device_monitor.h"

#include <dirent.h>
#include <libudev.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>

namespace qoima::hardware {

// One RAII wrapper per libudev handle.
struct UdevUnref {
  void operator()(udev* u) const { udev_unref(u); }
};
struct MonitorUnref {
  void operator()(udev_monitor* m) const { udev_monitor_unref(m); }
};
struct EnumerateUnref {
  void operator()(udev_enumerate* e) const { udev_enumerate_unref(e); }
};
struct DeviceUnref {
  void operator()(udev_device* d) const { udev_device_unref(d); }
};
using UdevPtr = std::unique_ptr<udev, UdevUnref>;
using MonitorPtr = std::unique_ptr<udev_monitor, MonitorUnref>;
using EnumeratePtr = std::unique_ptr<udev_enumerate, EnumerateUnref>;
using DevicePtr = std::unique_ptr<udev_device, DeviceUnref>;

struct UdevDeviceSource::Handles {
  UdevPtr udev;
  MonitorPtr monitor;
};

namespace {

// libudev reports failures as negative errno values or NULL with errno set:
// the one place they become a Status.
Status UdevError(int negative_errno_or_zero, std::string_view what) {
  int err = negative_errno_or_zero < 0 ? -negative_errno_or_zero : (errno ? errno : EIO);
  return Status::FromErrno(err, std::string("udev: ") + std::string(what));
}

std::string Str(const char* s) { return s ? s : ""; }

uint8_t Hex8(const std::string& s) {
  char* end = nullptr;
  unsigned long v = std::strtoul(s.c_str(), &end, 16);
  return v <= 0xff ? static_cast<uint8_t>(v) : 0xff;
}

std::vector<UsbInterface> UsbInterfaces(udev* u, udev_device* usb_device) {
  std::vector<UsbInterface> out;
  EnumeratePtr e(udev_enumerate_new(u));
  if (!e) return out;
  udev_enumerate_add_match_parent(e.get(), usb_device);
  udev_enumerate_add_match_subsystem(e.get(), "usb");
  udev_enumerate_add_match_property(e.get(), "DEVTYPE", "usb_interface");
  if (udev_enumerate_scan_devices(e.get()) < 0) return out;
  udev_list_entry* entry = nullptr;
  udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e.get())) {
    DevicePtr d(udev_device_new_from_syspath(u, udev_list_entry_get_name(entry)));
    if (!d) continue;
    UsbInterface i;
    i.syspath = Str(udev_device_get_syspath(d.get()));
    i.interface_class = Hex8(Str(udev_device_get_sysattr_value(d.get(), "bInterfaceClass")));
    i.interface_subclass = Hex8(Str(udev_device_get_sysattr_value(d.get(), "bInterfaceSubClass")));
    i.interface_protocol = Hex8(Str(udev_device_get_sysattr_value(d.get(), "bInterfaceProtocol")));
    out.push_back(i);
  }
  return out;
}

DeviceRecord MakeRecord(udev* u, udev_device* d) {
  DeviceRecord r;
  r.action = Str(udev_device_get_action(d));
  r.syspath = Str(udev_device_get_syspath(d));
  r.devnode = Str(udev_device_get_devnode(d));
  r.sysname = Str(udev_device_get_sysname(d));
  r.devtype = Str(udev_device_get_devtype(d));
  r.devnum = udev_device_get_devnum(d);
  udev_list_entry* entry = nullptr;
  udev_list_entry_foreach(entry, udev_device_get_properties_list_entry(d)) {
    r.properties[Str(udev_list_entry_get_name(entry))] = Str(udev_list_entry_get_value(entry));
  }
  for (const char* attr : {"removable", "size", "ro"})
    if (const char* v = udev_device_get_sysattr_value(d, attr)) r.sysattrs[attr] = v;
  // udev_device_get_parent_with_subsystem_devtype returns a borrowed pointer.
  if (udev_device* usb = udev_device_get_parent_with_subsystem_devtype(d, "usb", "usb_device")) {
    r.usb_device_syspath = Str(udev_device_get_syspath(usb));
    r.usb_interfaces = UsbInterfaces(u, usb);
    for (const char* attr : {"idVendor", "idProduct", "manufacturer", "product", "serial"})
      if (const char* v = udev_device_get_sysattr_value(usb, attr)) r.sysattrs[std::string("usb.") + attr] = v;
  }
  return r;
}

std::string InterfaceClassName(uint8_t c) {
  switch (c) {
    case 0x01: return "audio";
    case 0x02: return "communications (CDC)";
    case 0x03: return "human interface (keyboard/mouse)";
    case 0x06: return "imaging";
    case 0x07: return "printer";
    case 0x09: return "hub";
    case 0x0a: return "CDC data";
    case 0x0e: return "video";
    case 0xe0: return "wireless controller";
    case 0xef: return "miscellaneous";
    case 0xff: return "vendor-specific";
    default:
      return "class 0x" + [&] {
        std::ostringstream o;
        o << std::hex << static_cast<int>(c);
        return o.str();
      }();
  }
}

std::string Basename(const std::string& p) {
  auto i = p.rfind('/');
  return i == std::string::npos ? p : p.substr(i + 1);
}

std::string ParentSysname(const DeviceRecord& r) {
  if (r.devtype != "partition") return r.sysname;
  auto i = r.syspath.rfind('/');
  return i == std::string::npos ? r.sysname : Basename(r.syspath.substr(0, i));
}

}  // namespace

std::string DeviceRecord::Property(const std::string& key) const {
  auto it = properties.find(key);
  return it == properties.end() ? std::string() : it->second;
}

std::string DeviceRecord::Sysattr(const std::string& key) const {
  auto it = sysattrs.find(key);
  return it == sysattrs.end() ? std::string() : it->second;
}

UdevDeviceSource::UdevDeviceSource(std::unique_ptr<Handles> h) : h_(std::move(h)) {}
UdevDeviceSource::~UdevDeviceSource() = default;

Result<std::unique_ptr<UdevDeviceSource>> UdevDeviceSource::Create() {
  auto h = std::make_unique<Handles>();
  errno = 0;
  h->udev.reset(udev_new());
  if (!h->udev) return UdevError(0, "udev_new");
  h->monitor.reset(udev_monitor_new_from_netlink(h->udev.get(), "udev"));
  if (!h->monitor) return UdevError(0, "monitor on netlink group \"udev\"");
  if (int rc = udev_monitor_filter_add_match_subsystem_devtype(h->monitor.get(), "block", nullptr); rc < 0)
    return UdevError(rc, "monitor filter");
  if (int rc = udev_monitor_enable_receiving(h->monitor.get()); rc < 0) return UdevError(rc, "monitor receive");
  return std::unique_ptr<UdevDeviceSource>(new UdevDeviceSource(std::move(h)));
}

Result<std::vector<DeviceRecord>> UdevDeviceSource::Enumerate() {
  EnumeratePtr e(udev_enumerate_new(h_->udev.get()));
  if (!e) return UdevError(0, "enumerate");
  if (int rc = udev_enumerate_add_match_subsystem(e.get(), "block"); rc < 0) return UdevError(rc, "enumerate filter");
  if (int rc = udev_enumerate_scan_devices(e.get()); rc < 0) return UdevError(rc, "enumerate scan");
  std::vector<DeviceRecord> out;
  udev_list_entry* entry = nullptr;
  udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e.get())) {
    DevicePtr d(udev_device_new_from_syspath(h_->udev.get(), udev_list_entry_get_name(entry)));
    if (d) out.push_back(MakeRecord(h_->udev.get(), d.get()));
  }
  return out;
}

int UdevDeviceSource::EventFd() const { return udev_monitor_get_fd(h_->monitor.get()); }

Result<std::optional<DeviceRecord>> UdevDeviceSource::ReceiveEvent() {
  errno = 0;
  DevicePtr d(udev_monitor_receive_device(h_->monitor.get()));
  if (!d) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == 0) return std::optional<DeviceRecord>();
    return UdevError(0, "receive event");
  }
  return std::optional<DeviceRecord>(MakeRecord(h_->udev.get(), d.get()));
}

Result<MediaIdentity> BlkidBlockProber::Probe(const std::string& devnode) { return hardware::Probe(devnode); }

std::string_view DeviceKindName(DeviceKind kind) {
  switch (kind) {
    case DeviceKind::kOptical: return "optical";
    case DeviceKind::kUsbStorage: return "usb_storage";
    case DeviceKind::kOwnDisk: return "own_disk";
    case DeviceKind::kInternal: return "internal";
    case DeviceKind::kVirtual: return "virtual";
    case DeviceKind::kOther: return "other";
  }
  return "other";
}

OwnDisks OwnDisks::FromSystem(const std::vector<std::string>& own_paths) {
  OwnDisks own;
  // A device, its parent disk when it is a partition, and (recursively) the
  // devices it is built on (/sys/.../slaves: the disk under a dm-crypt or
  // LVM volume, the members of an md array).
  std::function<void(dev_t, int)> add = [&](dev_t dev, int depth) {
    if (dev == 0 || depth > 8) return;
    own.devnums.insert(dev);
    char link[PATH_MAX];
    std::string sys = "/sys/dev/block/" + std::to_string(major(dev)) + ":" + std::to_string(minor(dev));
    char* real = ::realpath(sys.c_str(), link);
    if (real == nullptr) return;
    std::string p = real;
    own.sysnames.insert(Basename(p));
    if (::access((p + "/partition").c_str(), F_OK) == 0) own.sysnames.insert(Basename(p.substr(0, p.rfind('/'))));
    std::unique_ptr<DIR, int (*)(DIR*)> slaves(::opendir((p + "/slaves").c_str()), ::closedir);
    if (!slaves) return;
    while (dirent* e = ::readdir(slaves.get())) {
      if (e->d_name[0] == '.') continue;
      std::ifstream dev_file(p + "/slaves/" + e->d_name + "/dev");
      unsigned maj = 0, min = 0;
      char colon = 0;
      if (dev_file >> maj >> colon >> min && colon == ':') add(makedev(maj, min), depth + 1);
    }
  };
  std::ifstream mi("/proc/self/mountinfo");
  std::string line;
  while (std::getline(mi, line)) {
    std::istringstream ls(line);
    std::string id, parent, mm;
    if (!(ls >> id >> parent >> mm)) continue;
    auto colon = mm.find(':');
    if (colon == std::string::npos) continue;
    unsigned maj = static_cast<unsigned>(std::strtoul(mm.c_str(), nullptr, 10));
    unsigned min = static_cast<unsigned>(std::strtoul(mm.c_str() + colon + 1, nullptr, 10));
    if (maj != 0) add(makedev(maj, min), 0);
    // The mount source after " - TYPE ": btrfs and others report an
    // anonymous device number above, the real device here.
    auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream tail(line.substr(dash + 3));
    std::string type, source;
    struct stat st;
    if ((tail >> type >> source) && source.rfind("/dev/", 0) == 0 && ::stat(source.c_str(), &st) == 0 &&
        S_ISBLK(st.st_mode))
      add(st.st_rdev, 0);
  }
  std::ifstream sw("/proc/swaps");
  std::getline(sw, line);  // header
  while (std::getline(sw, line)) {
    std::istringstream ls(line);
    std::string path;
    struct stat st;
    if ((ls >> path) && ::stat(path.c_str(), &st) == 0 && S_ISBLK(st.st_mode)) add(st.st_rdev, 0);
  }
  for (const auto& path : own_paths) {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && major(st.st_dev) != 0) add(st.st_dev, 0);
  }
  return own;
}

bool IsOwnDisk(uint64_t devnum, const std::string& sysname, const std::string& parent_sysname, const OwnDisks& own) {
  return own.devnums.count(devnum) || own.sysnames.count(sysname) ||
         (!parent_sysname.empty() && own.sysnames.count(parent_sysname));
}

Classification Classify(const DeviceRecord& r, const OwnDisks& own) {
  Classification c;
  const std::string& n = r.sysname;
  for (const char* v : {"loop", "ram", "dm-", "md", "zram", "nbd", "zd"}) {
    if (n.rfind(v, 0) == 0) {
      c.kind = DeviceKind::kVirtual;
      c.reason = "virtual block device";
      return c;
    }
  }
  if (IsOwnDisk(r.devnum, n, ParentSysname(r), own)) {
    c.kind = DeviceKind::kOwnDisk;
    c.reason = "the appliance's own disk";
    return c;
  }
  bool usb = !r.usb_device_syspath.empty() || r.Property("ID_BUS") == "usb";
  if (usb) {
    if (r.usb_interfaces.empty()) {
      c.kind = DeviceKind::kUsbStorage;
      c.verdict = Verdict::kRefuse;
      c.reason = "USB device whose interfaces cannot be verified";
      return c;
    }
    for (const auto& i : r.usb_interfaces) {
      if (i.interface_class != 0x08) {
        c.kind = r.Property("ID_CDROM") == "1" ? DeviceKind::kOptical : DeviceKind::kUsbStorage;
        c.verdict = Verdict::kRefuse;
        c.reason = "USB device also presents a " + InterfaceClassName(i.interface_class) +
                   " interface besides storage: refused as a possible BadUSB attack";
        return c;
      }
    }
  }
  if (r.Property("ID_CDROM") == "1" || n.rfind("sr", 0) == 0) {
    c.kind = DeviceKind::kOptical;
    c.media_present = r.Property("ID_CDROM_MEDIA") == "1";
    c.verdict = c.media_present ? Verdict::kAccept : Verdict::kIgnore;
    c.reason = c.media_present ? "optical disc" : "optical drive without a disc";
    return c;
  }
  if (usb) {
    c.kind = DeviceKind::kUsbStorage;
    c.verdict = Verdict::kAccept;
    c.reason = "USB mass storage";
    return c;
  }
  c.kind = DeviceKind::kInternal;
  c.reason = "internal disk that is not depositor media";
  return c;
}

void FillFromUdev(MediaIdentity& id, const DeviceRecord& r) {
  auto first = [&](std::initializer_list<std::string> keys) {
    for (const auto& k : keys) {
      std::string v = k.rfind("usb.", 0) == 0 ? r.Sysattr(k) : r.Property(k);
      if (!v.empty()) return v;
    }
    return std::string();
  };
  id.vendor = first({"ID_VENDOR", "usb.manufacturer"});
  id.model = first({"ID_MODEL", "usb.product"});
  id.serial = first({"ID_SERIAL_SHORT", "usb.serial", "ID_SERIAL"});
  if (id.volume_id.empty()) id.volume_id = r.Property("ID_FS_LABEL");
}

DeviceMonitor::DeviceMonitor(DeviceSource& source, OwnDisks own) : source_(source), own_(std::move(own)) {}

Result<std::vector<DeviceEvent>> DeviceMonitor::Enumerate() {
  QOIMA_ASSIGN_OR_RETURN(auto records, source_.Enumerate());
  std::vector<DeviceEvent> out;
  for (auto& r : records) {
    DeviceEvent e;
    e.kind = DeviceEventKind::kPresent;
    e.classification = Classify(r, own_);
    e.record = std::move(r);
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::optional<DeviceEvent>> DeviceMonitor::WaitEvent(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(auto rec, source_.ReceiveEvent());
    if (rec) {
      DeviceEvent e;
      const std::string& a = rec->action;
      e.kind = a == "add"      ? DeviceEventKind::kAdded
               : a == "remove" ? DeviceEventKind::kRemoved
               : a == "change" ? DeviceEventKind::kMediaChanged
                               : DeviceEventKind::kPresent;
      e.classification = Classify(*rec, own_);
      e.record = std::move(*rec);
      return std::optional<DeviceEvent>(std::move(e));
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::optional<DeviceEvent>();
    pollfd p{source_.EventFd(), POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno != EINTR) return Status::FromErrno(errno, "poll udev monitor");
    if (rc == 0) return std::optional<DeviceEvent>();
  }
}

}  // namespace qoima::hardware
