// End-to-end test of the clerk's insert-media path with udev events: the real
// qoima-kiosk in tmux over a swtpm-backed state, its libudev pointed at a
// umockdev testbed (this binary runs under umockdev-wrapper; the kiosk
// inherits the preload and UMOCKDEV_DIR through tmux). The testbed's USB
// stick has the devnode of a real loop device carrying the depositor's
// image, so detection (udev event), identification (blkid), the read
// (sandboxed reader child, which runs without the preload) and the seal are
// all real. There is no udevd here: a loop device attached by the demo makes
// no event, which is why the kiosk keeps the typed path.
#include <umockdev.h>

#include <thread>

#include "tests/kiosk/kiosk_e2e_state.h"

namespace qoima::testing {
namespace {

// A USB device with the given interface classes and one block device `disk`
// under its first interface whose devnode is `devnode`.
struct UsbTestbed {
  UsbTestbed() : tb(umockdev_testbed_new()) {}
  ~UsbTestbed() { g_object_unref(tb); }
  UsbTestbed(const UsbTestbed&) = delete;
  UsbTestbed& operator=(const UsbTestbed&) = delete;

  std::string AddStick(const std::string& bus_id, const std::string& disk, const std::string& devnode,
                       const std::vector<const char*>& classes, const char* vendor, const char* model) {
    gchar* usb = umockdev_testbed_add_device(tb, "usb", bus_id.c_str(), nullptr, "idVendor", "0781", "idProduct",
                                             "5567", "serial", "4C530001", "manufacturer", vendor, "product", model,
                                             nullptr, "DEVTYPE", "usb_device", nullptr);
    std::string first_iface;
    for (size_t i = 0; i < classes.size(); ++i) {
      std::string name = bus_id + ":1." + std::to_string(i);
      gchar* iface =
          umockdev_testbed_add_device(tb, "usb", name.c_str(), usb, "bInterfaceClass", classes[i], "bInterfaceSubClass",
                                      "06", "bInterfaceProtocol", "50", nullptr, "DEVTYPE", "usb_interface", nullptr);
      if (i == 0) first_iface = iface;
      g_free(iface);
    }
    gchar* blk =
        umockdev_testbed_add_device(tb, "block", disk.c_str(), first_iface.c_str(), "size", "2048", "removable", "1",
                                    nullptr, "DEVNAME", devnode.c_str(), "DEVTYPE", "disk", "ID_BUS", "usb",
                                    "ID_VENDOR", vendor, "ID_MODEL", model, "ID_SERIAL_SHORT", "4C530001", nullptr);
    std::string out = blk;
    g_free(usb);
    g_free(blk);
    return out;
  }

