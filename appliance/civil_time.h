// CivilDate and civil time: the appliance's one calendar date type and the
// conversions between it, UTC instants and text. Dates are proleptic
// Gregorian, held as a day number (days since 1970-01-01) for arithmetic;
// weekdays are ISO (1 = Monday ... 7 = Sunday). The appliance's clock is
// UTC (storage/clock.h); "today" and the date of an instant are taken in
// Kazakhstan's zone, a named constant, never the C library's time zone
// state, so the counter, the acts and the lifecycle deadlines agree on a day.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace qoima::appliance {

/// Kazakhstan's single time zone since 1 March 2024 (UTC+5): naive times in
/// acts and spreadsheets are read in this zone, and "today" is this zone's.
inline constexpr int64_t kActUtcOffsetSeconds = 5 * 3600;

/// A calendar date (no time, no zone) as the law counts days.
class CivilDate {
 public:
  /// 1970-01-01.
  CivilDate() = default;

  /// Days since 1970-01-01 (negative before).
  static CivilDate FromDayNumber(int days) { return CivilDate(days); }
  /// REQUIRES: a valid date (see Make for a checked version).
  static CivilDate FromYmd(int year, unsigned month, unsigned day);
  /// Checked construction (years 1900..2999): InvalidArgument naming the bad part.
  static Result<CivilDate> Make(int year, unsigned month, unsigned day);
  /// Strict "YYYY-MM-DD" (years 1900..2999), so a mistyped date is an error,
  /// never a silently different day; InvalidArgument saying why otherwise.
  static Result<CivilDate> Parse(std::string_view text);

  int day_number() const { return days_; }
  int year() const;
  unsigned month() const;
  unsigned day() const;
  /// ISO weekday: 1 = Monday ... 7 = Sunday.
  unsigned iso_weekday() const;
  bool is_weekend() const { return iso_weekday() >= 6; }

  CivilDate AddDays(int n) const { return CivilDate(days_ + n); }
  /// Whole days from `other` to this (this - other).
  int DaysSince(const CivilDate& other) const { return days_ - other.days_; }

  /// "2026-03-23"
  std::string ToString() const;

  auto operator<=>(const CivilDate&) const = default;

 private:
  explicit CivilDate(int days) : days_(days) {}
  std::chrono::year_month_day Ymd() const;
  int days_ = 0;
};

/// "2025-03-12T08:15:00Z"
std::string FormatUtc(int64_t unix_seconds);
/// The date in Kazakhstan's zone of a UTC instant.
CivilDate LocalDateOf(int64_t unix_seconds);

/// 12:00 UTC of `date`: an instant whose date is `date` in UTC and in
/// Kazakhstan's zone alike (a clock set to a day: --today rehearsals, tests).
inline int64_t NoonUtcUnix(CivilDate date) { return int64_t{date.day_number()} * 86400 + 12 * 3600; }

/// Parses a date as acts write it: "YYYY-MM-DD" or "DD.MM.YYYY" (years
/// 1900..9999); nullopt when it is neither or no such day exists.
std::optional<CivilDate> ParseDay(std::string_view s);

}  // namespace qoima::appliance
