// Appliance: printing and paper verification (appliance_print.h). Every
// document is rebuilt from the store's records at print time; the
// verification line's values are the ones `VerifyAct` recomputes.
#include <cstdlib>
#include <functional>
#include <nlohmann/json.hpp>

#include "appliance/appliance.h"
#include "appliance/civil_time.h"
#include "appliance/intake_repository.h"
#include "appliance/lifecycle/calendar_store.h"
#include "appliance/lifecycle/lifecycle_json.h"
#include "appliance/lifecycle/lifecycle_report.h"
#include "appliance/lifecycle/lifecycle_service.h"
#include "appliance/manifest_parser.h"
#include "appliance/manifest_record.h"
#include "appliance/operator_details.h"
#include "appliance/print/document_adapters.h"
#include "appliance/print/document_renderer.h"
#include "appliance/print/test_page.h"
#include "appliance/sha256_digest.h"
#include "crypto/hash.h"
#include "hardware/printer.h"

namespace qoima::appliance {
namespace {

using nlohmann::json;
using storage::Database;
using storage::Statement;
namespace lc = lifecycle;

constexpr std::string_view kPrinterQueueKey = "printer.queue";
constexpr std::string_view kPrinterServerKey = "printer.server";
constexpr std::string_view kPrinterCopiesKey = "printer.copies";
/// Longest queue / server name accepted in the settings.
constexpr size_t kMaxPrinterSettingBytes = 256;
/// Longest document id accepted from a caller.
constexpr size_t kMaxDocumentIdBytes = 128;

/// The CUPS client for the act printer as set up (printing and its test page).
hardware::CupsConfig CupsConfigOf(const PrinterSettings& settings) {
  return hardware::CupsConfig{settings.queue, settings.server, std::chrono::minutes(3), std::chrono::milliseconds(200)};
}

std::string DocObject(const DocumentRef& ref) { return std::string(DocumentKindName(ref.kind)) + ":" + ref.id; }

std::string Hex(const std::vector<uint8_t>& b) { return crypto::Hex(std::span<const uint8_t>(b.data(), b.size())); }

/// Parses a decimal id ("17"), optionally after `prefix` ("A-17").
std::optional<int64_t> NumericId(std::string_view id, std::string_view prefix) {
  if (!prefix.empty() && id.substr(0, prefix.size()) == prefix) id.remove_prefix(prefix.size());
  if (id.empty() || id.size() > 18 || id.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  return std::stoll(std::string(id));
}

std::string SafeStem(std::string s) {
  for (char& c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) c = '_';
  return s;
}

/// Everything the builders read; borrowed from the Appliance for one call.
struct PrintContext {
  storage::Store& store;
  std::string fingerprint;
  int64_t now_unix = 0;
  bool record = true;      // may a missing acts row / checkpoint be recorded (printing) or not (verifying)
  print::OperatorInfo op;  // the operator's details as an admin set them
  Database& db() { return store.db(); }
};

/// The newest signed checkpoint, signing one when the log has none.
Result<storage::AuditCheckpoint> LatestCheckpoint(PrintContext& ctx) {
  QOIMA_ASSIGN_OR_RETURN(auto cp, ctx.store.audit().LatestCheckpoint());
  if (cp) return *cp;
  return ctx.store.SignCheckpoint();
}

/// A document the builders produced: renderable struct + its verification line.
struct Built {
  std::string title;
  std::string stem;
  std::optional<print::VerificationLine> verification;
  /// True when the line's checkpoint is fixed by the records (acts); false
  /// when the newest checkpoint at print time is printed (reports, notices,
  /// a return act before its hand-over), so any real checkpoint verifies.
  bool fixed_checkpoint = true;
  std::function<Result<std::string>(const print::DocumentRenderer&)> render;
};

template <typename Doc>
std::function<Result<std::string>(const print::DocumentRenderer&)> Renders(Doc doc) {
  return [d = std::move(doc)](const print::DocumentRenderer& r) { return r.Render(d); };
}

std::string FullName(Database& db, int64_t user_id) {
  auto st =
      db.Prepare("SELECT surname || ' ' || given_name || coalesce(' ' || patronymic, '') FROM users WHERE id = ?");
  if (!st.ok()) return "";
  st->Bind(1, user_id);
  auto row = st->Step();
  return row.ok() && *row ? st->ColumnText(0) : "";
}

/// "Surname Name Patronymic" and the position recorded for a login ("" when unknown).
std::pair<std::string, std::string> PersonByLogin(Database& db, const std::string& login) {
  auto st = db.Prepare(
      "SELECT surname || ' ' || given_name || coalesce(' ' || patronymic, ''), "
      "coalesce(position, '') FROM users WHERE login = ?");
  if (!st.ok()) return {};
  st->Bind(1, login);
  auto row = st->Step();
  if (!row.ok() || !*row) return {};
  return {st->ColumnText(0), st->ColumnText(1)};
}
std::string FullNameByLogin(Database& db, const std::string& login) { return PersonByLogin(db, login).first; }

/// The owner organization of an object: the applicant of its latest application.
std::string ObjectOwner(Database& db, int64_t object_id) {
  auto st = db.Prepare("SELECT applicant FROM applications WHERE object_id = ? ORDER BY id DESC LIMIT 1");
  if (!st.ok()) return "";
  st->Bind(1, object_id);
  auto row = st->Step();
  return row.ok() && *row ? st->ColumnText(0) : "";
}

/// The acts row of a printed document other than the acceptance act: the
/// values printed the first time (checkpoint, root, manifest digest in
/// manifest_json) are kept, so every reprint carries the same line and
/// `act verify` checks a paper against what was printed.
/// Creates the row when printing; NotFound when only verifying and never printed.
Result<print::VerificationLine> RecordedLine(PrintContext& ctx, std::string_view kind, const std::string& number,
                                             std::optional<int64_t> application_id, std::optional<int64_t> deposit_id,
                                             const std::string& root, const std::string& manifest) {
  QOIMA_ASSIGN_OR_RETURN(Statement sel, ctx.db().Prepare("SELECT checkpoint_size, checkpoint_root, "
                                                         "coalesce(manifest_json, '') FROM acts WHERE number = ?"));
  sel.Bind(1, number);
  QOIMA_ASSIGN_OR_RETURN(bool row, sel.Step());
  if (row && !sel.ColumnIsNull(0)) {
    json stored = json::parse(sel.ColumnText(2), nullptr, false);
    if (!stored.is_object() || !stored.contains("verification") || !stored["verification"].is_string())
      return Status::Corrupt("acts row " + number + " holds no printed verification line");
    auto line = print::ParseVerificationPayload(stored["verification"].get<std::string>());
    if (!line.ok()) return Status::Corrupt("acts row " + number + ": " + line.status().message());
    return line;
  }
  sel.Reset();
  if (!ctx.record) return Status::NotFound("document " + number + " was never printed on this appliance");
  QOIMA_ASSIGN_OR_RETURN(storage::AuditCheckpoint cp, LatestCheckpoint(ctx));
  print::VerificationLine line{number, root, manifest, cp.tree_size, crypto::Hex(cp.root), ctx.fingerprint};
  QOIMA_RETURN_IF_ERROR(print::ValidateVerificationLine(line).WithContext(number));
  QOIMA_ASSIGN_OR_RETURN(Statement ins,
                         ctx.db().Prepare("INSERT INTO acts(kind, number, application_id, deposit_id, act_date, "
                                          "template_id, manifest_json, checkpoint_size, checkpoint_root, created_at) "
                                          "VALUES (?,?,?,?,?,?,?,?,?,?)"));
  ins.Bind(1, kind).Bind(2, number).BindOptional(3, application_id).BindOptional(4, deposit_id);
  ins.Bind(5, LocalDateOf(ctx.now_unix).ToString()).Bind(6, print::TemplateSet::kDefaultId);
  ins.Bind(7, json{{"verification", print::EncodeVerificationPayload(line)}}.dump());
  ins.Bind(8, static_cast<int64_t>(cp.tree_size)).BindBlob(9, cp.root).Bind(10, FormatUtc(ctx.now_unix));
  QOIMA_RETURN_IF_ERROR(ins.Run());
  return line;
}

// ---- acceptance act -------------------------------------------------------------

Result<Built> BuildAct(PrintContext& ctx, const std::string& id) {
  auto deposit_number = NumericId(id, "A-");
  QOIMA_ASSIGN_OR_RETURN(Statement st,
                         ctx.db().Prepare("SELECT a.id, a.number, a.deposit_id, a.act_date, coalesce(a.city, ''), "
                                          "a.checkpoint_size, a.checkpoint_root, "
                                          "ap.architecture_code, ap.applicant FROM acts a JOIN "
                                          "applications ap ON ap.id = a.application_id WHERE a.kind = 'acceptance' "
                                          "AND (a.number = ? OR a.deposit_id = ?)"));
  st.Bind(1, id).Bind(2, deposit_number.value_or(-1));
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no acceptance act '" + id + "' (give the act number A-N or the deposit id)");
  const int64_t act_row = st.ColumnInt(0);
  const std::string number = st.ColumnText(1);
  const int64_t deposit_id = st.ColumnInt(2);
  const std::string act_date = st.ColumnText(3), city = st.ColumnText(4);
  std::optional<std::pair<uint64_t, std::string>> checkpoint;
  if (!st.ColumnIsNull(5)) checkpoint = std::make_pair(static_cast<uint64_t>(st.ColumnInt(5)), Hex(st.ColumnBlob(6)));
  const std::string code = st.ColumnText(7), applicant = st.ColumnText(8);
  st.Reset();

  ManifestParseOptions po;
  po.now_unix = ctx.now_unix;
  po.expected_application = code;
  po.stored_record = true;  // the acts row keeps the appliance's own record (sha256sum acts have no sizes)
  // The act's column holds its record, a reference to it, or to the accepting intake's.
  auto manifest = LoadStoredManifest(ctx.db(), "acts", "manifest_json", act_row, "act " + number + " manifest", po);
  if (!manifest.ok()) return manifest.status().WithContext("act " + number);
  ActDocument act = ActFromManifest(*manifest);
  if (!manifest->has_checksums) {  // the act gave none: the rows carry what the appliance computed
    QOIMA_ASSIGN_OR_RETURN(std::shared_ptr<const ComputedFiles> computed, DepositComputedFiles(ctx.store, deposit_id));
    UseComputedFiles(act, std::move(computed), manifest->DiscMarkings().size() > 1);
  }
  act.date = act_date;
  if (!city.empty()) act.city = city;
  act.transferring.organization = applicant;
  act.device_fingerprint = ctx.fingerprint;
  act.deposit_id = deposit_id;
  QOIMA_ASSIGN_OR_RETURN(storage::DepositInfo dep, ctx.store.GetDeposit(deposit_id));
  act.deposit_root = Hex(dep.manifest_sha256);

  // The manifest digest the clerk checked: the accept decision's evidence
  // (a held intake accepted against a corrected act records the re-check).
  QOIMA_ASSIGN_OR_RETURN(Statement dec,
                         ctx.db().Prepare("SELECT evidence_json, decided_by FROM decisions WHERE "
                                          "deposit_id = ? AND kind = 'accept' ORDER BY id DESC LIMIT 1"));
  dec.Bind(1, deposit_id);
  QOIMA_ASSIGN_OR_RETURN(bool has_decision, dec.Step());
  if (!has_decision)
    return Status::Corrupt("act " + number + ": deposit " + std::to_string(deposit_id) + " has no accept decision");
  json evidence = json::parse(dec.ColumnText(0), nullptr, false);
  const int64_t decided_by = dec.ColumnInt(1);
  dec.Reset();
  if (evidence.is_object()) {
    act.manifest_digest = evidence.value("recheck_manifest_sha256", evidence.value("manifest_sha256", ""));
    for (const auto& m : evidence.value("media", json::array()))
      if (m.is_object())
        act.copies.push_back(m.value("disc", "") + " (" + m.value("copy", "") + "): " + m.value("summary", ""));
  }
  // The accepting side as the intake recorded it (the act issued then names
  // the same organization and person); an older decision: the clerk who
  // decided and the operator's details.
  act.accepting = evidence.is_object() && evidence.contains("accepting")
                      ? ActPartyFromJson(evidence["accepting"])
                      : AcceptingParty(ctx.op, {}, FullName(ctx.db(), decided_by));

  if (!checkpoint) {
    // Accepted from hold: the checkpoint is signed after the decision commits.
    if (!ctx.record) return Status::NotFound("act " + number + " was never printed on this appliance");
    QOIMA_ASSIGN_OR_RETURN(storage::AuditCheckpoint cp, LatestCheckpoint(ctx));
    QOIMA_ASSIGN_OR_RETURN(Statement up, ctx.db().Prepare("UPDATE acts SET checkpoint_size = ?, checkpoint_root = ? "
                                                          "WHERE id = ? AND checkpoint_size IS NULL"));
    up.Bind(1, static_cast<int64_t>(cp.tree_size)).BindBlob(2, cp.root).Bind(3, act_row);
    QOIMA_RETURN_IF_ERROR(up.Run());
    checkpoint = std::make_pair(cp.tree_size, crypto::Hex(cp.root));
  }
  act.audit_checkpoint = "size " + std::to_string(checkpoint->first) + " root " + checkpoint->second;
  QOIMA_ASSIGN_OR_RETURN(print::AcceptanceAct doc, print::ToAcceptanceAct(act, number));
  // What the reader found on the media the act accepts, from the decision's evidence.
  doc.findings = print::FindingsFromEvidence(evidence);
  Built b;
  b.title = "act " + number;
  b.stem = "act-" + number;
  b.verification = doc.verification;
  b.render = Renders(std::move(doc));
  return b;
}

// ---- refusal ----------------------------------------------------------------------

Result<Built> BuildRefusal(PrintContext& ctx, const std::string& id) {
  auto intake_id = NumericId(id, "R-");
  if (!intake_id) return Status::InvalidArgument("refusal id '" + id + "': give the intake id (5) or R-5");
  QOIMA_ASSIGN_OR_RETURN(Statement st,
                         ctx.db().Prepare("SELECT i.state, i.manifest_sha256, d.reason_text, d.evidence_json, "
                                          "d.decided_at, d.decided_by, ap.applicant, ap.software_name, ap.id, "
                                          "d.refusal_reason, coalesce(ap.number, ''), coalesce(ap.received_at, ''), "
                                          "coalesce(ap.architecture_code, '') FROM intakes i JOIN applications ap ON "
                                          "ap.id = "
                                          "i.application_id LEFT JOIN decisions d ON d.id = i.decision_id WHERE i.id "
                                          "= ?"));
  st.Bind(1, *intake_id);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no intake " + std::to_string(*intake_id));
  if (st.ColumnText(0) != "refused")
    return Status::FailedPrecondition("intake " + std::to_string(*intake_id) + " is " + st.ColumnText(0) +
                                      ", not refused: there is no refusal to print");
  print::RefusalRecord rec;
  rec.act_id = "R-" + std::to_string(*intake_id);
  const std::string manifest_sha = st.ColumnText(1);
  rec.reason_text = st.ColumnText(2);
  const std::string evidence_text = st.ColumnText(3);
  rec.evidence = json::parse(evidence_text, nullptr, false);
  rec.date = st.ColumnText(4);  // an instant: printed on its local date
  rec.application_number = st.ColumnText(10);
  rec.application_date = st.ColumnText(11);
  rec.portal_code = st.ColumnText(12);
  const int64_t decided_by = st.ColumnInt(5);
  rec.depositor = st.ColumnText(6);
  rec.software_name = st.ColumnText(7);
  const int64_t app_id = st.ColumnInt(8);
  // -1: no first reason recorded (an int, not an optional: GCC 12 -O3 sees
  // an optional's value as maybe uninitialized here).
  const int64_t first_reason = st.ColumnIsNull(9) ? -1 : st.ColumnInt(9);
  st.Reset();
  // A decision stored by an older version carries older keys: read through the map.
  QOIMA_ASSIGN_OR_RETURN(const StoredKeyMap keys, LoadStoredKeyMap(ctx.db()));
  rec.reason_text = keys.Current(rec.reason_text);
  rec.reasons = print::ReasonsFromText(rec.reason_text);
  if (rec.reasons.empty() && first_reason >= 0) rec.reasons.push_back(static_cast<RefusalReason>(first_reason));
  rec.decided_by = FullName(ctx.db(), decided_by);
  QOIMA_ASSIGN_OR_RETURN(rec.verification, RecordedLine(ctx, "refusal", rec.act_id, app_id, std::nullopt,
                                                        Sha256Hex(evidence_text), manifest_sha));
  print::Refusal doc = print::ToRefusal(rec, ctx.op);
  Built b;
  b.title = "refusal " + rec.act_id;
  b.stem = "refusal-" + rec.act_id;
  b.verification = rec.verification;
  b.render = Renders(std::move(doc));
  return b;
}

// ---- return act -------------------------------------------------------------------

Result<Built> BuildReturnDraft(PrintContext& ctx, print::ReturnRecord rec, int64_t object_id, const std::string& code);

Result<Built> BuildReturn(PrintContext& ctx, const std::string& id) {
  auto case_id = NumericId(id, "RET-");
  if (!case_id) return Status::InvalidArgument("return id '" + id + "': give the return case id (3) or RET-3");
  QOIMA_ASSIGN_OR_RETURN(Statement st,
                         ctx.db().Prepare("SELECT c.kind, c.received_on, c.reference, c.state, "
                                          "coalesce(c.done_on, ''), coalesce(c.result_ref, ''), o.id, o.name, "
                                          "coalesce(o.architecture_code, '') FROM lifecycle_cases c JOIN "
                                          "informatization_objects o ON o.id = c.object_id WHERE c.id = ?"));
  st.Bind(1, *case_id);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no lifecycle case " + std::to_string(*case_id));
  if (st.ColumnText(0) != "return")
    return Status::FailedPrecondition("case " + std::to_string(*case_id) + " is a " + st.ColumnText(0) +
                                      " case, not a return");
  print::ReturnRecord rec;
  rec.act_id = "RET-" + std::to_string(*case_id);
  rec.reason = st.ColumnText(2) + " (" + st.ColumnText(1) + ")";
  if (!st.ColumnText(5).empty()) rec.reason += "; " + st.ColumnText(5);
  rec.date = st.ColumnText(3) == "done" ? st.ColumnText(4) : LocalDateOf(ctx.now_unix).ToString();
  const int64_t object_id = st.ColumnInt(6);
  rec.software_name = st.ColumnText(7);
  const std::string code = st.ColumnText(8);
  st.Reset();
  QOIMA_ASSIGN_OR_RETURN(Statement owner, ctx.db().Prepare("SELECT applicant, id FROM applications WHERE object_id = "
                                                           "? ORDER BY id DESC LIMIT 1"));
  owner.Bind(1, object_id);
  QOIMA_ASSIGN_OR_RETURN(bool has_owner, owner.Step());
  if (has_owner) rec.owner = owner.ColumnText(0);
  owner.Reset();

  // The act the lifecycle hand-over (`qoima return run`) stored: what was
  // returned, signed under its audit checkpoint (docs/lifecycle.md).
  QOIMA_ASSIGN_OR_RETURN(Statement stored, ctx.db().Prepare("SELECT manifest_json FROM acts WHERE kind = 'return' "
                                                            "AND number = ?"));
  stored.Bind(1, rec.act_id);
  QOIMA_ASSIGN_OR_RETURN(bool handed_over, stored.Step());
  if (handed_over) {
    const std::string text = stored.ColumnText(0);
    stored.Reset();
    auto act = print::ReturnActFromJson(text);
    if (!act.ok()) return act.status().WithContext("return act " + rec.act_id);
    if (act->checkpoint_size == 0)
      return Status::FailedPrecondition("return " + rec.act_id + " is not finished (no audit checkpoint yet)");
    act->record.owner = rec.owner;
    act->record.performed_by = FullNameByLogin(ctx.db(), act->performed_by_login);
    const std::string digest = Sha256Hex(text);
    act->record.verification = {rec.act_id,
                                digest,
                                act->last_manifest.size() == print::kSha256HexLength ? act->last_manifest : digest,
                                act->checkpoint_size,
                                act->checkpoint_root,
                                act->key_fingerprint.empty() ? ctx.fingerprint : act->key_fingerprint};
    Built b;
    b.title = "return act " + rec.act_id;
    b.stem = "return-" + rec.act_id;
    b.verification = act->record.verification;
    b.render = Renders(print::ToReturnAct(act->record, ctx.op));
    return b;
  }
  stored.Reset();
  return BuildReturnDraft(ctx, std::move(rec), object_id, code);
}

// Before the hand-over: the versions the case would return, as stored now,
// on a draft (nothing was handed over yet: the paper says so).
Result<Built> BuildReturnDraft(PrintContext& ctx, print::ReturnRecord rec, int64_t object_id, const std::string& code) {
  QOIMA_ASSIGN_OR_RETURN(Statement deps, ctx.db().Prepare("SELECT id FROM deposits WHERE object_id = ? AND state = "
                                                          "'committed' ORDER BY version_no"));
  deps.Bind(1, object_id);
  std::vector<int64_t> deposit_ids;
  while (true) {
    QOIMA_ASSIGN_OR_RETURN(bool more, deps.Step());
    if (!more) break;
    deposit_ids.push_back(deps.ColumnInt(0));
  }
  deps.Reset();
  if (deposit_ids.empty()) return Status::FailedPrecondition("object " + code + " has no stored version to return");
  storage::DepositInfo latest;
  for (int64_t d : deposit_ids) {
    QOIMA_ASSIGN_OR_RETURN(storage::DepositInfo info, ctx.store.GetDeposit(d));
    QOIMA_ASSIGN_OR_RETURN(auto files, ctx.store.ListFiles(d));
    print::ReturnedVersion v;
    v.version_no = static_cast<int>(info.version_no);
    v.label = info.version_label;
    for (const auto& f : files) {
      std::string modified;
      if (f.mtime) modified = LocalDateOf(*f.mtime).ToString();
      v.files.push_back({f.display_path, f.size, crypto::Hex(f.sha256), modified, f.category});
    }
    rec.versions.push_back(std::move(v));
    latest = std::move(info);
  }
  // The manifest digest of the latest version's acceptance, when it has one.
  std::string manifest_digest = Hex(latest.manifest_sha256);
  QOIMA_ASSIGN_OR_RETURN(Statement dec, ctx.db().Prepare("SELECT evidence_json FROM decisions WHERE deposit_id = ? "
                                                         "AND kind = 'accept' ORDER BY id DESC LIMIT 1"));
  dec.Bind(1, latest.id);
  QOIMA_ASSIGN_OR_RETURN(bool has_decision, dec.Step());
  if (has_decision) {
    json ev = json::parse(dec.ColumnText(0), nullptr, false);
    if (ev.is_object())
      manifest_digest = ev.value("recheck_manifest_sha256", ev.value("manifest_sha256", manifest_digest));
  }
  dec.Reset();
  QOIMA_ASSIGN_OR_RETURN(storage::AuditCheckpoint cp, LatestCheckpoint(ctx));
  rec.verification = {rec.act_id,   Hex(latest.manifest_sha256), manifest_digest,
                      cp.tree_size, crypto::Hex(cp.root),        ctx.fingerprint};
  Built b;
  b.fixed_checkpoint = false;
  b.title = "return act " + rec.act_id;
  b.stem = "return-" + rec.act_id;
  b.verification = rec.verification;
  rec.draft = true;  // nothing was handed over yet: the paper says so
  b.render = Renders(print::ToReturnAct(rec, ctx.op));
  return b;
}

// ---- destruction act ------------------------------------------------------------

Result<Built> BuildDestruction(PrintContext& ctx, const std::string& id) {
  auto case_id = NumericId(id, "");
  QOIMA_ASSIGN_OR_RETURN(Statement st,
                         ctx.db().Prepare("SELECT number, manifest_json FROM acts WHERE kind = 'destruction' AND "
                                          "(number = ? OR number = (SELECT result_ref FROM lifecycle_cases WHERE id "
                                          "= ? AND kind = 'destroy'))"));
  st.Bind(1, id).Bind(2, case_id.value_or(-1));
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no destruction act '" + id + "' (give the act number or the case id)");
  const std::string number = st.ColumnText(0), text = st.ColumnText(1);
  st.Reset();
  QOIMA_ASSIGN_OR_RETURN(lc::DestructionActData data, print::DestructionActFromJson(text));
  if (data.checkpoint_tree_size == 0)
    return Status::FailedPrecondition("destruction " + number + " is not finished (no audit checkpoint yet)");
  std::string manifest = Sha256Hex(text);
  if (!data.versions.empty() && data.versions.back().manifest_hex.size() == print::kSha256HexLength)
    manifest = data.versions.back().manifest_hex;
  print::VerificationLine v{
      number,
      Sha256Hex(text),
      manifest,
      data.checkpoint_tree_size,
      data.checkpoint_root_hex,
      data.checkpoint_key_fingerprint.empty() ? ctx.fingerprint : data.checkpoint_key_fingerprint};
  print::DestructionParties parties;
  parties.op = ctx.op;
  parties.owner = ObjectOwner(ctx.db(), data.object.id);
  for (const std::string* login : {&data.requested_by, &data.approved_by, &data.performed_by}) {
    auto [full_name, position] = PersonByLogin(ctx.db(), *login);
    parties.full_names[*login] = full_name;
    if (!position.empty()) parties.positions[*login] = position;
  }
  if (data.return_act.empty()) {
    // Acts recorded before the return act was: the object's completed return.
    QOIMA_ASSIGN_OR_RETURN(Statement ret, ctx.db().Prepare("SELECT coalesce(result_ref, '') FROM lifecycle_cases "
                                                           "WHERE object_id = ? AND kind = 'return' AND state = "
                                                           "'done' ORDER BY id DESC LIMIT 1"));
    ret.Bind(1, data.object.id);
    QOIMA_ASSIGN_OR_RETURN(bool has_return, ret.Step());
    if (has_return) parties.return_act = ret.ColumnText(0);
  }
  Built b;
  b.title = "destruction act " + number;
  b.stem = "destruction-" + number;
  b.verification = v;
  b.render = Renders(print::ToDestructionAct(data, v, parties));
  return b;
}

// ---- half-year report ---------------------------------------------------------------

Result<std::pair<int, int>> ParseHalfYear(std::string_view id) {
  // "2026 H1", "2026-H1", "2026/1", "HY-2026-H1"
  if (id.substr(0, 3) == "HY-") id.remove_prefix(3);
  if (id.size() < 6) return Status::InvalidArgument("report '" + std::string(id) + "': give YEAR H1 or YEAR H2");
  std::string_view year = id.substr(0, 4), rest = id.substr(4);
  while (!rest.empty() && (rest[0] == ' ' || rest[0] == '-' || rest[0] == '/')) rest.remove_prefix(1);
  if (!rest.empty() && (rest[0] == 'H' || rest[0] == 'h')) rest.remove_prefix(1);
  if (year.find_first_not_of("0123456789") != std::string_view::npos || (rest != "1" && rest != "2"))
    return Status::InvalidArgument("report '" + std::string(id) + "': give YEAR H1 or YEAR H2");
  return std::make_pair(std::stoi(std::string(year)), rest == "1" ? 1 : 2);
}

Result<CivilDate> Today(const PrintContext& ctx) { return LocalDateOf(ctx.now_unix); }

// A version's security test as recorded (003 cl.11-18): its reports by name,
// size and SHA-256 (their bytes stay in the store), its list and its table.
Result<Built> BuildSecurityTest(PrintContext& ctx, const std::string& id) {
  char* end = nullptr;
  const long long test_id = std::strtoll(id.c_str(), &end, 10);
  if (id.empty() || *end != '\0' || test_id <= 0)
    return Status::InvalidArgument("security test '" + id + "': a number is required (qoima object show)");
  QOIMA_ASSIGN_OR_RETURN(lc::WorkingCalendar cal, lc::LoadCalendar(ctx.db()));
  QOIMA_ASSIGN_OR_RETURN(CivilDate today, Today(ctx));
  storage::ManualClock clock(NoonUtcUnix(today));
  lc::LifecycleService svc(ctx.store, cal, clock);
  QOIMA_ASSIGN_OR_RETURN(lc::SecurityTestInfo t, svc.GetSecurityTest(test_id));
  print::SecurityTestDoc doc;
  doc.date = today.ToString();
  doc.test = std::to_string(t.id);
  doc.object_name = t.object_name;
  doc.portal_code = t.portal_code;
  doc.version = std::to_string(t.version_no);
  doc.positive = t.outcome == lc::TestOutcome::kPositive;
  doc.reference = t.reference;
  doc.tested_on = t.tested_on.ToString();
  doc.recorded_by = FullNameByLogin(ctx.db(), t.recorded_by);
  for (const auto& r : t.reports) doc.reports.push_back({r.name, r.size, r.sha256});
  for (const auto& f : t.findings)
    doc.findings.push_back({f.number, f.description, f.path, std::string(lc::RiskLevelName(f.risk))});
  for (const auto& r : t.remediation) doc.remediation.push_back({r.number, r.finding, r.correction, r.fixed});
  Built b;
  b.title = "security test " + doc.test;
  b.stem = "security-test-" + doc.test;
  b.render = Renders(std::move(doc));
  return b;
}

Result<Built> BuildReport(PrintContext& ctx, const std::string& id) {
  QOIMA_ASSIGN_OR_RETURN(auto period, ParseHalfYear(id));
  QOIMA_ASSIGN_OR_RETURN(lc::WorkingCalendar cal, lc::LoadCalendar(ctx.db()));
  QOIMA_ASSIGN_OR_RETURN(CivilDate today, Today(ctx));
  storage::ManualClock clock(NoonUtcUnix(today));
  lc::LifecycleService svc(ctx.store, cal, clock);
  QOIMA_ASSIGN_OR_RETURN(lc::HalfYearReport report,
                         lc::BuildHalfYearReport(ctx.db(), svc, cal, period.first, period.second, today));
  QOIMA_ASSIGN_OR_RETURN(storage::AuditCheckpoint cp, LatestCheckpoint(ctx));
  const std::string act_id = "HY-" + std::to_string(period.first) + "-H" + std::to_string(period.second);
  const std::string digest = Sha256Hex(lc::ToJson(report).dump());
  print::VerificationLine v{act_id, digest, digest, cp.tree_size, crypto::Hex(cp.root), ctx.fingerprint};
  Built b;
  b.fixed_checkpoint = false;
  b.title = "half-year report " + act_id;
  b.stem = "report-" + act_id;
  b.verification = v;
  b.render = Renders(print::ToHalfYearReport(report, ctx.op, v));
  return b;
}

// ---- notice -------------------------------------------------------------------------

Result<Built> BuildNotice(PrintContext& ctx, const std::string& id) {
  auto notice_id = NumericId(id, "N-");
  if (!notice_id) return Status::InvalidArgument("notice id '" + id + "': give the notice number (7) or N-7");
  QOIMA_ASSIGN_OR_RETURN(lc::WorkingCalendar cal, lc::LoadCalendar(ctx.db()));
  QOIMA_ASSIGN_OR_RETURN(CivilDate today, Today(ctx));
  storage::ManualClock clock(NoonUtcUnix(today));
  lc::LifecycleService svc(ctx.store, cal, clock);
  QOIMA_ASSIGN_OR_RETURN(auto notices, svc.Notices());
  const lc::NoticeInfo* found = nullptr;
  for (const auto& n : notices)
    if (n.id == *notice_id) found = &n;
  if (!found) return Status::NotFound("no notice " + std::to_string(*notice_id) + " in the notices register");
  QOIMA_ASSIGN_OR_RETURN(Statement st, ctx.db().Prepare("SELECT coalesce(body_json, ''), created_at FROM notices "
                                                        "WHERE id = ?"));
  st.Bind(1, *notice_id);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no notice " + std::to_string(*notice_id));
  const std::string body_text = st.ColumnText(0), created = st.ColumnText(1);
  st.Reset();
  json body = body_text.empty() ? json() : json::parse(body_text, nullptr, false);
  QOIMA_ASSIGN_OR_RETURN(storage::AuditCheckpoint cp, LatestCheckpoint(ctx));
  const std::string act_id = "N-" + std::to_string(*notice_id);
  json canonical = {{"notice", lc::ToJson(*found)}, {"body", body_text}, {"created_at", created}};
  const std::string digest = Sha256Hex(canonical.dump());
  print::VerificationLine v{act_id, digest, digest, cp.tree_size, crypto::Hex(cp.root), ctx.fingerprint};
  // Whether the event happened: a case's notice is a draft until the case is done.
  print::NoticeFacts facts;
  facts.date = created;
  facts.op = ctx.op;
  if (found->case_id) {
    QOIMA_ASSIGN_OR_RETURN(Statement cs, ctx.db().Prepare("SELECT state, coalesce(result_ref, ''), object_id, kind "
                                                          "FROM lifecycle_cases WHERE id = ?"));
    cs.Bind(1, *found->case_id);
    QOIMA_ASSIGN_OR_RETURN(bool has_case, cs.Step());
    if (!has_case)
      return Status::Corrupt("notice " + act_id + ": its case " + std::to_string(*found->case_id) + " is gone");
    facts.completed = cs.ColumnText(0) == "done";
    // The act cited: the return or destruction act; an issue's bundles are listed.
    facts.act = cs.ColumnText(3) == "issue" ? "" : cs.ColumnText(1);
    facts.owner = ObjectOwner(ctx.db(), cs.ColumnInt(2));
  }
  QOIMA_ASSIGN_OR_RETURN(print::Notice doc, print::ToNotice(*found, body, facts, v));
  Built b;
  b.fixed_checkpoint = false;
  b.title = "notice " + act_id;
  b.stem = "notice-" + act_id;
  b.verification = v;
  b.render = Renders(std::move(doc));
  return b;
}

// ---- NDA ------------------------------------------------------------------------------

Result<NdaRecord> LoadNda(Database& db, std::string_view code) {
  QOIMA_ASSIGN_OR_RETURN(Statement st, db.Prepare("SELECT n.owner_representative, n.owner_authority, "
                                                  "n.operator_representative, n.signed_on, n.signed_by_owner, "
                                                  "n.signed_by_operator FROM ndas n JOIN applications a ON a.id = "
                                                  "n.application_id WHERE a.architecture_code = ? ORDER BY n.id DESC "
                                                  "LIMIT 1"));
  st.Bind(1, code);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no NDA recorded for application '" + std::string(code) + "'");
  NdaRecord n;
  n.owner_representative = st.ColumnText(0);
  n.owner_authority = st.ColumnText(1);
  n.operator_representative = st.ColumnText(2);
  n.signed_date = st.ColumnText(3);
  n.signed_by_owner = st.ColumnInt(4) != 0;
  n.signed_by_operator = st.ColumnInt(5) != 0;
  return n;
}

/// Journal entries named by `id`: "" or "all", an entry number "N", a range
/// "N-M", or an application's number as written on it ("15/2026") or its
/// portal code (that application's line).
Result<std::vector<JournalEntry>> SelectJournal(const std::vector<JournalEntry>& all, std::string_view id) {
  if (id.empty() || id == "all") return all;
  std::vector<JournalEntry> out;
  size_t dash = id.find('-');
  auto a = NumericId(id.substr(0, dash), "");
  auto b = dash == std::string_view::npos ? a : NumericId(id.substr(dash + 1), "");
  if (a && b && *a <= *b) {
    for (const auto& e : all)
      if (e.number >= *a && e.number <= *b) out.push_back(e);
  } else {
    for (const auto& e : all)
      if (e.application_number == id || e.portal_code == id) out.push_back(e);
  }
  if (out.empty())
    return Status::NotFound("the journal has no entry '" + std::string(id) +
                            "' (give all, an entry number N, a range N-M, an application number or a portal code)");
  return out;
}

Result<PrinterSettings> LoadPrinterSettings(Database& db) {
  PrinterSettings s;
  QOIMA_ASSIGN_OR_RETURN(Statement st, db.Prepare("SELECT key, value FROM store_meta WHERE key IN (?,?,?)"));
  st.Bind(1, kPrinterQueueKey).Bind(2, kPrinterServerKey).Bind(3, kPrinterCopiesKey);
  while (true) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    const std::string key = st.ColumnText(0), value = st.ColumnText(1);
    if (key == kPrinterQueueKey) s.queue = value;
    if (key == kPrinterServerKey) s.server = value;
    if (key == kPrinterCopiesKey) s.copies = std::atoi(value.c_str());
  }
  if (s.copies < 1 || s.copies > hardware::kMaxCopies) s.copies = 2;
  return s;
}

Status CheckPrinterSetting(std::string_view what, std::string_view value) {
  if (value.size() > kMaxPrinterSettingBytes)
    return Status::InvalidArgument(std::string(what) + " is longer than " + std::to_string(kMaxPrinterSettingBytes) +
                                   " bytes");
  for (unsigned char c : value)
    if (c < 0x20 || c == 0x7f) return Status::InvalidArgument(std::string(what) + " contains a control character");
  return Status::Ok();
}

// ---- access register ----------------------------------------------------------------

/// The register's digest on paper: SHA-256 of its rows read from the audit
/// entries before `below` (the printed checkpoint's size), so a later access
/// does not change what a printed copy verifies against.
std::string AccessRegisterDigest(const AccessRegister& r, uint64_t below) {
  json rows = json::array();
  for (const AccessEntry& a : r.entries)
    if (a.audit_index < below) rows.push_back({a.audit_index, a.time, a.login, a.role, a.action, a.object, a.item});
  return Sha256Hex(json{{"deposit", r.deposit_id}, {"rows", rows}}.dump());
}

std::string AccessRegisterActId(int64_t deposit_id) { return "AR-" + std::to_string(deposit_id); }

/// The printed register: every row the verified log holds before the
/// checkpoint `cp`, which covers them all when it is signed after the read.
print::AccessRegisterDoc ToAccessRegisterDoc(const AccessRegister& r, const storage::AuditCheckpoint& cp,
                                             const std::string& fingerprint, int64_t now_unix) {
  print::AccessRegisterDoc doc;
  doc.date = LocalDateOf(now_unix).ToString();
  doc.deposit = std::to_string(r.deposit_id);
  doc.act_number = r.act_number;
  doc.object_name = r.object_name;
  doc.portal_code = r.portal_code;
  doc.version = std::to_string(r.version_no);
  doc.destroyed = r.state == "destroyed";
  doc.audit_entries = r.audit_entries;
  for (const AccessEntry& a : r.entries) {
    if (a.audit_index >= cp.tree_size) continue;
    print::AccessRegisterDoc::Row row;
    row.time = a.time;
    row.person = a.full_name;
    row.position = a.position;
    row.role = a.role;
    row.kind = a.kind == AccessKind::kPrint ? (a.action == "document.print" ? "print" : "render")
                                            : std::string(AccessKindName(a.kind));
    row.item = a.item;
    // The document printed, by its id ("act:A-3" -> "A-3").
    if (a.kind == AccessKind::kPrint && row.item.find(':') != std::string::npos)
      row.item = row.item.substr(row.item.find(':') + 1);
    doc.rows.push_back(std::move(row));
  }
  const std::string digest = AccessRegisterDigest(r, cp.tree_size);
  doc.verification = {
      AccessRegisterActId(r.deposit_id), digest, digest, cp.tree_size, crypto::Hex(cp.root), fingerprint};
  return doc;
}

}  // namespace

Result<PrintedDocument> Appliance::RenderDocument(const Actor& actor, const DocumentRef& ref,
                                                  const PrintOptions& options) {
  const std::string object = DocObject(ref);
  if (!MayPrint(actor.role, ref.kind)) {
    Status s = Status::PermissionDenied("user '" + actor.username + "' (" + std::string(RoleName(actor.role)) +
                                        ") may not print " + std::string(DocumentKindName(ref.kind)) + " documents");
    (void)Audit(actor, "document.render", object, "denied", s.message());
    return s;
  }
  auto fail = [&](Status s) {
    (void)Audit(actor, "document.render", object, "failure", s.message());
    return s;
  };
  if (ref.id.size() > kMaxDocumentIdBytes) return fail(Status::InvalidArgument("document id is too long"));
  if (options.languages.empty()) return fail(Status::InvalidArgument("no language chosen"));
  for (print::Language lang : options.languages)
    if (lang == print::Language::kEn)
      return fail(Status::InvalidArgument("documents are printed in Kazakh and Russian only (kk, ru)"));
  auto templates = print::TemplateSet::Builtin(options.template_id.empty() ? print::TemplateSet::kDefaultId
                                                                           : std::string_view(options.template_id));
  if (!templates.ok()) return fail(templates.status());

  auto op_details = LoadOperatorDetails(store_->db());
  if (!op_details.ok()) return fail(op_details.status());
  PrintContext ctx{*store_, DeviceFingerprint(), clock_->NowUnix(), true, *op_details};
  Result<Built> built = Status::Internal("unhandled document kind");
  switch (ref.kind) {
    case DocumentKind::kAct: built = BuildAct(ctx, ref.id); break;
    case DocumentKind::kRefusal: built = BuildRefusal(ctx, ref.id); break;
    case DocumentKind::kReturn: built = BuildReturn(ctx, ref.id); break;
    case DocumentKind::kDestruction: built = BuildDestruction(ctx, ref.id); break;
    case DocumentKind::kReport: built = BuildReport(ctx, ref.id); break;
    case DocumentKind::kNotice: built = BuildNotice(ctx, ref.id); break;
    case DocumentKind::kSecurityTest: built = BuildSecurityTest(ctx, ref.id); break;
    case DocumentKind::kApplication: {
      auto app = GetApplication(actor, ref.id);
      if (!app.ok()) {
        built = app.status();
        break;
      }
      Built b;
      b.title = "application " + ref.id;
      b.stem = "application-" + ref.id;
      b.render = Renders(print::ToApplicationForm(*app));
      built = std::move(b);
      break;
    }
    case DocumentKind::kNda: {
      auto app = GetApplication(actor, ref.id);
      if (!app.ok()) {
        built = app.status();
        break;
      }
      auto nda = LoadNda(store_->db(), ref.id);
      if (!nda.ok()) {
        built = nda.status();
        break;
      }
      Built b;
      b.title = "NDA " + ref.id;
      b.stem = "nda-" + ref.id;
      b.render = Renders(print::ToNda(*app, *nda, *op_details));
      built = std::move(b);
      break;
    }
    case DocumentKind::kAccessRegister: {
      auto reg = GetAccessRegister(actor, ref.id);  // audited as access_register.read
      if (!reg.ok()) {
        built = reg.status();
        break;
      }
      // Signed after the read, the checkpoint covers every row printed.
      auto cp = store_->SignCheckpoint();
      if (!cp.ok()) {
        built = cp.status();
        break;
      }
      Built b;
      b.title = "access register " + AccessRegisterActId(reg->deposit_id);
      b.stem = "access-register-" + std::to_string(reg->deposit_id);
      print::AccessRegisterDoc doc = ToAccessRegisterDoc(*reg, *cp, ctx.fingerprint, ctx.now_unix);
      b.verification = doc.verification;
      b.render = Renders(std::move(doc));
      built = std::move(b);
      break;
    }
    case DocumentKind::kJournal: {
      auto all = Journal(actor);
      if (!all.ok()) {
        built = all.status();
        break;
      }
      auto rows = SelectJournal(*all, ref.id);
      if (!rows.ok()) {
        built = rows.status();
        break;
      }
      Built b;
      b.title = "journal " + (ref.id.empty() ? std::string("all") : ref.id);
      b.stem = "journal-" + (ref.id.empty() ? std::string("all") : ref.id);
      b.render = Renders(print::ToJournalPage(*rows));
      built = std::move(b);
      break;
    }
  }
  if (!built.ok()) return fail(built.status().WithContext("print " + object));
  print::DocumentRenderer renderer(std::move(*templates), options.languages, *op_details);
  auto pdf = built->render(renderer);
  if (!pdf.ok()) return fail(pdf.status().WithContext("render " + object));
  PrintedDocument out;
  out.ref = ref;
  out.title = built->title;
  out.file_stem = SafeStem(built->stem);
  out.pdf = std::move(*pdf);
  out.pdf_sha256 = Sha256Hex(out.pdf);
  out.verification = built->verification;
  std::string langs;
  for (auto l : options.languages) langs += (langs.empty() ? "" : "+") + std::string(print::LanguageCode(l));
  QOIMA_RETURN_IF_ERROR(
      Audit(actor, "document.render", object, "success",
            out.title + " (" + langs + "), PDF SHA-256 " + out.pdf_sha256 +
                (out.verification ? "; " + print::EncodeVerificationPayload(*out.verification) : std::string())));
  return out;
}

Result<print::PrintOutcome> Appliance::PrintDocument(const Actor& actor, const PrintedDocument& doc,
                                                     const std::string& save_path, const PrintTarget& target) {
  const std::string object = DocObject(doc.ref);
  if (!MayPrint(actor.role, doc.ref.kind)) {
    Status s =
        Status::PermissionDenied("user '" + actor.username + "' (" + std::string(RoleName(actor.role)) +
                                 ") may not print " + std::string(DocumentKindName(doc.ref.kind)) + " documents");
    (void)Audit(actor, "document.print", object, "denied", s.message());
    return s;
  }
  QOIMA_ASSIGN_OR_RETURN(PrinterSettings settings, LoadPrinterSettings(store_->db()));
  if (!target.queue.empty()) settings.queue = target.queue;
  if (!target.server.empty()) settings.server = target.server;
  if (target.copies > 0) settings.copies = target.copies;
  std::unique_ptr<hardware::CupsPrinter> cups;
  if (!settings.queue.empty()) cups = std::make_unique<hardware::CupsPrinter>(CupsConfigOf(settings));
  print::ActPrinter printer(cups.get());
  auto outcome = printer.SaveAndPrint(doc.pdf, save_path, doc.title, settings.copies);
  if (!outcome.ok()) {
    (void)Audit(actor, "document.print", object, "failure", outcome.status().message());
    return outcome.status();
  }
  if (outcome->printed.ok()) {
    QOIMA_RETURN_IF_ERROR(Audit(actor, "document.print", object, "success",
                                doc.title + ": job " + outcome->job.job_id + " on " + outcome->job.queue + ", " +
                                    std::to_string(settings.copies) + " copies, PDF SHA-256 " + doc.pdf_sha256));
  } else {
    QOIMA_RETURN_IF_ERROR(Audit(actor, "document.print", object, "failure",
                                doc.title + " saved to " + save_path + ", not printed: " + outcome->printed.message()));
  }
  return outcome;
}

Result<PrinterSettings> Appliance::GetPrinterSettings(const Actor& actor) {
  if (!RoleHas(actor.role, Permission::kSystemSetup) && !RoleHas(actor.role, Permission::kActPrint)) {
    return Check(actor, Permission::kActPrint, "printer.show", "printer");
  }
  return LoadPrinterSettings(store_->db());
}

Result<print::PrintOutcome> Appliance::PrintTestPage(const Actor& actor, const std::string& save_path) {
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kSystemSetup, "printer.test", "printer"));
  auto fail = [&](Status s) {
    (void)Audit(actor, "printer.test", "printer", "failure", s.message());
    return s;
  };
  auto settings = LoadPrinterSettings(store_->db());
  if (!settings.ok()) return fail(settings.status());
  if (settings->queue.empty()) return fail(Status::FailedPrecondition("no printer is configured"));
  print::TestPageInfo info;
  info.queue = settings->queue;
  info.server = settings->server;
  info.printed_at_utc = FormatUtc(clock_->NowUnix());
  info.device_fingerprint = DeviceFingerprint();
  auto user = LoadUser(actor.username);
  info.printed_by = user.ok() ? user->surname + " " + user->given_name : actor.username;
  auto op_details = LoadOperatorDetails(store_->db());
  if (op_details.ok()) info.operator_info = *op_details;
  auto pdf = print::RenderTestPage(info);
  if (!pdf.ok()) return fail(pdf.status());
  hardware::CupsPrinter cups(CupsConfigOf(*settings));
  auto outcome = print::ActPrinter(&cups).SaveAndPrint(*pdf, save_path, "printer test page", 1);
  if (!outcome.ok()) return fail(outcome.status());
  if (!outcome->printed.ok()) {
    QOIMA_RETURN_IF_ERROR(Audit(actor, "printer.test", "printer", "failure",
                                "test page saved to " + save_path + ", not printed: " + outcome->printed.message()));
    return outcome;
  }
  QOIMA_RETURN_IF_ERROR(Audit(actor, "printer.test", "printer", "success",
                              "test page: job " + outcome->job.job_id + " on " + outcome->job.queue));
  return outcome;
}

