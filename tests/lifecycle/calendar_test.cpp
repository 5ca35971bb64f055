// Working-day calendar and deadlines: table-driven against dates computed by
// hand from the printed 2026-2027 calendar (see the comment of each row).
#include <catch2/catch.hpp>

#include "appliance/lifecycle/calendar_file.h"
#include "appliance/lifecycle/deadline_rules.h"
#include "appliance/lifecycle/default_calendar.h"

using namespace qoima;
using namespace qoima::appliance;
using namespace qoima::appliance::lifecycle;

namespace {

CivilDate D(const char* s) {
  auto d = CivilDate::Parse(s);
  REQUIRE(d.ok());
  return *d;
}

WorkingCalendar Build(const std::string& text) {
  auto years = ParseCalendarFile(text, "test.cal");
  INFO(years.status().ToString());
  REQUIRE(years.ok());
  auto cal = WorkingCalendar::Build(*years);
  REQUIRE(cal.ok());
  return *cal;
}

WorkingCalendar Default() { return Build(std::string(DefaultCalendarText())); }

std::string ParseError(const std::string& text) {
  auto r = ParseCalendarFile(text, "bad.cal");
  REQUIRE_FALSE(r.ok());
  return r.status().message();
}

}  // namespace

TEST_CASE("civil dates parse strictly and know leap years") {
  CHECK(D("2028-02-29").ToString() == "2028-02-29");
  CHECK(D("2000-02-29").iso_weekday() == 2);
  CHECK_FALSE(CivilDate::Parse("2026-02-29").ok());
  CHECK_FALSE(CivilDate::Parse("2100-02-29").ok());
  CHECK_FALSE(CivilDate::Parse("2026-13-01").ok());
  CHECK_FALSE(CivilDate::Parse("2026-1-01").ok());
  CHECK_FALSE(CivilDate::Parse("26-01-01").ok());
  CHECK_FALSE(CivilDate::Parse("2026-01-01x").ok());
  CHECK(CivilDate::Parse("2026-02-30").status().message().find("day 30 does not exist in 2026-02") !=
        std::string::npos);
  CHECK(D("2026-01-01").iso_weekday() == 4);  // Thursday
  CHECK(D("2027-01-01").DaysSince(D("2026-01-01")) == 365);
  CHECK(D("2029-01-01").DaysSince(D("2028-01-01")) == 366);
}

TEST_CASE("default calendar marks statutory holidays and carries weekend ones") {
  auto cal = Default();
  CHECK(cal.years() == std::vector<int>{2026, 2027});
  struct Row {
    const char* date;
    bool working;
    const char* reason_part;
  };
  const Row rows[] = {
      {"2026-01-01", false, "New Year"},
      {"2026-01-02", false, "New Year"},
      {"2026-01-05", true, "Monday"},
      {"2026-01-07", false, "Orthodox Christmas"},
      {"2026-03-09", false, "carried from International Women's Day"},  // 8 Mar 2026 is a Sunday
      {"2026-03-23", false, "Nauryz"},
      {"2026-03-24", false, "carried from Nauryz"},  // 21 Mar Sat
      {"2026-03-25", false, "carried from Nauryz"},  // 22 Mar Sun
      {"2026-03-26", true, "Thursday"},
      {"2026-05-11", false, "carried from Victory Day"},   // 9 May 2026 Sat
      {"2026-05-27", false, "Kurban Ait"},                 // religious, Wednesday
      {"2026-08-31", false, "carried from Constitution"},  // 30 Aug 2026 Sun
      {"2026-10-26", false, "carried from Republic Day"},  // 25 Oct 2026 Sun
      {"2026-12-16", false, "Independence"},
      {"2027-01-04", false, "carried from New Year"},  // 2 Jan 2027 Sat
      {"2027-03-24", false, "carried from Nauryz"},    // 21 Mar 2027 Sun; 22-23 are holidays
      {"2027-03-25", true, "Thursday"},
      {"2027-05-03", false, "carried from Unity Day"},  // 1 May 2027 Sat
      {"2027-05-10", false, "carried from Victory Day"},
      {"2027-05-17", true, "Monday"},  // Kurban Ait 16 May 2027 is a Sunday: religious days are not carried
      {"2026-06-06", false, "Saturday"},
  };
  for (const auto& r : rows) {
    INFO(r.date);
    auto info = cal.Describe(D(r.date));
    REQUIRE(info.ok());
    CHECK(info->working == r.working);
    CHECK(info->reason.find(r.reason_part) != std::string::npos);
  }
}

