// Lifecycle rules on a real SQLCipher store: tiers, cases with deadlines,
// notices, refusals that change nothing, destruction by crypto-shredding.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "appliance/access_register.h"
#include "appliance/approval_repository.h"
#include "appliance/lifecycle/calendar_store.h"
#include "appliance/lifecycle/default_calendar.h"
#include "appliance/lifecycle/lifecycle_json.h"
#include "appliance/lifecycle/lifecycle_report.h"
#include "appliance/lifecycle/lifecycle_service.h"
#include "appliance/lifecycle/register_store.h"
#include "crypto/hash.h"
#include "tests/lifecycle/lifecycle_db_fixture.h"

using namespace qoima;
using namespace qoima::appliance;
using namespace qoima::appliance::lifecycle;

namespace {

CivilDate D(const char* s) { return *CivilDate::Parse(s); }

const LifecycleActor kClerk{"clerk1", "clerk"};
const LifecycleActor kOfficer{"so1", "security_officer"};
const LifecycleActor kAuditor{"aud1", "auditor"};
const LifecycleActor kOfficer2{"so2", "security_officer"};

/// Records what the lifecycle asks of the export path (the real path runs in
/// lifecycle_e2e_test on swtpm); fails the `fail_at`-th export when set.
class RecordingExporter : public HandoverExporter {
 public:
  Result<HandoverBundle> Export(const HandoverExportRequest& r) override {
    requests.push_back(r);
    if (fail_at && requests.size() == *fail_at) return Status::IoError("export medium full");
    HandoverBundle b;
    b.version_no = r.version_no;
    b.deposit_id = r.deposit_id;
    b.approval_id = r.approval_id;
    b.requested_by = "so1";
    b.approved_by = "so2";
    b.export_id = "exp-" + std::to_string(requests.size());
    b.sequence = requests.size();
    b.location = "/out/" + r.bundle_name;
    b.payload_files = 2;
    b.payload_bytes = 10;
    return b;
  }
  void Discard(const HandoverBundle& b) override { discarded.push_back(b.location); }

  std::optional<size_t> fail_at;
  std::vector<HandoverExportRequest> requests;
  std::vector<std::string> discarded;
};

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

/// A security test as the lab reports it: a positive one with its report
/// file (every positive outcome needs one), a negative one with none.
SecurityTestRecord Test(TestOutcome outcome, std::string reference, CivilDate tested_on) {
  SecurityTestRecord r;
  r.outcome = outcome;
  r.reference = std::move(reference);
  r.tested_on = tested_on;
  if (outcome == TestOutcome::kPositive)
    r.reports.push_back({"static-analysis.pdf", "%PDF-1.4 report of " + r.reference});
  return r;
}

struct World {
  testing::LifecycleDb store;
  storage::ManualClock clock{NoonUtcUnix(D("2026-03-02"))};
  WorkingCalendar calendar;
  std::unique_ptr<LifecycleService> svc;
  int64_t so1 = 0, so2 = 0, object = 0;

  World() {
    auto cal = LoadCalendar(store.db());
    REQUIRE(cal.ok());
    calendar = std::move(*cal);
    svc = std::make_unique<LifecycleService>(store.store(), calendar, clock);
    store.AddUser("clerk1");
    so1 = store.AddUser("so1");
    so2 = store.AddUser("so2");
    object = store.AddObject("Е-лицензиялау", "ARCH-0042");
    deposits.push_back(store.AddVersion(object, {{"src/main.cpp", "int main(){}"}, {"bin/қойма", "ELF v1"}}));
    deposits.push_back(store.AddVersion(object, {{"src/main.cpp", "int main(){return 0;}"}, {"bin/қойма", "ELF v2"}}));
  }
  std::vector<int64_t> deposits;

  int64_t Now() const { return clock.NowUnix(); }

  /// An export request of version `version_no` by `requester`, approved by
  /// `approver` unless 0 (appliance's two-person approvals, as `qoima export` keeps them).
  int64_t ExportApproval(int version_no, int64_t requester, int64_t approver) {
    appliance::Actor req{requester, "so", appliance::Role::kSecurityOfficer};
    auto r = appliance::RequestApproval(req, appliance::SensitiveAction::kExport,
                                        "deposit:" + std::to_string(deposits.at(version_no - 1)), "hand-over", Now());
    REQUIRE(r.ok());
    appliance::ApprovalRepository repo(store.db());
    auto id = repo.Insert(*r);
    REQUIRE(id.ok());
    r->id = *id;
    if (approver != 0) {
      REQUIRE(appliance::Approve(*r, {approver, "so", appliance::Role::kSecurityOfficer}, Now()).ok());
      REQUIRE(repo.Update(*r, appliance::ApprovalState::kPending).ok());
    }
    return *id;
  }

  /// so1 asks, so2 approves an export of each version (or `only`); so1 hands over.
  Result<HandoverResult> HandOver(int64_t case_id, HandoverExporter& ex, std::optional<int> only = std::nullopt) {
    std::vector<int64_t> ids;
    for (int v = 1; v <= 2; ++v)
      if (!only || *only == v) ids.push_back(ExportApproval(v, so1, so2));
    return svc->Handover(kOfficer, case_id, ids, ex);
  }

  // Tables a refusal must leave untouched.
  std::string Snapshot() {
    return store.Text(
        "SELECT (SELECT group_concat(id || tier || state, ',') FROM deposits) || '|' || "
        "(SELECT count(*) FROM lifecycle_cases) || '|' || (SELECT count(*) FROM notices) || '|' || "
        "(SELECT count(*) FROM tier_changes) || '|' || (SELECT count(*) FROM security_tests) || '|' || "
        "(SELECT count(*) FROM tombstones) || '|' || (SELECT group_concat(state, ',') FROM approvals) || '|' || "
        "(SELECT count(*) FROM acts)");
  }
};

}  // namespace

TEST_CASE("a positive security test moves a version to the permanent store, audited") {
  World w;
  uint64_t before = w.store.AuditSize();
  REQUIRE(w.svc->RecordTestOutcome(kClerk, w.object, 1, Test(TestOutcome::kPositive, "ST-17", D("2026-02-27"))).ok());
  auto versions = w.svc->Versions(w.object);
  REQUIRE(versions.ok());
  CHECK((*versions)[0].tier == StoreTier::kPermanent);
  CHECK((*versions)[1].tier == StoreTier::kTemporary);
  auto history = w.svc->TierHistory(w.object);
  REQUIRE(history.ok());
  REQUIRE(history->size() == 1);
  CHECK((*history)[0].version_no == 1);
  CHECK((*history)[0].to == "permanent");
  CHECK((*history)[0].reason.find("ST-17") != std::string::npos);
  // The store's own promotion leaf, then the lifecycle's test-outcome leaf.
  CHECK(w.store.AuditSize() == before + 2);
  CHECK(w.store.audit().Entry(before)->action == "deposit.promote");
  auto ev = w.store.audit().Entry(before + 1);
  REQUIRE(ev.ok());
  CHECK(ev->action == "version.test_outcome");
  CHECK(ev->object == "object:" + std::to_string(w.object) + "/version:1");
  CHECK(ev->reason.find("moved from the temporary to the permanent store (003 cl.8)") != std::string::npos);

  // A negative outcome keeps version 2 in the temporary store but is recorded.
  REQUIRE(w.svc->RecordTestOutcome(kClerk, w.object, 2, Test(TestOutcome::kNegative, "ST-18", D("2026-03-02"))).ok());
  CHECK(w.svc->Versions(w.object)->at(1).tier == StoreTier::kTemporary);
  CHECK(w.store.Count("security_tests") == 2);
  CHECK(w.store.Count("tier_changes") == 1);
}

