// Appliance: accounts and logins, under dual control of the people
// (docs/security.md, "One officer acting alone").
//
// Every change to an account goes through ChangeUser: role.h's table says
// whether the actor may make it at once (a clerk or auditor account, by the
// admin), only as a request a second security officer approves (a security
// officer's or admin's account), or not at all. A request is an approvals
// row (action 'user') plus the change it would make (user_change_requests);
// ApproveRequest carries it out in the same transaction as the approval
// (appliance_approvals.cpp), BreakGlassApprove when the recovery shares
// stand in for the second officer. Whatever is carried out is recorded in
// user_changes (who asked, who approved, when) with its audit event, and
// the independence rule of every later approval reads it.
#include <algorithm>
#include "appliance/appliance.h"

#include "appliance/civil_time.h"
#include "appliance/manifest_parser.h"
#include "appliance/user_change_repository.h"

namespace qoima::appliance {
namespace {

using storage::Statement;
using storage::Transaction;

std::string UserObject(std::string_view login) { return "user:" + std::string(login); }
std::string ApprovalObject(int64_t id) { return "approval:" + std::to_string(id); }

std::string_view AuditAction(UserChangeKind kind) {
  switch (kind) {
    case UserChangeKind::kCreate: return "user.create";
    case UserChangeKind::kEnable: return "user.enable";
    case UserChangeKind::kDisable: return "user.disable";
    case UserChangeKind::kRole: return "user.role";
    case UserChangeKind::kPassword: return "user.password";
    case UserChangeKind::kUnlock: return "user.unlock";
  }
  return "user.change";
}

// Stored times are "YYYY-MM-DDTHH:MM:SSZ"; empty or unreadable: 0.
int64_t ParseUtcText(const std::string& s) {
  if (s.empty()) return 0;
  auto d = ParseManifestDate(s);
  return d ? d->unix_seconds : 0;
}

std::optional<std::string> OptText(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

// The stricter of two rules: refused over a second officer over direct.
UserChangeRule Stricter(UserChangeRule a, UserChangeRule b) {
  auto rank = [](UserChangeRule r) {
    return r == UserChangeRule::kRefused ? 2 : r == UserChangeRule::kSecondOfficer ? 1 : 0;
  };
  return rank(a) >= rank(b) ? a : b;
}

}  // namespace

Result<UserRecord> Appliance::LoadUser(std::string_view login) {
  QOIMA_ASSIGN_OR_RETURN(Statement st,
                         store_->db().Prepare("SELECT u.id, u.login, u.surname, u.given_name, u.patronymic, "
                                              "u.password_hash, u.failed_attempts, u.locked_until, u.created_at, "
                                              "u.disabled_at, r.role FROM users u LEFT JOIN user_roles r ON "
                                              "r.user_id = u.id WHERE u.login = ?"));
  st.Bind(1, login);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no user '" + std::string(login) + "'");
  UserRecord u;
  u.id = st.ColumnInt(0);
  u.username = st.ColumnText(1);
  u.surname = st.ColumnText(2);
  u.given_name = st.ColumnText(3);
  u.patronymic = st.ColumnText(4);
  u.password_hash = st.ColumnText(5);
  u.failed_logins = static_cast<int>(st.ColumnInt(6));
  u.locked_until = ParseUtcText(st.ColumnText(7));
  u.created_at = ParseUtcText(st.ColumnText(8));
  u.disabled = !st.ColumnIsNull(9);
  auto role = ParseRole(st.ColumnText(10));
  if (!role) return Status::Corrupt("user '" + u.username + "' has no valid role");
  u.role = *role;
  return u;
}

Status Appliance::SaveLoginState(const UserRecord& u) {
  QOIMA_ASSIGN_OR_RETURN(Statement st,
                         store_->db().Prepare("UPDATE users SET failed_attempts = ?, locked_until = ? WHERE id = ?"));
  st.Bind(1, static_cast<int64_t>(u.failed_logins));
  st.BindOptional(2, u.locked_until ? std::optional<std::string>(FormatUtc(u.locked_until)) : std::nullopt);
  st.Bind(3, u.id);
  return st.Run();
}

Result<Actor> Appliance::Login(std::string_view login, std::string_view password) {
  auto user = LoadUser(login);
  if (!user.ok()) {
    // Hashing the guess costs what checking it would, so an unknown login
    // answers as slowly as a known one, and in the same words.
    (void)hasher_->Hash(password);
    (void)store_->Record({std::string(login).empty() ? "unknown" : std::string(login), "unknown"}, "user.login",
                         "user:" + std::string(login), "failure", "no such user");
    return LoginRefused();
  }
  Authenticator auth(*clock_, *hasher_);
  QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(store_->db()));
  Status s = auth.Authenticate(*user, password);
  QOIMA_RETURN_IF_ERROR(SaveLoginState(*user));
  // The audit log keeps the real reason (wrong password, locked, disabled);
  // the person is told only LoginRefused().
  QOIMA_RETURN_IF_ERROR(store_
                            ->Record({user->username, std::string(RoleName(user->role))}, "user.login",
                                     "user:" + user->username, s.ok() ? "success" : "failure",
                                     s.ok() ? "" : s.message())
                            .status());
  QOIMA_RETURN_IF_ERROR(tx.Commit());
  if (s.code() == Code::kAuthFailed || s.code() == Code::kLockout || s.code() == Code::kPermissionDenied)
    return LoginRefused();
  if (!s.ok()) return s;  // a damaged hash: the store's fault, not the person's
  return user->AsActor();
}

Result<int64_t> Appliance::ApplyUserChange(const UserChangeRequest& c, int64_t requested_by, int64_t approved_by,
                                           bool break_glass, int64_t approval_id) {
  storage::Database& db = store_->db();
  UserChange record;
  record.kind = c.kind;
  record.requested_by = requested_by;
  record.approved_by = approved_by;
  record.break_glass = break_glass;
  record.approval_id = approval_id;
  record.at = clock_->NowUnix();
  const std::string now = FormatUtc(record.at);
  if (c.kind == UserChangeKind::kCreate) {
    QOIMA_ASSIGN_OR_RETURN(Statement ins, db.Prepare("INSERT INTO users(login, surname, given_name, patronymic, "
                                                     "password_hash, created_at) VALUES (?,?,?,?,?,?)"));
    ins.Bind(1, c.login).Bind(2, c.surname).Bind(3, c.given_name).BindOptional(4, OptText(c.patronymic));
    ins.Bind(5, c.password_hash).Bind(6, now);
    Status s = ins.Run();
    if (s.code() == Code::kAlreadyExists) return Status::AlreadyExists("user '" + c.login + "' exists already");
    QOIMA_RETURN_IF_ERROR(s);
    record.user_id = db.LastInsertRowid();
    QOIMA_ASSIGN_OR_RETURN(Statement role, db.Prepare("INSERT INTO user_roles(user_id, role, granted_by, granted_at) "
                                                      "VALUES (?,?,?,?)"));
    role.Bind(1, record.user_id).Bind(2, RoleName(c.role));
    role.BindOptional(3, requested_by ? std::optional<int64_t>(requested_by) : std::nullopt).Bind(4, now);
    QOIMA_RETURN_IF_ERROR(role.Run());
    record.role_after = RoleName(c.role);
  } else {
    QOIMA_ASSIGN_OR_RETURN(UserRecord u, LoadUser(c.login));
    if (u.id != c.user_id)
      return Status::FailedPrecondition("the account '" + c.login + "' is not the one the request was made for");
    record.user_id = u.id;
    record.role_before = RoleName(u.role);
    record.role_after = RoleName(u.role);
    Statement st;
    switch (c.kind) {
      case UserChangeKind::kEnable:
      case UserChangeKind::kDisable: {
        QOIMA_ASSIGN_OR_RETURN(st, db.Prepare("UPDATE users SET disabled_at = ? WHERE id = ?"));
        st.BindOptional(1, c.kind == UserChangeKind::kDisable ? std::optional<std::string>(now) : std::nullopt);
        st.Bind(2, u.id);
        break;
      }
      case UserChangeKind::kRole: {
        QOIMA_ASSIGN_OR_RETURN(st, db.Prepare("UPDATE user_roles SET role = ?, granted_by = ?, granted_at = ? WHERE "
                                              "user_id = ?"));
        st.Bind(1, RoleName(c.role));
        st.BindOptional(2, requested_by ? std::optional<int64_t>(requested_by) : std::nullopt);
        st.Bind(3, now).Bind(4, u.id);
        record.role_after = RoleName(c.role);
        break;
      }
      case UserChangeKind::kPassword: {
        QOIMA_ASSIGN_OR_RETURN(st, db.Prepare("UPDATE users SET password_hash = ?, failed_attempts = 0, "
                                              "locked_until = NULL WHERE id = ?"));
        st.Bind(1, c.password_hash).Bind(2, u.id);
        break;
      }
      case UserChangeKind::kUnlock: {
        QOIMA_ASSIGN_OR_RETURN(st,
                               db.Prepare("UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE id = ?"));
        st.Bind(1, u.id);
        break;
      }
      case UserChangeKind::kCreate: return Status::Internal("unreachable");
    }
    QOIMA_RETURN_IF_ERROR(st.Run());
  }
  UserChangeRepository changes(db);
  QOIMA_RETURN_IF_ERROR(changes.Record(record).status());
  return record.user_id;
}

Result<UserChangeOutcome> Appliance::ChangeUser(const Actor& actor, UserChangeRequest change,
                                                const std::vector<Role>& account_roles, const std::string& reason) {
  const std::string action(AuditAction(change.kind));
  const std::string object = UserObject(change.login);
  const bool own = change.user_id != 0 && change.user_id == actor.user_id;
  auto refuse = [&](Status why) -> Status {
    (void)Audit(actor, action, object, why.code() == Code::kPermissionDenied ? "denied" : "failure", why.message());
    return why;
  };

  // Whose rule: one's own password is one's own business; nobody changes the
  // role or the state of their own account; anything else is role.h's table.
  UserChangeRule rule = UserChangeRule::kRefused;
  if (own && change.kind == UserChangeKind::kPassword) {
    QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kOwnPassword, action, object));
    rule = UserChangeRule::kDirect;
  } else if (own) {
    return refuse(Status::PermissionDenied("'" + actor.username + "' may not " + change.Describe() +
                                           ": nobody changes the role or the state of their own account"));
  } else {
    rule = UserChangeRule::kDirect;
    for (Role r : account_roles) rule = Stricter(rule, UserChangeRuleFor(actor.role, r));
  }
  bool commissioning = false;
  if (rule == UserChangeRule::kSecondOfficer && change.role == Role::kSecurityOfficer &&
      (change.kind == UserChangeKind::kCreate || change.kind == UserChangeKind::kRole) &&
      std::none_of(account_roles.begin(), account_roles.end(), [](Role r) { return r == Role::kAdmin; })) {
    UserChangeRepository changes(store_->db());
    QOIMA_ASSIGN_OR_RETURN(int64_t seated, changes.OfficersEverSeated());
    commissioning = MaySeatCommissioningOfficer(actor.role, seated);
    if (commissioning) rule = UserChangeRule::kDirect;
  }
  if (rule == UserChangeRule::kRefused) {
    std::string who = "user '" + actor.username + "' (" + std::string(RoleName(actor.role)) + ")";
    return refuse(Status::PermissionDenied(
        who + " may not " + change.Describe() +
        (RoleHas(actor.role, Permission::kUserAdmin) || RoleHas(actor.role, Permission::kRequestUserChange)
             ? ": the admin manages clerk and auditor accounts; a security officer's or admin's account is changed "
               "on the request of the admin or an officer with a second officer's approval"
             : "")));
  }

  UserChangeOutcome out;
  if (rule == UserChangeRule::kDirect) {
    // The change, its history row and its audit event in one transaction;
    // a refusal (e.g. the login was taken meanwhile) is audited after the
    // rollback.
    auto id = [&]() -> Result<int64_t> {
      QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(store_->db()));
      QOIMA_ASSIGN_OR_RETURN(int64_t user_id, ApplyUserChange(change, actor.user_id, 0, false, 0));
      std::string detail = change.Describe();
      if (commissioning)
        detail += "; commissioning: fewer than " + std::to_string(kCommissioningOfficers) +
                  " security officers were ever seated, so no second officer could approve";
      QOIMA_RETURN_IF_ERROR(Audit(actor, action, object, "success", detail));
      QOIMA_RETURN_IF_ERROR(tx.Commit());
      return user_id;
    }();
    if (!id.ok()) return refuse(id.status());
    out.applied = true;
    out.user_id = *id;
    out.commissioning = commissioning;
    return out;
  }

  // A second security officer must approve: record the request.
  const int64_t now = clock_->NowUnix();
  if (reason.size() > kMaxApprovalTextBytes)
    return refuse(
        Status::LimitExceeded("the reason is longer than " + std::to_string(kMaxApprovalTextBytes) + " bytes"));
  std::string why = reason.empty() ? change.Describe() : reason;
  auto request = appliance::RequestApproval(actor, SensitiveAction::kUserChange, object, why, now);
  if (!request.ok()) return refuse(request.status());
  ApprovalRepository approvals(store_->db());
  UserChangeRepository changes(store_->db());
  QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(store_->db()));
  QOIMA_ASSIGN_OR_RETURN(request->id, approvals.Insert(*request));
  QOIMA_RETURN_IF_ERROR(changes.SaveRequest(request->id, change));
  QOIMA_RETURN_IF_ERROR(Audit(actor, "approval.request", ApprovalObject(request->id), "success",
                              "user change: " + change.Describe() +
                                  "; a second security officer must approve it; reason: " + why + "; expires " +
                                  FormatUtc(request->expires_at)));
  QOIMA_RETURN_IF_ERROR(tx.Commit());
  request->detail = change.Describe();
  out.user_id = change.user_id;
  out.pending = std::move(*request);
  return out;
}

