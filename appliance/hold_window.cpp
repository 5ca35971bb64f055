#include "appliance/hold_window.h"

#include "appliance/civil_time.h"

namespace qoima::appliance {

Result<int64_t> HoldWindowEnd(const lifecycle::WorkingCalendar& calendar, int64_t from_unix, int working_days) {
  auto start = LocalDateOf(from_unix);
  auto end = calendar.AddWorkingDays(start, working_days);
  if (!end.ok()) return end.status().WithContext("the " + std::to_string(working_days) + "-working-day hold window");
  return (static_cast<int64_t>(end->day_number()) + 1) * 86400 - kActUtcOffsetSeconds - 1;
}

}  // namespace qoima::appliance
