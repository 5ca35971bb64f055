#include "appliance/lifecycle/lifecycle_service.h"

#include <algorithm>
#include <cctype>

#include "appliance/approval_repository.h"
#include "appliance/lifecycle/deadline_rules.h"
#include "appliance/lifecycle/lifecycle_json.h"
#include "appliance/lifecycle/tree_checksum.h"
#include "appliance/two_person_approval.h"
#include "appliance/user_change_repository.h"
#include "crypto/hash.h"

namespace qoima::appliance::lifecycle {

namespace {

bool AllDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string Describe(const ObjectInfo& o) {
  return "object " + std::to_string(o.id) + " '" + o.name + "'" +
         (o.portal_code.empty() ? "" : " (" + o.portal_code + ")");
}

std::string RuleId(CaseKind k) {
  switch (k) {
    case CaseKind::kIssue: return "issue";
    case CaseKind::kReturn: return "return";
    case CaseKind::kDestroy: return "destroy";
  }
  return "";
}

std::string NoticeKind(CaseKind k) {
  switch (k) {
    case CaseKind::kIssue: return "issue";
    case CaseKind::kReturn: return "return";
    case CaseKind::kDestroy: return "destruction";
  }
  return "";
}

Result<CaseKind> ParseCaseKind(const std::string& s) {
  if (s == "issue") return CaseKind::kIssue;
  if (s == "return") return CaseKind::kReturn;
  if (s == "destroy") return CaseKind::kDestroy;
  return Status::Corrupt("lifecycle case kind '" + s + "' is unknown");
}

Result<CivilDate> DateColumn(const storage::Statement& st, int col, std::string_view what) {
  auto d = CivilDate::Parse(st.ColumnText(col));
  if (!d.ok()) return Status::Corrupt(std::string(what) + ": " + d.status().message());
  return d;
}

std::string Clause(const DeadlineRule& r) { return BasisText(r); }

/// The basis of the rule `id` as shown (the table has every id the service names).
std::string ClauseOf(std::string_view id) {
  auto rule = FindDeadlineRule(id);
  return rule.ok() ? BasisText(**rule) : std::string(id);
}

Result<std::optional<int64_t>> UserId(storage::Database& db, const std::string& login) {
  QOIMA_ASSIGN_OR_RETURN(auto st, db.Prepare("SELECT id FROM users WHERE login = ?"));
  st.Bind(1, login);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<int64_t>();
  return std::optional<int64_t>(st.ColumnInt(0));
}

Result<std::string> UserLogin(storage::Database& db, int64_t id) {
  QOIMA_ASSIGN_OR_RETURN(auto st, db.Prepare("SELECT login FROM users WHERE id = ?"));
  st.Bind(1, id);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::string("user#" + std::to_string(id));
  return st.ColumnText(0);
}

}  // namespace

storage::AuditEvent LifecycleService::Event(const LifecycleActor& actor, std::string action, std::string object,
                                            std::string reason) {
  return {clock_.NowUtc(), actor.login, actor.role, std::move(action), std::move(object), "success", std::move(reason)};
}

Status LifecycleService::AuditDenied(const LifecycleActor& actor, const std::string& action, const std::string& object,
                                     const std::string& reason) {
  auto ev = Event(actor, action, object, reason);
  ev.outcome = "denied";
  auto r = audit_.Append(ev);
  return r.ok() ? Status::Ok() : r.status();
}

Status LifecycleService::RequirePermission(const LifecycleActor& actor, Permission permission,
                                           std::string_view what) const {
  return RequireNamedRole(actor.login, actor.role, permission, what);
}

Result<ObjectInfo> LifecycleService::FindObject(const std::string& ref) {
  std::string sql =
      "SELECT o.id, o.name, COALESCE(o.architecture_code, ''), o.track, o.operation_ended_at, "
      "EXISTS(SELECT 1 FROM lifecycle_cases c WHERE c.object_id = o.id AND c.kind = 'destroy' AND c.state = 'done') "
      "FROM informatization_objects o WHERE ";
  sql += AllDigits(ref) ? "o.id = ?" : "o.architecture_code = ?";
  QOIMA_ASSIGN_OR_RETURN(auto st, db_.Prepare(sql));
  if (AllDigits(ref))
    st.Bind(1, static_cast<int64_t>(std::stoll(ref)));
  else
    st.Bind(1, ref);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no informatization object '" + ref + "' (give its number or portal code)");
  ObjectInfo o;
  o.id = st.ColumnInt(0);
  o.name = st.ColumnText(1);
  o.portal_code = st.ColumnText(2);
  o.track = st.ColumnText(3);
  if (!st.ColumnIsNull(4)) o.operation_ended_at = st.ColumnText(4);
  o.destroyed = st.ColumnInt(5) != 0;
  return o;
}

Result<std::vector<VersionInfo>> LifecycleService::Versions(int64_t object_id) {
  QOIMA_ASSIGN_OR_RETURN(auto st, db_.Prepare("SELECT id, object_id, version_no, COALESCE(version_label, ''), kind, "
                                              "tier, state, file_count, total_bytes, manifest_sha256, created_at "
                                              "FROM deposits WHERE object_id = ? ORDER BY version_no"));
  st.Bind(1, object_id);
  std::vector<VersionInfo> out;
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    VersionInfo v;
    v.deposit_id = st.ColumnInt(0);
    v.object_id = st.ColumnInt(1);
    v.version_no = static_cast<int>(st.ColumnInt(2));
    v.label = st.ColumnText(3);
    v.kind = st.ColumnText(4);
    v.tier = st.ColumnText(5) == "permanent" ? StoreTier::kPermanent : StoreTier::kTemporary;
    v.state = st.ColumnText(6);
    v.file_count = st.ColumnInt(7);
    v.total_bytes = st.ColumnInt(8);
    if (!st.ColumnIsNull(9)) v.manifest_hex = crypto::Hex(st.ColumnBlob(9));
    v.created_at = st.ColumnText(10);
    out.push_back(std::move(v));
  }
  // The version's root hash over its files (sha256sum-compatible, tree_checksum.h).
  QOIMA_ASSIGN_OR_RETURN(auto files, db_.Prepare("SELECT path, size, sha256 FROM files WHERE deposit_id = ?"));
  for (auto& v : out) {
    if (v.state != "committed") continue;
    files.Reset();
    files.Bind(1, v.deposit_id);
    std::vector<FileChecksum> sums;
    for (;;) {
      QOIMA_ASSIGN_OR_RETURN(bool row, files.Step());
      if (!row) break;
      auto p = files.ColumnBlob(0);
      auto h = files.ColumnBlob(2);
      FileChecksum f{std::string(p.begin(), p.end()), static_cast<uint64_t>(files.ColumnInt(1)), {}};
      if (h.size() != f.sha256.size())
        return Status::Corrupt("files row of deposit " + std::to_string(v.deposit_id) + " has a bad sha256");
      std::copy(h.begin(), h.end(), f.sha256.begin());
      sums.push_back(std::move(f));
    }
    QOIMA_ASSIGN_OR_RETURN(TreeChecksum t, MakeTreeChecksum(std::move(sums)));
    v.root_hex = crypto::Hex(t.root);
  }
  return out;
}

Result<std::vector<TierMove>> LifecycleService::TierHistory(int64_t object_id) {
  QOIMA_ASSIGN_OR_RETURN(auto st, db_.Prepare("SELECT d.version_no, t.from_tier, t.to_tier, t.reason, "
                                              "COALESCE(u.login, ''), t.changed_at FROM tier_changes t "
                                              "JOIN deposits d ON d.id = t.deposit_id "
                                              "LEFT JOIN users u ON u.id = t.changed_by "
                                              "WHERE d.object_id = ? ORDER BY t.id"));
  st.Bind(1, object_id);
  std::vector<TierMove> out;
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back({static_cast<int>(st.ColumnInt(0)), st.ColumnText(1), st.ColumnText(2), st.ColumnText(3),
                   st.ColumnText(4), st.ColumnText(5)});
  }
  return out;
}

