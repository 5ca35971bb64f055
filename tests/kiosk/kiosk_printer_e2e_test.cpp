// The act printer set up at the kiosk: the real qoima-kiosk in tmux over a
// provisioned appliance on swtpm and the real store, printing through a
// private cupsd with a cups-pdf queue (tests/print/private_cupsd.h). A
// security officer who tries is refused by the appliance and nothing is
// stored; the admin saves the queue and prints the test page, which comes
// out of CUPS as a PDF in Kazakh and Russian; the audit log has each step.
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <string>
#include <thread>

#include "common/subprocess.h"
#include "tests/kiosk/kiosk_e2e_state.h"
#include "tests/print/private_cupsd.h"

namespace qoima::testing {
namespace {

// Runs of spaces and line breaks as one space.
std::string Flowed(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  return out;
}

std::string Tool(const std::vector<std::string>& argv) {
  SubprocessOptions o;
  auto r = RunSubprocess(argv, o);
  REQUIRE(r.ok());
  INFO(argv[0] << ": " << r->err);
  REQUIRE(r->exit_code == 0);
  return r->out;
}

// The one PDF cups-pdf wrote (the paper), once it is there: its page count.
// cups-pdf re-distils what it prints, so its text is not extractable; the
// words are read from the PDF the appliance kept.
std::string PrintedPages(const print::testing::PrivateCupsd& cups) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (cups.OutputFiles().empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(100));
  const auto files = cups.OutputFiles();
  REQUIRE(files.size() == 1);
  const std::string info = Tool({"pdfinfo", files[0]});
  const size_t at = info.find("Pages:");
  REQUIRE(at != std::string::npos);
  return Flowed(info.substr(at, info.find('\n', at) - at));
}

TEST_CASE("The admin sets up the act printer at the kiosk and prints its test page, an officer is refused",
          "[kiosk][e2e][print]") {
  ProvisionedState p;
  print::testing::PrivateCupsd cups;
  cups.AddCupsPdfQueue("kiosk-pdf");
  TmuxSession t({kKiosk}, p.Env(), 100, 30);
  Expect(t, "Құпиясөз:");

  // A security officer opens the screen (reading is allowed) and tries to
  // save a queue: the appliance refuses, in Kazakh, and keeps no printer.
  LogIn(t, "officer1", kOfficer1Password);
  Expect(t, "F7: актілер принтері");
  t.SendKeys({"F7"});
  Expect(t, "Актілер принтері");
  t.Type("kiosk-pdf");
  t.SendKeys({"F7"});
  Expect(t, "Сіздің рөліңіз бұған рұқсат бермейді");
  t.SendKeys({"F6"});  // nor a test page
  Expect(t, "Сіздің рөліңіз бұған рұқсат бермейді");
  t.SendKeys({"Escape", "F10"});
  Expect(t, "Құпиясөз:");

  // The admin finds no printer, saves the private CUPS's queue and prints
  // the test page there.
  LogIn(t, "admin1", "admin-pass-2026");
  Expect(t, "F7: актілер принтері");
  t.SendKeys({"F7"});
  Expect(t, "Актілер принтері");
  std::string form = t.Capture();
  INFO(form);
  CHECK(FieldShows(form, "CUPS кезегі:", "[_"));  // empty, the cursor at its start
  CHECK(FieldShows(form, "Дана саны:", "2"));
  t.Type("kiosk-pdf");
  t.SendKeys({"Tab"});
  t.Type(cups.socket_path());
  t.SendKeys({"F7"});
  Expect(t, "Принтер сақталды. F6 сынақ бетін басады.");
  Snap(t, "printer-setup");
  t.SendKeys({"F6"});
  Expect(t, "Сынақ беті басылды.", milliseconds(90000));
  CHECK(PrintedPages(cups) == "Pages: 1");
  const std::string page =
      Flowed(Tool({"pdftotext", "-layout", p.state.Sub("state") + "/prints/printer-test-page.pdf", "-"}));
  INFO(page);
  CHECK(page.find("Принтердің сынақ беті") != std::string::npos);
  CHECK(page.find("Пробная страница принтера") != std::string::npos);
  CHECK(page.find("kiosk-pdf") != std::string::npos);
  CHECK(page.find("Сейітов Ерлан") != std::string::npos);  // the admin who printed it
  // The Kazakh letters printed as letters (pdftotext joins the spaced ones).
  std::string letters;
  for (char c : page)
    if (c != ' ') letters += c;
  CHECK(letters.find("АӘБВГҒДЕЁЖЗИЙКҚЛМНҢОӨП") != std::string::npos);
  CHECK(letters.find("аәбвгғдеёжзийкқлмнңоөп") != std::string::npos);
  CHECK(letters.find("рстуұүфхһцчшщъыіьэюя") != std::string::npos);
  // Russian too: the screen's words follow F2.
  t.SendKeys({"F2"});
  Expect(t, "Принтер актов");
  t.SendKeys({"Escape", "F10"});
  Expect(t, "Пароль:");

  // The store: the queue the admin saved; the audit log: the officer's two
  // refusals and the admin's two steps.
  auto app = OpenAfterKiosk(p);
  auto auditor = app->Login("auditor1", kAuditorPassword);
  REQUIRE(auditor.ok());
  auto admin = app->Login("admin1", "admin-pass-2026");
  REQUIRE(admin.ok());
  auto settings = app->GetPrinterSettings(*admin);
  REQUIRE(settings.ok());
  CHECK(settings->queue == "kiosk-pdf");
  CHECK(settings->server == cups.socket_path());
  CHECK(settings->copies == 2);
  auto events = app->AuditEntries(*auditor, 0, 10000);
  REQUIRE(events.ok());
  std::map<std::string, int> seen;
  for (const auto& e : *events) seen[e.action + "/" + e.outcome + "/" + e.actor]++;
  CHECK(seen["printer.set/denied/officer1"] == 1);
  CHECK(seen["printer.test/denied/officer1"] == 1);
  CHECK(seen["printer.set/success/admin1"] == 1);
  CHECK(seen["printer.test/success/admin1"] == 1);
}

}  // namespace
}  // namespace qoima::testing
