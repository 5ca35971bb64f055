// Shared pieces of the kiosk's end-to-end tests over the real appliance: a
// state provisioned on a swtpm, a depositor's disc on a loop device, and the
// helpers that drive and read the tmux screen.
#pragma once

#include <catch2/catch.hpp>
#include <cctype>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "appliance/appliance.h"
#include "crypto/hash.h"
#include "tests/fixtures/loop_device.h"
#include "tests/fixtures/media_factory.h"
#include "tests/fixtures/nda_step.h"
#include "tests/fixtures/swtpm.h"
#include "tests/fixtures/temp_dir.h"
#include "tests/kiosk/tmux_session.h"

namespace qoima::testing {

using std::chrono::milliseconds;

inline const std::string kKiosk = std::string(QOIMA_BINARY_DIR) + "/kiosk/qoima-kiosk";
inline constexpr const char* kClerkPassword = "clerk-pass-2026";
inline constexpr const char* kAuditorPassword = "auditor-pass-2026";
inline constexpr const char* kOfficer1Password = "officer1-pass-2026";
inline constexpr const char* kOfficer2Password = "officer2-pass-2026";

// A provisioned appliance state: admin1, clerk1 (clerk), auditor1 (auditor),
// officer1 and officer2 (security officers); application ESEDO-01 on the
// application track; officer1's pending request to destroy deposit:1.
// The Appliance used to provision is closed again before the kiosk starts
// (the store is locked while open).
struct ProvisionedState {
  ProvisionedState() : state("qoima-kiosk-appliance") {
    appliance::ApplianceOptions opt;
    opt.tcti = tpm.tcti();
    opt.state_dir = state.Sub("state");
    opt.argon2 = appliance::kArgon2TestOnly;
    appliance::InitRequest init;
    init.admin = {"admin1", "Сейітов", "Ерлан", "", appliance::Role::kAdmin, "admin-pass-2026"};
    auto r = appliance::Appliance::Init(opt, init);
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    auto app = appliance::Appliance::Open(opt);
    INFO(app.status().ToString());
    REQUIRE(app.ok());
    auto admin = (*app)->Login("admin1", "admin-pass-2026");
    REQUIRE(admin.ok());
    REQUIRE(
        (*app)->CreateUser(*admin, {"clerk1", "Әлиева", "Гүлнұр", "", appliance::Role::kClerk, kClerkPassword}).ok());
    REQUIRE((*app)
                ->CreateUser(*admin, {"auditor1", "Қасымов", "Нұрлан", "", appliance::Role::kAuditor, kAuditorPassword})
                .ok());
    REQUIRE((*app)
                ->CreateUser(
                    *admin, {"officer1", "Жұмабаев", "Асқар", "", appliance::Role::kSecurityOfficer, kOfficer1Password})
                .ok());
    REQUIRE((*app)
                ->CreateUser(*admin,
                             {"officer2", "Серікова", "Дана", "", appliance::Role::kSecurityOfficer, kOfficer2Password})
                .ok());
    // One application in the journal, registered by the clerk.
    auto clerk = (*app)->Login("clerk1", kClerkPassword);
    REQUIRE(clerk.ok());
    appliance::Application a;
    a.portal_code = "ESEDO-01";
    a.applicant = "Цифрлық даму министрлігі";
    a.software_name = "е-Өтініш қызметі";
    a.owner.full_name = "Цифрлық даму министрлігі";
    a.items.push_back({"DEPOSIT_V1", "", 1, 0, true});
    appliance::JournalEntry e;
    e.application_number = "ESEDO-01";
    e.received_date = Today();
    e.state_body = "Цифрлық даму министрлігі";
    e.applicant_head = "Әбенов Қайрат";
    auto registered = (*app)->RegisterApplication(*clerk, a, e);
    INFO(registered.status().ToString());
    REQUIRE(registered.ok());
    // officer1 asks for a destruction; a second officer must decide it.
    auto officer = (*app)->Login("officer1", kOfficer1Password);
    REQUIRE(officer.ok());
    auto request = (*app)->RequestApproval(*officer, appliance::SensitiveAction::kDestruction, "deposit:1",
                                           "retention period ended");
    INFO(request.status().ToString());
    REQUIRE(request.ok());
    REQUIRE((*app)->EndSession().ok());
  }
  static std::string Today() {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
  }
  std::vector<std::string> Env() const {
    // Loop devices stand for the depositor's media (docs/cli.md).
    return {"QOIMA_TCTI=" + tpm.tcti(), "QOIMA_STATE=" + state.Sub("state"), "LANG=C.UTF-8", "QOIMA_TEST_MEDIA=1"};
  }