TEST_CASE("deadlines across holidays, carried days and the year end") {
  auto cal = Default();
  struct Row {
    const char* rule;
    const char* event;
    const char* due;
  };
  // Each row was counted by hand on a printed calendar; the comment lists the counted days.
  const Row rows[] = {
      {"issue", "2026-01-02", "2026-01-08"},    // 5 Mon, 6 Tue, (7 Christmas), 8 Thu
      {"issue", "2026-03-20", "2026-03-30"},    // 21-23 Nauryz, 24-25 carried; 26, 27, 30
      {"destroy", "2026-03-06", "2026-03-26"},  // (9 carried) 10,11,12,13,16,17,18,19,20,(21-25),26
      {"return", "2026-04-30", "2026-05-06"},   // (1 May) 4, 5, 6
      {"issue", "2026-05-06", "2026-05-13"},    // (7 May) 8, (11 carried) 12, 13
      {"issue", "2026-05-26", "2026-06-01"},    // (27 Kurban Ait) 28, 29, 1 Jun
      {"return", "2026-08-28", "2026-09-03"},   // (31 Aug carried) 1, 2, 3 Sep
      {"issue", "2026-12-29", "2027-01-05"},    // 30, 31, (1-2 New Year, 4 carried) 5 Jan
      {"destroy", "2026-12-15", "2026-12-30"},  // (16 Dec) 17,18,21,22,23,24,25,28,29,30
      {"destroy", "2026-12-24", "2027-01-12"},  // 25,28,29,30,31,(1,4 off),5,6,(7),8,11,12
      {"issue", "2027-03-19", "2027-03-29"},    // (22-23 Nauryz, 24 carried) 25, 26, 29
      {"verify", "2027-04-28", "2027-05-06"},   // 29, 30, (3 May carried) 4, 5, 6
      {"issue", "2026-03-21", "2026-03-30"},    // event on a holiday: the count starts the next day
  };
  for (const auto& r : rows) {
    INFO(r.rule << " from " << r.event);
    auto rule = FindDeadlineRule(r.rule);
    REQUIRE(rule.ok());
    auto due = ComputeDue(cal, **rule, D(r.event));
    REQUIRE(due.ok());
    CHECK(due->ToString() == r.due);
  }
}

TEST_CASE("government transfers and a leap year from imported calendar files") {
  // Hypothetical transfers (test data, not a real decree): Saturday 3 Jan 2026
  // is worked, Friday 9 Jan 2026 is off.
  auto cal = Build(
      "qoima-calendar | 1\n"
      "year | 2026 | test\n"
      "holiday | 2026-01-01 | New Year\n"
      "holiday | 2026-01-02 | New Year\n"
      "religious | 2026-01-07 | Orthodox Christmas | Labour Code art. 84 para 5\n"
      "workday | 2026-01-03 | transfer to 9 January | test decree No. 1\n"
      "day-off | 2026-01-09 | transfer from 3 January | test decree No. 1\n"
      "end | 2026\n"
      "year | 2027 | test\n"
      "end | 2027\n"
      "year | 2028 | test\n"
      "holiday | 2028-03-01 | test holiday\n"
      "end | 2028\n");
  CHECK(cal.AddWorkingDays(D("2026-01-02"), 3)->ToString() == "2026-01-06");  // 3 Sat worked, 5, 6
  CHECK(cal.AddWorkingDays(D("2026-01-08"), 1)->ToString() == "2026-01-12");  // 9 off by transfer
  CHECK(cal.Describe(D("2026-01-03"))->reason.find("test decree No. 1") != std::string::npos);
  // Leap year: 29 Feb 2028 is a Tuesday and counts.
  CHECK(cal.AddWorkingDays(D("2028-02-25"), 3)->ToString() == "2028-03-02");  // 28, 29, (1 Mar), 2
  // Year end into a leap year: 2027-12-30 Thu + 2 = 31 Dec, 3 Jan 2028 (Mon).
  CHECK(cal.AddWorkingDays(D("2027-12-30"), 2)->ToString() == "2028-01-03");
  CHECK(cal.WorkingDaysBetween(D("2028-02-25"), D("2028-03-02")).value() == 3);
}