Result<UserChangeOutcome> Appliance::CreateUser(const Actor& actor, const NewUser& n, const std::string& reason) {
  const std::string object = UserObject(n.login);
  if (!RoleHas(actor.role, Permission::kUserAdmin) && !RoleHas(actor.role, Permission::kRequestUserChange))
    return Check(actor, Permission::kUserAdmin, "user.create", object);
  QOIMA_RETURN_IF_ERROR(CheckUsername(n.login));
  QOIMA_RETURN_IF_ERROR(CheckPasswordPolicy(n.login, n.password));
  if (n.surname.empty() || n.given_name.empty())
    return Status::InvalidArgument("a user needs a surname and a name (--surname, --name)");
  if (LoadUser(n.login).ok()) return Status::AlreadyExists("user '" + n.login + "' exists already");
  UserChangeRequest c;
  c.kind = UserChangeKind::kCreate;
  c.login = n.login;
  c.role = n.role;
  c.surname = n.surname;
  c.given_name = n.given_name;
  c.patronymic = n.patronymic;
  QOIMA_ASSIGN_OR_RETURN(c.password_hash, hasher_->Hash(n.password));
  return ChangeUser(actor, std::move(c), {n.role}, reason);
}

Result<UserChangeOutcome> Appliance::SetPassword(const Actor& actor, std::string_view login, std::string_view password,
                                                 const std::string& reason) {
  const std::string object = UserObject(login);
  auto u = LoadUser(login);
  if (!u.ok()) {
    (void)Audit(actor, "user.password", object, "failure", u.status().message());
    return u.status();
  }
  QOIMA_RETURN_IF_ERROR(CheckPasswordPolicy(login, password));
  UserChangeRequest c;
  c.kind = UserChangeKind::kPassword;
  c.login = std::string(login);
  c.user_id = u->id;
  c.role = u->role;
  QOIMA_ASSIGN_OR_RETURN(c.password_hash, hasher_->Hash(password));
  return ChangeUser(actor, std::move(c), {u->role}, reason);
}