TEST_CASE("a security test keeps its reports byte-exact, its vulnerability list and its comparison table") {
  World w;
  SecurityTestRecord r = Test(TestOutcome::kPositive, "ST-21", D("2026-02-27"));
  r.reports.push_back({"dependencies.json", std::string("{\"deps\": []}\0binary\xff", 20)});
  r.findings = {{1, "SQL injection in the search", "src/search.c", RiskLevel::kHigh},
                {2, "weak hash for tokens", "src/token.c", RiskLevel::kLow}};
  r.remediation = {{1, 1, "prepared statements", true}, {2, 2, "SHA-256", true}};
  uint64_t before = w.store.AuditSize();
  REQUIRE(w.svc->RecordTestOutcome(kClerk, w.object, 1, r).ok());
  CHECK(w.svc->Versions(w.object)->at(0).tier == StoreTier::kPermanent);
  auto tests = w.svc->SecurityTests(w.object);
  REQUIRE(tests.ok());
  REQUIRE(tests->size() == 1);
  const SecurityTestInfo& t = (*tests)[0];
  CHECK(t.outcome == TestOutcome::kPositive);
  CHECK(t.version_no == 1);
  CHECK(t.reference == "ST-21");
  REQUIRE(t.reports.size() == 2);
  CHECK(t.reports[1].name == "dependencies.json");
  CHECK(t.reports[1].size == 20);
  CHECK(t.reports[1].sha256 == crypto::Hex(crypto::Sha256::Digest(r.reports[1].bytes)));
  REQUIRE(t.findings.size() == 2);
  CHECK(t.findings[0].risk == RiskLevel::kHigh);
  CHECK(t.findings[0].path == "src/search.c");
  REQUIRE(t.remediation.size() == 2);
  CHECK(t.remediation[0].finding == 1);
  CHECK(t.remediation[0].fixed);
  // The report's bytes, as given, sealed with the version: not in the
  // database, read back only by an officer or an auditor with a reason,
  // each read in the audit log and the version's access register.
  CHECK(w.store.Count("security_test_reports WHERE content IS NOT NULL OR object_id IS NULL") == 0);
  auto ev = w.store.audit().Entry(before + 1);
  REQUIRE(ev.ok());
  CHECK(ev->action == "version.test_outcome");
  std::string back;
  auto sink = [&](std::span<const uint8_t> b) {
    back.append(reinterpret_cast<const char*>(b.data()), b.size());
    return Status::Ok();
  };
  CHECK(w.svc->ReadTestReport(kClerk, t.id, 2, "check", sink).status().code() == Code::kPermissionDenied);
  CHECK(w.svc->ReadTestReport(kOfficer, t.id, 2, "", sink).status().code() == Code::kInvalidArgument);
  CHECK(w.svc->ReadTestReport(kOfficer, t.id, 3, "check", sink).status().code() == Code::kNotFound);
  CHECK(back.empty());
  const uint64_t reads_from = w.store.AuditSize();
  auto read = w.svc->ReadTestReport(kAuditor, t.id, 2, "half-year audit", sink);
  REQUIRE(read.ok());
  CHECK(read->name == "dependencies.json");
  CHECK(back == r.reports[1].bytes);
  REQUIRE(w.store.AuditSize() == reads_from + 1);
  auto read_ev = w.store.audit().Entry(reads_from);
  REQUIRE(read_ev.ok());
  CHECK(read_ev->action == "test_report.read");
  CHECK(read_ev->actor == "aud1");
  CHECK(read_ev->object.find("/test-report:") != std::string::npos);
  CHECK(read_ev->reason == "half-year audit");
  auto reg = BuildAccessRegister(w.store.store(), w.svc->Versions(w.object)->at(0).deposit_id);
  REQUIRE(reg.ok());
  auto seen = std::find_if(reg->entries.begin(), reg->entries.end(),
                           [](const AccessEntry& e) { return e.action == "test_report.read"; });
  REQUIRE(seen != reg->entries.end());
  CHECK(seen->kind == AccessKind::kRead);
  CHECK(seen->login == "aud1");
  CHECK(seen->item == "dependencies.json");
  // The records never change.
  REQUIRE(ev.ok());
  CHECK(ev->reason.find("2 report file(s), 2 vulnerabilities listed, 2 correction(s)") != std::string::npos);
  CHECK_FALSE(w.store.db().Exec("UPDATE security_test_findings SET risk = 'low';").ok());
  CHECK_FALSE(w.store.db().Exec("UPDATE security_test_reports SET name = 'x';").ok());
}

TEST_CASE("a positive outcome without its reports or with a vulnerability not fixed moves nothing") {
  World w;
  std::string snap = w.Snapshot();
  uint64_t audit = w.store.AuditSize();
  SecurityTestRecord no_report = Test(TestOutcome::kPositive, "ST-22", D("2026-02-27"));
  no_report.reports.clear();
  Status s = w.svc->RecordTestOutcome(kClerk, w.object, 1, no_report);
  CHECK(s.code() == Code::kFailedPrecondition);
  CHECK(s.message().find("needs the test report(s) attached") != std::string::npos);
  CHECK(s.message().find("version 1 of object") != std::string::npos);

  SecurityTestRecord open = Test(TestOutcome::kPositive, "ST-23", D("2026-02-27"));
  open.findings = {{1, "hard-coded password", "src/auth.c", RiskLevel::kHigh},
                   {2, "debug endpoint", "src/debug.c", RiskLevel::kMedium}};
  open.remediation = {{1, 1, "moved to the vault", true}, {2, 2, "left for the next release", false}};
  s = w.svc->RecordTestOutcome(kClerk, w.object, 1, open);
  CHECK(s.code() == Code::kFailedPrecondition);
  CHECK(s.message().find("vulnerability 2 (medium, src/debug.c) is not") != std::string::npos);

  SecurityTestRecord stray = Test(TestOutcome::kNegative, "ST-24", D("2026-02-27"));
  stray.remediation = {{1, 3, "a row for nothing", true}};
  CHECK(w.svc->RecordTestOutcome(kClerk, w.object, 1, stray).code() == Code::kInvalidArgument);

  CHECK(w.svc->Versions(w.object)->at(0).tier == StoreTier::kTemporary);
  CHECK(w.Snapshot() == snap);
  CHECK(w.store.AuditSize() == audit);
  CHECK(w.store.Count("security_tests") == 0);
  CHECK(w.store.Count("security_test_reports") == 0);
}