  Swtpm tpm;
  TempDir state;
};

// With QOIMA_KIOSK_SCREENSHOT_DIR set, writes the current screen as text
// (docs/operator-manual.md quotes these captures of the real binary).
inline void Snap(TmuxSession& t, const std::string& name) {
  const char* dir = std::getenv("QOIMA_KIOSK_SCREENSHOT_DIR");
  if (dir && *dir) WriteFile(std::string(dir) + "/real-" + name + ".txt", t.Capture());
}

// Waits for `text`; on failure the message shows the screen.
inline void Expect(TmuxSession& t, const std::string& text, milliseconds timeout = milliseconds(20000)) {
  bool shown = t.WaitFor(text, timeout);
  INFO("waiting for '" << text << "'; screen:\n" << t.Capture());
  REQUIRE(shown);
}

/// True when the screen line that holds `label` also holds `value`.
inline bool FieldShows(const std::string& screen, const std::string& label, const std::string& value) {
  size_t at = screen.find(label);
  if (at == std::string::npos) return false;
  size_t end = screen.find('\n', at);
  return screen.substr(at, end - at).find(value) != std::string::npos;
}

inline void LogIn(TmuxSession& t, const std::string& login, const std::string& password) {
  t.Type(login);
  t.SendKeys({"Enter"});
  t.Type(password);
  t.SendKeys({"Enter"});
}

// A depositor's disc: an ISO image of a small tree with Kazakh names on a
// real loop device, and its act manifest as a sha256sum list. With
// `big_file_bytes`, a fourth file of that many pseudo-random bytes makes the
// read last long enough to watch its progress. With `act_on_medium` the act
// (act.sha256) sits at the medium's root, as a depositor's stick carries it;
// else it comes on a separate act stick (ActStick).
struct DepositMedia {
  explicit DepositMedia(size_t big_file_bytes = 0, FsType type = FsType::kIso9660, bool act_on_medium = false)
      : dir("qoima-kiosk-media") {
    files = {{"src/қойма.cpp", "int main() { return 0; }\n"},
             {"docs/нұсқаулық.txt", "Пайдаланушы нұсқаулығы\n"},
             {"README", "е-Өтініш\n"}};
    if (big_file_bytes) {
      std::string bytes(big_file_bytes, '\0');
      uint64_t x = 88172645463325252ull;
      for (char& c : bytes) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        c = static_cast<char>(x);
      }
      files.push_back({"data/мұрағат.bin", std::move(bytes)});
    }
    for (const auto& f : files) WriteFile(dir.Sub("tree/" + f.path), f.content);
    if (act_on_medium) WriteFile(dir.Sub("tree/act.sha256"), ManifestText(false));
    BuildImage(type, dir.Sub("tree"), dir.Sub("deposit.img"), {"DEPOSIT_V1", 0});
    loop = std::make_unique<LoopDevice>(dir.Sub("deposit.img"));
  }
  /// The act as a sha256sum list; `corrupt` changes the first file's checksum.
  std::string ManifestText(bool corrupt) const {
    std::string text;
    for (size_t i = 0; i < files.size(); ++i) {
      std::string hex = crypto::Hex(crypto::Sha256::Digest(files[i].content));
      if (corrupt && i == 0) hex[0] = hex[0] == '0' ? '1' : '0';
      text += hex + "  " + files[i].path + "\n";
    }
    return text;
  }
  /// The SHA-256 of that act: what the paper act carries.
  std::string ActDigest(bool corrupt) const { return crypto::Hex(crypto::Sha256::Digest(ManifestText(corrupt))); }

  TempDir dir;
  std::vector<SampleFile> files;
  std::unique_ptr<LoopDevice> loop;
};

// The act on a stick of its own beside the deposit: a FAT32 image holding
// only "Акт.sha256", on a real loop device.
struct ActStick {
  ActStick(const DepositMedia& deposit, bool corrupt) : dir("qoima-kiosk-act") {
    WriteFile(dir.Sub("root/Акт.sha256"), deposit.ManifestText(corrupt));
    BuildImage(FsType::kFat32, dir.Sub("root"), dir.Sub("act.img"), {"ACT", 0});
    loop = std::make_unique<LoopDevice>(dir.Sub("act.img"));
  }
  TempDir dir;
  std::unique_ptr<LoopDevice> loop;
};

// "9CDA 7CC4 ...": a digest as the paper act prints it and a clerk types it.
inline std::string PaperDigest(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i < hex.size(); ++i) {
    if (i && i % 4 == 0) out += ' ';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i])));
  }
  return out;
}

// On the act's screen: the act medium typed (loop devices make no udev
// event; QOIMA_TEST_MEDIA=1 allows it) when it is not the deposit's, the
// first file the reader recognised as an act, the digest typed as printed;
// then F7 reads.
inline void PickAct(TmuxSession& t, const std::string& deposit_device, const std::string& act_device,
                    const std::string& act_name, const std::string& digest) {
  REQUIRE(t.WaitFor("SHA-256 on the paper act:", milliseconds(60000)));
  if (act_device != deposit_device) {
    // The deposit medium's walk ends first: the screen takes one walk at a time.
    REQUIRE(t.WaitUntil([](const std::string& s) { return s.find("Looking for the act") == std::string::npos; },
                        milliseconds(60000)));
    t.SendKeys({"Tab"});
    for (size_t i = 0; i < deposit_device.size(); ++i) t.SendKeys({"BSpace"});
    t.Type(act_device);
    t.SendKeys({"F7"});  // look for the act there
    REQUIRE(t.WaitFor("Act files on: " + act_device, milliseconds(60000)));
    t.SendKeys({"BTab"});
  }
  bool listed = t.WaitFor(act_name, milliseconds(60000));
  INFO(t.Capture());
  REQUIRE(listed);
  t.Type(digest);
  REQUIRE(t.WaitFor("of 64 hex digits", milliseconds(10000)));
  t.SendKeys({"F7"});
}

