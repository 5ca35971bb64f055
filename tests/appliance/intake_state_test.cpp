// The intake state machine (intake_state.h): its table of transitions, and
// each transition carried out in process by Appliance::Intake / Decide on the
// real store (swtpm, SQLCipher). Only the media reader is fake: it reads a
// directory of this machine as if it were the medium (the sandboxed reader
// and real images are the e2e tests' business: tests/appliance/*_e2e_test).
#include <sys/stat.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "appliance/act_creator.h"
#include "appliance/appliance.h"
#include "appliance/intake_assessment.h"
#include "appliance/intake_state.h"
#include "storage/clock.h"
#include "tests/fixtures/appliance_test_peer.h"
#include "tests/fixtures/media_factory.h"
#include "tests/fixtures/nda_step.h"
#include "tests/fixtures/swtpm.h"
#include "tests/fixtures/temp_dir.h"

using namespace qoima;
using namespace qoima::appliance;

namespace {

template <typename T>
T Must(Result<T> r) {
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(*r);
}
void Must(const Status& s) {
  INFO(s.ToString());
  REQUIRE(s.ok());
}

// A "medium" that is a directory: every regular file under it, in path
// order, with its bytes and mtime, as the sandboxed reader would send them.
// `fail_after_files`: the medium goes away after that many files (a fatal
// problem, and the read fails as a medium fault).
class DirectoryMediaReader : public hardware::MediaReader {
 public:
  explicit DirectoryMediaReader(std::string dir) : dir_(std::move(dir)) {}
  std::optional<size_t> fail_after_files;
  int reads = 0;

  Status Admit(const std::string& device) override {
    return device == dir_ ? Status::Ok() : Status::NotFound(device + ": no such medium");
  }
  Result<hardware::MediaIdentity> Probe(const std::string& device) override {
    hardware::MediaIdentity id;
    id.device = device;
    id.fs_type = "iso9660";  // mtimes in UTC
    id.label = "DEPOSIT";
    return id;
  }
  Result<hardware::ReadSummary> Read(const std::string& device, const hardware::ReadOptions&,
                                     hardware::MediaSink& sink) override {
    ++reads;
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::recursive_directory_iterator(device))
      if (e.is_regular_file()) files.push_back(std::filesystem::relative(e.path(), device).string());
    std::sort(files.begin(), files.end());
    hardware::ReadSummary summary;
    summary.filesystem = "iso9660";
    summary.volume_label = "DEPOSIT";
    for (const auto& rel : files) {
      if (fail_after_files && summary.files == *fail_after_files) {
        hardware::MediaProblem p;
        p.cls = hardware::ProblemClass::kDeviceRemoved;
        p.message = "the medium went away";
        QOIMA_RETURN_IF_ERROR(sink.OnProblem(p));
        return Status::MediaUnreadable("the medium went away");
      }
      const std::string bytes = testing::ReadFile(device + "/" + rel);
      struct stat st {};
      REQUIRE(::stat((device + "/" + rel).c_str(), &st) == 0);
      hardware::EntryHeader h;
      h.raw_path = rel;
      h.display_path = rel;
      h.size = bytes.size();
      h.mtime_sec = st.st_mtim.tv_sec;
      h.type = hardware::EntryType::kFile;
      QOIMA_RETURN_IF_ERROR(sink.OnEntry(h));
      QOIMA_RETURN_IF_ERROR(sink.OnData({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}));
      QOIMA_RETURN_IF_ERROR(sink.OnEntryEnd(true));
      ++summary.entries;
      ++summary.files;
      summary.data_bytes += bytes.size();
    }
    return summary;
  }

 private:
  std::string dir_;
};

