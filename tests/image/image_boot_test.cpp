// The appliance image booted in qemu (TCG) with OVMF and a swtpm TPM, as a
// counter machine would boot it: first boot provisions, the kiosk's login
// screen on tty1, a second boot unseals, and the attacks on the boot chain
// (a changed byte of the root, a changed kernel command line, an unsigned
// update). Label `image`: run by `scripts/test --all` after scripts/image.
//
// Screens are read from QMP screendumps with the image's console font
// (console.psf beside the image); each test keeps a PNG of what tty1 showed
// in build/image-test-artifacts/.
#include <catch2/catch.hpp>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/subprocess.h"
#include "tests/fixtures/temp_dir.h"
#include "tests/image/qemu_machine.h"

using namespace qoima;
using namespace qoima::testing;
using namespace std::chrono_literals;

namespace {

// TCG on a shared 2-core machine: generous, never a pass/fail of speed.
constexpr auto kBoot = std::chrono::seconds(1200);

const std::string kAdmin = "admin";
const std::string kPassword = "Qoima-Image-2026!";
// The status line names who is logged in: login and role (Kazakh, the default).
const std::string kAdminSession = kAdmin + " (әкімші)";

std::string Artifacts() {
  std::string dir = std::string(QOIMA_SOURCE_DIR) + "/build/image-test-artifacts";
  std::filesystem::create_directories(dir);
  return dir;
}

std::string Psf() { return ImageDir() + "/console.psf"; }

// Whether a screen read back with the console font shows `text`.
bool Shows(const std::string& screen, const std::string& text) {
  return screen.find(CanonicalForFont(text, Psf())) != std::string::npos;
}

// One appliance: its disk and its TPM, booted as often as a test needs.
class Appliance {
 public:
  explicit Appliance(const std::string& image_dir = ImageDir()) : disk_(dir_, image_dir + "/qoima.img") {}

