// IntakeRepository: persists intakes (intake_state.h) and what is recorded
// with their steps, in the store's `intakes`, `decisions` and `acts` tables
// (schema: storage/migrations.cpp v1, v3, v7, v10; docs/storage.md). It
// also reads the application an intake is for (`applications`,
// `application_forms`, `ndas`) and the clerk's name for the act.
//
// It writes only the transitions IntakeTransitions() allows: Insert() a new
// intake in the state a new intake may take, Advance() from the stored
// state (checked in the UPDATE itself, so a row decided meanwhile is not
// overwritten). The act's record (manifest_record.h) and its file
// (act_file_record.h) are written by their own modules in the same
// transaction.
//
// The Appliance's intake workflow (appliance_intake.cpp) is the only caller
// in the product: it checks roles, writes the audit event and holds the
// Transaction around these calls.
//
// Ownership: borrows the Database. Thread-safety: one thread at a time, like
// the Database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "appliance/application.h"
#include "appliance/intake_assessment.h"
#include "appliance/intake_state.h"
#include "common/result.h"
#include "storage/database.h"

namespace qoima::appliance {

/// The application an intake is for, as the intake needs it.
struct IntakeApplication {
  int64_t id = 0;
  int64_t object_id = 0;
  Track track = Track::kApplication;
  std::string software_name;
  std::string applicant;
  bool nda_signed_by_both = false;  // an NDA (Annex 4) signed by owner and operator
};

/// A new `intakes` row.
struct NewIntake {
  int64_t application_id = 0;
  std::string manifest_sha256;
  std::string manifest_format;
  std::string manifest_record;  // reference to its manifest_records row (manifest_record.h)
  IntakeState state = IntakeState::kVerified;
  bool clean = false;  // no refusal ground in the assessment
  std::string evidence_json;
  std::optional<int64_t> deposit_id;
  std::optional<int64_t> decision_id;
  std::optional<std::string> hold_until;  // UTC text, held intakes
  int64_t created_by = 0;
  std::string created_at;
};

/// An `intakes` row as read back (the stored record itself is read a piece
/// at a time by manifest_record.h, never selected here).
struct IntakeRow {
  int64_t id = 0;
  int64_t application_id = 0;
  std::string application;  // portal code
  IntakeState state = IntakeState::kVerified;
  std::string evidence_json;
  std::optional<int64_t> deposit_id;
  std::string hold_until;  // UTC text, "" when none
  std::string created_at;
};

/// A `decisions` row: an acceptance or a refusal with its reasons.
struct NewDecision {
  int64_t application_id = 0;
  std::optional<int64_t> deposit_id;
  bool accept = false;
  std::vector<RefusalReason> reasons;  // refusals: the first is stored as refusal_reason
  std::string reason_text;             // refusals: the clerk's words after the clauses
  std::string evidence_json;
  int64_t decided_by = 0;
  std::string decided_at;
};

/// The acceptance act's `acts` row (number "A-<deposit>").
struct NewAcceptanceAct {
  int64_t application_id = 0;
  int64_t deposit_id = 0;
  std::string act_date;
  std::string city;
  std::string template_id;
  std::string manifest_record;  // the record the act's rows are read from
  int64_t created_by = 0;
  std::string created_at;
};

class IntakeRepository {
 public:
  explicit IntakeRepository(storage::Database& db) : db_(db) {}

  /// The newest application with portal code `code`; kNotFound naming it.
  Result<IntakeApplication> LoadApplication(std::string_view code);

  /// Inserts a new intake and returns its id. kFailedPrecondition when a
  /// new intake may not take `intake.state` (IntakeTransitions()).
  Result<int64_t> Insert(const NewIntake& intake);

  /// kNotFound ("no intake N") for an unknown id; kCorrupt for a state the
  /// machine does not know.
  Result<IntakeRow> Load(int64_t id);

  /// Moves intake `id` from `from` to `to` with its decision. Refused
  /// (kFailedPrecondition, CheckIntakeTransition's words) when the table has
  /// no such step, or when the stored row is no longer in `from`.
  Status Advance(int64_t id, IntakeState from, IntakeState to, int64_t decision_id);

  /// Inserts a decision and returns its id.
  Result<int64_t> InsertDecision(const NewDecision& decision);

  Status InsertAcceptanceAct(const NewAcceptanceAct& act);

  /// Binds the acceptance act of `deposit_id` to the signed checkpoint taken
  /// after its commit.
  Status SetAcceptanceCheckpoint(int64_t deposit_id, uint64_t tree_size, std::span<const uint8_t> root);

  /// "Surname Given Patronymic" of user `user_id`; "" when there is none.
  Result<std::string> PersonName(int64_t user_id);

 private:
  storage::Database& db_;
};

/// The refusal's keys and words as the decision and the audit log keep
/// them: "practice:refusal-2 <text>; ...". <reason_text>".
std::string RefusalReasonsText(const std::vector<RefusalReason>& reasons, const std::string& reason_text);

/// The `basis_keys` rows (storage migration 12): older stored keys and the
/// key each stands for now.
Result<StoredKeyMap> LoadStoredKeyMap(storage::Database& db);

}  // namespace qoima::appliance