Status LifecycleService::RecordTestOutcome(const LifecycleActor& actor, int64_t object_id, int version_no,
                                           const SecurityTestRecord& record) {
  QOIMA_RETURN_IF_ERROR(RequirePermission(actor, Permission::kLifecycleRecord, "record a security-test outcome"));
  const TestOutcome outcome = record.outcome;
  const std::string& reference = record.reference;
  const CivilDate& tested_on = record.tested_on;
  if (tested_on > LocalDateOf(clock_.NowUnix()))
    return Status::InvalidArgument("test date " + tested_on.ToString() + " is in the future");
  QOIMA_ASSIGN_OR_RETURN(ObjectInfo obj, FindObject(std::to_string(object_id)));
  QOIMA_ASSIGN_OR_RETURN(auto versions, Versions(object_id));
  auto it =
      std::find_if(versions.begin(), versions.end(), [&](const VersionInfo& v) { return v.version_no == version_no; });
  std::string target = "version " + std::to_string(version_no) + " of " + Describe(obj);
  if (it == versions.end()) return Status::NotFound(Describe(obj) + " has no version " + std::to_string(version_no));
  if (it->state != "committed") return Status::FailedPrecondition(target + " is destroyed");
  if (it->tier != StoreTier::kTemporary)
    return Status::FailedPrecondition(target +
                                      " is in the permanent store, not the temporary store: a security-test outcome "
                                      "is recorded only for a version in the temporary store (003 cl.7-8)");
  // Everything the record must hold is checked before anything moves.
  QOIMA_RETURN_IF_ERROR(CheckSecurityTestRecord(record).WithContext(target));

  QOIMA_ASSIGN_OR_RETURN(auto uid, UserId(db_, actor.login));
  std::string now = clock_.NowUtc();
  std::string reason =
      std::string(TestOutcomeName(outcome)) + " security test, report " + reference + " of " + tested_on.ToString();
  reason += "; " + std::to_string(record.reports.size()) + " report file(s), " +
            std::to_string(record.findings.size()) + " vulnerabilit" + (record.findings.size() == 1 ? "y" : "ies") +
            " listed, " + std::to_string(record.remediation.size()) + " correction(s) in the comparison table";
  if (outcome == TestOutcome::kPositive) {
    // The store owns the deposit rows: it moves the tier and writes tier_changes
    // and "deposit.promote" in its own transaction. The test record follows; if
    // it fails, the version is permanent and the error says so.
    QOIMA_RETURN_IF_ERROR(
        store_.PromoteToPermanent(it->deposit_id, {actor.login, actor.role}, reason + " (003 cl.8)", uid)
            .WithContext(target));
    reason += "; moved from the temporary to the permanent store (003 cl.8)";
  } else {
    reason += "; stays in the temporary store (003 cl.7)";
  }
  std::string context = outcome == TestOutcome::kPositive ? target + " was moved to the permanent store, but " : "";
  // The report files are sealed with the version's deposit (its data key,
  // packs of their own); the test row, its lists and its audit entry are
  // written in the store's transaction that records them.
  std::vector<std::span<const uint8_t>> documents;
  for (const TestReportFile& f : record.reports)
    documents.emplace_back(reinterpret_cast<const uint8_t*>(f.bytes.data()), f.bytes.size());
  auto write = [&](const std::vector<storage::SealedDocument>& sealed) -> Status {
    QOIMA_ASSIGN_OR_RETURN(auto ins, db_.Prepare("INSERT INTO security_tests(deposit_id, outcome, reference, "
                                                 "tested_on, recorded_by, recorded_at, audit_index) "
                                                 "VALUES(?,?,?,?,?,?,?)"));
    QOIMA_ASSIGN_OR_RETURN(
        uint64_t idx,
        audit_.Append(Event(actor, "version.test_outcome",
                            "object:" + std::to_string(object_id) + "/version:" + std::to_string(version_no), reason)));
    QOIMA_RETURN_IF_ERROR(ins.Bind(1, it->deposit_id)
                              .Bind(2, TestOutcomeName(outcome))
                              .Bind(3, reference)
                              .Bind(4, tested_on.ToString())
                              .Bind(5, actor.login)
                              .Bind(6, now)
                              .Bind(7, static_cast<int64_t>(idx))
                              .Run());
    const int64_t test_id = db_.LastInsertRowid();
    QOIMA_ASSIGN_OR_RETURN(auto rep, db_.Prepare("INSERT INTO security_test_reports(test_id, name, size, sha256, "
                                                 "object_id) VALUES(?,?,?,?,?)"));
    for (size_t i = 0; i < record.reports.size(); ++i) {
      QOIMA_RETURN_IF_ERROR(rep.Bind(1, test_id)
                                .Bind(2, record.reports[i].name)
                                .Bind(3, static_cast<int64_t>(sealed.at(i).size))
                                .Bind(4, crypto::Hex(sealed.at(i).sha256))
                                .Bind(5, sealed.at(i).object_id)
                                .Run());
    }
    QOIMA_ASSIGN_OR_RETURN(auto fin, db_.Prepare("INSERT INTO security_test_findings(test_id, number, description, "
                                                 "path, risk) VALUES(?,?,?,?,?)"));
    for (const TestFinding& f : record.findings)
      QOIMA_RETURN_IF_ERROR(fin.Bind(1, test_id)
                                .Bind(2, int64_t{f.number})
                                .Bind(3, f.description)
                                .Bind(4, f.path)
                                .Bind(5, RiskLevelName(f.risk))
                                .Run());
    QOIMA_ASSIGN_OR_RETURN(auto rem, db_.Prepare("INSERT INTO security_test_remediation(test_id, number, finding, "
                                                 "correction, fixed) VALUES(?,?,?,?,?)"));
    for (const Remediation& r : record.remediation)
      QOIMA_RETURN_IF_ERROR(rem.Bind(1, test_id)
                                .Bind(2, int64_t{r.number})
                                .Bind(3, int64_t{r.finding})
                                .Bind(4, r.correction)
                                .Bind(5, int64_t{r.fixed ? 1 : 0})
                                .Run());
    return Status::Ok();
  };
  return store_.SealDocuments(it->deposit_id, documents, write)
      .WithContext(context + "recording the test report failed");
}

Result<SecurityTestInfo> LifecycleService::GetSecurityTest(int64_t test_id) {
  QOIMA_ASSIGN_OR_RETURN(auto st, db_.Prepare("SELECT t.id, d.object_id, o.name, COALESCE(o.architecture_code, ''), "
                                              "d.version_no, t.outcome, t.reference, t.tested_on, t.recorded_by, "
                                              "t.recorded_at FROM security_tests t JOIN deposits d ON d.id = "
                                              "t.deposit_id JOIN informatization_objects o ON o.id = d.object_id "
                                              "WHERE t.id = ?"));
  st.Bind(1, test_id);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no security test " + std::to_string(test_id));
  SecurityTestInfo t;
  t.id = st.ColumnInt(0);
  t.object_id = st.ColumnInt(1);
  t.object_name = st.ColumnText(2);
  t.portal_code = st.ColumnText(3);
  t.version_no = static_cast<int>(st.ColumnInt(4));
  t.outcome = st.ColumnText(5) == "positive" ? TestOutcome::kPositive : TestOutcome::kNegative;
  t.reference = st.ColumnText(6);
  QOIMA_ASSIGN_OR_RETURN(t.tested_on, CivilDate::Parse(st.ColumnText(7)));
  t.recorded_by = st.ColumnText(8);
  t.recorded_at = st.ColumnText(9);
  st.Reset();
  QOIMA_ASSIGN_OR_RETURN(auto rep, db_.Prepare("SELECT r.name, r.size, r.sha256, r.id, d.state FROM "
                                               "security_test_reports r JOIN security_tests t ON t.id = r.test_id "
                                               "JOIN deposits d ON d.id = t.deposit_id WHERE r.test_id = ? "
                                               "ORDER BY r.id"));
  rep.Bind(1, test_id);
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool more, rep.Step());
    if (!more) break;
    t.reports.push_back(
        {rep.ColumnText(0), rep.ColumnInt(1), rep.ColumnText(2), rep.ColumnInt(3), rep.ColumnText(4) != "committed"});
  }
  QOIMA_ASSIGN_OR_RETURN(auto fin, db_.Prepare("SELECT number, description, path, risk FROM "
                                               "security_test_findings WHERE test_id = ? ORDER BY number"));
  fin.Bind(1, test_id);
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool more, fin.Step());
    if (!more) break;
    t.findings.push_back({static_cast<int>(fin.ColumnInt(0)), fin.ColumnText(1), fin.ColumnText(2),
                          ParseRiskLevel(fin.ColumnText(3)).value_or(RiskLevel::kHigh)});
  }
  QOIMA_ASSIGN_OR_RETURN(auto rem, db_.Prepare("SELECT number, finding, correction, fixed FROM "
                                               "security_test_remediation WHERE test_id = ? ORDER BY number"));
  rem.Bind(1, test_id);
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool more, rem.Step());
    if (!more) break;
    t.remediation.push_back({static_cast<int>(rem.ColumnInt(0)), static_cast<int>(rem.ColumnInt(1)), rem.ColumnText(2),
                             rem.ColumnInt(3) != 0});
  }
  return t;
}

Result<std::vector<SecurityTestInfo>> LifecycleService::SecurityTests(int64_t object_id) {
  QOIMA_ASSIGN_OR_RETURN(auto st, db_.Prepare("SELECT t.id FROM security_tests t JOIN deposits d ON d.id = "
                                              "t.deposit_id WHERE d.object_id = ? ORDER BY t.id"));
  st.Bind(1, object_id);
  std::vector<int64_t> ids;
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    ids.push_back(st.ColumnInt(0));
  }
  std::vector<SecurityTestInfo> out;
  for (int64_t id : ids) {
    QOIMA_ASSIGN_OR_RETURN(SecurityTestInfo t, GetSecurityTest(id));
    out.push_back(std::move(t));
  }
  return out;
}

Result<TestReportInfo> LifecycleService::ReadTestReport(const LifecycleActor& actor, int64_t test_id, int number,
                                                        std::string_view reason, const crypto::ByteSink& sink) {
  QOIMA_RETURN_IF_ERROR(RequirePermission(actor, Permission::kTestReportRead, "read a security-test report"));
  if (reason.empty()) return Status::InvalidArgument("read a security-test report: a reason is required");
  QOIMA_ASSIGN_OR_RETURN(SecurityTestInfo t, GetSecurityTest(test_id));
  if (number < 1 || static_cast<size_t>(number) > t.reports.size()) {
    return Status::NotFound("security test " + std::to_string(test_id) + " has " + std::to_string(t.reports.size()) +
                            " report file(s), not a number " + std::to_string(number));
  }
  TestReportInfo report = t.reports[static_cast<size_t>(number) - 1];
  QOIMA_ASSIGN_OR_RETURN(auto st, db_.Prepare("SELECT t.deposit_id, r.object_id FROM security_test_reports r JOIN "
                                              "security_tests t ON t.id = r.test_id WHERE r.id = ?"));
  st.Bind(1, report.id);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("security-test report " + std::to_string(report.id) + " does not exist");
  const int64_t deposit_id = st.ColumnInt(0);
  const std::string what = "report " + report.name + " of security test " + std::to_string(test_id) + " (version " +
                           std::to_string(t.version_no) + " of object " + std::to_string(t.object_id) + ")";
  if (st.ColumnIsNull(1)) return Status::FailedPrecondition(what + " is not sealed with its version yet");
  const int64_t object = st.ColumnInt(1);
  st.Reset();
  const std::string audited = "deposit:" + std::to_string(deposit_id) + "/test-report:" + std::to_string(report.id);
  QOIMA_RETURN_IF_ERROR(
      store_.ReadDocument(deposit_id, object, {actor.login, actor.role}, "test_report.read", audited, reason, sink)
          .WithContext(what));
  return report;
}