TEST_CASE("a negative outcome is recorded with its findings and the version can never be made permanent by it") {
  World w;
  SecurityTestRecord neg = Test(TestOutcome::kNegative, "ST-25", D("2026-02-27"));
  neg.reports.push_back({"manual-analysis.pdf", "%PDF-1.4 manual"});
  neg.findings = {{1, "backdoor in the updater", "src/update.c", RiskLevel::kHigh}};
  REQUIRE(w.svc->RecordTestOutcome(kClerk, w.object, 1, neg).ok());
  CHECK(w.svc->Versions(w.object)->at(0).tier == StoreTier::kTemporary);
  CHECK(w.store.Count("tier_changes") == 0);
  CHECK(w.store.Count("security_test_findings") == 1);
  // The version stays temporary until a positive test says otherwise, with
  // the vulnerability fixed in its comparison table.
  SecurityTestRecord claimed = Test(TestOutcome::kPositive, "ST-26", D("2026-03-02"));
  claimed.findings = neg.findings;
  CHECK(w.svc->RecordTestOutcome(kClerk, w.object, 1, claimed).code() == Code::kFailedPrecondition);
  CHECK(w.svc->Versions(w.object)->at(0).tier == StoreTier::kTemporary);
  claimed.remediation = {{1, 1, "updater removed", true}};
  REQUIRE(w.svc->RecordTestOutcome(kClerk, w.object, 1, claimed).ok());
  CHECK(w.svc->Versions(w.object)->at(0).tier == StoreTier::kPermanent);
  CHECK(w.store.Count("security_tests") == 2);
}

TEST_CASE("a findings file is read within its limits and a fault names its field") {
  auto ok = ParseTestFindings(
      R"({"vulnerabilities": [{"description": "XSS", "path": "web/a.js", "risk": "medium"}],
          "remediation": [{"vulnerability": 1, "correction": "escaped", "fixed": true}]})",
      "f.json");
  REQUIRE(ok.ok());
  REQUIRE(ok->findings.size() == 1);
  CHECK(ok->findings[0].risk == RiskLevel::kMedium);
  CHECK(ok->remediation[0].fixed);
  CHECK(ParseTestFindings("{}", "f.json")->findings.empty());
  auto said = [](std::string_view text) { return ParseTestFindings(text, "f.json").status().message(); };
  CHECK(said(R"({"vulnerabilities": [{"description": "x", "path": "p", "risk": "severe"}]})") ==
        "f.json: vulnerabilities[1].risk: 'severe' is not high, medium or low");
  CHECK(said(R"({"vulnerabilities": [{"description": "x", "risk": "low"}]})") ==
        "f.json: vulnerabilities[1].path: a text is required");
  CHECK(said(R"({"remediation": [{"vulnerability": 1, "correction": "c", "fixed": true}]})")
            .find("remediation[1].vulnerability") != std::string::npos);
  CHECK(said(R"({"vulns": []})").find("vulns: unknown field") != std::string::npos);
  CHECK(said("[[[[[]]]]]").find("nested deeper") != std::string::npos);
  CHECK(said("not json") == "f.json: not JSON");
  CHECK(ParseTestFindings(std::string(kMaxTestFindingsBytes + 1, ' '), "f.json").status().code() ==
        Code::kLimitExceeded);
}

TEST_CASE("test-outcome refusals are clear and change nothing") {
  World w;
  REQUIRE(w.svc->RecordTestOutcome(kClerk, w.object, 1, Test(TestOutcome::kPositive, "ST-17", D("2026-02-27"))).ok());
  std::string snap = w.Snapshot();
  uint64_t audit = w.store.AuditSize();

  auto again = w.svc->RecordTestOutcome(kClerk, w.object, 1, Test(TestOutcome::kPositive, "ST-19", D("2026-03-02")));
  CHECK(again.code() == Code::kFailedPrecondition);
  CHECK(again.message().find("version 1 of object") != std::string::npos);
  CHECK(again.message().find("not the temporary store") != std::string::npos);

  auto missing = w.svc->RecordTestOutcome(kClerk, w.object, 9, Test(TestOutcome::kPositive, "ST-20", D("2026-03-02")));
  CHECK(missing.code() == Code::kNotFound);
  CHECK(missing.message().find("has no version 9") != std::string::npos);

  CHECK(w.svc->RecordTestOutcome(kClerk, 999, 1, Test(TestOutcome::kPositive, "ST", D("2026-03-02"))).code() ==
        Code::kNotFound);
  CHECK(w.svc->RecordTestOutcome(kAuditor, w.object, 2, Test(TestOutcome::kPositive, "ST", D("2026-03-02"))).code() ==
        Code::kPermissionDenied);
  CHECK(w.svc->RecordTestOutcome(kClerk, w.object, 2, Test(TestOutcome::kPositive, "", D("2026-03-02"))).code() ==
        Code::kInvalidArgument);
  CHECK(w.svc->RecordTestOutcome(kClerk, w.object, 2, Test(TestOutcome::kPositive, "ST", D("2026-03-03"))).code() ==
        Code::kInvalidArgument);  // tomorrow
  CHECK(w.Snapshot() == snap);
  CHECK(w.store.AuditSize() == audit);
}

TEST_CASE("issue request: due in 3 working days with a notice, listed as due-soon then overdue") {
  World w;
  w.clock.Set(NoonUtcUnix(D("2026-03-20")));
  auto c = w.svc->OpenCase(kClerk, w.object, CaseKind::kIssue, D("2026-03-20"), "вх-115");
  INFO(c.status().ToString());
  REQUIRE(c.ok());
  CHECK(c->due_on.ToString() == "2026-03-30");  // Nauryz 21-23 and carried 24-25 March skipped
  auto notices = w.svc->Notices();
  REQUIRE(notices->size() == 1);
  CHECK((*notices)[0].kind == "issue");
  CHECK((*notices)[0].due_on->ToString() == "2026-03-30");
  CHECK((*notices)[0].case_id == c->id);

  w.clock.Set(NoonUtcUnix(D("2026-03-26")));
  auto due = w.svc->Due(2);
  REQUIRE(due.ok());
  REQUIRE(due->size() == 2);  // the case and its notice
  CHECK((*due)[0].status == DueStatus::kDueSoon);
  CHECK((*due)[0].working_days_left == 2);  // 27 and 30 March
  CHECK((*due)[0].clause == "003 cl.29");

  w.clock.Set(NoonUtcUnix(D("2026-04-01")));
  due = w.svc->Due(2);
  CHECK((*due)[0].status == DueStatus::kOverdue);
  CHECK((*due)[0].working_days_left == -2);  // 31 March, 1 April

  RecordingExporter ex;
  auto done = w.HandOver(c->id, ex);
  INFO(done.status().ToString());
  REQUIRE(done.ok());
  CHECK(done->closed.done);
  CHECK(done->closed.result_ref == "bundle exp-1, exp-2");
  REQUIRE(done->bundles.size() == 2);  // every stored version
  CHECK(ex.requests[0].bundle_name == "qoima-issue-case" + std::to_string(c->id) + "-v1.tar");
  CHECK(ex.requests[1].deposit_id == w.deposits[1]);
  CHECK_FALSE(done->return_act.has_value());
  auto done_again = w.HandOver(c->id, ex);
  CHECK(done_again.status().code() == Code::kFailedPrecondition);
  CHECK(done_again.status().message().find("was completed on 2026-04-01") != std::string::npos);
  auto ev = w.store.audit().Entry(w.store.AuditSize() - 1);
  CHECK(ev->action == "lifecycle.issue.done");
  CHECK(ev->reason.find("LATE by 2 working day(s)") != std::string::npos);
  CHECK(ev->reason.find("requested by so1, approved by so2") != std::string::npos);
  CHECK(w.svc->HandoverReason(c->id)->find("issue on request (003 cl.29)") != std::string::npos);
  CHECK(w.svc->Notices()->at(0).export_ref == "exp-1, exp-2");  // the notice names what was issued

  // The notice stays due until it is recorded as sent.
  due = w.svc->Due(2);
  REQUIRE(due->size() == 1);
  CHECK(due->at(0).ref == "notice:" + std::to_string((*notices)[0].id));
  REQUIRE(w.svc->MarkNoticeSent(kClerk, (*notices)[0].id, D("2026-04-01"), "export-2026-0009").ok());
  CHECK(w.svc->Notices()->at(0).export_ref == "exp-1, exp-2; sent in export-2026-0009");
  CHECK(w.svc->Due(2)->empty());
  CHECK(w.svc->MarkNoticeSent(kClerk, (*notices)[0].id, D("2026-04-01"), "x").code() == Code::kFailedPrecondition);
}

