// End-to-end test of the export at the kiosk: the real qoima-kiosk in tmux
// over a swtpm-backed state with one accepted deposit. A security officer
// requests the export, the appliance refuses their own approval (said in
// kk, ru and en), a second officer approves on the same screen, and the
// officer writes the signed bundle onto an export stick (a real loop device:
// QOIMA_TEST_MEDIA=1 lets a loop device stand for the USB stick) with
// progress. The bundle is then copied off the stick's FAT32 image with
// mtools and verified with the real `qoima verify-bundle` against the
// appliance's certificate; the store and the audit log hold the request, the
// refusals, the approval and the export.
#include <catch2/catch.hpp>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/subprocess.h"
#include "tests/kiosk/kiosk_e2e_state.h"

namespace qoima::testing {
namespace {

const std::string kCli = std::string(QOIMA_BINARY_DIR) + "/cli/qoima";

void TypeConfirmingOfficer(TmuxSession& t, const std::string& login, const std::string& password) {
  // The login field first (it holds nothing or a previous login).
  for (int i = 0; i < 12; ++i) t.SendKeys({"BSpace"});
  t.Type(login);
  t.SendKeys({"Tab"});
  t.Type(password);
}

}  // namespace

TEST_CASE(
    "Export at the kiosk: requested, refused to its requester in kk/ru/en, approved by a second officer, "
    "written to a stick with progress, verified by qoima verify-bundle",
    "[kiosk][e2e]") {
  ProvisionedState p;
  // 24 MiB of pseudo-random bytes besides the small files: the bundle takes
  // a moment to write and read back.
  DepositMedia m(24u << 20);
  AcceptDeposit(p, m);
  TempDir out("qoima-kiosk-export");
  const std::string stick_image = out.Sub("stick.img");
  REQUIRE(RunChecked({"truncate", "-s", "96M", stick_image}).ok());
  LoopDevice stick(stick_image, /*read_only=*/false);
  const std::string not_a_stick = out.Sub("not-a-stick.bin");
  WriteFile(not_a_stick, std::string(4096, 'q'));

  std::string shown_sha;
  unsigned long long shown_files = 0;
  {
    TmuxSession t({kKiosk, "--lang", "en"}, p.Env());
    Expect(t, "Password:");
    LogIn(t, "officer1", kOfficer1Password);
    Expect(t, "Pending requests: 1.", milliseconds(30000));
    t.SendKeys({"F6"});
    Expect(t, "Export requests: 0.");
    t.SendKeys({"F7"});
    Expect(t, "New export request");
    // A deposit that does not exist: the appliance refuses, nothing is recorded.
    t.Type("A-99");
    t.SendKeys({"Tab"});
    t.Type("transfer to the central repository");
    t.SendKeys({"F7"});
    Expect(t, "The requested record was not found.");
    CHECK(t.Capture().find("New export request") != std::string::npos);
    t.SendKeys({"BTab"});
    for (int i = 0; i < 4; ++i) t.SendKeys({"BSpace"});
    t.Type("A-1");
    Snap(t, "officer-export-request-en");
    t.SendKeys({"F7"});
    Expect(t, "Export request 2 recorded.", milliseconds(20000));
    Expect(t, "Export requests: 1.");
    Expect(t, "waiting for approval");
    Snap(t, "officer-exports-pending-en");
    // Not approved yet: nothing to write.
    t.SendKeys({"Enter"});
    Expect(t, "This request waits for a second security officer's approval");
    t.SendKeys({"Escape"});
    Expect(t, "Pending requests: 2.");

    // The newest request first: the export. officer1 asked for it, so the
    // appliance refuses their approval; the screen says why, in each language.
    t.SendKeys({"Enter"});
    Expect(t, "Request: export of deposit:1");
    Expect(t, "Reason: transfer to the central repository");
    TypeConfirmingOfficer(t, "officer1", kOfficer1Password);
    t.SendKeys({"F7"});
    Expect(t, "You asked for this request yourself:");
    Snap(t, "officer-export-self-approval-en");
    t.SendKeys({"F2"});  // en -> kk
    Expect(t, "Бұл сұрауды өзіңіз жібердіңіз");
    Snap(t, "officer-export-self-approval-kk");
    t.SendKeys({"F2"});  // kk -> ru
    Expect(t, "Этот запрос подали вы сами");
    Snap(t, "officer-export-self-approval-ru");
    // In Russian, once more: the refusal is the appliance's each time.
    t.Type(kOfficer1Password);  // the password field, emptied after each attempt
    t.SendKeys({"F7"});
    Expect(t, "Этот запрос подали вы сами");
    t.SendKeys({"F2"});  // ru -> en
    Expect(t, "Two-person approval");
    // The second officer on the same screen.
    t.SendKeys({"BTab"});
    TypeConfirmingOfficer(t, "officer2", kOfficer2Password);
    t.SendKeys({"F7"});
    Expect(t, "Approved by officer2.", milliseconds(20000));
    Expect(t, "Pending requests: 1.");

    // officer1 writes the bundle.
    t.SendKeys({"F6"});
    REQUIRE(t.WaitUntil(
        [](const std::string& s) {
          return RowShows(s, {"A-1", "approved", "officer1", "officer2"});
        },
        milliseconds(20000)));
    Snap(t, "officer-exports-approved-en");
    t.SendKeys({"Enter"});
    Expect(t, "Export 2 of deposit A-1: requested by officer1, approved by officer2");
    Expect(t, "The whole stick is erased and formatted");
    // Not a block device: the appliance refuses before anything is written.
    t.Type(not_a_stick);
    t.SendKeys({"F7"});
    Expect(t, "Erase everything on " + not_a_stick);
    t.SendKeys({"F7"});
    Expect(t, "Some entered data is not valid.", milliseconds(30000));
    CHECK(ReadFile(not_a_stick) == std::string(4096, 'q'));
    // The stick, typed (a loop device makes no udev event).
    for (size_t i = 0; i < not_a_stick.size(); ++i) t.SendKeys({"BSpace"});
    t.Type(stick.path());
    t.SendKeys({"F7"});
    Expect(t, "Erase everything on " + stick.path() + " and write the bundle?");  // short: one line
    Expect(t, "F7 or y/д/и = yes, Esc or n/н = no.");
    Snap(t, "officer-export-confirm-en");
    // н (the n key of a Russian layout) answers no: nothing is written.
    t.Type("н");
    Expect(t, "Not written: nothing on the stick was changed.");
    t.SendKeys({"F7"});
    Expect(t, "write the bundle?");
    t.Type("д");  // yes, on a Russian layout
    Expect(t, "Writing the bundle to " + stick.path(), milliseconds(30000));
    // Mid-write when the screen is caught there: bytes and a rate, never
    // asserted on timing (a fast machine may be done first).
    if (t.WaitUntil(
            [](const std::string& s) {
              return s.find("Written: ") != std::string::npos && s.find("Written: 0 B") == std::string::npos &&
                     s.find("Rate: ") != std::string::npos;
            },
            milliseconds(20000)))
      Snap(t, "officer-export-writing-en");
    Expect(t, "The bundle is written, read back and verified.", milliseconds(180000));
    std::string done = t.Capture();
    Snap(t, "officer-export-done-en");
    CHECK(done.find("Requested by officer1, approved by officer2.") != std::string::npos);
    CHECK(done.find("qoima-export-000001.tar") != std::string::npos);
    std::smatch files;
    REQUIRE(std::regex_search(done, files, std::regex("(\\d+) files of the deposit")));
    shown_files = std::stoull(files[1].str());
    std::smatch sha;
    REQUIRE(std::regex_search(done, sha, std::regex("\\b[0-9a-f]{64}\\b")));
    shown_sha = sha.str();
    t.SendKeys({"F2"});  // en -> kk
    Expect(t, "Пакет жазылды, қайта оқылды және тексерілді.");
    Snap(t, "officer-export-done-kk");
    t.SendKeys({"F2"});  // kk -> ru
    Expect(t, "Пакет записан, прочитан обратно и проверен.");
    t.SendKeys({"F2"});  // ru -> en
    // Executed: the request cannot write a second bundle.
    t.SendKeys({"Escape"});
    REQUIRE(t.WaitUntil([](const std::string& s) { return RowShows(s, {"A-1", "written", "officer2"}); }));
    t.SendKeys({"Enter"});
    Expect(t, "This export was written already: a request is carried out once.");
    CHECK_FALSE(t.dead());
  }

  // The stick holds a clean FAT32 filesystem with the bundle as its only file.
  stick.Detach();
  SubprocessOptions mt;
  mt.extra_env = {"MTOOLS_SKIP_CHECK=1"};
  auto dir = RunChecked({"mdir", "-b", "-i", stick_image, "::"}, mt);
  REQUIRE(dir.ok());
  INFO(dir->out);
  CHECK(dir->out.find("qoima-export-000001.tar") != std::string::npos);
  REQUIRE(RunChecked({"mcopy", "-i", stick_image, "::qoima-export-000001.tar", out.Sub("bundle.tar")}, mt).ok());

  // The real CLI verifies it against the appliance's certificate.
  SubprocessOptions o;
  o.timeout = std::chrono::minutes(2);
  auto verify = RunSubprocess(
      {kCli, "--json", "verify-bundle", out.Sub("bundle.tar"), "--cert", p.state.Sub("state/keyring/device.crt")}, o);
  REQUIRE(verify.ok());
  INFO(verify->out << verify->err);
  CHECK(verify->exit_code == 0);
  nlohmann::json v = nlohmann::json::parse(verify->out);
  CHECK(v["ok"] == true);
  CHECK(v["trusted_certificate"] == true);
  CHECK(v["payload_files"] == shown_files);
  CHECK(shown_files >= 4);  // the disc's four files
  CHECK(v["bundle_sha256"] == shown_sha);

  // The store: the request executed; the audit log: every step, the refusals too.
  auto app = OpenAfterKiosk(p);
  auto auditor = app->Login("auditor1", kAuditorPassword);
  REQUIRE(auditor.ok());
  auto approvals = app->ListApprovals(*auditor, appliance::ApprovalListFilter::kAll);
  REQUIRE(approvals.ok());
  int exports = 0;
  for (const auto& a : *approvals) {
    if (a.action != appliance::SensitiveAction::kExport) continue;
    ++exports;
    CHECK(a.object == "deposit:1");
    CHECK(a.state == appliance::ApprovalState::kExecuted);
    CHECK(a.requested_by_name == "officer1");
    REQUIRE(a.approvals.size() == 1);
    CHECK(a.approvals[0].username == "officer2");
  }
  CHECK(exports == 1);  // A-99 was never recorded
  auto events = app->AuditEntries(*auditor, 0, 10000);
  REQUIRE(events.ok());
  std::map<std::string, int> seen;
  for (const auto& e : *events) seen[e.action + "/" + e.outcome + "/" + e.actor]++;
  CHECK(seen["approval.request/success/officer1"] == 2);  // the provisioned destruction, the export
  CHECK(seen["approval.approve/denied/officer1"] == 2);
  CHECK(seen["approval.approve/success/officer2"] == 1);
  CHECK(seen["export.run/failure/officer1"] == 1);  // the file that is not a stick
  CHECK(seen["export.bundle/success/officer1"] == 1);
  CHECK(seen["approval.execute/success/officer1"] == 1);
  auto verified = app->VerifyAudit(*auditor);
  REQUIRE(verified.ok());
  CHECK(verified->ok());
}

}  // namespace qoima::testing
