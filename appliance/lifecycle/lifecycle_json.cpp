#include "appliance/lifecycle/lifecycle_json.h"

#include "appliance/lifecycle/deadline_rules.h"

namespace qoima::appliance::lifecycle {

namespace {
template <typename T>
nlohmann::json Opt(const std::optional<T>& v) {
  if (!v) return nullptr;
  if constexpr (std::is_same_v<T, CivilDate>)
    return v->ToString();
  else
    return *v;
}

std::string ReturnBasis() {
  auto rule = FindDeadlineRule("return");
  return rule.ok() ? BasisText(**rule) : std::string("return");
}

}  // namespace

std::string_view StoreTierName(StoreTier t) { return t == StoreTier::kTemporary ? "temporary" : "permanent"; }
std::string_view TestOutcomeName(TestOutcome o) { return o == TestOutcome::kPositive ? "positive" : "negative"; }
std::string_view ChangeKindName(ChangeKind k) { return k == ChangeKind::kSourceCode ? "source_code" : "server_work"; }
std::optional<ChangeKind> ParseChangeKind(std::string_view s) {
  if (s == "source_code" || s == "code") return ChangeKind::kSourceCode;
  if (s == "server_work" || s == "server") return ChangeKind::kServerWork;
  return std::nullopt;
}
std::string_view CaseKindName(CaseKind k) {
  switch (k) {
    case CaseKind::kIssue: return "issue";
    case CaseKind::kReturn: return "return";
    case CaseKind::kDestroy: return "destroy";
  }
  return "?";
}
std::string_view DueStatusName(DueStatus s) {
  switch (s) {
    case DueStatus::kOverdue: return "overdue";
    case DueStatus::kDueSoon: return "due-soon";
    case DueStatus::kOpen: return "open";
  }
  return "?";
}

nlohmann::json ToJson(const ObjectInfo& o) {
  return {{"id", o.id},
          {"name", o.name},
          {"portal_code", o.portal_code},
          {"track", o.track},
          {"operation_ended_at", Opt(o.operation_ended_at)},
          {"destroyed", o.destroyed}};
}

nlohmann::json ToJson(const VersionInfo& v) {
  return {{"deposit_id", v.deposit_id},
          {"object_id", v.object_id},
          {"version", v.version_no},
          {"label", v.label},
          {"kind", v.kind},
          {"tier", StoreTierName(v.tier)},
          {"state", v.state},
          {"file_count", v.file_count},
          {"total_bytes", v.total_bytes},
          {"root_sha256", v.root_hex},
          {"created_at", v.created_at}};
}

nlohmann::json ToJson(const CaseInfo& c) {
  return {{"id", c.id},
          {"object_id", c.object_id},
          {"kind", CaseKindName(c.kind)},
          {"received_on", c.received_on.ToString()},
          {"reference", c.reference},
          {"rule", c.rule_id},
          {"due_on", c.due_on.ToString()},
          {"state", c.done ? "done" : "open"},
          {"done_on", Opt(c.done_on)},
          {"result_ref", c.result_ref}};
}

nlohmann::json ToJson(const NoticeInfo& n) {
  return {{"id", n.id},
          {"kind", n.kind},
          {"event", n.event},
          {"addressee", n.addressee},
          {"due_on", Opt(n.due_on)},
          {"sent_on", Opt(n.sent_on)},
          {"export_ref", n.export_ref},
          {"case_id", Opt(n.case_id)}};
}

nlohmann::json ToJson(const ChangeNoticeInfo& c) {
  return {{"id", c.id},
          {"object_id", c.object_id},
          {"kind", ChangeKindName(c.kind)},
          {"changed_on", c.changed_on.ToString()},
          {"due_on", c.due_on.ToString()},
          {"learned_from", c.learned_from},
          {"state", c.received_on ? "received" : "expected"},
          {"received_on", Opt(c.received_on)},
          {"reference", c.reference},
          {"description", c.description},
          {"on_time", Opt(c.on_time)},
          {"recorded_by", c.created_by},
          {"received_by", c.received_by}};
}

nlohmann::json ToJson(const DueItem& d) {
  return {{"status", DueStatusName(d.status)},
          {"due_on", d.due_on.ToString()},
          {"working_days_left", d.working_days_left},
          {"what", d.what},
          {"clause", d.clause},
          {"ref", d.ref},
          {"provisional_calendar", d.provisional_calendar}};
}

nlohmann::json ToJson(const DestructionActData& a) {
  nlohmann::json versions = nlohmann::json::array();
  for (const auto& v : a.versions) {
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : v.files) files.push_back({{"path", f.path}, {"size", f.size}, {"sha256", f.sha256_hex}});
    versions.push_back({{"version", v.version_no},
                        {"label", v.label},
                        {"tier", v.tier},
                        {"file_count", v.file_count},
                        {"total_bytes", v.total_bytes},
                        {"root_sha256", v.root_hex},
                        {"store_manifest_sha256", v.manifest_hex},
                        {"files", files}});
  }
  return {{"act_number", a.act_number},
          {"act_date", a.act_date.ToString()},
          {"clause", "003 cl.33"},
          {"object", ToJson(a.object)},
          {"notice_reference", a.notice_reference},
          {"notice_received_on", a.notice_received_on.ToString()},
          {"due_on", a.due_on.ToString()},
          {"return_act", a.return_act},
          {"method", "crypto-shredding"},
          {"requested_by", a.requested_by},
          {"approved_by", a.approved_by},
          {"performed_by", a.performed_by},
          {"versions", versions},
          {"audit_checkpoint",
           {{"tree_size", a.checkpoint_tree_size},
            {"root", a.checkpoint_root_hex},
            {"key_fingerprint", a.checkpoint_key_fingerprint}}}};
}

