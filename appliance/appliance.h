// Appliance: the one entry point the CLI and the kiosk call. It owns the
// TPM-rooted keyring and the store, checks every permission (role.h) before
// it acts, and writes an audit event for every action, refused ones
// included, attributed to the authenticated user.
//
//   <state_dir>/keyring/   crypto::Keyring state (sealed master key, signing key)
//   <state_dir>/store/     storage::Store (meta.db, objects/)
//
// Workflows: Init (provision keys, create the store and the first admin),
// Login, users, applications with the Annex 2 journal, NDA records, Intake
// (read media once through hardware's sandboxed reader, hash and seal while
// reading, diff against the act, then accept / refuse / hold / only verify),
// Decide (on a recorded intake), verify-store, audit.
//
// Ownership: an Appliance owns its Keyring, StoreKeys and Store; it borrows
// the Clock and MediaReader given in the options (they must outlive it).
// Thread-safety: one thread at a time (the kiosk and CLI are single-threaded).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "appliance/act_document.h"
#include "appliance/application.h"
#include "appliance/authenticator.h"
#include "appliance/clock.h"
#include "appliance/intake_assessment.h"
#include "appliance/manifest_parser.h"
#include "appliance/password_hasher.h"
#include "appliance/role.h"
#include "common/result.h"
#include "crypto/keyring.h"
#include "hardware/media_reader.h"
#include "storage/store.h"

namespace qoima::appliance {

/// Working days a refused intake's content may be held for a re-try (001 cl.15).
inline constexpr int kHoldWorkingDays = 5;

struct ApplianceOptions {
  std::string tcti;
  std::string state_dir;
  Argon2Params argon2 = kArgon2Production;
  const Clock* clock = nullptr;             // default: the system clock
  hardware::MediaReader* reader = nullptr;  // default: the sandboxed reader
  hardware::ReadOptions read_options;       // limits and sandbox of media reads
};

struct NewUser {
  std::string login;
  std::string surname;
  std::string given_name;
  std::string patronymic;
  Role role = Role::kClerk;
  std::string password;
};

struct InitRequest {
  NewUser admin;  // role is forced to admin
  crypto::ProvisionOptions provision;
};

struct InitResult {
  crypto::ProvisionResult keys;
  int64_t admin_id = 0;
};

struct MediumSpec {
  std::string device;      // block device or image file
  std::string disc;        // the act's disc marking it carries ("" when the act has one disc)
  std::string copy_label;  // "original", "copy 1", ...
};

enum class IntakeAction { kVerifyOnly, kAccept, kRefuse, kHold };

struct IntakeRequest {
  std::string application;  // portal code
  std::string manifest_path;
  std::optional<ManifestFormat> manifest_format;
  std::string strip_prefix;     // for sha256sum/hashdeep lists with absolute paths
  std::string expected_digest;  // from the paper act; checked when given
  std::vector<MediumSpec> media;
  std::optional<bool> in_register;  // register track: the clerk's register check
  IntakeAction action = IntakeAction::kVerifyOnly;
  std::vector<RefusalReason> reasons;  // for kRefuse / kHold
  std::string reason_text;
  /// The accepting side of the act (the operator's representative and
  /// organization: `qoima intake --operator NAME/ORG`); empty: left blank.
  ActParty accepting;
};

struct IntakeOutcome {
  int64_t intake_id = 0;
  std::string state;  // verified | accepted | refused | held
  std::string manifest_digest;
  std::vector<MediumCheck> media;
  Assessment assessment;
  std::optional<int64_t> deposit_id;
  std::optional<int64_t> decision_id;
  std::string hold_until;
  ActDocument act;  // filled for accepted intakes (and drafts otherwise)
};

struct DecideRequest {
  bool accept = false;
  std::vector<RefusalReason> reasons;
  std::string reason_text;
  std::string manifest_path;  // accept of a held intake: the corrected act
  std::optional<bool> in_register;
};

struct UserSummary {
  int64_t id = 0;
  std::string login;
  std::string full_name;
  Role role = Role::kClerk;
  bool disabled = false;
  bool locked = false;
  int failed_logins = 0;
};

/// The Annex 1 form as JSON (docs/intake.md): what `qoima application add
/// --form FILE` reads and `application_forms.form_json` keeps.
nlohmann::json ApplicationToJson(const Application& application);
Result<Application> ApplicationFromJson(const nlohmann::json& form);

class Appliance {
 public:
  /// Provisions the keyring in the TPM, creates the store and the first admin.
  /// FailedPrecondition when the state directory already holds a keyring.
  static Result<InitResult> Init(const ApplianceOptions& options, const InitRequest& request);
  /// Opens the keyring (unseal) and the store.
  static Result<std::unique_ptr<Appliance>> Open(const ApplianceOptions& options);
  ~Appliance();

