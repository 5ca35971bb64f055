// End-to-end tests of the real qoima-kiosk over the real appliance: a state
// provisioned with appliance::Appliance::Init on a swtpm (users created by
// the admin), then the binary driven in tmux at 80x24.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/kiosk/kiosk_e2e_state.h"

namespace qoima::testing {
namespace {}  // namespace

TEST_CASE("Login over the real appliance: one answer for a wrong password and a locked account and an unknown login",
          "[kiosk][e2e]") {
  ProvisionedState p;
  pid_t kiosk_pid = 0;
  {
    TmuxSession t({kKiosk, "--lang", "en"}, p.Env());
    kiosk_pid = t.pid();
    Expect(t, "Password:");
    Expect(t, "TPM: ok  Store: ok", milliseconds(30000));
    // Keystrokes are handled in order, so each Enter submits what was typed
    // after the last one; the screen is read once the field has emptied.
    auto refused = [&t](const std::string& password, const std::string& login_shown = "clerk1") {
      t.Type(password);
      t.SendKeys({"Enter"});
      REQUIRE(t.WaitUntil(
          [&login_shown](const std::string& screen) {
            size_t at = screen.find("Password:");
            return FieldShows(screen, "Login:", login_shown) && at != std::string::npos &&
                   screen.substr(at, screen.find('\n', at) - at).find('*') == std::string::npos;
          },
          milliseconds(20000)));
      Expect(t, "Wrong login or password.");
      Expect(t, "After 5 wrong passwords an account is locked for 15 minutes");
      std::string screen = t.Capture();
      CHECK(screen.find("Attempts left") == std::string::npos);
      CHECK(screen.find("locked until") == std::string::npos);
      CHECK(screen.find("Applications") == std::string::npos);
    };
    t.Type("clerk1");
    t.SendKeys({"Enter"});
    for (int attempt = 1; attempt <= 5; ++attempt) refused("wrong-pass-" + std::to_string(attempt));
    // Locked now: even the right password gets the same answer.
    refused(kClerkPassword);
    Snap(t, "login-refused-en");
    t.SendKeys({"F2"});  // kk
    Expect(t, "Логин немесе құпиясөз қате.");
    Snap(t, "login-refused-kk");
    t.SendKeys({"F2", "F2"});  // kk -> ru -> en
    // An unknown login: the same words.
    t.SendKeys({"BTab"});
    for (int i = 0; i < 6; ++i) t.SendKeys({"BSpace"});
    t.Type("nobody1");
    t.SendKeys({"Tab"});
    refused("whatever-pass-1", "nobody1");
    CHECK_FALSE(t.dead());
  }
  // The kiosk ended with its tmux server; the audit log tells the reasons apart.
  for (int i = 0; i < 2000 && ::kill(kiosk_pid, 0) == 0; ++i) ::usleep(5000);
  appliance::ApplianceOptions opt;
  opt.tcti = p.tpm.tcti();
  opt.state_dir = p.state.Sub("state");
  opt.argon2 = appliance::kArgon2TestOnly;
  auto app = appliance::Appliance::Open(opt);
  INFO(app.status().ToString());
  REQUIRE(app.ok());
  auto auditor = (*app)->Login("auditor1", kAuditorPassword);
  REQUIRE(auditor.ok());
  auto events = (*app)->AuditEntries(*auditor, 0, 1000);
  REQUIRE(events.ok());
  int wrong = 0, locked = 0, unknown = 0;
  for (const auto& e : *events) {
    if (e.action != "user.login" || e.outcome != "failure") continue;
    if (e.object == "user:clerk1" && e.reason.find("wrong username or password") != std::string::npos) ++wrong;
    if (e.object == "user:clerk1" && e.reason.find("is locked until") != std::string::npos &&
        e.reason.find("the password was right") != std::string::npos)
      ++locked;
    if (e.object == "user:nobody1" && e.reason == "no such user") ++unknown;
  }
  CHECK(wrong == 5);
  CHECK(locked == 1);
  CHECK(unknown == 1);
}

TEST_CASE("A clerk logs in over the real appliance and sees the journal", "[kiosk][e2e]") {
  ProvisionedState p;
  TmuxSession t({kKiosk, "--lang", "en"}, p.Env());
  Expect(t, "Password:");
  LogIn(t, "clerk1", kClerkPassword);
  Expect(t, "Applications: 1 shown of 1.", milliseconds(20000));
  CHECK(t.Capture().find("е-Өтініш қызметі") != std::string::npos);
  Snap(t, "clerk-home-en");
  t.SendKeys({"F2"});  // en -> kk
  Expect(t, "Өтінімдер: 1 көрсетілді, барлығы 1.");
  Snap(t, "clerk-home-kk");
  t.SendKeys({"F2", "F2"});  // kk -> ru -> en
  Expect(t, "Applications: 1 shown of 1.");
  CHECK(t.WaitFor("clerk1 (clerk)"));
  CHECK(t.Capture().find("F10 Log out") != std::string::npos);
  t.SendKeys({"F10"});
  Expect(t, "You have logged out.");
}

TEST_CASE("An auditor session is read-only: journal of audit events and log verification", "[kiosk][e2e]") {
  ProvisionedState p;
  TmuxSession t({kKiosk, "--lang", "en"}, p.Env());
  Expect(t, "Password:");
  LogIn(t, "auditor1", kAuditorPassword);
  Expect(t, "Journal (read-only)", milliseconds(20000));
  // The provisioning left events: init, the admin's login, user creations,
  // this login: in words, never the log's codes, at the counter's time.
  Expect(t, "account created");
  CHECK(t.Capture().find("appliance provisioned") != std::string::npos);
  CHECK(t.Capture().find("user.create") == std::string::npos);
  const std::regex utc(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)");
  const std::regex counter_time(R"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})");
  CHECK_FALSE(std::regex_search(t.Capture(), utc));
  CHECK(std::regex_search(t.Capture(), counter_time));
  t.SendKeys({"F2"});  // en -> kk
  Expect(t, "есептік жазба құрылды");
  t.SendKeys({"F2"});  // kk -> ru
  Expect(t, "учётная запись создана");
  t.SendKeys({"F2"});  // ru -> en
  t.SendKeys({"F6"});
  Expect(t, "Audit log verified:", milliseconds(20000));
  Snap(t, "auditor-home-en");
  t.SendKeys({"/"});
  t.Type("user.login");  // the codes stay searchable
  Expect(t, "Search: user.login_");
  std::string screen = t.Capture();
  CHECK(screen.find("account created") == std::string::npos);
  CHECK(screen.find("login") != std::string::npos);
  // No application keys exist for an auditor: F3 here is search, F7/F8 do nothing.
  t.SendKeys({"Enter", "F7", "F8", "F3", "Escape"});
  CHECK_FALSE(t.dead());
}

TEST_CASE("Officer two-person approval: the requester cannot approve, a second officer does on the same screen",
          "[kiosk][e2e]") {
  ProvisionedState p;
  TmuxSession t({kKiosk, "--lang", "en"}, p.Env());
  Expect(t, "Password:");
  LogIn(t, "officer1", kOfficer1Password);
  Expect(t, "Pending requests: 1.", milliseconds(20000));
  CHECK(t.Capture().find("destruction") != std::string::npos);
  Snap(t, "officer-home-en");
  t.SendKeys({"Enter"});
  Expect(t, "Reason: retention period ended");
  Expect(t, "Approvals: 0 of 1.");
  // officer1 asked: the appliance refuses their own approval, with the reason.
  t.Type("officer1");
  t.SendKeys({"Tab"});
  t.Type(kOfficer1Password);
  t.SendKeys({"F7"});
  Expect(t, "You asked for this request yourself:");
  CHECK(t.Capture().find("Two-person approval") != std::string::npos);
  // The second officer types their own login and password on the same screen.
  t.SendKeys({"BTab"});
  for (int i = 0; i < 8; ++i) t.SendKeys({"BSpace"});
  t.Type("officer2");
  t.SendKeys({"Tab"});
  t.Type(kOfficer2Password);
  Snap(t, "officer-approve-en");
  t.SendKeys({"F7"});
  Expect(t, "Approved by officer2.", milliseconds(20000));
  Expect(t, "Pending requests: 0.");
  // User management and the recovery state from the same session.
  t.SendKeys({"F3"});
  Expect(t, "Users: 5.");
  Snap(t, "officer-users-en");
  t.SendKeys({"Escape", "F4"});
  Expect(t, "Recovery shares: any 2 of 3 rebuild the master key.");
  Snap(t, "officer-recovery-en");
  // The auditor sees both officers in the log.
  t.SendKeys({"F10"});
  Expect(t, "You have logged out.");
  LogIn(t, "auditor1", kAuditorPassword);
  Expect(t, "Journal (read-only)", milliseconds(20000));
  t.SendKeys({"/"});
  t.Type("approval.approve");
  Expect(t, "Journal entries: 2 shown");
  std::string log = t.Capture();
  // A row of the list holds both the officer and the outcome.
  auto row_shows = [&log](const std::string& who, const std::string& outcome) {
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);)
      if (line.rfind(">", 0) != 0 && line.find(who) != std::string::npos && line.find(outcome) != std::string::npos)
        return true;
    return false;
  };
  INFO(log);
  CHECK(row_shows("officer1", "refused"));  // the requester's attempt
  CHECK(row_shows("officer2", "done"));     // the second officer's approval
}

