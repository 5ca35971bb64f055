// Appliance: two-person approvals persisted in the store (approval_repository.h).
#include "appliance/appliance.h"
#include "appliance/civil_time.h"
#include "appliance/user_change_repository.h"

namespace qoima::appliance {
namespace {

using storage::Statement;
using storage::Transaction;

std::string ApprovalObject(int64_t id) { return "approval:" + std::to_string(id); }

std::string Summary(const ApprovalRequest& r) {
  return std::string(SensitiveActionName(r.action)) + " " + (r.detail.empty() ? r.object : r.detail);
}

bool Closed(ApprovalState s) { return s != ApprovalState::kPending && s != ApprovalState::kApproved; }

}  // namespace

Result<Actor> Appliance::ActorById(int64_t user_id) {
  QOIMA_ASSIGN_OR_RETURN(Statement st,
                         store_->db().Prepare("SELECT u.login, r.role FROM users u LEFT JOIN user_roles r "
                                              "ON r.user_id = u.id WHERE u.id = ?"));
  st.Bind(1, user_id);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no user with id " + std::to_string(user_id));
  auto role = ParseRole(st.ColumnText(1));
  if (!role) return Status::Corrupt("user " + st.ColumnText(0) + " has no known role");
  return Actor{user_id, st.ColumnText(0), *role};
}

Result<ApprovalRequest> Appliance::RequestApproval(const Actor& actor, SensitiveAction action,
                                                   const std::string& object, const std::string& reason) {
  QOIMA_RETURN_IF_ERROR(Check(actor, RequestPermission(action), "approval.request", object));
  if (action == SensitiveAction::kUserChange)
    return Status::InvalidArgument(
        "an account change is asked for by making it (qoima user add|passwd|role|enable|"
        "disable): the appliance records the request when it needs a second officer");
  if (reason.size() > kMaxApprovalTextBytes)
    return Status::LimitExceeded("the reason is longer than " + std::to_string(kMaxApprovalTextBytes) + " bytes");
  if (action == SensitiveAction::kExport) {
    auto deposit_id = ExportDepositId(object);
    if (!deposit_id)
      return Status::InvalidArgument("an export request names a deposit as deposit:<id>, not '" + object + "'");
    QOIMA_ASSIGN_OR_RETURN(storage::DepositInfo d, store_->GetDeposit(*deposit_id));
    if (d.state != "committed")
      return Status::FailedPrecondition("deposit " + std::to_string(*deposit_id) + " is " + d.state +
                                        ": only a committed deposit can be exported");
  }
  int64_t now = clock_->NowUnix();
  auto request = appliance::RequestApproval(actor, action, object, reason, now);
  if (!request.ok()) {
    (void)Audit(actor, "approval.request", object, "failure", request.status().message());
    return request.status();
  }
  ApprovalRepository repo(store_->db());
  QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(store_->db()));
  QOIMA_ASSIGN_OR_RETURN(request->id, repo.Insert(*request));
  QOIMA_RETURN_IF_ERROR(
      Audit(actor, "approval.request", ApprovalObject(request->id), "success",
            Summary(*request) + "; reason: " + reason + "; expires " + FormatUtc(request->expires_at)));
  QOIMA_RETURN_IF_ERROR(tx.Commit());
  return request;
}

Status Appliance::FillDetail(ApprovalRequest& r) {
  if (r.action != SensitiveAction::kUserChange) return Status::Ok();
  UserChangeRepository changes(store_->db());
  QOIMA_ASSIGN_OR_RETURN(UserChangeRequest c, changes.LoadRequest(r.id));
  r.detail = c.Describe();
  return Status::Ok();
}

