#include "appliance/export/export_approval.h"

namespace qoima::exporting {

Result<ExportApproval> ExportApprovalFrom(const appliance::ApprovalRequest& r, int64_t deposit_id, int64_t now,
                                          const ActorLookup& lookup) {
  const std::string id = "approval " + std::to_string(r.id);
  if (r.action != appliance::SensitiveAction::kExport)
    return Status::FailedPrecondition(id + " is for " + std::string(appliance::SensitiveActionName(r.action)) +
                                      ", not export");
  if (r.state != appliance::ApprovalState::kApproved)
    return Status::FailedPrecondition(id + " is " + std::string(appliance::ApprovalStateName(r.state)) +
                                      ", not approved");
  if (now >= r.expires_at) return Status::FailedPrecondition(id + " has expired");
  const std::string n = std::to_string(deposit_id);
  if (r.object != "deposit:" + n && r.object != "deposit " + n)
    return Status::FailedPrecondition(id + " approves '" + r.object + "', not deposit " + n);
  if (r.approvals.empty()) return Status::PermissionDenied(id + " has no approver");
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor requester, lookup(r.requested_by));
  const appliance::ApprovalVote* vote = nullptr;
  for (const auto& v : r.approvals)
    if (v.user_id != r.requested_by) vote = &v;
  if (!vote) return Status::PermissionDenied(id + " was approved only by its requester");
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor approver, lookup(vote->user_id));
  QOIMA_RETURN_IF_ERROR(appliance::Require(requester, appliance::Permission::kRequestSensitive));
  QOIMA_RETURN_IF_ERROR(appliance::Require(approver, appliance::Permission::kApproveSensitive));
  ExportApproval a;
  a.requested_by = requester.username;
  a.requester_role = std::string(appliance::RoleName(requester.role));
  a.approved_by = approver.username;
  a.approver_role = std::string(appliance::RoleName(approver.role));
  a.approval_id = std::to_string(r.id);
  a.reason = r.reason;
  QOIMA_RETURN_IF_ERROR(CheckApproval(a));
  return a;
}

}  // namespace qoima::exporting