TEST_CASE("A new officer account waits for a second officer: the request is shown and then approved on the same screen",
          "[kiosk][e2e]") {
  ProvisionedState p;
  TmuxSession t({kKiosk, "--lang", "en"}, p.Env());
  Expect(t, "Password:");
  LogIn(t, "officer1", kOfficer1Password);
  Expect(t, "Pending requests: 1.", milliseconds(20000));
  t.SendKeys({"F3"});
  Expect(t, "Users: 5.");
  t.SendKeys({"F3"});
  Expect(t, "New user");
  for (const char* v : {"officer3", "Бекова", "Айгүл", "", "officer3-pass-2026", "officer3-pass-2026"}) {
    t.Type(v);
    t.SendKeys({"Tab"});
  }
  t.SendKeys({"F6"});  // clerk -> security officer
  Expect(t, "Role: security officer");
  t.SendKeys({"F7"});
  // Nothing is created: the screen names the request that waits.
  Expect(t, "Not done yet: request 2 waits for a second security officer.", milliseconds(20000));
  Snap(t, "officer-user-requested-en");
  CHECK(t.Capture().find("officer3") == std::string::npos);  // not among the users
  t.SendKeys({"Escape"});
  Expect(t, "Pending requests: 2.");
  // The narrow columns clip the kind and the change; the approval screen shows them whole.
  Expect(t, "account cha… create the security_off… officer1");
  Snap(t, "officer-home-account-change-en");
  t.SendKeys({"Enter"});  // the newest request first
  Expect(t, "Request: create the security_officer account 'officer3'");
  // officer1 asked, so the login is left empty for the second officer, who
  // approves on the same screen: then it is done.
  t.Type("officer2");
  t.SendKeys({"Tab"});
  t.Type(kOfficer2Password);
  t.SendKeys({"F7"});
  Expect(t, "Approved by officer2.", milliseconds(20000));
  Expect(t, "Pending requests: 1.");
  t.SendKeys({"F3"});
  Expect(t, "Users: 6.");
  CHECK(t.Capture().find("officer3") != std::string::npos);
  t.SendKeys({"Escape", "F10"});
  Expect(t, "You have logged out.");
  LogIn(t, "officer3", "officer3-pass-2026");
  Expect(t, "officer3 (security officer)", milliseconds(20000));
}

