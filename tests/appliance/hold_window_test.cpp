#include <catch2/catch.hpp>

#include "appliance/civil_time.h"
#include "appliance/hold_window.h"
#include "appliance/lifecycle/calendar_file.h"
#include "appliance/lifecycle/default_calendar.h"

using namespace qoima;
using namespace qoima::appliance;

namespace {

lifecycle::WorkingCalendar DefaultCalendar() {
  auto years = lifecycle::ParseCalendarFile(lifecycle::DefaultCalendarText(), lifecycle::kDefaultCalendarName);
  REQUIRE(years.ok());
  auto cal = lifecycle::WorkingCalendar::Build(std::move(*years));
  REQUIRE(cal.ok());
  return std::move(*cal);
}

// Noon at UTC+5 of a local day.
int64_t LocalNoon(int y, int m, int d) {
  return int64_t{CivilDate::FromYmd(y, static_cast<unsigned>(m), static_cast<unsigned>(d)).day_number()} * 86400 +
         12 * 3600 - kActUtcOffsetSeconds;
}

}  // namespace

TEST_CASE("the hold window counts working days on the calendar: public holidays are not working days") {
  lifecycle::WorkingCalendar cal = DefaultCalendar();
  SECTION("an ordinary week: Monday + 5 working days is the next Monday, 23:59:59 UTC+5") {
    auto end = HoldWindowEnd(cal, LocalNoon(2026, 2, 2), 5);
    REQUIRE(end.ok());
    CHECK(FormatUtc(*end) == "2026-02-09T18:59:59Z");
  }
  SECTION("Independence Day (Wednesday 16 December 2026) does not count") {
    // Tue 15, [Wed 16 holiday], Thu 17, Fri 18, Mon 21, Tue 22. A
    // Monday-to-Friday count would end on Monday 21.
    auto end = HoldWindowEnd(cal, LocalNoon(2026, 12, 14), 5);
    REQUIRE(end.ok());
    CHECK(FormatUtc(*end) == "2026-12-22T18:59:59Z");
  }
  SECTION("Nauryz on a weekend is carried: 21-23 March 2026 and the carried days off") {
    // Fri 20, [Mon 23 holiday, Tue 24 and Wed 25 carried from Sat 21 and Sun 22],
    // Thu 26, Fri 27, Mon 30, Tue 31.
    auto end = HoldWindowEnd(cal, LocalNoon(2026, 3, 19), 5);
    REQUIRE(end.ok());
    CHECK(FormatUtc(*end) == "2026-03-31T18:59:59Z");
  }
  SECTION("a window running past the calendar is an error, never a guess") {
    auto end = HoldWindowEnd(cal, LocalNoon(2027, 12, 29), 5);
    REQUIRE_FALSE(end.ok());
    CHECK(end.status().code() == Code::kNotFound);
    CHECK(end.status().message().find("hold window") != std::string::npos);
  }
}
