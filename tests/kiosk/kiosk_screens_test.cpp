// Unit tests of the kiosk's screen logic on a virtual 80x24 curses screen
// (newterm on /dev/null) with a scripted FakeBackend: what each screen shows
// for an answer of the appliance and which call each key makes.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>

#include "kiosk/app.h"
#include "kiosk/clerk_screens.h"
#include "kiosk/domain_labels.h"
#include "kiosk/draw.h"
#include "kiosk/finding_rows.h"
#include "kiosk/i18n.h"
#include "kiosk/login_screen.h"
#include "kiosk/text_layout.h"
#include "tests/kiosk/fake_backend.h"

namespace qoima::testing {
namespace {

using kiosk::Key;
// The digest on the paper act, typed as printed (groups of four).
constexpr const char* kPaperDigest = "9CDA 7CC4 ACFA AF21 1ECC 030A D18C 7FEB 6E64 96FD 3020 B8F5 9735 9A85 D4BF D7A0";

// One virtual terminal for the whole test binary (curses has one screen).
class VirtualTerminal {
 public:
  VirtualTerminal() {
    REQUIRE(kiosk::InitI18n(std::string(QOIMA_BINARY_DIR) + "/kiosk/locale"));
    out_ = std::fopen("/dev/null", "w");
    in_ = std::fopen("/dev/null", "r");
    screen_ = newterm("xterm", out_, in_);
    REQUIRE(screen_ != nullptr);
    resizeterm(24, 80);
  }
  ~VirtualTerminal() {
    endwin();
    delscreen(screen_);
    std::fclose(out_);
    std::fclose(in_);
  }