TEST_CASE("A clerk registers an application through the Annex 1 form", "[kiosk][e2e]") {
  ProvisionedState p;
  TmuxSession t({kKiosk, "--lang", "en"}, p.Env());
  Expect(t, "Password:");
  LogIn(t, "clerk1", kClerkPassword);
  Expect(t, "Applications: 1 shown of 1.");
  t.SendKeys({"F3"});
  Expect(t, "New application (Annex 1)");
  // A save with the required fields missing is refused by the appliance, which names the field.
  t.SendKeys({"F7"});
  Expect(t, "Some entered data is not valid.");
  const std::vector<std::string> values = {
      "Білім министрлігі",    "Оспанов Бақыт", "Білім министрлігі", "Күнделік", "KUNDELIK-2", "2.1", "C++", "1",
      "Электрондық күнделік", "DISC_1"};
  for (const std::string& v : values) {
    t.Type(v);
    t.SendKeys({"Tab"});
  }
  t.SendKeys({"F7"});
  Expect(t, "Application registered in the journal under number 2.");
  Expect(t, "Applications: 2 shown of 2.");
  CHECK(t.Capture().find("Күнделік") != std::string::npos);
}

TEST_CASE("An idle clerk session locks itself and the password resumes it", "[kiosk][e2e]") {
  ProvisionedState p;
  TmuxSession t({kKiosk, "--lang", "en", "--idle-lock", "2"}, p.Env());
  Expect(t, "Password:");
  LogIn(t, "clerk1", kClerkPassword);
  Expect(t, "Applications: 1 shown of 1.");
  Expect(t, "Screen locked. Enter your password to continue.", milliseconds(15000));
  CHECK(t.Capture().find("е-Өтініш қызметі") == std::string::npos);  // nothing of the session shows
  t.Type(kClerkPassword);
  t.SendKeys({"Enter"});
  Expect(t, "Applications: 1 shown of 1.");
}

