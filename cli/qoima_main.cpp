// qoima: the command-line face of the appliance. Thin: parses arguments and
// calls appliance/; every rule (roles, lockout, what may be accepted) lives
// there. Every command, option and exit code is listed in docs/cli.md.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "appliance/act_creator.h"
#include "appliance/act_document.h"
#include "appliance/appliance.h"
#include "appliance/civil_time.h"
#include "appliance/media_collector.h"
#include "appliance/print/document_renderer.h"
#include "appliance/selftest.h"
#include "cli/cli_args.h"
#include "cli/cli_commands.h"
#include "cli/cli_export.h"
#include "cli/cli_lifecycle.h"
#include "cli/cli_output.h"
#include "cli/cli_print.h"
#include "cli/cli_status.h"
#include "cli/cli_users.h"
#include "common/visible_text.h"
#include "crypto/hash.h"
#include "hardware/read_only_guard.h"

namespace {

using nlohmann::json;
using namespace qoima;
using namespace qoima::appliance;

using namespace qoima::appliance::cli;

struct Globals {
  std::string tcti;
  std::string state;
  bool json = false;
};

std::string EnvOr(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

int Report(const Globals& g, const Status& s) { return ReportError(g.json, s); }

void PrintJson(const json& j) { std::printf("%s\n", j.dump(2).c_str()); }

// A usage error a command finds in its arguments (the parser found the rest).
int Usage(const std::string& why) { return ReportUsage(JsonOutput(), why); }

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

// At most `limit` bytes of `path`: a larger file is refused without reading it whole.
Result<std::string> ReadBoundedFile(const std::string& path, size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path);
  std::string data(limit + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<size_t>(in.gcount()));
  if (data.size() > limit)
    return Status::LimitExceeded(path + ": is larger than the limit of " + std::to_string(limit) + " bytes");
  return data;
}

Status WriteWholeFile(const std::string& path, const std::string& data) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::IoError("cannot write " + path);
    out << data;
    out.flush();
    if (!out) return Status::IoError("cannot write " + path);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return Status::FromErrno(errno, "rename " + tmp);
  return Status::Ok();
}

// Writes the act's text to `path` as it is rendered (a 100k-row act's text
// is ~30 MB: never held whole), through a temporary file renamed into place.
Status WriteActFile(const std::string& path, const ActDocument& act) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::IoError("cannot write " + path);
    Status written = WriteActText(
        act, [&out](std::string_view text) { out.write(text.data(), static_cast<std::streamsize>(text.size())); });
    if (!written.ok()) {
      out.close();
      std::remove(tmp.c_str());
      return written.WithContext("write " + path);
    }
    out.flush();
    if (!out) return Status::IoError("cannot write " + path);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return Status::FromErrno(errno, "rename " + tmp);
  return Status::Ok();
}

ApplianceOptions Options(const Globals& g) {
  ApplianceOptions o;
  o.tcti = g.tcti;
  o.state_dir = g.state;
  o.allow_test_media = TestMediaAllowed();
  o.pcr_signature_path = EnvOr("QOIMA_PCR_SIGNATURE", crypto::kDefaultPcrSignaturePath);
  // Acts of more files keep their entries in the compact table
  // (docs/intake.md); a lower figure saves memory, and lets the tests take
  // that path with small acts. Anything but a whole number keeps the default.
  const std::string in_memory = EnvOr("QOIMA_ACT_ENTRIES_IN_MEMORY", "");
  if (!in_memory.empty() && in_memory.find_first_not_of("0123456789") == std::string::npos && in_memory.size() < 10)
    o.act_entries_in_memory = std::stoul(in_memory);
  return o;
}

// Opens the appliance and logs the user in.
struct Session {
  std::unique_ptr<Appliance> app;
  Actor actor;
};

Result<Session> Login(const Globals& g, const CliArgs& a) {
  std::string user = a.GetOr("user", EnvOr("QOIMA_USER", ""));
  if (user.empty()) return Status::InvalidArgument("who are you? give --user LOGIN or $QOIMA_USER");
  QOIMA_ASSIGN_OR_RETURN(std::string password, ReadSecret(a.Get("password-fd"), "QOIMA_PASSWORD", "password"));
  Session s;
  QOIMA_ASSIGN_OR_RETURN(s.app, Appliance::Open(Options(g)));
  auto actor = s.app->Login(user, password);
  if (!actor.ok()) {
    (void)s.app->EndSession();
    return actor.status();
  }
  s.actor = *actor;
  return s;
}

// The act options every command that reads an act takes: --format,
// --strip-prefix, --table.
Status ActOptions(const CliArgs& a, std::optional<ManifestFormat>& format, std::string& strip_prefix, size_t& table) {
  strip_prefix = a.GetOr("strip-prefix", "");
  if (auto f = a.Get("format")) {
    format = ManifestFormatFromName(*f);
    if (!format) return Status::InvalidArgument("--format must be one of " + ManifestFormatNameList());
  }
  if (auto t = a.Get("table")) {
    char* end = nullptr;
    unsigned long n = std::strtoul(t->c_str(), &end, 10);
    if (t->empty() || *end != '\0' || n == 0 || n > kMaxOfficeTables)
      return Status::InvalidArgument("--table must be a table's (or sheet's) number, from 1");
    table = n;
  }
  return Status::Ok();
}

// How the act was read, as the clerk is told.
json ActSourceJson(const std::string& format, const ActSource& s, bool has_checksums) {
  json j = {{"format", format}, {"checksums", has_checksums}};
  if (!s.encoding.empty()) j["encoding"] = s.encoding;
  if (!s.part.empty()) j["part"] = s.part;
  if (!s.stripped_prefix.empty()) j["stripped_prefix"] = s.stripped_prefix;
  if (!s.columns.empty()) j["columns"] = s.columns;
  if (!has_checksums) j["note"] = kNoChecksumsNote;
  return j;
}

void PrintActSource(const std::string& format, const ActSource& s, bool has_checksums) {
  std::string line = "act read as " + format;
  if (!s.encoding.empty()) line += ", " + s.encoding;
  if (!s.part.empty()) line += ", " + s.part;
  std::printf("%s\n", line.c_str());
  if (!s.stripped_prefix.empty())
    std::printf("  '%s' was removed from the start of every path\n", s.stripped_prefix.c_str());
  if (!s.columns.empty()) std::printf("  columns: %s\n", s.columns.c_str());
  if (!has_checksums) std::printf("  NOTE: %s\n", kNoChecksumsNote);
}

json DiffItemsJson(const DiffReport& d) {
  json items = json::array();
  for (const auto& i : d.items) {
    json j = {{"kind", DiffKindName(i.kind)}, {"path", i.path}};
    if (!i.detail.empty()) j["detail"] = i.detail;
    if (!i.expected.empty()) j["expected"] = i.expected;
    if (!i.actual.empty()) j["actual"] = i.actual;
    if (i.manifest_line) j["manifest_line"] = i.manifest_line;
    items.push_back(std::move(j));
  }
  return items;
}