TEST_CASE("requests for unknown or destroyed objects and destruction refusals change nothing") {
  World w;
  w.clock.Set(NoonUtcUnix(D("2026-04-01")));
  std::string snap = w.Snapshot();
  auto unknown = w.svc->FindObject("ARCH-9999");
  CHECK(unknown.status().code() == Code::kNotFound);
  CHECK(w.svc->OpenCase(kClerk, 999, CaseKind::kIssue, D("2026-04-01"), "x").status().code() == Code::kNotFound);

  // Destruction before the decommissioning notice is refused (003 cl.30-33 order).
  auto early = w.svc->OpenCase(kClerk, w.object, CaseKind::kDestroy, D("2026-04-01"), "arch-1");
  CHECK(early.status().code() == Code::kFailedPrecondition);
  CHECK(early.status().message().find("record the return first") != std::string::npos);
  CHECK(w.Snapshot() == snap);

  auto ret = w.svc->OpenCase(kClerk, w.object, CaseKind::kReturn, D("2026-04-01"), "вх-200");
  REQUIRE(ret.ok());
  CHECK(ret->due_on.ToString() == "2026-04-06");
  CHECK(w.svc->FindObject("ARCH-0042")->operation_ended_at == "2026-04-01");
  // The return is open: nothing may be destroyed before the code is handed back (003 cl.30-33).
  snap = w.Snapshot();
  auto while_open = w.svc->OpenCase(kClerk, w.object, CaseKind::kDestroy, D("2026-04-01"), "arch-1");
  CHECK(while_open.status().code() == Code::kFailedPrecondition);
  CHECK(while_open.status().message().find("the return to the owner (003 cl.30), case " + std::to_string(ret->id) +
                                           " (letter вх-200, due 2026-04-06), is still open") != std::string::npos);
  CHECK(w.Snapshot() == snap);
  RecordingExporter ex;
  REQUIRE(w.HandOver(ret->id, ex).ok());
  auto destroy = w.svc->OpenCase(kClerk, w.object, CaseKind::kDestroy, D("2026-04-01"), "arch-1");
  REQUIRE(destroy.ok());
  CHECK(destroy->due_on.ToString() == "2026-04-15");  // 10 working days
  CHECK(w.svc->OpenCase(kClerk, w.object, CaseKind::kDestroy, D("2026-04-01"), "arch-2").status().code() ==
        Code::kAlreadyExists);

  snap = w.Snapshot();
  uint64_t audit = w.store.AuditSize();
  // Only one person so far: requested, not approved.
  int64_t pending =
      w.store.AddApproval("destroy", "object:" + std::to_string(w.object), w.so1, std::nullopt, "requested");
  snap = w.Snapshot();
  auto r1 = w.svc->Destroy(kOfficer, destroy->id, pending);
  CHECK(r1.status().code() == Code::kPermissionDenied);
  CHECK(r1.status().message().find("needs a second security officer's approval") != std::string::npos);
  // Approved, but for another object.
  int64_t other = w.store.AddApproval("destroy", "object:777", w.so1, w.so2, "approved");
  snap = w.Snapshot();
  auto r2 = w.svc->Destroy(kOfficer, destroy->id, other);
  CHECK(r2.status().code() == Code::kPermissionDenied);
  CHECK(r2.status().message().find("not for 'destroy object:") != std::string::npos);
  auto r3 = w.svc->Destroy(kOfficer, destroy->id, 4242);
  CHECK(r3.status().code() == Code::kPermissionDenied);
  auto r4 = w.svc->Destroy(kClerk, destroy->id, other);
  CHECK(r4.status().code() == Code::kPermissionDenied);
  CHECK(w.Snapshot() == snap);
  // Each refused attempt is in the audit log as denied, and nothing else is.
  REQUIRE(w.store.AuditSize() == audit + 4);
  for (uint64_t i = audit; i < audit + 4; ++i) CHECK(w.store.audit().Entry(i)->outcome == "denied");
  CHECK(w.store.Count("deposits WHERE state = 'committed' AND wrapped_key IS NOT NULL") == 2);
}

TEST_CASE("a destruction needs two independent officers: not one officer and an account that officer made") {
  World w;
  w.clock.Set(NoonUtcUnix(D("2026-04-01")));
  auto returned = w.svc->OpenCase(kClerk, w.object, CaseKind::kReturn, D("2026-03-25"), "вх-200");
  REQUIRE(returned.ok());
  RecordingExporter return_exporter;
  REQUIRE(w.HandOver(returned->id, return_exporter).ok());  // returned before it is destroyed (003 cl.30-33)
  auto destroy = w.svc->OpenCase(kClerk, w.object, CaseKind::kDestroy, D("2026-04-01"), "arch-1");
  REQUIRE(destroy.ok());
  const int64_t so3 = w.store.AddUser("so3");
  const LifecycleActor so2{"so2", "security_officer"};
  const LifecycleActor so3_actor{"so3", "security_officer"};
  // Ten days ago so1 asked for so2's account and so3 approved it.
  REQUIRE(w.store.db()
              .Exec("INSERT INTO user_changes(user_id, kind, role_after, requested_by, approved_by, approval_id, at) "
                    "VALUES(" +
                    std::to_string(w.so2) + ", 'create', 'security_officer', " + std::to_string(w.so1) + ", " +
                    std::to_string(so3) + ", NULL, '2026-03-22T10:00:00Z')")
              .ok());
  auto ap = w.svc->RequestDestruction(kOfficer, destroy->id);
  REQUIRE(ap.ok());
  Status by_puppet = w.svc->ApproveDestruction(so2, *ap);
  CHECK(by_puppet.code() == Code::kPermissionDenied);
  CHECK(by_puppet.message().find("'so1' and 'so2' are not two independent persons: 'so1' asked for the creation of "
                                 "'so2' on 2026-03-22T10:00:00Z") != std::string::npos);
  CHECK(w.store.Text("SELECT state FROM approvals WHERE id = " + std::to_string(*ap)) == "requested");
  // so3 approved so2's creation but made nothing of so1's: the two are independent.
  REQUIRE(w.svc->ApproveDestruction(so3_actor, *ap).ok());

  // An approval row that pairs so1 with so2 is refused when the code would be destroyed.
  int64_t paired = w.store.AddApproval("destroy", "object:" + std::to_string(w.object), w.so1, w.so2, "approved");
  std::string snap = w.Snapshot();
  auto refused = w.svc->Destroy(kOfficer, destroy->id, paired);
  CHECK(refused.status().code() == Code::kPermissionDenied);
  CHECK(refused.status().message().find("are not two independent persons") != std::string::npos);
  CHECK(w.Snapshot() == snap);
  CHECK(w.store.audit().Entry(w.store.AuditSize() - 1)->outcome == "denied");
  // Thirty days after the change they are independent again.
  w.clock.Set(NoonUtcUnix(D("2026-04-22")));
  auto done = w.svc->Destroy(kOfficer, destroy->id, paired);
  INFO(done.status().ToString());
  CHECK(done.ok());
}

