#include "appliance/access_register.h"

#include <map>
#include <set>

#include "crypto/hash.h"

namespace qoima::appliance {
namespace {

bool AllDigits(std::string_view s) {
  return !s.empty() && s.size() <= 18 && s.find_first_not_of("0123456789") == std::string_view::npos;
}

/// The value of "name=" in an export event's reason ("export-id=...;...;reason=..."):
/// up to the next ';' (the last field, reason=, runs to the end).
std::string Field(std::string_view text, std::string_view name) {
  const std::string key = std::string(name) + "=";
  size_t at = 0;
  while (at < text.size()) {
    if (text.compare(at, key.size(), key) == 0) {
      size_t from = at + key.size();
      if (name == "reason") return std::string(text.substr(from));
      size_t end = text.find(';', from);
      return std::string(text.substr(from, end == std::string_view::npos ? std::string_view::npos : end - from));
    }
    size_t next = text.find(';', at);
    if (next == std::string_view::npos) break;
    at = next + 1;
  }
  return std::string();
}

/// What the register needs of the deposit to recognise the log's entries
/// about it.
struct Subject {
  std::string deposit_object;              // "deposit:N"
  std::set<std::string> document_objects;  // "act:A-N", "act:N", "act:<number>", "return:RET-c", "return:c"
};

Result<AccessRegister> LoadDeposit(storage::Database& db, int64_t deposit_id, Subject& subject) {
  QOIMA_ASSIGN_OR_RETURN(auto st, db.Prepare("SELECT d.object_id, d.version_no, d.state, o.name, "
                                             "COALESCE(o.architecture_code, ''), "
                                             "COALESCE((SELECT number FROM acts WHERE kind = 'acceptance' AND "
                                             "deposit_id = d.id ORDER BY id LIMIT 1), '') "
                                             "FROM deposits d JOIN informatization_objects o ON o.id = d.object_id "
                                             "WHERE d.id = ?"));
  st.Bind(1, deposit_id);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no deposit " + std::to_string(deposit_id));
  AccessRegister r;
  r.deposit_id = deposit_id;
  r.object_id = st.ColumnInt(0);
  r.version_no = st.ColumnInt(1);
  r.state = st.ColumnText(2);
  r.object_name = st.ColumnText(3);
  r.portal_code = st.ColumnText(4);
  r.act_number = st.ColumnText(5);
  st.Reset();
  const std::string n = std::to_string(deposit_id);
  subject.deposit_object = "deposit:" + n;
  subject.document_objects = {"act:A-" + n, "act:" + n};
  if (!r.act_number.empty()) subject.document_objects.insert("act:" + r.act_number);
  // A return act lists every version of the object: printing it shows this deposit's files too.
  QOIMA_ASSIGN_OR_RETURN(auto cases, db.Prepare("SELECT id FROM lifecycle_cases WHERE object_id = ? AND "
                                                "kind = 'return'"));
  cases.Bind(1, r.object_id);
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool more, cases.Step());
    if (!more) break;
    const std::string c = std::to_string(cases.ColumnInt(0));
    subject.document_objects.insert("return:" + c);
    subject.document_objects.insert("return:RET-" + c);
  }
  return r;
}

/// The entry as a row of the register, or nothing when it is not about the
/// deposit or records no access (a refusal, a failure).
std::optional<AccessEntry> Classify(const Subject& subject, uint64_t index, const storage::AuditEvent& e) {
  if (e.outcome != "success") return std::nullopt;
  AccessEntry a;
  a.audit_index = index;
  a.time = e.time;
  a.login = e.actor;
  a.role = e.role;
  a.action = e.action;
  a.object = e.object;
  a.reason = e.reason;
  const std::string& dep = subject.deposit_object;
  const bool whole = e.object == dep;
  const bool part =
      e.object.size() > dep.size() && e.object.compare(0, dep.size(), dep) == 0 && e.object[dep.size()] == '/';
  if ((e.action == "deposit.read" && whole) || ((e.action == "file.read" || e.action == "test_report.read") && part)) {
    a.kind = AccessKind::kRead;
    // "file:7" or "test-report:2", resolved to the file's path or the report's name later
    if (part) a.item = e.object.substr(dep.size() + 1);
    return a;
  }
  if (e.action == "export.bundle" && whole) {
    const std::string why = Field(e.reason, "reason");
    a.kind = why.rfind("issue on request", 0) == 0            ? AccessKind::kIssue
             : why.rfind("return on decommissioning", 0) == 0 ? AccessKind::kReturn
                                                              : AccessKind::kExport;
    a.item = Field(e.reason, "export-id");
    return a;
  }
  if ((e.action == "document.render" || e.action == "document.print") && subject.document_objects.count(e.object)) {
    a.kind = AccessKind::kPrint;
    a.item = e.object;
    return a;
  }
  return std::nullopt;
}

}  // namespace