  std::unique_ptr<QemuMachine> Boot(std::vector<std::string> sticks = {}) {
    MachineOptions o;
    o.disk = disk_.path();
    o.tpm_state = dir_.Sub("tpm");
    o.work = dir_.path();
    o.credentials = {"qoima.admin=" + kAdmin + ":Abenova:Aigul", "qoima.admin-password=" + kPassword};
    o.usb_sticks = std::move(sticks);
    return std::make_unique<QemuMachine>(o);
  }
  ImageDisk& disk() { return disk_; }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_{"qoima-image-test"};
  ImageDisk disk_;
};

// Boots to the kiosk's login screen; returns the screen text.
std::string ToLoginScreen(QemuMachine& m) {
  m.WaitForConsole("qoima kiosk on tty1", kBoot);
  return m.WaitForScreen("Логин", Psf(), kBoot);
}

void Keep(QemuMachine& m, const std::string& name) { m.Screendump(Artifacts() + "/" + name + ".png"); }

// Whether one line of the console holds both `a` and `b`, colours left out
// (systemd's status lines colour and shorten unit names, not descriptions).
bool LineHolds(const std::string& console, const std::string& a, const std::string& b) {
  std::string plain;
  for (size_t i = 0; i < console.size(); ++i) {
    if (console[i] == '\x1b' && i + 1 < console.size() && console[i + 1] == '[') {
      i += 2;
      while (i < console.size() && !std::isalpha(static_cast<unsigned char>(console[i]))) ++i;
      continue;
    }
    plain += console[i];
  }
  size_t start = 0;
  while (start < plain.size()) {
    size_t end = plain.find('\n', start);
    if (end == std::string::npos) end = plain.size();
    const std::string line = plain.substr(start, end - start);
    if (line.find(a) != std::string::npos && line.find(b) != std::string::npos) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

TEST_CASE("the image boots to the kiosk login screen on tty1 and the first boot provisions") {
  Appliance a;
  auto m = a.Boot();
  // The data partition is made, encrypted and enrolled to the TPM ...
  m->WaitForConsole("qoima-repart: creating the encrypted data partition", kBoot);
  // ... then the keyring and the store, with the shares shown once.
  size_t at = m->WaitForConsole("qoima-provision: provisioning the appliance", kBoot);
  m->WaitForConsole("QOIMA-RS1-2OF3-", kBoot, at);
  m->WaitForConsole("qoima-provision: done", kBoot, at);
  std::string screen = ToLoginScreen(*m);
  Keep(*m, "first-boot-login");
  INFO(screen);
  CHECK(Shows(screen, "Құпиясөз"));  // the password field, in Kazakh
  // The keys opened: TPM and store both fine on the status line.
  screen = m->WaitForScreen("TPM: қалыпты", Psf(), kBoot);
  CHECK_FALSE(Shows(screen, "АҚАУ"));
  // Nothing else may own a console: no getty, no login prompt.
  CHECK(m->Console().find("login:") == std::string::npos);
  m->PowerOff();

  auto [offset, size] = a.disk().Partition("qoima-data");
  CHECK(size >= 512LL * 1024 * 1024);
  std::ifstream f(a.disk().path(), std::ios::binary);
  f.seekg(offset);
  char magic[6] = {};
  f.read(magic, 6);
  CHECK(std::string(magic, 6) == std::string("LUKS\xba\xbe", 6));
}

TEST_CASE("a second boot unseals the keys and the administrator logs in") {
  Appliance a;
  {
    auto m = a.Boot();
    m->WaitForConsole("qoima-provision: done", kBoot);
    ToLoginScreen(*m);
    m->PowerOff();
  }
  auto m = a.Boot();
  std::string screen = ToLoginScreen(*m);
  m->WaitForScreen("TPM: қалыпты", Psf(), kBoot);
  CHECK(m->Console().find("qoima-provision: provisioning") == std::string::npos);
  m->Type(kAdmin + "\t" + kPassword + "\n");
  screen = m->WaitForScreen(kAdminSession, Psf(), 300s);
  Keep(*m, "second-boot-admin");
  CHECK_FALSE(Shows(screen, "АҚАУ"));
  m->PowerOff();
}

TEST_CASE("a byte changed in the root partition stops the boot") {
  Appliance a;
  // The ELF header page of /usr/bin/qoima-kiosk: read when tty1's kiosk starts.
  std::string kiosk = ReadFile(ImageDir() + "/qoima-kiosk.head");
  REQUIRE(kiosk.size() == 4096);
  auto [offset, size] = a.disk().Partition(std::string("qoima_") + ReadFile(ImageDir() + "/version"));
  std::string needle = kiosk.substr(0, 256);
  long long found = -1;
  {
    std::ifstream f(a.disk().path(), std::ios::binary);
    std::string block(4096, '\0');
    for (long long pos = 0; pos < size && found < 0; pos += 4096) {
      f.seekg(offset + pos);
      f.read(block.data(), 4096);
      if (block.compare(0, 256, needle) == 0) found = offset + pos;
    }
  }
  REQUIRE(found > 0);
  a.disk().FlipByte(found + 100);
  auto m = a.Boot();
  m->WaitForConsole("verity", kBoot);
  // dm-verity refuses the block and panics as the kiosk's binary is read
  // (systemd may already have printed that it starts the unit): the screen
  // shows the panic, never the login form.
  CHECK(m->ConsoleShowsWithin("Kernel panic", 600s));
  std::string screen = m->WaitForScreen("dm-verity device corrupted", Psf(), 300s);
  Keep(*m, "changed-root-byte");
  CHECK_FALSE(Shows(screen, "Логин"));
  CHECK(m->Console().find("qoima-boot-complete:") == std::string::npos);
  m->PowerOff();
}

TEST_CASE("a changed kernel command line cannot unseal and the kiosk says why") {
  Appliance a;
  {
    auto m = a.Boot();
    m->WaitForConsole("qoima-provision: done", kBoot);
    ToLoginScreen(*m);
    m->PowerOff();
  }
  // The attacker's edit: the same UKI, its signed policy kept, one argument more.
  std::string version = ReadFile(ImageDir() + "/version");
  const std::string entry = "/EFI/Linux/qoima_" + version + ".efi";
  std::string uki = a.dir().Sub("uki.efi"), changed = a.dir().Sub("changed.efi");
  a.disk().GetFromEsp(entry, uki);
  WriteFile(a.dir().Sub("cmdline"), ReadFile(ImageDir() + "/cmdline") + " systemd.unit=multi-user.target");
  // Replaced, not updated: objcopy --update-section keeps a PE section's old
  // size, and the stub would read (and measure) the old command line.
  const std::string without = a.dir().Sub("without-cmdline.efi");
  REQUIRE(RunChecked({"objcopy", "--remove-section", ".cmdline", uki, without}).ok());
  REQUIRE(RunChecked({"objcopy", "--add-section", ".cmdline=" + a.dir().Sub("cmdline"), "--change-section-vma",
                      ".cmdline=0x30000", without, changed})
              .ok());
  a.disk().PutOnEsp(changed, entry);

  {
    auto m = a.Boot();
    // The kernel got the changed line (the stub measured it into PCR 11).
    m->WaitForConsole("systemd.show_status=1 systemd.unit=multi-user.target", kBoot);
    // The data partition's key is sealed to the signed PCR 11 policy: it
    // stays locked, and the boot goes on to the kiosk all the same.
    m->WaitForConsole("qoima kiosk on tty1", kBoot);
    std::string screen = m->WaitForScreen("Қойма құлыпталған", Psf(), kBoot);
    Keep(*m, "changed-cmdline");
    INFO(screen);
    CHECK(Shows(screen, "Құрылғының өлшемдері сәйкес келмейді: қойма құлыпталған."));
    CHECK(Shows(screen, "Қауіпсіздік қызметкерін шақырыңыз."));
    CHECK(Shows(screen, "Қойма: АҚАУ"));
    CHECK_FALSE(Shows(screen, "Логин"));
    // Nothing else works: a login typed in is ignored; F2 (after it) shows
    // the same screen in Russian.
    m->Type(kAdmin + "\t" + kPassword + "\n");
    m->Key("esc");
    m->Key("f10");
    m->Key("f2");
    screen = m->WaitForScreen("Хранилище заблокировано", Psf(), 300s);
    Keep(*m, "changed-cmdline-ru");
    INFO(screen);
    CHECK(Shows(screen, "Измерения устройства не совпадают: хранилище заблокировано."));
    CHECK_FALSE(Shows(screen, kAdmin));
    m->Key("f2");
    screen = m->WaitForScreen("The store is locked", Psf(), 300s);
    CHECK(Shows(screen, "installs a signed image of the appliance again"));
    const std::string console = m->Console();
    WriteFile(Artifacts() + "/changed-cmdline-console.txt", console);
    // Never a shell: no emergency or rescue mode, no login prompt, and no
    // store made on the empty directory under the locked partition.
    CHECK(console.find("emergency mode") == std::string::npos);
    CHECK(console.find("Emergency") == std::string::npos);
    CHECK(console.find("rescue mode") == std::string::npos);
    CHECK(console.find("root account is locked") == std::string::npos);
    CHECK(console.find("login:") == std::string::npos);
    CHECK(console.find("qoima-provision: provisioning") == std::string::npos);
    // The partition did not unlock, and what needs it did not start:
    // provisioning (no store is made on the empty directory) and the
    // blessing of the boot (a boot whose store stays locked is not a good
    // one). The kiosk did.
    CHECK(LineHolds(console, "Failed to start", "Cryptography Setup for qoima-data."));
    CHECK(LineHolds(console, "Dependency failed for", " - /var/lib/qoima."));
    CHECK(LineHolds(console, "Dependency failed for", " - qoima first-boot provisioning."));
    CHECK(LineHolds(console, "Dependency failed for", " - qoima kiosk reached."));
    CHECK(LineHolds(console, "Started", "qoima kiosk on tty1"));
    m->PowerOff();
  }

  // The signed image put back: the same store opens again, nothing lost.
  a.disk().PutOnEsp(uki, entry);
  auto m = a.Boot();
  ToLoginScreen(*m);
  m->WaitForScreen("TPM: қалыпты", Psf(), kBoot);
  m->Type(kAdmin + "\t" + kPassword + "\n");
  std::string screen = m->WaitForScreen(kAdminSession, Psf(), 300s);
  Keep(*m, "changed-cmdline-restored");
  CHECK_FALSE(Shows(screen, "АҚАУ"));
  m->PowerOff();
}

namespace {

// An update file made from the built image (tests/image/make_update.sh):
// re-stamped as `version`, its PCR policy signed with the image's update key,
// its manifest signed with `sign_key`.
std::string MakeUpdate(const TempDir& dir, const std::string& sign_key, const std::string& version) {
  const std::string key = std::string(QOIMA_SOURCE_DIR) + "/build/image-keys/update-signing.key";
  const std::string out = dir.Sub("update-" + version + ".tar");
  auto r = RunChecked({std::string(QOIMA_SOURCE_DIR) + "/tests/image/make_update.sh", ImageDir(), key,
                       sign_key.empty() ? key : sign_key, version, out});
  REQUIRE(r.ok());
  return out;
}

std::string Sha256Of(const std::string& path, long long offset, long long size) {
  auto r = RunChecked({"sh", "-c",
                       "dd if='" + path + "' bs=1M skip=" + std::to_string(offset / (1 << 20)) +
                           " count=" + std::to_string(size / (1 << 20)) + " status=none | sha256sum"});
  REQUIRE(r.ok());
  return r->out.substr(0, 64);
}

}  // namespace

TEST_CASE("a signed update boots and unseals without the recovery shares") {
  Appliance a;
  {
    auto m = a.Boot();
    m->WaitForConsole("qoima-provision: done", kBoot);
    ToLoginScreen(*m);
    m->PowerOff();
  }
  std::string update = MakeUpdate(a.dir(), "", "0.1.1");
  {
    // The update medium at boot: verified, written to slot B, then a restart
    // (qemu -no-reboot: the machine stops).
    auto m = a.Boot({update});
    m->WaitForConsole("qoima-update: verified: version 0.1.1", kBoot);
    m->WaitForConsole("qoima-update: done", kBoot);
    CHECK(m->WaitForExit(600s));
  }
  CHECK(a.disk().ListEsp("/EFI/Linux").find("qoima_0.1.1+3.efi") != std::string::npos);
  auto m = a.Boot();
  // The new entry boots (make_update.sh re-stamps only the UKI's .osrel: the
  // root, and so systemd's welcome line, stay those of the built image) and
  // is blessed once the kiosk runs.
  m->WaitForConsole("qoima_0.1.1.efi reached the kiosk", kBoot);
  ToLoginScreen(*m);
  m->WaitForScreen("TPM: қалыпты", Psf(), kBoot);
  m->Type(kAdmin + "\t" + kPassword + "\n");
  std::string screen = m->WaitForScreen(kAdminSession, Psf(), 300s);
  Keep(*m, "signed-update-admin");
  CHECK_FALSE(Shows(screen, "АҚАУ"));
  m->PowerOff();
  // The entry was blessed; the previous version stays as the fallback.
  std::string esp = a.disk().ListEsp("/EFI/Linux");
  CHECK(esp.find("qoima_0.1.1.efi") != std::string::npos);
  CHECK(esp.find("qoima_" + ReadFile(ImageDir() + "/version") + ".efi") != std::string::npos);
}

TEST_CASE("an update signed by another key is refused before anything is written") {
  Appliance a;
  {
    auto m = a.Boot();
    m->WaitForConsole("qoima-provision: done", kBoot);
    ToLoginScreen(*m);
    m->PowerOff();
  }
  const std::string forger = a.dir().Sub("forger.key");
  REQUIRE(
      RunChecked({"openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", forger}).ok());
  std::string update = MakeUpdate(a.dir(), forger, "0.1.1");
  auto slot_b = a.disk().Partition("_empty");
  const std::string before = Sha256Of(a.disk().path(), slot_b.first, slot_b.second);
  const std::string esp_before = a.disk().ListEsp("/EFI/Linux");
  auto m = a.Boot({update});
  m->WaitForConsole("qoima-update: REFUSED", kBoot);
  CHECK_THAT(m->Console(), Catch::Contains("signature does not verify"));
  ToLoginScreen(*m);  // the appliance goes on as it was
  m->PowerOff();
  CHECK(Sha256Of(a.disk().path(), slot_b.first, slot_b.second) == before);
  CHECK(a.disk().ListEsp("/EFI/Linux") == esp_before);
  CHECK(a.disk().Partition("_empty").first == slot_b.first);
}

namespace {

// The reader-check flavour (tests/image/make_check_image.sh): $QOIMA_CHECK_IMAGE_DIR or build/image-check.
std::string CheckImageDir() {
  const char* env = std::getenv("QOIMA_CHECK_IMAGE_DIR");
  return env && *env ? env : std::string(QOIMA_SOURCE_DIR) + "/build/image-check";
}

}  // namespace

TEST_CASE("a FAT32 USB stick is read through the unprivileged sandbox inside the booted image") {
  const std::string flavour = CheckImageDir();
  REQUIRE(std::filesystem::exists(flavour + "/stick.img"));
  Appliance a(flavour);
  // The depositor's stick, a real FAT32 image, attached as USB mass storage.
  const std::string stick = a.dir().Sub("stick.img");
  std::filesystem::copy_file(flavour + "/stick.img", stick);
  const std::string stick_before = Sha256Of(stick, 0, 64LL << 20);
  auto m = a.Boot({stick});
  m->WaitForConsole("qoima-reader-check: done", kBoot);
  const std::string console = m->Console();
  const std::string report = console.substr(console.find("qoima-reader-check: uid"));
  INFO(report);
  // What the reader found, and the image kernel's LSMs and namespace settings, kept beside the screenshots.
  WriteFile(Artifacts() + "/reader-check-console.txt", report);
  // As the kiosk reads: the qoima user, not root, on this image's kernel.
  CHECK_THAT(console, Catch::Contains("qoima-reader-check: uid ") && !Catch::Contains("qoima-reader-check: uid 0 "));
  CHECK_THAT(console, Catch::Contains("(qoima), kernel "));
  // The stick was found by udev (by its FAT label), admitted as removable USB
  // storage, read in the sandbox and every file matched the act.
  CHECK_THAT(console, Catch::Contains("qoima-reader-check: stick /dev/sd"));
  CHECK_THAT(console, Catch::Contains("qoima-reader-check: scan: 4 matched"));
  CHECK_THAT(console, Catch::Contains("qoima-reader-check: scan exit 0"));
  CHECK_THAT(console, !Catch::Contains("sandbox could not be set up"));
  // The appliance's own disk is refused as a medium.
  CHECK_THAT(console, Catch::Contains("is not read as a depositor's medium: it is the appliance's own disk"));
  // The kiosk keeps the screen meanwhile, and its status line names the stick
  // it saw arrive (udev; nothing mounted).
  ToLoginScreen(*m);
  m->WaitForScreen("Тасығыш: sda DEPOSIT1", Psf(), kBoot);
  Keep(*m, "reader-check");
  m->PowerOff();
  // Nothing was written to the stick.
  CHECK(Sha256Of(stick, 0, 64LL << 20) == stick_before);
}

namespace {

// "9CDA 7CC4 ...": the digest as the paper act prints it and the clerk types it.
std::string PaperDigest(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i < hex.size(); ++i) {
    if (i && i % 4 == 0) out += ' ';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i])));
  }
  return out;
}

}  // namespace

