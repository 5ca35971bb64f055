#include "appliance/print/document_adapters.h"

#include <algorithm>

#include "appliance/item_category.h"
#include "appliance/media_findings.h"
#include "appliance/print/document_renderer.h"

namespace qoima::print {
namespace {

using nlohmann::json;
namespace lc = appliance::lifecycle;

bool IsHex64(std::string_view s) {
  return s.size() == kSha256HexLength &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

/// Template key of a funding source (the template says "other_entities").
std::string FundingKey(appliance::FundingSource f) {
  if (f == appliance::FundingSource::kOtherEntitiesFunds) return "other_entities";
  return std::string(appliance::FundingSourceName(f));
}

SignatureBlock Signer(const std::string& organization, const std::string& position, const std::string& full_name) {
  return {organization, position, SplitFullName(full_name)};
}

Contact ToContact(const appliance::ActParty& p) {
  Contact c;
  c.person = SplitFullName(p.full_name);
  c.position = p.position;
  c.work_phone = p.work_phone;
  c.mobile_phone = p.mobile_phone;
  c.email = p.email;
  return c;
}

void SplitPath(const std::string& path, std::string* dir, std::string* name) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) {
    dir->clear();
    *name = path;
  } else {
    *dir = path.substr(0, slash);
    *name = path.substr(slash + 1);
  }
}

}  // namespace

PersonName SplitFullName(std::string_view full_name) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : full_name) {
    if (c == ' ' || c == '\t') {
      if (!cur.empty()) parts.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) parts.push_back(std::move(cur));
  PersonName p;
  if (parts.empty()) return p;
  p.surname = parts[0];
  if (parts.size() > 1) p.name = parts[1];
  for (size_t i = 2; i < parts.size(); ++i) p.patronymic += (i > 2 ? " " : "") + parts[i];
  return p;
}

Status ParseCheckpointText(std::string_view text, uint64_t* size, std::string* root_hex) {
  // "size N root HEX"
  constexpr std::string_view kSize = "size ", kRoot = " root ";
  if (text.substr(0, kSize.size()) != kSize)
    return Status::InvalidArgument("audit checkpoint '" + std::string(text) + "': expected 'size N root HEX'");
  size_t root_at = text.find(kRoot);
  if (root_at == std::string_view::npos)
    return Status::InvalidArgument("audit checkpoint '" + std::string(text) + "': no root");
  std::string_view n = text.substr(kSize.size(), root_at - kSize.size());
  if (n.empty() || n.size() > 19 || n.find_first_not_of("0123456789") != std::string_view::npos)
    return Status::InvalidArgument("audit checkpoint size '" + std::string(n) + "' is not a number");
  std::string_view root = text.substr(root_at + kRoot.size());
  if (!IsHex64(root)) return Status::InvalidArgument("audit checkpoint root '" + std::string(root) + "' is not 64 hex");
  *size = std::stoull(std::string(n));
  *root_hex = std::string(root);
  return Status::Ok();
}