// Findings and flagged act fields keep their exact text in JSON ("path",
// "value"; the output stream writes hidden characters as \uXXXX escapes), with
// the escaped form shown on screens and paper ("shown") and the reason.
json TextFlagsJson(const std::vector<ActTextFlag>& flags) {
  json out = json::array();
  for (const auto& f : flags)
    out.push_back({{"line", f.line},
                   {"field", f.field},
                   {"value", f.value},
                   {"shown", VisibleText(f.value)},
                   {"reason", f.reason}});
  return out;
}

// The act check's flags as text lines (the output stream escapes them).
void PrintTextFlags(const std::vector<ActTextFlag>& flags, size_t unlisted) {
  for (const auto& f : flags) {
    std::string where = f.line ? "line " + std::to_string(f.line) + ", " : "";
    std::printf("FLAG act %sfield %s: %s: %s\n", where.c_str(), f.field.c_str(), f.value.c_str(), f.reason.c_str());
  }
  if (unlisted) std::printf("FLAG act: %zu more fields flagged, not listed\n", unlisted);
}

// What the reader found besides the diff: one line per finding (class, name,
// the reader's reason), the ones past the listing counted.
void PrintFindings(const MediaFindings& f, const char* indent) {
  if (f.empty()) return;
  std::printf("%sfindings: %s\n", indent, f.Summary().c_str());
  for (const auto& x : f.listed())
    std::printf("%s%s %s  %s\n", indent, hardware::ProblemClassName(x.cls).data(), x.path.c_str(), x.reason.c_str());
  if (f.unlisted())
    std::printf("%s... and %llu more findings, counted above, not listed\n", indent,
                static_cast<unsigned long long>(f.unlisted()));
}

json ActFileOutcomeJson(const ActFileInfo& a) {
  json j = {{"source", a.source},
            {"path", a.path},
            {"size", a.size},
            {"sha256", a.sha256},
            {"paper_digest_checked", a.paper_digest_checked},
            {"on_deposit_medium", a.on_deposit_medium}};
  if (!a.device.empty()) j["device"] = a.device;
  if (a.on_deposit_medium) {
    j["excluded_from_comparison"] = true;
    j["excluded_on"] = a.excluded_on;
    j["note"] = kActFileExcludedNote;
  }
  return j;
}

json OutcomeJson(const IntakeOutcome& o) {
  json media = json::array();
  for (const auto& m : o.media) {
    json j = {{"disc", m.disc},
              {"copy", m.copy_label},
              {"device", m.device},
              {"volume_label", m.volume_label},
              {"clean", m.diff.Clean()},
              {"summary", m.diff.Summary()},
              {"medium_problems", m.diff.medium_problems},
              {"looks_like_disc", m.diff.looks_like_disc},
              {"items", DiffItemsJson(m.diff)},
              {"unlisted", m.diff.unlisted}};
    AddFindingsJson(j, m.diff.findings);
    media.push_back(std::move(j));
  }
  json grounds = json::array();
  for (const auto& gr : o.assessment.grounds)
    grounds.push_back(
        {{"reason", RefusalReasonName(gr.reason)}, {"clause", RefusalBasis(gr.reason)}, {"evidence", gr.evidence}});
  json j = {{"ok", true},
            {"intake", o.intake_id},
            {"state", std::string(appliance::IntakeStateName(o.state))},
            {"manifest_sha256", o.manifest_digest},
            {"act_source", ActSourceJson(o.manifest_format, o.manifest_source, o.manifest_has_checksums)},
            {"act_file", ActFileOutcomeJson(o.act_file)},
            {"media", media},
            {"grounds", grounds},
            {"blockers", o.assessment.blockers},
            {"acceptable", o.assessment.Acceptable()},
            {"act_text_flags", TextFlagsJson(o.act_text_flags)},
            {"act_text_flags_unlisted", o.act_text_flags_unlisted}};
  if (o.deposit_id) j["deposit"] = *o.deposit_id;
  if (o.decision_id) j["decision"] = *o.decision_id;
  if (!o.hold_until.empty()) j["hold_until"] = o.hold_until;
  if (o.state == appliance::IntakeState::kAccepted)
    j["act"] = {{"deposit_root", o.act.deposit_root},
                {"audit_checkpoint", o.act.audit_checkpoint},
                {"device_fingerprint", o.act.device_fingerprint},
                {"manifest_sha256", o.act.manifest_digest}};
  return j;
}

Status PrintOutcomeText(const IntakeOutcome& o) {
  std::printf("intake %lld: %s\n", static_cast<long long>(o.intake_id),
              std::string(appliance::IntakeStateName(o.state)).c_str());
  std::printf("manifest SHA-256 %s\n", o.manifest_digest.c_str());
  if (o.act_file.source == "medium")
    std::printf("act file %s on %s [%s], %llu bytes%s\n", o.act_file.path.c_str(), o.act_file.device.c_str(),
                o.act_file.volume_label.c_str(), static_cast<unsigned long long>(o.act_file.size),
                o.act_file.paper_digest_checked ? ", SHA-256 matches the paper act" : "");
  else if (o.act_file.paper_digest_checked)
    std::printf("act file %s: SHA-256 matches the paper act\n", o.act_file.path.c_str());
  if (o.act_file.on_deposit_medium)
    std::printf("act file left out of the comparison of %s: %s\n", o.act_file.excluded_on.c_str(),
                kActFileExcludedNote);
  PrintActSource(o.manifest_format, o.manifest_source, o.manifest_has_checksums);
  for (const auto& m : o.media) {
    std::printf("disc '%s' (%s) on %s [%s]: %s\n", m.disc.c_str(), m.copy_label.c_str(), m.device.c_str(),
                m.volume_label.c_str(), m.diff.Summary().c_str());
    for (const auto& p : m.diff.medium_problems) std::printf("  medium problem: %s\n", p.c_str());
    if (!m.diff.looks_like_disc.empty()) std::printf("  looks like disc '%s'\n", m.diff.looks_like_disc.c_str());
    for (const auto& i : m.diff.items)
      if (i.kind != DiffKind::kMatched)
        std::printf("  %-14s %s  %s\n", DiffKindName(i.kind), i.path.c_str(), i.detail.c_str());
    if (m.diff.unlisted) std::printf("  ... and %zu more, counted above, not listed\n", m.diff.unlisted);
    PrintFindings(m.diff.findings, "  ");
  }
  PrintTextFlags(o.act_text_flags, o.act_text_flags_unlisted);
  for (const auto& gr : o.assessment.grounds)
    std::printf("refusal ground %s (%s): %s\n", RefusalReasonName(gr.reason).data(), RefusalBasis(gr.reason).c_str(),
                gr.evidence.c_str());
  for (const auto& b : o.assessment.blockers) std::printf("blocker: %s\n", b.c_str());
  if (o.deposit_id) std::printf("deposit %lld\n", static_cast<long long>(*o.deposit_id));
  if (!o.hold_until.empty()) std::printf("held until %s\n", o.hold_until.c_str());
  if (o.state == appliance::IntakeState::kAccepted) {
    std::printf("\n");
    return WriteActText(o.act, [](std::string_view text) { std::fwrite(text.data(), 1, text.size(), stdout); });
  }
  return Status::Ok();
}