Result<CaseInfo> LifecycleService::LoadCase(int64_t case_id) {
  QOIMA_ASSIGN_OR_RETURN(auto st, db_.Prepare("SELECT id, object_id, kind, received_on, reference, rule_id, due_on, "
                                              "state, done_on, COALESCE(result_ref, '') FROM lifecycle_cases "
                                              "WHERE id = ?"));
  st.Bind(1, case_id);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no lifecycle case " + std::to_string(case_id));
  CaseInfo c;
  c.id = st.ColumnInt(0);
  c.object_id = st.ColumnInt(1);
  QOIMA_ASSIGN_OR_RETURN(c.kind, ParseCaseKind(st.ColumnText(2)));
  QOIMA_ASSIGN_OR_RETURN(c.received_on, DateColumn(st, 3, "case received_on"));
  c.reference = st.ColumnText(4);
  c.rule_id = st.ColumnText(5);
  QOIMA_ASSIGN_OR_RETURN(c.due_on, DateColumn(st, 6, "case due_on"));
  c.done = st.ColumnText(7) == "done";
  if (!st.ColumnIsNull(8)) {
    QOIMA_ASSIGN_OR_RETURN(CivilDate d, DateColumn(st, 8, "case done_on"));
    c.done_on = d;
  }
  c.result_ref = st.ColumnText(9);
  return c;
}

Result<std::vector<CaseInfo>> LifecycleService::Cases(std::optional<int64_t> object_id) {
  QOIMA_ASSIGN_OR_RETURN(auto st,
                         db_.Prepare(object_id ? "SELECT id FROM lifecycle_cases WHERE object_id = ? ORDER BY id"
                                               : "SELECT id FROM lifecycle_cases ORDER BY id"));
  if (object_id) st.Bind(1, *object_id);
  std::vector<int64_t> ids;
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    ids.push_back(st.ColumnInt(0));
  }
  std::vector<CaseInfo> out;
  for (int64_t id : ids) {
    QOIMA_ASSIGN_OR_RETURN(CaseInfo c, LoadCase(id));
    out.push_back(std::move(c));
  }
  return out;
}

Status LifecycleService::NoOpenHandover(const ObjectInfo& obj, const std::vector<CaseInfo>& cases) {
  // The order of 003 cl.29-33: the code is handed over (an issue, cl.29; the
  // return, cl.30) before it may be destroyed (cl.33). Destroying it while a
  // hand-over is open would make that hand-over impossible.
  for (const auto& c : cases) {
    if (c.done || (c.kind != CaseKind::kIssue && c.kind != CaseKind::kReturn)) continue;
    return Status::FailedPrecondition(
        "destruction of " + Describe(obj) + " refused: " +
        (c.kind == CaseKind::kIssue ? std::string("the issue on request (003 cl.29), case ")
                                    : std::string("the return to the owner (003 cl.30), case ")) +
        std::to_string(c.id) + " (letter " + c.reference + ", due " + c.due_on.ToString() +
        "), is still open; hand the code over first (destruction follows the return, 003 cl.30-33)");
  }
  return Status::Ok();
}

Result<CaseInfo> LifecycleService::OpenCase(const LifecycleActor& actor, int64_t object_id, CaseKind kind,
                                            const CivilDate& received_on, const std::string& reference) {
  std::string what = kind == CaseKind::kIssue    ? "record an issue request (003 cl.29)"
                     : kind == CaseKind::kReturn ? "record a decommissioning notice (003 cl.30)"
                                                 : "record an archive-transfer notice (003 cl.33)";
  QOIMA_RETURN_IF_ERROR(RequirePermission(actor, Permission::kLifecycleRecord, what));
  if (reference.empty()) return Status::InvalidArgument(what + ": the incoming letter reference is empty");
  if (received_on > LocalDateOf(clock_.NowUnix()))
    return Status::InvalidArgument(what + ": received date " + received_on.ToString() + " is in the future");
  QOIMA_ASSIGN_OR_RETURN(ObjectInfo obj, FindObject(std::to_string(object_id)));
  if (obj.destroyed)
    return Status::FailedPrecondition(Describe(obj) + " has been destroyed (003 cl.33): nothing is stored to " +
                                      std::string(kind == CaseKind::kDestroy ? "destroy again" : "hand over"));
  QOIMA_ASSIGN_OR_RETURN(auto versions, Versions(object_id));
  bool any_committed =
      std::any_of(versions.begin(), versions.end(), [](const VersionInfo& v) { return v.state == "committed"; });
  if (!any_committed) return Status::FailedPrecondition(Describe(obj) + " has no stored version");
  QOIMA_ASSIGN_OR_RETURN(auto existing, Cases(object_id));
  for (const auto& c : existing) {
    if (kind == CaseKind::kDestroy && c.kind == CaseKind::kDestroy)
      return Status::AlreadyExists("a destruction of " + Describe(obj) + " is already recorded (case " +
                                   std::to_string(c.id) + ", notice " + c.reference + ", " +
                                   (c.done ? "done" : "open") + "): a second destruction is refused");
    if (kind == CaseKind::kReturn && c.kind == CaseKind::kReturn)
      return Status::AlreadyExists("the decommissioning of " + Describe(obj) + " is already recorded (case " +
                                   std::to_string(c.id) + ")");
  }
  if (kind == CaseKind::kDestroy &&
      std::none_of(existing.begin(), existing.end(), [](const CaseInfo& c) { return c.kind == CaseKind::kReturn; }))
    return Status::FailedPrecondition("no decommissioning notice is recorded for " + Describe(obj) +
                                      ": the code is returned (003 cl.30) and archived (cl.31-32) before it is "
                                      "destroyed (cl.33); record the return first");
  if (kind == CaseKind::kDestroy) QOIMA_RETURN_IF_ERROR(NoOpenHandover(obj, existing));

  QOIMA_ASSIGN_OR_RETURN(const DeadlineRule* rule, FindDeadlineRule(RuleId(kind)));
  QOIMA_ASSIGN_OR_RETURN(CivilDate due, ComputeDue(calendar_, *rule, received_on));
  QOIMA_ASSIGN_OR_RETURN(auto uid, UserId(db_, actor.login));
  std::string now = clock_.NowUtc();

  QOIMA_ASSIGN_OR_RETURN(storage::Transaction tx, storage::Transaction::Begin(db_));
  QOIMA_ASSIGN_OR_RETURN(auto ins, db_.Prepare("INSERT INTO lifecycle_cases(object_id, kind, received_on, reference, "
                                               "rule_id, due_on, state, created_by, created_at) "
                                               "VALUES(?,?,?,?,?,?, 'open', ?, ?)"));
  QOIMA_RETURN_IF_ERROR(ins.Bind(1, object_id)
                            .Bind(2, CaseKindName(kind))
                            .Bind(3, received_on.ToString())
                            .Bind(4, reference)
                            .Bind(5, rule->id)
                            .Bind(6, due.ToString())
                            .Bind(7, actor.login)
                            .Bind(8, now)
                            .Run());
  int64_t case_id = db_.LastInsertRowid();
  if (kind == CaseKind::kReturn) {
    QOIMA_ASSIGN_OR_RETURN(auto end, db_.Prepare("UPDATE informatization_objects SET operation_ended_at = ? "
                                                 "WHERE id = ? AND operation_ended_at IS NULL"));
    QOIMA_RETURN_IF_ERROR(end.Bind(1, received_on.ToString()).Bind(2, object_id).Run());
  }
  std::string event = std::string(rule->duty) + ": " + Describe(obj) + ", " + std::string(rule->event) + " " +
                      received_on.ToString() + " (ref. " + reference + ")";
  nlohmann::json body = {{"case_id", case_id},      {"object", ToJson(obj)},
                         {"clause", Clause(*rule)}, {"received_on", received_on.ToString()},
                         {"reference", reference},  {"due_on", due.ToString()}};
  QOIMA_ASSIGN_OR_RETURN(auto notice, db_.Prepare("INSERT INTO notices(kind, addressee, due_on, body_json, created_by, "
                                                  "created_at, case_id, event) VALUES(?,?,?,?,?,?,?,?)"));
  QOIMA_RETURN_IF_ERROR(notice.Bind(1, NoticeKind(kind))
                            .Bind(2, kDefaultAuthorizedBody)
                            .Bind(3, due.ToString())
                            .Bind(4, body.dump())
                            .BindOptional(5, uid)
                            .Bind(6, now)
                            .Bind(7, case_id)
                            .Bind(8, event)
                            .Run());
  QOIMA_RETURN_IF_ERROR(audit_
                            .Append(Event(actor, "lifecycle." + std::string(CaseKindName(kind)) + ".open",
                                          "object:" + std::to_string(object_id) + "/case:" + std::to_string(case_id),
                                          event + "; due " + due.ToString() + " (" + Clause(*rule) + ")"))
                            .status());
  QOIMA_RETURN_IF_ERROR(tx.Commit());
  return LoadCase(case_id);
}

namespace {

/// Unix seconds of the clock's "YYYY-MM-DDTHH:MM:SSZ".
Result<int64_t> UnixFromUtc(const std::string& utc) {
  auto bad = [&] { return Status::Corrupt("timestamp '" + utc + "' is not YYYY-MM-DDTHH:MM:SSZ"); };
  if (utc.size() != 20 || utc[10] != 'T' || utc[13] != ':' || utc[16] != ':' || utc[19] != 'Z') return bad();
  auto day = CivilDate::Parse(utc.substr(0, 10));
  if (!day.ok()) return bad();
  auto num = [&](size_t at) { return (utc[at] - '0') * 10 + (utc[at + 1] - '0'); };
  for (size_t at : {11u, 14u, 17u})
    if (!std::isdigit(static_cast<unsigned char>(utc[at])) || !std::isdigit(static_cast<unsigned char>(utc[at + 1])))
      return bad();
  int h = num(11), m = num(14), sec = num(17);
  if (h > 23 || m > 59 || sec > 60) return bad();
  return int64_t{day->day_number()} * 86400 + h * 3600 + m * 60 + sec;
}

std::string HandoverClause(CaseKind k) { return ClauseOf(RuleId(k)); }

}  // namespace