// A provisioned appliance in process (admin, clerk1, application IS-0042 with its NDA),
// a medium (a directory) and the act written for it.
class Counter {
 public:
  Counter() : clock(std::time(nullptr)), reader(dir.Sub("medium")) {
    testing::MakeSampleTree(dir.Sub("medium"), 64 * 1024);
    ActCreateOptions ao;
    ao.application = "IS-0042";
    ao.software_name = "Е-Қойма";
    ao.software_version = "1.0";
    ao.now_unix = clock.NowUnix();
    testing::WriteFile(dir.Sub("act.json"), Must(CreateActFromDirectory(dir.Sub("medium"), ao)).json);

    options.tcti = tpm.tcti();
    options.state_dir = dir.Sub("state");
    options.argon2 = kArgon2TestOnly;
    options.clock = &clock;
    options.reader = &reader;
    InitRequest init;
    init.admin = {"admin", "Әлиев", "Ерлан", "", Role::kAdmin, "admin-password-1"};
    Must(Appliance::Init(options, init).status());
    app = Must(Appliance::Open(options));
    Actor admin = Must(app->Login("admin", "admin-password-1"));
    Must(app->CreateUser(admin, {"clerk1", "Сейітова", "Әйгерім", "", Role::kClerk, "clerk1-password-1"}).status());
    clerk = Must(app->Login("clerk1", "clerk1-password-1"));
    const std::string form =
        R"({"portal_code": "IS-0042", "track": "application", "applicant": "«Ақпарат» АҚ",
            "software_name": "Е-Қойма", "items": [{"name": "CD-1", "serial_number": "SN1", "original": true}],
            "owner": {"full_name": "Цифрлық даму министрлігі"}})";
    JournalEntry e;
    e.application_number = "15/2026";
    e.received_date = "2026-01-05";
    e.state_body = "Министрлік";
    e.applicant_head = "Ахметов А.";
    Must(app->RegisterApplication(clerk, Must(ParseApplicationForm(form, "form.json")), e).status());
    Must(app->RecordNda(clerk, "IS-0042", testing::SignedTestNda()));
  }

  /// Changes a file of the medium after the act was written: the act no
  /// longer matches it (a refusal ground, 001 cl.16(2)).
  void SpoilMedium() {
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir.Sub("medium")))
      if (e.is_regular_file()) {
        std::ofstream(e.path(), std::ios::app) << "changed after the act was written";
        return;
      }
  }

  IntakeRequest Request(IntakeAction action) {
    IntakeRequest r;
    r.application = "IS-0042";
    r.manifest_path = dir.Sub("act.json");
    r.media = {{dir.Sub("medium"), "", ""}};
    r.action = action;
    return r;
  }

  IntakeState Recorded(int64_t intake_id) { return Must(app->GetIntake(clerk, intake_id)).state; }

  testing::TempDir dir;
  testing::Swtpm tpm;
  storage::ManualClock clock;
  DirectoryMediaReader reader;
  ApplianceOptions options;
  std::unique_ptr<Appliance> app;
  Actor clerk;
};

}  // namespace

TEST_CASE("the intake state table holds the steps of the diagram and no other") {
  using S = IntakeState;
  const std::vector<std::pair<std::optional<S>, S>> allowed = {
      {std::nullopt, S::kVerified}, {std::nullopt, S::kHeld}, {std::nullopt, S::kAccepted}, {std::nullopt, S::kRefused},
      {S::kVerified, S::kRefused},  {S::kHeld, S::kRefused},  {S::kHeld, S::kAccepted}};
  CHECK(IntakeTransitions().size() == allowed.size());
  const std::vector<std::optional<S>> froms = {std::nullopt, S::kVerified, S::kHeld,
                                               S::kAccepted, S::kRefused,  S::kExpired};
  for (auto from : froms)
    for (S to : {S::kVerified, S::kHeld, S::kAccepted, S::kRefused, S::kExpired}) {
      const bool want = std::find(allowed.begin(), allowed.end(), std::make_pair(from, to)) != allowed.end();
      INFO((from ? IntakeStateName(*from) : "(new)") << " -> " << IntakeStateName(to));
      CHECK((FindIntakeTransition(from, to) != nullptr) == want);
      CHECK(CheckIntakeTransition(from, to, "intake:7").ok() == want);
    }
  for (S s : {S::kVerified, S::kHeld, S::kAccepted, S::kRefused, S::kExpired})
    CHECK(ParseIntakeState(IntakeStateName(s)) == s);
  CHECK_FALSE(ParseIntakeState("registered").has_value());
  CHECK(FindIntakeTransition(std::nullopt, S::kHeld)->keeps_content);
  CHECK_FALSE(FindIntakeTransition(std::nullopt, S::kVerified)->keeps_content);
  CHECK(FindIntakeTransition(S::kHeld, S::kRefused)->audit_action == "intake.refuse");
  CHECK(CheckIntakeTransition(S::kAccepted, S::kRefused, "intake:7").message() == "intake:7 is accepted already");
  CHECK(CheckIntakeTransition(S::kVerified, S::kAccepted, "intake:7").message().find("kept no content") !=
        std::string::npos);
}