Status Appliance::SetPrinterSettings(const Actor& actor, const PrinterSettings& settings) {
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kSystemSetup, "printer.set", "printer"));
  auto fail = [&](Status s) {
    (void)Audit(actor, "printer.set", "printer", "failure", s.message());
    return s;
  };
  if (Status s = CheckPrinterSetting("printer queue", settings.queue); !s.ok()) return fail(s);
  if (Status s = CheckPrinterSetting("print server", settings.server); !s.ok()) return fail(s);
  if (settings.copies < 1 || settings.copies > hardware::kMaxCopies)
    return fail(Status::InvalidArgument("copies must be 1.." + std::to_string(hardware::kMaxCopies)));
  QOIMA_ASSIGN_OR_RETURN(storage::Transaction tx, storage::Transaction::Begin(store_->db()));
  QOIMA_ASSIGN_OR_RETURN(Statement st, store_->db().Prepare("INSERT OR REPLACE INTO store_meta(key, value) VALUES "
                                                            "(?, ?)"));
  for (const auto& [key, value] : {std::pair<std::string_view, std::string>{kPrinterQueueKey, settings.queue},
                                   {kPrinterServerKey, settings.server},
                                   {kPrinterCopiesKey, std::to_string(settings.copies)}}) {
    st.Bind(1, key).Bind(2, value);
    QOIMA_RETURN_IF_ERROR(st.Run());
  }
  QOIMA_RETURN_IF_ERROR(Audit(actor, "printer.set", "printer", "success",
                              settings.queue.empty() ? std::string("no printer")
                                                     : "queue " + settings.queue +
                                                           (settings.server.empty() ? "" : " on " + settings.server) +
                                                           ", " + std::to_string(settings.copies) + " copies"));
  return tx.Commit();
}