Result<std::vector<VersionInfo>> LifecycleService::HandoverVersions(int64_t case_id, std::optional<int> only_version) {
  QOIMA_ASSIGN_OR_RETURN(CaseInfo c, LoadCase(case_id));
  if (c.kind == CaseKind::kDestroy)
    return Status::InvalidArgument("case " + std::to_string(case_id) +
                                   " is a destruction: it is carried out by `qoima destroy CASE --approval ID`");
  if (c.done)
    return Status::FailedPrecondition("case " + std::to_string(case_id) + " was completed on " + c.done_on->ToString() +
                                      " (" + c.result_ref + ")");
  QOIMA_ASSIGN_OR_RETURN(ObjectInfo obj, FindObject(std::to_string(c.object_id)));
  if (obj.destroyed) return Status::FailedPrecondition(Describe(obj) + " has been destroyed (003 cl.33)");
  if (only_version && c.kind == CaseKind::kReturn)
    return Status::InvalidArgument("a return hands back every version (003 cl.30): --version is for an issue only");
  QOIMA_ASSIGN_OR_RETURN(auto versions, Versions(obj.id));
  std::vector<VersionInfo> out;
  for (const auto& v : versions)
    if (v.state == "committed" && (!only_version || v.version_no == *only_version)) out.push_back(v);
  if (out.empty())
    return only_version ? Status::NotFound(Describe(obj) + " has no stored version " + std::to_string(*only_version))
                        : Status::FailedPrecondition(Describe(obj) + " has no stored version");
  return out;
}

Result<std::string> LifecycleService::HandoverReason(int64_t case_id) {
  QOIMA_ASSIGN_OR_RETURN(CaseInfo c, LoadCase(case_id));
  QOIMA_ASSIGN_OR_RETURN(ObjectInfo obj, FindObject(std::to_string(c.object_id)));
  return (c.kind == CaseKind::kIssue ? std::string("issue on request (") + HandoverClause(c.kind) + ")"
                                     : std::string("return on decommissioning (") + HandoverClause(c.kind) + ")") +
         " of " + Describe(obj) + ", letter " + c.reference + " of " + c.received_on.ToString() + ", case " +
         std::to_string(case_id);
}

// What one Handover carries from phase to phase: the case and its object,
// the plan (version, approval), the bundles written, the outcome.
struct LifecycleService::HandoverRun {
  using Plan = std::vector<std::pair<VersionInfo, int64_t>>;  // version, approval

  HandoverRun(LifecycleService& s, const LifecycleActor& who, int64_t id, HandoverExporter& e)
      : svc(s), actor(who), case_id(id), exporter(e) {}

  /// The case, its kind and the permission (a refusal is audited).
  Status Check();
  /// The two-person rule, per version: one approved, unexpired export of one
  /// of the object's stored versions, in which this officer took part; a
  /// return covers every version. A refusal is audited.
  Status PlanVersions(const std::vector<int64_t>& approval_ids);
  /// Why `approval_id` cannot hand a version over ("" when it can; then it
  /// is added to the plan).
  Result<std::string> AddToPlan(ApprovalRepository& repo, int64_t approval_id, int64_t now);
  /// The bundles, one per version.
  Status ExportVersions();
  /// Timing, officers and (for a return) the return act, before anything is recorded.
  Status Prepare();
  /// The case done, its notices and the return act, with the audit leaf, in one transaction.
  Status Commit();
  /// The return act gets the signed audit checkpoint.
  Status SignReturnAct();
  /// `s` with the bundles written so far removed and the case left open.
  Status DiscardAll(const Status& s, const std::string& context);

  LifecycleService& svc;
  const LifecycleActor& actor;
  const int64_t case_id;
  HandoverExporter& exporter;

  CaseInfo c;
  std::string kind;
  std::string action;
  std::string audit_obj;
  ObjectInfo obj;
  std::vector<VersionInfo> all;
  std::optional<int64_t> uid;
  Plan plan;
  std::vector<HandoverBundle> bundles;
  std::vector<VersionInfo> chosen;
  CivilDate today;
  std::string timing = "on time";
  std::string export_ids;
  std::string officers;
  std::string result_ref;
  int64_t act_id = 0;
  HandoverResult out;
};

Result<HandoverResult> LifecycleService::Handover(const LifecycleActor& actor, int64_t case_id,
                                                  const std::vector<int64_t>& approval_ids,
                                                  HandoverExporter& exporter) {
  HandoverRun run(*this, actor, case_id, exporter);
  QOIMA_RETURN_IF_ERROR(run.Check());
  QOIMA_RETURN_IF_ERROR(run.PlanVersions(approval_ids));
  QOIMA_RETURN_IF_ERROR(run.ExportVersions());
  QOIMA_RETURN_IF_ERROR(run.Prepare());
  if (Status s = run.Commit(); !s.ok()) return run.DiscardAll(s, "recording the hand-over failed");
  QOIMA_RETURN_IF_ERROR(run.SignReturnAct());
  QOIMA_ASSIGN_OR_RETURN(run.out.closed, LoadCase(case_id));
  run.out.bundles = std::move(run.bundles);
  return std::move(run.out);
}

Status LifecycleService::HandoverRun::Check() {
  QOIMA_ASSIGN_OR_RETURN(c, svc.LoadCase(case_id));
  if (c.kind == CaseKind::kDestroy)
    return Status::InvalidArgument("case " + std::to_string(case_id) +
                                   " is a destruction: it is carried out by `qoima destroy CASE --approval ID`");
  kind = std::string(CaseKindName(c.kind));
  action = "lifecycle." + kind + ".run";
  audit_obj = "object:" + std::to_string(c.object_id) + "/case:" + std::to_string(case_id);
  if (Status s = svc.RequirePermission(actor, Permission::kRequestSensitive,
                                       c.kind == CaseKind::kIssue ? "issue the code to the owner (003 cl.29)"
                                                                  : "return the code to the owner (003 cl.30)");
      !s.ok()) {
    QOIMA_RETURN_IF_ERROR(svc.AuditDenied(actor, action, audit_obj, s.message()));
    return s;
  }
  QOIMA_ASSIGN_OR_RETURN(obj, svc.FindObject(std::to_string(c.object_id)));
  QOIMA_ASSIGN_OR_RETURN(all, svc.HandoverVersions(case_id, std::nullopt));
  return Status::Ok();
}

Status LifecycleService::HandoverRun::PlanVersions(const std::vector<int64_t>& approval_ids) {
  QOIMA_ASSIGN_OR_RETURN(uid, UserId(svc.db_, actor.login));
  QOIMA_ASSIGN_OR_RETURN(int64_t now, UnixFromUtc(svc.clock_.NowUtc()));
  ApprovalRepository repo(svc.db_);
  std::string refusal;
  if (approval_ids.empty()) refusal = "name the approved export request of each version (--approval ID,...)";
  for (int64_t id : approval_ids) {
    if (!refusal.empty()) break;
    QOIMA_ASSIGN_OR_RETURN(refusal, AddToPlan(repo, id, now));
  }
  if (refusal.empty() && c.kind == CaseKind::kReturn && plan.size() != all.size()) {
    std::string missing;
    for (const auto& v : all)
      if (std::none_of(plan.begin(), plan.end(), [&](const auto& p) { return p.first.deposit_id == v.deposit_id; }))
        missing += (missing.empty() ? "" : ", ") + std::to_string(v.version_no);
    refusal = "a return hands back every version (003 cl.30); no approved export for version(s) " + missing;
  }
  if (!refusal.empty()) {
    std::string msg = kind + " of " + Describe(obj) + " (case " + std::to_string(case_id) + ") refused: " + refusal;
    QOIMA_RETURN_IF_ERROR(svc.AuditDenied(actor, action, audit_obj, msg + " (two-person rule)"));
    return Status::PermissionDenied(msg);
  }
  std::sort(plan.begin(), plan.end(),
            [](const auto& a, const auto& b) { return a.first.version_no < b.first.version_no; });
  return Status::Ok();
}

Result<std::string> LifecycleService::HandoverRun::AddToPlan(ApprovalRepository& repo, int64_t id, int64_t now) {
  const std::string id_text = "approval " + std::to_string(id);
  auto r = repo.Load(id);
  if (!r.ok()) return id_text + ": " + r.status().message();
  auto deposit = ExportDepositId(r->object);
  auto v =
      std::find_if(all.begin(), all.end(), [&](const VersionInfo& x) { return deposit && x.deposit_id == *deposit; });
  bool involved = uid && r->requested_by == *uid;
  for (const auto& vote : r->approvals) involved = involved || (uid && vote.user_id == *uid);
  ApprovalState state = EffectiveState(*r, now);
  if (r->action != SensitiveAction::kExport || !deposit)
    return id_text + " is for " + std::string(SensitiveActionName(r->action)) + " of '" + r->object +
           "', not an export of a deposit";
  if (v == all.end())
    return id_text + " exports deposit " + std::to_string(*deposit) + ", which is not a stored version of " +
           Describe(obj);
  if (std::any_of(plan.begin(), plan.end(), [&](const auto& p) { return p.first.deposit_id == *deposit; }))
    return "version " + std::to_string(v->version_no) + " is named twice";
  if (state != ApprovalState::kApproved)
    return id_text + " is " + std::string(ApprovalStateName(state)) +
           (state == ApprovalState::kPending ? ": it needs a second security officer's approval" : "");
  if (!involved) return id_text + " was requested and approved by two other officers: one of them carries it out";
  plan.emplace_back(*v, id);
  return std::string();
}

Status LifecycleService::HandoverRun::DiscardAll(const Status& s, const std::string& context) {
  for (const auto& b : bundles) exporter.Discard(b);
  std::string note = bundles.empty() ? ""
                                     : "; the " + std::to_string(bundles.size()) +
                                           " bundle(s) written before were removed and their approvals are spent "
                                           "(their export events stay in the audit log)";
  return s.WithContext(context + note + "; case " + std::to_string(case_id) + " stays open");
}

Status LifecycleService::HandoverRun::ExportVersions() {
  for (const auto& [v, approval] : plan) {
    HandoverExportRequest req;
    req.deposit_id = v.deposit_id;
    req.version_no = v.version_no;
    req.approval_id = approval;
    req.bundle_name =
        "qoima-" + kind + "-case" + std::to_string(case_id) + "-v" + std::to_string(v.version_no) + ".tar";
    auto b = exporter.Export(req);
    if (!b.ok()) return DiscardAll(b.status(), "export of version " + std::to_string(v.version_no) + " failed");
    bundles.push_back(std::move(*b));
    chosen.push_back(v);
  }
  return Status::Ok();
}