Result<std::vector<RefusalReason>> ParseReasons(const std::string& s) {
  std::vector<RefusalReason> out;
  for (const auto& part : Split(s, ',')) {
    if (part.empty()) continue;
    auto r = ParseRefusalReason(part);
    if (!r)
      return Status::InvalidArgument("unknown refusal reason '" + part +
                                     "' (not_in_register, act_mismatch, media_malfunction or 1, 2, 3)");
    out.push_back(*r);
  }
  return out;
}

// ---- commands ---------------------------------------------------------------

int CmdInit(const Globals& g, const CliArgs& a) {
  InitRequest req;
  req.admin.login = a.GetOr("admin", "");
  req.admin.surname = a.GetOr("surname", "");
  req.admin.given_name = a.GetOr("name", "");
  req.admin.patronymic = a.GetOr("patronymic", "");
  if (req.admin.login.empty()) return Usage("init needs --admin LOGIN");
  auto pw = ReadSecret(a.Get("password-fd"), "QOIMA_PASSWORD", "password");
  if (!pw.ok()) return Report(g, pw.status());
  req.admin.password = *pw;
  // With the vendor's update-signing key: sealed under its signed policies
  // for systemd-stub's PCR 11 (updates keep the keys). Otherwise bound to the
  // firmware, boot loader and Secure Boot state unless told otherwise.
  std::string policy_key_file = a.GetOr("pcr-policy-key", "");
  if (!policy_key_file.empty()) {
    auto pem = ReadBoundedFile(policy_key_file, 64 * 1024);  // a PEM public key
    if (!pem.ok()) return Report(g, pem.status());
    req.provision.pcr_policy_key_pem = *pem;
  }
  std::string pcr = a.GetOr("pcr", policy_key_file.empty() ? "0,2,4,7" : "11");
  if (pcr != "none") {
    for (const auto& p : Split(pcr, ','))
      if (!p.empty()) req.provision.pcrs.push_back(std::atoi(p.c_str()));
  }
  req.provision.shares = std::atoi(a.GetOr("shares", "3").c_str());
  req.provision.threshold = std::atoi(a.GetOr("threshold", "2").c_str());
  auto r = Appliance::Init(Options(g), req);
  if (!r.ok()) return Report(g, r.status());
  if (g.json) {
    PrintJson({{"ok", true},
               {"admin_id", r->admin_id},
               {"device_fingerprint", r->keys.signing_key_fingerprint},
               {"recovery_shares", r->keys.recovery_shares},
               {"warning", r->keys.warning}});
  } else {
    std::printf("appliance initialized in %s\ndevice key fingerprint %s\n", g.state.c_str(),
                r->keys.signing_key_fingerprint.c_str());
    if (!r->keys.warning.empty()) std::printf("WARNING: %s\n", r->keys.warning.c_str());
    std::printf("recovery shares (give one to each custodian; they are not stored):\n");
    for (const auto& s : r->keys.recovery_shares) std::printf("  %s\n", s.c_str());
  }
  return kExitOk;
}

int CmdApplication(const Globals& g, const CliArgs& a) {
  const auto& p = a.positional();
  if (p.size() < 2) return Usage("application needs a subcommand");
  auto s = Login(g, a);
  if (!s.ok()) return Report(g, s.status());
  const std::string& sub = p[1];
  Status st;
  if (sub == "add") {
    auto form_path = a.Get("form");
    if (!form_path) {
      (void)s->app->EndSession();
      return Usage("application add needs --form FILE.json");
    }
    auto text = ReadBoundedFile(*form_path, kMaxApplicationFormBytes);
    Result<Application> app = text.ok() ? ParseApplicationForm(*text, *form_path) : Result<Application>(text.status());
    if (!app.ok()) {
      st = app.status();
    } else {
      JournalEntry e;
      e.application_number = a.GetOr("number", "");
      e.received_date = a.GetOr("received", "");
      e.state_body = a.GetOr("state-body", "");
      e.applicant_head = a.GetOr("head", "");
      auto n = s->app->RegisterApplication(s->actor, *app, e);
      st = n.status();
      if (n.ok()) {
        if (g.json)
          PrintJson({{"ok", true}, {"journal_number", *n}, {"portal_code", app->portal_code}});
        else
          std::printf("application %s registered as journal no. %lld\n", app->portal_code.c_str(),
                      static_cast<long long>(*n));
      }
    }
  } else if (sub == "show" && p.size() >= 3) {
    auto app = s->app->GetApplication(s->actor, p[2]);
    st = app.status();
    if (app.ok()) PrintJson(ApplicationToJson(*app));
  } else if (sub == "journal") {
    auto j = s->app->Journal(s->actor);
    st = j.status();
    if (j.ok()) {
      json arr = json::array();
      for (const auto& e : *j) {
        if (!g.json)
          std::printf("%4lld  %-12s %s  %-30s %-24s %s  [%s]\n", static_cast<long long>(e.number),
                      e.application_number.c_str(), e.received_date.c_str(), e.state_body.c_str(),
                      e.applicant_head.c_str(), e.received_by.c_str(), e.portal_code.c_str());
        arr.push_back({{"number", e.number},
                       {"application_number", e.application_number},
                       {"received", e.received_date},
                       {"state_body", e.state_body},
                       {"applicant_head", e.applicant_head},
                       {"received_by", e.received_by},
                       {"portal_code", e.portal_code}});
      }
      if (g.json) PrintJson({{"ok", true}, {"journal", arr}});
    }
  } else if (sub == "nda" && p.size() >= 3) {
    NdaRecord n;
    n.owner_representative = a.GetOr("owner-rep", "");
    n.owner_authority = a.GetOr("owner-authority", "");
    n.operator_representative = a.GetOr("operator-rep", "");
    n.signed_date = a.GetOr("signed", "");
    for (const auto& who : Split(a.GetOr("signed-by", "owner,operator"), ',')) {
      if (who == "owner") n.signed_by_owner = true;
      if (who == "operator") n.signed_by_operator = true;
    }
    st = s->app->RecordNda(s->actor, p[2], n);
    if (st.ok()) {
      if (g.json)
        PrintJson({{"ok", true}, {"signed_by_both", n.SignedByBoth()}});
      else
        std::printf("NDA recorded for %s (%s)\n", p[2].c_str(),
                    n.SignedByBoth() ? "signed by both parties" : "NOT yet signed by both parties");
    }
  } else {
    (void)s->app->EndSession();
    return Usage("unknown application subcommand");
  }
  (void)s->app->EndSession();
  return st.ok() ? kExitOk : Report(g, st);
}

