#include <catch2/catch.hpp>

#include "hardware/backends.h"

TEST_CASE("every reader backend initializes") {
  auto checks = qoima::hardware::CheckReaderBackends();
  REQUIRE(checks.size() == 4);
  for (const auto& c : checks) {
    INFO(c.name << ": " << c.status.ToString());
    CHECK(c.status.ok());
    CHECK_FALSE(c.detail.empty());
  }
}
