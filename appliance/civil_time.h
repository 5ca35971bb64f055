// CivilTime: proleptic Gregorian date arithmetic without the C library's
// time zone state (the appliance's clock is UTC; the act's local zone is a
// named constant). Howard Hinnant's days_from_civil algorithm.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace qoima::appliance {

/// Kazakhstan's single time zone since 1 March 2024 (UTC+5): naive times in
/// acts and spreadsheets are read in this zone.
inline constexpr int64_t kActUtcOffsetSeconds = 5 * 3600;

struct CivilDate {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  bool operator==(const CivilDate&) const = default;
};

int64_t DaysFromCivil(CivilDate d);
CivilDate CivilFromDays(int64_t days);
bool IsValidCivil(CivilDate d);

/// "2025-03-12T08:15:00Z"
std::string FormatUtc(int64_t unix_seconds);
/// "2025-03-12"
std::string FormatDay(CivilDate d);
/// The civil date in the act's zone of a UTC instant.
CivilDate LocalDateOf(int64_t unix_seconds);

/// Parses "YYYY-MM-DD" (also "DD.MM.YYYY").
std::optional<CivilDate> ParseDay(std::string_view s);

}  // namespace qoima::appliance
