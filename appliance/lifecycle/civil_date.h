// CivilDate: a calendar date (no time, no zone) as the law counts days.
//
// Deadlines in the rules are counted in whole days in Kazakhstan; the
// appliance keeps dates as proleptic Gregorian year/month/day and converts to a
// day number (days since 1970-01-01) for arithmetic. Parsing is strict ISO 8601
// "YYYY-MM-DD" so a mistyped date is an error, never a silently different day.
//
// Thread-safety: a plain value.
#pragma once

#include <chrono>
#include <compare>
#include <string>
#include <string_view>

#include "common/result.h"

namespace qoima::appliance::lifecycle {

class CivilDate {
 public:
  /// 1970-01-01.
  CivilDate() = default;

  /// Days since 1970-01-01 (negative before).
  static CivilDate FromDayNumber(int days) { return CivilDate(days); }
  /// REQUIRES: a valid date (see Make for a checked version).
  static CivilDate FromYmd(int year, unsigned month, unsigned day);
  /// Checked construction: InvalidArgument naming the bad part.
  static Result<CivilDate> Make(int year, unsigned month, unsigned day);
  /// Strict "YYYY-MM-DD" (years 1900..2999); InvalidArgument saying why otherwise.
  static Result<CivilDate> Parse(std::string_view text);
  /// Today in the appliance's local time zone (the counter's wall clock).
  static CivilDate Today();

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

}  // namespace qoima::appliance::lifecycle
