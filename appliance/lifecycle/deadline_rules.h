// DeadlineRules: every deadline of ../shared/domain.md as data tied to the
// clause it comes from, and its computation on a WorkingCalendar.
//
// A rule says how many working days a party has from an event (or, for the
// half-year report, a calendar day of the following month). A new order means
// a new table row, not new code. The operator's own deadlines are the ones the
// appliance tracks in `qoima due`; the owner's deadlines are listed so that a
// clerk can tell a depositor when a notice was late.
//
// Thread-safety: the table is immutable.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "appliance/lifecycle/working_calendar.h"

namespace qoima::appliance::lifecycle {

enum class DeadlineParty { kOperator, kOwner };

struct DeadlineRule {
  std::string_view id;             // stable key stored with each tracked item: "issue", "destroy", ...
  std::string_view act;            // "003" (Order 110/НҚ, in force), "001" (Order 146/НҚ as of 171/НҚ, forms)
  std::string_view clause;         // "cl.29"
  DeadlineParty party;             // who must act
  int working_days;                // > 0: working days after the event; 0: see calendar_day_of_next_month
  int calendar_day_of_next_month;  // half-year report: the 10th of the month after the period
  std::string_view event;          // what starts the period
  std::string_view duty;           // what must be done by the deadline
};

/// All rules, in the order of the domain summary.
std::span<const DeadlineRule> AllDeadlineRules();
/// NotFound for an unknown id.
Result<const DeadlineRule*> FindDeadlineRule(std::string_view id);

/// The due date of a working-day rule: the N-th working day after `event`.
/// InvalidArgument for the half-year report rule (use HalfYearReportDue).
Result<CivilDate> ComputeDue(const WorkingCalendar& cal, const DeadlineRule& rule, const CivilDate& event);

/// The half-year report of half `half` (1 or 2) of `year` is due by the 10th of
/// the following month (001 cl.13; 002 cl.14): 10 July or 10 January of the
/// next year. When the 10th is not a working day the due date is the next
/// working day (the general rule that a period ending on a non-working day ends
/// on the next working day).
Result<CivilDate> HalfYearReportDue(const WorkingCalendar& cal, int year, int half);

}  // namespace qoima::appliance::lifecycle
