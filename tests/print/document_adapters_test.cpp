// The adapters from appliance / lifecycle records to the print structs: pure
// functions over values, no store (the e2e test covers the store queries).
#include "appliance/print/document_adapters.h"
#include "appliance/print/document_renderer.h"

#include <catch2/catch.hpp>

#include "appliance/intake_repository.h"
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
  src.edit_profile().category = "source_code";
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
  // The act's date or instant as written: printed on its local (UTC+5) date, dd.mm.yyyy.
  CHECK(PrintedDate(act->files[0].modified).size() == 10);
  CHECK(act->files[0].category == "source_code");
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

TEST_CASE("a refusal lists its reasons, only the clerk's words and every differing file in words, capped") {
  RefusalRecord rec;
  rec.act_id = "R-5";
  // As the intake records it: each reason's key and wording, then the clerk's words.
  rec.reason_text = appliance::RefusalReasonsText(
      {appliance::RefusalReason::kActMismatch, appliance::RefusalReason::kMediaMalfunction}, "тізім сәйкес емес");
  CHECK(rec.reason_text.rfind("practice:refusal-2 ", 0) == 0);
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
                     {"counts", {{"matched", 3}, {"missing", 2005}}},
                     {"medium_problems", {"sector 17 unreadable"}},
                     {"items", items}}}}};
  OperatorInfo op;
  op.name_kk = "«Мемлекеттік техникалық қызмет» АҚ";
  op.clerk_position = "бас маман";
  rec.decided_by = "Сейітова Әйгерім";
  Refusal r = ToRefusal(rec, op);
  CHECK(r.reasons.size() == 2);
  CHECK(r.reason_text == "тізім сәйкес емес");  // the clauses and English wording are not printed
  REQUIRE(r.evidence.size() == kMaxRefusalEvidenceRows + 1);
  CHECK(r.evidence[0].key == "refusal.manifest");
  CHECK(r.evidence[0].detail == kManifest);
  CHECK(r.evidence[1].key == "refusal.medium_counts");
  CHECK(r.evidence[1].values.at(1) == std::pair<std::string, std::string>{"missing", "2005"});
  CHECK(r.evidence[2].key == "refusal.kind.unreadable");
  CHECK(r.evidence[2].detail.empty());  // the reader's English message stays in the evidence
  CHECK(r.evidence[3].item == "f0");
  CHECK(r.evidence[3].key == "refusal.kind.missing");
  CHECK(r.evidence.back().key == "refusal.more");
  CHECK(r.evidence.back().values.at(0).second == "8");
  CHECK(r.operator_signer.position == "бас маман");
  CHECK(r.operator_signer.organization == op.name_kk);
  CHECK(r.operator_signer.person.surname == "Сейітова");
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
  a.act_date = *appliance::CivilDate::Parse("2026-11-18");
  a.object.name = "Е-лицензиялау";
  a.object.portal_code = "ARCH-0042";
  a.notice_reference = "arch-1";
  a.notice_received_on = *appliance::CivilDate::Parse("2026-11-04");
  a.due_on = *appliance::CivilDate::Parse("2026-11-18");
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
  CHECK(back->return_act.empty());
  DestructionParties parties;
  parties.owner = "Министрлік";
  parties.full_names = {{"so1", "Әлиев Ерлан"}, {"so2", "Сейітова Әйгерім Қанатқызы"}};
  parties.op.officer_position = "ақпараттық қауіпсіздік жөніндегі бас маман";
  parties.return_act = "RET-2";
  DestructionAct d = ToDestructionAct(*back, {"DESTR-2026-3", kRoot, kManifest, 77, kCpRoot, kKey}, parties);
  REQUIRE(d.rows.size() == 2);
  CHECK(d.rows[0].name == "v1 1.0: bin/a");
  CHECK(d.rows[1].sha256 == kKey);
  CHECK(d.basis == "arch-1 (04.11.2026)");
  CHECK(d.owner == "Министрлік");
  CHECK(d.return_act == "RET-2");
  // so1 asked and performed: two signers by full name and position, never by login.
  REQUIRE(d.commission.size() == 2);
  CHECK(d.commission[0].role == "requested_performed");
  CHECK(d.commission[0].block.person.Full() == "Әлиев Ерлан");
  CHECK(d.commission[1].role == "approved");
  CHECK(d.commission[1].block.person.patronymic == "Қанатқызы");
  CHECK(d.commission[1].block.position == parties.op.officer_position);
  // The return act recorded in the data wins over the look-up.
  a.return_act = "RET-9";
  auto with_return = DestructionActFromJson(lc::ToJson(a).dump());
  REQUIRE(with_return.ok());
  CHECK(ToDestructionAct(*with_return, {}, parties).return_act == "RET-9");

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
  auto line = [](std::string date, std::string object) {
    lc::ReportLine l;
    l.date = std::move(date);
    l.object = std::move(object);
    return l;
  };
  r.applications = {line("2026-01-05", "Е-Қойма")};
  r.acceptances = {line("2026-02-01", "Е-Қойма")};
  r.acceptances[0].act = "A-1";
  r.acceptances[0].number = "15/2026";
  r.refusals = {line("2026-03-01", "Е-Қойма")};
  r.refusals[0].refusal_reason = 2;
  r.open_requests = {line("2026-06-20", "Е-Қойма")};
  r.open_requests[0].case_kind = "return";
  r.open_requests[0].reference = "вх-2";
  lc::DueItem late;
  late.due_on = *appliance::CivilDate::Parse("2026-06-10");
  late.working_days_left = -3;
  late.what = "return to owner";
  late.clause = "003 cl.30";
  late.ref = "case:4";
  r.overdue = {late};
  HalfYearReport h = ToHalfYearReport(r, OperatorInfo{}, {"HY-2026-H1", kRoot, kRoot, 5, kCpRoot, kKey});
  REQUIRE(h.rows.size() == 5);
  CHECK(h.rows[0].event == "applications");
  CHECK(h.rows[1].event == "accepted");
  CHECK(h.rows[1].act_id == "A-1");
  CHECK(h.rows[2].event == "refused");
  CHECK(h.rows[2].detail_key == "report.detail.refusal2");
  // A request not completed is its own section, never "returned".
  CHECK(h.rows[3].event == "open");
  CHECK(h.rows[3].detail_key == "report.detail.open");
  CHECK(h.rows[4].event == "overdue");
  CHECK(h.rows[4].detail_values.at(1).second == "3");
  CHECK(h.totals.at(6) == std::pair<std::string, size_t>{"open", 1});
  CHECK(h.totals.at(4) == std::pair<std::string, size_t>{"returns", 0});

  lc::NoticeInfo n;
  n.id = 7;
  n.kind = "return";
  n.event = "hand back";
  n.addressee = "уәкілетті орган";
  n.case_id = 2;
  nlohmann::json body = {{"object", {{"name", "Е-Қойма"}, {"portal_code", "IS-0042"}}}, {"reference", "вх-2"}};
  NoticeFacts open;
  open.date = "2026-11-03";
  open.completed = false;
  open.act = "RET-2";
  auto notice = ToNotice(n, body, open, {"N-7", kRoot, kRoot, 5, kCpRoot, kKey});
  REQUIRE(notice.ok());
  CHECK(notice->kind == Notice::Kind::kReturned);
  CHECK(notice->number == "N-7");
  CHECK(notice->software_name == "Е-Қойма (IS-0042)");
  CHECK(notice->reference == "вх-2");
  // The return is open: a draft that cites no act.
  CHECK(notice->draft);
  CHECK(notice->act_id.empty());
  NoticeFacts done = open;
  done.completed = true;
  auto sent = ToNotice(n, body, done, {});
  REQUIRE(sent.ok());
  CHECK_FALSE(sent->draft);
  CHECK(sent->act_id == "RET-2");
  n.addressee = std::string(lc::kLegacyAuthorizedBodyLabel);
  CHECK(ToNotice(n, body, done, {})->addressee == "authorized_body");
  n.kind = "half_year_report";
  n.event = "half-year report 2026/1";
  auto report = ToNotice(n, nullptr, NoticeFacts{}, {});
  REQUIRE(report.ok());
  CHECK(report->kind == Notice::Kind::kHalfYearReport);
  CHECK(report->report_year == 2026);
  CHECK(report->report_half == 1);
  n.kind = "gossip";
  CHECK(ToNotice(n, nullptr, NoticeFacts{}, {}).status().code() == Code::kUnsupported);
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
  OperatorInfo op;
  op.name_kk = "«Мемлекеттік техникалық қызмет» АҚ";
  op.name_ru = "АО «Государственная техническая служба»";
  op.officer_position = "бас маман";
  rec.performed_by = "Әлиев Ерлан";
  ReturnAct r = ToReturnAct(rec, op);
  CHECK(r.reason == rec.reason);
  CHECK(r.act.receiving_org == "Министрлік");
  CHECK(r.act.transferring_org == op.BilingualName());
  CHECK(r.act.transferring_signer.person.surname == "Әлиев");
  CHECK(r.act.transferring_signer.position == "бас маман");
  CHECK(r.act.files[0].category == "executables");
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
  CHECK(stored->record.reason == "вх-2 (03.11.2026)");
  CHECK(stored->checkpoint_size == 90);
  CHECK(stored->last_manifest == kManifest);
  ReturnAct r = ToReturnAct(stored->record, OperatorInfo{});
  CHECK(r.act.files.size() == 1);
  CHECK(r.act.libraries.size() == 1);
  auto no_cp = j;
  no_cp.erase("audit_checkpoint");
  CHECK(ReturnActFromJson(no_cp.dump()).status().message().find("audit_checkpoint") != std::string::npos);
  auto bad_date = j;
  bad_date["act_date"] = "06.11.2026";
  CHECK(ReturnActFromJson(bad_date.dump()).status().code() == Code::kCorrupt);
}

TEST_CASE("dates print as dd.mm.yyyy and an instant on its date in UTC+5") {
  CHECK(PrintedDate("2026-12-07") == "07.12.2026");
  CHECK(PrintedDate("2026-12-07T18:59:59Z") == "07.12.2026");
  CHECK(PrintedDate("2026-12-07T19:00:00Z") == "08.12.2026");  // midnight in Astana
  CHECK(PrintedDate("2026-12-31T20:00:00Z") == "01.01.2027");
  CHECK(PrintedDate("") == "");
  CHECK(PrintedDate("вх-2") == "вх-2");
  CHECK(PrintedDate("2026-12-07 later") == "2026-12-07 later");
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