int CmdAct(const Globals& g, const CliArgs& a) {
  const auto& p = a.positional();
  if (p.size() < 3 && !(p.size() == 2 && p[1] == "formats"))
    return Usage("act create DIR | act show MANIFEST | act formats");
  if (p[1] == "create") {
    ActCreateOptions o;
    o.application = a.GetOr("application", "");
    o.software_name = a.GetOr("software", "");
    o.software_version = a.GetOr("version", "");
    o.annotation = a.GetOr("annotation", "");
    o.depositor = a.GetOr("depositor", "");
    o.disc = a.GetOr("disc", "");
    o.now_unix = static_cast<int64_t>(::time(nullptr));
    auto act = CreateActFromDirectory(p[2], o);
    if (!act.ok()) return Report(g, act.status());
    std::string out = a.GetOr("out", "act.json");
    Status w = WriteWholeFile(out, act->json);
    if (!w.ok()) return Report(g, w);
    std::string text = RenderActText(ActFromManifest(act->manifest));
    if (auto t = a.Get("text")) {
      Status wt = WriteWholeFile(*t, text);
      if (!wt.ok()) return Report(g, wt);
    }
    if (g.json) {
      PrintJson({{"ok", true},
                 {"manifest", out},
                 {"manifest_sha256", act->manifest.digest},
                 {"files", act->manifest.entries.size()},
                 {"bytes", act->manifest.TotalBytes()},
                 {"text_flags", TextFlagsJson(act->manifest.text_flags)},
                 {"text_flags_unlisted", act->manifest.text_flags_unlisted}});
    } else {
      std::printf("%s written: %zu files, %llu bytes\nmanifest SHA-256 (write it on the paper act): %s\n", out.c_str(),
                  act->manifest.entries.size(), static_cast<unsigned long long>(act->manifest.TotalBytes()),
                  act->manifest.digest.c_str());
      PrintTextFlags(act->manifest.text_flags, act->manifest.text_flags_unlisted);
    }
    return kExitOk;
  }
  if (p[1] == "show") {
    ManifestParseOptions po;
    po.now_unix = static_cast<int64_t>(::time(nullptr));
    po.expected_application = a.GetOr("application", "");
    if (Status o = ActOptions(a, po.format, po.strip_prefix, po.table); !o.ok()) return Usage(o.message());
    auto m = LoadManifestFile(p[2], po);
    if (!m.ok()) return Report(g, m.status());
    if (g.json) {
      PrintJson({{"ok", true},
                 {"format", ManifestFormatName(m->format)},
                 {"act_source", ActSourceJson(ManifestFormatName(m->format), m->source, m->has_checksums)},
                 {"manifest_sha256", m->digest},
                 {"application", m->application},
                 {"files", m->entries.size()},
                 {"bytes", m->TotalBytes()},
                 {"discs", m->DiscMarkings()},
                 {"text_flags", TextFlagsJson(m->text_flags)},
                 {"text_flags_unlisted", m->text_flags_unlisted}});
    } else {
      PrintActSource(ManifestFormatName(m->format), m->source, m->has_checksums);
      std::printf("%s", RenderActText(ActFromManifest(*m)).c_str());
      PrintTextFlags(m->text_flags, m->text_flags_unlisted);
    }
    return kExitOk;
  }
  if (p[1] == "formats") {
    json list = json::array();
    for (const auto& f : ManifestFormats()) {
      if (g.json)
        list.push_back({{"name", f.name}, {"title", f.title}, {"made_by", f.made_by}});
      else
        std::printf("%-11s %s\n            made by: %s\n", f.name.c_str(), f.title.c_str(), f.made_by.c_str());
    }
    if (g.json) PrintJson({{"ok", true}, {"formats", list}});
    return kExitOk;
  }
  return Usage("unknown act subcommand '" + p[1] + "'");
}

// `qoima scan --acts DEVICE`: the files of a medium that may be the act,
// found and read by the sandboxed reader (act_on_medium.h).
int CmdScanActs(const Globals& g, hardware::MediaReader& reader, const std::string& device) {
  auto found = FindActCandidates(reader, device, hardware::ReadOptions{});
  if (!found.ok()) return Report(g, found.status());
  if (g.json) {
    json files = json::array();
    for (const auto& c : found->files) {
      json j = {{"path", c.path}, {"size", c.size}, {"mtime", FormatUtc(c.mtime)}, {"form", c.form}};
      if (c.raw_path != c.path)
        j["raw_path_hex"] = crypto::Hex(
            std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(c.raw_path.data()), c.raw_path.size()));
      if (!c.note.empty()) j["note"] = c.note;
      files.push_back(std::move(j));
    }
    PrintJson({{"ok", true},
               {"device", found->device},
               {"volume_label", found->volume_label},
               {"acts", files},
               {"more", found->more}});
    return kExitOk;
  }
  size_t forms = 0;
  for (const auto& c : found->files) {
    forms += c.form.empty() ? 0 : 1;
    std::printf("%-10s %12llu  %s  %s%s\n", c.form.empty() ? "-" : c.form.c_str(),
                static_cast<unsigned long long>(c.size), FormatUtc(c.mtime).c_str(), c.path.c_str(),
                c.note.empty() ? "" : ("  (" + c.note + ")").c_str());
  }
  std::printf("%zu of %zu files on %s read as an act%s\n", forms, found->files.size(), device.c_str(),
              found->more ? " (more files were not looked at: the list is full)" : "");
  return kExitOk;
}

int CmdScan(const Globals& g, const CliArgs& a) {
  const auto& p = a.positional();
  if (p.size() < 2) return Usage("scan needs a DEVICE");
  hardware::MediumPolicy policy;
  policy.allow_test_media = TestMediaAllowed();
  policy.own_paths = {g.state};
  hardware::SandboxedMediaReader reader(std::move(policy));
  // Only a medium the appliance does not own; nothing is read otherwise.
  if (Status admitted = reader.Admit(p[1]); !admitted.ok()) return Report(g, admitted);
  if (a.Has("acts")) {
    if (a.Has("manifest")) return Usage("scan --acts lists the act files of a medium; it takes no --manifest");
    return CmdScanActs(g, reader, p[1]);
  }
  DiscardingContentSink discard;
  MediaCollector col(discard);
  // The act is parsed before the medium is read: parsing holds the act's text
  // besides its entries, and the medium's list is not there yet.
  std::optional<ActManifest> manifest;
  if (auto mp = a.Get("manifest")) {
    ManifestParseOptions po;
    po.now_unix = static_cast<int64_t>(::time(nullptr));
    if (Status o = ActOptions(a, po.format, po.strip_prefix, po.table); !o.ok()) return Usage(o.message());
    auto m = LoadManifestFile(*mp, po);
    if (!m.ok()) return Report(g, m.status());
    manifest = std::move(*m);
  }
  auto read = reader.Read(p[1], hardware::ReadOptions{}, col);
  // The appliance's own failure (its sandbox, the device's permissions) is
  // not a finding about the medium.
  if (!read.ok() && !hardware::IsMediumFault(read.status())) return Report(g, read.status());
  json files = json::array();
  DiffReport diff;
  if (manifest) {
    DiffOptions dopt;
    dopt.keep_matched = g.json;  // the text output lists only the differences
    diff = DiffMedium(manifest->entries, col.files(), dopt);
    diff.medium_problems = col.medium_problems();
    if (!read.ok() && diff.medium_problems.empty()) diff.medium_problems.push_back(read.status().message());
  }
  if (g.json) {
    for (const auto& f : col.files())
      if (f.type == ObservedType::kFile)
        files.push_back({{"path", f.path}, {"size", f.size}, {"sha256", f.sha256.str()}, {"readable", f.readable}});
    json j = {{"ok", read.ok()}, {"files", files}, {"problems", col.medium_problems()}};
    AddFindingsJson(j, col.findings());
    // A read the medium stopped: the one error shape ("error" names the
    // class, "message" says what happened), with what was read beside it.
    if (!read.ok()) {
      j["error"] = std::string(CodeName(read.status().code()));
      j["message"] = read.status().message();
    }
    if (manifest) {
      j["diff"] = {{"clean", diff.Clean()}, {"summary", diff.Summary()}, {"items", DiffItemsJson(diff)}};
      j["act_source"] = ActSourceJson(ManifestFormatName(manifest->format), manifest->source, manifest->has_checksums);
    }
    PrintJson(j);
  } else {
    for (const auto& f : col.files())
      if (f.type == ObservedType::kFile)
        std::printf("%s  %12llu  %s%s\n", f.sha256.empty() ? std::string(64, '-').c_str() : f.sha256.c_str(),
                    static_cast<unsigned long long>(f.size), f.path.c_str(), f.readable ? "" : "  [UNREADABLE]");
    for (const auto& pr : col.medium_problems()) std::printf("problem: %s\n", pr.c_str());
    PrintFindings(col.findings(), "");
    if (!read.ok()) std::printf("read failed: %s\n", read.status().message().c_str());
    if (manifest) {
      PrintActSource(ManifestFormatName(manifest->format), manifest->source, manifest->has_checksums);
      for (const auto& i : diff.items)
        if (i.kind != DiffKind::kMatched)
          std::printf("%-14s %s  %s\n", DiffKindName(i.kind), i.path.c_str(), i.detail.c_str());
      std::printf("%s\n", diff.Summary().c_str());
    }
  }
  if (!read.ok() && !manifest) return kExitCheckFailed;
  if (manifest && !diff.Clean()) return kExitCheckFailed;
  return read.ok() ? kExitOk : kExitCheckFailed;
}