Result<AcceptanceAct> ToAcceptanceAct(const appliance::ActDocument& act, const std::string& act_id) {
  AcceptanceAct out;
  out.date = act.date;
  out.city = act.city;
  out.receiving_org = act.accepting.organization;
  out.transferring_org = act.transferring.organization;
  out.software_name = act.software_name + (act.software_version.empty() ? "" : " " + act.software_version);
  out.annotation = act.annotation;
  const std::string marking_fallback = out.software_name;
  out.files.reserve(act.application_rows.size());
  for (const auto& r : act.application_rows) {
    SourceFileRow f;
    f.disc_marking = r.disc.empty() ? marking_fallback : r.disc;
    f.directory = r.directory;
    f.file_name = r.file_name;
    f.size_bytes = r.size_bytes.value_or(0);
    f.size_known = r.size_bytes.has_value();
    f.language = r.language;
    f.language_version = r.language_version;
    f.framework = r.framework;
    f.framework_version = r.framework_version;
    f.modified = r.modified;  // a date, or an instant printed on its local (UTC+5) date
    f.sha256 = r.sha256;
    f.category = r.category;
    out.files.push_back(std::move(f));
  }
  for (const auto& r : act.library_rows) {
    LibraryRow l;
    l.disc_marking = r.disc.empty() ? marking_fallback : r.disc;
    l.directory = r.directory;
    l.name = r.file_name;
    l.size_bytes = r.size_bytes.value_or(0);
    l.size_known = r.size_bytes.has_value();
    l.language = r.language;
    l.library_version = r.language_version;
    l.sha256 = r.sha256;
    l.category = r.category;
    out.libraries.push_back(std::move(l));
  }
  out.checksums_computed = act.computed != nullptr;
  out.receiving_signer = Signer(act.accepting.organization, act.accepting.position, act.accepting.full_name);
  out.transferring_signer =
      Signer(act.transferring.organization, act.transferring.position, act.transferring.full_name);
  out.receiving_contact = ToContact(act.accepting);
  out.transferring_contact = ToContact(act.transferring);

  VerificationLine& v = out.verification;
  v.act_id = act_id;
  v.deposit_root = act.deposit_root;
  v.manifest_digest = act.manifest_digest;
  v.key_fingerprint = act.device_fingerprint;
  if (act.audit_checkpoint.empty())
    return Status::FailedPrecondition("act " + act_id + " has no audit checkpoint (the deposit is not committed)");
  QOIMA_RETURN_IF_ERROR(ParseCheckpointText(act.audit_checkpoint, &v.checkpoint_size, &v.checkpoint_root));
  QOIMA_RETURN_IF_ERROR(ValidateVerificationLine(v).WithContext("act " + act_id));
  return out;
}

ApplicationForm ToApplicationForm(const appliance::Application& a) {
  ApplicationForm f;
  f.applicant = a.applicant;
  f.software_name = a.software_name;
  f.portal_code = a.portal_code;
  f.copies = a.copies;
  for (const auto& it : a.items) {
    ApplicationForm::Item i;
    i.name = it.name;
    i.paper_sheets = it.paper_sheets > 0 ? std::to_string(it.paper_sheets) : std::string();
    i.cd_serial = it.serial_number;
    i.size_mb = it.size_mb;
    i.original = it.original;
    f.items.push_back(std::move(i));
  }
  f.owner = a.owner;
  f.developer = a.developer;
  f.authors = a.authors;
  f.certification = a.certification;
  f.release_year = a.year > 0 ? std::to_string(a.year) : std::string();
  f.version = a.version;
  f.programming_language = a.language;
  f.release_date = a.release_date;
  f.annotation = a.annotation;
  const auto& r = a.requirements;
  f.req_cpu = r.cpu;
  f.req_ram = r.ram;
  f.req_disk = r.disk;
  f.req_os = r.os;
  f.req_video = r.video;
  f.req_audio = r.audio;
  f.req_extra_hardware = r.extra_hardware;
  f.req_extra_software = r.extra_software;
  f.req_other = r.other;
  f.copy_protection = a.copy_protection;
  for (auto src : a.funding) f.funding_sources.push_back(FundingKey(src));
  f.date = a.signed_date;
  // The head who signs Annex 1 is the owner's; the form names the person only.
  f.signer.organization = a.owner.full_name;
  f.signer.person = a.owner.contact;
  return f;
}

JournalPage ToJournalPage(const std::vector<appliance::JournalEntry>& entries) {
  JournalPage page;
  page.rows.reserve(entries.size());
  for (const auto& e : entries) {
    JournalRow r;
    r.number = static_cast<int>(e.number);
    r.application_number = e.application_number;
    r.received_date = e.received_date;
    r.state_body = e.state_body;
    r.applicant = e.applicant_head;
    r.received_by = SplitFullName(e.received_by);
    page.rows.push_back(std::move(r));
  }
  return page;
}

Nda ToNda(const appliance::Application& a, const appliance::NdaRecord& nda, const OperatorInfo& op) {
  Nda n;
  n.date = nda.signed_date;
  n.city = "Астана";
  n.owner_name = a.owner.full_name.empty() ? a.applicant : a.owner.full_name;
  n.owner_representative = nda.owner_representative;
  n.owner_authority = nda.owner_authority;
  n.operator_representative = nda.operator_representative;
  n.owner_signer = Signer(n.owner_name, "", nda.owner_representative);
  n.operator_signer =
      Signer(op.BilingualName(), nda.operator_representative == op.head_name ? op.head_position : std::string(),
             nda.operator_representative);
  return n;
}

