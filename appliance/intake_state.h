// IntakeState: the life of one recorded intake (001 cl.14-17) as a pure
// state machine, beside AssessIntake (which says what the evidence allows):
// this says which state an intake may go to from the one it is in. The one
// table of allowed transitions is IntakeTransitions(); the appliance asks
// CheckIntakeTransition() before it records anything, and IntakeRepository
// refuses to write a transition the table does not hold.
//
//   (new) --verify--> verified --refuse--> refused
//   (new) --hold----> held     --refuse--> refused   (the held content is destroyed)
//                     held     --accept--> accepted  (within the hold window)
//   (new) --accept--> accepted
//   (new) --refuse--> refused
//
// `expired` (a hold that ran out, its content destroyed) is a state the
// schema allows (storage/migrations.cpp v3) and IntakeRecord may show; no
// transition leads to it today: a held intake past its window is refused.
//
// Thread-safety: immutable data and pure functions.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "common/status.h"

namespace qoima::appliance {

enum class IntakeState { kVerified, kHeld, kAccepted, kRefused, kExpired };

/// The stored and printed text: "verified", "held", "accepted", "refused", "expired".
std::string_view IntakeStateName(IntakeState state);
std::optional<IntakeState> ParseIntakeState(std::string_view name);

/// One allowed step. `from` nullopt: the intake is recorded in `to` at once.
struct IntakeTransition {
  std::optional<IntakeState> from;
  IntakeState to;
  std::string_view audit_action;  // "intake.verify", "intake.hold", "intake.accept", "intake.refuse"
  bool keeps_content;             // `to` holds a deposit (content sealed in the store)
  bool records_decision;          // a decisions row is written with the step
};

/// The table, in the order of the diagram above.
std::span<const IntakeTransition> IntakeTransitions();

/// The row for `from` -> `to`; nullptr when the step is not allowed.
const IntakeTransition* FindIntakeTransition(std::optional<IntakeState> from, IntakeState to);

/// OK when `from` -> `to` is in the table. Otherwise FailedPrecondition in
/// the clerk's words, naming `object` ("intake:12"): a decided intake "is
/// accepted already"; a verified one kept no content to accept.
Status CheckIntakeTransition(std::optional<IntakeState> from, IntakeState to, std::string_view object);

}  // namespace qoima::appliance
