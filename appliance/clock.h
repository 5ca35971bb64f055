// Clock: the appliance's one seam to wall-clock time, passed into every rule
// that depends on time (lockout, approval expiry, future dates, windows), so
// tests move time instead of waiting.
//
// Thread-safety: SystemClock is stateless; fakes are single-threaded.
#pragma once

#include <cstdint>
#include <ctime>

namespace qoima::appliance {

class Clock {
 public:
  virtual ~Clock() = default;
  /// Seconds since the Unix epoch, UTC.
  virtual int64_t NowUnix() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowUnix() const override { return static_cast<int64_t>(std::time(nullptr)); }
};

/// A clock that stands still until told to move (unit tests, replays).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now) : now_(now) {}
  int64_t NowUnix() const override { return now_; }
  void Set(int64_t now) { now_ = now; }
  void Advance(int64_t seconds) { now_ += seconds; }

 private:
  int64_t now_;
};

}  // namespace qoima::appliance