TEST_CASE("a verify-only intake is recorded as verified and keeps nothing") {
  Counter c;
  IntakeOutcome out = Must(c.app->Intake(c.clerk, c.Request(IntakeAction::kVerifyOnly)));
  CHECK(out.state == IntakeState::kVerified);
  CHECK_FALSE(out.deposit_id.has_value());
  CHECK_FALSE(out.decision_id.has_value());
  REQUIRE(out.media.size() == 1);
  CHECK(out.media[0].diff.Clean());
  CHECK(c.Recorded(out.intake_id) == IntakeState::kVerified);
  CHECK(c.reader.reads == 1);
}

TEST_CASE("an intake accepted at once is recorded as accepted with its deposit and decision") {
  Counter c;
  IntakeOutcome out = Must(c.app->Intake(c.clerk, c.Request(IntakeAction::kAccept)));
  CHECK(out.state == IntakeState::kAccepted);
  REQUIRE(out.deposit_id.has_value());
  CHECK(out.decision_id.has_value());
  CHECK(out.act.deposit_id == *out.deposit_id);
  CHECK_FALSE(out.act.audit_checkpoint.empty());
  CHECK(c.Recorded(out.intake_id) == IntakeState::kAccepted);
  // Accepted is final: neither decision applies any more.
  DecideRequest refuse;
  refuse.reasons = {RefusalReason::kActMismatch};
  auto again = c.app->Decide(c.clerk, out.intake_id, refuse);
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == Code::kFailedPrecondition);
  CHECK(again.status().message().find("is accepted already") != std::string::npos);
  CHECK(c.Recorded(out.intake_id) == IntakeState::kAccepted);
}

TEST_CASE("an intake refused at once is recorded as refused and keeps nothing") {
  Counter c;
  c.SpoilMedium();
  IntakeRequest r = c.Request(IntakeAction::kRefuse);
  r.reasons = {RefusalReason::kActMismatch};
  IntakeOutcome out = Must(c.app->Intake(c.clerk, r));
  CHECK(out.state == IntakeState::kRefused);
  CHECK_FALSE(out.deposit_id.has_value());
  CHECK(out.decision_id.has_value());
  CHECK(c.Recorded(out.intake_id) == IntakeState::kRefused);
  DecideRequest accept;
  accept.accept = true;
  auto again = c.app->Decide(c.clerk, out.intake_id, accept);
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().message().find("is refused already") != std::string::npos);
}

