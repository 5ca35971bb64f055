#include <catch2/catch.hpp>

#include "appliance/lifecycle/register_snapshot.h"
#include "appliance/lifecycle/text_fields.h"

using namespace qoima;
using namespace qoima::appliance;
using namespace qoima::appliance::lifecycle;

namespace {

const char* kSnapshot =
    "# exported by hand from the register page\n"
    "qoima-register | 1\n"
    "snapshot | 2026-11-01 | Register of trusted software (829/НҚ), export of 2026-11-01\n"
    "entry | ТБҚ-0001 | «Қазақ Софт» ЖШС | 123456789012 | Құжат айналымы жүйесі 3.1 | 58.29.11; 62.01.11 | goods | "
    "1.2 | - | 17 | 2025-03-14 | included | - | Астана, support@example.kz\n"
    "entry | ТБҚ-0002 | ТОО «Dala» | 210987654321 | Dala Office | 58.29.29 | ICT service | 2.1 | Linux | 44 | "
    "2025-06-01 | excluded | criteria no longer met | Алматы\n"
    "end | 2\n";

CivilDate D(const char* s) { return *CivilDate::Parse(s); }

}  // namespace

TEST_CASE("register snapshot parses, shows its age and looks products up") {
  auto snap = ParseRegisterSnapshot(kSnapshot, "reg.txt");
  INFO(snap.status().ToString());
  REQUIRE(snap.ok());
  REQUIRE(snap->entries.size() == 2);
  CHECK(snap->entries[0].catalogue_codes == std::vector<std::string>{"58.29.11", "62.01.11"});
  CHECK(snap->AgeDays(D("2026-11-26")) == 25);

  // Case-insensitive on Kazakh letters: "ҚҰЖАТ" finds "Құжат".
  auto found = LookUpProduct(*snap, "ҚҰЖАТ", RegisterTrack::kRegister, D("2026-11-26"));
  REQUIRE(found.matches.size() == 1);
  CHECK(found.matches[0]->number == "ТБҚ-0001");
  CHECK_FALSE(found.blocks_acceptance);
  CHECK_FALSE(found.stale);
  CHECK(found.advice.find("25 days old") != std::string::npos);

  auto by_bin = LookUpProduct(*snap, "123456789012", RegisterTrack::kApplication, D("2026-11-26"));
  CHECK(by_bin.matches.size() == 1);

  // Excluded: advisory on the application track, blocking on the register track.
  auto excl_app = LookUpProduct(*snap, "dala office", RegisterTrack::kApplication, D("2026-11-26"));
  REQUIRE(excl_app.matches.size() == 1);
  CHECK_FALSE(excl_app.blocks_acceptance);
  CHECK(excl_app.advice.find("EXCLUDED") != std::string::npos);
  auto excl_reg = LookUpProduct(*snap, "dala office", RegisterTrack::kRegister, D("2026-11-26"));
  CHECK(excl_reg.blocks_acceptance);
  CHECK(excl_reg.advice.find("based on the former 146/НҚ cl.16(1)") != std::string::npos);

  auto none = LookUpProduct(*snap, "no such product", RegisterTrack::kRegister, D("2027-01-15"));
  CHECK(none.matches.empty());
  CHECK(none.blocks_acceptance);
  CHECK(none.stale);  // 75 days old

  auto again = ParseRegisterSnapshot(FormatRegisterSnapshot(*snap), "again.txt");
  REQUIRE(again.ok());
  CHECK(again->entries[1].reason == "criteria no longer met");
  CHECK(again->source == snap->source);
}

TEST_CASE("register snapshot errors name the line and the field") {
  const std::string head = "qoima-register | 1\nsnapshot | 2026-11-01 | src\n";
  const std::string ok_entry =
      "entry | N1 | H | 123456789012 | P | 1 | goods | 1 | - | 5 | 2026-01-01 | included | - | S\n";
  struct Row {
    std::string text;
    const char* expected;
  };
  const Row rows[] = {
      {head + ok_entry, "no 'end | COUNT' line: the file is truncated"},
      {head + ok_entry + "end | 2\n", "promises 2 entries but the file holds 1"},
      {head + ok_entry + ok_entry + "end | 2\n",
       "line 4, field 2 (number): duplicate: entry N1 is already given on line 3"},
      {head + "entry | N1 | H | 12345 | P | 1 | goods | 1 | - | 5 | 2026-01-01 | included | - | S\nend | 1\n",
       "line 3, field 4 (BIN/IIN): '12345' is not a 12-digit BIN/IIN"},
      {head + "entry | N1 | H | 123456789012 | P | 1 | goods | 1 | - | 5 | 2026-02-31 | included | - | S\nend | 1\n",
       "line 3, field 11 (notice date)"},
      {head + "entry | N1 | H | 123456789012 | P | 1 | goods | 1 | - | 5 | 2026-12-01 | included | - | S\nend | 1\n",
       "is after the snapshot date"},
      {head + "entry | N1 | H | 123456789012 | P | 1 | goods | 1 | - | 5 | 2026-01-01 | maybe | - | S\nend | 1\n",
       "line 3, field 12 (status)"},
      {head + "entry | N1 | H | 123456789012 | P\nend | 1\n", "line 3: an entry has 14 fields, this one has 5"},
      {head + "entry | N1 |  | 123456789012 | P | 1 | goods | 1 | - | 5 | 2026-01-01 | included | - | S\nend | 1\n",
       "line 3, field 3 (holder): empty"},
      {"qoima-register | 1\nsnapshot | 2026-13-01 | s\nend | 0\n", "line 2: field 2 (snapshot date)"},
      {"qoima-register | 1\nend | 0\n", "no 'snapshot"},
      {"something else\n", "line 1: expected 'qoima-register | 1'"},
      {head + "end | 0\nentry | x\n", "line 4: text after the 'end' line"},
  };
  for (const auto& r : rows) {
    auto s = ParseRegisterSnapshot(r.text, "reg.txt");
    INFO(r.text);
    REQUIRE_FALSE(s.ok());
    INFO(s.status().message());
    CHECK(s.status().message().rfind("reg.txt: ", 0) == 0);
    CHECK(s.status().message().find(r.expected) != std::string::npos);
  }
  std::string huge = head + "#" + std::string(RegisterSnapshotLimits::kMaxLineBytes, 'x') + "\n";
  CHECK(ParseRegisterSnapshot(huge, "reg.txt").status().code() == Code::kLimitExceeded);
}

TEST_CASE("case folding covers Kazakh and Russian letters") {
  CHECK(FoldCase("ӘҒҚҢӨҰҮҺІ") == "әғқңөұүһі");
  CHECK(FoldCase("ЁЖИК Qoima") == "ёжик qoima");
}
