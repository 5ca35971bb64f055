// HoldWindow: the end of the check window during which a clerk may hold an
// intake's content for a re-try (001 cl.15: five working days). Working days
// come from the lifecycle working-day calendar in force (public holidays,
// holidays carried off weekends, religious days, Government transfers), not
// from a plain Monday-to-Friday count.
//
// Thread-safety: pure function over an immutable calendar.
#pragma once

#include <cstdint>

#include "appliance/lifecycle/working_calendar.h"
#include "common/result.h"

namespace qoima::appliance {

/// The last second (23:59:59 at the act's UTC+5) of the `working_days`-th
/// working day after the local day of `from_unix`, as UTC seconds. NotFound
/// when the count runs into a year the calendar does not cover (never a
/// guess: the clerk imports the calendar first).
Result<int64_t> HoldWindowEnd(const lifecycle::WorkingCalendar& calendar, int64_t from_unix, int working_days);

}  // namespace qoima::appliance