TEST_CASE("a deadline running into a year without a calendar is an error naming the year") {
  auto cal = Default();
  auto rule = FindDeadlineRule("destroy");
  REQUIRE(rule.ok());
  auto due = ComputeDue(cal, **rule, D("2027-12-24"));
  REQUIRE_FALSE(due.ok());
  CHECK(due.status().code() == Code::kNotFound);
  CHECK(due.status().message().find("no working-day calendar for 2028") != std::string::npos);
  CHECK(due.status().message().find("003 cl.33") != std::string::npos);
  CHECK_FALSE(cal.AddWorkingDays(D("2026-01-05"), -1).ok());
  CHECK_FALSE(cal.AddWorkingDays(D("2026-01-05"), WorkingCalendar::kMaxWorkingDays + 1).ok());
}

TEST_CASE("half-year report is due by the 10th of the following month") {
  auto cal = Default();
  CHECK(HalfYearReportDue(cal, 2026, 1)->ToString() == "2026-07-10");  // Friday
  CHECK(HalfYearReportDue(cal, 2026, 2)->ToString() == "2027-01-11");  // 10 Jan 2027 is a Sunday
  CHECK(HalfYearReportDue(cal, 2027, 1)->ToString() == "2027-07-12");  // 10 Jul 2027 is a Saturday
  CHECK_FALSE(HalfYearReportDue(cal, 2027, 2).ok());                   // needs 2028
  CHECK_FALSE(HalfYearReportDue(cal, 2026, 3).ok());
}

TEST_CASE("every deadline rule names its clause of 003 or is the operator's practice based on the former 146/НҚ") {
  struct Expected {
    const char* id;
    RuleBasis basis;
    const char* en;  // exactly what `due`, notices and reports show
    const char* kk;
    const char* ru;
  };
  const Expected expected[] = {
      {"application", RuleBasis::kOperatorPractice, "operator's practice, based on the former 146/НҚ cl.7",
       "оператордың тәжірибесі, күші жойылған № 146/НҚ бұйрығының бұрынғы 7-тармағы негізінде",
       "практика оператора на основе бывшего п. 7 утратившего силу приказа № 146/НҚ"},
      {"prepare", RuleBasis::kOperatorPractice, "operator's practice, based on the former 146/НҚ cl.8", nullptr,
       nullptr},
      {"accept", RuleBasis::kOperatorPractice, "operator's practice, based on the former 146/НҚ cl.9", nullptr,
       nullptr},
      {"verify", RuleBasis::kOperatorPractice, "operator's practice, based on the former 146/НҚ cl.15", nullptr,
       nullptr},
      {"notify-acceptance", RuleBasis::kOperatorPractice, "operator's practice, based on the former 146/НҚ cl.17",
       nullptr, nullptr},
      {"owner-change", RuleBasis::kLawInForce, "003 cl.27-28", "№ 110/НҚ бұйрығы, 27-28-тармақтар",
       "приказ № 110/НҚ, пп. 27-28"},
      {"issue", RuleBasis::kLawInForce, "003 cl.29", "№ 110/НҚ бұйрығы, 29-тармақ", "приказ № 110/НҚ, п. 29"},
      {"owner-decommission", RuleBasis::kLawInForce, "003 cl.30", nullptr, nullptr},
      {"return", RuleBasis::kLawInForce, "003 cl.30; act form: operator's practice, based on the former 146/НҚ cl.11",
       nullptr, nullptr},
      {"owner-archive", RuleBasis::kLawInForce, "003 cl.32", nullptr, nullptr},
      {"destroy", RuleBasis::kLawInForce, "003 cl.33", "№ 110/НҚ бұйрығы, 33-тармақ", "приказ № 110/НҚ, п. 33"},
      {"half-year-report", RuleBasis::kOperatorPractice, "operator's practice, based on the former 146/НҚ cl.13",
       nullptr, nullptr},
  };
  REQUIRE(AllDeadlineRules().size() == std::size(expected));
  for (const auto& e : expected) {
    INFO(e.id);
    auto rule = FindDeadlineRule(e.id);
    REQUIRE(rule.ok());
    const DeadlineRule& r = **rule;
    CHECK(r.basis == e.basis);
    CHECK(((r.working_days > 0) != (r.calendar_day_of_next_month > 0)));
    // A rule in force names its clause of 003; a practice has none and names the former clause.
    if (r.basis == RuleBasis::kLawInForce) {
      CHECK(r.clause.rfind("cl.", 0) == 0);
    } else {
      CHECK(r.clause.empty());
      CHECK(r.former_clause.rfind("cl.", 0) == 0);
    }
    BasisWording w = DescribeBasis(r);
    CHECK(w.en == e.en);
    CHECK(BasisText(r) == w.en);
    if (e.kk) CHECK(w.kk == e.kk);
    if (e.ru) CHECK(w.ru == e.ru);
    // 146/НҚ appears only as the former basis of a practice, in every language.
    for (const std::string* text : {&w.en, &w.kk, &w.ru}) {
      INFO(*text);
      CHECK(text->find("001") == std::string::npos);
      size_t at = text->find("146/НҚ");
      if (r.basis == RuleBasis::kLawInForce && r.former_clause.empty()) CHECK(at == std::string::npos);
      if (at != std::string::npos) {
        const std::string before = text->substr(0, at);
        CHECK((before.find("former") != std::string::npos || before.find("күші жойылған") != std::string::npos ||
               before.find("бывшего") != std::string::npos));
        CHECK((before.find("practice") != std::string::npos || before.find("тәжірибесі") != std::string::npos ||
               before.find("практика") != std::string::npos));
      }
    }
  }
}

