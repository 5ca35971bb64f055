#include "cli/cli_export.h"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "appliance/appliance.h"
#include "appliance/civil_time.h"
#include "appliance/export/bundle_verifier.h"
#include "cli/cli_args.h"
#include "cli/cli_status.h"

namespace qoima::exporting {
namespace {

using namespace appliance::cli;
constexpr size_t kMaxCertFileBytes = 1 << 20;

int VerifyBundleCommand(const appliance::CliArgs& a, const CliContext& ctx) {
  const std::string bundle = a.positional().at(1);
  const std::string cert_path = a.GetOr("cert", "");
  VerifyOptions opt;
  opt.ledger_path = a.GetOr("ledger", "");
  opt.record_in_ledger = a.Has("record");
  if (opt.record_in_ledger && opt.ledger_path.empty())
    return ReportUsage(ctx.json, "verify-bundle: --record needs --ledger FILE", "verify-bundle");
  if (!cert_path.empty()) {
    std::ifstream in(cert_path, std::ios::binary);
    if (!in)
      return ReportError(ctx.json, Status::IoError("verify-bundle: cannot read certificate " + cert_path), kExitFailed);
    std::ostringstream ss;
    ss << in.rdbuf();
    if (ss.str().size() > kMaxCertFileBytes)
      return ReportError(ctx.json,
                         Status::LimitExceeded("verify-bundle: " + cert_path + " is larger than a certificate can be"),
                         kExitFailed);
    opt.trusted_cert_pem = ss.str();
  }
  auto r = VerifyBundle(bundle, opt);
  if (!r.ok()) return ReportError(ctx.json, r.status().WithContext("verify-bundle"), kExitFailed);
  const auto& rep = *r;
  auto info = [&](const char* k) {
    auto it = rep.bag_info.find(k);
    return it == rep.bag_info.end() ? std::string("?") : it->second;
  };
  // Without a trusted certificate a clean bundle proves only that whoever
  // holds the key in its own certificate made it: anyone can make such a
  // bundle. That is never "OK".
  const bool untrusted = rep.ok() && !rep.trusted_cert_used;
  const char* verdict = !rep.ok() ? "failed" : untrusted ? "signature_valid_signer_not_trusted" : "ok";
  if (ctx.json) {
    nlohmann::ordered_json j;
    j["bundle"] = bundle;
    j["ok"] = rep.ok() && !untrusted;
    j["verdict"] = verdict;
    j["bag"] = rep.bag_dir;
    j["export_id"] = info("Qoima-Export-Id");
    j["sequence"] = info("Qoima-Export-Sequence");
    j["payload_files"] = rep.payload_files;
    j["payload_bytes"] = rep.payload_bytes;
    j["device_fingerprint"] = rep.device_fingerprint;
    j["trusted_certificate"] = rep.trusted_cert_used;
    j["signature_valid"] = rep.signature_valid;
    j["bundle_sha256"] = rep.bundle_sha256;
    j["recorded_in_ledger"] = rep.recorded;
    auto probs = nlohmann::json::array();
    for (const auto& p : rep.problems) probs.push_back({{"kind", p.kind}, {"message", p.message}});
    j["problems"] = probs;
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    for (const auto& p : rep.problems) std::printf("PROBLEM %s: %s\n", p.kind.c_str(), p.message.c_str());
    if (!rep.bundle_sha256.empty()) std::printf("bundle SHA-256: %s\n", rep.bundle_sha256.c_str());
    if (untrusted) {
      std::printf(
          "verify-bundle: SIGNATURE VALID, SIGNER NOT TRUSTED %s: export %s, sequence %s, %llu files, %llu bytes, "
          "signed by the key %s of the certificate inside the bundle; anyone can make such a bundle: check it with "
          "--cert DEVICE.pem, the appliance's certificate, whose key fingerprint is printed on its acts\n",
          rep.bag_dir.c_str(), info("Qoima-Export-Id").c_str(), info("Qoima-Export-Sequence").c_str(),
          static_cast<unsigned long long>(rep.payload_files), static_cast<unsigned long long>(rep.payload_bytes),
          rep.device_fingerprint.c_str());
    } else if (rep.ok()) {
      std::printf(
          "verify-bundle: OK %s: export %s, sequence %s, %llu files, %llu bytes, signed by device %s "
          "(trusted certificate)\n",
          rep.bag_dir.c_str(), info("Qoima-Export-Id").c_str(), info("Qoima-Export-Sequence").c_str(),
          static_cast<unsigned long long>(rep.payload_files), static_cast<unsigned long long>(rep.payload_bytes),
          rep.device_fingerprint.c_str());
    } else {
      std::printf("verify-bundle: FAILED: %zu problem(s)\n", rep.problems.size());
    }
  }
  if (!rep.ok()) return kExitFailed;
  return untrusted ? kExitUntrusted : kExitOk;
}

// ---- qoima export ... (two-person approved export of a deposit) -------------

using appliance::ApprovalRequest;
using nlohmann::json;

int Report(const CliContext& ctx, const Status& s) { return ReportError(ctx.json, s); }

int ExportUsage(const std::string& why) { return ReportUsage(JsonOutput(), "export: " + why); }

// The appliance opened and the user logged in (--user / $QOIMA_USER, password
// from --password-fd N or $QOIMA_PASSWORD); a checkpoint is signed over the
// command's audit events when it ends, as every appliance command does.
struct ExportSession {
  std::unique_ptr<appliance::Appliance> app;
  appliance::Actor actor;
  ~ExportSession() {
    if (app) (void)app->EndSession();
  }
};

Result<std::unique_ptr<ExportSession>> OpenSession(const CliContext& ctx, const appliance::CliArgs& a) {
  std::string user = a.GetOr("user", "");
  if (user.empty()) {
    const char* env = std::getenv("QOIMA_USER");
    user = env ? env : "";
  }
  if (user.empty()) return Status::InvalidArgument("who are you? give --user LOGIN or $QOIMA_USER");
  QOIMA_ASSIGN_OR_RETURN(std::string password,
                         appliance::ReadSecret(a.Get("password-fd"), "QOIMA_PASSWORD", "password"));
  auto s = std::make_unique<ExportSession>();
  appliance::ApplianceOptions o;
  o.tcti = ctx.tcti;
  o.state_dir = ctx.state_dir;
  QOIMA_ASSIGN_OR_RETURN(s->app, appliance::Appliance::Open(o));
  QOIMA_ASSIGN_OR_RETURN(s->actor, s->app->Login(user, password));
  return s;
}

std::string TimeText(int64_t t) {
  if (t == 0) return "";
  if (t == appliance::kNeverExpires) return "never";
  return appliance::FormatUtc(t);
}

json ApprovalJson(const ApprovalRequest& r) {
  json votes = json::array();
  for (const auto& v : r.approvals) votes.push_back({{"user", v.username}, {"at", TimeText(v.at)}});
  json j = {{"id", r.id},
            {"action", std::string(appliance::SensitiveActionName(r.action))},
            {"object", r.object},
            {"reason", r.reason},
            {"state", std::string(appliance::ApprovalStateName(r.state))},
            {"requested_by", r.requested_by_name},
            {"requested_at", TimeText(r.created_at)},
            {"expires_at", TimeText(r.expires_at)},
            {"approvals_required", r.policy.approvals_required},
            {"approvals", votes}};
  if (r.closed_at) j["closed_at"] = TimeText(r.closed_at);
  if (!r.note.empty()) j["note"] = r.note;
  return j;
}

void PrintApprovalLine(const ApprovalRequest& r) {
  std::string approvers;
  for (const auto& v : r.approvals) approvers += (approvers.empty() ? "" : ",") + v.username;
  std::printf("%6lld  %-9s %-8s %-14s by %-14s approved by %-14s expires %s\n", static_cast<long long>(r.id),
              std::string(appliance::ApprovalStateName(r.state)).c_str(),
              std::string(appliance::SensitiveActionName(r.action)).c_str(), r.object.c_str(),
              r.requested_by_name.c_str(), approvers.empty() ? "-" : approvers.c_str(), TimeText(r.expires_at).c_str());
  std::printf("        reason: %s\n", r.reason.c_str());
  if (!r.note.empty()) std::printf("        note: %s\n", r.note.c_str());
}

int PrintApproval(const CliContext& ctx, const ApprovalRequest& r, const char* verb) {
  if (ctx.json) {
    json j = ApprovalJson(r);
    j["ok"] = true;
    std::printf("%s\n", j.dump(2, ' ', false, json::error_handler_t::replace).c_str());
  } else {
    std::printf("approval %lld %s\n", static_cast<long long>(r.id), verb);
    PrintApprovalLine(r);
  }
  return kExitOk;
}

std::optional<int64_t> ParseId(const std::string& s) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::strtoll(s.c_str(), nullptr, 10);
}

Result<std::string> ReadSmallFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(std::string("cannot read ") + what + " " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (ss.str().size() > kMaxCertFileBytes) return Status::LimitExceeded(path + " is larger than a " + what + " can be");
  return ss.str();
}

int ExportRun(const CliContext& ctx, const appliance::CliArgs& a, ExportSession& s, int64_t id) {
  appliance::ExportOptions o;
  o.output_path = a.GetOr("out", "");
  o.device = a.GetOr("device", "");
  o.note = a.GetOr("note", "");
  if (o.output_path.empty() == o.device.empty())
    return ExportUsage("export run needs exactly one of --out and --device");
  if (auto cert = a.Get("recipient")) {
    auto pem = ReadSmallFile(*cert, "recipient certificate");
    if (!pem.ok()) return Report(ctx, pem.status());
    o.recipient_cert_pem = *pem;
  }
  auto out = s.app->Export(s.actor, id, o);
  if (!out.ok()) return Report(ctx, out.status());
  std::string cert_out = a.GetOr("cert-out", "");
  if (!cert_out.empty()) {
    std::ofstream f(cert_out, std::ios::binary | std::ios::trunc);
    f << out->device_certificate_pem;
    f.flush();
    if (!f)
      return Report(ctx, Status::IoError("bundle written, but cannot write the device certificate to " + cert_out));
  }
  if (ctx.json) {
    json j = {{"ok", true},
              {"approval", out->approval_id},
              {"deposit", out->deposit_id},
              {"export_id", out->export_id},
              {"sequence", out->sequence},
              {"written_to", out->written_to},
              {"bundle_bytes", out->bundle_bytes},
              {"bundle_sha256", out->bundle_sha256},
              {"encrypted", out->encrypted},
              {"bag", out->bag_dir},
              {"payload_files", out->payload_files},
              {"payload_bytes", out->payload_bytes},
              {"device_fingerprint", out->device_fingerprint},
              {"audit_index", out->audit_index},
              {"requested_by", out->requested_by},
              {"approved_by", out->approved_by}};
    std::printf("%s\n", j.dump(2, ' ', false, json::error_handler_t::replace).c_str());
  } else {
    std::printf("export %s (sequence %llu) of deposit %lld written to %s and verified\n", out->export_id.c_str(),
                static_cast<unsigned long long>(out->sequence), static_cast<long long>(out->deposit_id),
                out->written_to.c_str());
    std::printf("  %llu files, %llu payload bytes, bundle %llu bytes%s\n",
                static_cast<unsigned long long>(out->payload_files),
                static_cast<unsigned long long>(out->payload_bytes), static_cast<unsigned long long>(out->bundle_bytes),
                out->encrypted ? ", encrypted to the recipient" : "");
    std::printf("  bundle SHA-256 %s\n  requested by %s, approved by %s; approval %lld is now executed\n",
                out->bundle_sha256.c_str(), out->requested_by.c_str(), out->approved_by.c_str(),
                static_cast<long long>(out->approval_id));
    std::printf("  device key %s%s\n", out->device_fingerprint.c_str(),
                cert_out.empty() ? "" : (" (certificate written to " + cert_out + ")").c_str());
  }
  return kExitOk;
}

int ExportCommand(const appliance::CliArgs& a, const CliContext& ctx) {
  // The subcommand, its options and its argument were checked by the parser
  // against the command table (cli_commands.cpp).
  const auto& p = a.positional();
  const std::string& sub = p.at(1);

  std::optional<int64_t> id;
  if (sub == "request") {
    std::string d = p[2].rfind("deposit:", 0) == 0 ? p[2].substr(8) : p[2];
    id = ParseId(d);
    if (!id) return ExportUsage("DEPOSIT is a deposit number, e.g. 17 or deposit:17");
    if (a.GetOr("reason", "").empty()) return ExportUsage("export request needs --reason TEXT");
  } else if (sub != "list") {
    id = ParseId(p[2]);
    if (!id) return ExportUsage("ID is an approval number");
  }
  if (sub == "reject" && a.GetOr("note", "").empty()) return ExportUsage("export reject needs --note TEXT");

  auto session = OpenSession(ctx, a);
  if (!session.ok()) return Report(ctx, session.status());
  ExportSession& s = **session;
  if (sub == "request") {
    auto r = s.app->RequestApproval(s.actor, appliance::SensitiveAction::kExport, "deposit:" + std::to_string(*id),
                                    a.GetOr("reason", ""));
    return r.ok() ? PrintApproval(ctx, *r, "requested: a second security officer must approve it")
                  : Report(ctx, r.status());
  }
  if (sub == "approve") {
    auto r = s.app->ApproveRequest(s.actor, *id);
    return r.ok() ? PrintApproval(ctx, *r, r->state == appliance::ApprovalState::kApproved ? "approved" : "voted")
                  : Report(ctx, r.status());
  }
  if (sub == "reject") {
    auto r = s.app->RejectRequest(s.actor, *id, a.GetOr("note", ""));
    return r.ok() ? PrintApproval(ctx, *r, "rejected") : Report(ctx, r.status());
  }
  if (sub == "cancel") {
    auto r = s.app->CancelRequest(s.actor, *id);
    return r.ok() ? PrintApproval(ctx, *r, "withdrawn") : Report(ctx, r.status());
  }
  if (sub == "show") {
    auto r = s.app->GetApproval(s.actor, *id);
    return r.ok() ? PrintApproval(ctx, *r, "") : Report(ctx, r.status());
  }
  if (sub == "list") {
    auto r = s.app->ListApprovals(
        s.actor, a.Has("all") ? appliance::ApprovalListFilter::kAll : appliance::ApprovalListFilter::kPending);
    if (!r.ok()) return Report(ctx, r.status());
    if (ctx.json) {
      json arr = json::array();
      for (const auto& x : *r) arr.push_back(ApprovalJson(x));
      std::printf("%s\n",
                  json({{"ok", true}, {"approvals", arr}}).dump(2, ' ', false, json::error_handler_t::replace).c_str());
    } else {
      if (r->empty()) std::printf("no %sapprovals\n", a.Has("all") ? "" : "open ");
      for (const auto& x : *r) PrintApprovalLine(x);
    }
    return kExitOk;
  }
  return ExportRun(ctx, a, s, *id);
}

}  // namespace

int RunExportCommand(const appliance::CliArgs& args, const CliContext& ctx) {
  if (args.positional().at(0) == "verify-bundle") return VerifyBundleCommand(args, ctx);
  return ExportCommand(args, ctx);
}

}  // namespace qoima::exporting