Status LifecycleService::HandoverRun::Prepare() {
  today = LocalDateOf(svc.clock_.NowUnix());
  if (today > c.due_on) {
    auto late = svc.calendar_.WorkingDaysBetween(c.due_on, today);
    if (!late.ok()) return DiscardAll(late.status(), "deadline check");
    timing = "LATE by " + std::to_string(*late) + " working day(s), due " + c.due_on.ToString();
  }
  for (const auto& b : bundles) {
    export_ids += (export_ids.empty() ? "" : ", ") + b.export_id;
    officers += (officers.empty() ? "" : "; ") + std::string("version ") + std::to_string(b.version_no) +
                ": approval " + std::to_string(b.approval_id) + " requested by " + b.requested_by + ", approved by " +
                b.approved_by;
  }
  result_ref = "bundle " + export_ids;
  if (c.kind == CaseKind::kReturn) {
    auto act = svc.BuildReturnAct(c, obj, chosen, bundles, actor.login);
    if (!act.ok()) return DiscardAll(act.status(), "return act");
    act->on_time = today <= c.due_on;
    result_ref = act->act_number;
    out.return_act = std::move(*act);
  }
  return Status::Ok();
}

Status LifecycleService::HandoverRun::Commit() {
  storage::Database& db = svc.db_;
  QOIMA_ASSIGN_OR_RETURN(storage::Transaction tx, storage::Transaction::Begin(db));
  QOIMA_ASSIGN_OR_RETURN(auto upd, db.Prepare("UPDATE lifecycle_cases SET state = 'done', done_on = ?, "
                                              "result_ref = ?, approval_id = ? WHERE id = ? AND state = 'open'"));
  QOIMA_RETURN_IF_ERROR(
      upd.Bind(1, today.ToString()).Bind(2, result_ref).Bind(3, plan.front().second).Bind(4, case_id).Run());
  if (db.Changes() != 1) return Status::FailedPrecondition("case " + std::to_string(case_id) + " is not open");
  // The notice to the authorized body reports what was handed over.
  QOIMA_ASSIGN_OR_RETURN(auto nsel, db.Prepare("SELECT id, COALESCE(body_json, '{}') FROM notices WHERE case_id = ?"));
  nsel.Bind(1, case_id);
  std::vector<std::pair<int64_t, std::string>> notices;
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool row, nsel.Step());
    if (!row) break;
    notices.emplace_back(nsel.ColumnInt(0), nsel.ColumnText(1));
  }
  nsel.Reset();
  nlohmann::json jb = nlohmann::json::array();
  for (const auto& b : bundles) jb.push_back(ToJson(b));
  QOIMA_ASSIGN_OR_RETURN(auto nupd, db.Prepare("UPDATE notices SET export_ref = ?, body_json = ? WHERE id = ?"));
  for (const auto& [nid, text] : notices) {
    auto body = nlohmann::json::parse(text, nullptr, false);
    if (body.is_discarded() || !body.is_object()) body = nlohmann::json::object();
    body["bundles"] = jb;
    body["done_on"] = today.ToString();
    if (out.return_act) body["return_act"] = out.return_act->act_number;
    nupd.Reset();
    QOIMA_RETURN_IF_ERROR(nupd.Bind(1, export_ids).Bind(2, body.dump()).Bind(3, nid).Run());
  }
  if (out.return_act) {
    QOIMA_ASSIGN_OR_RETURN(auto ins_act,
                           db.Prepare("INSERT INTO acts(kind, number, act_date, template_id, manifest_json, "
                                      "created_by, created_at) VALUES('return', ?, ?, '003-cl30-return-v1', ?, ?, ?)"));
    QOIMA_RETURN_IF_ERROR(ins_act.Bind(1, out.return_act->act_number)
                              .Bind(2, today.ToString())
                              .Bind(3, ToJson(*out.return_act).dump())
                              .BindOptional(4, uid)
                              .Bind(5, svc.clock_.NowUtc())
                              .Run());
    act_id = db.LastInsertRowid();
  }
  int64_t files = 0, bytes = 0;
  for (const auto& b : bundles) {
    files += static_cast<int64_t>(b.payload_files);
    bytes += static_cast<int64_t>(b.payload_bytes);
  }
  QOIMA_RETURN_IF_ERROR(
      svc.audit_
          .Append(svc.Event(actor, "lifecycle." + kind + ".done", audit_obj,
                            std::to_string(bundles.size()) + " version(s), " + std::to_string(files) + " file(s), " +
                                std::to_string(bytes) + " bytes handed over in signed bundle(s) " + export_ids +
                                (out.return_act ? "; return act " + out.return_act->act_number : "") + "; " + officers +
                                "; " + timing + " (" + HandoverClause(c.kind) + ")"))
          .status());
  return tx.Commit();
}

Status LifecycleService::HandoverRun::SignReturnAct() {
  if (!out.return_act) return Status::Ok();
  auto cp = svc.store_.SignCheckpoint();
  if (!cp.ok())
    return cp.status().WithContext("return recorded (act " + out.return_act->act_number + "); audit checkpoint failed");
  out.return_act->checkpoint_tree_size = cp->tree_size;
  out.return_act->checkpoint_root_hex = crypto::Hex(cp->root);
  out.return_act->checkpoint_key_fingerprint = cp->key_fingerprint;
  QOIMA_ASSIGN_OR_RETURN(auto upd_act, svc.db_.Prepare("UPDATE acts SET manifest_json = ?, checkpoint_size = ?, "
                                                       "checkpoint_root = ? WHERE id = ?"));
  return upd_act.Bind(1, ToJson(*out.return_act).dump())
      .Bind(2, static_cast<int64_t>(cp->tree_size))
      .BindBlob(3, cp->root)
      .Bind(4, act_id)
      .Run();
}

Result<ReturnActData> LifecycleService::BuildReturnAct(const CaseInfo& c, const ObjectInfo& obj,
                                                       const std::vector<VersionInfo>& versions,
                                                       const std::vector<HandoverBundle>& bundles,
                                                       const std::string& performed_by) {
  ReturnActData act;
  CivilDate today = LocalDateOf(clock_.NowUnix());
  act.act_number = "RET-" + std::to_string(c.id);  // the id `qoima print return RET-<case>` takes
  act.act_date = today;
  act.object = obj;
  act.notice_reference = c.reference;
  act.notice_received_on = c.received_on;
  act.due_on = c.due_on;
  act.performed_by = performed_by;
  auto add_name = [](std::string& list, const std::string& name) {
    if (name.empty()) return;
    if (("; " + list + "; ").find("; " + name + "; ") == std::string::npos) list += (list.empty() ? "" : "; ") + name;
  };
  QOIMA_ASSIGN_OR_RETURN(auto fsel, db_.Prepare("SELECT display_path, size, sha256, category FROM files "
                                                "WHERE deposit_id = ? ORDER BY path"));
  for (const auto& v : versions) {
    auto b = std::find_if(bundles.begin(), bundles.end(),
                          [&](const HandoverBundle& x) { return x.deposit_id == v.deposit_id; });
    if (b == bundles.end()) return Status::Internal("no bundle for version " + std::to_string(v.version_no));
    add_name(act.requested_by, b->requested_by);
    add_name(act.approved_by, b->approved_by);
    ReturnedVersion rv;
    rv.version_no = v.version_no;
    rv.label = v.label;
    rv.kind = v.kind;
    rv.tier = std::string(StoreTierName(v.tier));
    rv.file_count = v.file_count;
    rv.total_bytes = v.total_bytes;
    rv.root_hex = v.root_hex;
    rv.manifest_hex = v.manifest_hex;
    rv.bundle = *b;
    fsel.Reset();
    fsel.Bind(1, v.deposit_id);
    for (;;) {
      QOIMA_ASSIGN_OR_RETURN(bool row, fsel.Step());
      if (!row) break;
      rv.files.push_back({fsel.ColumnText(0), fsel.ColumnInt(1), crypto::Hex(fsel.ColumnBlob(2)), fsel.ColumnText(3)});
    }
    act.versions.push_back(std::move(rv));
  }
  return act;
}

Result<int64_t> LifecycleService::RequestDestruction(const LifecycleActor& actor, int64_t case_id) {
  QOIMA_RETURN_IF_ERROR(RequirePermission(actor, Permission::kRequestSensitive, "request a destruction (003 cl.33)"));
  QOIMA_ASSIGN_OR_RETURN(CaseInfo c, LoadCase(case_id));
  if (c.kind != CaseKind::kDestroy || c.done)
    return Status::FailedPrecondition("case " + std::to_string(case_id) + " is not an open destruction case");
  QOIMA_ASSIGN_OR_RETURN(auto uid, UserId(db_, actor.login));
  if (!uid) return Status::PermissionDenied("user '" + actor.login + "' is not in the store");
  std::string target = "object:" + std::to_string(c.object_id);
  QOIMA_ASSIGN_OR_RETURN(storage::Transaction tx, storage::Transaction::Begin(db_));
  QOIMA_ASSIGN_OR_RETURN(auto ins, db_.Prepare("INSERT INTO approvals(action, target, requested_by, requested_at, "
                                               "state) VALUES('destroy', ?, ?, ?, 'requested')"));
  QOIMA_RETURN_IF_ERROR(ins.Bind(1, target).Bind(2, *uid).Bind(3, clock_.NowUtc()).Run());
  int64_t id = db_.LastInsertRowid();
  QOIMA_RETURN_IF_ERROR(
      audit_
          .Append(Event(actor, "approval.request", "approval:" + std::to_string(id),
                        "destroy " + target + " (case " + std::to_string(case_id) + ", notice " + c.reference + ")"))
          .status());
  QOIMA_RETURN_IF_ERROR(tx.Commit());
  return id;
}

Status LifecycleService::ApproveDestruction(const LifecycleActor& actor, int64_t approval_id) {
  return ApproveTwoPerson(actor, approval_id, "destroy", "a destruction (003 cl.33)");
}