  /// Checks the password under the lockout policy; audited either way.
  Result<Actor> Login(std::string_view login, std::string_view password);

  Result<int64_t> CreateUser(const Actor& actor, const NewUser& user);
  /// Sets a new password: one's own, or anyone's by an officer/admin.
  Status SetPassword(const Actor& actor, std::string_view login, std::string_view password);
  Status Unlock(const Actor& actor, std::string_view login);
  Status SetDisabled(const Actor& actor, std::string_view login, bool disabled);
  Result<std::vector<UserSummary>> ListUsers(const Actor& actor);

  /// Records the application (Annex 1), its object (portal code as key) and
  /// the next journal line (Annex 2) in one transaction; returns the journal number.
  Result<int64_t> RegisterApplication(const Actor& actor, const Application& application, const JournalEntry& entry);
  Result<Application> GetApplication(const Actor& actor, std::string_view portal_code);
  Result<std::vector<JournalEntry>> Journal(const Actor& actor);
  Status RecordNda(const Actor& actor, std::string_view portal_code, const NdaRecord& nda);

  /// Verifies media against an act and carries out `request.action`.
  /// Verification problems are not errors: they are in the outcome. Errors
  /// are: permission, unknown application, bad manifest, digest mismatch,
  /// a decision the evidence does not support (nothing is stored then).
  Result<IntakeOutcome> Intake(const Actor& actor, const IntakeRequest& request);
  /// Decides a recorded intake: refuse a verified or held intake; accept a
  /// held one (re-checked against `manifest_path` when given).
  Result<IntakeOutcome> Decide(const Actor& actor, int64_t intake_id, const DecideRequest& request);

  Result<storage::ScrubReport> VerifyStore(const Actor& actor);
  /// `qoima backup DIR`: a consistent, encrypted snapshot of the store (DB,
  /// objects, audit log, signed manifest; docs/storage.md) into the new
  /// directory `dir`. Security officers and admins; audited either way.
  Status Backup(const Actor& actor, const std::string& dir);
  /// `qoima restore BACKUP`: checks a backup and installs it as the store of
  /// the state directory, which must hold a keyring that opens it (this
  /// appliance, or one recovered from the shares) and no store. Nobody can log
  /// in before a store exists, so the gate is the TPM unseal; the restored
  /// audit log records the restore.
  static Status Restore(const ApplianceOptions& options, const std::string& backup_dir);
  Result<storage::AuditVerifyReport> VerifyAudit(const Actor& actor);
  Result<std::vector<storage::AuditEvent>> AuditEntries(const Actor& actor, uint64_t first, uint64_t count);
  /// Signs a checkpoint over this session's events (end of a CLI command).
  Status EndSession();

  std::string DeviceFingerprint();
  storage::Store& store() { return *store_; }

 private:
  Appliance() = default;
  Result<UserRecord> LoadUser(std::string_view login);
  Status SaveLoginState(const UserRecord& user);
  Status Audit(const Actor& actor, std::string_view action, std::string_view object, std::string_view outcome,
               std::string_view reason);
  /// Audits a refusal of `permission` and returns the PermissionDenied status.
  Status Check(const Actor& actor, Permission permission, std::string_view action, std::string_view object);
  std::string NowText() const;

  ApplianceOptions options_;
  SystemClock system_clock_;
  const Clock* clock_ = nullptr;
  std::unique_ptr<hardware::SandboxedMediaReader> default_reader_;
  hardware::MediaReader* reader_ = nullptr;
  std::unique_ptr<crypto::Keyring> keyring_;
  std::unique_ptr<storage::KeyringStoreKeys> keys_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<PasswordHasher> hasher_;
};

}  // namespace qoima::appliance