std::vector<appliance::RefusalReason> ReasonsFromText(std::string_view reason_text) {
  std::vector<appliance::RefusalReason> out;
  for (auto r : {appliance::RefusalReason::kNotInRegister, appliance::RefusalReason::kActMismatch,
                 appliance::RefusalReason::kMediaMalfunction}) {
    if (reason_text.find(appliance::RefusalKey(r)) != std::string_view::npos) out.push_back(r);
  }
  return out;
}

Findings FindingsFromEvidence(const json& evidence) {
  Findings out;
  if (!evidence.is_object()) return out;
  auto media = evidence.find("media");
  if (media == evidence.end() || !media->is_array()) return out;
  for (const auto& m : *media) {
    if (!m.is_object()) continue;
    const appliance::MediaFindings found = appliance::FindingsFromJson(m);
    const std::string medium = Str(m, "disc").empty() ? Str(m, "device") : Str(m, "disc") + " (" + Str(m, "copy") + ")";
    for (const appliance::Finding& f : found.listed()) {
      if (out.rows.size() >= kMaxPrintedFindings) {
        ++out.unlisted;
        continue;
      }
      FindingRow row;
      row.medium = medium;
      row.cls = hardware::ProblemClassName(f.cls);
      row.kind = hardware::UnsafeNameKindName(f.unsafe);
      row.path = f.path;
      row.limit = hardware::ArchiveLimitName(f.limit);
      row.limit_value = f.limit_value;
      out.rows.push_back(std::move(row));
    }
    out.unlisted += found.unlisted();
  }
  return out;
}

std::string ClerkWords(const std::vector<appliance::RefusalReason>& reasons, const std::string& reason_text) {
  // decisions.reason_text is "<clause> <kk / ru / en wording>; ...[. the clerk's words]": the reasons are
  // printed from the template, so only the clerk's own words are taken from it.
  std::string prefix;
  for (auto r : reasons)
    prefix += (prefix.empty() ? "" : "; ") + appliance::RefusalKey(r) + " " + std::string(appliance::RefusalText(r));
  if (prefix.empty() || reason_text.rfind(prefix, 0) != 0) {
    // Not the appliance's own prefix: keep the text unless it is only clauses and wordings.
    return ReasonsFromText(reason_text).empty() ? reason_text : std::string();
  }
  std::string rest = reason_text.substr(prefix.size());
  if (rest.rfind(". ", 0) == 0) rest = rest.substr(2);
  return rest;
}