Status LifecycleService::ApproveTwoPerson(const LifecycleActor& actor, int64_t approval_id, std::string_view action,
                                          std::string_view what) {
  std::string obj = "approval:" + std::to_string(approval_id);
  if (Status s = RequirePermission(actor, Permission::kApproveSensitive, "approve " + std::string(what)); !s.ok()) {
    QOIMA_RETURN_IF_ERROR(AuditDenied(actor, "approval.approve", obj, s.message()));
    return s;
  }
  QOIMA_ASSIGN_OR_RETURN(auto uid, UserId(db_, actor.login));
  QOIMA_ASSIGN_OR_RETURN(auto sel, db_.Prepare("SELECT action, requested_by, state FROM approvals WHERE id = ?"));
  sel.Bind(1, approval_id);
  QOIMA_ASSIGN_OR_RETURN(bool row, sel.Step());
  if (!row) return Status::NotFound("no approval " + std::to_string(approval_id));
  if (sel.ColumnText(0) != action)
    return Status::InvalidArgument(obj + " is for '" + sel.ColumnText(0) + "', not " + std::string(what));
  if (sel.ColumnText(2) != "requested")
    return Status::FailedPrecondition(obj + " is " + sel.ColumnText(2) + ", not awaiting approval");
  if (!uid || *uid == sel.ColumnInt(1)) {
    std::string msg = obj + ": the requester cannot approve their own request (two-person rule)";
    QOIMA_RETURN_IF_ERROR(AuditDenied(actor, "approval.approve", obj, msg));
    return Status::PermissionDenied(msg);
  }
  const int64_t requester = sel.ColumnInt(1);
  sel.Reset();
  QOIMA_ASSIGN_OR_RETURN(std::string requester_login, UserLogin(db_, requester));
  QOIMA_ASSIGN_OR_RETURN(int64_t now, UnixFromUtc(clock_.NowUtc()));
  if (Status s = CheckPersonsIndependent(db_, {requester, requester_login}, {*uid, actor.login}, now); !s.ok()) {
    std::string msg = obj + ": " + s.message() + " (two-person rule)";
    QOIMA_RETURN_IF_ERROR(AuditDenied(actor, "approval.approve", obj, msg));
    return Status::PermissionDenied(msg);
  }
  QOIMA_ASSIGN_OR_RETURN(storage::Transaction tx, storage::Transaction::Begin(db_));
  QOIMA_ASSIGN_OR_RETURN(auto upd, db_.Prepare("UPDATE approvals SET approved_by = ?, approved_at = ?, state = "
                                               "'approved' WHERE id = ? AND state = 'requested'"));
  QOIMA_RETURN_IF_ERROR(upd.Bind(1, *uid).Bind(2, clock_.NowUtc()).Bind(3, approval_id).Run());
  if (db_.Changes() != 1) return Status::FailedPrecondition(obj + " changed meanwhile");
  QOIMA_RETURN_IF_ERROR(audit_.Append(Event(actor, "approval.approve", obj, std::string(what) + " approved")).status());
  return tx.Commit();
}

namespace {

Result<DestructionActData> ActFromJson(const std::string& text, const ObjectInfo& obj) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Corrupt("destruction act JSON does not parse");
  try {
    DestructionActData a;
    a.act_number = j.at("act_number").get<std::string>();
    QOIMA_ASSIGN_OR_RETURN(a.act_date, CivilDate::Parse(j.at("act_date").get<std::string>()));
    a.object = obj;
    a.notice_reference = j.at("notice_reference").get<std::string>();
    QOIMA_ASSIGN_OR_RETURN(a.notice_received_on, CivilDate::Parse(j.at("notice_received_on").get<std::string>()));
    QOIMA_ASSIGN_OR_RETURN(a.due_on, CivilDate::Parse(j.at("due_on").get<std::string>()));
    a.requested_by = j.at("requested_by").get<std::string>();
    a.approved_by = j.at("approved_by").get<std::string>();
    a.performed_by = j.at("performed_by").get<std::string>();
    a.return_act = j.value("return_act", "");
    for (const auto& v : j.at("versions")) {
      DestroyedVersion dv;
      dv.version_no = v.at("version").get<int>();
      dv.label = v.at("label").get<std::string>();
      dv.tier = v.at("tier").get<std::string>();
      dv.file_count = v.at("file_count").get<int64_t>();
      dv.total_bytes = v.at("total_bytes").get<int64_t>();
      dv.root_hex = v.at("root_sha256").get<std::string>();
      dv.manifest_hex = v.value("store_manifest_sha256", "");
      for (const auto& f : v.at("files"))
        dv.files.push_back(
            {f.at("path").get<std::string>(), f.at("size").get<int64_t>(), f.at("sha256").get<std::string>()});
      a.versions.push_back(std::move(dv));
    }
    return a;
  } catch (const nlohmann::json::exception& e) {
    return Status::Corrupt(std::string("destruction act JSON: ") + e.what());
  }
}

}  // namespace

// What one Destroy carries from phase to phase: the case, its object, the
// approval's two persons, the act and the deposits to crypto-shred.
struct LifecycleService::DestroyRun {
  DestroyRun(LifecycleService& s, const LifecycleActor& who, int64_t id, int64_t approval)
      : svc(s), actor(who), case_id(id), approval_id(approval), audit_obj("case:" + std::to_string(id)) {}

  /// The permission, the case, its object, no open hand-over (refusals audited).
  Status Check();
  /// Two-person rule: an approved 'destroy' approval for this object,
  /// requested and approved by two different, still independent users, not
  /// used before. A refusal is audited.
  Status CheckApproval();
  /// Step 1: the act, with every file's name, size and hash, is written
  /// before anything is destroyed (the store deletes the file rows with the
  /// key). A command interrupted after this step resumes with the same act.
  Status WriteAct();
  /// Step 2: the store crypto-shreds each version (key erased with the
  /// tombstone and its audit leaf in one transaction, then the objects unlinked).
  Status Shred();
  /// Step 3: close the case, use up the approval, record the whole destruction.
  Status Close();
  /// The act gets the audit checkpoint signed after the destruction.
  Status SignAct();

  LifecycleService& svc;
  const LifecycleActor& actor;
  const int64_t case_id;
  const int64_t approval_id;
  std::string audit_obj;

  CaseInfo c;
  ObjectInfo obj;
  std::string return_act;
  int64_t requested_by = 0;
  int64_t approved_by = 0;
  CivilDate today;
  std::optional<int64_t> uid;
  DestructionActData act;
  int64_t act_id = 0;
  std::vector<int64_t> deposits;
};

Result<DestructionActData> LifecycleService::Destroy(const LifecycleActor& actor, int64_t case_id,
                                                     int64_t approval_id) {
  DestroyRun run(*this, actor, case_id, approval_id);
  QOIMA_RETURN_IF_ERROR(run.Check());
  QOIMA_RETURN_IF_ERROR(run.CheckApproval());
  run.today = LocalDateOf(clock_.NowUnix());
  QOIMA_ASSIGN_OR_RETURN(run.uid, UserId(db_, actor.login));
  QOIMA_RETURN_IF_ERROR(run.WriteAct());
  QOIMA_RETURN_IF_ERROR(run.Shred());
  QOIMA_RETURN_IF_ERROR(run.Close());
  QOIMA_RETURN_IF_ERROR(run.SignAct());
  return std::move(run.act);
}

Status LifecycleService::DestroyRun::Check() {
  if (Status s = svc.RequirePermission(actor, Permission::kRequestSensitive, "destroy stored code (003 cl.33)");
      !s.ok()) {
    QOIMA_RETURN_IF_ERROR(svc.AuditDenied(actor, "lifecycle.destroy", audit_obj, s.message()));
    return s;
  }
  QOIMA_ASSIGN_OR_RETURN(c, svc.LoadCase(case_id));
  if (c.kind != CaseKind::kDestroy)
    return Status::InvalidArgument("case " + std::to_string(case_id) + " is an " + std::string(CaseKindName(c.kind)) +
                                   " case, not a destruction");
  QOIMA_ASSIGN_OR_RETURN(obj, svc.FindObject(std::to_string(c.object_id)));
  audit_obj = "object:" + std::to_string(obj.id) + "/" + audit_obj;
  if (c.done)
    return Status::FailedPrecondition(Describe(obj) + " was already destroyed on " + c.done_on->ToString() + " (act " +
                                      c.result_ref + "): a second destruction is refused");
  // An issue or the return opened meanwhile: nothing is destroyed while one is open.
  QOIMA_ASSIGN_OR_RETURN(auto object_cases, svc.Cases(obj.id));
  if (Status open = svc.NoOpenHandover(obj, object_cases); !open.ok()) {
    QOIMA_RETURN_IF_ERROR(svc.AuditDenied(actor, "lifecycle.destroy", audit_obj, open.message()));
    return open;
  }
  for (const auto& oc : object_cases)
    if (oc.kind == CaseKind::kReturn && oc.done) return_act = oc.result_ref;
  return Status::Ok();
}