 private:
  std::FILE* out_;
  std::FILE* in_;
  SCREEN* screen_;
};

VirtualTerminal& Term() {
  static VirtualTerminal t;
  return t;
}

std::string ScreenText() {
  std::string all;
  for (int y = 0; y < LINES; ++y) {
    wchar_t buf[512];
    int n = mvinnwstr(y, 0, buf, COLS);
    if (n < 0) n = 0;
    buf[n] = 0;
    all += kiosk::Narrow(buf);
    all += "\n";
  }
  return all;
}

// With QOIMA_KIOSK_SCREENSHOT_DIR set, the tests also write the screens they
// reach as text files (docs/operator-manual.md quotes them).
void WriteText(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return;
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

// Needs the App to redraw in Kazakh too; set by Harness.
kiosk::App* g_app = nullptr;

void Snapshot(const std::string& name) {
  const char* dir = std::getenv("QOIMA_KIOSK_SCREENSHOT_DIR");
  if (!dir || !*dir || !g_app) return;
  kiosk::Language was = kiosk::CurrentLanguage();
  WriteText(std::string(dir) + "/" + name + "-" + std::string(kiosk::LanguageCode(was)) + ".txt", ScreenText());
  kiosk::SetLanguage(kiosk::Language::kKazakh);
  g_app->Render();
  WriteText(std::string(dir) + "/" + name + "-kk.txt", ScreenText());
  kiosk::SetLanguage(was);
  g_app->Render();
}

struct Harness {
  explicit Harness(kiosk::Language lang = kiosk::Language::kEnglish) {
    Term();
    kiosk::SetLanguage(lang);
    app = std::make_unique<kiosk::App>(backend, kiosk::AppOptions{});
    g_app = app.get();
    app->Start(kiosk::MakeLoginScreen(*app, ""));
    app->Render();
  }
  void Type(const std::string& text) {
    for (wchar_t c : kiosk::Widen(text)) app->Feed(Key{false, static_cast<wint_t>(c)});
    app->Render();
  }
  void Press(int key_code) {
    app->Feed(Key{true, static_cast<wint_t>(key_code)});
    app->Poll();
    app->Render();
  }
  void Char(wchar_t c) {
    app->Feed(Key{false, static_cast<wint_t>(c)});
    app->Poll();
    app->Render();
  }
  void Enter() { Char(L'\r'); }
  bool Shows(const std::string& text) { return ScreenText().find(text) != std::string::npos; }
  /// Polls (the screens' workers answer on their own threads) until `text` shows.
  bool Await(const std::string& text) {
    for (int i = 0; i < 400 && !Shows(text); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      app->Poll();
      app->Render();
    }
    return Shows(text);
  }
  /// True when the screen line that holds `label` also holds `value`.
  bool FieldShows(const std::string& label, const std::string& value) {
    std::string all = ScreenText();
    size_t at = all.find(label);
    if (at == std::string::npos) return false;
    size_t end = all.find('\n', at);
    return all.substr(at, end - at).find(value) != std::string::npos;
  }
  /// On the comparison: F7 opens the NDA screen, whose fields are filled and
  /// marked signed by both (F6); the next F7 asks the question.
  void FillNda() {
    Press(KEY_F(7));
    REQUIRE(Shows("Non-disclosure agreement"));
    REQUIRE(Shows("former Annex 4"));
    Type("Әбенов Қайрат");
    Char(L'\t');
    Type("Жарғы");
    Char(L'\t');
    Type("Әлиев Нұрлан");
    Press(KEY_F(6));
    REQUIRE(Shows("Signed by both parties: yes"));
  }
  void LoginAs(kiosk::Role role) {
    backend.login_outcomes = {{Status::Ok(), kiosk::UserInfo{"user1", "Әлиев Нұрлан", role}}};
    Type("user1");
    Enter();
    Type("secret");
    Enter();
  }

  ~Harness() { g_app = nullptr; }

  FakeBackend backend;
  std::unique_ptr<kiosk::App> app;
};

}  // namespace

TEST_CASE("Login answers a wrong password and a locked or disabled account alike", "[kiosk][unit]") {
  Harness h;
  // The appliance answers every refusal with the same code and words; the
  // screen shows one text for them and the lockout rule, never a count of
  // attempts left or a lock time that would tell a guesser the account exists.
  h.backend.login_outcomes = {{Status::AuthFailed("wrong username or password"), {}},
                              {Status::AuthFailed("wrong username or password"), {}}};
  h.Type("clerk1");
  h.Enter();
  h.Type("bad");
  h.Enter();
  REQUIRE(h.backend.calls == std::vector<std::string>{"Login clerk1"});
  CHECK(h.backend.last_password == "bad");
  CHECK(h.Shows("Wrong login or password."));
  CHECK(h.Shows("After 5 wrong passwords an account is locked for 15 minutes"));
  h.Type("bad2");
  h.Enter();
  CHECK(h.backend.calls.size() == 2);
  CHECK(h.Shows("Wrong login or password."));  // the same words after the next refusal
  CHECK(h.Shows("After 5 wrong passwords an account is locked for 15 minutes"));
  CHECK_FALSE(h.Shows("locked after too many"));
  CHECK_FALSE(h.Shows("Attempts left"));
  Snapshot("login-refused");
  // The feedback follows a language switch.
  h.Press(KEY_F(2));
  h.Press(KEY_F(2));  // en -> kk -> ru
  CHECK(h.Shows("Неверный логин или пароль."));
}

TEST_CASE("A clerk logs in to the applications journal and the status line names user and role", "[kiosk][unit]") {
  Harness h;
  h.backend.applications = {{"1", "1", "2026-11-20", "Цифрлық даму министрлігі", "e-Өтініш", "registered"}};
  h.LoginAs(kiosk::Role::kClerk);
  CHECK(h.Shows("Applications: 1 shown of 1."));
  CHECK(h.Shows("e-Өтініш"));
  CHECK(h.Shows("Әлиев Нұрлан (clerk)"));
  Snapshot("clerk-home");
  CHECK(h.Shows("F10 Log out"));
  h.Press(KEY_F(10));
  CHECK(h.Shows("You have logged out."));
  CHECK(h.Shows("Password:"));
}

TEST_CASE("F9 locks and the same user's password returns to the same screen", "[kiosk][unit]") {
  Harness h;
  h.backend.applications = {{"1", "1", "2026-11-20", "body", "soft", "registered"}};
  h.LoginAs(kiosk::Role::kClerk);
  h.Press(KEY_F(3));  // open the application form
  CHECK(h.Shows("New application (Annex 1)"));
  Snapshot("clerk-application-form");
  h.Press(KEY_F(9));
  CHECK(h.Shows("Screen locked"));
  CHECK(h.Shows("user1"));
  h.backend.login_outcomes = {{Status::Ok(), kiosk::UserInfo{"user1", "Әлиев Нұрлан", kiosk::Role::kClerk}}};
  h.Type("secret");
  h.Enter();
  CHECK(h.Shows("New application (Annex 1)"));
}

TEST_CASE("Clerk intake: media, progress, diff with problems filter, accept with NDA, refuse with reason",
          "[kiosk][unit]") {
  Harness h;
  h.backend.applications = {{"app-9", "9", "2026-11-20", "body", "soft", "registered"}};
  h.backend.media = {{"/dev/sr0", "DEPOSIT_V1", "iso9660", 700'000'000, "", "", false, "", ""}};
  h.backend.intake.intake_id = "intake-1";
  h.backend.intake.rows = {{kiosk::DiffKind::kMatch, "src/қойма.cpp", 10, ""},
                           {kiosk::DiffKind::kMissing, "docs/нұсқаулық.pdf", 20, "act lists it"},
                           {kiosk::DiffKind::kMatch, "README", 30, ""}};
  h.LoginAs(kiosk::Role::kClerk);
  h.Enter();
  CHECK(h.Shows("/dev/sr0"));  // the detected media fills the device field
  Snapshot("clerk-insert-media");
  h.Press(KEY_F(7));  // the act: picked from what the reader found on the medium
  CHECK(h.Await("act.json"));
  CHECK(h.backend.calls.back() == "ListActCandidates /dev/sr0");
  h.Press(KEY_F(7));  // no digest typed: not read
  CHECK(h.Shows("Type the 64 hex digits"));
  h.Type(kPaperDigest);
  CHECK(h.Shows("64 of 64 hex digits"));
  Snapshot("clerk-choose-act");
  h.Press(KEY_F(7));  // read it
  // The worker finishes quickly; Poll replaces the progress screen with the diff.
  h.Await("Act versus media");  // the worker finishes; the checks below read the screen
  REQUIRE(h.Shows("3 files, 1 problem. Showing 3 (all)."));
  Snapshot("clerk-diff");
  CHECK(h.backend.calls.back() == "RunIntake app-9 /dev/sr0 /dev/sr0:act.json");
  CHECK(h.backend.last_act.digest == kPaperDigest);
  CHECK_FALSE(h.backend.last_in_register.has_value());  // application track: no register check
  h.Press(KEY_F(4));
  CHECK(h.Shows("Showing 1 (problems only)."));
  CHECK(h.Shows("docs/нұсқаулық.pdf"));
  CHECK_FALSE(h.Shows("README"));
  h.Press(KEY_F(4));
  h.Char(L'/');
  h.Type("ҚОЙМА");  // case-insensitive Kazakh search
  CHECK(h.Shows("Showing 1 (all)."));
  CHECK(h.Shows("src/қойма.cpp"));
  h.Enter();

  SECTION("accept on the application track records the NDA, asks once and decides the recorded intake") {
    h.FillNda();
    h.Press(KEY_F(7));
    CHECK(h.Shows("The media is not read again."));
    CHECK(std::find(h.backend.calls.begin(), h.backend.calls.end(), "RecordNda app-9") == h.backend.calls.end());
    h.Char(L'y');
    REQUIRE(h.backend.calls.size() >= 2);
    CHECK(h.backend.calls[h.backend.calls.size() - 2] == "RecordNda app-9");
    CHECK(h.backend.calls.back() == "Accept intake-1");
    CHECK(h.Shows("Accepted. The NDA is recorded"));
    CHECK(h.Shows("Act versus media"));
    // F5 prints the act; with no printer configured the PDF is saved and the screen says so.
    h.backend.print_result = {"act A-17", "/var/lib/qoima/prints/act-A-17.pdf", false, true, Status::Ok()};
    h.Press(KEY_F(5));
    CHECK(h.backend.calls.back() == "Print 0 A-17");
    CHECK(h.Shows("No printer is configured: act A-17 is saved as a PDF"));
    h.Press(KEY_F(2));  // en -> kk: the message was translated when it was made
    h.Press(KEY_F(2));
    h.Press(KEY_F(2));
  }
  SECTION("a refusal by the appliance is explained, not hidden") {
    h.backend.accept_status = Status::FailedPrecondition("act_mismatch: 1 missing");
    h.FillNda();
    h.Press(KEY_F(7));
    h.Char(L'y');
    CHECK(h.Shows("The appliance is not ready for this step. (act_mismatch: 1 missing)"));
  }
  SECTION("refuse with a reason and an explanation") {
    h.Press(KEY_F(8));
    CHECK(h.Shows("Reasoned refusal"));
    Snapshot("clerk-refusal");
    h.Press(KEY_DOWN);  // act mismatch -> media does not work
    h.Type("диск оқылмайды");
    h.Press(KEY_F(8));
    CHECK(h.backend.calls.back() == "Refuse intake-1");
    CHECK(h.backend.last_reason == kiosk::RefusalReason::kMediaMalfunction);
    CHECK(h.backend.last_refusal_text == "диск оқылмайды");
    CHECK(h.Shows("Refused."));
    CHECK(h.Shows("Act versus media"));  // back on the comparison, decided
    h.backend.print_result = {"refusal R-1", "/p/refusal-R-1.pdf", true, false, Status::Ok()};
    h.Press(KEY_F(5));
    CHECK(h.backend.calls.back() == "Print 4 intake-1");
    CHECK(h.Shows("Printed: refusal R-1."));
    h.Press(KEY_F(7));  // decided: no accept after a refusal
    CHECK(h.backend.calls.back() == "Print 4 intake-1");
  }
}

TEST_CASE("Names that lie: a bidi control in a file name is drawn escaped and flagged on the comparison",
          "[kiosk][unit]") {
  Harness h;
  const std::string rlo =
      "invoice\xE2\x80\xAE"
      "fdp.exe";  // reads "invoiceexe.pdf" when drawn as is
  const std::string zwsp =
      "a\xE2\x80\x8B"
      "b.txt";
  h.backend.applications = {{"app-9", "9", "2026-11-20", "body", "soft", "registered"}};
  h.backend.media = {{"/dev/sr0", "DEPOSIT_V1", "iso9660", 700'000'000, "", "", false, "", ""}};
  h.backend.intake.intake_id = "intake-1";
  h.backend.intake.rows = {{kiosk::DiffKind::kMatch, rlo, 10, ""},
                           {kiosk::DiffKind::kMatch, zwsp, 20, ""},
                           {kiosk::DiffKind::kUnsafeName, rlo, 0, "U+202E in the name, shown escaped"}};
  h.LoginAs(kiosk::Role::kClerk);
  h.Enter();
  h.Press(KEY_F(7));
  REQUIRE(h.Await("act.json"));
  h.Type(kPaperDigest);
  h.Press(KEY_F(7));
  h.Await("Act versus media");  // the worker finishes; the checks below read the screen
  REQUIRE(h.Shows("Act versus media"));
  Snapshot("clerk-diff-hidden-characters");
  const std::string screen = ScreenText();
  INFO(screen);
  CHECK(screen.find("invoice\\u{202E}fdp.exe") != std::string::npos);
  CHECK(screen.find("a\\u{200B}b.txt") != std::string::npos);
  CHECK(screen.find("\xE2\x80\xAE") == std::string::npos);  // never the character itself
  CHECK(screen.find("\xE2\x80\x8B") == std::string::npos);
  CHECK(h.Shows("hidden characters"));
  CHECK(h.Shows("3 files, 1 problem."));
  h.Press(KEY_F(4));  // problems only: the flag is one
  CHECK(h.Shows("Showing 1 (problems only)."));
  CHECK(h.Shows("U+202E in the"));
  // The same in Kazakh.
  h.Press(KEY_F(2));
  CHECK(h.Shows("көрінбейтін таңбалар"));
  CHECK(ScreenText().find("invoice\\u{202E}fdp.exe") != std::string::npos);
}

// What the reader found on a medium, as the appliance hands it to the kiosk.
appliance::MediaFindings SampleFindings() {
  using hardware::ProblemClass;
  appliance::MediaFindings f;
  hardware::MediaProblem p{ProblemClass::kUnsafeName, "unsafe archive member path: '..' component",
                           "evil.zip -> ../../x", -1};
  p.unsafe = hardware::UnsafeNameKind::kTraversal;
  f.Add(p);
  f.Add(hardware::MediaProblem{ProblemClass::kEncryptedEntry, "archive member is encrypted", "enc.zip -> secret.txt",
                               -1});
  f.Add(hardware::MediaProblem{ProblemClass::kArchiveListingStopped, "archive nested deeper than 6 levels not listed",
                               "deep.zip", -1, hardware::ArchiveLimit::kDepth, 6});
  p = {ProblemClass::kUnsafeName, "archive member name contains characters that are shown escaped",
       "a.zip -> invoice\xE2\x80\xAE"
       "fdp.exe",
       -1};
  p.unsafe = hardware::UnsafeNameKind::kHiddenCharacters;
  f.Add(p);
  f.Add(hardware::MediaProblem{ProblemClass::kNonUtf8Name, "name is not valid UTF-8", "bad\\xFF.txt", -1});
  f.Add(hardware::MediaProblem{ProblemClass::kArchiveUnreadable, "archive could not be fully listed", "broken.7z", -1});
  f.Add(hardware::MediaProblem{ProblemClass::kArchiveListingStopped, "a decompression bomb", "bomb.zip", -1,
                               hardware::ArchiveLimit::kRatio, 200});
  f.Add(hardware::MediaProblem{ProblemClass::kNameCollision, "same name after NFC", "й.txt", -1});
  return f;
}

TEST_CASE("the reader's findings are rows of the comparison in the clerk's words in kk and ru and en",
          "[kiosk][unit]") {
  struct Words {
    kiosk::Language lang;
    std::vector<std::string> labels;
    std::string traversal_detail, depth_detail, header;
  };
  const std::vector<Words> all = {
      {kiosk::Language::kEnglish,
       {"unsafe path", "encrypted member", "archive listing stopped", "hidden characters", "name not UTF-8",
        "archive unreadable"},
       "> evil.zip -> ../../x: the path leaves its folder (.. or /)",
       "> deep.zip: archives nested deeper than 6 levels",
       "7 files, 7 problems."},
      {kiosk::Language::kKazakh,
       {"қауіпті жол", "шифрланған элемент", "мұрағат тізімі тоқтады", "көрінбейтін таңбалар", "атауы UTF-8 емес",
        "мұрағат оқылмайды"},
       "> evil.zip -> ../../x: жол өз қалтасынан шығады (.. немесе /)",
       "> deep.zip: мұрағаттар 6 деңгейден терең салынған",
       ""},
      {kiosk::Language::kRussian,
       {"опасный путь", "зашифрованный элемент", "просмотр архива прерван", "скрытые символы", "имя не в UTF-8",
        "архив не читается"},
       "> evil.zip -> ../../x: путь выходит за пределы своей папки",
       "> deep.zip: архивы вложены глубже 6 уровней",
       ""},
  };
  for (const Words& w : all) {
    Harness h(w.lang);
    h.backend.applications = {{"app-9", "9", "2026-11-20", "body", "soft", "registered"}};
    h.backend.media = {{"/dev/sr0", "DEPOSIT_V1", "iso9660", 700'000'000, "", "", false, "", ""}};
    h.backend.intake.intake_id = "intake-1";
    // The kiosk backend turns the appliance's findings into rows in the language of the counter.
    kiosk::AppendFindingRows(SampleFindings(), "/dev/sr0", h.backend.intake.rows);
    h.LoginAs(kiosk::Role::kClerk);
    h.Enter();
    h.Press(KEY_F(7));
    REQUIRE(h.Await("act.json"));
    h.Type(kPaperDigest);
    h.Press(KEY_F(7));
    h.Await("evil.zip");  // the worker finishes; the checks below read the screen
    const std::string screen = ScreenText();
    INFO(kiosk::LanguageCode(w.lang) << "\n" << screen);
    REQUIRE(screen.find("evil.zip -> ../../x") != std::string::npos);
    if (w.lang == kiosk::Language::kEnglish) Snapshot("clerk-diff-findings");
    for (const std::string& label : w.labels) {
      INFO(label);
      CHECK(screen.find(label) != std::string::npos);
    }
    if (!w.header.empty()) CHECK(h.Shows(w.header));  // the collision is the comparison's own row, not a finding's
    CHECK(screen.find(w.traversal_detail) != std::string::npos);
    CHECK(screen.find("a.zip -> invoice\\u{202E}") != std::string::npos);  // the column cuts the rest
    CHECK(screen.find("\xE2\x80\xAE") == std::string::npos);
    CHECK(screen.find("bad\\xFF.txt") != std::string::npos);
    // Never an enum name or the reader's English sentence.
    for (const char* raw : {"unsafe_name", "archive_listing_stopped", "encrypted_entry", "traversal", "archive_depth",
                            "unsafe archive member path"})
      CHECK(screen.find(raw) == std::string::npos);
    h.Press(KEY_DOWN);
    h.Press(KEY_DOWN);  // the third row: deep.zip, whose detail names the limit
    CHECK(ScreenText().find(w.depth_detail) != std::string::npos);
  }
}

TEST_CASE("findings past the listed ones are one row that counts them") {
  Term();
  appliance::MediaFindings f;
  for (size_t i = 0; i < appliance::kMaxListedFindings + 25; ++i)
    f.Add(hardware::MediaProblem{hardware::ProblemClass::kEncryptedEntry, "encrypted", "a.zip -> " + std::to_string(i),
                                 -1});
  std::vector<kiosk::DiffRow> rows;
  kiosk::AppendFindingRows(f, "/dev/sdb1", rows);
  REQUIRE(rows.size() == appliance::kMaxListedFindings + 1);
  CHECK(rows.back().kind == kiosk::DiffKind::kNotShown);
  CHECK(rows.back().path == "/dev/sdb1");
  CHECK(rows.back().detail == "25");
}

TEST_CASE("the screen layout escapes every hidden character and counts its width") {
  using kiosk::FitWidth;
  using kiosk::Narrow;
  Term();  // a UTF-8 locale for Narrow
  CHECK(Narrow(FitWidth(std::string("a\xE2\x80\xAE"
                                    "b"),
                        12)) == "a\\u{202E}b  ");
  CHECK(Narrow(FitWidth(std::string("x\x1b[2Jy"), 14)) == "x\\u{001B}[2Jy ");
  CHECK(Narrow(FitWidth(std::string("p\xE2\x80\xA8q"), 6)) == "p\\u{2…");  // cut, never the separator itself
  CHECK(kiosk::DisplayWidth(kiosk::Widen("\xE2\x81\xA6")) == 8);           // U+2066 as "\u{2066}"
}

TEST_CASE("Register track: the NDA is recorded, then the intake accepted", "[kiosk][unit]") {
  Harness h;
  kiosk::ApplicationSummary reg{"REG-1", "4", "2026-11-20", "body", "soft", "registered"};
  reg.track = kiosk::Track::kRegister;
  h.backend.applications = {reg};
  h.backend.intake.intake_id = "12";
  h.backend.intake.rows = {{kiosk::DiffKind::kMatch, "README", 30, ""}};
  h.LoginAs(kiosk::Role::kClerk);
  h.Enter();
  CHECK(h.Shows("Trusted register check: not checked yet"));
  h.Type("/dev/sr0");
  h.Press(KEY_F(7));  // not read before the register check
  CHECK(h.Shows("check the trusted register first"));
  for (const std::string& c : h.backend.calls) CHECK(c.rfind("RunIntake", 0) != 0);
  h.Press(KEY_F(6));
  CHECK(h.Shows("Trusted register check: found"));
  h.Press(KEY_F(7));
  REQUIRE(h.Await("act.json"));
  h.Type(kPaperDigest);
  h.Press(KEY_F(7));
  h.Await("Act versus media");  // the worker finishes; the checks below read the screen
  REQUIRE(h.Shows("1 file, 0 problems."));
  REQUIRE(h.backend.last_in_register.has_value());
  CHECK(*h.backend.last_in_register);
  h.Press(KEY_F(7));
  REQUIRE(h.Shows("Non-disclosure agreement"));
  h.Type("Әбенов Қайрат");
  h.Char(L'\t');
  h.Type("Жарғы");
  h.Char(L'\t');
  h.Type("Әлиев Нұрлан");
  Snapshot("clerk-nda");
  h.Press(KEY_F(7));  // not signed by both yet: nothing is recorded
  CHECK(h.Shows("only when both parties have signed"));
  CHECK(std::find(h.backend.calls.begin(), h.backend.calls.end(), "RecordNda REG-1") == h.backend.calls.end());
  h.Press(KEY_F(6));
  CHECK(h.Shows("Signed by both parties: yes"));
  SECTION("recorded and accepted") {
    h.Press(KEY_F(7));
    h.Char(L'y');
    REQUIRE(h.backend.calls.size() >= 2);
    CHECK(h.backend.calls[h.backend.calls.size() - 2] == "RecordNda REG-1");
    CHECK(h.backend.calls.back() == "Accept 12");
    CHECK(h.backend.last_nda_form.owner_representative == "Әбенов Қайрат");
    CHECK(h.backend.last_nda_form.signed_by_both);
    CHECK(h.Shows("Accepted. The NDA is recorded"));
    CHECK(h.Shows("Act versus media"));
    CHECK_FALSE(h.Shows("F7 Accept"));  // decided: no second accept
  }
  SECTION("a refused NDA is shown and nothing is accepted") {
    h.backend.nda_status = Status::InvalidArgument("nda.signed_date: not a date");
    h.Press(KEY_F(7));
    h.Char(L'y');
    CHECK(h.backend.calls.back() == "RecordNda REG-1");
    CHECK(h.Shows("nda.signed_date"));
  }
}

TEST_CASE("The act is picked from a medium and a digest that is not the paper's is typed again", "[kiosk][unit]") {
  Harness h;
  h.backend.applications = {{"app-9", "9", "2026-11-20", "body", "soft", "registered"}};
  h.backend.media = {{"/dev/sdb", "DEPOSIT", "iso9660", 700'000'000, "", "", false, "", ""},
                     {"/dev/sdc", "ACT", "vfat", 8'000'000, "SanDisk", "Cruzer", false, "", ""}};
  h.backend.typed_devices = false;  // as deployed: devices are chosen, never typed
  h.backend.act_candidates = {{"docs/readme.txt", "docs/readme.txt", 10, 1741755600, "", "text in none of the forms"},
                              {"Акт.xlsx", "Акт.xlsx", 9000, 1741755600, "xlsx", ""}};
  h.backend.intake.intake_id = "intake-1";
  h.backend.intake.rows = {{kiosk::DiffKind::kMatch, "README", 30, ""}};
  h.backend.intake.act_sha256 = "9cda7cc4acfaaf211ecc030ad18c7feb6e6496fd3020b8f597359a85d4bfd7a0";
  h.backend.intake.act_path = "/dev/sdc: Акт.xlsx";
  h.LoginAs(kiosk::Role::kClerk);
  h.Enter();
  CHECK_FALSE(h.Shows("type its path"));
  h.Type("/dev/loop7");  // nothing typed reaches the device
  h.Press(KEY_PPAGE);    // the deposit: the first stick
  h.Press(KEY_F(7));
  CHECK(h.Shows("The act"));
  CHECK(h.Await("Акт.xlsx"));
  CHECK(h.backend.calls.back() == "ListActCandidates /dev/sdb");
  h.Press(KEY_F(5));  // the act stick beside it
  CHECK(h.Await("Not an act form: text in none of the forms"));
  CHECK(h.backend.calls.back() == "ListActCandidates /dev/sdc");
  CHECK(h.Shows("Act files on: /dev/sdc"));
  h.Press(KEY_NPAGE);
  CHECK(h.Shows("Акт.xlsx"));
  h.backend.intake_status = Status::FailedPrecondition(kiosk::kDigestMismatchMsgid);
  h.Type(kPaperDigest);
  h.Press(KEY_F(7));
  h.Await("not the paper act's digest");  // the worker finishes; the checks below read the screen
  CHECK(h.Shows("not the paper act's digest: nothing read, nothing stored."));
  CHECK(h.Shows("Act files on: /dev/sdc"));  // back to the act, to type it again
  CHECK(h.backend.last_act.device == "/dev/sdc");
  CHECK(h.backend.last_act.raw_path == "Акт.xlsx");
  h.backend.intake_status = Status::Ok();
  h.Press(KEY_F(7));
  h.Await("Act versus media");  // the worker finishes; the checks below read the screen
  REQUIRE(h.Shows("Act versus media"));
  CHECK(h.Shows("Act SHA-256: 9CDA 7CC4 ACFA AF21"));
  CHECK(h.backend.calls.back() == "RunIntake app-9 /dev/sdb /dev/sdc:Акт.xlsx");
  h.Char(27);  // back: the act's screen is done too
  CHECK_FALSE(h.Shows("The act"));
}

TEST_CASE("Insert media: a detected stick fills the device, a refused one is not read", "[kiosk][unit]") {
  Harness h;
  h.backend.applications = {{"app-9", "9", "2026-11-20", "body", "soft", "registered"}};
  kiosk::MediaInfo bad{"/dev/sdc", "", "", 0, "Evil", "Stick", true, "BadUSB: also a keyboard (HID)", ""};
  h.backend.media = {bad};
  h.LoginAs(kiosk::Role::kClerk);
  h.Enter();
  CHECK(h.Shows("REFUSED"));
  CHECK(h.Shows("BadUSB: also a keyboard"));
  h.Press(KEY_NPAGE);
  h.Press(KEY_F(7));
  CHECK(h.Shows("This device is refused and will not be read"));
  CHECK(h.Shows("Insert media"));
  for (const std::string& c : h.backend.calls) CHECK(c.rfind("RunIntake", 0) != 0);
  // A stick arrives (the backend's list changed): it is chosen and announced.
  h.backend.media.push_back({"/dev/sdb", "DEPOSIT_V1", "vfat", 8'000'000, "SanDisk", "Cruzer", false, "", ""});
  h.app->Poll();
  h.app->Render();
  CHECK(h.Shows("Media inserted: /dev/sdb  SanDisk Cruzer"));
  CHECK(h.FieldShows("Media device:", "/dev/sdb"));
  Snapshot("clerk-media-detected");
  // Taken out again: the field is cleared.
  h.backend.media.pop_back();
  h.app->Poll();
  h.app->Render();
  CHECK(h.Shows("The media was removed."));
}

TEST_CASE("Admin user management and recovery state", "[kiosk][unit]") {
  Harness h;
  h.backend.users = {{"clerk1", "Әлиева Гүлнұр", kiosk::Role::kClerk, false, true, 5},
                     {"auditor1", "Қасымов Нұрлан", kiosk::Role::kAuditor, false, false, 0}};
  h.backend.recovery = {{0, 2, 4, 7}, 2, 3, std::string(64, 'a')};
  h.LoginAs(kiosk::Role::kAdmin);
  h.Press(KEY_F(3));
  REQUIRE(h.Shows("Users: 2."));
  CHECK(h.Shows("locked"));
  Snapshot("officer-users");
  h.Press(KEY_F(4));  // unlock the selected (first) user
  CHECK(h.backend.calls.back() == "UnlockUser clerk1");
  CHECK(h.Shows("User clerk1 is unlocked."));
  h.Press(KEY_DOWN);
  h.Press(KEY_F(6));
  CHECK(h.backend.calls.back() == "Disable auditor1");
  h.Press(KEY_F(7));
  REQUIRE(h.Shows("New password for auditor1"));
  h.Type("new-pass-2026");
  h.Char(L'\t');
  h.Type("other-pass");
  h.Press(KEY_F(7));
  CHECK(h.Shows("The two passwords differ."));
  CHECK(h.backend.calls.back() == "Disable auditor1");
  h.Type("new-pass-2026");
  h.Char(L'\t');
  h.Type("new-pass-2026");
  h.Press(KEY_F(7));
  CHECK(h.backend.calls.back() == "ResetPassword auditor1");
  CHECK(h.backend.last_password == "new-pass-2026");
  CHECK(h.Shows("The password of auditor1 is changed."));
  h.Press(KEY_F(3));
  REQUIRE(h.Shows("New user"));
  for (const char* v : {"clerk2", "Бекова", "Айгүл", "", "clerk2-pass-2026", "clerk2-pass-2026"}) {
    h.Type(v);
    h.Char(L'\t');
  }
  CHECK(h.Shows("Role: clerk"));
  h.Press(KEY_F(7));
  CHECK(h.backend.calls.back() == "CreateUser clerk2");
  CHECK(h.Shows("User clerk2 is created."));
  // A security officer's account: the appliance records a request instead,
  // and the screen says that nothing is done yet and which request waits.
  h.backend.user_change = {false, "12", "create the security_officer account 'officer3'"};
  h.Press(KEY_F(3));
  REQUIRE(h.Shows("New user"));
  for (const char* v : {"officer3", "Бекова", "Айгүл", "", "officer3-pass-2026", "officer3-pass-2026"}) {
    h.Type(v);
    h.Char(L'\t');
  }
  h.Press(KEY_F(6));  // clerk -> security officer
  CHECK(h.Shows("Role: security officer"));
  Snapshot("officer-new-user");
  h.Press(KEY_F(7));
  CHECK(h.backend.calls.back() == "CreateUser officer3");
  CHECK(h.Shows("Not done yet: request 12 waits for a second security officer."));
  CHECK_FALSE(h.Shows("User officer3 is created."));
  h.Char(27);  // back to the approvals
  h.Press(KEY_F(4));
  CHECK(h.Shows("Boot-state binding: PCR 0,2,4,7"));
  CHECK(h.Shows("any 2 of 3 rebuild the master key"));
  Snapshot("officer-recovery");
}

TEST_CASE("Officer approval: the second officer confirms on the same screen", "[kiosk][unit]") {
  Harness h;
  kiosk::PendingApproval req{"42",
                             kiosk::SensitiveAction::kDestruction,
                             "deposit:7",
                             "user1",
                             "2026-11-26 04:00",
                             "retention ended",
                             "2026-11-27 04:00",
                             0,
                             1};
  h.backend.approvals = {req};
  h.LoginAs(kiosk::Role::kSecurityOfficer);
  CHECK(h.Shows("Pending requests: 1."));
  CHECK(h.Shows("destruction"));
  Snapshot("officer-home");
  h.Enter();
  CHECK(h.Shows("Two-person approval"));
  CHECK(h.Shows("Reason: retention ended"));
  CHECK(h.Shows("Approvals: 0 of 1."));
  Snapshot("officer-approve");
  SECTION("approve") {
    h.Type("officer2");
    h.Char(L'\t');
    h.Type("pw2");
    h.Press(KEY_F(7));
    CHECK(h.backend.calls.back() == "Approve 42");
    CHECK(h.backend.last_second_login == "officer2");
    CHECK(h.backend.last_second_password == "pw2");
    CHECK(h.Shows("Approved by officer2."));
  }
  SECTION("reject needs a note") {
    h.Type("officer2");
    h.Char(L'\t');
    h.Type("pw2");
    h.Press(KEY_F(8));
    CHECK(h.Shows("Write why the request is rejected"));
    CHECK(h.backend.calls.back() != "Reject 42");
    h.Type("not agreed with the owner");
    h.Press(KEY_F(8));
    CHECK(h.backend.calls.back() == "Reject 42");
    CHECK(h.backend.last_note == "not agreed with the owner");
    CHECK(h.Shows("Rejected by officer2."));
  }
  SECTION("the appliance's refusal is shown and the password cleared") {
    h.backend.approve_status = Status::PermissionDenied("the requester cannot approve their own request");
    h.Type("user1");
    h.Char(L'\t');
    h.Type("pw1");
    h.Press(KEY_F(7));
    CHECK(h.Shows("Your role does not allow this, or a second approval is missing."));
    CHECK(h.Shows("Two-person approval"));
  }
}

TEST_CASE("Auditor sees the journal read-only and verifies the log", "[kiosk][unit]") {
  Harness h;
  h.backend.journal = {{"2026-11-26 04:00:00", "clerk1", "clerk", "accept", "deposit 7", "ok"}};
  h.LoginAs(kiosk::Role::kAuditor);
  CHECK(h.Shows("Journal entries: 1 shown of 1."));
  h.Press(KEY_F(6));
  CHECK(h.Shows("Audit log verified: 3 entries. Root: abcd"));
  Snapshot("auditor-home");
  // No key of the auditor's screen reaches a state-changing call.
  for (int k : {KEY_F(3), KEY_F(4)}) h.Press(k);
  h.Enter();
  for (const std::string& c : h.backend.calls) CHECK(c.rfind("Login", 0) == 0);
  // F7: print any document (printing is audited, it changes no record).
  h.Press(KEY_F(7));
  REQUIRE(h.Shows("Print a document"));
  h.Press(KEY_DOWN);
  h.Press(KEY_DOWN);  // act -> refusal -> journal
  h.Type("1-5");
  h.backend.print_result = {"journal 1-5", "/p/journal.pdf", false, false, Status::Unsupported("queue paused")};
  Snapshot("auditor-print");
  h.Press(KEY_F(7));
  CHECK(h.backend.calls.back() == "Print 2 1-5");
  CHECK(h.Shows("journal 1-5 was not printed"));
}

namespace {

// A register of deposit 1 as the appliance answers it: a PDF of the act, a
// read of one file with a long path, an export and an issue.
kiosk::AccessRegisterView SampleRegister() {
  kiosk::AccessRegisterView r;
  r.deposit_id = 1;
  r.act_number = "A-1";
  r.object_name = "е-Өтініш қызметі";
  r.portal_code = "ESEDO-01";
  r.version_no = 1;
  r.audit_entries = 57;
  r.rows = {{"2026-12-07T09:15:00Z", "auditor1", "Қасымов Нұрлан", "Бас аудитор", "auditor", kiosk::AccessKind::kPrint,
             "document.render", "A-1"},
            {"2026-12-07T19:05:09Z", "officer1", "Жұмабаев Асқар", "", "security_officer", kiosk::AccessKind::kRead,
             "file.read", "src/модульдер/төлемдер/шлюз/интеграция/сыртқы-жүйелер/банк-қосылымы/қойма_клиенті.cpp"},
            {"2026-12-07T19:06:00Z", "officer1", "Жұмабаев Асқар", "", "security_officer", kiosk::AccessKind::kExport,
             "export.bundle", "0f3c9a"},
            {"2026-12-08T02:00:00Z", "officer1", "Жұмабаев Асқар", "", "security_officer", kiosk::AccessKind::kIssue,
             "export.bundle", "7d21e4"}};
  return r;
}

std::size_t CountCalls(const FakeBackend& b, const std::string& prefix) {
  return static_cast<std::size_t>(
      std::count_if(b.calls.begin(), b.calls.end(), [&](const std::string& c) { return c.rfind(prefix, 0) == 0; }));
}

}  // namespace

TEST_CASE(
    "The access register: the appliance's rows in words at the counter's time, read once, printed after a question",
    "[kiosk][unit]") {
  Harness h;
  h.backend.access_register = SampleRegister();
  h.LoginAs(kiosk::Role::kAuditor);
  h.Press(KEY_F(8));
  REQUIRE(h.Shows("Access register of a deposit"));
  CHECK(CountCalls(h.backend, "AccessRegister") == 0);  // nothing is read before a deposit is asked for
  h.Type("A-1");
  h.Enter();
  REQUIRE(h.backend.calls.back() == "AccessRegister A-1");
  CHECK(h.Shows("Deposit 1, act A-1: е-Өтініш қызметі (ESEDO-01), version 1."));
  CHECK(h.Shows("Accesses: 4. Read from the audit log (57 entries), which verified."));
  // Local time (UTC+5), dd.mm.yyyy; the day moves at 19:00 UTC.
  CHECK(h.Shows("07.12.2026 14:15:00"));
  CHECK(h.Shows("08.12.2026 00:05:09"));
  CHECK(h.Shows("08.12.2026 07:00:00"));
  CHECK_FALSE(h.Shows("2026-12-07"));
  CHECK_FALSE(h.Shows("T09:15"));
  // Kinds and roles in words, never the log's codes.
  CHECK(h.Shows("electronic copy made"));
  CHECK(h.Shows("Қасымов Нұрлан (auditor1), Бас аудитор"));  // the selected row whole, with the position
  for (const char* code : {"document.render", "file.read", "export.bundle", "security_officer", "kRead", "kPrint"})
    CHECK_FALSE(h.Shows(code));
  // The long path is cut in its column but shown whole, wrapped, for the selected row.
  h.Press(KEY_DOWN);
  CHECK(h.Shows("content read"));
  {
    // Its lines joined again hold the path whole.
    std::string joined;
    std::string all = ScreenText();
    for (size_t at = 0; at < all.size();) {
      size_t end = all.find('\n', at);
      std::string line = all.substr(at, end - at);
      line.erase(0, line.find_first_not_of(' '));
      line.erase(line.find_last_not_of(' ') + 1);
      joined += line;
      at = end + 1;
    }
    CHECK(joined.find(h.backend.access_register.rows[1].item) != std::string::npos);
  }
  Snapshot("access-register");
  // Switching the language and moving in the list ask the appliance nothing.
  h.Press(KEY_F(2));  // en -> kk
  CHECK(h.Shows("мазмұнын оқу"));
  CHECK(h.Shows("Қол жеткізулер: 4."));
  h.Press(KEY_F(2));  // kk -> ru
  CHECK(h.Shows("чтение содержимого"));
  h.Press(KEY_DOWN);
  h.Press(KEY_DOWN);
  CHECK(h.Shows("предоставление владельцу по запросу"));
  h.Press(KEY_F(2));  // ru -> en
  CHECK(CountCalls(h.backend, "AccessRegister") == 1);

  // F7 asks first; н (no on a Russian layout) prints nothing, и (иә, yes on a Kazakh layout) prints.
  h.Press(KEY_F(7));
  CHECK(h.Shows("Print the access register of deposit 1?"));
  CHECK(h.Shows("F7 or y/д/и = yes, Esc or n/н = no."));
  h.Char(L'q');  // no answer: the question stays
  CHECK(h.Shows("Answer the question above"));
  h.Char(L'н');
  CHECK(h.Shows("Not printed."));
  CHECK(CountCalls(h.backend, "Print") == 0);
  h.backend.print_result = {"access register AR-1", "/p/AR-1.pdf", false, true, Status::Ok()};
  h.Press(KEY_F(7));
  h.Char(L'и');
  REQUIRE(CountCalls(h.backend, "Print") == 1);
  CHECK(h.Shows("access register AR-1 is saved as a PDF at /p/AR-1.pdf"));
  CHECK(h.backend.calls.back() ==
        "Print " + std::to_string(static_cast<int>(kiosk::DocumentKind::kAccessRegister)) + " 1");
  // Esc answers the question (no) and stays on the screen.
  h.Press(KEY_F(7));
  h.Char(27);
  CHECK(h.Shows("Not printed."));
  CHECK(h.Shows("Access register of a deposit"));

  // The appliance refuses (a log that does not verify): its words, and no row of the earlier register stays.
  h.backend.access_register_status = Status::Tampered("the audit log does not verify at entry 12");
  h.Enter();
  CHECK_FALSE(h.Shows("Жұмабаев Асқар"));
  CHECK_FALSE(h.Shows("Accesses:"));
  h.Press(KEY_F(7));
  CHECK(h.Shows("Show a deposit's register first (Enter)."));
  CHECK(CountCalls(h.backend, "Print") == 1);
}

TEST_CASE("The access register is offered to the auditor and the security officer, not to the admin", "[kiosk][unit]") {
  {
    Harness h;
    h.LoginAs(kiosk::Role::kAuditor);
    CHECK(h.Shows("F8: a deposit's access register."));
  }
  {
    Harness h;
    h.LoginAs(kiosk::Role::kSecurityOfficer);
    CHECK(h.Shows("F8: a deposit's access register"));
    h.Press(KEY_F(8));
    CHECK(h.Shows("Access register of a deposit"));
  }
  {
    Harness h;
    h.LoginAs(kiosk::Role::kAdmin);
    CHECK_FALSE(h.Shows("access register"));
    CHECK_FALSE(h.Shows("Access register"));
    h.Press(KEY_F(8));
    CHECK_FALSE(h.Shows("Access register of a deposit"));
    CHECK(CountCalls(h.backend, "AccessRegister") == 0);
  }
}

TEST_CASE("Every kind of access is worded in kk and ru", "[kiosk][unit]") {
  Term();
  const std::pair<kiosk::AccessKind, const char*> kinds[] = {
      {kiosk::AccessKind::kRead, "deposit.read"},     {kiosk::AccessKind::kExport, "export.bundle"},
      {kiosk::AccessKind::kPrint, "document.render"}, {kiosk::AccessKind::kPrint, "document.print"},
      {kiosk::AccessKind::kIssue, "export.bundle"},   {kiosk::AccessKind::kReturn, "export.bundle"}};
  std::set<std::string> seen;
  for (const auto& [kind, action] : kinds) {
    kiosk::SetLanguage(kiosk::Language::kEnglish);
    const std::string en = kiosk::AccessKindLabel(kind, action);
    kiosk::SetLanguage(kiosk::Language::kKazakh);
    const std::string kk = kiosk::AccessKindLabel(kind, action);
    kiosk::SetLanguage(kiosk::Language::kRussian);
    const std::string ru = kiosk::AccessKindLabel(kind, action);
    INFO(en);
    CHECK(kk != en);
    CHECK(ru != en);
    CHECK(kk != ru);
    seen.insert(en);
  }
  CHECK(seen.size() == 6);
  kiosk::SetLanguage(kiosk::Language::kEnglish);
}

TEST_CASE("Escape keys are inert on every screen", "[kiosk][unit]") {
  Harness h;
  h.LoginAs(kiosk::Role::kClerk);
  std::string before = ScreenText();
  for (wchar_t c : {3, 26, 28, 4, 19, 17}) h.Char(c);  // ^C ^Z ^\ ^D ^S ^Q
  CHECK(ScreenText() == before);
}

namespace qoima::testing {
namespace {

// Logs a clerk in and reads `rows` to the comparison screen.
void ReachComparison(Harness& h, std::vector<kiosk::DiffRow> rows) {
  h.backend.applications = {{"app-9", "9", "2026-11-20", "body", "soft", "registered"}};
  h.backend.media = {{"/dev/sr0", "DEPOSIT_V1", "iso9660", 700'000'000, "", "", false, "", ""}};
  h.backend.intake.intake_id = "intake-1";
  h.backend.intake.rows = std::move(rows);
  h.LoginAs(kiosk::Role::kClerk);
  h.Enter();
  h.Press(KEY_F(7));
  REQUIRE(h.Await("act.json"));
  h.Type(kPaperDigest);
  h.Press(KEY_F(7));
  REQUIRE(h.Await("Act versus media"));
}

std::size_t Count(const std::vector<std::string>& calls, const std::string& call) {
  return static_cast<std::size_t>(std::count(calls.begin(), calls.end(), call));
}

}  // namespace

TEST_CASE("Accept is confirmed by F7 or y/д/и and declined by Esc or n/н, in any keyboard layout", "[kiosk][unit]") {
  Harness h;
  ReachComparison(h, {{kiosk::DiffKind::kMatch, "README", 30, ""}});
  h.FillNda();  // the question is asked on the NDA screen
  SECTION("Cyrillic д (да) accepts") {
    h.Press(KEY_F(7));
    REQUIRE(h.Shows("F7 or y/д/и = yes, Esc or n/н = no."));
    h.Char(L'д');
    CHECK(Count(h.backend.calls, "Accept intake-1") == 1);
    CHECK(h.Shows("Accepted."));
  }
  SECTION("Kazakh и (иә) accepts, upper case too") {
    h.Press(KEY_F(7));
    h.Char(L'И');
    CHECK(Count(h.backend.calls, "Accept intake-1") == 1);
  }
  SECTION("F7 again accepts") {
    h.Press(KEY_F(7));
    h.Press(KEY_F(7));
    CHECK(Count(h.backend.calls, "Accept intake-1") == 1);
  }
  SECTION("н (the Latin y key on a Russian layout) declines, and says so") {
    h.Press(KEY_F(7));
    h.Char(L'н');
    CHECK(Count(h.backend.calls, "Accept intake-1") == 0);
    CHECK(h.Shows("Not accepted: nothing was decided."));
    CHECK(h.Shows("Non-disclosure agreement"));
    CHECK_FALSE(h.Shows("= yes"));
    CHECK(Count(h.backend.calls, "RecordNda app-9") == 0);
  }
  SECTION("Esc declines without leaving the NDA screen") {
    h.Press(KEY_F(7));
    h.Char(27);
    CHECK(Count(h.backend.calls, "Accept intake-1") == 0);
    CHECK(h.Shows("Not accepted: nothing was decided."));
    CHECK(h.Shows("Non-disclosure agreement"));
  }
  SECTION("any other key leaves the question open and repeats how to answer") {
    h.Press(KEY_F(7));
    h.Char(L'x');
    h.Char(L'ж');
    h.Press(KEY_F(8));
    CHECK(Count(h.backend.calls, "Accept intake-1") == 0);
    CHECK(h.Shows("Answer the question above"));
    CHECK(h.Shows("F7 or y/д/и = yes, Esc or n/н = no."));
    h.Char(L'y');
    CHECK(Count(h.backend.calls, "Accept intake-1") == 1);
  }
  SECTION("the question in Russian and Kazakh names the same keys") {
    h.Press(KEY_F(7));
    h.Press(KEY_F(2));  // en -> kk
    CHECK(h.Shows("F7 немесе y/д/и = иә, Esc немесе n/н = жоқ."));
    h.Press(KEY_F(2));  // kk -> ru
    CHECK(h.Shows("F7 или y/д/и = да, Esc или n/н = нет."));
    h.Press(KEY_F(2));  // ru -> en
  }
}

TEST_CASE("Counted phrases take their plural forms: 8 файлов, 1 проблема", "[kiosk][unit]") {
  Harness h;
  std::vector<kiosk::DiffRow> rows;
  for (int i = 0; i < 7; ++i) rows.push_back({kiosk::DiffKind::kMatch, "f" + std::to_string(i), 1, ""});
  rows.push_back({kiosk::DiffKind::kMissing, "docs/нұсқаулық.pdf", 20, "act lists it"});
  ReachComparison(h, rows);
  CHECK(h.Shows("8 files, 1 problem. Showing 8 (all)."));
  h.Press(KEY_F(2));  // kk
  CHECK(h.Shows("8 файл, 1 ақау."));
  h.Press(KEY_F(2));  // ru
  CHECK(h.Shows("8 файлов, 1 проблема. Показано 8 ("));
  h.Press(KEY_F(4));  // problems only
  CHECK(h.Shows("8 файлов, 1 проблема. Показано 1 ("));
  h.Press(KEY_F(2));  // en
  const std::vector<std::pair<int, std::string>> forms = {{1, "файл"},  {2, "файла"},  {5, "файлов"},
                                                          {21, "файл"}, {22, "файла"}, {11, "файлов"}};
  for (const auto& [n, word] : forms) {
    kiosk::SetLanguage(kiosk::Language::kRussian);
    CHECK(kiosk::Format(kiosk::TrN("%zu file", "%zu files", static_cast<unsigned long>(n)),
                        static_cast<std::size_t>(n)) == std::to_string(n) + " " + word);
  }
  kiosk::SetLanguage(kiosk::Language::kEnglish);
}

TEST_CASE("A failed action keeps what was typed: Esc from the act's screen returns to the typed device",
          "[kiosk][unit]") {
  Harness h;
  h.backend.applications = {{"app-9", "9", "2026-11-20", "body", "soft", "registered"}};
  h.backend.typed_devices = true;
  h.backend.candidates_status = Status::MediaUnreadable("open /dev/sdx9: No such file or directory");
  h.LoginAs(kiosk::Role::kClerk);
  h.Enter();
  REQUIRE(h.Shows("Media device:"));
  h.Type("/dev/sdx9");
  h.Press(KEY_F(7));
  REQUIRE(h.Await("The media cannot be read."));
  h.Char(27);  // back
  CHECK(h.Shows("Insert media"));
  CHECK(h.FieldShows("Media device:", "/dev/sdx9"));
}

}  // namespace qoima::testing

TEST_CASE(
    "Held intakes are listed from the clerk's home and decided from their comparison, one past its hold only refused",
    "[kiosk][unit]") {
  Harness h;
  h.backend.applications = {{"app-9", "9", "2026-11-20", "body", "soft", "registered"}};
  auto held = [](const std::string& id, bool ran_out) {
    kiosk::HeldIntakeRow r;
    r.intake_id = id;
    r.application_id = "app-9";
    r.application_number = "9";
    r.software_name = "е-Өтініш";
    r.deposit = id;
    r.read_at = "2026-12-01 10:00";
    r.due = ran_out ? "2026-12-02 10:00" : "2026-12-08 10:00";
    r.hold_ran_out = ran_out;
    r.files_matched = 2;
    r.files_with_problems = 1;
    r.comparison.intake_id = id;
    r.comparison.application_id = "app-9";
    r.comparison.rows = {{kiosk::DiffKind::kMissing, "docs/нұсқаулық.pdf", 20, "act lists it"}};
    r.comparison.matched_not_listed = 2;
    r.comparison.accept_allowed = !ran_out;
    return r;
  };
  h.backend.held_intakes = {held("4", false), held("7", true)};
  h.LoginAs(kiosk::Role::kClerk);
  REQUIRE(h.Shows("F4 Held intakes"));
  h.Press(KEY_F(4));
  REQUIRE(h.Shows("2 intakes are held for a decision."));
  CHECK(h.Shows("2026-12-08 10:00"));
  CHECK(h.Shows("2026-12-02 10:00"));
  CHECK(h.Shows("1 of them is past its hold (highlighted): it can only be refused."));
  Snapshot("clerk-held-intakes");
  h.Press(KEY_F(2));  // en -> kk
  CHECK(h.Shows("Шешім күтіп 2 қабылдау ұсталып тұр."));
  h.Press(KEY_F(2));  // kk -> ru
  CHECK(h.Shows("2 приёма удерживаются до решения."));
  CHECK(h.Shows("У 1 из них срок удержания истёк (выделен)"));
  h.Press(KEY_F(2));  // ru -> en

  SECTION("within its hold: the comparison counts the matched files, and Accept records the NDA first") {
    h.Enter();
    REQUIRE(h.Shows("Act versus media"));
    CHECK(h.Shows("3 files, 1 problem."));
    CHECK(h.Shows("F7 Accept"));
    h.FillNda();
    h.Press(KEY_F(7));
    h.Char(L'д');
    REQUIRE(h.backend.calls.size() >= 2);
    CHECK(h.backend.calls[h.backend.calls.size() - 2] == "RecordNda app-9");
    CHECK(h.backend.calls.back() == "Accept 4");
    h.backend.held_intakes.erase(h.backend.held_intakes.begin());
    h.Char(27);  // Esc: back to the list, read again
    CHECK(h.backend.calls.back() == "ListHeldIntakes");
    CHECK(h.Shows("1 intake is held for a decision."));
  }
  SECTION("past its hold: no Accept key, F7 says why, F8 refuses") {
    h.Press(KEY_DOWN);
    h.Enter();
    REQUIRE(h.Shows("Act versus media"));
    CHECK_FALSE(h.Shows("F7 Accept"));
    h.Press(KEY_F(7));
    CHECK(h.Shows("The hold ran out: this intake can only be refused"));
    CHECK(std::find(h.backend.calls.begin(), h.backend.calls.end(), "Accept 7") == h.backend.calls.end());
    h.Press(KEY_F(8));
    REQUIRE(h.Shows("Reasoned refusal"));
    h.Type("мерзімі өтті");
    h.Press(KEY_F(8));
    CHECK(h.backend.calls.back() == "Refuse 7");
  }
}

}  // namespace qoima::testing