Status Appliance::Unlock(const Actor& actor, std::string_view login) {
  std::string object = UserObject(login);
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kUserAdmin, "user.unlock", object));
  QOIMA_ASSIGN_OR_RETURN(UserRecord u, LoadUser(login));
  UserChangeRequest c;
  c.kind = UserChangeKind::kUnlock;
  c.login = u.username;
  c.user_id = u.id;
  QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(store_->db()));
  QOIMA_RETURN_IF_ERROR(ApplyUserChange(c, actor.user_id, 0, false, 0).status());
  QOIMA_RETURN_IF_ERROR(Audit(actor, "user.unlock", object, "success", ""));
  return tx.Commit();
}

Result<UserChangeOutcome> Appliance::SetDisabled(const Actor& actor, std::string_view login, bool disabled,
                                                 const std::string& reason) {
  const std::string object = UserObject(login);
  const char* action = disabled ? "user.disable" : "user.enable";
  if (disabled && actor.username == login) {
    Status s = Status::InvalidArgument("you cannot disable your own account");
    (void)Audit(actor, action, object, "failure", s.message());
    return s;
  }
  auto u = LoadUser(login);
  if (!u.ok()) {
    (void)Audit(actor, action, object, "failure", u.status().message());
    return u.status();
  }
  if (u->disabled == disabled)
    return Status::FailedPrecondition("the account '" + std::string(login) + "' is " +
                                      (disabled ? "disabled" : "enabled") + " already");
  UserChangeRequest c;
  c.kind = disabled ? UserChangeKind::kDisable : UserChangeKind::kEnable;
  c.login = std::string(login);
  c.user_id = u->id;
  c.role = u->role;
  return ChangeUser(actor, std::move(c), {u->role}, reason);
}