nlohmann::json ToJson(const HandoverBundle& b) {
  return {{"version", b.version_no},          {"deposit_id", b.deposit_id},   {"approval_id", b.approval_id},
          {"requested_by", b.requested_by},   {"approved_by", b.approved_by}, {"export_id", b.export_id},
          {"sequence", b.sequence},           {"location", b.location},       {"bundle_bytes", b.bundle_bytes},
          {"bundle_sha256", b.bundle_sha256}, {"encrypted", b.encrypted},     {"payload_files", b.payload_files},
          {"payload_bytes", b.payload_bytes}};
}

nlohmann::json ToJson(const ReturnActData& a) {
  nlohmann::json versions = nlohmann::json::array();
  for (const auto& v : a.versions) {
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : v.files)
      files.push_back({{"path", f.path}, {"size", f.size}, {"sha256", f.sha256_hex}, {"category", f.category}});
    versions.push_back({{"version", v.version_no},
                        {"label", v.label},
                        {"kind", v.kind},
                        {"tier", v.tier},
                        {"file_count", v.file_count},
                        {"total_bytes", v.total_bytes},
                        {"root_sha256", v.root_hex},
                        {"store_manifest_sha256", v.manifest_hex},
                        {"bundle", ToJson(v.bundle)},
                        {"files", files}});
  }
  return {{"act_kind", "return"},
          {"act_number", a.act_number},
          {"act_date", a.act_date.ToString()},
          {"clause", ReturnBasis()},
          {"object", ToJson(a.object)},
          {"notice_reference", a.notice_reference},
          {"notice_received_on", a.notice_received_on.ToString()},
          {"due_on", a.due_on.ToString()},
          {"on_time", a.on_time},
          {"requested_by", a.requested_by},
          {"approved_by", a.approved_by},
          {"performed_by", a.performed_by},
          {"versions", versions},
          {"audit_checkpoint",
           {{"tree_size", a.checkpoint_tree_size},
            {"root", a.checkpoint_root_hex},
            {"key_fingerprint", a.checkpoint_key_fingerprint}}}};
}

nlohmann::json ToJson(const SecurityTestInfo& t) {
  nlohmann::json reports = nlohmann::json::array(), findings = nlohmann::json::array(),
                 remediation = nlohmann::json::array();
  for (size_t i = 0; i < t.reports.size(); ++i) {
    const TestReportInfo& r = t.reports[i];
    reports.push_back(
        {{"number", i + 1}, {"name", r.name}, {"size", r.size}, {"sha256", r.sha256}, {"destroyed", r.destroyed}});
  }
  for (const auto& f : t.findings)
    findings.push_back({{"number", f.number},
                        {"description", f.description},
                        {"path", f.path},
                        {"risk", std::string(RiskLevelName(f.risk))}});
  for (const auto& r : t.remediation)
    remediation.push_back(
        {{"number", r.number}, {"vulnerability", r.finding}, {"correction", r.correction}, {"fixed", r.fixed}});
  return {{"id", t.id},
          {"object", t.object_id},
          {"version", t.version_no},
          {"outcome", std::string(TestOutcomeName(t.outcome))},
          {"reference", t.reference},
          {"tested_on", t.tested_on.ToString()},
          {"recorded_by", t.recorded_by},
          {"recorded_at", t.recorded_at},
          {"reports", reports},
          {"vulnerabilities", findings},
          {"remediation", remediation}};
}

}  // namespace qoima::appliance::lifecycle