Refusal ToRefusal(const RefusalRecord& rec, const OperatorInfo& op) {
  Refusal r;
  r.date = rec.date;
  r.city = "Астана";
  r.act_id = rec.act_id;
  r.depositor = rec.depositor;
  r.software_name = rec.software_name;
  r.application_number = rec.application_number;
  r.application_date = rec.application_date;
  r.portal_code = rec.portal_code;
  r.reasons.assign(rec.reasons.begin(), rec.reasons.end());
  r.reason_text = ClerkWords(rec.reasons, rec.reason_text);
  size_t omitted = 0;
  auto add = [&](Refusal::Evidence e) {
    if (r.evidence.size() >= kMaxRefusalEvidenceRows) {
      ++omitted;
      return;
    }
    r.evidence.push_back(std::move(e));
  };
  const json& ev = rec.evidence;
  if (ev.is_object()) {
    if (auto m = Str(ev, "manifest_sha256"); !m.empty()) add({"", "refusal.manifest", {}, m});
    auto media = ev.find("media");
    if (media != ev.end() && media->is_array()) {
      for (const auto& m : *media) {
        if (!m.is_object()) continue;
        const std::string where = Str(m, "disc") + " (" + Str(m, "copy") + ") " + Str(m, "device");
        std::vector<std::pair<std::string, std::string>> counts;
        const json c = m.value("counts", json::object());
        for (const auto& [key, name] : {std::pair<const char*, const char*>{"matched", "matched"},
                                        {"missing", "missing"},
                                        {"extra", "extra"},
                                        {"size_mismatch", "size"},
                                        {"hash_mismatch", "hash"},
                                        {"date_mismatch", "date"},
                                        {"unreadable", "unreadable"}})
          counts.emplace_back(name, std::to_string(c.is_object() ? c.value(key, uint64_t{0}) : 0));
        add({where, "refusal.medium_counts", counts, ""});
        // A medium fault is stated in words; the reader's own message stays in the intake's evidence.
        if (auto p = m.find("medium_problems"); p != m.end() && p->is_array())
          for (const auto& pr : *p)
            if (pr.is_string()) add({where, "refusal.kind.unreadable", {}, ""});
        if (auto items = m.find("items"); items != m.end() && items->is_array())
          for (const auto& it : *items) {
            if (!it.is_object()) continue;
            const std::string kind = Str(it, "kind");
            const bool known = kind == "missing" || kind == "extra" || kind == "size_mismatch" ||
                               kind == "hash_mismatch" || kind == "date_mismatch" || kind == "unreadable" ||
                               kind == "name_collision" || kind == "matched";
            std::string detail;
            const std::string expected = Str(it, "expected"), actual = Str(it, "actual");
            if (!expected.empty() || !actual.empty())
              detail = (expected.empty() ? "—" : expected) + " → " + (actual.empty() ? "—" : actual);
            add({Str(it, "path"), known ? "refusal.kind." + kind : std::string(), {}, detail});
          }
        if (uint64_t unlisted = m.value("unlisted", uint64_t{0}); unlisted > 0) omitted += unlisted;
      }
    }
  }
  if (omitted > 0) r.evidence.push_back({"…", "refusal.more", {{"n", std::to_string(omitted)}}, ""});
  r.findings = FindingsFromEvidence(rec.evidence);
  r.operator_signer = Signer(op.BilingualName(), op.clerk_position, rec.decided_by);
  r.verification = rec.verification;
  return r;
}

Result<lc::DestructionActData> DestructionActFromJson(std::string_view text) {
  if (text.size() > kMaxDestructionActJsonBytes)
    return Status::LimitExceeded("destruction act JSON is larger than " + std::to_string(kMaxDestructionActJsonBytes) +
                                 " bytes");
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Corrupt("destruction act JSON does not parse");
  auto date = [&](const json& o, const char* key) -> Result<appliance::CivilDate> {
    auto d = appliance::CivilDate::Parse(Str(o, key));
    if (!d.ok()) return Status::Corrupt(std::string("destruction act field ") + key + ": " + d.status().message());
    return d;
  };
  lc::DestructionActData a;
  a.act_number = Str(j, "act_number");
  if (a.act_number.empty()) return Status::Corrupt("destruction act field act_number is missing");
  QOIMA_ASSIGN_OR_RETURN(a.act_date, date(j, "act_date"));
  if (auto o = j.find("object"); o != j.end() && o->is_object()) {
    a.object.id = o->value("id", int64_t{0});
    a.object.name = Str(*o, "name");
    a.object.portal_code = Str(*o, "portal_code");
    a.object.track = Str(*o, "track");
  }
  a.notice_reference = Str(j, "notice_reference");
  a.return_act = Str(j, "return_act");
  QOIMA_ASSIGN_OR_RETURN(a.notice_received_on, date(j, "notice_received_on"));
  QOIMA_ASSIGN_OR_RETURN(a.due_on, date(j, "due_on"));
  a.requested_by = Str(j, "requested_by");
  a.approved_by = Str(j, "approved_by");
  a.performed_by = Str(j, "performed_by");
  auto versions = j.find("versions");
  if (versions == j.end() || !versions->is_array()) return Status::Corrupt("destruction act field versions is missing");
  for (const auto& v : *versions) {
    if (!v.is_object()) return Status::Corrupt("destruction act: a version is not an object");
    lc::DestroyedVersion dv;
    dv.version_no = v.value("version", 0);
    dv.label = Str(v, "label");
    dv.tier = Str(v, "tier");
    dv.file_count = v.value("file_count", int64_t{0});
    dv.total_bytes = v.value("total_bytes", int64_t{0});
    dv.root_hex = Str(v, "root_sha256");
    dv.manifest_hex = Str(v, "store_manifest_sha256");
    if (auto files = v.find("files"); files != v.end() && files->is_array())
      for (const auto& f : *files)
        if (f.is_object()) dv.files.push_back({Str(f, "path"), f.value("size", int64_t{0}), Str(f, "sha256")});
    a.versions.push_back(std::move(dv));
  }
  if (auto cp = j.find("audit_checkpoint"); cp != j.end() && cp->is_object()) {
    a.checkpoint_tree_size = cp->value("tree_size", uint64_t{0});
    a.checkpoint_root_hex = Str(*cp, "root");
    a.checkpoint_key_fingerprint = Str(*cp, "key_fingerprint");
  }
  return a;
}