Result<print::OperatorInfo> Appliance::GetOperatorDetails(const Actor& actor) {
  if (!RoleHas(actor.role, Permission::kSystemSetup) && !RoleHas(actor.role, Permission::kActPrint) &&
      !RoleHas(actor.role, Permission::kReadRecords)) {
    QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kReadRecords, "operator.show", "operator"));
  }
  return LoadOperatorDetails(store_->db());
}

Status Appliance::SetOperatorDetails(const Actor& actor, const print::OperatorInfo& details) {
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kSystemSetup, "operator.set", "operator"));
  if (Status v = ValidateOperatorDetails(details); !v.ok()) {
    (void)Audit(actor, "operator.set", "operator", "failure", v.message());
    return v;
  }
  QOIMA_ASSIGN_OR_RETURN(print::OperatorInfo before, LoadOperatorDetails(store_->db()));
  QOIMA_ASSIGN_OR_RETURN(storage::Transaction tx, storage::Transaction::Begin(store_->db()));
  QOIMA_RETURN_IF_ERROR(SaveOperatorDetails(store_->db(), details));
  QOIMA_RETURN_IF_ERROR(
      Audit(actor, "operator.set", "operator", "success",
            "before " + OperatorDetailsJson(before).dump() + "; after " + OperatorDetailsJson(details).dump()));
  return tx.Commit();
}

