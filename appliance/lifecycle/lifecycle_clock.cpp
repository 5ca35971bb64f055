#include "appliance/lifecycle/lifecycle_clock.h"

#include <ctime>

namespace qoima::appliance::lifecycle {

std::string SystemLifecycleClock::NowUtc() const {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

}  // namespace qoima::appliance::lifecycle