Result<UserChangeOutcome> Appliance::SetRole(const Actor& actor, std::string_view login, Role role,
                                             const std::string& reason) {
  const std::string object = UserObject(login);
  auto u = LoadUser(login);
  if (!u.ok()) {
    (void)Audit(actor, "user.role", object, "failure", u.status().message());
    return u.status();
  }
  if (u->role == role)
    return Status::FailedPrecondition("'" + std::string(login) + "' is " + std::string(RoleName(role)) + " already");
  UserChangeRequest c;
  c.kind = UserChangeKind::kRole;
  c.login = std::string(login);
  c.user_id = u->id;
  c.role = role;
  return ChangeUser(actor, std::move(c), {u->role, role}, reason);
}

Result<std::vector<UserSummary>> Appliance::ListUsers(const Actor& actor) {
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kListUsers, "user.list", "users"));
  QOIMA_ASSIGN_OR_RETURN(Statement st, store_->db().Prepare("SELECT login FROM users ORDER BY id"));
  std::vector<std::string> logins;
  while (true) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    logins.push_back(st.ColumnText(0));
  }
  std::vector<UserSummary> out;
  Authenticator auth(*clock_, *hasher_);
  for (const auto& l : logins) {
    QOIMA_ASSIGN_OR_RETURN(UserRecord u, LoadUser(l));
    PersonName n{u.surname, u.given_name, u.patronymic};
    out.push_back({u.id, u.username, n.Full(), u.role, u.disabled, auth.IsLocked(u), u.failed_logins});
  }
  return out;
}