// `qoima intake show ID`: the intake's state and, from its stored evidence,
// each medium's summary and findings (--json: the evidence as recorded).
int CmdIntakeShow(const Globals& g, const CliArgs& a) {
  const auto& p = a.positional();
  if (p.size() != 3) return Usage("intake show INTAKE");
  char* end = nullptr;
  const long long id = std::strtoll(p[2].c_str(), &end, 10);
  if (p[2].empty() || *end != '\0' || id <= 0) return Usage("intake show: INTAKE is a number");
  auto s = Login(g, a);
  if (!s.ok()) return Report(g, s.status());
  auto r = s->app->GetIntake(s->actor, id);
  (void)s->app->EndSession();
  if (!r.ok()) return Report(g, r.status());
  json evidence = json::parse(r->evidence_json, nullptr, false);
  if (evidence.is_discarded()) return Report(g, Status::Corrupt("intake " + p[2] + ": its evidence does not parse"));
  if (g.json) {
    PrintJson({{"ok", true},
               {"intake", r->id},
               {"application", r->application},
               {"state", std::string(appliance::IntakeStateName(r->state))},
               {"created_at", r->created_at},
               {"evidence", evidence}});
    return kExitOk;
  }
  std::printf("intake %lld (%s): %s, recorded %s\n", static_cast<long long>(r->id), r->application.c_str(),
              std::string(appliance::IntakeStateName(r->state)).c_str(), r->created_at.c_str());
  for (const auto& m : evidence.value("media", json::array())) {
    if (!m.is_object()) continue;
    std::printf("disc '%s' (%s) on %s: %s\n", m.value("disc", "").c_str(), m.value("copy", "").c_str(),
                m.value("device", "").c_str(), m.value("summary", "").c_str());
    PrintFindings(FindingsFromJson(m), "  ");
  }
  return kExitOk;
}

// `qoima intake act-file ID --out FILE`: the act's file kept with the
// intake, byte-exact (audited before the bytes leave).
int CmdIntakeActFile(const Globals& g, const CliArgs& a) {
  const auto& p = a.positional();
  auto out_path = a.Get("out");
  if (p.size() != 3 || !out_path) return Usage("intake act-file INTAKE --out FILE");
  char* end = nullptr;
  const long long id = std::strtoll(p[2].c_str(), &end, 10);
  if (p[2].empty() || *end != '\0' || id <= 0) return Usage("intake act-file: INTAKE is a number");
  auto s = Login(g, a);
  if (!s.ok()) return Report(g, s.status());
  const std::string tmp = *out_path + ".part";
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) return Report(g, Status::IoError("cannot write " + tmp));
  auto meta = s->app->ReadIntakeActFile(s->actor, id, [&](std::string_view bytes) {
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return out ? Status::Ok() : Status::IoError("write " + tmp);
  });
  (void)s->app->EndSession();
  out.close();
  if (!meta.ok() || !out) {
    std::remove(tmp.c_str());
    return Report(g, meta.ok() ? Status::IoError("write " + tmp) : meta.status());
  }
  if (std::rename(tmp.c_str(), out_path->c_str()) != 0) return Report(g, Status::FromErrno(errno, "rename " + tmp));
  if (g.json) {
    json j = {{"ok", true},         {"intake", id},           {"source", meta->source}, {"path", meta->path},
              {"size", meta->size}, {"sha256", meta->sha256}, {"out", *out_path}};
    if (!meta->device.empty()) j["device"] = meta->device;
    PrintJson(j);
  } else {
    std::printf("%s  %s (%s%s%s, %llu bytes) -> %s\n", meta->sha256.c_str(), meta->path.c_str(), meta->source.c_str(),
                meta->device.empty() ? "" : " ", meta->device.c_str(), static_cast<unsigned long long>(meta->size),
                out_path->c_str());
  }
  return kExitOk;
}