TEST_CASE("10k random keystrokes in a clerk session over the real appliance", "[kiosk][e2e]") {
  ProvisionedState p;
  TmuxSession t({kKiosk, "--lang", "en", "--idle-lock", "3600"}, p.Env());
  Expect(t, "Password:");
  LogIn(t, "clerk1", kClerkPassword);
  Expect(t, "Applications: 1 shown of 1.");
  pid_t pid = t.pid();
  const std::vector<std::string> specials = {
      "C-c",  "C-z", "C-\\", "C-d", "Escape", "Enter", "Tab", "BTab", "BSpace", "Up", "Down", "PPage", "NPage",
      "Home", "End", "F1",   "F2",  "F3",     "F4",    "F5",  "F6",   "F7",     "F8", "F9",   "F11",   "F12"};
  const std::vector<std::string> letters = {"a", "z", "7", "/", "ә", "қ", "ү", "і", "Ж", "-", "."};
  std::mt19937 rng(8);
  for (int sent = 0; sent < 10000;) {
    std::vector<std::string> batch;
    for (int i = 0; i < 250; ++i, ++sent)
      batch.push_back(rng() % 3 == 0 ? specials[rng() % specials.size()] : letters[rng() % letters.size()]);
    t.SendKeys(batch);
    REQUIRE_FALSE(t.dead());
    REQUIRE(CommOf(pid) == "qoima-kiosk");
    for (pid_t child : ChildrenOf(pid))
      REQUIRE(CommOf(child) == "qoima-media-chi");  // only the sandboxed reader (comm is 15 chars)
  }
  // Still answering: F2 changes the language tag on the status line.
  const std::string before = t.Capture();
  std::string want = before.find("[kk]") != std::string::npos   ? "[ru]"
                     : before.find("[ru]") != std::string::npos ? "[en]"
                                                                : "[kk]";
  t.SendKeys({"F2"});
  Expect(t, want, milliseconds(30000));
  CHECK(StateOf(pid) != 'T');
  CHECK_FALSE(t.dead());
}

// The digest on the paper act is not the act's: the read is refused before
// the deposit is read, the act's screen stays for it to be typed again.
void ExpectWrongDigestRefused(TmuxSession& t) {
  bool refused = t.WaitFor("not the paper act's digest: nothing read, nothing stored.", milliseconds(60000));
  INFO(t.Capture());
  REQUIRE(refused);
  CHECK(t.Capture().find("SHA-256 on the paper act:") != std::string::npos);
  Snap(t, "clerk-act-wrong-digest-en");
}

// Clears the digest field (focused) of the act's screen.
void ClearDigest(TmuxSession& t) {
  for (int i = 0; i < 80; ++i) t.SendKeys({"BSpace"});
}

// Picks act `act_name` on `act_device` and types a digest one hex digit off
// the paper's (digit `at` changed): refused, nothing read; then types the
// paper act's digest in its place.
void PickActAfterWrongDigest(TmuxSession& t, const DepositMedia& m, const std::string& act_device,
                             const std::string& act_name, size_t at) {
  std::string wrong = m.ActDigest(false);
  wrong[at] = wrong[at] == 'a' ? 'b' : 'a';
  PickAct(t, m.loop->path(), act_device, act_name, PaperDigest(wrong));
  ExpectWrongDigestRefused(t);
  CHECK(t.Capture().find(act_name) != std::string::npos);
  ClearDigest(t);
  t.Type(PaperDigest(m.ActDigest(false)));
}

