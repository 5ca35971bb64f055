#include "storage/clock.h"

#include <ctime>

namespace qoima::storage {

std::string Clock::NowUtc() const {
  std::time_t t = static_cast<std::time_t>(NowUnix());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Clock& Clock::System() {
  static SystemClock clock;
  return clock;
}

}  // namespace qoima::storage