Status LifecycleService::DestroyRun::CheckApproval() {
  storage::Database& db = svc.db_;
  QOIMA_ASSIGN_OR_RETURN(auto ap, db.Prepare("SELECT action, target, requested_by, approved_by, state FROM approvals "
                                             "WHERE id = ?"));
  ap.Bind(1, approval_id);
  QOIMA_ASSIGN_OR_RETURN(bool have_ap, ap.Step());
  std::string refusal;
  std::string want_target = "object:" + std::to_string(obj.id);
  if (!have_ap) {
    refusal = "approval " + std::to_string(approval_id) + " does not exist";
  } else if (ap.ColumnText(0) != "destroy" || ap.ColumnText(1) != want_target) {
    refusal = "approval " + std::to_string(approval_id) + " is for '" + ap.ColumnText(0) + " " + ap.ColumnText(1) +
              "', not for 'destroy " + want_target + "'";
  } else if (ap.ColumnText(4) != "approved" || ap.ColumnIsNull(3)) {
    refusal = "approval " + std::to_string(approval_id) + " is " + ap.ColumnText(4) +
              ": destruction needs a second security officer's approval";
  } else if (ap.ColumnInt(2) == ap.ColumnInt(3)) {
    refusal = "approval " + std::to_string(approval_id) + " was requested and approved by the same person";
  } else {
    requested_by = ap.ColumnInt(2);
    approved_by = ap.ColumnInt(3);
  }
  ap.Reset();  // an open read cursor would block the store's WAL checkpoint after shredding
  if (refusal.empty()) {
    // The two persons must still be independent when the code is destroyed.
    QOIMA_ASSIGN_OR_RETURN(std::string requester_login, UserLogin(db, requested_by));
    QOIMA_ASSIGN_OR_RETURN(std::string approver_login, UserLogin(db, approved_by));
    QOIMA_ASSIGN_OR_RETURN(int64_t now, UnixFromUtc(svc.clock_.NowUtc()));
    Status independent =
        CheckPersonsIndependent(db, {requested_by, requester_login}, {approved_by, approver_login}, now);
    if (!independent.ok()) refusal = independent.message();
  }
  if (refusal.empty()) return Status::Ok();
  std::string msg = "destruction of " + Describe(obj) + " refused: " + refusal + " (two-person rule)";
  QOIMA_RETURN_IF_ERROR(svc.AuditDenied(actor, "lifecycle.destroy", audit_obj, msg));
  return Status::PermissionDenied(msg);
}

Status LifecycleService::DestroyRun::WriteAct() {
  storage::Database& db = svc.db_;
  {
    QOIMA_ASSIGN_OR_RETURN(auto existing, db.Prepare("SELECT id, manifest_json FROM acts WHERE kind = 'destruction' "
                                                     "AND number = ?"));
    existing.Bind(1, c.result_ref);
    QOIMA_ASSIGN_OR_RETURN(bool resumed, existing.Step());
    if (!c.result_ref.empty() && resumed) {
      act_id = existing.ColumnInt(0);
      QOIMA_ASSIGN_OR_RETURN(act, ActFromJson(existing.ColumnText(1), obj));
    }
  }
  QOIMA_ASSIGN_OR_RETURN(auto versions, svc.Versions(obj.id));
  for (const auto& v : versions)
    if (v.state == "committed") deposits.push_back(v.deposit_id);
  if (act_id != 0) return Status::Ok();
  if (deposits.empty()) return Status::FailedPrecondition(Describe(obj) + " has no stored version to destroy");
  act.act_number = "DESTR-" + std::to_string(today.year()) + "-" + std::to_string(case_id);
  act.act_date = today;
  act.object = obj;
  act.notice_reference = c.reference;
  act.notice_received_on = c.received_on;
  act.due_on = c.due_on;
  act.return_act = return_act;
  QOIMA_ASSIGN_OR_RETURN(act.requested_by, UserLogin(db, requested_by));
  QOIMA_ASSIGN_OR_RETURN(act.approved_by, UserLogin(db, approved_by));
  act.performed_by = actor.login;
  QOIMA_ASSIGN_OR_RETURN(auto fsel, db.Prepare("SELECT display_path, size, sha256 FROM files WHERE deposit_id = ? "
                                               "ORDER BY path"));
  for (const auto& v : versions) {
    if (v.state != "committed") continue;
    DestroyedVersion dv;
    dv.version_no = v.version_no;
    dv.label = v.label;
    dv.tier = std::string(StoreTierName(v.tier));
    dv.file_count = v.file_count;
    dv.total_bytes = v.total_bytes;
    dv.root_hex = v.root_hex;
    dv.manifest_hex = v.manifest_hex;
    fsel.Reset();
    fsel.Bind(1, v.deposit_id);
    for (;;) {
      QOIMA_ASSIGN_OR_RETURN(bool row, fsel.Step());
      if (!row) break;
      dv.files.push_back({fsel.ColumnText(0), fsel.ColumnInt(1), crypto::Hex(fsel.ColumnBlob(2))});
    }
    act.versions.push_back(std::move(dv));
  }
  QOIMA_ASSIGN_OR_RETURN(storage::Transaction tx, storage::Transaction::Begin(db));
  QOIMA_ASSIGN_OR_RETURN(auto ins_act, db.Prepare("INSERT INTO acts(kind, number, act_date, template_id, "
                                                  "manifest_json, created_by, created_at) "
                                                  "VALUES('destruction', ?, ?, '003-cl33-destruction-v1', ?, ?, ?)"));
  QOIMA_RETURN_IF_ERROR(ins_act.Bind(1, act.act_number)
                            .Bind(2, today.ToString())
                            .Bind(3, ToJson(act).dump())
                            .BindOptional(4, uid)
                            .Bind(5, svc.clock_.NowUtc())
                            .Run());
  act_id = db.LastInsertRowid();
  QOIMA_ASSIGN_OR_RETURN(auto mark, db.Prepare("UPDATE lifecycle_cases SET result_ref = ? WHERE id = ?"));
  QOIMA_RETURN_IF_ERROR(mark.Bind(1, act.act_number).Bind(2, case_id).Run());
  QOIMA_RETURN_IF_ERROR(
      svc.audit_
          .Append(svc.Event(actor, "lifecycle.destroy.start", audit_obj,
                            "act " + act.act_number + "; " + std::to_string(deposits.size()) +
                                " version(s) to crypto-shred; approval " + std::to_string(approval_id)))
          .status());
  return tx.Commit();
}

Status LifecycleService::DestroyRun::Shred() {
  std::string reason = "003 cl.33: archive-transfer notice " + c.reference + " of " + c.received_on.ToString() +
                       "; act " + act.act_number;
  for (int64_t d : deposits)
    QOIMA_RETURN_IF_ERROR(svc.store_.DestroyDeposit(d, {actor.login, actor.role}, reason, approval_id, act_id, uid)
                              .status()
                              .WithContext("destruction of " + Describe(obj) + " (act " + act.act_number +
                                           ") interrupted; run it again to finish"));
  return Status::Ok();
}

Status LifecycleService::DestroyRun::Close() {
  storage::Database& db = svc.db_;
  std::string timing = "on time";
  if (today > c.due_on) {
    QOIMA_ASSIGN_OR_RETURN(int late, svc.calendar_.WorkingDaysBetween(c.due_on, today));
    timing = "LATE by " + std::to_string(late) + " working day(s), due " + c.due_on.ToString();
  }
  int64_t files_total = 0, bytes_total = 0;
  for (const auto& v : act.versions) {
    files_total += static_cast<int64_t>(v.files.size());
    bytes_total += v.total_bytes;
  }
  QOIMA_ASSIGN_OR_RETURN(storage::Transaction tx, storage::Transaction::Begin(db));
  QOIMA_ASSIGN_OR_RETURN(auto upd, db.Prepare("UPDATE lifecycle_cases SET state = 'done', done_on = ?, "
                                              "result_ref = ?, approval_id = ? WHERE id = ? AND state = 'open'"));
  QOIMA_RETURN_IF_ERROR(
      upd.Bind(1, today.ToString()).Bind(2, act.act_number).Bind(3, approval_id).Bind(4, case_id).Run());
  if (db.Changes() != 1) return Status::FailedPrecondition("case " + std::to_string(case_id) + " is not open");
  QOIMA_ASSIGN_OR_RETURN(auto used, db.Prepare("UPDATE approvals SET state = 'used' WHERE id = ? AND state = "
                                               "'approved'"));
  QOIMA_RETURN_IF_ERROR(used.Bind(1, approval_id).Run());
  if (db.Changes() != 1) return Status::FailedPrecondition("approval " + std::to_string(approval_id) + " changed");
  QOIMA_RETURN_IF_ERROR(
      svc.audit_
          .Append(svc.Event(actor, "lifecycle.destroy", audit_obj,
                            std::to_string(act.versions.size()) + " version(s), " + std::to_string(files_total) +
                                " file(s), " + std::to_string(bytes_total) + " bytes crypto-shredded; act " +
                                act.act_number + "; archive-transfer notice " + c.reference + " of " +
                                c.received_on.ToString() + "; approval " + std::to_string(approval_id) +
                                " (requested by " + act.requested_by + ", approved by " + act.approved_by + "); " +
                                timing + " (003 cl.33)"))
          .status());
  return tx.Commit();
}

Status LifecycleService::DestroyRun::SignAct() {
  auto cp = svc.store_.SignCheckpoint();
  if (!cp.ok())
    return cp.status().WithContext("destruction committed (act " + act.act_number + "); audit checkpoint failed");
  act.checkpoint_tree_size = cp->tree_size;
  act.checkpoint_root_hex = crypto::Hex(cp->root);
  act.checkpoint_key_fingerprint = cp->key_fingerprint;
  QOIMA_ASSIGN_OR_RETURN(auto upd_act, svc.db_.Prepare("UPDATE acts SET manifest_json = ?, checkpoint_size = ?, "
                                                       "checkpoint_root = ? WHERE id = ?"));
  return upd_act.Bind(1, ToJson(act).dump())
      .Bind(2, static_cast<int64_t>(cp->tree_size))
      .BindBlob(3, cp->root)
      .Bind(4, act_id)
      .Run();
}

Result<std::vector<NoticeInfo>> LifecycleService::Notices() {
  QOIMA_ASSIGN_OR_RETURN(auto st, db_.Prepare("SELECT id, kind, COALESCE(event, ''), addressee, due_on, sent_on, "
                                              "COALESCE(export_ref, ''), case_id FROM notices ORDER BY id"));
  std::vector<NoticeInfo> out;
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    NoticeInfo n;
    n.id = st.ColumnInt(0);
    n.kind = st.ColumnText(1);
    n.event = st.ColumnText(2);
    n.addressee = st.ColumnText(3);
    if (!st.ColumnIsNull(4)) {
      QOIMA_ASSIGN_OR_RETURN(CivilDate d, DateColumn(st, 4, "notice due_on"));
      n.due_on = d;
    }
    if (!st.ColumnIsNull(5)) {
      QOIMA_ASSIGN_OR_RETURN(CivilDate d, DateColumn(st, 5, "notice sent_on"));
      n.sent_on = d;
    }
    n.export_ref = st.ColumnText(6);
    if (!st.ColumnIsNull(7)) n.case_id = st.ColumnInt(7);
    out.push_back(std::move(n));
  }
  return out;
}

