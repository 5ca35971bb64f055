// The appliance's one date type (appliance/civil_time.h): weekdays of known
// dates, the zone "today" is taken in, and the two parsers.
#include <catch2/catch.hpp>

#include "appliance/civil_time.h"

using namespace qoima::appliance;

TEST_CASE("a civil date knows the ISO weekday of known dates") {
  struct Known {
    const char* date;
    unsigned iso_weekday;  // 1 = Monday ... 7 = Sunday
  };
  for (Known k : {Known{"1900-01-01", 1}, Known{"1969-12-31", 3}, Known{"1970-01-01", 4}, Known{"2000-01-01", 6},
                  Known{"2000-02-29", 2}, Known{"2024-03-01", 5}, Known{"2026-01-01", 4}, Known{"2026-12-07", 1},
                  Known{"2026-12-13", 7}}) {
    INFO(k.date);
    auto d = CivilDate::Parse(k.date);
    REQUIRE(d.ok());
    CHECK(d->iso_weekday() == k.iso_weekday);
    CHECK(d->is_weekend() == (k.iso_weekday >= 6));
    CHECK(d->ToString() == k.date);
  }
}

TEST_CASE("the date of an instant is Kazakhstan's, not UTC's") {
  // 2026-03-01T18:59:59Z is 23:59:59 at UTC+5; a second later it is the 2nd.
  auto d = CivilDate::Parse("2026-03-01");
  REQUIRE(d.ok());
  int64_t midnight_utc = int64_t{d->day_number()} * 86400;
  CHECK(LocalDateOf(midnight_utc + 19 * 3600 - 1) == *d);
  CHECK(LocalDateOf(midnight_utc + 19 * 3600) == d->AddDays(1));
  CHECK(LocalDateOf(midnight_utc - kActUtcOffsetSeconds) == *d);
  CHECK(LocalDateOf(NoonUtcUnix(*d)) == *d);
  CHECK(FormatUtc(NoonUtcUnix(*d)) == "2026-03-01T12:00:00Z");
  CHECK(FormatUtc(-1) == "1969-12-31T23:59:59Z");
}

TEST_CASE("acts' dates parse in both spellings and strict dates in one") {
  CHECK(ParseDay("2025-03-12") == CivilDate::FromYmd(2025, 3, 12));
  CHECK(ParseDay("12.03.2025") == CivilDate::FromYmd(2025, 3, 12));
  CHECK(ParseDay("9999-12-31") == CivilDate::FromYmd(9999, 12, 31));
  for (const char* bad : {"2025-02-29", "2025-13-01", "2025-00-10", "1899-12-31", "31.04.2025", "2025/03/12", ""}) {
    INFO(bad);
    CHECK_FALSE(ParseDay(bad).has_value());
  }
  CHECK(CivilDate::Parse("2024-02-29").ok());
  CHECK_FALSE(CivilDate::Parse("12.03.2025").ok());
  CHECK(CivilDate::Parse("3000-01-01").status().message().find("outside 1900..2999") != std::string::npos);
}
