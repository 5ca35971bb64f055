// End-to-end tests of the clerk's held intakes at the real qoima-kiosk over
// the real appliance: a disc read and left on its comparison without a
// decision (Esc) is held; the clerk finds it again under F4 on the home and
// accepts it (the NDA first) or refuses it from the comparison as recorded;
// the store, opened after the kiosk, shows the decision.
#include <catch2/catch.hpp>
#include <regex>
#include <string>

#include "tests/kiosk/kiosk_e2e_state.h"

namespace qoima::testing {
namespace {

// Reads the deposit with the act on its stick, waits for the comparison and
// leaves it without a decision (Esc): back on the clerk's home.
void ReadAndLeaveHeld(TmuxSession& t, const DepositMedia& m, const ActStick& stick, bool corrupt) {
  StartIntakeInKiosk(t, m.loop->path());
  PickAct(t, m.loop->path(), stick.loop->path(), "Акт.sha256", PaperDigest(m.ActDigest(corrupt)));
  ExpectComparison(t);
  Expect(t, corrupt ? "3 files, 1 problem." : "3 files, 0 problems.");
  t.SendKeys({"Escape"});
  Expect(t, "Applications: 1 shown of 1.");
  Expect(t, "F4 Held intakes");
}

// The held intakes' row of intake 1: application 1, the software, deposit 1,
// the hold's end at counter time, the matched files and those that differ
// (the software's name is cut to its column).
std::regex HeldRow(int matched, int problems) {
  return std::regex("1 +1 +е-Өтініш [^ ]+ +1 +\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} +" + std::to_string(matched) + " +" +
                    std::to_string(problems));
}

// The intake as the store keeps it, read after the kiosk has gone.
appliance::IntakeState StoredState(const ProvisionedState& p, int64_t intake_id, size_t* still_held) {
  auto app = OpenAfterKiosk(p);
  auto clerk = app->Login("clerk1", kClerkPassword);
  REQUIRE(clerk.ok());
  auto held = app->ListHeldIntakes(*clerk);
  INFO(held.status().ToString());
  REQUIRE(held.ok());
  *still_held = held->size();
  auto intake = app->GetIntake(*clerk, intake_id);
  INFO(intake.status().ToString());
  REQUIRE(intake.ok());
  return intake->state;
}

}  // namespace

TEST_CASE("A clerk leaves an intake held and accepts it later from the held intakes, the NDA first", "[kiosk][e2e]") {
  ProvisionedState p;
  DepositMedia m;
  ActStick stick(m, false);
  {
    TmuxSession t({kKiosk, "--lang", "en"}, p.Env());
    Expect(t, "Password:", milliseconds(60000));
    ReadAndLeaveHeld(t, m, stick, false);
    t.SendKeys({"F4"});
    Expect(t, "1 intake is held for a decision.");
    // Intake 1 of application 1, its deposit 1, when its hold runs out, 3 matched, 0 problems.
    CHECK(std::regex_search(t.Capture(), HeldRow(3, 0)));
    Snap(t, "clerk-held-intakes-en");
    t.SendKeys({"F2"});  // en -> kk
    Expect(t, "Шешім күтіп 1 қабылдау ұсталып тұр.");
    Snap(t, "clerk-held-intakes-kk");
    t.SendKeys({"F2"});  // kk -> ru
    Expect(t, "1 приём удерживается до решения.");
    t.SendKeys({"F2"});  // ru -> en
    t.SendKeys({"Enter"});
    ExpectComparison(t);
    Expect(t, "3 files, 0 problems.");  // the matched files counted as the read recorded them
    CHECK(t.Capture().find("Act SHA-256: " + PaperDigest(m.ActDigest(false)).substr(0, 39)) != std::string::npos);
    Snap(t, "clerk-held-comparison-en");
    // Accepted from a Russian keyboard layout: д is yes.
    FillNda(t);
    t.SendKeys({"F7"});
    Expect(t, "The media is not read again.");
    t.Type("д");
    bool accepted = t.WaitFor("Accepted. The NDA is recorded", milliseconds(60000));
    INFO(t.Capture());
    REQUIRE(accepted);
    t.SendKeys({"Escape"});
    Expect(t, "0 intakes are held for a decision.");
  }
  size_t still_held = 99;
  CHECK(StoredState(p, 1, &still_held) == appliance::IntakeState::kAccepted);
  CHECK(still_held == 0);
}

TEST_CASE("A clerk leaves an intake held and refuses it later from the held intakes with a reason", "[kiosk][e2e]") {
  ProvisionedState p;
  DepositMedia m;
  ActStick stick(m, true);
  {
    TmuxSession t({kKiosk, "--lang", "en"}, p.Env());
    Expect(t, "Password:", milliseconds(60000));
    ReadAndLeaveHeld(t, m, stick, true);
    t.SendKeys({"F4"});
    Expect(t, "1 intake is held for a decision.");
    CHECK(std::regex_search(t.Capture(), HeldRow(2, 1)));
    t.SendKeys({"Enter"});
    ExpectComparison(t);
    Expect(t, "3 files, 1 problem.");
    Expect(t, "checksum differs");  // the difference as the read recorded it, in words
    t.SendKeys({"F2"});             // en -> kk
    Expect(t, "бақылау жиынтығы өзгеше");
    t.SendKeys({"F2", "F2"});  // kk -> ru -> en
    t.SendKeys({"F8"});
    Expect(t, "Reasoned refusal");
    t.Type("checksum of src/қойма.cpp differs from the act");
    t.SendKeys({"F8"});
    bool refused = t.WaitFor("Refused.", milliseconds(30000));
    INFO(t.Capture());
    REQUIRE(refused);
    Snap(t, "clerk-held-refused-en");
    t.SendKeys({"Escape"});
    Expect(t, "0 intakes are held for a decision.");
  }
  size_t still_held = 99;
  CHECK(StoredState(p, 1, &still_held) == appliance::IntakeState::kRefused);
  CHECK(still_held == 0);
}

}  // namespace qoima::testing
