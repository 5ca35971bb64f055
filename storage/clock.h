// Clock: where the store gets "now" for audit events, checkpoints and rows.
// SystemClock reads CLOCK_REALTIME; tests pass a fixed or stepping clock.
//
// Thread-safety: SystemClock is stateless.
#pragma once

#include <string>

namespace qoima::storage {

class Clock {
 public:
  virtual ~Clock() = default;
  /// UTC "YYYY-MM-DDTHH:MM:SSZ".
  virtual std::string NowUtc() = 0;
  /// The process-wide system clock.
  static Clock& System();
};

}  // namespace qoima::storage