TEST_CASE("a refusal's ground is stored under its practice key and shown in its wording, older keys too") {
  Counter c;
  c.SpoilMedium();
  IntakeRequest r = c.Request(IntakeAction::kRefuse);
  r.reasons = {RefusalReason::kActMismatch};
  r.reason_text = "тізім сәйкес емес";
  Must(c.app->Intake(c.clerk, r));
  // An entry as an older version appended it, under the repealed order's clause.
  Must(appliance::ApplianceTestPeer::Store(*c.app)
           .Record({"clerk1", "clerk"}, "intake.refuse", "application:IS-0042", "success",
                   "001 cl.16(3) " + std::string(RefusalText(RefusalReason::kMediaMalfunction)))
           .status());
  Actor admin = Must(c.app->Login("admin", "admin-password-1"));
  std::vector<std::string> shown;
  for (const auto& e : Must(c.app->AuditEntries(admin, 0, 100000)))
    if (e.action == "intake.refuse") shown.push_back(e.reason);
  REQUIRE(shown.size() == 2);
  CHECK(shown[0].rfind("(operator's practice, based on the former 146/НҚ cl.16(2)) ", 0) == 0);
  CHECK(shown[0].find("тізім сәйкес емес") != std::string::npos);
  CHECK(shown[1].rfind("(operator's practice, based on the former 146/НҚ cl.16(3)) ", 0) == 0);
  for (const std::string& s : shown) {
    CHECK(s.find("001 cl.16") == std::string::npos);
    CHECK(s.find("practice:refusal") == std::string::npos);
  }
  // As stored: the new key, and the older entry exactly as it was appended; the log verifies.
  std::vector<std::string> stored;
  for (const auto& e : Must(appliance::ApplianceTestPeer::Store(*c.app).audit().Entries(
           0, Must(appliance::ApplianceTestPeer::Store(*c.app).audit().Size()))))
    if (e.action == "intake.refuse") stored.push_back(e.reason);
  REQUIRE(stored.size() == 2);
  CHECK(stored[0].rfind("practice:refusal-2 ", 0) == 0);
  CHECK(stored[1].rfind("001 cl.16(3) ", 0) == 0);
  CHECK(Must(appliance::ApplianceTestPeer::Store(*c.app).VerifyAudit()).ok());
}

TEST_CASE("a held intake is accepted within its window against the held content") {
  Counter c;
  IntakeOutcome held = Must(c.app->Intake(c.clerk, c.Request(IntakeAction::kHold)));
  CHECK(held.state == IntakeState::kHeld);
  REQUIRE(held.deposit_id.has_value());
  CHECK_FALSE(held.hold_until.empty());
  CHECK(c.Recorded(held.intake_id) == IntakeState::kHeld);
  c.clock.Advance(3600);
  DecideRequest accept;
  accept.accept = true;
  IntakeOutcome out = Must(c.app->Decide(c.clerk, held.intake_id, accept));
  CHECK(out.state == IntakeState::kAccepted);
  CHECK(out.deposit_id == held.deposit_id);
  CHECK(out.decision_id.has_value());
  REQUIRE(out.media.size() == 1);
  CHECK(out.media[0].diff.Clean());
  CHECK(c.Recorded(held.intake_id) == IntakeState::kAccepted);
  CHECK(c.reader.reads == 1);  // decided without reading the medium again
}

TEST_CASE("a held intake is refused and its held content destroyed") {
  Counter c;
  c.SpoilMedium();
  IntakeOutcome held = Must(c.app->Intake(c.clerk, c.Request(IntakeAction::kHold)));
  CHECK(held.state == IntakeState::kHeld);
  REQUIRE(held.deposit_id.has_value());
  DecideRequest refuse;
  refuse.reasons = {RefusalReason::kActMismatch};
  refuse.reason_text = "a file differs from the act";
  IntakeOutcome out = Must(c.app->Decide(c.clerk, held.intake_id, refuse));
  CHECK(out.state == IntakeState::kRefused);
  CHECK(out.decision_id.has_value());
  CHECK(c.Recorded(held.intake_id) == IntakeState::kRefused);
  // The held content is gone: accepting it now is refused by the state.
  DecideRequest accept;
  accept.accept = true;
  auto again = c.app->Decide(c.clerk, held.intake_id, accept);
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().message().find("is refused already") != std::string::npos);
}