DestructionAct ToDestructionAct(const lc::DestructionActData& data, const VerificationLine& verification,
                                const DestructionParties& parties) {
  DestructionAct d;
  d.date = data.act_date.ToString();
  d.city = "Астана";
  d.act_id = data.act_number;
  d.owner = parties.owner.empty() ? data.object.portal_code : parties.owner;
  d.software_name = data.object.name + (data.object.portal_code.empty() ? "" : " (" + data.object.portal_code + ")");
  d.basis = data.notice_reference + " (" + PrintedDate(data.notice_received_on.ToString()) + ")";
  d.return_act = data.return_act.empty() ? parties.return_act : data.return_act;
  for (const auto& v : data.versions) {
    const std::string prefix = "v" + std::to_string(v.version_no) + (v.label.empty() ? "" : " " + v.label) + ": ";
    for (const auto& f : v.files)
      d.rows.push_back({prefix + f.path, static_cast<uint64_t>(std::max<int64_t>(f.size, 0)), f.sha256_hex});
  }
  auto person = [&](const std::string& login) {
    auto it = parties.full_names.find(login);
    SignatureBlock s;
    s.organization = parties.op.BilingualName();
    auto pos = parties.positions.find(login);
    s.position = pos != parties.positions.end() ? pos->second : parties.op.officer_position;
    s.person = SplitFullName(it == parties.full_names.end() ? std::string() : it->second);
    return s;
  };
  // Who requested, who approved as the second person, who performed; a
  // person who both asked (or approved) and performed signs once.
  const bool requester_performed = data.performed_by == data.requested_by;
  const bool approver_performed = data.performed_by == data.approved_by;
  d.commission.push_back({requester_performed ? "requested_performed" : "requested", person(data.requested_by)});
  d.commission.push_back({approver_performed ? "approved_performed" : "approved", person(data.approved_by)});
  if (!requester_performed && !approver_performed) d.commission.push_back({"performed", person(data.performed_by)});
  d.verification = verification;
  return d;
}

HalfYearReport ToHalfYearReport(const lc::HalfYearReport& report, const OperatorInfo& op,
                                const VerificationLine& verification) {
  HalfYearReport h;
  h.year = report.year;
  h.half = report.half;
  h.period_from = report.period_start.ToString();
  h.period_to = report.period_end.ToString();
  auto row = [&](const lc::ReportLine& l, const char* event, std::string key,
                 std::vector<std::pair<std::string, std::string>> values) {
    HalfYearReport::Row r;
    r.act_id = l.act;
    r.software_name = l.object;
    r.event = event;
    r.date = l.date;
    r.detail_key = std::move(key);
    r.detail_values = std::move(values);
    h.rows.push_back(std::move(r));
  };
  for (const auto& l : report.applications)
    row(l, "applications", "report.detail.application", {{"number", l.number}, {"applicant", l.applicant}});
  for (const auto& l : report.acceptances) row(l, "accepted", "report.detail.acceptance", {{"number", l.number}});
  for (const auto& l : report.refusals) {
    // The reason in words (the template's reason line), then the clerk's words.
    const bool known = l.refusal_reason >= 1 && l.refusal_reason <= 3;
    row(l, "refused", known ? "report.detail.refusal" + std::to_string(l.refusal_reason) : "report.detail.acceptance",
        {{"number", l.number}});
  }
  auto cases = [&](const std::vector<lc::ReportLine>& lines, const char* event) {
    for (const auto& l : lines)
      row(l, event, "report.detail.case",
          {{"reference", l.reference}, {"received", l.received_on}, {"due", l.due_on}, {"done", l.done_on}});
  };
  cases(report.issues, "issues");
  cases(report.returns, "returned");
  cases(report.destructions, "destroyed");
  for (const auto& l : report.open_requests)
    row(l, "open", "report.detail.open", {{"reference", l.reference}, {"received", l.received_on}, {"due", l.due_on}});
  for (const auto& d : report.overdue) {
    HalfYearReport::Row r;
    r.act_id = d.ref;
    r.software_name = d.what;
    r.event = "overdue";
    r.date = d.due_on.ToString();
    r.detail_key = "report.detail.overdue";
    r.detail_values = {{"due", d.due_on.ToString()}, {"days", std::to_string(-d.working_days_left)}};
    h.rows.push_back(std::move(r));
  }
  for (const auto& l : report.completed_late)
    row(l, "completed_late", "report.detail.late", {{"due", l.due_on}, {"done", l.done_on}});
  h.totals = {{"applications", report.applications.size()}, {"acceptances", report.acceptances.size()},
              {"refusals", report.refusals.size()},         {"issues", report.issues.size()},
              {"returns", report.returns.size()},           {"destructions", report.destructions.size()},
              {"open", report.open_requests.size()},        {"overdue", report.overdue.size()},
              {"late", report.completed_late.size()}};
  h.signer = Signer(op.BilingualName(), op.head_position, op.head_name);
  h.verification = verification;
  return h;
}