TEST_CASE("an intake from a FAT32 USB stick is accepted at the kiosk inside the booted image") {
  // The reader-check flavour: its seed unit adds clerk1, auditor1 and one
  // application with the `qoima` command after provisioning; its report unit
  // prints the auditor's view of the store on the console before the kiosk
  // starts (tests/image/make_check_image.sh).
  const std::string flavour = CheckImageDir();
  REQUIRE(std::filesystem::exists(flavour + "/intake-stick.img"));
  Appliance a(flavour);
  // The depositor's stick: a real FAT32 image with the deposit and its act
  // at the root, attached as USB mass storage.
  const std::string stick = a.dir().Sub("intake-stick.img");
  std::filesystem::copy_file(flavour + "/intake-stick.img", stick);
  const std::string stick_before = Sha256Of(stick, 0, 64LL << 20);
  const std::string digest = ReadFile(flavour + "/act.digest").substr(0, 64);
  REQUIRE(digest.size() == 64);
  {
    auto m = a.Boot({stick});
    m->WaitForConsole("qoima-intake-seed: done", kBoot);
    ToLoginScreen(*m);
    m->WaitForScreen("TPM: қалыпты", Psf(), kBoot);
    // The clerk works in English today (F2 twice from Kazakh).
    m->Key("f2");
    m->Key("f2");
    m->WaitForScreen("Password:", Psf(), 300s);
    m->Type("clerk1\tClerk-Image-2026!\n");
    m->WaitForScreen("Applications: 1 shown of 1.", Psf(), 600s);
    m->Key("ret");
    // The stick as udev reported it (nothing mounted); the only medium, so chosen.
    std::string screen = m->WaitForScreen("\"DEPOSIT2\"", Psf(), 600s);
    INFO(screen);
    CHECK(Shows(screen, "vfat"));
    m->Key("f7");
    // The reader walks the stick for act files and lists the act at its root.
    m->WaitForScreen("act.sha256", Psf(), 900s);
    m->Type(PaperDigest(digest));
    m->WaitForScreen("64 of 64 hex digits", Psf(), 300s);
    m->Key("f7");
    // Read once in the sandbox, hashed and sealed: every file of the act matches.
    screen = m->WaitForScreen("4 files, 0 problems.", Psf(), kBoot);
    Keep(*m, "intake-compared");
    CHECK(Shows(screen, "(on the deposit medium: left out of the comparison)"));
    // Every acceptance records the NDA first, signed by both parties (F6).
    m->Key("f7");
    m->WaitForScreen("Non-disclosure agreement", Psf(), 300s);
    m->Type("Nurlanov E.\tCharter\tAlieva G.");
    m->Key("f6");
    m->WaitForScreen("Signed by both parties: yes", Psf(), 300s);
    m->Key("f7");
    m->WaitForScreen("The media is not read again.", Psf(), 300s);
    m->Type("y");
    screen = m->WaitForScreen("Accepted. The NDA is recorded", Psf(), 900s);
    Keep(*m, "intake-accepted");
    m->PowerOff();
  }
  // The next boot: before the kiosk takes the store, the auditor's view.
  auto m = a.Boot();
  m->WaitForConsole("qoima-intake-report: done", kBoot);
  const std::string console = m->Console();
  const std::string report = console.substr(console.find("qoima-intake-report:"));
  WriteFile(Artifacts() + "/intake-report-console.txt", report);
  INFO(report);
  CHECK_THAT(report, Catch::Contains("qoima-intake-report: journal exit 0"));
  CHECK_THAT(report, Catch::Contains("qoima-intake-report: intake exit 0"));
  // The intake the kiosk recorded, accepted, for the seeded application.
  CHECK_THAT(report, Catch::Contains("qoima-intake-report: intake: intake 1 (ESEDO-01): accepted"));
  // The audit log, as the clerk's work at the kiosk left it: the act looked
  // for on the stick, the four files sealed as the deposit while read, the
  // acceptance.
  CHECK(LineHolds(report, "intake.act_candidates", "medium:/dev/sda"));
  CHECK(LineHolds(report, "deposit.commit", "files=4 "));
  CHECK(LineHolds(report, "qoima-intake-report: audit: ", "intake.accept"));
  CHECK(LineHolds(report, "intake.accept", "clerk1"));
  CHECK(LineHolds(report, "deposit.commit", "clerk1"));
  CHECK_THAT(report, Catch::Contains("qoima-intake-report: audit exit 0"));
  CHECK_THAT(report, Catch::Contains("qoima-intake-report: verify exit 0"));
  ToLoginScreen(*m);
  m->PowerOff();
  // Nothing was written to the stick.
  CHECK(Sha256Of(stick, 0, 64LL << 20) == stick_before);
}