TEST_CASE("a verified intake is refused but never accepted") {
  Counter c;
  c.SpoilMedium();
  IntakeOutcome verified = Must(c.app->Intake(c.clerk, c.Request(IntakeAction::kVerifyOnly)));
  CHECK(verified.state == IntakeState::kVerified);
  DecideRequest accept;
  accept.accept = true;
  auto accepted = c.app->Decide(c.clerk, verified.intake_id, accept);
  REQUIRE_FALSE(accepted.ok());
  CHECK(accepted.status().code() == Code::kFailedPrecondition);
  CHECK(accepted.status().message().find("kept no content (it was only verified)") != std::string::npos);
  CHECK(c.Recorded(verified.intake_id) == IntakeState::kVerified);
  DecideRequest refuse;
  refuse.reasons = {RefusalReason::kActMismatch};
  IntakeOutcome out = Must(c.app->Decide(c.clerk, verified.intake_id, refuse));
  CHECK(out.state == IntakeState::kRefused);
  CHECK(c.Recorded(verified.intake_id) == IntakeState::kRefused);
}

TEST_CASE("an accept the evidence does not support is recorded as a verification") {
  Counter c;
  c.SpoilMedium();
  auto out = c.app->Intake(c.clerk, c.Request(IntakeAction::kAccept));
  REQUIRE_FALSE(out.ok());
  CHECK(out.status().code() == Code::kFailedPrecondition);
  CHECK(out.status().message().find("intake 1 recorded, nothing stored") != std::string::npos);
  CHECK(c.Recorded(1) == IntakeState::kVerified);
}

TEST_CASE("a hold after a read the medium's loss stopped is recorded as a verification") {
  Counter c;
  c.reader.fail_after_files = 1;
  auto out = c.app->Intake(c.clerk, c.Request(IntakeAction::kHold));
  REQUIRE_FALSE(out.ok());
  CHECK(out.status().code() == Code::kFailedPrecondition);
  CHECK(out.status().message().find("no hold after a failed read") != std::string::npos);
  CHECK(c.Recorded(1) == IntakeState::kVerified);
}

TEST_CASE("a held intake past its hold window is not accepted and stays held") {
  Counter c;
  IntakeOutcome held = Must(c.app->Intake(c.clerk, c.Request(IntakeAction::kHold)));
  REQUIRE(held.state == IntakeState::kHeld);
  c.clock.Advance(30 * 24 * 3600);  // far beyond 5 working days
  DecideRequest accept;
  accept.accept = true;
  auto out = c.app->Decide(c.clerk, held.intake_id, accept);
  REQUIRE_FALSE(out.ok());
  CHECK(out.status().code() == Code::kFailedPrecondition);
  CHECK(out.status().message().find("the hold ran out") != std::string::npos);
  CHECK(c.Recorded(held.intake_id) == IntakeState::kHeld);
}

TEST_CASE("a medium that cannot be opened is refused before anything is read or recorded, with the real reader") {
  Counter c;
  // The appliance as the kiosk opens it: the real sandboxed reader's
  // admission, test media allowed (the medium is a path that does not exist).
  c.app.reset();
  ApplianceOptions real = c.options;
  real.reader = nullptr;
  real.allow_test_media = true;
  c.app = Must(Appliance::Open(real));
  c.clerk = Must(c.app->Login("clerk1", "clerk1-password-1"));
  const std::string missing = c.dir.Sub("sdz-mistyped");
  for (IntakeAction action : {IntakeAction::kHold, IntakeAction::kAccept, IntakeAction::kVerifyOnly}) {
    IntakeRequest r = c.Request(action);
    r.media = {{missing, "", ""}};
    auto out = c.app->Intake(c.clerk, r);
    REQUIRE_FALSE(out.ok());
    CHECK(out.status().code() == Code::kIoError);
    CHECK(out.status().message().find("cannot open the medium " + missing) != std::string::npos);
  }
  CHECK(c.app->GetIntake(c.clerk, 1).status().code() == Code::kNotFound);
  // Each attempt is in the audit log once, as a failure naming the device.
  Actor admin = Must(c.app->Login("admin", "admin-password-1"));
  auto entries = Must(c.app->AuditEntries(admin, 0, 100000));
  size_t intake_events = 0;
  for (const auto& e : entries)
    if (e.action.rfind("intake", 0) == 0) {
      ++intake_events;
      CHECK(e.outcome == "failure");
      CHECK(e.reason.find(missing) != std::string::npos);
    }
  CHECK(intake_events == 3);
}