Result<Notice> ToNotice(const lc::NoticeInfo& n, const json& body, const NoticeFacts& facts,
                        const VerificationLine& verification) {
  Notice out;
  if (n.kind == "acceptance") {
    out.kind = Notice::Kind::kAccepted;
  } else if (n.kind == "return") {
    out.kind = Notice::Kind::kReturned;
  } else if (n.kind == "destruction") {
    out.kind = Notice::Kind::kDestroyed;
  } else if (n.kind == "issue") {
    out.kind = Notice::Kind::kIssued;
  } else if (n.kind == "half_year_report") {
    out.kind = Notice::Kind::kHalfYearReport;
  } else if (n.kind == "information") {
    out.kind = Notice::Kind::kInformation;
  } else {
    return Status::Unsupported("notice " + std::to_string(n.id) + " has kind '" + n.kind + "', which has no form");
  }
  out.date = facts.date;
  out.number = "N-" + std::to_string(n.id);
  // The register's addressee is the authorized body (003 cl.2(4)); a notice
  // recorded with its old bilingual label is the same addressee.
  out.addressee =
      n.addressee.empty() || n.addressee == lc::kDefaultAuthorizedBody || n.addressee == lc::kLegacyAuthorizedBodyLabel
          ? "authorized_body"
          : n.addressee;
  out.owner = facts.owner;
  if (body.is_object()) {
    if (auto o = body.find("object"); o != body.end() && o->is_object()) {
      out.software_name = Str(*o, "name");
      if (auto code = Str(*o, "portal_code"); !code.empty()) out.software_name += " (" + code + ")";
      if (out.owner.empty()) out.owner = Str(*o, "portal_code");
    }
    out.reference = Str(body, "reference");
    out.received_on = Str(body, "received_on");
    out.due_on = Str(body, "due_on");
    out.done_on = Str(body, "done_on");
    if (auto b = body.find("bundles"); b != body.end() && b->is_array())
      for (const auto& x : *b)
        if (x.is_object()) out.bundles += (out.bundles.empty() ? "" : ", ") + Str(x, "export_id");
    if (auto y = body.find("year"); y != body.end() && y->is_number_integer()) out.report_year = y->get<int>();
    if (auto hh = body.find("half"); hh != body.end() && hh->is_number_integer()) out.report_half = hh->get<int>();
  } else if (n.due_on) {
    out.due_on = n.due_on->ToString();
  }
  // The act the event produced: the return or destruction act; nothing
  // while the event is open (a draft cites no act that does not exist).
  out.draft = !facts.completed;
  out.act_id = facts.completed ? facts.act : std::string();
  if (out.kind == Notice::Kind::kHalfYearReport && out.report_year == 0) {
    // "half-year report 2026/1": the period the report covers.
    const std::string& e = n.event;
    size_t slash = e.rfind('/');
    if (slash != std::string::npos && slash >= 4 && slash + 1 < e.size()) {
      out.report_year = std::atoi(e.substr(slash - 4, 4).c_str());
      out.report_half = std::atoi(e.substr(slash + 1, 1).c_str());
    }
  }
  out.signer = Signer(facts.op.BilingualName(), facts.op.head_position, facts.op.head_name);
  out.verification = verification;
  return out;
}