int CmdIntake(const Globals& g, const CliArgs& a) {
  if (a.positional().size() >= 2 && a.positional()[1] == "show") return CmdIntakeShow(g, a);
  if (a.positional().size() >= 2 && a.positional()[1] == "act-file") return CmdIntakeActFile(g, a);
  IntakeRequest req;
  req.application = a.GetOr("application", "");
  req.keep_matched_items = g.json;  // the text output shows only the differences
  req.manifest_path = a.GetOr("manifest", "");
  req.expected_digest = a.GetOr("digest", "");
  req.reason_text = a.GetOr("reason-text", "");
  if (auto on = a.Get("manifest-on")) {
    // DEVICE:PATH, split at the first ':' (a device's name holds none; a path on the medium may).
    size_t colon = on->find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == on->size())
      return Usage("--manifest-on must be DEVICE:PATH (qoima scan --acts DEVICE lists the act files)");
    req.act_on = ActOnMedium{on->substr(0, colon), on->substr(colon + 1)};
    if (!req.manifest_path.empty()) return Usage("give --manifest or --manifest-on, not both");
  }
  if (req.application.empty() || (req.manifest_path.empty() && !req.act_on))
    return Usage("intake needs --application and --manifest FILE or --manifest-on DEVICE:PATH");
  if (Status o = ActOptions(a, req.manifest_format, req.strip_prefix, req.table); !o.ok()) return Usage(o.message());
  for (const auto& m : a.GetAll("medium")) {
    auto parts = Split(m, ',');
    MediumSpec spec;
    spec.device = parts[0];
    for (size_t i = 1; i < parts.size(); ++i) {
      if (parts[i].rfind("disc=", 0) == 0)
        spec.disc = parts[i].substr(5);
      else if (parts[i].rfind("copy=", 0) == 0)
        spec.copy_label = parts[i].substr(5);
      else
        return Usage("--medium: unknown part '" + parts[i] + "' (use DEV,disc=MARKING,copy=LABEL)");
    }
    req.media.push_back(spec);
  }
  if (auto op = a.Get("operator")) {
    // NAME/ORG: who accepts and for which organization (the act's accepting side).
    size_t slash = op->find('/');
    req.accepting.full_name = op->substr(0, slash);
    if (slash != std::string::npos) req.accepting.organization = op->substr(slash + 1);
    if (req.accepting.full_name.empty() || (slash != std::string::npos && req.accepting.organization.empty()))
      return Usage("--operator must be NAME/ORGANIZATION (or NAME)");
  }
  if (auto r = a.Get("in-register")) {
    if (*r != "yes" && *r != "no") return Usage("--in-register must be yes or no");
    req.in_register = *r == "yes";
  }
  int decisions = a.Has("accept") + a.Has("refuse") + a.Has("hold");
  if (decisions > 1) return Usage("give at most one of --accept, --refuse, --hold");
  if (a.Has("accept")) req.action = IntakeAction::kAccept;
  if (a.Has("hold")) req.action = IntakeAction::kHold;
  if (a.Has("refuse")) {
    req.action = IntakeAction::kRefuse;
    auto reasons = ParseReasons(a.GetOr("refuse", ""));
    if (!reasons.ok()) return Report(g, reasons.status());
    req.reasons = *reasons;
  }
  auto s = Login(g, a);
  if (!s.ok()) return Report(g, s.status());
  auto out = s->app->Intake(s->actor, req);
  // --act-pdf: the act issued at the intake, rendered as every reprint is
  // (from the records the intake just wrote), in the same session.
  Status act_pdf = Status::Ok();
  if (auto path = a.Get("act-pdf"); path && out.ok() && out->state == appliance::IntakeState::kAccepted) {
    auto doc =
        s->app->RenderDocument(s->actor, {DocumentKind::kAct, std::to_string(out->act.deposit_id)}, PrintOptions{});
    act_pdf = doc.ok() ? print::SavePdf(doc->pdf, *path) : doc.status();
  }
  (void)s->app->EndSession();
  if (!out.ok()) return Report(g, out.status());
  if (!act_pdf.ok())
    return Report(g, act_pdf.WithContext("intake " + std::to_string(out->intake_id) + " done; act PDF"));
  if (auto path = a.Get("act-out"); path && out->state == appliance::IntakeState::kAccepted) {
    Status w = WriteActFile(*path, out->act);
    if (!w.ok()) return Report(g, w);
  }
  if (g.json) {
    PrintJson(OutcomeJson(*out));
  } else if (Status printed = PrintOutcomeText(*out); !printed.ok()) {
    return Report(g, printed);
  }
  if (out->state == appliance::IntakeState::kVerified && !out->assessment.grounds.empty()) return kExitCheckFailed;
  return kExitOk;
}

int CmdDecide(const Globals& g, const CliArgs& a) {
  const auto& p = a.positional();
  if (p.size() < 3 || (p[2] != "accept" && p[2] != "refuse"))
    return Usage("decide: the decision is accept or refuse, not '" + (p.size() < 3 ? "" : p[2]) + "'");
  char* end = nullptr;
  const long long intake_id = std::strtoll(p[1].c_str(), &end, 10);
  if (p[1].empty() || *end != '\0' || intake_id <= 0)
    return Usage("decide: INTAKE must be an intake's number, not '" + p[1] + "'");
  DecideRequest req;
  req.accept = p[2] == "accept";
  req.reason_text = a.GetOr("reason-text", "");
  req.manifest_path = a.GetOr("manifest", "");
  std::optional<ManifestFormat> unused_format;
  if (Status o = ActOptions(a, unused_format, req.strip_prefix, req.table); !o.ok()) return Usage(o.message());
  if (unused_format) return Usage("decide reads the corrected act's form itself (no --format)");
  if (!req.accept) {
    auto reasons = ParseReasons(a.GetOr("reason", ""));
    if (!reasons.ok()) return Report(g, reasons.status());
    req.reasons = *reasons;
  }
  if (auto r = a.Get("in-register")) req.in_register = *r == "yes";
  req.keep_matched_items = g.json;  // the text output shows only the differences
  auto s = Login(g, a);
  if (!s.ok()) return Report(g, s.status());
  auto out = s->app->Decide(s->actor, intake_id, req);
  (void)s->app->EndSession();
  if (!out.ok()) return Report(g, out.status());
  if (g.json) {
    PrintJson(OutcomeJson(*out));
  } else if (Status printed = PrintOutcomeText(*out); !printed.ok()) {
    return Report(g, printed);
  }
  return kExitOk;
}

int CmdVerifyStore(const Globals& g, const CliArgs& a) {
  auto s = Login(g, a);
  if (!s.ok()) return Report(g, s.status());
  auto r = s->app->VerifyStore(s->actor);
  (void)s->app->EndSession();
  if (!r.ok()) return Report(g, r.status());
  if (g.json) {
    json probs = json::array();
    for (const auto& pr : r->problems) probs.push_back(pr.message);
    PrintJson({{"ok", r->ok()},
               {"deposits", r->deposits},
               {"objects", r->objects},
               {"bytes", r->bytes},
               {"problems", probs},
               {"problems_unlisted", r->problems_unlisted}});
  } else {
    std::printf("%llu deposits, %llu objects, %llu bytes checked\n", static_cast<unsigned long long>(r->deposits),
                static_cast<unsigned long long>(r->objects), static_cast<unsigned long long>(r->bytes));
    for (const auto& pr : r->problems) std::printf("PROBLEM: %s\n", pr.message.c_str());
    if (r->problems_unlisted > 0)
      std::printf("... and %llu more, not listed\n", static_cast<unsigned long long>(r->problems_unlisted));
    std::printf("%s\n", r->ok() ? "store verified" : "store has problems");
  }
  return r->ok() ? kExitOk : kExitCheckFailed;
}

int CmdBackup(const Globals& g, const CliArgs& a) {
  const auto& p = a.positional();
  if (p.size() != 2) return Usage("backup DIR");
  auto s = Login(g, a);
  if (!s.ok()) return Report(g, s.status());
  Status b = s->app->Backup(s->actor, p[1]);
  (void)s->app->EndSession();
  if (!b.ok()) return Report(g, b);
  if (g.json)
    PrintJson({{"ok", true}, {"backup", p[1]}});
  else
    std::printf("backup written to %s\n", p[1].c_str());
  return kExitOk;
}

int CmdRestore(const Globals& g, const CliArgs& a) {
  const auto& p = a.positional();
  if (p.size() != 2) return Usage("restore BACKUP_DIR");
  Status r = Appliance::Restore(Options(g), p[1]);
  if (!r.ok()) return Report(g, r);
  if (g.json)
    PrintJson({{"ok", true}, {"restored_from", p[1]}});
  else
    std::printf("store restored from %s and verified\n", p[1].c_str());
  return kExitOk;
}