TEST_CASE("a refusal ground with a sub-clause is worded as the former clause's sub-clause") {
  BasisWording w = DescribeFormerPractice("cl.16(2)");
  CHECK(w.en == "operator's practice, based on the former 146/НҚ cl.16(2)");
  CHECK(w.kk ==
        "оператордың тәжірибесі, күші жойылған № 146/НҚ бұйрығының бұрынғы 16-тармағының 2) тармақшасы негізінде");
  CHECK(w.ru == "практика оператора на основе бывшего подп. 2) п. 16 утратившего силу приказа № 146/НҚ");
}

TEST_CASE("calendar file errors name the line and the field") {
  const std::string head = "qoima-calendar | 1\nyear | 2026 | test\n";
  struct Row {
    std::string text;
    const char* expected;
  };
  const Row rows[] = {
      {head + "holiday | 2026-02-30 | x\nend | 2026\n", "line 3, field 2 (date): date '2026-02-30': day 30"},
      {head + "holiday | 2026-1-5 | x\nend | 2026\n", "line 3, field 2 (date): '2026-1-5' is not a date"},
      {head + "holiday | 2026-01-01 | a\nholiday | 2026-01-01 | b\nend | 2026\n",
       "line 4, field 2 (date): duplicate: 2026-01-01 is already given on line 3"},
      {head + "end | 2026\nyear | 2028 | t\nend | 2028\n", "line 4, field 2 (year): gap: 2026 is followed by 2028"},
      {head + "end | 2026\nyear | 2026 | t\nend | 2026\n", "line 4, field 2 (year): 2026 does not follow 2026"},
      {head + "holiday | 2027-01-01 | x\nend | 2026\n", "line 3, field 2 (date): 2027-01-01 is not in the section"},
      {head + "religious | 2026-05-27 | Kurban Ait\nend | 2026\n", "line 3, field 4 (source)"},
      {head + "day-off | 2026-01-09 | t |\nend | 2026\n", "line 3, field 4 (source)"},
      {head + "workday | 2026-01-05 | t | decree\nend | 2026\n", "line 3, field 2 (date): 2026-01-05 is a weekday"},
      {head + "day-off | 2026-01-03 | t | decree\nend | 2026\n", "2026-01-03 is a weekend day"},
      {head + "feast | 2026-01-03 | t\nend | 2026\n", "line 3, field 1 (record): unknown record 'feast'"},
      {head + "holiday | 2026-01-03\nend | 2026\n", "line 3: an entry has 3 to 5 fields"},
      {head + "religious | 2026-05-27 | Kurban Ait | expected | maybe\nend | 2026\n",
       "line 3, field 5 (status): 'maybe': the fifth field, when present, is the word 'provisional'"},
      {head + "holiday | 2026-05-01 | Unity Day | | provisional\nend | 2026\n",
       "line 3, field 4 (source): provisional entries must name their source"},
      {head, "year 2026 has no 'end' line"},
      {"year | 2026 | t\n", "line 1, field 1 (record): expected 'qoima-calendar | 1'"},
      {"qoima-calendar | 2\n", "only format version 1"},
      {"qoima-calendar | 1\n", "holds no year"},
      {"qoima-calendar | 1\nyear | 2026 |\nend | 2026\n", "line 2, field 3 (source)"},
      {"qoima-calendar | 1\nyear | 20x6 | t\n", "line 2, field 2 (year)"},
  };
  for (const auto& r : rows) {
    INFO(r.text);
    std::string msg = ParseError(r.text);
    INFO(msg);
    CHECK(msg.rfind("bad.cal: ", 0) == 0);
    CHECK(msg.find(r.expected) != std::string::npos);
  }
}