TEST_CASE("destruction crypto-shreds every version, lists what was destroyed, and refuses a second time") {
  World w;
  w.clock.Set(NoonUtcUnix(D("2026-04-01")));
  REQUIRE(w.svc->RecordTestOutcome(kClerk, w.object, 1, Test(TestOutcome::kPositive, "ST-17", D("2026-03-02"))).ok());
  auto returned = w.svc->OpenCase(kClerk, w.object, CaseKind::kReturn, D("2026-03-25"), "вх-200");
  REQUIRE(returned.ok());
  RecordingExporter return_exporter;
  REQUIRE(w.HandOver(returned->id, return_exporter).ok());  // returned before it is destroyed (003 cl.30-33)
  auto destroy = w.svc->OpenCase(kClerk, w.object, CaseKind::kDestroy, D("2026-04-01"), "arch-1");
  REQUIRE(destroy.ok());
  // The two-person rule through the service: so1 requests, so1 cannot approve, so2 approves.
  const LifecycleActor so2{"so2", "security_officer"};
  auto ap_r = w.svc->RequestDestruction(kOfficer, destroy->id);
  REQUIRE(ap_r.ok());
  int64_t ap = *ap_r;
  CHECK(w.svc->ApproveDestruction(kOfficer, ap).code() == Code::kPermissionDenied);
  CHECK(w.svc->ApproveDestruction(kClerk, ap).code() == Code::kPermissionDenied);
  REQUIRE(w.svc->ApproveDestruction(so2, ap).ok());
  CHECK(w.svc->ApproveDestruction(so2, ap).code() == Code::kFailedPrecondition);
  std::vector<int64_t> deposits = {std::stoll(w.store.Text("SELECT min(id) FROM deposits")),
                                   std::stoll(w.store.Text("SELECT max(id) FROM deposits"))};
  std::string sealed = w.store.Text("SELECT name FROM packs LIMIT 1");  // the pack file holding it
  REQUIRE(Exists(w.store.state_dir() + "/objects/" + sealed.substr(0, 2) + "/" + sealed));
  REQUIRE(w.store.Count("objects") == 5);  // four files and the test's report, sealed with version 1
  std::string report_pack = w.store.Text(
      "SELECT p.name FROM security_test_reports r JOIN objects o ON o.id = "
      "r.object_id JOIN packs p ON p.id = o.pack_id");
  REQUIRE(Exists(w.store.state_dir() + "/objects/" + report_pack.substr(0, 2) + "/" + report_pack));

  w.clock.Set(NoonUtcUnix(D("2026-04-03")));
  auto act = w.svc->Destroy(kOfficer, destroy->id, ap);
  INFO(act.status().ToString());
  REQUIRE(act.ok());
  CHECK(act->act_number == "DESTR-2026-" + std::to_string(destroy->id));
  CHECK(act->requested_by == "so1");
  CHECK(act->approved_by == "so2");
  REQUIRE(act->versions.size() == 2);
  CHECK(act->versions[0].tier == "permanent");
  CHECK(act->versions[1].tier == "temporary");
  REQUIRE(act->versions[0].files.size() == 2);
  CHECK(act->versions[0].files[0].path == "bin/қойма");
  CHECK(act->versions[0].files[0].size == 6);
  CHECK(act->versions[0].files[0].sha256_hex == crypto::Hex(crypto::Sha256::Digest("ELF v1")));
  CHECK(act->checkpoint_tree_size == w.store.AuditSize());
  CHECK(act->checkpoint_root_hex.size() == 64);

  // Nothing readable: keys erased, deposits are tombstones, objects gone, reads refused.
  CHECK(w.store.Count("deposits WHERE wrapped_key IS NOT NULL") == 0);
  CHECK(w.store.Count("deposits WHERE state = 'destroyed'") == 2);
  CHECK(w.store.Count("tombstones WHERE approval_id = " + std::to_string(ap)) == 2);
  CHECK(w.store.Count("objects") == 0);
  CHECK_FALSE(Exists(w.store.state_dir() + "/objects/" + sealed.substr(0, 2) + "/" + sealed));
  // The test's report went with its version; its name, size and SHA-256 stay.
  CHECK_FALSE(Exists(w.store.state_dir() + "/objects/" + report_pack.substr(0, 2) + "/" + report_pack));
  CHECK(w.store.Count("security_test_reports") == 1);
  auto shredded = w.svc->ReadTestReport(kOfficer, w.svc->SecurityTests(w.object)->at(0).id, 1, "after destruction",
                                        [](std::span<const uint8_t>) { return Status::Ok(); });
  CHECK(shredded.status().code() == Code::kFailedPrecondition);
  CHECK(w.svc->SecurityTests(w.object)->at(0).reports.at(0).destroyed);
  for (int64_t d : deposits) CHECK_FALSE(w.store.store().OpenDeposit(d, {"so1", "security_officer"}, "test").ok());
  CHECK(w.store.Count("approvals WHERE state = 'used'") == 1);
  CHECK(w.store.Count("acts WHERE kind = 'destruction' AND checkpoint_size IS NOT NULL") == 1);
  auto verify = w.store.store().VerifyAudit();
  REQUIRE(verify.ok());
  CHECK(verify->ok());

  // A second destruction and any request for the destroyed object are refused.
  std::string snap = w.Snapshot();
  auto again = w.svc->Destroy(kOfficer, destroy->id, ap);
  CHECK(again.status().code() == Code::kFailedPrecondition);
  CHECK(again.status().message().find("already destroyed") != std::string::npos);
  auto issue = w.svc->OpenCase(kClerk, w.object, CaseKind::kIssue, D("2026-04-03"), "вх-300");
  CHECK(issue.status().code() == Code::kFailedPrecondition);
  CHECK(issue.status().message().find("has been destroyed") != std::string::npos);
  CHECK(w.svc->OpenCase(kClerk, w.object, CaseKind::kDestroy, D("2026-04-03"), "a").status().code() ==
        Code::kFailedPrecondition);
  CHECK(w.svc->RecordTestOutcome(kClerk, w.object, 2, Test(TestOutcome::kPositive, "ST", D("2026-04-03"))).code() ==
        Code::kFailedPrecondition);
  CHECK(w.Snapshot() == snap);
}

