// The bridge from appliance/'s two-person approval (two_person_approval.h) to
// the officers a bundle names: an export may run only on an approved,
// unexpired export request for exactly this deposit, requested by one security
// officer and approved by a different one. Both end up in bag-info.txt
// (Qoima-Requested-By / Qoima-Approved-By) and in the audit leaf.
// Thread-safety: pure function.
#pragma once

#include <cstdint>
#include <functional>

#include "appliance/export/bag_writer.h"
#include "appliance/two_person_approval.h"

namespace qoima::exporting {

/// Loads the user behind an id (the appliance's users table), to read the role.
using ActorLookup = std::function<Result<appliance::Actor>(int64_t user_id)>;

/// kFailedPrecondition when the request is not an approved, unexpired export
/// of `deposit_id` (target "deposit:<id>" or "deposit <id>");
/// kPermissionDenied when requester and approver are not two different people
/// whose roles may request / approve sensitive actions.
Result<ExportApproval> ExportApprovalFrom(const appliance::ApprovalRequest& request, int64_t deposit_id, int64_t now,
                                          const ActorLookup& lookup);

}  // namespace qoima::exporting
