// Detection under a umockdev testbed: the real UdevDeviceSource (libudev
// enumeration and netlink monitor) sees a recorded-style device tree; the
// test runs under umockdev-wrapper (LD_PRELOAD of libumockdev-preload).
#include <umockdev.h>
#include <catch2/catch.hpp>

#include <map>

#include "hardware/device_monitor.h"

using namespace qoima;
using namespace qoima::hardware;

namespace {

struct Testbed {
  Testbed() : tb(umockdev_testbed_new()) {}
  ~Testbed() { g_object_unref(tb); }
  Testbed(const Testbed&) = delete;
  Testbed& operator=(const Testbed&) = delete;

  // A USB device with the given interface classes and one block device under
  // its first interface. Returns the block device's syspath.
  std::string AddUsbDisk(const std::string& bus_id, const std::string& disk, std::vector<const char*> classes) {
    gchar* usb = umockdev_testbed_add_device(tb, "usb", bus_id.c_str(), nullptr, "idVendor", "0781", "idProduct",
                                             "5567", "serial", "4C530001", "manufacturer", "SanDisk", "product",
                                             "Cruzer", nullptr, "DEVTYPE", "usb_device", nullptr);
    std::string first_iface;
    for (size_t i = 0; i < classes.size(); ++i) {
      std::string name = bus_id + ":1." + std::to_string(i);
      gchar* iface =
          umockdev_testbed_add_device(tb, "usb", name.c_str(), usb, "bInterfaceClass", classes[i], "bInterfaceSubClass",
                                      "06", "bInterfaceProtocol", "50", nullptr, "DEVTYPE", "usb_interface", nullptr);
      if (i == 0) first_iface = iface;
      g_free(iface);
    }
    std::string devname = "/dev/" + disk;
    gchar* blk = umockdev_testbed_add_device(tb, "block", disk.c_str(), first_iface.c_str(), "size", "4096",
                                             "removable", "1", nullptr, "DEVNAME", devname.c_str(), "DEVTYPE", "disk",
                                             "ID_BUS", "usb", "ID_VENDOR", "SanDisk", "ID_MODEL", "Cruzer",
                                             "ID_SERIAL_SHORT", "4C530001", nullptr);
    std::string out = blk;
    g_free(usb);
    g_free(blk);
    return out;
  }

  std::string AddBlock(const char* name, std::vector<const char*> props) {
    std::string devname = std::string("/dev/") + name;
    gchar* p = umockdev_testbed_add_device(tb, "block", name, nullptr, "size", "8192", nullptr, "DEVNAME",
                                           devname.c_str(), "DEVTYPE", "disk", nullptr);
    for (size_t i = 0; i + 1 < props.size(); i += 2) umockdev_testbed_set_property(tb, p, props[i], props[i + 1]);
    std::string out = p;
    g_free(p);
    return out;
  }