TEST_CASE("held intakes are listed for the clerk with what the read found, and leave the list once decided") {
  Counter c;
  c.SpoilMedium();
  IntakeOutcome held = Must(c.app->Intake(c.clerk, c.Request(IntakeAction::kHold)));
  REQUIRE(held.state == IntakeState::kHeld);
  std::vector<HeldIntake> list = Must(c.app->ListHeldIntakes(c.clerk));
  REQUIRE(list.size() == 1);
  const HeldIntake& h = list[0];
  CHECK(h.id == held.intake_id);
  CHECK(h.application == "IS-0042");
  CHECK(h.software_name == "Е-Қойма");
  CHECK(h.journal_number == 1);
  CHECK(h.state_body == "Министрлік");
  CHECK(h.deposit_id == *held.deposit_id);
  CHECK(h.hold_until == held.hold_until);
  CHECK(h.hold_until_unix > c.clock.NowUnix());
  CHECK_FALSE(h.hold_ran_out);
  // The comparison as the read recorded it: the spoiled file listed, the
  // matched ones counted.
  REQUIRE(h.media.size() == 1);
  REQUIRE(held.media.size() == 1);
  CHECK(h.media[0].diff.counts == held.media[0].diff.counts);
  CHECK(h.media[0].diff.Count(DiffKind::kMatched) > 0);
  REQUIRE(h.media[0].diff.items.size() == 1);
  CHECK(h.media[0].diff.items[0].kind != DiffKind::kMatched);
  CHECK_FALSE(h.media[0].diff.items[0].detail.empty());
  auto spoiled = std::find_if(held.media[0].diff.items.begin(), held.media[0].diff.items.end(),
                              [](const DiffItem& i) { return i.kind != DiffKind::kMatched; });
  REQUIRE(spoiled != held.media[0].diff.items.end());
  CHECK(h.media[0].diff.items[0].path == spoiled->path);
  CHECK(h.media[0].diff.items[0].size == spoiled->size);
  CHECK(h.media[0].diff.items[0].size > 0);
  CHECK(h.act_file.sha256 == held.act_file.sha256);

  // Past its window it is still listed (it can only be refused then).
  c.clock.Advance(30 * 24 * 3600);
  list = Must(c.app->ListHeldIntakes(c.clerk));
  REQUIRE(list.size() == 1);
  CHECK(list[0].hold_ran_out);

  DecideRequest refuse;
  refuse.reasons = {RefusalReason::kActMismatch};
  Must(c.app->Decide(c.clerk, held.intake_id, refuse).status());
  CHECK(Must(c.app->ListHeldIntakes(c.clerk)).empty());
}

TEST_CASE("only those who decide list the held intakes, and a refused listing is audited") {
  Counter c;
  Must(c.app->Intake(c.clerk, c.Request(IntakeAction::kHold)).status());
  Actor admin = Must(c.app->Login("admin", "admin-password-1"));
  Must(c.app->CreateUser(admin, {"auditor1", "Омарова", "Дана", "", Role::kAuditor, "auditor1-password-1"}).status());
  for (const Actor& who : {admin, Must(c.app->Login("auditor1", "auditor1-password-1"))}) {
    auto listed = c.app->ListHeldIntakes(who);
    REQUIRE_FALSE(listed.ok());
    CHECK(listed.status().code() == Code::kPermissionDenied);
  }
  bool denied = false;
  bool listed_audited = false;
  auto entries = Must(c.app->AuditEntries(admin, 0, 1000));
  for (const auto& e : entries) {
    if (e.action != "intake.list_held") continue;
    denied |= e.outcome == "denied";
    listed_audited |= e.outcome == "success";
  }
  CHECK(denied);
  Must(c.app->ListHeldIntakes(c.clerk).status());
  entries = Must(c.app->AuditEntries(admin, 0, 1000));
  for (const auto& e : entries) listed_audited |= e.action == "intake.list_held" && e.outcome == "success";
  CHECK_FALSE(listed_audited);  // a read of records writes no audit noise
}