TEST_CASE("calendar file limits are enforced") {
  std::string big = "qoima-calendar | 1\n" + std::string(CalendarFileLimits::kMaxFileBytes, '#');
  CHECK(ParseCalendarFile(big, "big.cal").status().code() == Code::kLimitExceeded);
  std::string long_line = "qoima-calendar | 1\n#" + std::string(CalendarFileLimits::kMaxLineBytes, 'x') + "\n";
  auto r = ParseCalendarFile(long_line, "long.cal");
  CHECK(r.status().code() == Code::kLimitExceeded);
  CHECK(r.status().message().find("line 2") != std::string::npos);
}

TEST_CASE("calendar files round-trip through the formatter") {
  auto years = ParseCalendarFile(DefaultCalendarText(), kDefaultCalendarName);
  REQUIRE(years.ok());
  auto again = ParseCalendarFile(FormatCalendarFile(*years), "again.cal");
  REQUIRE(again.ok());
  REQUIRE(again->size() == years->size());
  for (size_t i = 0; i < years->size(); ++i) {
    CHECK((*again)[i].source == (*years)[i].source);
    REQUIRE((*again)[i].entries.size() == (*years)[i].entries.size());
    for (size_t j = 0; j < (*years)[i].entries.size(); ++j) {
      CHECK((*again)[i].entries[j].date == (*years)[i].entries[j].date);
      CHECK((*again)[i].entries[j].name == (*years)[i].entries[j].name);
      CHECK((*again)[i].entries[j].source == (*years)[i].entries[j].source);
      CHECK((*again)[i].entries[j].provisional == (*years)[i].entries[j].provisional);
    }
  }
}

TEST_CASE("provisional entries are counted as given and reported as provisional") {
  // The default: 2026 is confirmed (no transfers, Kurban Ait as announced); 2027's Kurban Ait is expected.
  WorkingCalendar def = Default();
  CHECK(def.ProvisionalEntries(2026).empty());
  auto p27 = def.ProvisionalEntries(2027);
  REQUIRE(p27.size() == 1);
  CHECK(p27[0].date.ToString() == "2027-05-16");
  CHECK(p27[0].kind == CalendarEntryKind::kReligious);
  CHECK(p27[0].source.find("expected") != std::string::npos);
  CHECK(def.Describe(D("2027-05-16"))->provisional);
  CHECK_FALSE(def.Describe(D("2026-05-27"))->provisional);

  // A provisional weekday holiday is a day off; the day it is carried to is provisional too.
  WorkingCalendar cal = Build(
      "qoima-calendar | 1\nyear | 2026 | test\n"
      "religious | 2026-06-03 | Feast | expected date | provisional\n"
      "holiday   | 2026-06-06 | Saturday feast | expected date | provisional\n"
      "holiday   | 2026-07-06 | Capital Day\n"
      "end | 2026\n");
  CHECK_FALSE(*cal.IsWorkingDay(D("2026-06-03")));
  CHECK(cal.Describe(D("2026-06-03"))->provisional);
  auto carried = cal.Describe(D("2026-06-08"));  // Monday after the Saturday holiday
  CHECK_FALSE(carried->working);
  CHECK(carried->provisional);
  CHECK_FALSE(cal.Describe(D("2026-07-06"))->provisional);
  // Due dates counted over them: 3 working days after Tue 2 June skip Wed 3 June.
  CHECK(cal.AddWorkingDays(D("2026-06-02"), 3)->ToString() == "2026-06-09");  // 4, 5, 9 (8 carried)
  CHECK(cal.RangeHasProvisional(D("2026-06-02"), D("2026-06-09")));
  CHECK_FALSE(cal.RangeHasProvisional(D("2026-06-09"), D("2026-07-31")));
  CHECK(FormatCalendarFile(
            *ParseCalendarFile("qoima-calendar | 1\nyear | 2026 | t\nreligious | 2026-06-03 | F | src | provisional\n"
                               "end | 2026\n",
                               "t.cal"))
            .find("religious | 2026-06-03 | F | src | provisional") != std::string::npos);
}