TEST_CASE("calendar imports are versioned with their source, a bad file stores nothing") {
  testing::LifecycleDb store;
  LifecycleActor admin{"admin1", "admin"};
  std::string y2026 =
      "qoima-calendar | 1\nyear | 2026 | Government decree (test)\n"
      "holiday | 2026-01-01 | New Year\nworkday | 2026-01-03 | worked Saturday | decree No. 1 (test)\n"
      "day-off | 2026-01-09 | moved from 3 January | decree No. 1 (test)\nend | 2026\n";
  auto first = ImportCalendar(store.db(), store.audit(), admin, y2026, "kz-2026.cal", "decree No. 1 (test)",
                              "2026-01-02T08:00:00Z");
  REQUIRE(first.ok());
  REQUIRE(first->size() == 1);
  CHECK((*first)[0].version == 1);
  auto second = ImportCalendar(store.db(), store.audit(), admin, y2026, "kz-2026b.cal", "decree No. 2 (test)",
                               "2026-01-03T08:00:00Z");
  REQUIRE(second.ok());
  CHECK((*second)[0].version == 2);

  std::vector<CalendarImportInfo> in_force;
  auto cal = LoadCalendar(store.db(), &in_force);
  REQUIRE(cal.ok());
  CHECK(cal->IsWorkingDay(D("2026-01-03")).value());  // imported transfer in force
  CHECK_FALSE(cal->IsWorkingDay(D("2026-01-09")).value());
  CHECK(cal->IsWorkingDay(D("2026-01-07")).value());        // the imported 2026 omits Christmas: the file rules
  CHECK_FALSE(cal->IsWorkingDay(D("2027-01-07")).value());  // 2027 still from the built-in default
  REQUIRE(in_force.size() == 2);
  CHECK(in_force[0].version == 2);
  CHECK(in_force[0].source == "decree No. 2 (test)");
  CHECK(in_force[1].version == 0);

  uint64_t audit = store.AuditSize();
  auto bad = ImportCalendar(store.db(), store.audit(), admin, "qoima-calendar | 1\nyear | 2028 | s\n", "bad.cal", "s",
                            "2026-01-04T08:00:00Z");
  CHECK(bad.status().message().find("bad.cal") != std::string::npos);
  CHECK(ImportCalendar(store.db(), store.audit(), admin, y2026, "x.cal", "", "t").status().code() ==
        Code::kInvalidArgument);
  CHECK(store.Count("calendar_imports") == 2);
  CHECK(store.AuditSize() == audit);
  CHECK(CalendarHistory(store.db())->size() == 2);
}

TEST_CASE("register snapshots import, load back and show their age") {
  testing::LifecycleDb store;
  LifecycleActor clerk{"clerk1", "clerk"};
  std::string text =
      "qoima-register | 1\nsnapshot | 2026-11-01 | register export\n"
      "entry | 1 | «Қазақ Софт» ЖШС | 123456789012 | Құжат айналымы | 58.29; 62.01 | goods | 1.2 | - | 17 | "
      "2025-03-14 | included | - | Астана\nend | 1\n";
  auto info = ImportRegisterSnapshot(store.db(), store.audit(), clerk, text, "reg.txt", "2026-11-20T08:00:00Z");
  REQUIRE(info.ok());
  RegisterImportInfo loaded_info;
  auto snap = LoadLatestRegisterSnapshot(store.db(), &loaded_info);
  REQUIRE(snap.ok());
  REQUIRE(snap->has_value());
  CHECK((*snap)->entries.at(0).catalogue_codes == std::vector<std::string>{"58.29", "62.01"});
  CHECK((*snap)->AgeDays(D("2026-11-26")) == 25);
  auto look = LookUpProduct(**snap, "құжат", RegisterTrack::kApplication, D("2026-11-26"));
  CHECK(look.matches.size() == 1);
  CHECK(ImportRegisterSnapshot(store.db(), store.audit(), clerk, "junk", "junk.txt", "t").status().code() ==
        Code::kInvalidArgument);
  CHECK(store.Count("register_snapshots") == 1);
}

