// The adapters from appliance / lifecycle records to the print structs: pure
// functions over values, no store (the e2e test covers the store queries).
#include "appliance/print/document_adapters.h"

#include <catch2/catch.hpp>

#include "appliance/lifecycle/lifecycle_json.h"

namespace qoima::print {
namespace {

namespace lc = appliance::lifecycle;

const std::string kRoot(64, 'a'), kManifest(64, 'b'), kCpRoot(64, 'c'), kKey(64, 'd'), kFile(64, 'e');

appliance::ActDocument SampleAct() {
  appliance::ActManifest m;
  m.application = "IS-0042";
  m.software_name = "Е-Қойма";
  m.software_version = "1.0";
  m.annotation = "мемлекеттік қызметтер";
  m.depositor = "«Ақпарат» АҚ";
  m.digest = kManifest;
  appliance::ManifestEntry src;
  src.path = "бастапқы код/негізгі.cpp";
  src.size = 3 * 1048576 + 12345;
  src.sha256 = kFile;
  src.modified = appliance::ManifestDate{1764000000, false};
  src.edit_profile().language = "C++";
  src.edit_profile().language_version = "20";
  m.entries.push_back(src);
  appliance::ManifestEntry lib;
  lib.path = "lib/libqz.so";
  lib.sha256 = std::string(64, 'f');  // a sha256sum list: no size
  lib.edit_profile().table = appliance::ActTable::kLibrary;
  lib.edit_profile().language_version = "2.4";
  m.entries.push_back(lib);
  appliance::ActDocument act = appliance::ActFromManifest(m);
  act.date = "2026-11-26";
  act.deposit_root = kRoot;
  act.audit_checkpoint = "size 48 root " + kCpRoot;
  act.device_fingerprint = kKey;
  act.accepting.full_name = "Сейітова Әйгерім Қанатқызы";
  return act;
}

TEST_CASE("an accepted intake's ActDocument becomes Annex 3 with its verification line") {
  auto act = ToAcceptanceAct(SampleAct(), "A-17");
  INFO(act.status().ToString());
  REQUIRE(act.ok());
  CHECK(act->software_name == "Е-Қойма 1.0");
  CHECK(act->transferring_org == "«Ақпарат» АҚ");
  REQUIRE(act->files.size() == 1);
  CHECK(act->files[0].directory == "бастапқы код");
  CHECK(act->files[0].file_name == "негізгі.cpp");
  CHECK(act->files[0].size_bytes == 3 * 1048576 + 12345);
  CHECK(act->files[0].size_known);
  CHECK(act->files[0].modified.size() == 10);  // the form's column is a date
  CHECK(act->files[0].disc_marking == "Е-Қойма 1.0");
  REQUIRE(act->libraries.size() == 1);
  CHECK_FALSE(act->libraries[0].size_known);
  CHECK(act->libraries[0].library_version == "2.4");
  CHECK(act->receiving_signer.person.surname == "Сейітова");
  CHECK(act->receiving_signer.person.patronymic == "Қанатқызы");
  const VerificationLine want{"A-17", kRoot, kManifest, 48, kCpRoot, kKey};
  CHECK(act->verification == want);
}

TEST_CASE("an act without a committed deposit or with a malformed checkpoint is not turned into paper") {
  auto draft = SampleAct();
  draft.audit_checkpoint.clear();
  auto r = ToAcceptanceAct(draft, "A-1");
  CHECK(r.status().code() == Code::kFailedPrecondition);
  auto bad = SampleAct();
  bad.audit_checkpoint = "size 12x root " + kCpRoot;
  CHECK(ToAcceptanceAct(bad, "A-1").status().message().find("size '12x'") != std::string::npos);
  bad.audit_checkpoint = "size 12 root abc";
  CHECK(ToAcceptanceAct(bad, "A-1").status().message().find("root 'abc'") != std::string::npos);
  bad = SampleAct();
  bad.deposit_root = "xyz";
  CHECK(ToAcceptanceAct(bad, "A-1").status().code() == Code::kInvalidArgument);
}

TEST_CASE("a refusal lists its clauses, the clerk's words and every differing file, capped") {
  RefusalRecord rec;
  rec.act_id = "R-5";
  rec.reason_text = "001 cl.16(2) act mismatch; 001 cl.16(3) media. тізім сәйкес емес";
  rec.reasons = ReasonsFromText(rec.reason_text);
  REQUIRE(rec.reasons.size() == 2);
  CHECK(rec.reasons[0] == appliance::RefusalReason::kActMismatch);
  CHECK(rec.reasons[1] == appliance::RefusalReason::kMediaMalfunction);
  nlohmann::json items = nlohmann::json::array();
  for (size_t i = 0; i < kMaxRefusalEvidenceRows + 5; ++i)
    items.push_back({{"kind", "missing"}, {"path", "f" + std::to_string(i)}, {"detail", "not on the medium"}});
  rec.evidence = {{"manifest_sha256", kManifest},
                  {"media",
                   {{{"disc", "D1"},
                     {"copy", "original"},
                     {"device", "/dev/loop0"},
                     {"summary", "2 missing"},
                     {"medium_problems", {"sector 17 unreadable"}},
                     {"items", items}}}}};
  Refusal r = ToRefusal(rec);
  CHECK(r.reasons.size() == 2);
  CHECK(r.reason_text == rec.reason_text);
  REQUIRE(r.evidence.size() == kMaxRefusalEvidenceRows + 1);
  CHECK(r.evidence[0].detail == kManifest);
  CHECK(r.evidence[2].detail == "sector 17 unreadable");
  CHECK(r.evidence[3].item == "f0");
  CHECK(r.evidence[3].detail == "missing: not on the medium");
  CHECK(r.evidence.back().detail.find("8 more") == 0);
}

TEST_CASE("the findings of every medium in the evidence become the printed section, capped and counted") {
  nlohmann::json first = {{"disc", "D1"}, {"copy", "original"}, {"device", "/dev/loop0"}};
  nlohmann::json list = nlohmann::json::array();
  list.push_back({{"class", "unsafe_name"}, {"kind", "traversal"}, {"path", "evil.zip -> ../../x"}, {"reason", "r"}});
  list.push_back({{"class", "archive_listing_stopped"},
                  {"path", "deep.zip"},
                  {"reason", "nested"},
                  {"limit", "archive_depth"},
                  {"limit_value", 6}});
  list.push_back({{"class", "limit_exceeded"}, {"path", "x"}, {"reason", "fatal classes are never findings"}});
  for (int i = 0; i < 997; ++i) list.push_back({{"class", "encrypted_entry"}, {"path", "e" + std::to_string(i)}});
  first["findings"] = list;
  first["findings_unlisted"] = 40;
  first["finding_counts"] = {{"unsafe_name", 1}, {"archive_listing_stopped", 1}, {"encrypted_entry", 1037}};
  // Evidence recorded before findings: flagged names only.
  nlohmann::json second = {{"disc", "D2"}, {"copy", "copy 1"}, {"name_flags", {{{"path", "a\u202eb"}}}}};
  const Findings f = FindingsFromEvidence({{"media", {first, second}}});
  REQUIRE(f.rows.size() == kMaxPrintedFindings);
  CHECK(f.rows[0].medium == "D1 (original)");
  CHECK(f.rows[0].cls == "unsafe_name");
  CHECK(f.rows[0].kind == "traversal");
  CHECK(f.rows[0].path == "evil.zip -> ../../x");
  CHECK(f.rows[1].limit == "archive_depth");
  CHECK(f.rows[1].limit_value == 6);
  CHECK(f.rows[2].cls == "encrypted_entry");  // the fatal class is left out
  // 1 + 1 + 1037 on D1 and 1 on D2, 1000 printed.
  CHECK(f.unlisted == 1 + 1 + 1037 + 1 - kMaxPrintedFindings);
  CHECK(FindingsFromEvidence(nlohmann::json::object()).rows.empty());
}

TEST_CASE("the destruction act stored by lifecycle parses back and lists every destroyed file") {
  lc::DestructionActData a;
  a.act_number = "DESTR-2026-3";
  a.act_date = *lc::CivilDate::Parse("2026-11-18");
  a.object.name = "Е-лицензиялау";
  a.object.portal_code = "ARCH-0042";
  a.notice_reference = "arch-1";
  a.notice_received_on = *lc::CivilDate::Parse("2026-11-04");
  a.due_on = *lc::CivilDate::Parse("2026-11-18");
  a.requested_by = "so1";
  a.approved_by = "so2";
  a.performed_by = "so1";
  a.versions.push_back({1, "1.0", "permanent", 2, 30, kRoot, kManifest, {{"bin/a", 10, kFile}, {"lib/b", 20, kKey}}});
  a.checkpoint_tree_size = 77;
  a.checkpoint_root_hex = kCpRoot;
  a.checkpoint_key_fingerprint = kKey;
  auto back = DestructionActFromJson(lc::ToJson(a).dump());
  INFO(back.status().ToString());
  REQUIRE(back.ok());
  CHECK(back->checkpoint_tree_size == 77);
  CHECK(back->versions.at(0).files.size() == 2);
  DestructionAct d = ToDestructionAct(*back, {"DESTR-2026-3", kRoot, kManifest, 77, kCpRoot, kKey});
  REQUIRE(d.rows.size() == 2);
  CHECK(d.rows[0].name == "v1 1.0: bin/a");
  CHECK(d.rows[1].sha256 == kKey);
  CHECK(d.basis == "arch-1 (2026-11-04)");
  CHECK(d.commission.size() == 3);

  CHECK(DestructionActFromJson("{").status().code() == Code::kCorrupt);
  auto no_versions = lc::ToJson(a);
  no_versions.erase("versions");
  CHECK(DestructionActFromJson(no_versions.dump()).status().message().find("versions") != std::string::npos);
  auto bad_date = lc::ToJson(a);
  bad_date["act_date"] = "18.11.2026";
  CHECK(DestructionActFromJson(bad_date.dump()).status().message().find("act_date") != std::string::npos);
}

TEST_CASE("the half-year report has one row per event of every section, notices map to their form") {
  lc::HalfYearReport r;
  r.year = 2026;
  r.half = 1;
  r.applications = {{"2026-01-05", "Е-Қойма", "application 15/2026"}};
  r.acceptances = {{"2026-02-01", "Е-Қойма", "A-1"}};
  r.refusals = {{"2026-03-01", "Е-Қойма", "001 cl.16(2)"}};
  lc::DueItem late;
  late.due_on = *lc::CivilDate::Parse("2026-06-10");
  late.working_days_left = -3;
  late.what = "return to owner";
  late.clause = "003 cl.30";
  late.ref = "case:4";
  r.overdue = {late};
  HalfYearReport h = ToHalfYearReport(r, "оператор", {"HY-2026-H1", kRoot, kRoot, 5, kCpRoot, kKey});
  REQUIRE(h.rows.size() == 4);
  CHECK(h.rows[0].event == "applications");
  CHECK(h.rows[1].event == "accepted");
  CHECK(h.rows[1].detail == "A-1");
  CHECK(h.rows[2].event == "refused");
  CHECK(h.rows[3].event == "overdue");
  CHECK(h.rows[3].detail == "003 cl.30, 3 working days");

  lc::NoticeInfo n;
  n.id = 7;
  n.kind = "return";
  n.event = "hand back";
  n.addressee = "уәкілетті орган";
  n.case_id = 2;
  nlohmann::json body = {{"object", {{"name", "Е-Қойма"}, {"portal_code", "IS-0042"}}}, {"reference", "вх-2"}};
  auto notice = ToNotice(n, body, "2026-11-03", {"N-7", kRoot, kRoot, 5, kCpRoot, kKey});
  REQUIRE(notice.ok());
  CHECK(notice->kind == Notice::Kind::kReturned);
  CHECK(notice->number == "N-7");
  CHECK(notice->software_name == "Е-Қойма");
  CHECK(notice->details.find("reference: вх-2") != std::string::npos);
  n.kind = "half_year_report";
  CHECK(ToNotice(n, nullptr, "", {})->kind == Notice::Kind::kHalfYearReport);
  n.kind = "gossip";
  CHECK(ToNotice(n, nullptr, "", {}).status().code() == Code::kUnsupported);
}

TEST_CASE("the return act reverses Annex 3 and puts libraries in table 2") {
  ReturnRecord rec;
  rec.act_id = "RET-3";
  rec.owner = "Министрлік";
  rec.software_name = "Е-Қойма";
  rec.reason = "вх-2 (2026-11-03)";
  rec.versions.push_back({1,
                          "1.0",
                          {{"bin/server", 100, kFile, "2026-01-01", "executables"},
                           {"lib/libqz.so", 50, kKey, "", "libraries"},
                           {"README", 5, kRoot, "", "technical_documentation"}}});
  ReturnAct r = ToReturnAct(rec);
  CHECK(r.reason == rec.reason);
  CHECK(r.act.receiving_org == "Министрлік");
  REQUIRE(r.act.files.size() == 2);
  CHECK(r.act.files[0].directory == "bin");
  CHECK(r.act.files[0].file_name == "server");
  CHECK(r.act.files[1].directory.empty());
  REQUIRE(r.act.libraries.size() == 1);
  CHECK(r.act.libraries[0].name == "libqz.so");
  CHECK(r.act.files[0].disc_marking == "Е-Қойма v1 (1.0)");
}

TEST_CASE("the return act stored by the lifecycle hand-over parses into the return record") {
  // The shape of lifecycle_json.cpp ToJson(ReturnActData) (docs/lifecycle.md).
  nlohmann::json j = {{"act_kind", "return"},
                      {"act_number", "RET-2"},
                      {"act_date", "2026-11-06"},
                      {"object", {{"id", 1}, {"name", "Е-Қойма"}, {"portal_code", "IS-0042"}}},
                      {"notice_reference", "вх-2"},
                      {"notice_received_on", "2026-11-03"},
                      {"versions",
                       {{{"version", 1},
                         {"label", "1.0"},
                         {"store_manifest_sha256", kManifest},
                         {"files",
                          {{{"path", "bin/server"}, {"size", 100}, {"sha256", kFile}, {"category", "executables"}},
                           {{"path", "lib/libqz.so"}, {"size", 50}, {"sha256", kKey}, {"category", "libraries"}}}}}}},
                      {"audit_checkpoint", {{"tree_size", 90}, {"root", kCpRoot}, {"key_fingerprint", kKey}}}};
  auto stored = ReturnActFromJson(j.dump());
  INFO(stored.status().ToString());
  REQUIRE(stored.ok());
  CHECK(stored->record.act_id == "RET-2");
  CHECK(stored->record.reason == "вх-2 (2026-11-03)");
  CHECK(stored->checkpoint_size == 90);
  CHECK(stored->last_manifest == kManifest);
  ReturnAct r = ToReturnAct(stored->record);
  CHECK(r.act.files.size() == 1);
  CHECK(r.act.libraries.size() == 1);
  auto no_cp = j;
  no_cp.erase("audit_checkpoint");
  CHECK(ReturnActFromJson(no_cp.dump()).status().message().find("audit_checkpoint") != std::string::npos);
  auto bad_date = j;
  bad_date["act_date"] = "06.11.2026";
  CHECK(ReturnActFromJson(bad_date.dump()).status().code() == Code::kCorrupt);
}

TEST_CASE("names split as forms print them, Annex 1 keeps the template's funding keys") {
  PersonName p = SplitFullName("  Сейітова   Әйгерім Қанатқызы ");
  CHECK(p.surname == "Сейітова");
  CHECK(p.name == "Әйгерім");
  CHECK(p.patronymic == "Қанатқызы");
  CHECK(SplitFullName("").surname.empty());
  appliance::Application a;
  a.portal_code = "IS-1";
  a.funding = {appliance::FundingSource::kRepublicanBudget, appliance::FundingSource::kOtherEntitiesFunds};
  a.items = {{"CD-1", "SN1", 1.5, 3, false}};
  a.year = 2025;
  ApplicationForm f = ToApplicationForm(a);
  CHECK(f.funding_sources == std::vector<std::string>{"republican_budget", "other_entities"});
  CHECK(f.items.at(0).paper_sheets == "3");
  CHECK_FALSE(f.items.at(0).original);
  CHECK(f.release_year == "2025");
  std::vector<appliance::JournalEntry> entries = {
      {1, "15/2026", "2026-01-05", "Министрлік", "Ахметов Ғалым", "Сейітова Әйгерім", 2, "IS-1", 0}};
  JournalPage page = ToJournalPage(entries);
  CHECK(page.rows.at(0).received_by.name == "Әйгерім");
}

}  // namespace
}  // namespace qoima::print