// Logs the clerk in, chooses the application and the deposit's device
// (typed: a loop device makes no udev event), and goes on to the act.
inline void StartIntakeInKiosk(TmuxSession& t, const std::string& device) {
  LogIn(t, "clerk1", kClerkPassword);
  Expect(t, "Applications: 1 shown of 1.", milliseconds(20000));
  t.SendKeys({"Enter"});
  Expect(t, "Media device:");
  t.Type(device);
  Snap(t, "clerk-insert-media-en");
  t.SendKeys({"F7"});
}

inline void ExpectComparison(TmuxSession& t) {
  bool diff = t.WaitFor("Act versus media", milliseconds(60000));
  INFO(t.Capture());
  REQUIRE(diff);
}

// On the comparison: F7 opens the NDA screen (every acceptance records the
// NDA), its fields are typed and marked signed by both parties (F6); the next
// F7 asks whether to record it and accept.
inline void FillNda(TmuxSession& t) {
  t.SendKeys({"F7"});
  REQUIRE(t.WaitFor("Non-disclosure agreement", milliseconds(20000)));
  t.Type("Нұрланов Ерік");
  t.SendKeys({"Tab"});
  t.Type("Жарғы");
  t.SendKeys({"Tab"});
  t.Type("Әлиева Гүлнұр");
  t.SendKeys({"F6"});
  REQUIRE(t.WaitFor("Signed by both parties: yes", milliseconds(20000)));
}

// On the comparison: the NDA recorded and the deposit accepted from what was
// read (the question confirmed; the media are not read again).
inline void AcceptWithNda(TmuxSession& t) {
  FillNda(t);
  t.SendKeys({"F7"});
  REQUIRE(t.WaitFor("The media is not read again.", milliseconds(20000)));
  t.SendKeys({"y"});
  bool accepted = t.WaitFor("Accepted. The NDA is recorded", milliseconds(60000));
  INFO(t.Capture());
  REQUIRE(accepted);
}

inline appliance::ApplianceOptions Options(const ProvisionedState& p) {
  appliance::ApplianceOptions opt;
  opt.tcti = p.tpm.tcti();
  opt.state_dir = p.state.Sub("state");
  opt.argon2 = appliance::kArgon2TestOnly;
  opt.allow_test_media = true;
  return opt;
}

// Opens the appliance once the kiosk that held it has gone.
inline std::unique_ptr<appliance::Appliance> OpenAfterKiosk(const ProvisionedState& p) {
  auto app = appliance::Appliance::Open(Options(p));
  for (int i = 0; i < 100 && !app.ok(); ++i) {
    std::this_thread::sleep_for(milliseconds(100));
    app = appliance::Appliance::Open(Options(p));
  }
  INFO(app.status().ToString());
  REQUIRE(app.ok());
  return std::move(*app);
}

// The depositor's disc read and accepted by the clerk (deposit 1, act A-1).
inline void AcceptDeposit(const ProvisionedState& p, const DepositMedia& m) {
  auto app = appliance::Appliance::Open(Options(p));
  INFO(app.status().ToString());
  REQUIRE(app.ok());
  auto clerk = (*app)->Login("clerk1", kClerkPassword);
  REQUIRE(clerk.ok());
  // Every acceptance records the NDA first.
  REQUIRE((*app)->RecordNda(*clerk, "ESEDO-01", testing::SignedTestNda()).ok());
  WriteFile(m.dir.Sub("act.sha256"), m.ManifestText(false));
  appliance::IntakeRequest req;
  req.application = "ESEDO-01";
  req.manifest_path = m.dir.Sub("act.sha256");
  req.media.push_back({m.loop->path(), "", "original"});
  req.action = appliance::IntakeAction::kAccept;
  auto out = (*app)->Intake(*clerk, req);
  INFO(out.status().ToString());
  REQUIRE(out.ok());
  REQUIRE(out->state == appliance::IntakeState::kAccepted);
  REQUIRE(out->deposit_id);
  REQUIRE(*out->deposit_id == 1);
  REQUIRE((*app)->EndSession().ok());
}

/// True when one line of `screen` holds every one of `cells`.
inline bool RowShows(const std::string& screen, const std::vector<std::string>& cells) {
  std::istringstream lines(screen);
  for (std::string line; std::getline(lines, line);) {
    bool all = true;
    for (const std::string& c : cells) all = all && line.find(c) != std::string::npos;
    if (all) return true;
  }
  return false;
}

}  // namespace qoima::testing
