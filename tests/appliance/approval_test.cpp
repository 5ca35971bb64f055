#include <catch2/catch.hpp>

#include "appliance/two_person_approval.h"

using namespace qoima;
using namespace qoima::appliance;

namespace {
const Actor kOfficerA{1, "officer.a", Role::kSecurityOfficer};
const Actor kOfficerB{2, "officer.b", Role::kSecurityOfficer};
const Actor kOfficerC{3, "officer.c", Role::kSecurityOfficer};
const Actor kClerk{4, "clerk", Role::kClerk};
const Actor kAuditor{5, "auditor", Role::kAuditor};
constexpr int64_t kT0 = 1'800'000'000;
}  // namespace

TEST_CASE("export needs a second officer, then runs once") {
  auto r = RequestApproval(kOfficerA, SensitiveAction::kExport, "deposit 42", "owner asked (cl.29)", kT0);
  REQUIRE(r.ok());
  CHECK(r->state == ApprovalState::kPending);
  CHECK(MarkExecuted(*r, kOfficerA, kT0 + 1).code() == Code::kFailedPrecondition);
  CHECK(Approve(*r, kOfficerA, kT0 + 2).code() == Code::kPermissionDenied);  // not yourself
  CHECK(Approve(*r, kClerk, kT0 + 2).code() == Code::kPermissionDenied);
  CHECK(Approve(*r, kAuditor, kT0 + 2).code() == Code::kPermissionDenied);
  REQUIRE(Approve(*r, kOfficerB, kT0 + 3).ok());
  CHECK(r->state == ApprovalState::kApproved);
  CHECK(Approve(*r, kOfficerC, kT0 + 4).code() == Code::kFailedPrecondition);
  CHECK(MarkExecuted(*r, kOfficerC, kT0 + 5).code() == Code::kPermissionDenied);  // not involved
  REQUIRE(MarkExecuted(*r, kOfficerA, kT0 + 5).ok());
  CHECK(r->state == ApprovalState::kExecuted);
  CHECK(MarkExecuted(*r, kOfficerA, kT0 + 6).code() == Code::kFailedPrecondition);  // only once
}

TEST_CASE("recovery needs two distinct approvers") {
  auto r = RequestApproval(kOfficerA, SensitiveAction::kRecovery, "store master key", "TPM replaced", kT0);
  REQUIRE(r.ok());
  REQUIRE(Approve(*r, kOfficerB, kT0 + 1).ok());
  CHECK(r->state == ApprovalState::kPending);
  CHECK(Approve(*r, kOfficerB, kT0 + 2).code() == Code::kPermissionDenied);  // same person twice
  REQUIRE(Approve(*r, kOfficerC, kT0 + 3).ok());
  CHECK(r->state == ApprovalState::kApproved);
}

TEST_CASE("requests expire, can be rejected or cancelled, and need a reason") {
  CHECK(RequestApproval(kClerk, SensitiveAction::kDestruction, "deposit 1", "cl.33", kT0).status().code() ==
        Code::kPermissionDenied);
  CHECK(RequestApproval(kOfficerA, SensitiveAction::kDestruction, "deposit 1", "", kT0).status().code() ==
        Code::kInvalidArgument);

  auto late = RequestApproval(kOfficerA, SensitiveAction::kDestruction, "deposit 1", "cl.33", kT0);
  REQUIRE(late.ok());
  CHECK(Approve(*late, kOfficerB, late->expires_at).code() == Code::kFailedPrecondition);
  CHECK(late->state == ApprovalState::kExpired);

  auto approved_then_late = RequestApproval(kOfficerA, SensitiveAction::kExport, "deposit 2", "why", kT0);
  REQUIRE(Approve(*approved_then_late, kOfficerB, kT0 + 1).ok());
  CHECK(MarkExecuted(*approved_then_late, kOfficerA, kT0 + 24 * 3600).code() == Code::kFailedPrecondition);
  CHECK(approved_then_late->state == ApprovalState::kExpired);

  auto rej = RequestApproval(kOfficerA, SensitiveAction::kExport, "deposit 3", "why", kT0);
  CHECK(Reject(*rej, kOfficerA, "no", kT0 + 1).code() == Code::kPermissionDenied);
  REQUIRE(Reject(*rej, kOfficerB, "no paperwork", kT0 + 1).ok());
  CHECK(rej->state == ApprovalState::kRejected);
  CHECK(Approve(*rej, kOfficerC, kT0 + 2).code() == Code::kFailedPrecondition);

  auto can = RequestApproval(kOfficerA, SensitiveAction::kExport, "deposit 4", "why", kT0);
  CHECK(Cancel(*can, kOfficerB, kT0 + 1).code() == Code::kPermissionDenied);
  REQUIRE(Cancel(*can, kOfficerA, kT0 + 1).ok());
  CHECK(can->state == ApprovalState::kCancelled);
}
