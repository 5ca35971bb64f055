#include "appliance/intake_repository.h"

namespace qoima::appliance {
namespace {

using storage::Statement;

std::string IntakeName(int64_t id) { return "intake:" + std::to_string(id); }

}  // namespace

std::string RefusalReasonsText(const std::vector<RefusalReason>& reasons, const std::string& reason_text) {
  std::string s;
  for (auto r : reasons) s += (s.empty() ? "" : "; ") + RefusalKey(r) + " " + std::string(RefusalText(r));
  if (!reason_text.empty()) s += ". " + reason_text;
  return s;
}

Result<StoredKeyMap> LoadStoredKeyMap(storage::Database& db) {
  QOIMA_ASSIGN_OR_RETURN(Statement st, db.Prepare("SELECT stored_key, key FROM basis_keys ORDER BY stored_key"));
  StoredKeyMap map;
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    map.older_to_current.emplace_back(st.ColumnText(0), st.ColumnText(1));
  }
  return map;
}

Result<IntakeApplication> IntakeRepository::LoadApplication(std::string_view code) {
  QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("SELECT a.id, a.object_id, f.track, a.software_name, a.applicant, "
                                                   "(SELECT count(*) FROM ndas n WHERE n.application_id = a.id AND "
                                                   "n.signed_by_owner = 1 AND n.signed_by_operator = 1) FROM "
                                                   "applications a JOIN application_forms f ON f.application_id = "
                                                   "a.id WHERE a.architecture_code = ? ORDER BY a.id DESC LIMIT 1"));
  st.Bind(1, code);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no application for portal code '" + std::string(code) + "'");
  IntakeApplication a;
  a.id = st.ColumnInt(0);
  a.object_id = st.ColumnInt(1);
  a.track = ParseTrack(st.ColumnText(2)).value_or(Track::kApplication);
  a.software_name = st.ColumnText(3);
  a.applicant = st.ColumnText(4);
  a.nda_signed_by_both = st.ColumnInt(5) > 0;
  return a;
}

Result<int64_t> IntakeRepository::Insert(const NewIntake& in) {
  QOIMA_RETURN_IF_ERROR(CheckIntakeTransition(std::nullopt, in.state, "intake"));
  QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("INSERT INTO intakes(application_id, manifest_sha256, "
                                                   "manifest_format, manifest_json, state, clean, evidence_json, "
                                                   "deposit_id, decision_id, hold_until, created_by, created_at) "
                                                   "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"));
  st.Bind(1, in.application_id).Bind(2, in.manifest_sha256).Bind(3, in.manifest_format);
  st.Bind(4, in.manifest_record).Bind(5, IntakeStateName(in.state)).Bind(6, static_cast<int64_t>(in.clean));
  st.Bind(7, in.evidence_json).BindOptional(8, in.deposit_id).BindOptional(9, in.decision_id);
  st.BindOptional(10, in.hold_until).Bind(11, in.created_by).Bind(12, in.created_at);
  QOIMA_RETURN_IF_ERROR(st.Run());
  return db_.LastInsertRowid();
}

Result<IntakeRow> IntakeRepository::Load(int64_t id) {
  QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("SELECT i.application_id, a.architecture_code, i.state, "
                                                   "i.evidence_json, i.deposit_id, i.hold_until, i.created_at FROM "
                                                   "intakes i JOIN applications a ON a.id = i.application_id WHERE "
                                                   "i.id = ?"));
  st.Bind(1, id);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no intake " + std::to_string(id));
  IntakeRow r;
  r.id = id;
  r.application_id = st.ColumnInt(0);
  r.application = st.ColumnText(1);
  const std::string state = st.ColumnText(2);
  auto parsed = ParseIntakeState(state);
  if (!parsed) return Status::Corrupt(IntakeName(id) + " has the unknown state '" + state + "'");
  r.state = *parsed;
  r.evidence_json = st.ColumnText(3);
  if (!st.ColumnIsNull(4)) r.deposit_id = st.ColumnInt(4);
  r.hold_until = st.ColumnText(5);
  r.created_at = st.ColumnText(6);
  return r;
}

Status IntakeRepository::Advance(int64_t id, IntakeState from, IntakeState to, int64_t decision_id) {
  QOIMA_RETURN_IF_ERROR(CheckIntakeTransition(from, to, IntakeName(id)));
  QOIMA_ASSIGN_OR_RETURN(Statement up,
                         db_.Prepare("UPDATE intakes SET state = ?, decision_id = ? WHERE id = ? AND state = ?"));
  up.Bind(1, IntakeStateName(to)).Bind(2, decision_id).Bind(3, id).Bind(4, IntakeStateName(from));
  QOIMA_RETURN_IF_ERROR(up.Run());
  if (db_.Changes() != 1) return Status::FailedPrecondition(IntakeName(id) + " changed meanwhile (or does not exist)");
  return Status::Ok();
}

Result<int64_t> IntakeRepository::InsertDecision(const NewDecision& d) {
  QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("INSERT INTO decisions(application_id, deposit_id, kind, "
                                                   "refusal_reason, reason_text, evidence_json, decided_by, "
                                                   "decided_at) VALUES (?,?,?,?,?,?,?,?)"));
  st.Bind(1, d.application_id).BindOptional(2, d.deposit_id).Bind(3, d.accept ? "accept" : "refuse");
  st.BindOptional(
      4, d.accept || d.reasons.empty() ? std::nullopt : std::optional<int64_t>(static_cast<int64_t>(d.reasons[0])));
  st.BindOptional(5,
                  d.accept ? std::nullopt : std::optional<std::string>(RefusalReasonsText(d.reasons, d.reason_text)));
  st.Bind(6, d.evidence_json).Bind(7, d.decided_by).Bind(8, d.decided_at);
  QOIMA_RETURN_IF_ERROR(st.Run());
  return db_.LastInsertRowid();
}

Status IntakeRepository::InsertAcceptanceAct(const NewAcceptanceAct& a) {
  QOIMA_ASSIGN_OR_RETURN(Statement act, db_.Prepare("INSERT INTO acts(kind, number, application_id, deposit_id, "
                                                    "act_date, city, template_id, manifest_json, created_by, "
                                                    "created_at) VALUES ('acceptance',?,?,?,?,?,?,?,?,?)"));
  act.Bind(1, "A-" + std::to_string(a.deposit_id)).Bind(2, a.application_id).Bind(3, a.deposit_id);
  act.Bind(4, a.act_date).Bind(5, a.city).Bind(6, a.template_id).Bind(7, a.manifest_record);
  act.Bind(8, a.created_by).Bind(9, a.created_at);
  return act.Run();
}

Status IntakeRepository::SetAcceptanceCheckpoint(int64_t deposit_id, uint64_t tree_size,
                                                 std::span<const uint8_t> root) {
  QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("UPDATE acts SET checkpoint_size = ?, checkpoint_root = ? WHERE "
                                                   "deposit_id = ? AND kind = 'acceptance'"));
  st.Bind(1, static_cast<int64_t>(tree_size)).BindBlob(2, root).Bind(3, deposit_id);
  return st.Run();
}

Result<std::string> IntakeRepository::PersonName(int64_t user_id) {
  QOIMA_ASSIGN_OR_RETURN(Statement who, db_.Prepare("SELECT surname || ' ' || given_name || coalesce(' ' || "
                                                    "patronymic, '') FROM users WHERE id = ?"));
  who.Bind(1, user_id);
  QOIMA_ASSIGN_OR_RETURN(bool found, who.Step());
  return found ? who.ColumnText(0) : std::string();
}

}  // namespace qoima::appliance
