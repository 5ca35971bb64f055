#include "appliance/lifecycle/deadline_rules.h"

#include <array>

namespace qoima::appliance::lifecycle {

namespace {
constexpr std::array<DeadlineRule, 12> kRules{{
    {"application", "001", "cl.7", DeadlineParty::kOwner, 10, 0, "commissioning of the informatization object",
     "the owner submits the application (Annex 1)"},
    {"prepare", "001", "cl.8", DeadlineParty::kOperator, 3, 0, "application registered in the journal",
     "the operator prepares the repository for the deposit"},
    {"accept", "001", "cl.9", DeadlineParty::kOperator, 3, 0, "repository prepared", "the deposit is accepted"},
    {"verify", "001", "cl.15", DeadlineParty::kOperator, 5, 0, "media and act received",
     "the operator checks the act against the media"},
    {"notify-acceptance", "001", "cl.17", DeadlineParty::kOperator, 5, 0, "acceptance act signed",
     "the authorized body is notified of the acceptance"},
    {"owner-change", "003", "cl.27-28", DeadlineParty::kOwner, 2, 0, "source code changed or server work done",
     "the owner tells the operator, describing the change"},
    {"issue", "003", "cl.29", DeadlineParty::kOperator, 3, 0, "the owner's request received",
     "the operator provides source and executable code and notifies the authorized body"},
    {"owner-decommission", "003", "cl.30", DeadlineParty::kOwner, 10, 0, "electronic operation stopped",
     "the owner notifies the operator (the notice)"},
    {"return", "003", "cl.30; 001 cl.11", DeadlineParty::kOperator, 3, 0, "decommissioning notice received",
     "the operator hands source and executables back with an acceptance-transfer act and notifies the authorized body"},
    {"owner-archive", "003", "cl.32", DeadlineParty::kOwner, 3, 0, "code passed to the state archive",
     "the owner tells the operator of the archive transfer"},
    {"destroy", "003", "cl.33", DeadlineParty::kOperator, 10, 0, "archive-transfer notice received",
     "the operator destroys all versions of the source and executable code"},
    {"half-year-report", "001", "cl.13; 002 cl.14", DeadlineParty::kOperator, 0, 10, "end of a half-year",
     "the half-year report reaches the authorized body"},
}};
}  // namespace

std::span<const DeadlineRule> AllDeadlineRules() { return kRules; }

Result<const DeadlineRule*> FindDeadlineRule(std::string_view id) {
  for (const auto& r : kRules)
    if (r.id == id) return &r;
  return Status::NotFound("no deadline rule '" + std::string(id) + "'");
}

Result<CivilDate> ComputeDue(const WorkingCalendar& cal, const DeadlineRule& rule, const CivilDate& event) {
  if (rule.working_days <= 0)
    return Status::InvalidArgument("deadline rule '" + std::string(rule.id) + "' is not counted in working days");
  auto due = cal.AddWorkingDays(event, rule.working_days);
  if (!due.ok())
    return due.status().WithContext("deadline '" + std::string(rule.id) + "' (" + std::string(rule.act) + " " +
                                    std::string(rule.clause) + ") from " + event.ToString());
  return due;
}

Result<CivilDate> HalfYearReportDue(const WorkingCalendar& cal, int year, int half) {
  if (half != 1 && half != 2) return Status::InvalidArgument("half-year must be 1 or 2, not " + std::to_string(half));
  QOIMA_ASSIGN_OR_RETURN(const DeadlineRule* rule, FindDeadlineRule("half-year-report"));
  unsigned day = static_cast<unsigned>(rule->calendar_day_of_next_month);
  CivilDate nominal = half == 1 ? CivilDate::FromYmd(year, 7, day) : CivilDate::FromYmd(year + 1, 1, day);
  auto due = cal.OnOrNextWorkingDay(nominal);
  if (!due.ok())
    return due.status().WithContext("half-year report " + std::to_string(year) + "/" + std::to_string(half));
  return due;
}

}  // namespace qoima::appliance::lifecycle
