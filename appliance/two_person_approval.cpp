#include "appliance/two_person_approval.h"

#include "common/result.h"

namespace qoima::appliance {
namespace {

std::string Describe(const ApprovalRequest& r) {
  return "request " + std::to_string(r.id) + " (" + std::string(SensitiveActionName(r.action)) + " of " + r.object +
         ")";
}

// Moves a pending or approved request to kExpired when its time ran out.
bool ExpireIfDue(ApprovalRequest& r, int64_t now) {
  if ((r.state == ApprovalState::kPending || r.state == ApprovalState::kApproved) && now >= r.expires_at) {
    r.state = ApprovalState::kExpired;
    r.closed_at = r.expires_at;
    return true;
  }
  return false;
}

Status NotPending(const ApprovalRequest& r) {
  return Status::FailedPrecondition(Describe(r) + " is " + std::string(ApprovalStateName(r.state)) + ", not pending");
}

}  // namespace

std::string_view SensitiveActionName(SensitiveAction a) {
  switch (a) {
    case SensitiveAction::kExport: return "export";
    case SensitiveAction::kDestruction: return "destruction";
    case SensitiveAction::kRecovery: return "recovery";
    case SensitiveAction::kUserChange: return "user_change";
  }
  return "?";
}

Permission RequestPermission(SensitiveAction action) {
  return action == SensitiveAction::kUserChange ? Permission::kRequestUserChange : Permission::kRequestSensitive;
}

Permission ApprovePermission(SensitiveAction action) {
  return action == SensitiveAction::kUserChange ? Permission::kApproveUserChange : Permission::kApproveSensitive;
}

std::string_view ApprovalStateName(ApprovalState s) {
  switch (s) {
    case ApprovalState::kPending: return "pending";
    case ApprovalState::kApproved: return "approved";
    case ApprovalState::kRejected: return "rejected";
    case ApprovalState::kExpired: return "expired";
    case ApprovalState::kExecuted: return "executed";
    case ApprovalState::kCancelled: return "cancelled";
  }
  return "?";
}

ApprovalPolicy DefaultApprovalPolicy(SensitiveAction action) {
  if (action == SensitiveAction::kRecovery) return {2, 24 * 3600};
  return {1, 24 * 3600};
}

Result<ApprovalRequest> RequestApproval(const Actor& requester, SensitiveAction action, std::string object,
                                        std::string reason, int64_t now) {
  QOIMA_RETURN_IF_ERROR(Require(requester, RequestPermission(action)));
  if (object.empty()) return Status::InvalidArgument("an approval request must name its object");
  if (reason.empty()) return Status::InvalidArgument("an approval request must give a reason");
  ApprovalRequest r;
  r.action = action;
  r.object = std::move(object);
  r.reason = std::move(reason);
  r.requested_by = requester.user_id;
  r.requested_by_name = requester.username;
  r.created_at = now;
  r.policy = DefaultApprovalPolicy(action);
  r.expires_at = now + r.policy.ttl_seconds;
  return r;
}

Status Approve(ApprovalRequest& r, const Actor& approver, int64_t now) {
  if (ExpireIfDue(r, now)) return Status::FailedPrecondition(Describe(r) + " expired; request it again");
  if (r.state != ApprovalState::kPending) return NotPending(r);
  QOIMA_RETURN_IF_ERROR(Require(approver, ApprovePermission(r.action)));
  if (approver.user_id == r.requested_by)
    return Status::PermissionDenied("'" + approver.username + "' requested " + Describe(r) + " and " +
                                    kRequesterCannotApprove + ": a second person must");
  for (const auto& v : r.approvals)
    if (v.user_id == approver.user_id)
      return Status::PermissionDenied("'" + approver.username + "' has already approved " + Describe(r));
  r.approvals.push_back({approver.user_id, approver.username, now});
  if (static_cast<int>(r.approvals.size()) >= r.policy.approvals_required) r.state = ApprovalState::kApproved;
  return Status::Ok();
}

Status Reject(ApprovalRequest& r, const Actor& approver, std::string note, int64_t now) {
  if (ExpireIfDue(r, now)) return Status::FailedPrecondition(Describe(r) + " expired already");
  if (r.state != ApprovalState::kPending) return NotPending(r);
  QOIMA_RETURN_IF_ERROR(Require(approver, ApprovePermission(r.action)));
  if (approver.user_id == r.requested_by) return Status::PermissionDenied(kRequesterCannotReject);
  r.state = ApprovalState::kRejected;
  r.decided_by = approver.user_id;
  r.closed_at = now;
  r.note = std::move(note);
  return Status::Ok();
}

Status Cancel(ApprovalRequest& r, const Actor& requester, int64_t now) {
  if (ExpireIfDue(r, now)) return Status::FailedPrecondition(Describe(r) + " expired already");
  if (r.state != ApprovalState::kPending && r.state != ApprovalState::kApproved) return NotPending(r);
  if (requester.user_id != r.requested_by)
    return Status::PermissionDenied("only '" + r.requested_by_name + "' may cancel " + Describe(r));
  r.state = ApprovalState::kCancelled;
  r.decided_by = requester.user_id;
  r.closed_at = now;
  return Status::Ok();
}

Status MarkExecuted(ApprovalRequest& r, const Actor& executor, int64_t now) {
  if (ExpireIfDue(r, now)) return Status::FailedPrecondition(Describe(r) + " expired before it was carried out");
  if (r.state == ApprovalState::kExecuted)
    return Status::FailedPrecondition(Describe(r) +
                                      " was executed already: an approval is used once; request a new one");
  if (r.state == ApprovalState::kPending)
    return Status::FailedPrecondition(Describe(r) + " is pending; it needs " +
                                      std::to_string(r.policy.approvals_required) +
                                      " approval(s) from a second person first");
  if (r.state != ApprovalState::kApproved)
    return Status::FailedPrecondition(Describe(r) + " is " + std::string(ApprovalStateName(r.state)) +
                                      ": it cannot be carried out");
  bool involved = executor.user_id == r.requested_by;
  for (const auto& v : r.approvals) involved = involved || v.user_id == executor.user_id;
  if (!involved)
    return Status::PermissionDenied("'" + executor.username + "' neither requested nor approved " + Describe(r));
  r.state = ApprovalState::kExecuted;
  r.decided_by = executor.user_id;
  r.closed_at = now;
  return Status::Ok();
}

}  // namespace qoima::appliance
