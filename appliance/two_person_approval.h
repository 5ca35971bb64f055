// TwoPersonApproval: the dual-control state machine behind every sensitive
// act (export, destruction, recovery, a change to a privileged account:
// appliance_users.cpp). One person requests; a different,
// authorized person approves; only then may the act be carried out, once,
// before the approval expires. Each transition returns the new state; the
// caller persists the request (storage's approvals table) and writes an
// audit event in the same transaction.
//
//   pending --approve (enough distinct approvers)--> approved --execute--> executed
//   pending --reject--> rejected        pending/approved --(time)--> expired
//   pending --cancel (by requester)--> cancelled
//
// Thread-safety: plain values and pure functions; the caller serializes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "appliance/role.h"
#include "appliance/vocabulary.h"
#include "common/result.h"

namespace qoima::appliance {

std::string_view SensitiveActionName(SensitiveAction a);

/// Who may ask for and who may approve each action (role.h's table):
/// kRequestSensitive / kApproveSensitive, and for kUserChange
/// kRequestUserChange / kApproveUserChange.
Permission RequestPermission(SensitiveAction action);
Permission ApprovePermission(SensitiveAction action);

enum class ApprovalState { kPending, kApproved, kRejected, kExpired, kExecuted, kCancelled };
std::string_view ApprovalStateName(ApprovalState s);

/// In the message of an approval or rejection refused because the person
/// deciding is the request's requester: the fronts recognise it and say it
/// in the person's words.
inline constexpr const char* kRequesterCannotApprove = "cannot also approve it";
inline constexpr const char* kRequesterCannotReject = "the requester cancels a request, not rejects it";

/// Longest reason or rejection note a request keeps.
inline constexpr size_t kMaxApprovalTextBytes = 2000;

struct ApprovalPolicy {
  int approvals_required = 1;       // distinct approvers besides the requester
  int64_t ttl_seconds = 24 * 3600;  // request and approval lapse after this
};

/// The policy each action uses (recovery needs two approvers besides the requester).
ApprovalPolicy DefaultApprovalPolicy(SensitiveAction action);

struct ApprovalVote {
  int64_t user_id = 0;
  std::string username;
  int64_t at = 0;
};

struct ApprovalRequest {
  int64_t id = 0;
  SensitiveAction action = SensitiveAction::kExport;
  std::string object;  // what it is about, e.g. "deposit 42"
  std::string reason;  // why (free text, shown to approvers and printed)
  int64_t requested_by = 0;
  std::string requested_by_name;
  int64_t created_at = 0;
  int64_t expires_at = 0;
  ApprovalPolicy policy;
  std::vector<ApprovalVote> approvals;
  ApprovalState state = ApprovalState::kPending;
  int64_t decided_by = 0;  // who rejected, cancelled or executed
  int64_t closed_at = 0;
  std::string note;  // rejection reason
  /// What the request would do, in words, when the object alone does not say
  /// it (an account change: "create the security_officer account 'x'");
  /// filled by the appliance when it reads the request, never stored here.
  std::string detail;
};

/// Creates a pending request. PermissionDenied unless the requester may
/// request this action (RequestPermission); InvalidArgument when object or reason is empty.
Result<ApprovalRequest> RequestApproval(const Actor& requester, SensitiveAction action, std::string object,
                                        std::string reason, int64_t now);

/// Adds `approver`'s approval. Refused (PermissionDenied) for the requester
/// themself, for someone who already approved, and for a role that may not
/// approve (ApprovePermission); FailedPrecondition when the request is not pending or expired
/// (the state becomes kExpired).
Status Approve(ApprovalRequest& request, const Actor& approver, int64_t now);

/// Rejects a pending request (any authorized approver, not the requester).
Status Reject(ApprovalRequest& request, const Actor& approver, std::string note, int64_t now);

/// Cancels a pending request (only the requester).
Status Cancel(ApprovalRequest& request, const Actor& requester, int64_t now);

/// Marks an approved request as carried out. FailedPrecondition unless it is
/// approved and not expired; the executor must be the requester or an approver.
Status MarkExecuted(ApprovalRequest& request, const Actor& executor, int64_t now);

}  // namespace qoima::appliance