Result<std::vector<UserChange>> Appliance::UserHistory(const Actor& actor, std::string_view login) {
  const std::string object = UserObject(login);
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kListUsers, "user.history", object));
  QOIMA_ASSIGN_OR_RETURN(UserRecord u, LoadUser(login));
  UserChangeRepository changes(store_->db());
  QOIMA_ASSIGN_OR_RETURN(std::vector<UserChange> out, changes.ForUser(u.id));
  QOIMA_RETURN_IF_ERROR(Audit(actor, "user.history", object, "success", std::to_string(out.size()) + " change(s)"));
  return out;
}

Status Appliance::CheckApprovalPersons(const ApprovalRequest& r, const Actor& approver, int64_t now) {
  Person second{approver.user_id, approver.username};
  QOIMA_RETURN_IF_ERROR(
      CheckPersonsIndependent(store_->db(), Person{r.requested_by, r.requested_by_name}, second, now));
  for (const ApprovalVote& v : r.approvals)
    if (v.user_id != approver.user_id)
      QOIMA_RETURN_IF_ERROR(CheckPersonsIndependent(store_->db(), Person{v.user_id, v.username}, second, now));
  if (r.action != SensitiveAction::kUserChange) return Status::Ok();
  // An account change: the approver is not the account changed, and the
  // requester still holds the right to ask (not disabled or re-roled since).
  UserChangeRepository changes(store_->db());
  QOIMA_ASSIGN_OR_RETURN(UserChangeRequest c, changes.LoadRequest(r.id));
  if (c.user_id == approver.user_id || c.login == approver.username)
    return Status::PermissionDenied("'" + approver.username +
                                    "' cannot approve a change to their own account: another security officer must");
  QOIMA_ASSIGN_OR_RETURN(UserRecord requester, LoadUser(r.requested_by_name));
  if (requester.disabled || !RoleHas(requester.role, RequestPermission(r.action)))
    return Status::FailedPrecondition("'" + r.requested_by_name + "', who asked for this change, is " +
                                      (requester.disabled ? "disabled" : "no longer allowed to ask for it") +
                                      " now: the request cannot be carried out");
  return Status::Ok();
}