TEST_CASE("Clerk intake of a loop-attached disc with its act on a stick to acceptance", "[kiosk][e2e]") {
  ProvisionedState p;
  DepositMedia m;
  ActStick stick(m, false);
  TmuxSession t({kKiosk, "--lang", "en"}, p.Env());
  Expect(t, "Password:");
  StartIntakeInKiosk(t, m.loop->path());
  PickActAfterWrongDigest(t, m, stick.loop->path(), "Акт.sha256", 5);
  Snap(t, "clerk-choose-act-en");
  t.SendKeys({"F7"});
  ExpectComparison(t);
  Expect(t, "3 files, 0 problems.");
  CHECK(t.Capture().find("src/қойма.cpp") != std::string::npos);
  CHECK(t.Capture().find("Act SHA-256: " + PaperDigest(m.ActDigest(false)).substr(0, 39)) != std::string::npos);
  Snap(t, "clerk-diff-clean-en");
  AcceptWithNda(t);
  Snap(t, "clerk-accepted-en");
  // F5 prints the act: no printer is configured in this state, so the PDF is
  // saved and the screen says so, in the clerk's language.
  t.SendKeys({"F5"});
  Expect(t, "No printer is configured: act");
  Snap(t, "clerk-print-no-printer-en");
  // The auditor prints the same act from the print screen.
  t.SendKeys({"Escape", "F10"});
  Expect(t, "You have logged out.");
  LogIn(t, "auditor1", kAuditorPassword);
  Expect(t, "Journal (read-only)", milliseconds(20000));
  t.SendKeys({"F7"});
  Expect(t, "Print a document");
  t.Type("A-1");
  t.SendKeys({"F2"});  // en -> kk
  t.SendKeys({"F7"});
  Expect(t, "Принтер бапталмаған");
  Snap(t, "auditor-print-no-printer-kk");
}

TEST_CASE("Clerk intake of a FAT32 stick with its act at the root: the act left out of the comparison",
          "[kiosk][e2e]") {
  ProvisionedState p;
  DepositMedia m(0, FsType::kFat32, true);
  TmuxSession t({kKiosk, "--lang", "en"}, p.Env());
  Expect(t, "Password:");
  StartIntakeInKiosk(t, m.loop->path());
  PickActAfterWrongDigest(t, m, m.loop->path(), "act.sha256", 0);
  t.SendKeys({"F7"});
  ExpectComparison(t);
  Expect(t, "3 files, 0 problems.");  // the act's own file is no extra
  CHECK(t.Capture().find("left out of the comparison") != std::string::npos);
  Snap(t, "clerk-diff-act-on-medium-en");
  // Answered from a Russian or Kazakh keyboard layout: н (the Latin y key
  // there) is no, and says so; a letter that is no answer leaves the
  // question open; и (иә) is yes.
  FillNda(t);
  t.SendKeys({"F7"});
  Expect(t, "F7 or y/д/и = yes, Esc or n/н = no.");
  t.Type("н");
  Expect(t, "Not accepted: nothing was decided.");
  CHECK(t.Capture().find("Non-disclosure agreement") != std::string::npos);  // still undecided
  t.SendKeys({"F7"});
  Expect(t, "The media is not read again.");
  Snap(t, "clerk-accept-question-en");
  t.Type("ж");
  Expect(t, "Answer the question above");
  t.Type("и");
  Expect(t, "Accepted.", milliseconds(60000));
  // In Kazakh, as the counter shows it by default.
  t.SendKeys({"F2"});
  Expect(t, "салыстыруға кірмейді");
}

