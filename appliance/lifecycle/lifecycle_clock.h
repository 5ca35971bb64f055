// LifecycleClock: the date and time the lifecycle rules see. An interface so
// that tests can run a deadline forward without waiting days (style.md rule 4).
//
// Thread-safety: implementations are stateless or immutable.
#pragma once

#include <string>

#include "appliance/lifecycle/civil_date.h"

namespace qoima::appliance::lifecycle {

class LifecycleClock {
 public:
  virtual ~LifecycleClock() = default;
  /// The counter's local date.
  virtual CivilDate Today() const = 0;
  /// UTC "YYYY-MM-DDTHH:MM:SSZ" for audit events and row timestamps.
  virtual std::string NowUtc() const = 0;
};

/// The wall clock.
class SystemLifecycleClock : public LifecycleClock {
 public:
  CivilDate Today() const override { return CivilDate::Today(); }
  std::string NowUtc() const override;
};

/// A fixed date (tests, and the CLI's --today for rehearsals); time is noon UTC of that date.
class FixedLifecycleClock : public LifecycleClock {
 public:
  explicit FixedLifecycleClock(CivilDate today) : today_(today) {}
  void Set(CivilDate today) { today_ = today; }
  CivilDate Today() const override { return today_; }
  std::string NowUtc() const override { return today_.ToString() + "T12:00:00Z"; }

 private:
  CivilDate today_;
};

}  // namespace qoima::appliance::lifecycle