  UMockdevTestbed* tb;
};

}  // namespace

TEST_CASE("A stick arrives by udev: identified, BadUSB refused, read with progress, accepted without re-reading",
          "[kiosk][e2e]") {
  // Everything that spawns helpers (swtpm, image tools, losetup) happens
  // before the testbed exists: only the kiosk sees the mocked /sys.
  ProvisionedState p;
  // A 192 MiB file: the read lasts long enough to watch on a quiet machine;
  // the act at the stick's root, as the depositor brings it.
  DepositMedia m(192u << 20, FsType::kIso9660, true);
  UsbTestbed bed;
  REQUIRE(umockdev_in_mock_environment());
  {
    TmuxSession t({kKiosk, "--lang", "en"}, p.Env());
    Expect(t, "Password:");
    LogIn(t, "clerk1", kClerkPassword);
    Expect(t, "Applications: 1 shown of 1.");
    t.SendKeys({"Enter"});
    Expect(t, "No media detected yet.");
    CHECK(t.Capture().find("Media detection is not available") == std::string::npos);

    // The stick is plugged in: the screen reacts to the udev event by itself.
    std::string stick = bed.AddStick("1-1", "sdb", m.loop->path(), {"08"}, "SanDisk", "Cruzer");
    umockdev_testbed_uevent(bed.tb, stick.c_str(), "add");
    Expect(t, "Media inserted: " + m.loop->path() + "  SanDisk Cruzer");
    std::string screen = t.Capture();
    CHECK(screen.find("iso9660") != std::string::npos);
    CHECK(screen.find("\"DEPOSIT_V1\"") != std::string::npos);
    Snap(t, "clerk-media-detected-en");

    // A "stick" that is also a keyboard: listed as refused with the hardware's reason.
    std::string bad = bed.AddStick("1-2", "sdc", "/dev/sdc", {"08", "03"}, "Evil", "Stick");
    umockdev_testbed_uevent(bed.tb, bad.c_str(), "add");
    Expect(t, "REFUSED");
    Expect(t, "BadUSB");
    Snap(t, "clerk-media-badusb-en");
    // Choosing it and pressing F7 reads nothing.
    t.SendKeys({"NPage"});
    REQUIRE(t.WaitUntil([](const std::string& s) { return FieldShows(s, "Media device:", "/dev/sdc"); }));
    t.SendKeys({"F7"});
    Expect(t, "This device is refused and will not be read:");
    CHECK(t.Capture().find("Reading media") == std::string::npos);

    // Back to the stick. A read cancelled with Esc records no intake.
    t.SendKeys({"PPage"});
    REQUIRE(t.WaitUntil([&m](const std::string& s) { return FieldShows(s, "Media device:", m.loop->path()); }));
    t.SendKeys({"F7"});
    // The act is found on the stick by the reader; the clerk types the paper's digest.
    Expect(t, "act.sha256", milliseconds(60000));
    PickAct(t, m.loop->path(), m.loop->path(), "act.sha256", PaperDigest(m.ActDigest(false)));
    Expect(t, "Reading " + m.loop->path());
    t.SendKeys({"Escape"});
    Expect(t, "Cancelled. (", milliseconds(60000));
    CHECK(t.Capture().find("no intake was recorded") != std::string::npos);
    // Again (the act's screen, its digest still typed), to the end: the read
    // shows its progress against the act's files.
    Expect(t, "SHA-256 on the paper act:");
    t.SendKeys({"F7"});
    Expect(t, "Reading " + m.loop->path());
    bool progress_seen = t.WaitUntil(
        [](const std::string& s) {
          // Mid-read: bytes counted and a rate, before the comparison replaces the screen.
          return s.find("Reading media") != std::string::npos && s.find(" of 4") != std::string::npos &&
                 s.find("Read: ") != std::string::npos && s.find("Read: 0 B") == std::string::npos &&
                 s.find("Rate: ") != std::string::npos && s.find("Rate: 0 B/s") == std::string::npos &&
                 s.find("Time left: ") != std::string::npos;
        },
        milliseconds(20000));
    INFO(t.Capture());
    CHECK(progress_seen);
    Snap(t, "clerk-reading-en");
    Expect(t, "4 files, 0 problems.", milliseconds(120000));

    // The stick is pulled out and its loop device detached: Accept decides the
    // intake that was sealed while reading; it does not read the media again.
    umockdev_testbed_uevent(bed.tb, stick.c_str(), "remove");
    m.loop->Detach();
    AcceptWithNda(t);
    Snap(t, "clerk-accepted-after-removal-en");
  }  // the kiosk is gone: its store lock is released once the process has exited

  // The refused device is in the audit log, attributed to the clerk at the counter.
  appliance::ApplianceOptions opt;
  opt.tcti = p.tpm.tcti();
  opt.state_dir = p.state.Sub("state");
  auto app = appliance::Appliance::Open(opt);
  for (int i = 0; i < 50 && !app.ok(); ++i) {
    std::this_thread::sleep_for(milliseconds(100));
    app = appliance::Appliance::Open(opt);
  }
  INFO(app.status().ToString());
  REQUIRE(app.ok());
  auto auditor = (*app)->Login("auditor1", kAuditorPassword);
  REQUIRE(auditor.ok());
  auto events = (*app)->AuditEntries(*auditor, 0, 10000);
  REQUIRE(events.ok());
  int refusals = 0;
  for (const auto& e : *events) {
    if (e.action != "media.refuse") continue;
    ++refusals;
    CHECK(e.object == "device:/dev/sdc");
    CHECK(e.outcome == "denied");
    CHECK(e.actor == "clerk1");
    CHECK(e.reason.find("BadUSB") != std::string::npos);
    CHECK(e.reason.find("Evil Stick") != std::string::npos);
  }
  CHECK(refusals == 1);
}

}  // namespace qoima::testing
