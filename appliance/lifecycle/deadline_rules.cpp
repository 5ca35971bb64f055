#include "appliance/lifecycle/deadline_rules.h"

#include <array>
#include <utility>

namespace qoima::appliance::lifecycle {

namespace {
constexpr RuleBasis kInForce = RuleBasis::kLawInForce;
constexpr RuleBasis kPractice = RuleBasis::kOperatorPractice;

// Order 110/НҚ (003) has no application, journal, preparation, acceptance,
// verification, acceptance-notice or half-year-report deadline: those rows are
// the operator's practice, kept from the repealed 146/НҚ.
constexpr std::array<DeadlineRule, 12> kRules{{
    {"application", kPractice, "", "cl.7", DeadlineParty::kOwner, 10, 0, "commissioning of the informatization object",
     "the owner submits the application (the operator's form based on the former Annex 1)"},
    {"prepare", kPractice, "", "cl.8", DeadlineParty::kOperator, 3, 0, "application registered in the journal",
     "the operator prepares the repository for the deposit"},
    {"accept", kPractice, "", "cl.9", DeadlineParty::kOperator, 3, 0, "repository prepared", "the deposit is accepted"},
    {"verify", kPractice, "", "cl.15", DeadlineParty::kOperator, 5, 0, "media and act received",
     "the operator checks the act against the media"},
    {"notify-acceptance", kPractice, "", "cl.17", DeadlineParty::kOperator, 5, 0, "acceptance act signed",
     "the authorized body is notified of the acceptance"},
    {"owner-change", kInForce, "cl.27-28", "", DeadlineParty::kOwner, 2, 0, "source code changed or server work done",
     "the owner tells the operator, describing the change"},
    {"issue", kInForce, "cl.29", "", DeadlineParty::kOperator, 3, 0, "the owner's request received",
     "the operator provides source and executable code and notifies the authorized body"},
    {"owner-decommission", kInForce, "cl.30", "", DeadlineParty::kOwner, 10, 0, "electronic operation stopped",
     "the owner notifies the operator (the notice)"},
    {"return", kInForce, "cl.30", "cl.11", DeadlineParty::kOperator, 3, 0, "decommissioning notice received",
     "the operator hands source and executables back with an acceptance-transfer act and notifies the authorized body"},
    {"owner-archive", kInForce, "cl.32", "", DeadlineParty::kOwner, 3, 0, "code passed to the state archive",
     "the owner tells the operator of the archive transfer"},
    {"destroy", kInForce, "cl.33", "", DeadlineParty::kOperator, 10, 0, "archive-transfer notice received",
     "the operator destroys all versions of the source and executable code"},
    {"half-year-report", kPractice, "", "cl.13", DeadlineParty::kOperator, 0, 10, "end of a half-year",
     "the half-year report reaches the authorized body"},
}};

/// "cl.16(2)" -> {"16", "2"}; "cl.27-28" -> {"27-28", ""}.
std::pair<std::string, std::string> SplitClause(std::string_view clause) {
  std::string_view c = clause.substr(clause.rfind("cl.", 0) == 0 ? 3 : 0);
  auto open = c.find('(');
  if (open == std::string_view::npos || c.back() != ')') return {std::string(c), ""};
  return {std::string(c.substr(0, open)), std::string(c.substr(open + 1, c.size() - open - 2))};
}

bool IsRange(const std::string& n) { return n.find_first_of("-,") != std::string::npos; }

/// "29-тармақ", "27-28-тармақтар", "16-тармақтың 2) тармақшасы"; after a
/// genitive ("бұйрығының ...") the possessive: "29-тармағы", "16-тармағының 2)
/// тармақшасы".
std::string KkClause(std::string_view clause, bool possessive) {
  auto [n, sub] = SplitClause(clause);
  if (!sub.empty()) return n + (possessive ? "-тармағының " : "-тармақтың ") + sub + ") тармақшасы";
  if (IsRange(n)) return n + (possessive ? "-тармақтары" : "-тармақтар");
  return n + (possessive ? "-тармағы" : "-тармақ");
}

/// "п. 29", "пп. 27-28", "подп. 2) п. 16".
std::string RuClause(std::string_view clause) {
  auto [n, sub] = SplitClause(clause);
  if (!sub.empty()) return "подп. " + sub + ") п. " + n;
  return (IsRange(n) ? "пп. " : "п. ") + n;
}

BasisWording InForce(std::string_view clause) {
  return {"№ 110/НҚ бұйрығы, " + KkClause(clause, false), "приказ № 110/НҚ, " + RuClause(clause),
          "003 cl." + std::string(clause.substr(clause.rfind("cl.", 0) == 0 ? 3 : 0))};
}

void Append(BasisWording& to, const BasisWording& more) {
  to.kk += "; " + more.kk;
  to.ru += "; " + more.ru;
  to.en += "; " + more.en;
}

}  // namespace

BasisWording DescribeFormerPractice(std::string_view former_clause) {
  auto [n, sub] = SplitClause(former_clause);
  std::string en_clause = "cl." + n + (sub.empty() ? "" : "(" + sub + ")");
  return {"оператордың тәжірибесі, күші жойылған № 146/НҚ бұйрығының бұрынғы " + KkClause(former_clause, true) +
              " негізінде",
          "практика оператора на основе бывшего " + RuClause(former_clause) + " утратившего силу приказа № 146/НҚ",
          "operator's practice, based on the former 146/НҚ " + en_clause};
}

BasisWording DescribeBasis(const DeadlineRule& rule) {
  if (rule.basis == RuleBasis::kOperatorPractice) return DescribeFormerPractice(rule.former_clause);
  BasisWording w = InForce(rule.clause);
  if (!rule.former_clause.empty()) {
    BasisWording form = DescribeFormerPractice(rule.former_clause);
    Append(w, {"акт нысаны: " + form.kk, "форма акта: " + form.ru, "act form: " + form.en});
  }
  return w;
}

std::string BasisText(const DeadlineRule& rule) { return DescribeBasis(rule).en; }

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
    return due.status().WithContext("deadline '" + std::string(rule.id) + "' (" + BasisText(rule) + ") from " +
                                    event.ToString());
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