int CmdRecover(const Globals& g, const CliArgs& a) {
  RecoverRequest req;
  auto shares = ReadRecoveryShares(a);
  if (!shares.ok()) return Report(g, shares.status());
  req.shares = std::move(*shares);
  req.first.login = a.GetOr("officer", EnvOr("QOIMA_USER", ""));
  req.second.login = a.GetOr("second-officer", EnvOr("QOIMA_SECOND_USER", ""));
  if (req.first.login.empty() || req.second.login.empty())
    return Usage("recover needs two security officers: --officer LOGIN and --second-officer LOGIN");
  auto pw1 = ReadSecret(a.Get("password-fd"), "QOIMA_PASSWORD", "first officer's password");
  if (!pw1.ok()) return Report(g, pw1.status());
  auto pw2 = ReadSecret(a.Get("second-password-fd"), "QOIMA_SECOND_PASSWORD", "second officer's password");
  if (!pw2.ok()) return Report(g, pw2.status());
  req.first.password = *pw1;
  req.second.password = *pw2;
  auto out = Appliance::Recover(Options(g), req);
  if (!out.ok()) return Report(g, out.status());
  if (g.json) {
    PrintJson({{"ok", true},
               {"old_device_fingerprint", out->old_fingerprint},
               {"new_device_fingerprint", out->new_fingerprint},
               {"audit_index", out->audit_index},
               {"replaced_keyring", out->replaced_keyring_dir}});
  } else {
    std::printf("master key re-sealed to this TPM; recorded as audit entry %llu\n",
                static_cast<unsigned long long>(out->audit_index));
    std::printf("old device key: %s\nnew device key: %s\n", out->old_fingerprint.c_str(), out->new_fingerprint.c_str());
    std::printf("the old keyring is kept in %s; new acts and bundles carry the new key\n",
                out->replaced_keyring_dir.c_str());
  }
  return kExitOk;
}

// A checkpoint witness file, read with its limit (it is a few hundred bytes).
Result<std::string> ReadWitnessFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open the checkpoint witness " + path);
  std::string text(storage::kMaxWitnessBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > storage::kMaxWitnessBytes)
    return Status::InvalidArgument(path + ": larger than a checkpoint witness can be (" +
                                   std::to_string(storage::kMaxWitnessBytes) + " bytes)");
  return text;
}

// `qoima audit checkpoint [--out FILE]`: a signed checkpoint as witness text.
int AuditCheckpoint(const Globals& g, const CliArgs& a, Session& s) {
  auto cp = s.app->WitnessCheckpoint(s.actor);
  if (!cp.ok()) return Report(g, cp.status());
  auto text = storage::FormatCheckpointWitness(*cp);
  if (!text.ok()) return Report(g, text.status());
  if (auto out = a.Get("out")) {
    if (std::ifstream(*out).good()) return Report(g, Status::AlreadyExists(*out + " exists; give a new file"));
    Status w = WriteWholeFile(*out, *text);
    if (!w.ok()) return Report(g, w);
  }
  if (g.json)
    PrintJson({{"ok", true},
               {"size", cp->tree_size},
               {"root", crypto::Hex(cp->root)},
               {"time", cp->time},
               {"counter", cp->counter.value_or(0)},
               {"key", cp->key_fingerprint},
               {"witness", *text}});
  else if (!a.Get("out"))
    std::fputs(text->c_str(), stdout);
  else
    std::printf("checkpoint of size %llu (counter %llu) written to %s\n",
                static_cast<unsigned long long>(cp->tree_size),
                static_cast<unsigned long long>(cp->counter.value_or(0)), a.Get("out")->c_str());
  return kExitOk;
}

int CmdAudit(const Globals& g, const CliArgs& a) {
  const auto& p = a.positional();
  if (p.size() < 2) return Usage("audit verify [--since WITNESS] | audit checkpoint [--out FILE] | audit list");
  std::optional<std::string> witness_text;
  if (auto since = a.Get("since"); since && p[1] == "verify") {
    auto text = ReadWitnessFile(*since);
    if (!text.ok()) return Report(g, text.status());
    witness_text = std::move(*text);
  }
  auto s = Login(g, a);
  if (!s.ok()) return Report(g, s.status());
  int rc = kExitOk;
  if (p[1] == "verify" && witness_text) {
    auto r = s->app->VerifyAuditSince(s->actor, *witness_text, *a.Get("since"));
    (void)s->app->EndSession();
    if (!r.ok()) return Report(g, r.status());
    if (g.json)
      PrintJson({{"ok", r->ok()},
                 {"witness_size", r->witness.tree_size},
                 {"witness_root", crypto::Hex(r->witness.root)},
                 {"witness_time", r->witness.time},
                 {"witness_counter", r->witness.counter.value_or(0)},
                 {"head_size", r->head_size},
                 {"head_root", crypto::Hex(r->head_root)},
                 {"proof_hashes", r->proof_hashes},
                 {"problem", r->problem}});
    else if (r->ok())
      std::printf(
          "the audit log extends the witnessed checkpoint (size %llu, %s): consistent up to the signed "
          "checkpoint of size %llu (%s), RFC 6962 consistency proof of %zu hashes verified\n",
          static_cast<unsigned long long>(r->witness.tree_size), r->witness.time.c_str(),
          static_cast<unsigned long long>(r->head_size), r->head_time.c_str(), r->proof_hashes);
    else
      std::printf("NOT CONSISTENT: %s\n", r->problem.c_str());
    return r->ok() ? kExitOk : kExitCheckFailed;
  }
  if (p[1] == "checkpoint") return AuditCheckpoint(g, a, *s);
  if (p[1] == "verify") {
    auto r = s->app->VerifyAudit(s->actor);
    (void)s->app->EndSession();
    if (!r.ok()) return Report(g, r.status());
    if (g.json)
      PrintJson({{"ok", r->ok()},
                 {"entries", r->entries},
                 {"checkpoints", r->checkpoints},
                 {"problem", r->problem},
                 {"notes", r->notes}});
    else {
      std::printf("%llu entries, %llu checkpoints: %s\n", static_cast<unsigned long long>(r->entries),
                  static_cast<unsigned long long>(r->checkpoints), r->ok() ? "audit log verified" : r->problem.c_str());
      for (const std::string& note : r->notes) std::printf("note: %s\n", note.c_str());
    }
    rc = r->ok() ? kExitOk : kExitCheckFailed;
  } else if (p[1] == "list") {
    uint64_t from = std::strtoull(a.GetOr("from", "0").c_str(), nullptr, 10);
    uint64_t count = std::strtoull(a.GetOr("count", "1000").c_str(), nullptr, 10);
    auto r = s->app->AuditEntries(s->actor, from, count);
    (void)s->app->EndSession();
    if (!r.ok()) return Report(g, r.status());
    json arr = json::array();
    uint64_t i = from;
    for (const auto& e : *r) {
      if (g.json)
        arr.push_back({{"index", i},
                       {"time", e.time},
                       {"actor", e.actor},
                       {"role", e.role},
                       {"action", e.action},
                       {"object", e.object},
                       {"outcome", e.outcome},
                       {"reason", e.reason}});
      else
        std::printf("%6llu %s %-12s %-16s %-22s %-24s %-8s %s\n", static_cast<unsigned long long>(i), e.time.c_str(),
                    e.actor.c_str(), e.role.c_str(), e.action.c_str(), e.object.c_str(), e.outcome.c_str(),
                    e.reason.c_str());
      ++i;
    }
    if (g.json) PrintJson({{"ok", true}, {"entries", arr}});
  } else {
    (void)s->app->EndSession();
    return Usage("unknown audit subcommand");
  }
  return rc;
}