TEST_CASE("half-year and information reports count what happened in the period") {
  World w;
  int64_t clerk = w.store.AddUser("clerk2");
  REQUIRE(w.store.db()
              .Exec("INSERT INTO applications(number, object_id, applicant, software_name, received_at) VALUES "
                    "('A-1', " +
                    std::to_string(w.object) +
                    ", 'Ministry', 'Е-лицензиялау', '2026-02-10T09:00:00Z'),"
                    "('A-2', " +
                    std::to_string(w.object) +
                    ", 'Ministry', 'Е-лицензиялау 2', '2026-07-01T09:00:00Z');"
                    "INSERT INTO decisions(application_id, kind, decided_by, decided_at) VALUES (1, 'accept', " +
                    std::to_string(clerk) +
                    ", '2026-02-12T09:00:00Z');"
                    "INSERT INTO decisions(application_id, kind, refusal_reason, reason_text, decided_by, decided_at) "
                    "VALUES (1, 'refuse', 2, 'file list differs', " +
                    std::to_string(clerk) + ", '2026-03-02T09:00:00Z');")
              .ok());
  w.clock.Set(NoonUtcUnix(D("2026-03-20")));
  auto issue = w.svc->OpenCase(kClerk, w.object, CaseKind::kIssue, D("2026-03-20"), "вх-115");
  REQUIRE(issue.ok());
  w.clock.Set(NoonUtcUnix(D("2026-04-01")));
  RecordingExporter ex;
  REQUIRE(w.HandOver(issue->id, ex, 2).ok());  // due 30 March: late
  w.clock.Set(NoonUtcUnix(D("2026-06-26")));
  REQUIRE(w.svc->OpenCase(kClerk, w.object, CaseKind::kReturn, D("2026-06-26"), "вх-200").ok());  // due 1 July

  w.clock.Set(NoonUtcUnix(D("2026-06-30")));
  CHECK(BuildHalfYearReport(w.store.db(), *w.svc, w.calendar, 2026, 1, D("2026-06-30")).status().code() ==
        Code::kInvalidArgument);
  w.clock.Set(NoonUtcUnix(D("2026-07-02")));
  auto r = BuildHalfYearReport(w.store.db(), *w.svc, w.calendar, 2026, 1, D("2026-07-02"));
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  CHECK(r->due_on.ToString() == "2026-07-10");
  CHECK(r->applications.size() == 1);  // A-2 arrived in July
  CHECK(r->acceptances.size() == 1);
  REQUIRE(r->refusals.size() == 1);
  CHECK(r->refusals[0].detail.find("based on the former 146/НҚ cl.16(2)") != std::string::npos);
  CHECK(r->refusals[0].detail.find("001 cl.") == std::string::npos);
  CHECK(r->refusals[0].detail.find("file list differs") != std::string::npos);
  REQUIRE(r->issues.size() == 1);
  CHECK(r->issues[0].detail.find("done 2026-04-01 (bundle exp-1)") != std::string::npos);
  // The return was received in the period but not done: listed as open, never as returned.
  CHECK(r->returns.empty());
  REQUIRE(r->open_requests.size() == 1);
  CHECK(r->open_requests[0].case_kind == "return");
  CHECK(r->open_requests[0].done_on.empty());
  CHECK(r->issues[0].done_on == "2026-04-01");
  CHECK(r->destructions.empty());
  CHECK(r->completed_late.size() == 1);
  // The issue's notice (due 30 March) was never sent; the return (due 1 July) falls after the period.
  REQUIRE(r->overdue.size() == 1);
  CHECK(r->overdue[0].ref.rfind("notice:", 0) == 0);
  CHECK(r->overdue[0].due_on.ToString() == "2026-03-30");
  auto j = ToJson(*r);
  CHECK(j["counts"]["refusals"] == 1);

  // `due` lists the report of the ended half-year until its notice is recorded, then the notice.
  auto has = [&](const std::string& ref_prefix) {
    auto due = w.svc->Due(2);
    REQUIRE(due.ok());
    return std::any_of(due->begin(), due->end(), [&](const DueItem& d) { return d.ref.rfind(ref_prefix, 0) == 0; });
  };
  CHECK(has("report:2026/1"));
  auto notice = w.svc->RecordHalfYearReportNotice(kClerk, 2026, 1);
  REQUIRE(notice.ok());
  CHECK(w.svc->RecordHalfYearReportNotice(kClerk, 2026, 1).value() == *notice);  // once
  CHECK_FALSE(has("report:2026/1"));
  CHECK(has("notice:" + std::to_string(*notice)));
  REQUIRE(w.svc->MarkNoticeSent(kClerk, *notice, D("2026-07-02"), "EXP-7").ok());
  CHECK_FALSE(has("notice:" + std::to_string(*notice)));

  auto info = BuildInformationReport(w.store.db(), *w.svc, "", "letter 5", D("2026-07-02"));
  REQUIRE(info.ok());
  CHECK(info->objects.size() == 1);
  CHECK(info->versions_temporary == 2);
  CHECK(info->total_files == 4);
  CHECK(ToJson(*info)["clause"] == "003 cl.34");
}

TEST_CASE("an interrupted destruction completes when run again, with the same act") {
  World w;
  w.clock.Set(NoonUtcUnix(D("2026-04-01")));
  auto returned = w.svc->OpenCase(kClerk, w.object, CaseKind::kReturn, D("2026-03-25"), "вх-200");
  REQUIRE(returned.ok());
  RecordingExporter return_exporter;
  REQUIRE(w.HandOver(returned->id, return_exporter).ok());  // returned before it is destroyed (003 cl.30-33)
  auto destroy = w.svc->OpenCase(kClerk, w.object, CaseKind::kDestroy, D("2026-04-01"), "arch-1");
  REQUIRE(destroy.ok());
  int64_t ap = w.store.AddApproval("destroy", "object:" + std::to_string(w.object), w.so1, w.so2, "approved");
  int64_t second = std::stoll(w.store.Text("SELECT max(id) FROM deposits"));
  // A fault in the middle: the store cannot shred the second version.
  REQUIRE(w.store.db()
              .Exec("CREATE TEMP TRIGGER fail_shred BEFORE UPDATE OF state ON deposits WHEN OLD.id = " +
                    std::to_string(second) + " BEGIN SELECT RAISE(ABORT, 'injected fault'); END;")
              .ok());
  auto first = w.svc->Destroy(kOfficer, destroy->id, ap);
  REQUIRE_FALSE(first.ok());
  CHECK(first.status().message().find("run it again to finish") != std::string::npos);
  CHECK(w.store.Count("deposits WHERE state = 'destroyed'") == 1);
  CHECK(w.store.Count("lifecycle_cases WHERE kind = 'destroy' AND state = 'open'") == 1);
  CHECK(w.store.Count("approvals WHERE state = 'approved' AND action = 'destroy'") == 1);

  REQUIRE(w.store.db().Exec("DROP TRIGGER fail_shred;").ok());
  auto done = w.svc->Destroy(kOfficer, destroy->id, ap);
  INFO(done.status().ToString());
  REQUIRE(done.ok());
  REQUIRE(done->versions.size() == 2);  // the act written before the fault, both versions listed
  CHECK(done->versions[0].files.size() == 2);
  CHECK(done->versions[1].files.size() == 2);
  CHECK(w.store.Count("deposits WHERE state = 'destroyed'") == 2);
  CHECK(w.store.Count("acts WHERE kind = 'destruction'") == 1);
  CHECK(w.store.Count("lifecycle_cases WHERE kind = 'destroy' AND state = 'done'") == 1);
  CHECK(w.store.store().VerifyAudit()->ok());
}

