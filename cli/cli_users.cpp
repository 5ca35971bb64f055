#include "cli/cli_users.h"

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "appliance/appliance.h"
#include "appliance/civil_time.h"
#include "cli/cli_args.h"
#include "cli/cli_status.h"

namespace qoima::appliance::cli {
namespace {

using nlohmann::json;

int Usage(const std::string& why) { return ReportUsage(JsonOutput(), "user: " + why); }

struct Session {
  std::unique_ptr<Appliance> app;
  Actor actor;
  ~Session() {
    if (app) (void)app->EndSession();  // a checkpoint over the command's events, refusals included
  }
};

Result<std::unique_ptr<Session>> OpenSession(const UserCliContext& ctx, const CliArgs& a) {
  std::string user = a.GetOr("user", "");
  if (user.empty()) {
    const char* env = std::getenv("QOIMA_USER");
    user = env ? env : "";
  }
  if (user.empty()) return Status::InvalidArgument("who are you? give --user LOGIN or $QOIMA_USER");
  QOIMA_ASSIGN_OR_RETURN(std::string password, ReadSecret(a.Get("password-fd"), "QOIMA_PASSWORD", "password"));
  auto s = std::make_unique<Session>();
  ApplianceOptions o;
  o.tcti = ctx.tcti;
  o.state_dir = ctx.state_dir;
  QOIMA_ASSIGN_OR_RETURN(s->app, Appliance::Open(o));
  QOIMA_ASSIGN_OR_RETURN(s->actor, s->app->Login(user, password));
  return s;
}

std::string TimeText(int64_t t) {
  if (t == 0) return "";
  if (t == kNeverExpires) return "never";
  return FormatUtc(t);
}

json RequestJson(const ApprovalRequest& r) {
  json votes = json::array();
  for (const auto& v : r.approvals) votes.push_back({{"user", v.username}, {"at", TimeText(v.at)}});
  json j = {{"id", r.id},
            {"action", std::string(SensitiveActionName(r.action))},
            {"object", r.object},
            {"change", r.detail},
            {"reason", r.reason},
            {"state", std::string(ApprovalStateName(r.state))},
            {"requested_by", r.requested_by_name},
            {"requested_at", TimeText(r.created_at)},
            {"expires_at", TimeText(r.expires_at)},
            {"approvals", votes}};
  if (r.closed_at) j["closed_at"] = TimeText(r.closed_at);
  if (!r.note.empty()) j["note"] = r.note;
  return j;
}

void PrintRequestLine(const ApprovalRequest& r) {
  std::string approvers;
  for (const auto& v : r.approvals) approvers += (approvers.empty() ? "" : ",") + v.username;
  std::printf("%6lld  %-9s %s\n", static_cast<long long>(r.id), std::string(ApprovalStateName(r.state)).c_str(),
              (r.detail.empty() ? r.object : r.detail).c_str());
  std::printf("        asked by %s at %s, approved by %s, expires %s\n", r.requested_by_name.c_str(),
              TimeText(r.created_at).c_str(), approvers.empty() ? "-" : approvers.c_str(),
              TimeText(r.expires_at).c_str());
  std::printf("        reason: %s\n", r.reason.c_str());
  if (!r.note.empty()) std::printf("        note: %s\n", r.note.c_str());
}

int PrintRequest(const UserCliContext& ctx, const ApprovalRequest& r, const std::string& headline) {
  if (ctx.json) {
    json j = RequestJson(r);
    j["ok"] = true;
    std::printf("%s\n", j.dump(2, ' ', false, json::error_handler_t::replace).c_str());
  } else {
    std::printf("%s\n", headline.c_str());
    PrintRequestLine(r);
  }
  return kExitOk;
}

// The answer to a change: done, or recorded as a request (said plainly: the
// change has NOT happened yet).
int PrintOutcome(const UserCliContext& ctx, const std::string& login, const std::string& what,
                 const UserChangeOutcome& o) {
  if (ctx.json) {
    json j = {{"ok", true}, {"login", login}, {"applied", o.applied}};
    if (o.applied) j["id"] = o.user_id;
    if (o.commissioning) j["commissioning"] = true;
    if (o.pending) j["pending"] = RequestJson(*o.pending);
    std::printf("%s\n", j.dump(2, ' ', false, json::error_handler_t::replace).c_str());
    return kExitOk;
  }
  if (o.applied) {
    std::printf("user %s: %s done%s\n", login.c_str(), what.c_str(),
                o.commissioning ? " (commissioning: one of the first security officers)" : "");
    return kExitOk;
  }
  const ApprovalRequest& r = *o.pending;
  std::printf(
      "user %s: NOT done yet: %s needs a second security officer's approval.\n"
      "request %lld is recorded; another security officer carries it out with `qoima user approve %lld`\n",
      login.c_str(), r.detail.c_str(), static_cast<long long>(r.id), static_cast<long long>(r.id));
  PrintRequestLine(r);
  return kExitOk;
}

std::optional<int64_t> ParseId(const std::string& s) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::strtoll(s.c_str(), nullptr, 10);
}

int ListUsers(const UserCliContext& ctx, Session& s) {
  auto users = s.app->ListUsers(s.actor);
  if (!users.ok()) return ReportError(ctx.json, users.status());
  if (ctx.json) {
    json arr = json::array();
    for (const auto& u : *users)
      arr.push_back({{"id", u.id},
                     {"login", u.login},
                     {"name", u.full_name},
                     {"role", std::string(RoleName(u.role))},
                     {"disabled", u.disabled},
                     {"locked", u.locked},
                     {"failed_logins", u.failed_logins}});
    std::printf("%s\n", json({{"ok", true}, {"users", arr}}).dump(2).c_str());
  } else {
    for (const auto& u : *users)
      std::printf("%-16s %-18s %s%s%s\n", u.login.c_str(), RoleName(u.role).data(), u.full_name.c_str(),
                  u.disabled ? " [disabled]" : "", u.locked ? " [locked]" : "");
  }
  return kExitOk;
}

int History(const UserCliContext& ctx, Session& s, const std::string& login) {
  auto h = s.app->UserHistory(s.actor, login);
  if (!h.ok()) return ReportError(ctx.json, h.status());
  json arr = json::array();
  for (const UserChange& c : *h) {
    std::string by = c.requested_by ? c.requested_by_login : "system";
    std::string how = c.break_glass   ? "break-glass (recovery shares)"
                      : c.approved_by ? "approved by " + c.approved_by_login
                                      : "directly";
    if (ctx.json) {
      arr.push_back({{"at", FormatUtc(c.at)},
                     {"change", std::string(UserChangeKindName(c.kind))},
                     {"role_before", c.role_before},
                     {"role_after", c.role_after},
                     {"requested_by", by},
                     {"approved_by", c.approved_by_login},
                     {"break_glass", c.break_glass},
                     {"approval", c.approval_id}});
    } else {
      std::printf("%s  %-8s %-18s by %-14s %s%s\n", FormatUtc(c.at).c_str(),
                  std::string(UserChangeKindName(c.kind)).c_str(), c.role_after.c_str(), by.c_str(), how.c_str(),
                  c.approval_id ? (" (approval " + std::to_string(c.approval_id) + ")").c_str() : "");
    }
  }
  if (ctx.json) std::printf("%s\n", json({{"ok", true}, {"login", login}, {"changes", arr}}).dump(2).c_str());
  return kExitOk;
}

int Requests(const UserCliContext& ctx, Session& s, bool all) {
  auto r = s.app->ListApprovals(s.actor, all ? ApprovalListFilter::kAll : ApprovalListFilter::kPending);
  if (!r.ok()) return ReportError(ctx.json, r.status());
  std::vector<ApprovalRequest> mine;
  for (auto& x : *r)
    if (x.action == SensitiveAction::kUserChange) mine.push_back(std::move(x));
  if (ctx.json) {
    json arr = json::array();
    for (const auto& x : mine) arr.push_back(RequestJson(x));
    std::printf("%s\n",
                json({{"ok", true}, {"requests", arr}}).dump(2, ' ', false, json::error_handler_t::replace).c_str());
  } else {
    if (mine.empty()) std::printf("no %saccount change requests\n", all ? "" : "open ");
    for (const auto& x : mine) PrintRequestLine(x);
  }
  return kExitOk;
}

int Run(const UserCliContext& ctx, const CliArgs& a) {
  // The parser checked the subcommand, its options and its one argument
  // against the command table (cli_commands.cpp).
  const auto& p = a.positional();
  const std::string& sub = p.at(1);
  const std::string arg = p.size() > 2 ? p[2] : "";
  const std::string reason = a.GetOr("reason", "");
  std::optional<Role> role;
  if (sub == "add" || sub == "role") {
    role = ParseRole(a.GetOr("role", ""));
    if (!role) return Usage("--role must be clerk, security_officer, auditor or admin");
  }
  std::optional<int64_t> id;
  if (sub == "approve" || sub == "reject" || sub == "cancel" || sub == "break-glass") {
    id = ParseId(arg);
    if (!id) return Usage("ID is a request number (see `qoima user requests`)");
  }
  if (sub == "reject" && a.GetOr("note", "").empty()) return Usage("user reject needs --note TEXT");
  // Secrets are read before the login, so a missing one refuses nothing in the store.
  std::string new_password;
  if (sub == "add" || sub == "passwd") {
    auto pw = ReadSecret(a.Get("new-password-fd"), "QOIMA_NEW_PASSWORD", "new password");
    if (!pw.ok()) return ReportError(ctx.json, pw.status());
    new_password = *pw;
  }
  std::vector<std::string> shares;
  if (sub == "break-glass") {
    auto read = ReadRecoveryShares(a);
    if (!read.ok()) return ReportError(ctx.json, read.status());
    shares = std::move(*read);
  }

  auto session = OpenSession(ctx, a);
  if (!session.ok()) return ReportError(ctx.json, session.status());
  Session& s = **session;
  auto outcome = [&](const Result<UserChangeOutcome>& r, const std::string& what) {
    return r.ok() ? PrintOutcome(ctx, arg, what, *r) : ReportError(ctx.json, r.status());
  };
  if (sub == "list") return ListUsers(ctx, s);
  if (sub == "history") return History(ctx, s, arg);
  if (sub == "requests") return Requests(ctx, s, a.Has("all"));
  if (sub == "add") {
    NewUser n{arg, a.GetOr("surname", ""), a.GetOr("name", ""), a.GetOr("patronymic", ""), *role, new_password};
    return outcome(s.app->CreateUser(s.actor, n, reason), "created (" + std::string(RoleName(*role)) + ")");
  }
  if (sub == "passwd") return outcome(s.app->SetPassword(s.actor, arg, new_password, reason), "new password set");
  if (sub == "role")
    return outcome(s.app->SetRole(s.actor, arg, *role, reason), "role " + std::string(RoleName(*role)) + " set");
  if (sub == "enable" || sub == "disable")
    return outcome(s.app->SetDisabled(s.actor, arg, sub == "disable", reason), sub + "d");
  if (sub == "unlock") {
    Status st = s.app->Unlock(s.actor, arg);
    if (!st.ok()) return ReportError(ctx.json, st);
    if (ctx.json)
      std::printf("%s\n", json({{"ok", true}, {"login", arg}, {"applied", true}}).dump(2).c_str());
    else
      std::printf("user %s: unlocked\n", arg.c_str());
    return kExitOk;
  }
  if (sub == "approve") {
    auto r = s.app->ApproveRequest(s.actor, *id);
    if (!r.ok()) return ReportError(ctx.json, r.status());
    return PrintRequest(ctx, *r,
                        "request " + std::to_string(*id) + " approved" +
                            (r->state == ApprovalState::kExecuted ? " and carried out: " + r->detail : ""));
  }
  if (sub == "reject") {
    auto r = s.app->RejectRequest(s.actor, *id, a.GetOr("note", ""));
    return r.ok() ? PrintRequest(ctx, *r, "request " + std::to_string(*id) + " rejected")
                  : ReportError(ctx.json, r.status());
  }
  if (sub == "cancel") {
    auto r = s.app->CancelRequest(s.actor, *id);
    return r.ok() ? PrintRequest(ctx, *r, "request " + std::to_string(*id) + " withdrawn")
                  : ReportError(ctx.json, r.status());
  }
  auto r = s.app->BreakGlassApprove(s.actor, *id, shares);
  return r.ok() ? PrintRequest(ctx, *r,
                               "BREAK-GLASS: request " + std::to_string(*id) +
                                   " carried out on the recovery shares' authority: " + r->detail)
                : ReportError(ctx.json, r.status());
}

}  // namespace

int RunUserCommand(const CliArgs& args, const UserCliContext& ctx) { return Run(ctx, args); }

}  // namespace qoima::appliance::cli