Result<ActVerification> Appliance::VerifyAct(const Actor& actor, std::string_view payload) {
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kReadRecords, "act.verify", "act"));
  auto paper = print::ParseVerificationPayload(payload);
  if (!paper.ok()) {
    (void)Audit(actor, "act.verify", "act", "failure", paper.status().message());
    return paper.status();
  }
  const std::string object = "act:" + paper->act_id;
  auto fail = [&](Status s) {
    (void)Audit(actor, "act.verify", object, "failure", s.message());
    return s;
  };
  // The checkpoint must be one of this log's: a prefix the log still has.
  QOIMA_ASSIGN_OR_RETURN(uint64_t size, store_->audit().Size());
  if (paper->checkpoint_size == 0 || paper->checkpoint_size > size)
    return fail(Status::Corrupt("audit checkpoint: paper size " + std::to_string(paper->checkpoint_size) +
                                ", but the audit log holds " + std::to_string(size) + " entries"));
  QOIMA_ASSIGN_OR_RETURN(storage::Hash root_at, store_->audit().RootAt(paper->checkpoint_size));
  if (crypto::Hex(root_at) != paper->checkpoint_root)
    return fail(Status::Corrupt("audit checkpoint root: paper " + paper->checkpoint_root + ", audit log at size " +
                                std::to_string(paper->checkpoint_size) + " " + crypto::Hex(root_at)));

  QOIMA_ASSIGN_OR_RETURN(print::OperatorInfo op_details, LoadOperatorDetails(store_->db()));
  PrintContext ctx{*store_, DeviceFingerprint(), clock_->NowUnix(), false, op_details};
  const std::string& id = paper->act_id;
  Result<Built> built =
      Status::NotFound("act id '" + id + "' is not one this appliance prints (A-, R-, RET-, DESTR-, HY-, N-, AR-)");
  std::string document;
  if (id.rfind("A-", 0) == 0) {
    built = BuildAct(ctx, id);
    document = "acceptance act " + id;
  } else if (id.rfind("RET-", 0) == 0) {
    built = BuildReturn(ctx, id);
    document = "return act " + id;
  } else if (id.rfind("R-", 0) == 0) {
    built = BuildRefusal(ctx, id);
    document = "reasoned refusal " + id;
  } else if (id.rfind("DESTR-", 0) == 0) {
    built = BuildDestruction(ctx, id);
    document = "destruction act " + id;
  } else if (id.rfind("HY-", 0) == 0) {
    built = BuildReport(ctx, id);
    document = "half-year report " + id;
  } else if (id.rfind("N-", 0) == 0) {
    built = BuildNotice(ctx, id);
    document = "notice " + id;
  } else if (id.rfind("AR-", 0) == 0) {
    // The rows the paper's checkpoint covers, read again from the verified log.
    auto deposit = ParseDepositRef(id.substr(3));
    auto reg = deposit.ok() ? BuildAccessRegister(*store_, *deposit) : Result<AccessRegister>(deposit.status());
    if (reg.ok()) {
      const std::string digest = AccessRegisterDigest(*reg, paper->checkpoint_size);
      Built b;
      b.verification = print::VerificationLine{
          id, digest, digest, paper->checkpoint_size, paper->checkpoint_root, DeviceFingerprint()};
      built = std::move(b);
    } else {
      built = reg.status();
    }
    document = "access register " + id;
  }
  if (!built.ok()) return fail(built.status());
  print::VerificationLine expected = *built->verification;
  if (!built->fixed_checkpoint) {
    // The newest checkpoint at print time was printed: any real one is right.
    expected.checkpoint_size = paper->checkpoint_size;
    expected.checkpoint_root = paper->checkpoint_root;
  }
  if (Status s = print::CompareVerification(*paper, expected); !s.ok()) return fail(s.WithContext(document));
  QOIMA_RETURN_IF_ERROR(Audit(actor, "act.verify", object, "success",
                              document + " matches the store; checkpoint " + std::to_string(paper->checkpoint_size) +
                                  " of " + std::to_string(size)));
  return ActVerification{expected, document, size};
}

Result<std::shared_ptr<const ComputedFiles>> DepositComputedFiles(storage::Store& store, int64_t deposit_id) {
  auto computed = std::make_shared<ComputedFiles>();
  QOIMA_RETURN_IF_ERROR(store.ForEachFile(deposit_id, [&](const storage::FileInfo& f) {
    (*computed)[f.display_path] = ComputedFile{crypto::Hex(f.sha256), f.size};
    return Status::Ok();
  }));
  return std::shared_ptr<const ComputedFiles>(std::move(computed));
}

}  // namespace qoima::appliance
