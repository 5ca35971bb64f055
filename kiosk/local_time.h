// LocalTime: times as the counter shows them, in Kazakhstan's zone (UTC+5,
// appliance/civil_time.h's kActUtcOffsetSeconds), whatever the C library's
// time zone is set to: the log keeps UTC ("2026-12-07T09:15:00Z"), the clerk
// reads the time on the wall clock.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace qoima::kiosk {

/// "2026-12-07 14:15" (with `seconds`: "2026-12-07 14:15:00") in UTC+5.
std::string CounterTime(std::int64_t unix_seconds, bool seconds = false);
/// "14:15" in UTC+5.
std::string CounterClock(std::int64_t unix_seconds);
/// An ISO UTC time of the log ("2026-12-07T09:15:00Z") as CounterTime with
/// seconds; text that is not such a time is returned as it is.
std::string CounterTimeOfUtc(std::string_view iso_utc);
/// The same time as a person reads it on paper: "07.12.2026 14:15:00"
/// (dd.mm.yyyy, UTC+5); text that is not such a time is returned as it is.
std::string CounterDateTimeOfUtc(std::string_view iso_utc);

}  // namespace qoima::kiosk