TEST_CASE("a hand-over needs an approved export per version, refusals are audited and change nothing") {
  World w;
  w.clock.Set(NoonUtcUnix(D("2026-04-01")));
  auto c = w.svc->OpenCase(kClerk, w.object, CaseKind::kIssue, D("2026-04-01"), "вх-7");
  REQUIRE(c.ok());
  int64_t other_object = w.store.AddObject("Е-салық", "ARCH-0043");
  w.store.AddVersion(other_object, {{"a.txt", "a"}});
  RecordingExporter ex;
  int64_t pending = w.ExportApproval(1, w.so1, 0);
  int64_t approved = w.ExportApproval(1, w.so1, w.so2);
  std::string snap = w.Snapshot();
  uint64_t audit_before = w.store.AuditSize();
  auto refused = [&](const LifecycleActor& who, std::vector<int64_t> ids, const std::string& text) {
    auto r = w.svc->Handover(who, c->id, ids, ex);
    INFO(r.status().ToString());
    CHECK(r.status().code() == Code::kPermissionDenied);
    CHECK(r.status().message().find(text) != std::string::npos);
  };
  refused(kClerk, {approved}, "may not do this");
  refused(kOfficer, {}, "name the approved export request");
  refused(kOfficer, {pending}, "second security officer");
  refused(kOfficer, {approved, approved}, "named twice");
  refused(kOfficer, {999}, "approval 999");
  w.store.AddUser("so3");
  refused({"so3", "security_officer"}, {approved}, "two other officers");
  // An export approved for another object's deposit.
  appliance::Actor so1{w.so1, "so1", appliance::Role::kSecurityOfficer};
  auto foreign = appliance::RequestApproval(so1, appliance::SensitiveAction::kExport, "deposit:3", "x", w.Now());
  REQUIRE(foreign.ok());
  appliance::ApprovalRepository repo(w.store.db());
  foreign->id = *repo.Insert(*foreign);
  REQUIRE(appliance::Approve(*foreign, {w.so2, "so2", appliance::Role::kSecurityOfficer}, w.Now()).ok());
  REQUIRE(repo.Update(*foreign, appliance::ApprovalState::kPending).ok());
  refused(kOfficer, {foreign->id}, "not a stored version of object");
  CHECK(ex.requests.empty());
  CHECK(w.store.AuditSize() == audit_before + 7);  // every refusal recorded as denied
  CHECK(w.store.audit().Entry(audit_before)->outcome == "denied");
  CHECK(w.store.audit().Entry(audit_before)->action == "lifecycle.issue.run");
  snap = w.Snapshot();

  // The export of version 2 fails: version 1's bundle is removed, the case stays open.
  ex.fail_at = 2;
  int64_t v2 = w.ExportApproval(2, w.so1, w.so2);
  snap = w.Snapshot();
  auto failed = w.svc->Handover(kOfficer, c->id, {v2, approved}, ex);
  CHECK(failed.status().code() == Code::kIoError);
  CHECK(failed.status().message().find("export medium full") != std::string::npos);
  CHECK(failed.status().message().find("stays open") != std::string::npos);
  REQUIRE(ex.requests.size() == 2);
  CHECK(ex.requests[0].version_no == 1);  // in version order
  REQUIRE(ex.discarded.size() == 1);
  CHECK(ex.discarded[0] == "/out/qoima-issue-case" + std::to_string(c->id) + "-v1.tar");
  CHECK(w.Snapshot() == snap);

  // An approval lapses after a day.
  w.clock.Set(NoonUtcUnix(D("2026-04-02")));
  ex.fail_at.reset();
  refused(kOfficer2, {approved}, "expired");

  // A fresh approval of version 2 only; the approver carries it out this time.
  int64_t fresh = w.ExportApproval(2, w.so1, w.so2);
  auto ok = w.svc->Handover(kOfficer2, c->id, {fresh}, ex);
  INFO(ok.status().ToString());
  REQUIRE(ok.ok());
  REQUIRE(ok->bundles.size() == 1);
  CHECK(ok->bundles[0].version_no == 2);
  CHECK(w.store.Text("SELECT approval_id FROM lifecycle_cases WHERE id = " + std::to_string(c->id)) ==
        std::to_string(fresh));
  CHECK(w.svc->Handover(kOfficer2, c->id, {fresh}, ex).status().code() == Code::kFailedPrecondition);
}

TEST_CASE("a return hands back every version and stores the return act with the audit checkpoint") {
  World w;
  w.clock.Set(NoonUtcUnix(D("2026-04-01")));
  auto c = w.svc->OpenCase(kClerk, w.object, CaseKind::kReturn, D("2026-03-31"), "вх-300");
  REQUIRE(c.ok());
  CHECK(c->due_on.ToString() == "2026-04-03");
  RecordingExporter ex;
  // A return takes every version.
  auto partial = w.HandOver(c->id, ex, 1);
  CHECK(partial.status().code() == Code::kPermissionDenied);
  CHECK(partial.status().message().find("no approved export for version(s) 2") != std::string::npos);
  CHECK(w.svc->HandoverVersions(c->id, 1).status().code() == Code::kInvalidArgument);
  REQUIRE(w.svc->HandoverVersions(c->id, std::nullopt)->size() == 2);
  auto r = w.HandOver(c->id, ex);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  REQUIRE(r->return_act.has_value());
  const auto& act = *r->return_act;
  CHECK(act.act_number == "RET-" + std::to_string(c->id));
  CHECK(r->closed.result_ref == act.act_number);
  CHECK(act.on_time);
  CHECK(act.requested_by == "so1");
  CHECK(act.approved_by == "so2");
  CHECK(act.performed_by == "so1");
  REQUIRE(act.versions.size() == 2);
  REQUIRE(act.versions[0].files.size() == 2);
  CHECK(act.versions[0].files[0].path == "bin/қойма");
  CHECK(act.versions[0].files[0].size == 6);
  CHECK(act.versions[0].files[0].sha256_hex.size() == 64);
  CHECK(act.versions[1].bundle.export_id == "exp-2");
  CHECK(act.versions[0].root_hex.size() == 64);
  CHECK(act.checkpoint_tree_size == w.store.AuditSize());
  CHECK(act.checkpoint_root_hex.size() == 64);

  // Stored in `acts` as JSON, kind 'return', with the checkpoint the act prints.
  CHECK(w.store.Text("SELECT kind || ' ' || template_id || ' ' || checkpoint_size FROM acts WHERE number = '" +
                     act.act_number + "'") == "return 003-cl30-return-v1 " + std::to_string(act.checkpoint_tree_size));
  auto j =
      nlohmann::json::parse(w.store.Text("SELECT manifest_json FROM acts WHERE number = '" + act.act_number + "'"));
  CHECK(j["act_kind"] == "return");
  CHECK(j["versions"][1]["files"][1]["path"] == "src/main.cpp");
  CHECK(j["versions"][1]["bundle"]["location"] == "/out/qoima-return-case" + std::to_string(c->id) + "-v2.tar");
  CHECK(j["audit_checkpoint"]["tree_size"] == act.checkpoint_tree_size);
  auto notice = w.svc->Notices()->at(0);
  CHECK(notice.kind == "return");
  CHECK(notice.export_ref == "exp-1, exp-2");
  auto body =
      nlohmann::json::parse(w.store.Text("SELECT body_json FROM notices WHERE id = " + std::to_string(notice.id)));
  CHECK(body["return_act"] == act.act_number);
  CHECK(body["bundles"].size() == 2);
}

TEST_CASE("a deadline counted over a provisional calendar day is flagged in `due`") {
  World w;
  w.clock.Set(NoonUtcUnix(D("2027-05-14")));  // Friday; Kurban Ait 2027 (Sunday 16 May) is provisional in the default
  auto c = w.svc->OpenCase(kClerk, w.object, CaseKind::kIssue, D("2027-05-14"), "вх-9");
  REQUIRE(c.ok());
  CHECK(c->due_on.ToString() == "2027-05-19");
  auto due = w.svc->Due(2);
  REQUIRE(due.ok());
  int flagged = 0;
  for (const auto& d : *due) {
    INFO(d.ref);
    if (d.ref.rfind("report:", 0) == 0) {
      CHECK_FALSE(d.provisional_calendar);  // the 2026/2 half-year report, not counted in working days
    } else {
      CHECK(d.provisional_calendar);  // the case and its notice
      CHECK(ToJson(d)["provisional_calendar"] == true);
      ++flagged;
    }
  }
  CHECK(flagged == 2);

  World w2;
  w2.clock.Set(NoonUtcUnix(D("2026-05-25")));  // Kurban Ait 2026 (27 May) is confirmed
  REQUIRE(w2.svc->OpenCase(kClerk, w2.object, CaseKind::kIssue, D("2026-05-25"), "вх-10").ok());
  auto due2 = w2.svc->Due(2);
  REQUIRE(due2.ok());
  REQUIRE_FALSE(due2->empty());
  CHECK_FALSE(due2->at(0).provisional_calendar);
}
