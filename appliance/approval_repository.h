// ApprovalRepository: persists two-person approval requests
// (two_person_approval.h) in the store's `approvals` and `approval_votes`
// tables (schema: storage/migrations.cpp v1, v3, v5, v9; docs/storage.md).
// An account change (action 'user') keeps what it would do in
// user_change_requests (user_change_repository.h).
//
// The Appliance facade (appliance.h: RequestApproval, ApproveRequest,
// RejectRequest, CancelRequest, ListApprovals, Export) is the only caller in
// the product: it checks roles, runs the state machine and writes the audit
// event in the same transaction as Insert()/Update(). The lifecycle's
// destruction approvals (action 'destroy') live in the same table and load
// here too; rows written before migration 5 have no reason and no expiry
// (expires_at reads as "never").
//
// Stored form of each state (the v1 CHECK list is kept):
//   kPending 'requested'   kApproved 'approved'   kRejected 'rejected'
//   kExecuted 'used'       kExpired 'expired'     kCancelled 'rejected' + withdrawn = 1
// approved_by/approved_at hold the first approver (what the lifecycle reads);
// every approver is a row in approval_votes.
//
// Ownership: borrows the Database. Thread-safety: one thread at a time, like
// the Database; callers hold a Transaction around Update() when they also audit.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "appliance/two_person_approval.h"
#include "common/result.h"
#include "storage/database.h"

namespace qoima::appliance {

/// expires_at of a request stored without an expiry (rows older than migration 5).
inline constexpr int64_t kNeverExpires = std::numeric_limits<int64_t>::max();

/// Most rows ListApprovals returns (the newest first).
inline constexpr int64_t kMaxListedApprovals = 10000;

/// The `approvals.action` text of an action ('export', 'destroy', 'recovery', 'user').
std::string_view ApprovalActionColumn(SensitiveAction action);

enum class ApprovalListFilter { kPending, kAll };

class ApprovalRepository {
 public:
  explicit ApprovalRepository(storage::Database& db) : db_(db) {}

  /// Inserts a new pending request (request.id is ignored) and returns its id.
  Result<int64_t> Insert(const ApprovalRequest& request);

  /// Writes `request`'s state, votes and closing fields, provided the stored
  /// row is still in `expected` (else kFailedPrecondition: it changed meanwhile).
  Status Update(const ApprovalRequest& request, ApprovalState expected);

  /// kNotFound for an unknown id; kUnsupported for an action the state machine
  /// does not know ('issue', 'return').
  Result<ApprovalRequest> Load(int64_t id);

  /// Newest first. kPending: requests still awaiting approval or approved and
  /// not yet carried out (expiry is not applied here: see ApplyExpiry).
  Result<std::vector<ApprovalRequest>> List(ApprovalListFilter filter);

 private:
  storage::Database& db_;
};

/// The state a reader should see at `now`: pending/approved past expires_at
/// shows as kExpired (nothing is written).
ApprovalState EffectiveState(const ApprovalRequest& request, int64_t now);

/// Parses the object of an export request, "deposit:<id>" (or "deposit <id>").
std::optional<int64_t> ExportDepositId(const std::string& object);

}  // namespace qoima::appliance
