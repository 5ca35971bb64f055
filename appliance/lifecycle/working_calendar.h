// WorkingCalendar: which days are working days in Kazakhstan, and deadlines
// counted in working days.
//
// A working day is Monday to Friday, except
//   - public holidays (Law of the RK "On holidays in the Republic of
//     Kazakhstan", art. 5; Labour Code of the RK art. 85), and, when such a
//     holiday falls on a Saturday or Sunday, the next working day after it
//     (the carry rule of the same art. 5, implemented in CarryWeekendHolidays);
//   - religious non-working days (Labour Code art. 84 para 5: Orthodox
//     Christmas 7 January and the first day of Kurban Ait, whose date is set
//     each year); these are NOT carried when they fall on a weekend;
//   - days off moved by the Government (Labour Code art. 85 para 3), which
//     may also make a Saturday or Sunday a working day.
// All of it is data: one CalendarYear per year, parsed from a calendar file
// (calendar_file.h). Nothing about a particular year is hard-coded here.
//
// A deadline that runs into a year with no calendar is an error ("no
// working-day calendar for 2028"), never a guess.
//
// Thread-safety: immutable after construction; safe to share.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "appliance/civil_time.h"
#include "common/result.h"

namespace qoima::appliance::lifecycle {

enum class CalendarEntryKind {
  kHoliday,    // public holiday; carried to the next working day when on a weekend
  kReligious,  // non-working religious day; never carried
  kDayOff,     // a weekday made a day off by a Government transfer
  kWorkday,    // a Saturday/Sunday made a working day by a Government transfer
};

/// "holiday", "religious", "day-off", "workday" (the calendar file's words).
std::string_view CalendarEntryKindName(CalendarEntryKind kind);

struct CalendarEntry {
  CalendarEntryKind kind = CalendarEntryKind::kHoliday;
  CivilDate date;
  std::string name;    // "Nauryz meirami" / "Наурыз мейрамы"
  std::string source;  // legal act or decree this entry comes from (may be empty for kHoliday)
  int line = 0;        // line in the calendar file (0 when built in code)
  /// The date is expected, not yet announced or decreed (Kurban Ait follows
  /// the lunar calendar and is set each year): counted as given, and shown as
  /// PROVISIONAL by `qoima calendar show` until a confirmed file is imported.
  bool provisional = false;
};

struct CalendarYear {
  int year = 0;
  std::string source;  // where the year's list comes from (the file's `year` line)
  std::vector<CalendarEntry> entries;
};

/// Why a day is or is not a working day.
struct DayInfo {
  bool working = true;
  std::string reason;        // "Saturday", "holiday: Nauryz", "carried day off for Nauryz (2026-03-22)", ...
  bool provisional = false;  // comes from a provisional entry (CalendarEntry::provisional)
};

class WorkingCalendar {
 public:
  /// The largest number of working days a deadline may count (a year's worth).
  static constexpr int kMaxWorkingDays = 260;

  /// Builds the calendar. InvalidArgument when two years carry the same number.
  static Result<WorkingCalendar> Build(std::vector<CalendarYear> years);

  /// Years with a calendar, ascending.
  std::vector<int> years() const;
  const CalendarYear* year(int y) const;
  /// The provisional entries of year `y`, in date order.
  std::vector<CalendarEntry> ProvisionalEntries(int y) const;
  /// Whether any day after `from` up to and including `to` is marked from a
  /// provisional entry (a deadline counted over it may move).
  bool RangeHasProvisional(const CivilDate& from, const CivilDate& to) const;
  bool Covers(const CivilDate& d) const { return years_.count(d.year()) != 0; }

  /// NotFound when `d`'s year has no calendar.
  Result<DayInfo> Describe(const CivilDate& d) const;
  Result<bool> IsWorkingDay(const CivilDate& d) const;

  /// The `n`-th working day after `start` (the start day itself is not
  /// counted: a period runs from the day after the event). n = 0 gives
  /// `start`. NotFound when the count runs into a year with no calendar;
  /// InvalidArgument when n is outside 0..kMaxWorkingDays.
  Result<CivilDate> AddWorkingDays(const CivilDate& start, int n) const;

  /// `d` itself when it is a working day, else the next working day.
  Result<CivilDate> OnOrNextWorkingDay(const CivilDate& d) const;

  /// Working days strictly after `from` up to and including `to` (0 when to <= from).
  Result<int> WorkingDaysBetween(const CivilDate& from, const CivilDate& to) const;

 private:
  struct Mark {
    bool working = false;
    std::string reason;
    bool provisional = false;
  };
  Status NoCalendar(const CivilDate& d) const;
  void CarryWeekendHolidays();

  std::map<int, CalendarYear> years_;
  std::map<int, Mark> marks_;  // day number -> explicit marking; unmarked weekdays work, weekends rest
};

}  // namespace qoima::appliance::lifecycle
