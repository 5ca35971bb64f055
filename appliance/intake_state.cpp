#include "appliance/intake_state.h"

#include <string>

namespace qoima::appliance {
namespace {

using S = IntakeState;

constexpr IntakeTransition kTransitions[] = {
    {std::nullopt, S::kVerified, "intake.verify", false, false},
    {S::kVerified, S::kRefused, "intake.refuse", false, true},
    {std::nullopt, S::kHeld, "intake.hold", true, false},
    {S::kHeld, S::kRefused, "intake.refuse", false, true},
    {S::kHeld, S::kAccepted, "intake.accept", true, true},
    {std::nullopt, S::kAccepted, "intake.accept", true, true},
    {std::nullopt, S::kRefused, "intake.refuse", false, true},
};

}  // namespace

std::string_view IntakeStateName(IntakeState state) {
  switch (state) {
    case S::kVerified: return "verified";
    case S::kHeld: return "held";
    case S::kAccepted: return "accepted";
    case S::kRefused: return "refused";
    case S::kExpired: return "expired";
  }
  return "unknown";
}

std::optional<IntakeState> ParseIntakeState(std::string_view name) {
  for (S s : {S::kVerified, S::kHeld, S::kAccepted, S::kRefused, S::kExpired})
    if (IntakeStateName(s) == name) return s;
  return std::nullopt;
}

std::span<const IntakeTransition> IntakeTransitions() { return kTransitions; }

const IntakeTransition* FindIntakeTransition(std::optional<IntakeState> from, IntakeState to) {
  for (const auto& t : kTransitions)
    if (t.from == from && t.to == to) return &t;
  return nullptr;
}

Status CheckIntakeTransition(std::optional<IntakeState> from, IntakeState to, std::string_view object) {
  if (FindIntakeTransition(from, to)) return Status::Ok();
  const std::string what(object);
  if (!from) return Status::FailedPrecondition("a new intake is never recorded as " + std::string(IntakeStateName(to)));
  // Still open (some step leads on from it), but not to `to`.
  bool open = false;
  for (const auto& t : kTransitions) open = open || t.from == from;
  if (open && *from == S::kVerified && to == S::kAccepted)
    return Status::FailedPrecondition(what +
                                      " kept no content (it was only verified); read the media again "
                                      "with qoima intake --accept");
  if (open)
    return Status::FailedPrecondition(what + " is " + std::string(IntakeStateName(*from)) + ", it cannot become " +
                                      std::string(IntakeStateName(to)));
  return Status::FailedPrecondition(what + " is " + std::string(IntakeStateName(*from)) + " already");
}

}  // namespace qoima::appliance
