// DefaultCalendar: the working-day calendar shipped with qoima (2026, 2027),
// compiled in from appliance/lifecycle/calendars/kz-default.cal so that a new
// appliance can count deadlines before anyone imports a calendar. It is data,
// not code: an imported calendar for the same year replaces it.
#pragma once

#include <string_view>

namespace qoima::appliance::lifecycle {

/// The text of calendars/kz-default.cal.
std::string_view DefaultCalendarText();
/// The name recorded as its source file.
constexpr std::string_view kDefaultCalendarName = "kz-default.cal (built in)";

}  // namespace qoima::appliance::lifecycle