TEST_CASE("Clerk intake of a loop-attached disc to a reasoned refusal", "[kiosk][e2e]") {
  ProvisionedState p;
  DepositMedia m;
  ActStick stick(m, true);
  TmuxSession t({kKiosk, "--lang", "en"}, p.Env());
  Expect(t, "Password:");
  StartIntakeInKiosk(t, m.loop->path());
  PickAct(t, m.loop->path(), stick.loop->path(), "Акт.sha256", PaperDigest(m.ActDigest(true)));
  ExpectComparison(t);
  Expect(t, "1 problem.");
  t.SendKeys({"F4"});
  Expect(t, "checksum differs");
  Snap(t, "clerk-diff-problems-en");
  t.SendKeys({"F2"});  // en -> kk
  Expect(t, "бақылау жиынтығы өзгеше");
  Snap(t, "clerk-diff-problems-kk");
  t.SendKeys({"F2"});  // kk -> ru: the counted words in their forms
  Expect(t, "3 файла, 1 проблема.");
  Expect(t, "размер тот же, содержимое другое (SHA-256 отличается)");  // the detail follows F2 too
  t.SendKeys({"F2"});                                                  // ru -> en
  Expect(t, "checksum differs");
  t.SendKeys({"F8"});
  Expect(t, "Reasoned refusal");
  t.Type("checksum of src/қойма.cpp differs from the act");
  Snap(t, "clerk-refusal-en");
  t.SendKeys({"F8"});
  bool refused = t.WaitFor("Refused.", milliseconds(30000));
  INFO(t.Capture());
  CHECK(refused);
  Snap(t, "clerk-refused-en");
}

TEST_CASE("Register track over the real appliance: register check, NDA recorded, then accepted", "[kiosk][e2e]") {
  ProvisionedState p;
  {
    // A second application, on the trusted-register track.
    appliance::ApplianceOptions opt;
    opt.tcti = p.tpm.tcti();
    opt.state_dir = p.state.Sub("state");
    opt.argon2 = appliance::kArgon2TestOnly;
    auto app = appliance::Appliance::Open(opt);
    REQUIRE(app.ok());
    auto clerk = (*app)->Login("clerk1", kClerkPassword);
    REQUIRE(clerk.ok());
    appliance::Application a;
    a.track = appliance::Track::kRegister;
    a.portal_code = "REG-02";
    a.applicant = "Ақпарат ЖШС";
    a.software_name = "Тізілім бағдарламасы";
    a.owner.full_name = "Ақпарат ЖШС";
    a.register_entry = "R-17";
    a.items.push_back({"DEPOSIT_V1", "", 1, 0, true});
    appliance::JournalEntry e;
    e.application_number = "REG-02";
    e.received_date = ProvisionedState::Today();
    e.state_body = "Ақпарат ЖШС";
    e.applicant_head = "Нұрланов Ерік";
    auto registered = (*app)->RegisterApplication(*clerk, a, e);
    INFO(registered.status().ToString());
    REQUIRE(registered.ok());
  }
  DepositMedia m;
  ActStick stick(m, false);
  TmuxSession t({kKiosk, "--lang", "en"}, p.Env());
  Expect(t, "Password:");
  LogIn(t, "clerk1", kClerkPassword);
  Expect(t, "Applications: 2 shown of 2.");
  t.SendKeys({"Down", "Enter"});
  Expect(t, "Trusted register check: not checked yet");
  t.Type(m.loop->path());
  t.SendKeys({"F6", "F7"});  // found in the register; on to the act
  PickAct(t, m.loop->path(), stick.loop->path(), "Акт.sha256", PaperDigest(m.ActDigest(false)));
  Expect(t, "3 files, 0 problems.", milliseconds(60000));
  FillNda(t);
  Snap(t, "clerk-nda-en");
  t.SendKeys({"F7"});
  Expect(t, "The media is not read again.");
  t.SendKeys({"y"});
  Expect(t, "Accepted. The NDA is recorded", milliseconds(30000));
  t.SendKeys({"Escape", "F10"});
  Expect(t, "You have logged out.");
  // The auditor sees the NDA record and the acceptance of the held intake.
  LogIn(t, "auditor1", kAuditorPassword);
  Expect(t, "Journal (read-only)", milliseconds(20000));
  t.SendKeys({"/"});
  t.Type("nda.record");
  Expect(t, "Journal entries: 1 shown");
  t.SendKeys({"Enter", "/"});  // close the search line and open it again
  for (int i = 0; i < 10; ++i) t.SendKeys({"BSpace"});
  t.Type("intake.accept");
  Expect(t, "Journal entries: 1 shown");
}

}  // namespace qoima::testing
