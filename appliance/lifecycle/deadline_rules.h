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

/// Where a rule comes from. Order 110/НҚ as amended by 606/НҚ (seed 003) is
/// the law in force. A deadline that only the repealed Order 146/НҚ had (as
/// rewritten by 171/НҚ, seed 001; repealed by 110/НҚ Annex 2) is kept as the
/// operator's practice: it is tracked like any other, but it is shown and
/// printed as "based on the former 146/НҚ cl.N", never as law in force.
enum class RuleBasis { kLawInForce, kOperatorPractice };

struct DeadlineRule {
  std::string_view id;             // stable key stored with each tracked item: "issue", "destroy", ...
  RuleBasis basis;                 // law in force (003) or the operator's practice
  std::string_view clause;         // kLawInForce: the clause of 003 ("cl.29"); kOperatorPractice: empty
  std::string_view former_clause;  // the clause of the repealed 146/НҚ it follows ("cl.8"), or empty
  DeadlineParty party;             // who must act
  int working_days;                // > 0: working days after the event; 0: see calendar_day_of_next_month
  int calendar_day_of_next_month;  // half-year report: the 10th of the month after the period
  std::string_view event;          // what starts the period
  std::string_view duty;           // what must be done by the deadline
};

/// A rule's basis as a person reads it, in the three languages of the
/// appliance. In force: "003 cl.29" (en), "№ 110/НҚ бұйрығы, 29-тармақ" (kk),
/// "приказ № 110/НҚ, п. 29" (ru). Practice: "operator's practice, based on the
/// former 146/НҚ cl.8" and its kk/ru wording. A rule in force that also keeps a
/// form of the former order (the return act) names both, the former one as
/// practice.
struct BasisWording {
  std::string kk;
  std::string ru;
  std::string en;
};
BasisWording DescribeBasis(const DeadlineRule& rule);
/// DescribeBasis(rule).en: what the CLI, the audit log and JSON show.
std::string BasisText(const DeadlineRule& rule);
/// The wording of a practice that follows a clause of the repealed 146/НҚ
/// ("cl.16(2)") outside the deadline table (refusal grounds, forms).
BasisWording DescribeFormerPractice(std::string_view former_clause);

/// All rules, in the order of the domain summary.
std::span<const DeadlineRule> AllDeadlineRules();
/// NotFound for an unknown id.
Result<const DeadlineRule*> FindDeadlineRule(std::string_view id);

/// The due date of a working-day rule: the N-th working day after `event`.
/// InvalidArgument for the half-year report rule (use HalfYearReportDue).
Result<CivilDate> ComputeDue(const WorkingCalendar& cal, const DeadlineRule& rule, const CivilDate& event);

/// The half-year report of half `half` (1 or 2) of `year` is due by the 10th of
/// the following month (the operator's practice, based on the former 146/НҚ
/// cl.13): 10 July or 10 January of the next year. When the 10th is not a working day the due date is the next
/// working day (the general rule that a period ending on a non-working day ends
/// on the next working day).
Result<CivilDate> HalfYearReportDue(const WorkingCalendar& cal, int year, int half);

}  // namespace qoima::appliance::lifecycle
