#include "appliance/lifecycle/working_calendar.h"

#include <algorithm>

namespace qoima::appliance::lifecycle {

std::string_view CalendarEntryKindName(CalendarEntryKind kind) {
  switch (kind) {
    case CalendarEntryKind::kHoliday: return "holiday";
    case CalendarEntryKind::kReligious: return "religious";
    case CalendarEntryKind::kDayOff: return "day-off";
    case CalendarEntryKind::kWorkday: return "workday";
  }
  return "?";
}

Result<WorkingCalendar> WorkingCalendar::Build(std::vector<CalendarYear> years) {
  WorkingCalendar cal;
  for (auto& y : years) {
    int number = y.year;
    if (!cal.years_.emplace(number, std::move(y)).second)
      return Status::InvalidArgument("calendar for " + std::to_string(number) + " given twice");
  }
  // Statutory marks first, then the carry rule (which looks at them), then the
  // Government's transfers, which take precedence over everything.
  for (const auto& [number, y] : cal.years_) {
    for (const auto& e : y.entries) {
      if (e.kind == CalendarEntryKind::kHoliday)
        cal.marks_[e.date.day_number()] = {false, "holiday: " + e.name, e.provisional};
      if (e.kind == CalendarEntryKind::kReligious)
        cal.marks_[e.date.day_number()] = {false, "religious holiday: " + e.name, e.provisional};
    }
  }
  cal.CarryWeekendHolidays();
  for (const auto& [number, y] : cal.years_) {
    for (const auto& e : y.entries) {
      if (e.kind == CalendarEntryKind::kDayOff)
        cal.marks_[e.date.day_number()] = {false, "day off by transfer: " + e.name + " (" + e.source + ")",
                                           e.provisional};
      if (e.kind == CalendarEntryKind::kWorkday)
        cal.marks_[e.date.day_number()] = {true, "working day by transfer: " + e.name + " (" + e.source + ")",
                                           e.provisional};
    }
  }
  return cal;
}

// Law of the RK "On holidays in the Republic of Kazakhstan", art. 5: when a
// public holiday coincides with a day off (Saturday, Sunday), the day off moves
// to the next working day after the holiday. Religious days (Labour Code art. 84
// para 5) are not moved. Holidays are processed in date order so that two
// holidays on one weekend (Nauryz 21-22 March on Sat-Sun) take two successive
// working days.
void WorkingCalendar::CarryWeekendHolidays() {
  std::vector<CalendarEntry> weekend_holidays;
  for (const auto& [number, y] : years_)
    for (const auto& e : y.entries)
      if (e.kind == CalendarEntryKind::kHoliday && e.date.is_weekend()) weekend_holidays.push_back(e);
  std::sort(weekend_holidays.begin(), weekend_holidays.end(),
            [](const CalendarEntry& a, const CalendarEntry& b) { return a.date < b.date; });
  for (const auto& h : weekend_holidays) {
    CivilDate d = h.date.AddDays(1);
    while (d.is_weekend() || marks_.count(d.day_number())) d = d.AddDays(1);
    marks_[d.day_number()] = {false,
                              "day off carried from " + h.name + " (" + h.date.ToString() + ", " +
                                  (h.date.iso_weekday() == 6 ? "Saturday" : "Sunday") + ")",
                              h.provisional};
  }
}

std::vector<int> WorkingCalendar::years() const {
  std::vector<int> out;
  for (const auto& [y, _] : years_) out.push_back(y);
  return out;
}

const CalendarYear* WorkingCalendar::year(int y) const {
  auto it = years_.find(y);
  return it == years_.end() ? nullptr : &it->second;
}

std::vector<CalendarEntry> WorkingCalendar::ProvisionalEntries(int y) const {
  std::vector<CalendarEntry> out;
  if (const CalendarYear* cy = year(y))
    for (const auto& e : cy->entries)
      if (e.provisional) out.push_back(e);
  std::sort(out.begin(), out.end(), [](const CalendarEntry& a, const CalendarEntry& b) { return a.date < b.date; });
  return out;
}

bool WorkingCalendar::RangeHasProvisional(const CivilDate& from, const CivilDate& to) const {
  for (auto it = marks_.upper_bound(from.day_number()); it != marks_.end() && it->first <= to.day_number(); ++it)
    if (it->second.provisional) return true;
  return false;
}

Status WorkingCalendar::NoCalendar(const CivilDate& d) const {
  return Status::NotFound("no working-day calendar for " + std::to_string(d.year()) + " (needed for " + d.ToString() +
                          "): import one with `qoima calendar import`");
}

Result<DayInfo> WorkingCalendar::Describe(const CivilDate& d) const {
  if (!Covers(d)) return NoCalendar(d);
  auto it = marks_.find(d.day_number());
  if (it != marks_.end()) return DayInfo{it->second.working, it->second.reason, it->second.provisional};
  static constexpr const char* kNames[] = {"",         "Monday", "Tuesday",  "Wednesday",
                                           "Thursday", "Friday", "Saturday", "Sunday"};
  return DayInfo{!d.is_weekend(), kNames[d.iso_weekday()], false};
}

Result<bool> WorkingCalendar::IsWorkingDay(const CivilDate& d) const {
  QOIMA_ASSIGN_OR_RETURN(DayInfo info, Describe(d));
  return info.working;
}

Result<CivilDate> WorkingCalendar::AddWorkingDays(const CivilDate& start, int n) const {
  if (n < 0 || n > kMaxWorkingDays)
    return Status::InvalidArgument("working-day count " + std::to_string(n) + " is outside 0.." +
                                   std::to_string(kMaxWorkingDays));
  CivilDate d = start;
  for (int counted = 0; counted < n;) {
    d = d.AddDays(1);
    QOIMA_ASSIGN_OR_RETURN(bool working, IsWorkingDay(d));
    if (working) ++counted;
  }
  return d;
}

Result<CivilDate> WorkingCalendar::OnOrNextWorkingDay(const CivilDate& d) const {
  CivilDate x = d;
  for (int i = 0; i < 366; ++i, x = x.AddDays(1)) {
    QOIMA_ASSIGN_OR_RETURN(bool working, IsWorkingDay(x));
    if (working) return x;
  }
  return Status::Internal("no working day within a year of " + d.ToString());
}

Result<int> WorkingCalendar::WorkingDaysBetween(const CivilDate& from, const CivilDate& to) const {
  int n = 0;
  for (CivilDate d = from.AddDays(1); d <= to; d = d.AddDays(1)) {
    QOIMA_ASSIGN_OR_RETURN(bool working, IsWorkingDay(d));
    if (working) ++n;
  }
  return n;
}

}  // namespace qoima::appliance::lifecycle