ReturnAct ToReturnAct(const ReturnRecord& rec, const OperatorInfo& op) {
  ReturnAct r;
  r.reason = rec.reason;
  r.draft = rec.draft;
  AcceptanceAct& a = r.act;
  a.date = rec.date;
  a.city = "Астана";
  a.receiving_org = rec.owner;  // direction reversed: the owner receives
  a.transferring_org = op.BilingualName();
  a.transferring_signer = Signer(op.BilingualName(), op.officer_position, rec.performed_by);
  a.transferring_contact.person = SplitFullName(rec.performed_by);
  a.transferring_contact.position = op.officer_position;
  a.transferring_contact.work_phone = op.phone;
  a.transferring_contact.email = op.email;
  a.software_name = rec.software_name;
  for (const auto& v : rec.versions) {
    const std::string marking =
        rec.software_name + " v" + std::to_string(v.version_no) + (v.label.empty() ? "" : " (" + v.label + ")");
    for (const auto& f : v.files) {
      std::string dir, name;
      SplitPath(f.path, &dir, &name);
      if (f.category == "libraries") {
        LibraryRow l;
        l.disc_marking = marking;
        l.directory = dir;
        l.name = name;
        l.size_bytes = f.size;
        l.sha256 = f.sha256;
        l.category = f.category;
        a.libraries.push_back(std::move(l));
      } else {
        SourceFileRow s;
        s.disc_marking = marking;
        s.directory = dir;
        s.file_name = name;
        s.size_bytes = f.size;
        s.modified = f.modified;
        s.sha256 = f.sha256;
        s.category = f.category;
        a.files.push_back(std::move(s));
      }
    }
  }
  a.receiving_signer.organization = rec.owner;
  a.verification = rec.verification;
  return r;
}

Result<StoredReturnAct> ReturnActFromJson(std::string_view text) {
  if (text.size() > kMaxReturnActJsonBytes)
    return Status::LimitExceeded("return act JSON is larger than " + std::to_string(kMaxReturnActJsonBytes) + " bytes");
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Corrupt("return act JSON does not parse");
  StoredReturnAct out;
  ReturnRecord& r = out.record;
  r.act_id = Str(j, "act_number");
  if (r.act_id.empty()) return Status::Corrupt("return act field act_number is missing");
  r.date = Str(j, "act_date");
  if (!appliance::CivilDate::Parse(r.date).ok()) return Status::Corrupt("return act field act_date is not a date");
  if (auto o = j.find("object"); o != j.end() && o->is_object()) r.software_name = Str(*o, "name");
  r.reason = Str(j, "notice_reference");
  if (auto on = Str(j, "notice_received_on"); !on.empty()) r.reason += " (" + PrintedDate(on) + ")";
  out.performed_by_login = Str(j, "performed_by");
  auto versions = j.find("versions");
  if (versions == j.end() || !versions->is_array()) return Status::Corrupt("return act field versions is missing");
  for (const auto& v : *versions) {
    if (!v.is_object()) return Status::Corrupt("return act: a version is not an object");
    ReturnedVersion rv;
    rv.version_no = v.value("version", 0);
    rv.label = Str(v, "label");
    if (auto files = v.find("files"); files != v.end() && files->is_array())
      for (const auto& f : *files)
        if (f.is_object())
          rv.files.push_back({Str(f, "path"), static_cast<uint64_t>(std::max<int64_t>(f.value("size", int64_t{0}), 0)),
                              Str(f, "sha256"), "", Str(f, "category")});
    out.last_manifest = Str(v, "store_manifest_sha256");
    r.versions.push_back(std::move(rv));
  }
  auto cp = j.find("audit_checkpoint");
  if (cp == j.end() || !cp->is_object()) return Status::Corrupt("return act field audit_checkpoint is missing");
  out.checkpoint_size = cp->value("tree_size", uint64_t{0});
  out.checkpoint_root = Str(*cp, "root");
  out.key_fingerprint = Str(*cp, "key_fingerprint");
  return out;
}

}  // namespace qoima::print