Status LifecycleService::MarkNoticeSent(const LifecycleActor& actor, int64_t notice_id, const CivilDate& sent_on,
                                        const std::string& export_ref) {
  QOIMA_RETURN_IF_ERROR(RequirePermission(actor, Permission::kLifecycleRecord, "record a sent notice"));
  if (sent_on > LocalDateOf(clock_.NowUnix()))
    return Status::InvalidArgument("sent date " + sent_on.ToString() + " is in the future");
  QOIMA_ASSIGN_OR_RETURN(auto sel, db_.Prepare("SELECT sent_on, COALESCE(export_ref, '') FROM notices WHERE id = ?"));
  sel.Bind(1, notice_id);
  QOIMA_ASSIGN_OR_RETURN(bool row, sel.Step());
  if (!row) return Status::NotFound("no notice " + std::to_string(notice_id));
  if (!sel.ColumnIsNull(0))
    return Status::FailedPrecondition("notice " + std::to_string(notice_id) + " was already sent on " +
                                      sel.ColumnText(0));
  // An issue or return notice already names the bundles it reports (Handover);
  // what carried the notice itself is added to that.
  std::string existing = sel.ColumnText(1);
  sel.Reset();
  if (export_ref.empty() && existing.empty())
    return Status::InvalidArgument("name the export that carried notice " + std::to_string(notice_id));
  std::string ref = existing.empty()     ? export_ref
                    : export_ref.empty() ? existing
                                         : existing + "; sent in " + export_ref;
  QOIMA_ASSIGN_OR_RETURN(storage::Transaction tx, storage::Transaction::Begin(db_));
  QOIMA_ASSIGN_OR_RETURN(auto upd, db_.Prepare("UPDATE notices SET sent_on = ?, export_ref = ?, exported_at = ? "
                                               "WHERE id = ? AND sent_on IS NULL"));
  QOIMA_RETURN_IF_ERROR(upd.Bind(1, sent_on.ToString()).Bind(2, ref).Bind(3, clock_.NowUtc()).Bind(4, notice_id).Run());
  QOIMA_RETURN_IF_ERROR(audit_
                            .Append(Event(actor, "notice.sent", "notice:" + std::to_string(notice_id),
                                          "sent " + sent_on.ToString() + " (" + ref + ")"))
                            .status());
  return tx.Commit();
}

namespace {
std::string HalfYearEvent(int year, int half) {
  return "half-year report " + std::to_string(year) + "/" + std::to_string(half);
}

/// The same event as older stores recorded it, when the notice's text cited the
/// clause of the repealed order; it is matched, never written.
std::string LegacyHalfYearEvent(int year, int half) { return HalfYearEvent(year, half) + " (001 cl.13)"; }
}  // namespace

Result<int64_t> LifecycleService::RecordHalfYearReportNotice(const LifecycleActor& actor, int year, int half) {
  QOIMA_RETURN_IF_ERROR(RequirePermission(actor, Permission::kLifecycleRecord, "record the half-year report"));
  QOIMA_ASSIGN_OR_RETURN(CivilDate due, HalfYearReportDue(calendar_, year, half));
  std::string event = HalfYearEvent(year, half);
  QOIMA_ASSIGN_OR_RETURN(auto sel, db_.Prepare("SELECT id FROM notices WHERE kind = 'half_year_report' AND "
                                               "event IN (?, ?)"));
  sel.Bind(1, event).Bind(2, LegacyHalfYearEvent(year, half));
  QOIMA_ASSIGN_OR_RETURN(bool row, sel.Step());
  if (row) return sel.ColumnInt(0);
  sel.Reset();
  QOIMA_ASSIGN_OR_RETURN(auto uid, UserId(db_, actor.login));
  QOIMA_ASSIGN_OR_RETURN(storage::Transaction tx, storage::Transaction::Begin(db_));
  QOIMA_ASSIGN_OR_RETURN(auto ins, db_.Prepare("INSERT INTO notices(kind, addressee, due_on, created_by, created_at, "
                                               "event) VALUES('half_year_report', ?, ?, ?, ?, ?)"));
  QOIMA_RETURN_IF_ERROR(ins.Bind(1, kDefaultAuthorizedBody)
                            .Bind(2, due.ToString())
                            .BindOptional(3, uid)
                            .Bind(4, clock_.NowUtc())
                            .Bind(5, event)
                            .Run());
  int64_t id = db_.LastInsertRowid();
  QOIMA_RETURN_IF_ERROR(
      audit_.Append(Event(actor, "notice.record", "notice:" + std::to_string(id), event + ", due " + due.ToString()))
          .status());
  QOIMA_RETURN_IF_ERROR(tx.Commit());
  return id;
}

Result<std::vector<DueItem>> LifecycleService::Due(int soon_working_days) {
  CivilDate today = LocalDateOf(clock_.NowUnix());
  std::vector<DueItem> out;
  auto classify = [&](DueItem& item) -> Status {
    if (item.due_on < today) {
      QOIMA_ASSIGN_OR_RETURN(int late, calendar_.WorkingDaysBetween(item.due_on, today));
      item.status = DueStatus::kOverdue;
      item.working_days_left = -late;
    } else {
      QOIMA_ASSIGN_OR_RETURN(int left, calendar_.WorkingDaysBetween(today, item.due_on));
      item.working_days_left = left;
      item.status = left <= soon_working_days ? DueStatus::kDueSoon : DueStatus::kOpen;
    }
    return Status::Ok();
  };
  QOIMA_ASSIGN_OR_RETURN(auto cases, Cases());
  for (const auto& c : cases) {
    if (c.done) continue;
    QOIMA_ASSIGN_OR_RETURN(const DeadlineRule* rule, FindDeadlineRule(c.rule_id));
    QOIMA_ASSIGN_OR_RETURN(ObjectInfo obj, FindObject(std::to_string(c.object_id)));
    DueItem item;
    item.due_on = c.due_on;
    item.what = std::string(CaseKindName(c.kind)) + ": " + std::string(rule->duty) + " — " + Describe(obj) + ", ref. " +
                c.reference + " of " + c.received_on.ToString();
    item.clause = Clause(*rule);
    item.ref = "case:" + std::to_string(c.id);
    item.provisional_calendar = calendar_.RangeHasProvisional(c.received_on, c.due_on);
    QOIMA_RETURN_IF_ERROR(classify(item));
    out.push_back(std::move(item));
  }
  QOIMA_ASSIGN_OR_RETURN(auto notices, Notices());
  for (const auto& n : notices) {
    if (n.sent_on || !n.due_on) continue;
    DueItem item;
    item.due_on = *n.due_on;
    for (const auto& c : cases)
      if (n.case_id && *n.case_id == c.id)
        item.provisional_calendar = calendar_.RangeHasProvisional(c.received_on, c.due_on);
    item.what = "notice to the authorized body (" + n.kind + "): " + n.event;
    item.clause = n.kind == "issue"              ? ClauseOf("issue")
                  : n.kind == "return"           ? ClauseOf("return")
                  : n.kind == "destruction"      ? ClauseOf("destroy")
                  : n.kind == "acceptance"       ? ClauseOf("notify-acceptance")
                  : n.kind == "half_year_report" ? ClauseOf("half-year-report")
                                                 : "003 cl.34";
    item.ref = "notice:" + std::to_string(n.id);
    QOIMA_RETURN_IF_ERROR(classify(item));
    out.push_back(std::move(item));
  }
  // The owner's change notices the operator expects (003 cl.27-28), until they arrive.
  QOIMA_ASSIGN_OR_RETURN(auto changes, ChangeNotices());
  for (const auto& c : changes) {
    if (c.received_on) continue;
    QOIMA_ASSIGN_OR_RETURN(ObjectInfo obj, FindObject(std::to_string(c.object_id)));
    DueItem item;
    item.due_on = c.due_on;
    item.what = std::string("the owner's notice of a change expected: ") +
                (c.kind == ChangeKind::kSourceCode ? "source code changed" : "technical work on the server") + " on " +
                c.changed_on.ToString() + " — " + Describe(obj) + " (" + c.learned_from + ")";
    item.clause = ClauseOf("owner-change");
    item.ref = "change:" + std::to_string(c.id);
    item.provisional_calendar = calendar_.RangeHasProvisional(c.changed_on, c.due_on);
    QOIMA_RETURN_IF_ERROR(classify(item));
    out.push_back(std::move(item));
  }
  // The last ended half-year's report, until its notice exists (then the notice is listed above).
  int year = today.year(), half = today.month() <= 6 ? 2 : 1;
  if (half == 2) --year;
  CivilDate period_end = half == 1 ? CivilDate::FromYmd(year, 6, 30) : CivilDate::FromYmd(year, 12, 31);
  QOIMA_ASSIGN_OR_RETURN(auto older, db_.Prepare("SELECT count(*) FROM informatization_objects WHERE "
                                                 "substr(created_at, 1, 10) <= ?"));
  older.Bind(1, period_end.ToString());
  QOIMA_ASSIGN_OR_RETURN(bool have, older.Step());
  bool recorded = std::any_of(notices.begin(), notices.end(), [&](const NoticeInfo& n) {
    return n.kind == "half_year_report" &&
           (n.event == HalfYearEvent(year, half) || n.event == LegacyHalfYearEvent(year, half));
  });
  if (have && older.ColumnInt(0) > 0 && !recorded) {
    auto due = HalfYearReportDue(calendar_, year, half);
    if (due.ok()) {
      DueItem item;
      item.due_on = *due;
      item.what = HalfYearEvent(year, half) + " to the authorized body: `qoima report half-year " +
                  std::to_string(year) + " " + std::to_string(half) + " --record`";
      item.clause = ClauseOf("half-year-report");
      item.ref = "report:" + std::to_string(year) + "/" + std::to_string(half);
      QOIMA_RETURN_IF_ERROR(classify(item));
      out.push_back(std::move(item));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const DueItem& a, const DueItem& b) { return a.due_on < b.due_on; });
  return out;
}

}  // namespace qoima::appliance::lifecycle