std::string_view AccessKindName(AccessKind kind) {
  switch (kind) {
    case AccessKind::kRead: return "read";
    case AccessKind::kExport: return "export";
    case AccessKind::kPrint: return "print";
    case AccessKind::kIssue: return "issue";
    case AccessKind::kReturn: return "return";
  }
  return "?";
}

Result<int64_t> ParseDepositRef(std::string_view ref) {
  std::string_view digits = ref;
  for (std::string_view prefix : {"deposit:", "A-"})
    if (digits.substr(0, prefix.size()) == prefix) digits.remove_prefix(prefix.size());
  if (!AllDigits(digits) || std::stoll(std::string(digits)) <= 0)
    return Status::InvalidArgument("deposit '" + std::string(ref) + "': give the deposit number (3) or its act (A-3)");
  return static_cast<int64_t>(std::stoll(std::string(digits)));
}

Result<AccessRegister> BuildAccessRegister(storage::Store& store, int64_t deposit_id) {
  storage::Database& db = store.db();
  Subject subject;
  QOIMA_ASSIGN_OR_RETURN(AccessRegister r, LoadDeposit(db, deposit_id, subject));
  std::vector<AccessEntry> rows;
  QOIMA_ASSIGN_OR_RETURN(storage::AuditVerifyReport report,
                         store.VerifyAuditVisiting([&](uint64_t index, const storage::AuditEvent& e) {
                           if (auto a = Classify(subject, index, e)) rows.push_back(std::move(*a));
                           return Status::Ok();
                         }));
  if (!report.ok())
    return Status::Tampered("the access register of deposit " + std::to_string(deposit_id) +
                            " is built from the audit log, and the log does not verify: " + report.problem);
  r.audit_entries = report.entries;
  QOIMA_ASSIGN_OR_RETURN(auto cp, store.audit().LatestCheckpoint());
  if (cp) {
    r.checkpoint_size = cp->tree_size;
    r.checkpoint_root_hex = crypto::Hex(cp->root);
  }

  // Names, positions and file paths, once each.
  std::map<std::string, std::pair<std::string, std::string>> people;
  QOIMA_ASSIGN_OR_RETURN(auto who, db.Prepare("SELECT surname || ' ' || given_name || COALESCE(' ' || patronymic, ''), "
                                              "COALESCE(position, '') FROM users WHERE login = ?"));
  QOIMA_ASSIGN_OR_RETURN(auto file, db.Prepare("SELECT display_path FROM files WHERE id = ? AND deposit_id = ?"));
  QOIMA_ASSIGN_OR_RETURN(auto report_name,
                         db.Prepare("SELECT r.name FROM security_test_reports r JOIN security_tests t ON "
                                    "t.id = r.test_id WHERE r.id = ? AND t.deposit_id = ?"));
  for (AccessEntry& a : rows) {
    auto known = people.find(a.login);
    if (known == people.end()) {
      who.Bind(1, a.login);
      QOIMA_ASSIGN_OR_RETURN(bool row, who.Step());
      known = people
                  .emplace(a.login, row ? std::make_pair(who.ColumnText(0), who.ColumnText(1))
                                        : std::make_pair(std::string(), std::string()))
                  .first;
      who.Reset();
    }
    a.full_name = known->second.first;
    a.position = known->second.second;
    if (a.kind == AccessKind::kRead && a.item.rfind("file:", 0) == 0 && AllDigits(a.item.substr(5))) {
      file.Bind(1, static_cast<int64_t>(std::stoll(a.item.substr(5)))).Bind(2, deposit_id);
      QOIMA_ASSIGN_OR_RETURN(bool row, file.Step());
      if (row) a.item = file.ColumnText(0);  // a destroyed deposit's rows are gone: the file number stays
      file.Reset();
    }
    const std::string_view kReport = "test-report:";
    if (a.kind == AccessKind::kRead && a.item.rfind(kReport, 0) == 0 && AllDigits(a.item.substr(kReport.size()))) {
      report_name.Bind(1, static_cast<int64_t>(std::stoll(a.item.substr(kReport.size())))).Bind(2, deposit_id);
      QOIMA_ASSIGN_OR_RETURN(bool row, report_name.Step());
      if (row) a.item = report_name.ColumnText(0);  // report rows stay after a destruction
      report_name.Reset();
    }
  }
  r.entries = std::move(rows);
  return r;
}

}  // namespace qoima::appliance
