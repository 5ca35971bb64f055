// Clock: the appliance's one seam to wall-clock time. The store stamps audit
// events, checkpoints and rows with it; the domain passes it into every rule
// that depends on time (lockout, approval expiry, future dates, hold windows,
// lifecycle deadlines), so tests move time instead of waiting. It lives here,
// the lowest floor that needs it; the layers above use this one.
//
// Thread-safety: SystemClock is stateless; ManualClock is for one thread.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>

namespace qoima::storage {

class Clock {
 public:
  virtual ~Clock() = default;
  /// Seconds since the Unix epoch, UTC.
  virtual int64_t NowUnix() const = 0;
  /// UTC "YYYY-MM-DDTHH:MM:SSZ" of NowUnix().
  std::string NowUtc() const;
  /// The process-wide system clock.
  static Clock& System();
};

class SystemClock final : public Clock {
 public:
  int64_t NowUnix() const override { return static_cast<int64_t>(std::time(nullptr)); }
};

/// A clock that stands still until told to move (unit tests, replays, the
/// CLI's --today rehearsals).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now) : now_(now) {}
  int64_t NowUnix() const override { return now_; }
  void Set(int64_t now) { now_ = now; }
  void Advance(int64_t seconds) { now_ += seconds; }

 private:
  int64_t now_;
};

}  // namespace qoima::storage