Status Appliance::CarryOutUserChange(const Actor& actor, ApprovalRequest& r, int64_t approved_by, bool break_glass) {
  UserChangeRepository changes(store_->db());
  QOIMA_ASSIGN_OR_RETURN(UserChangeRequest c, changes.LoadRequest(r.id));
  if (c.password_hash.empty() && (c.kind == UserChangeKind::kCreate || c.kind == UserChangeKind::kPassword))
    return Status::FailedPrecondition("approval " + std::to_string(r.id) + " no longer holds the password to set");
  QOIMA_ASSIGN_OR_RETURN(int64_t user_id, ApplyUserChange(c, r.requested_by, approved_by, break_glass, r.id));
  QOIMA_RETURN_IF_ERROR(changes.CloseRequest(r.id, user_id));
  std::string how = break_glass ? "break-glass: the recovery shares stood in for a second security officer"
                                : "approved by " + actor.username;
  return Audit(
      actor, AuditAction(c.kind), UserObject(c.login), "success",
      c.Describe() + "; requested by " + r.requested_by_name + ", " + how + " (approval " + std::to_string(r.id) + ")");
}

Result<ApprovalRequest> Appliance::BreakGlassApprove(const Actor& actor, int64_t approval_id,
                                                     const std::vector<std::string>& shares) {
  constexpr char kAction[] = "approval.break_glass";
  const std::string object = ApprovalObject(approval_id);
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kRequestUserChange, kAction, object));
  ApprovalRepository approvals(store_->db());
  auto refuse = [&](Status why) -> Status {
    (void)Audit(actor, kAction, object,
                why.code() == Code::kPermissionDenied || why.code() == Code::kAuthFailed ? "denied" : "failure",
                why.message());
    return why;
  };
  auto loaded = approvals.Load(approval_id);
  if (!loaded.ok()) return refuse(loaded.status());
  ApprovalRequest r = std::move(loaded).value();
  const int64_t now = clock_->NowUnix();
  if (r.action != SensitiveAction::kUserChange)
    return refuse(Status::PermissionDenied(
        object + " is " + std::string(SensitiveActionName(r.action)) +
        ": the recovery shares stand in only for the second officer of a change to a privileged account; "
        "exports, destruction and recovery always need two security officers"));
  if (r.requested_by != actor.user_id)
    return refuse(Status::PermissionDenied("only '" + r.requested_by_name + "', who asked for " + object +
                                           ", may complete it with the recovery shares"));
  if (EffectiveState(r, now) != ApprovalState::kPending)
    return refuse(Status::FailedPrecondition(object + " is " + std::string(ApprovalStateName(EffectiveState(r, now))) +
                                             ", not pending"));
  crypto::RecoveryPolicy policy = keyring_->recovery_policy();
  Status shares_ok = keyring_->CheckRecoveryShares(shares);
  if (!shares_ok.ok()) return refuse(shares_ok.WithContext("break-glass refused: the recovery shares do not stand in"));
  UserChangeRepository changes(store_->db());
  QOIMA_ASSIGN_OR_RETURN(UserChangeRequest c, changes.LoadRequest(r.id));
  r.detail = c.Describe();

  const ApprovalState before = r.state;
  r.state = ApprovalState::kExecuted;
  r.decided_by = actor.user_id;
  r.closed_at = now;
  r.note = "break-glass: " + std::to_string(policy.threshold) + " of " + std::to_string(policy.shares) +
           " recovery shares in place of a second security officer";
  // The approval closed, the change carried out and both audited in one
  // transaction; a failure is audited after the rollback.
  Status done = [&]() -> Status {
    QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(store_->db()));
    QOIMA_RETURN_IF_ERROR(approvals.Update(r, before));
    QOIMA_RETURN_IF_ERROR(Audit(actor, kAction, object, "success",
                                "user change: " + c.Describe() + "; " + r.note + "; reason: " + r.reason));
    QOIMA_RETURN_IF_ERROR(CarryOutUserChange(actor, r, 0, true));
    return tx.Commit();
  }();
  if (!done.ok()) return refuse(done);
  return r;
}

}  // namespace qoima::appliance