  UMockdevTestbed* tb;
};

std::map<std::string, Classification> BySysname(const std::vector<DeviceEvent>& events) {
  std::map<std::string, Classification> m;
  for (auto& e : events) m[e.record.sysname] = e.classification;
  return m;
}

// Waits for the next event on `name`, skipping others.
std::optional<DeviceEvent> NextFor(DeviceMonitor& mon, const std::string& name) {
  for (int i = 0; i < 10; ++i) {
    auto e = mon.WaitEvent(std::chrono::seconds(3));
    REQUIRE(e.ok());
    if (!e->has_value()) return std::nullopt;
    if ((*e)->record.sysname == name) return *e;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("the testbed is active (runs under umockdev-wrapper)") {
  Testbed bed;
  REQUIRE(umockdev_in_mock_environment());
  bed.AddBlock("sr9", {"ID_CDROM", "1"});
  auto src = UdevDeviceSource::Create();
  REQUIRE(src.ok());
  auto all = (*src)->Enumerate();
  REQUIRE(all.ok());
  REQUIRE(all->size() == 1);  // only the testbed's device, none of the host's
  CHECK((*all)[0].sysname == "sr9");
}

TEST_CASE("start-up enumeration classifies USB storage, BadUSB, optical, own and virtual disks") {
  Testbed bed;
  bed.AddUsbDisk("1-1", "sdb", {"08"});
  bed.AddUsbDisk("1-2", "sdc", {"08", "03"});  // a "stick" that is also a keyboard
  bed.AddBlock("sr0", {"ID_CDROM", "1", "ID_CDROM_MEDIA", "1", "ID_FS_LABEL", "DEPOSIT"});
  bed.AddBlock("sr1", {"ID_CDROM", "1"});
  bed.AddBlock("sda", {"ID_BUS", "ata"});
  bed.AddBlock("nvme0n1", {"ID_BUS", "nvme"});
  bed.AddBlock("loop7", {});
  auto src = UdevDeviceSource::Create();
  REQUIRE(src.ok());
  OwnDisks own;
  own.sysnames.insert("sda");
  DeviceMonitor mon(**src, own);
  auto events = mon.Enumerate();
  REQUIRE(events.ok());
  auto c = BySysname(*events);
  REQUIRE(c.count("sdb"));
  CHECK(c["sdb"].kind == DeviceKind::kUsbStorage);
  CHECK(c["sdb"].verdict == Verdict::kAccept);
  REQUIRE(c.count("sdc"));
  CHECK(c["sdc"].verdict == Verdict::kRefuse);
  CHECK(c["sdc"].reason.find("BadUSB") != std::string::npos);
  CHECK(c["sdc"].reason.find("keyboard") != std::string::npos);
  CHECK(c["sr0"].kind == DeviceKind::kOptical);
  CHECK(c["sr0"].verdict == Verdict::kAccept);
  CHECK(c["sr1"].verdict == Verdict::kIgnore);  // drive without a disc
  CHECK(c["sda"].kind == DeviceKind::kOwnDisk);
  CHECK(c["sda"].verdict == Verdict::kIgnore);
  CHECK(c["nvme0n1"].kind == DeviceKind::kInternal);
  CHECK(c["loop7"].kind == DeviceKind::kVirtual);
  // Identification from udev: vendor, model, serial of the stick.
  for (auto& e : *events) {
    if (e.record.sysname != "sdb") continue;
    CHECK(e.record.Property("ID_VENDOR") == "SanDisk");
    CHECK(e.record.Property("ID_SERIAL_SHORT") == "4C530001");
    CHECK(e.record.Sysattr("usb.serial") == "4C530001");
    CHECK(e.record.usb_interfaces.size() == 1);
    MediaIdentity id;
    FillFromUdev(id, e.record);
    CHECK(id.vendor == "SanDisk");
    CHECK(id.model == "Cruzer");
    CHECK(id.serial == "4C530001");
  }
}

TEST_CASE("hot-plug: a stick is added and removed, a disc is inserted, a BadUSB device is refused") {
  Testbed bed;
  std::string sr0 = bed.AddBlock("sr0", {"ID_CDROM", "1"});
  auto src = UdevDeviceSource::Create();
  REQUIRE(src.ok());
  DeviceMonitor mon(**src, OwnDisks{});

  std::string sdb = bed.AddUsbDisk("1-1", "sdb", {"08"});
  umockdev_testbed_uevent(bed.tb, sdb.c_str(), "add");
  auto added = NextFor(mon, "sdb");
  REQUIRE(added.has_value());
  CHECK(added->kind == DeviceEventKind::kAdded);
  CHECK(added->classification.verdict == Verdict::kAccept);
  CHECK(added->record.devnode == "/dev/sdb");

  umockdev_testbed_set_property(bed.tb, sr0.c_str(), "ID_CDROM_MEDIA", "1");
  umockdev_testbed_set_property(bed.tb, sr0.c_str(), "DISK_MEDIA_CHANGE", "1");
  umockdev_testbed_uevent(bed.tb, sr0.c_str(), "change");
  auto inserted = NextFor(mon, "sr0");
  REQUIRE(inserted.has_value());
  CHECK(inserted->kind == DeviceEventKind::kMediaChanged);
  CHECK(inserted->classification.kind == DeviceKind::kOptical);
  CHECK(inserted->classification.media_present);
  CHECK(inserted->classification.verdict == Verdict::kAccept);

  std::string bad = bed.AddUsbDisk("1-3", "sdd", {"08", "03", "02"});
  umockdev_testbed_uevent(bed.tb, bad.c_str(), "add");
  auto refused = NextFor(mon, "sdd");
  REQUIRE(refused.has_value());
  CHECK(refused->classification.verdict == Verdict::kRefuse);

  umockdev_testbed_uevent(bed.tb, sdb.c_str(), "remove");
  auto removed = NextFor(mon, "sdb");
  REQUIRE(removed.has_value());
  CHECK(removed->kind == DeviceEventKind::kRemoved);

  auto quiet = mon.WaitEvent(std::chrono::milliseconds(200));
  REQUIRE(quiet.ok());
  CHECK_FALSE(quiet->has_value());
}

TEST_CASE("classification logic refuses USB devices whose interfaces cannot be verified") {
  DeviceRecord r;
  r.sysname = "sde";
  r.properties["ID_BUS"] = "usb";
  auto c = Classify(r, OwnDisks{});
  CHECK(c.verdict == Verdict::kRefuse);
  r.usb_interfaces.push_back({0x08, 6, 0x50, "/sys/x"});
  CHECK(Classify(r, OwnDisks{}).verdict == Verdict::kAccept);
  r.usb_interfaces.push_back({0xff, 0, 0, "/sys/y"});
  CHECK(Classify(r, OwnDisks{}).verdict == Verdict::kRefuse);
  DeviceRecord part;
  part.sysname = "sda1";
  part.devtype = "partition";
  part.syspath = "/sys/devices/pci0000:00/ata1/host0/target0:0:0/0:0:0:0/block/sda/sda1";
  OwnDisks own;
  own.sysnames.insert("sda");
  CHECK(Classify(part, own).kind == DeviceKind::kOwnDisk);
}

TEST_CASE("own disks from the running system include the root filesystem's disk") {
  auto own = OwnDisks::FromSystem();
  CHECK_FALSE(own.devnums.empty());
}
