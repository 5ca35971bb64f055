#include <catch2/catch.hpp>

#include "appliance/application.h"
#include "appliance/intake_assessment.h"
#include "appliance/item_category.h"

using namespace qoima;
using namespace qoima::appliance;

namespace {
constexpr int64_t kNow = 1767225600;  // 2026-01-01

Application Valid() {
  Application a;
  a.portal_code = "IS-0042";
  a.applicant = "«Ақпарат» АҚ";
  a.software_name = "Е-Қойма";
  a.items = {{"CD-1", "SN123", 700, 0, true}};
  a.owner.full_name = "Цифрлық даму министрлігі";
  a.owner.email = "info@example.kz";
  a.owner.postcode = "010000";
  a.created_at = kNow;
  return a;
}

bool Has(const Status& s, const std::string& needle) {
  UNSCOPED_INFO(s.ToString());
  return s.message().find(needle) != std::string::npos;
}
}  // namespace

TEST_CASE("applications: required Annex 1 fields and the portal code key") {
  CHECK(ValidateApplication(Valid()).ok());
  Application a = Valid();
  a.portal_code = "IS 42";
  CHECK(Has(ValidateApplication(a), "portal code"));
  a = Valid();
  a.owner.email = "not-an-address";
  CHECK(Has(ValidateApplication(a), "owner.email"));
  a = Valid();
  a.owner.postcode = "12";
  CHECK(Has(ValidateApplication(a), "owner.postcode"));
  a = Valid();
  a.items.clear();
  CHECK(Has(ValidateApplication(a), "items"));
  a = Valid();
  a.release_date = "2030-01-01";
  CHECK(Has(ValidateApplication(a), "release_date: 2030-01-01 is in the future"));
  a = Valid();
  a.track = Track::kRegister;
  CHECK(Has(ValidateApplication(a), "register_entry"));
  a.register_entry = "notice 17 of 2025-05-01";
  CHECK(ValidateApplication(a).ok());
  CHECK(ParseFundingSource("grants") == FundingSource::kGrants);
}

TEST_CASE("the journal is append-only and numbered") {
  JournalEntry e{1, "15/2025", "2025-12-30", "Министрлік", "Ахметов А.", "Сейітова Ә.", 3, "IS-0042", kNow};
  CHECK(ValidateJournalAppend(0, e, kNow).ok());
  CHECK(Has(ValidateJournalAppend(1, e, kNow), "must be number 2"));
  e.number = 3;
  CHECK(ValidateJournalAppend(1, e, kNow).code() == Code::kFailedPrecondition);
  e.number = 2;
  e.received_date = "2026-02-01";
  CHECK(Has(ValidateJournalAppend(1, e, kNow), "in the future"));
}

TEST_CASE("item categories are data from the clauses") {
  CHECK(ItemCategories().size() == 10);
  REQUIRE(FindItemCategory("executables"));
  CHECK(FindItemCategory("executables")->source.find("003 cl.10(6)") != std::string_view::npos);
  CHECK_FALSE(FindItemCategory("secret"));
  CHECK(GuessItemCategory("bin/setup.EXE") == "executables");
  CHECK(GuessItemCategory("db/schema.sql") == "database_structure");
  CHECK(GuessItemCategory("src/main.c") == "source_code");
}

namespace {
MediumCheck Clean(const std::string& disc, const std::string& copy) {
  MediumCheck m{disc, copy, "/dev/loop0", "", {}};
  m.diff.counts[static_cast<size_t>(DiffKind::kMatched)] = 3;
  return m;
}
}  // namespace

TEST_CASE("assessment: clean media on the application track may be accepted once the NDA is signed") {
  IntakeFacts f;
  f.act_discs = {"D1"};
  f.media = {Clean("D1", "original"), Clean("D1", "copy 1")};
  // Without the NDA the acceptance is blocked (no refusal ground), in the three languages.
  Assessment without = AssessIntake(f);
  CHECK(without.grounds.empty());
  REQUIRE(without.blockers.size() == 1);
  CHECK(without.blockers[0] == NdaMissingBlocker());
  Status blocked = CheckAccept(without);
  CHECK(blocked.code() == Code::kFailedPrecondition);
  for (const char* word : {"құпиялылық", "бұрынғы 4-қосымша", "неразглашении", "бывшего приложения 4",
                           "non-disclosure agreement", "former Annex 4"})
    CHECK(Has(blocked, word));
  CHECK_FALSE(Has(blocked, "146/НҚ"));
  f.nda_signed_by_both = true;
  Assessment a = AssessIntake(f);
  CHECK(a.Acceptable());
  CHECK(CheckAccept(a).ok());
  CHECK(CheckRefuse(a, {RefusalReason::kActMismatch}).code() == Code::kFailedPrecondition);
  CHECK(CheckRefuse(a, {}).code() == Code::kInvalidArgument);
}

TEST_CASE("assessment: each clause 16 reason comes from its evidence") {
  IntakeFacts f;
  f.nda_signed_by_both = true;
  f.act_discs = {"D1", "D2"};
  MediumCheck bad = Clean("D1", "original");
  bad.diff.counts[static_cast<size_t>(DiffKind::kMissing)] = 1;
  MediumCheck broken = Clean("D1", "copy 1");
  broken.diff.medium_problems.push_back("reader timed out");
  f.media = {bad, broken};
  Assessment a = AssessIntake(f);
  CHECK(CheckRefuse(a, {RefusalReason::kActMismatch, RefusalReason::kMediaMalfunction}).ok());
  CHECK(CheckRefuse(a, {RefusalReason::kNotInRegister}).code() == Code::kFailedPrecondition);
  Status acc = CheckAccept(a);
  CHECK(Has(acc, "operator's practice, based on the former 146/НҚ cl.16(2)"));
  CHECK_FALSE(Has(acc, "001 cl.16"));
  CHECK(Has(acc, "disc 'D2' of the act has not been read"));

  IntakeFacts reg;
  reg.track = Track::kRegister;
  reg.act_discs = {"D1"};
  reg.media = {Clean("D1", "original")};
  reg.in_register = false;
  Assessment r = AssessIntake(reg);
  CHECK(CheckRefuse(r, {RefusalReason::kNotInRegister}).ok());
  reg.in_register = true;
  Assessment nda = AssessIntake(reg);
  CHECK(Has(CheckAccept(nda), "non-disclosure agreement"));
  CHECK(nda.grounds.empty());
  reg.nda_signed_by_both = true;
  CHECK(CheckAccept(AssessIntake(reg)).ok());
}

TEST_CASE("a medium swapped for another disc is an act mismatch") {
  IntakeFacts f;
  f.nda_signed_by_both = true;
  f.act_discs = {"D1"};
  MediumCheck m = Clean("D1", "copy 1");
  m.diff.looks_like_disc = "D2";
  f.media = {m};
  Assessment a = AssessIntake(f);
  REQUIRE(a.grounds.size() == 1);
  CHECK(a.grounds[0].reason == RefusalReason::kActMismatch);
  CHECK(Has(CheckAccept(a), "looks like disc 'D2'"));
}