Result<ApprovalRequest> Appliance::ChangeApproval(const Actor& actor, int64_t id,
                                                  Permission (*permission)(SensitiveAction),
                                                  std::string_view audit_action,
                                                  const std::function<Status(ApprovalRequest&, int64_t now)>& change) {
  const std::string object = ApprovalObject(id);
  ApprovalRepository repo(store_->db());
  UserChangeRepository changes(store_->db());
  auto loaded = repo.Load(id);
  if (!loaded.ok()) {
    (void)Audit(actor, audit_action, object, "failure", loaded.status().message());
    return loaded.status();
  }
  ApprovalRequest r = std::move(loaded).value();
  QOIMA_RETURN_IF_ERROR(Check(actor, permission(r.action), audit_action, object));
  QOIMA_RETURN_IF_ERROR(FillDetail(r));
  const ApprovalState before = r.state;
  const int64_t now = clock_->NowUnix();
  // The change, its consequences (an account change carried out, a spent
  // request's password hash forgotten) and the audit event in one
  // transaction; a refusal is audited after the rollback of anything else.
  Status refused;
  auto changed = [&]() -> Result<ApprovalRequest> {
    QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(store_->db()));
    Status s = change(r, now);
    if (!s.ok()) {
      // The refusal is recorded; a request found past its expiry is stored as
      // expired so that lists and the kiosk stop offering it.
      if (r.state == ApprovalState::kExpired && before != ApprovalState::kExpired) {
        QOIMA_RETURN_IF_ERROR(repo.Update(r, before));
        if (r.action == SensitiveAction::kUserChange) QOIMA_RETURN_IF_ERROR(changes.CloseRequest(r.id, 0));
        QOIMA_RETURN_IF_ERROR(
            Audit(actor, "approval.expire", object, "success", Summary(r) + " lapsed at " + FormatUtc(r.expires_at)));
      }
      QOIMA_RETURN_IF_ERROR(
          Audit(actor, audit_action, object, s.code() == Code::kPermissionDenied ? "denied" : "failure", s.message()));
      QOIMA_RETURN_IF_ERROR(tx.Commit());
      refused = s;
      return s;
    }
    QOIMA_RETURN_IF_ERROR(repo.Update(r, before));
    std::string detail = Summary(r) + " is now " + std::string(ApprovalStateName(r.state));
    if (!r.note.empty()) detail += "; note: " + r.note;
    QOIMA_RETURN_IF_ERROR(Audit(actor, audit_action, object, "success", detail));
    if (r.action == SensitiveAction::kUserChange && r.state == ApprovalState::kExecuted)
      QOIMA_RETURN_IF_ERROR(CarryOutUserChange(actor, r, actor.user_id, false));
    else if (r.action == SensitiveAction::kUserChange && Closed(r.state))
      QOIMA_RETURN_IF_ERROR(changes.CloseRequest(r.id, 0));
    QOIMA_RETURN_IF_ERROR(tx.Commit());
    return r;
  }();
  if (!changed.ok() && refused.ok()) {
    // Carrying it out failed (e.g. the login was taken meanwhile): nothing
    // changed; the failure is recorded.
    (void)Audit(actor, audit_action, object, "failure", changed.status().message());
  }
  return changed;
}

Result<ApprovalRequest> Appliance::ApproveRequest(const Actor& actor, int64_t approval_id) {
  return ChangeApproval(actor, approval_id, ApprovePermission, "approval.approve",
                        [&](ApprovalRequest& r, int64_t now) -> Status {
                          // The state machine first (expiry, requester, role),
                          // then the two persons' independence.
                          ApprovalRequest probe = r;
                          Status s = Approve(probe, actor, now);
                          if (!s.ok()) {
                            r = probe;
                            return s;
                          }
                          QOIMA_RETURN_IF_ERROR(CheckApprovalPersons(r, actor, now));
                          r = probe;
                          // An account change is carried out when approved.
                          if (r.action == SensitiveAction::kUserChange && r.state == ApprovalState::kApproved)
                            return MarkExecuted(r, actor, now);
                          return Status::Ok();
                        });
}

Result<ApprovalRequest> Appliance::RejectRequest(const Actor& actor, int64_t approval_id, const std::string& note) {
  if (note.empty()) return Status::InvalidArgument("a rejection needs a note saying why");
  if (note.size() > kMaxApprovalTextBytes)
    return Status::LimitExceeded("the note is longer than " + std::to_string(kMaxApprovalTextBytes) + " bytes");
  return ChangeApproval(actor, approval_id, ApprovePermission, "approval.reject",
                        [&](ApprovalRequest& r, int64_t now) { return Reject(r, actor, note, now); });
}

Result<ApprovalRequest> Appliance::CancelRequest(const Actor& actor, int64_t approval_id) {
  return ChangeApproval(actor, approval_id, RequestPermission, "approval.cancel", [&](ApprovalRequest& r, int64_t now) {
    QOIMA_RETURN_IF_ERROR(Cancel(r, actor, now));
    r.note = "withdrawn by the requester";
    return Status::Ok();
  });
}

Result<std::vector<ApprovalRequest>> Appliance::ListApprovals(const Actor& actor, ApprovalListFilter filter) {
  // A view of the requests, not of deposit content: a refusal is audited,
  // a reading is not (an officer's screen lists them on every visit).
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kReadAudit, "approval.list", "approvals"));
  ApprovalRepository repo(store_->db());
  QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(store_->db()));
  QOIMA_ASSIGN_OR_RETURN(std::vector<ApprovalRequest> all, repo.List(filter));
  const int64_t now = clock_->NowUnix();
  std::vector<ApprovalRequest> out;
  for (auto& r : all) {
    r.state = EffectiveState(r, now);
    if (filter == ApprovalListFilter::kPending && r.state == ApprovalState::kExpired) continue;
    QOIMA_RETURN_IF_ERROR(FillDetail(r));
    out.push_back(std::move(r));
  }
  QOIMA_RETURN_IF_ERROR(tx.Commit());
  return out;
}

Result<ApprovalRequest> Appliance::GetApproval(const Actor& actor, int64_t approval_id) {
  const std::string object = ApprovalObject(approval_id);
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kReadAudit, "approval.show", object));
  ApprovalRepository repo(store_->db());
  QOIMA_ASSIGN_OR_RETURN(ApprovalRequest r, repo.Load(approval_id));
  r.state = EffectiveState(r, clock_->NowUnix());
  QOIMA_RETURN_IF_ERROR(FillDetail(r));
  return r;
}

}  // namespace qoima::appliance
