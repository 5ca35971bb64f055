#include "storage/clock.h"

#include <ctime>

namespace qoima::storage {
namespace {

class SystemClock : public Clock {
 public:
  std::string NowUtc() override {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
  }
};

}  // namespace

Clock& Clock::System() {
  static SystemClock clock;
  return clock;
}

}  // namespace qoima::storage