int CmdAccessRegister(const Globals& g, const CliArgs& a) {
  const auto& p = a.positional();
  if (p.size() != 2) return Usage("access-register DEPOSIT (the deposit number, or its act A-N)");
  auto s = Login(g, a);
  if (!s.ok()) return Report(g, s.status());
  auto r = s->app->GetAccessRegister(s->actor, p[1]);
  (void)s->app->EndSession();
  if (!r.ok()) return Report(g, r.status());
  if (g.json) {
    json rows = json::array();
    for (const auto& e : r->entries)
      rows.push_back({{"audit_index", e.audit_index},
                      {"time", e.time},
                      {"login", e.login},
                      {"full_name", e.full_name},
                      {"position", e.position},
                      {"role", e.role},
                      {"kind", std::string(AccessKindName(e.kind))},
                      {"action", e.action},
                      {"object", e.object},
                      {"item", e.item},
                      {"reason", e.reason}});
    PrintJson({{"ok", true},
               {"deposit", r->deposit_id},
               {"object", {{"id", r->object_id}, {"name", r->object_name}, {"portal_code", r->portal_code}}},
               {"version", r->version_no},
               {"state", r->state},
               {"act", r->act_number},
               {"audit_entries_verified", r->audit_entries},
               {"entries", rows}});
    return kExitOk;
  }
  std::printf(
      "access register of deposit %lld (%s, version %lld, act %s): %zu access(es); %llu audit entries "
      "verified\n",
      static_cast<long long>(r->deposit_id), r->object_name.c_str(), static_cast<long long>(r->version_no),
      r->act_number.empty() ? "-" : r->act_number.c_str(), r->entries.size(),
      static_cast<unsigned long long>(r->audit_entries));
  for (const auto& e : r->entries)
    std::printf("%6llu %s %-7s %-12s %-30s %-16s %s\n", static_cast<unsigned long long>(e.audit_index), e.time.c_str(),
                std::string(AccessKindName(e.kind)).c_str(), e.login.c_str(),
                e.full_name.empty() ? "-" : e.full_name.c_str(), e.role.c_str(), e.item.c_str());
  return kExitOk;
}

int SelfTest(const Globals& g) {
  qoima::appliance::SelfTestOptions opt{g.tcti, g.state.empty() ? "/tmp" : g.state};
  auto checks = qoima::appliance::RunSelfTest(opt);
  bool all_ok = true;
  json arr = json::array();
  for (const auto& c : checks) {
    all_ok = all_ok && c.status.ok();
    arr.push_back({{"name", c.name},
                   {"ok", c.status.ok()},
                   {"detail", c.detail},
                   {"error", c.status.ok() ? "" : c.status.ToString()}});
    if (!g.json)
      std::printf("%-20s %s  %s\n", c.name.c_str(), c.status.ok() ? "OK  " : "FAIL",
                  c.status.ok() ? c.detail.c_str() : c.status.ToString().c_str());
  }
  if (g.json)
    std::printf("%s\n", json({{"checks", arr}, {"ok", all_ok}}).dump().c_str());
  else
    std::printf("%s\n", all_ok ? "selftest: all checks passed" : "selftest: FAILED");
  return all_ok ? kExitOk : kExitFailed;
}

// `qoima help [TOPIC]`, `COMMAND --help`: on stdout, exit 0.
int Help(const Invocation& inv) {
  std::string text;
  if (inv.help_topic.empty())
    text = OverviewHelp();
  else if (const CommandSpec* c = FindCommand(inv.help_topic))
    text = CommandsIn(c->path).empty() ? CommandHelp(*c) : CommandHelp(*c) + "\n" + GroupHelp(c->path);
  else
    text = GroupHelp(inv.help_topic);
  if (inv.json)
    PrintJson({{"ok", true}, {"topic", inv.help_topic}, {"help", text}});
  else
    std::fputs(text.c_str(), stdout);
  return kExitOk;
}

int Version(const Globals& g) {
  if (g.json)
    PrintJson({{"ok", true}, {"version", QOIMA_VERSION}});
  else
    std::printf("qoima %s\n", QOIMA_VERSION);
  return kExitOk;
}

// The commands of this file, by path; the other families run their own.
int RunMainCommand(const Globals& g, const std::string& path, const CliArgs& a) {
  if (path == "version") return Version(g);
  if (path == "selftest") return SelfTest(g);
  if (path == "init") return CmdInit(g, a);
  if (path.rfind("application ", 0) == 0) return CmdApplication(g, a);
  if (path.rfind("act ", 0) == 0) return CmdAct(g, a);
  if (path == "scan") return CmdScan(g, a);
  if (path.rfind("intake", 0) == 0) return CmdIntake(g, a);
  if (path == "decide") return CmdDecide(g, a);
  if (path == "verify-store") return CmdVerifyStore(g, a);
  if (path == "backup") return CmdBackup(g, a);
  if (path == "restore") return CmdRestore(g, a);
  if (path == "recover") return CmdRecover(g, a);
  if (path.rfind("audit ", 0) == 0) return CmdAudit(g, a);
  if (path == "access-register") return CmdAccessRegister(g, a);
  return ReportError(g.json, Status::Internal("no handler for the command " + path));
}

}  // namespace

int main(int argc, char** argv) {
  Invocation inv;
  Status parsed = ParseCommandLine(std::vector<std::string>(argv + 1, argv + argc), inv);
  Globals g{inv.tcti, inv.state, inv.json};
  SetJsonOutput(g.json);
  // From here on, whatever any command prints shows hidden characters escaped.
  if (!InstallVisibleOutput(g.json ? OutputMode::kJson : OutputMode::kText)) {
    std::fprintf(stderr, "qoima: cannot set up the output streams\n");
    return kExitFailed;
  }
  if (!parsed.ok()) return ReportUsage(g.json, parsed.message(), inv.command ? inv.command->path : "");
  if (inv.version) return Version(g);
  if (inv.help) return Help(inv);
  const std::string& path = inv.command->path;
  const std::string top = path.substr(0, path.find(' '));
  // A medium a crashed qoima left flagged read-only gets its flag back.
  (void)qoima::hardware::RestoreStaleReadOnlyFlags();
  try {
    if (top == "user") return RunUserCommand(inv.args, {g.tcti, g.state, g.json});
    if (top == "export" || top == "verify-bundle")
      return qoima::exporting::RunExportCommand(inv.args, {g.tcti, g.state, g.json});
    if (top == "print" || top == "printer" || top == "operator" || path == "act verify")
      return qoima::print::RunPrintCommand(inv.args, {g.tcti, g.state, g.json});
    if (IsLifecycleCommand(top)) return RunLifecycleCommand({g.tcti, g.state, g.json}, inv.args);
    return RunMainCommand(g, path, inv.args);
  } catch (const std::exception& e) {
    return ReportError(g.json, Status::Internal(std::string("internal error: ") + e.what()));
  }
}
