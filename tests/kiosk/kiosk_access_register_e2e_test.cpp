// End-to-end test of the access register at the kiosk: the real qoima-kiosk
// in tmux over a swtpm-backed state with one accepted deposit that an auditor
// made a PDF of and a security officer exported (a second officer approved).
// The auditor and the security officer open the register from their homes,
// see those accesses at the counter's local time (dd.mm.yyyy, UTC+5) in
// words, and print it after a question answered with a Russian and a Kazakh
// layout's keys; the admin is not offered it. The rows are checked against
// the audit log and against the real `qoima access-register`, and the audit
// log holds one read of the register per showing and per print, nothing more.
#include <catch2/catch.hpp>
#include <ctime>
#include <filesystem>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/subprocess.h"
#include "tests/kiosk/kiosk_e2e_state.h"

namespace qoima::testing {
namespace {

const std::string kCli = std::string(QOIMA_BINARY_DIR) + "/cli/qoima";

/// "2026-12-07T09:15:00Z" as a person at the counter reads it: "07.12.2026 14:15:00" (UTC+5).
std::string CounterReading(const std::string& iso_utc) {
  std::tm tm{};
  REQUIRE(strptime(iso_utc.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm) != nullptr);
  std::time_t t = timegm(&tm) + 5 * 3600;
  std::tm local{};
  gmtime_r(&t, &local);
  char buf[32];
  std::strftime(buf, sizeof buf, "%d.%m.%Y %H:%M:%S", &local);
  return buf;
}

SubprocessOptions CliAs(const ProvisionedState& p, const std::string& login, const std::string& password) {
  SubprocessOptions o;
  o.timeout = std::chrono::minutes(2);
  o.extra_env = {"QOIMA_TCTI=" + p.tpm.tcti(), "QOIMA_STATE=" + p.state.Sub("state"), "QOIMA_USER=" + login,
                 "QOIMA_PASSWORD=" + password};
  return o;
}

// auditor1 makes a PDF of the act A-1 with the real CLI; officer1 exports the
// deposit to a file after officer2's approval (a read of the content, then
// the bundle).
void TouchDeposit(const ProvisionedState& p, const std::string& dir) {
  auto pdf =
      RunSubprocess({kCli, "print", "act", "A-1", "--pdf", dir + "/act.pdf"}, CliAs(p, "auditor1", kAuditorPassword));
  REQUIRE(pdf.ok());
  INFO(pdf->out << pdf->err);
  REQUIRE(pdf->exit_code == 0);
  auto app = appliance::Appliance::Open(Options(p));
  INFO(app.status().ToString());
  REQUIRE(app.ok());
  auto officer1 = (*app)->Login("officer1", kOfficer1Password);
  REQUIRE(officer1.ok());
  auto request =
      (*app)->RequestApproval(*officer1, appliance::SensitiveAction::kExport, "deposit:1", "орталық репозиторийге");
  INFO(request.status().ToString());
  REQUIRE(request.ok());
  auto officer2 = (*app)->Login("officer2", kOfficer2Password);
  REQUIRE(officer2.ok());
  auto approved = (*app)->ApproveRequest(*officer2, request->id);
  INFO(approved.status().ToString());
  REQUIRE(approved.ok());
  appliance::ExportOptions out;
  out.output_path = dir + "/bundle.tar";
  auto exported = (*app)->Export(*officer1, request->id, out);
  INFO(exported.status().ToString());
  REQUIRE(exported.ok());
  REQUIRE((*app)->EndSession().ok());
}

// On a home screen: F8, the deposit typed, Enter; waits for the rows.
void ShowRegister(TmuxSession& t, const std::string& field_label, const std::string& shown) {
  t.SendKeys({"F8"});
  Expect(t, field_label);
  t.Type("A-1");
  t.SendKeys({"Enter"});
  Expect(t, shown, milliseconds(30000));
}

}  // namespace

TEST_CASE(
    "Access register at the kiosk: the auditor and the officer see who read, exported and printed a deposit, "
    "print it after a question, and the admin is not offered it",
    "[kiosk][e2e]") {
  ProvisionedState p;
  DepositMedia m;
  AcceptDeposit(p, m);
  TempDir out("qoima-kiosk-access");
  TouchDeposit(p, out.path());

  // What the appliance's register holds, through the CLI's own command.
  auto listed = RunSubprocess({kCli, "--json", "access-register", "A-1"}, CliAs(p, "auditor1", kAuditorPassword));
  REQUIRE(listed.ok());
  INFO(listed->out << listed->err);
  REQUIRE(listed->exit_code == 0);
  const nlohmann::json reg = nlohmann::json::parse(listed->out);
  REQUIRE(reg["entries"].size() == 3);  // aud1's PDF; officer1's read and export

  {
    TmuxSession t({kKiosk, "--lang", "kk"}, p.Env());
    Expect(t, "Құпиясөз:");
    LogIn(t, "auditor1", kAuditorPassword);
    Expect(t, "Журнал (тек оқу)", milliseconds(30000));
    ShowRegister(t, "Сақтау нөмірі (нөмір немесе A-N актісі):", "Қол жеткізулер: 3.");
    std::string screen = t.Capture();
    INFO(screen);
    CHECK(screen.find("Сақтау нөмірі 1, акт A-1: е-Өтініш қызметі (ESEDO-01), 1-нұсқа.") != std::string::npos);
    // Every row of the register, at the counter's time, by the person's name, in words.
    std::map<std::string, std::string> kind_words = {
        {"print", "электрондық"}, {"read", "мазмұнын оқу"}, {"export", "экспорттау"}};
    for (const auto& e : reg["entries"]) {
      const std::string when = CounterReading(e["time"].get<std::string>());
      const std::string name = e["full_name"].get<std::string>();
      INFO(when << " " << name << " " << e["kind"]);
      CHECK(RowShows(screen, {when, name.substr(0, name.find(' ')), kind_words.at(e["kind"].get<std::string>())}));
    }
    CHECK(screen.find("Қасымов Нұрлан (auditor1)") != std::string::npos);
    CHECK(screen.find("Жұмабаев Асқар") != std::string::npos);
    // The selected (oldest) row whole: the PDF of the act.
    CHECK(screen.find("көшірмесін жасау: A-1") != std::string::npos);
    for (const char* code : {"document.render", "deposit.read", "export.bundle", "security_officer"})
      CHECK(screen.find(code) == std::string::npos);
    CHECK_FALSE(std::regex_search(screen, std::regex(R"(\d{4}-\d{2}-\d{2})")));  // never an ISO date
    Snap(t, "auditor-access-register-kk");
    t.SendKeys({"F2"});  // kk -> ru
    Expect(t, "Доступов: 3.");
    Expect(t, "чтение содержимого");
    Snap(t, "auditor-access-register-ru");
    t.SendKeys({"F2", "F2"});  // ru -> en -> kk

    // Printing asks first: н (no, on a Russian layout) prints nothing.
    t.SendKeys({"F7"});
    Expect(t, "1 сақтау нөмірінің қол жеткізу тізілімін басып шығару керек пе?");
    Expect(t, "F7 немесе y/д/и = иә, Esc немесе n/н = жоқ.");
    Snap(t, "auditor-access-register-print-kk");
    t.Type("н");
    Expect(t, "Басып шығарылған жоқ.");
    CHECK_FALSE(std::filesystem::exists(p.state.Sub("state/prints")));
    // и (иә, yes on a Kazakh layout) prints: no printer is set up, so the PDF is kept.
    t.SendKeys({"F7"});
    Expect(t, "басып шығару керек пе?");
    t.Type("и");
    Expect(t, "Принтер бапталмаған:", milliseconds(60000));
    t.SendKeys({"Escape"});
    Expect(t, "Журнал (тек оқу)");
    t.SendKeys({"F10"});

    // The security officer, from the approvals home, in Russian; д (да) prints.
    Expect(t, "Құпиясөз:");
    t.SendKeys({"F2"});  // kk -> ru
    LogIn(t, "officer1", kOfficer1Password);
    Expect(t, "Запросы, ожидающие одобрения", milliseconds(30000));
    Expect(t, "F8: реестр доступа к версии");
    ShowRegister(t, "Номер хранения (номер или акт A-N):", "Доступов: 3.");
    CHECK(t.Capture().find("электронной копии: A-1") != std::string::npos);
    t.SendKeys({"F7"});
    Expect(t, "Напечатать реестр доступа к хранимой версии 1?");
    t.Type("д");
    Expect(t, "Принтер не настроен:", milliseconds(60000));
    t.SendKeys({"Escape"});
    t.SendKeys({"F10"});

    // The admin shares the officers' home but may not read registers: not offered, F8 does nothing.
    Expect(t, "Пароль:");
    LogIn(t, "admin1", "admin-pass-2026");
    Expect(t, "Запросы, ожидающие одобрения", milliseconds(30000));
    CHECK(t.Capture().find("F8") == std::string::npos);
    t.SendKeys({"F8"});
    t.SendKeys({"F5"});  // a key the home answers: the F8 before it was handled and did nothing
    Expect(t, "Запросы, ожидающие одобрения");
    CHECK(t.Capture().find("Номер хранения (номер или акт A-N):") == std::string::npos);
    CHECK_FALSE(t.dead());
  }

  // Two PDFs of the register were kept (no printer), each the printed register of deposit 1.
  std::vector<std::string> pdfs;
  for (const auto& f : std::filesystem::directory_iterator(p.state.Sub("state/prints")))
    if (f.path().extension() == ".pdf") pdfs.push_back(f.path().string());
  REQUIRE(pdfs.size() == 1);  // the same document, saved under its name twice
  auto text = RunChecked({"pdftotext", "-layout", pdfs[0], "-"});
  REQUIRE(text.ok());
  CHECK(text->out.find("Реестр лиц, имевших доступ к хранимой версии") != std::string::npos);
  CHECK(text->out.find("Жұмабаев") != std::string::npos);

  // The audit log: one read of the register per showing and per print; none by the admin.
  auto app = OpenAfterKiosk(p);
  auto auditor = app->Login("auditor1", kAuditorPassword);
  REQUIRE(auditor.ok());
  auto events = app->AuditEntries(*auditor, 0, 100000);
  REQUIRE(events.ok());
  std::map<std::string, int> reads;
  for (const auto& e : *events)
    if (e.action == "access_register.read") reads[e.actor + "/" + e.outcome]++;
  CHECK(reads["auditor1/success"] == 3);  // the CLI's listing, the screen, the print
  CHECK(reads["officer1/success"] == 2);  // the screen, the print
  CHECK(reads.count("admin1/success") == 0);
  CHECK(reads.count("admin1/denied") == 0);
  // The register the screen showed is still the appliance's: the same three rows.
  auto again = app->GetAccessRegister(*auditor, "1");
  REQUIRE(again.ok());
  CHECK(again->entries.size() == 3);
  auto verified = app->VerifyAudit(*auditor);
  REQUIRE(verified.ok());
  CHECK(verified->ok());
}

}  // namespace qoima::testing
