// CalendarFile: the text format of a working-day calendar (docs/calendar-format.md).
//
//   qoima-calendar | 1
//   year | 2026 | <source of the year's list>
//   holiday   | 2026-03-21 | Nauryz meirami | <optional source>
//   religious | 2026-05-27 | Kurban Ait, first day | <source: required> [| provisional]
//   day-off   | 2026-01-09 | transfer of Saturday 3 January | <source: required>
//   workday   | 2026-01-03 | working Saturday | <source: required>
//   end | 2026
//
// A fifth field `provisional` marks an expected date not yet announced or
// decreed (it then needs a source saying where the expectation comes from).
//
// The file is operator input (typed from a Government decree), so it is parsed
// as untrusted text: named limits, and every error names the file, line and
// field. A file may hold several consecutive years; a missing year between two
// sections (a gap), a date given twice, a date outside its section's year, a
// `workday` on a weekday or a `day-off` on a weekend are all errors.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "appliance/lifecycle/working_calendar.h"
#include "common/result.h"

namespace qoima::appliance::lifecycle {

struct CalendarFileLimits {
  static constexpr size_t kMaxFileBytes = 64 * 1024;
  static constexpr size_t kMaxLineBytes = 1024;
  static constexpr size_t kMaxFieldBytes = 512;
  static constexpr size_t kMaxYearsPerFile = 10;
  static constexpr size_t kMaxEntriesPerYear = 120;
};

constexpr std::string_view kCalendarMagic = "qoima-calendar";
constexpr int kCalendarFormatVersion = 1;

/// Parses a calendar file. `file_name` is used in error messages only.
/// On failure nothing is returned; the message reads
/// "<file>: line 7, field 2 (date): '2026-02-30': day 30 does not exist in 2026-02".
Result<std::vector<CalendarYear>> ParseCalendarFile(std::string_view text, std::string_view file_name);

/// Writes years back in the same format (what `qoima calendar show --file` prints).
std::string FormatCalendarFile(const std::vector<CalendarYear>& years);

}  // namespace qoima::appliance::lifecycle
