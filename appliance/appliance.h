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
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "appliance/access_register.h"
#include "appliance/act_document.h"
#include "appliance/act_file_record.h"
#include "appliance/act_on_medium.h"
#include "appliance/appliance_print.h"
#include "appliance/application.h"
#include "appliance/approval_repository.h"
#include "appliance/authenticator.h"
#include "appliance/intake_assessment.h"
#include "appliance/intake_progress.h"
#include "appliance/intake_state.h"
#include "appliance/manifest_parser.h"
#include "appliance/media_watch.h"
#include "appliance/password_hasher.h"
#include "appliance/pending_security_log.h"
#include "appliance/role.h"
#include "appliance/two_person_approval.h"
#include "appliance/user_change_repository.h"
#include "common/result.h"
#include "common/unique_fd.h"
#include "crypto/keyring.h"
#include "hardware/media_reader.h"
#include "storage/clock.h"
#include "storage/store.h"

namespace qoima::exporting {
struct ExportProgress;  // appliance/export/bundle_exporter.h
}  // namespace qoima::exporting

namespace qoima::appliance {

namespace lifecycle {
class LifecycleDesk;
}

/// Layout of the state directory (appended to ApplianceOptions::state_dir).
inline constexpr char kKeyringDir[] = "/keyring";
inline constexpr char kStoreDir[] = "/store";
/// Where `qoima recover` builds the new keyring before it replaces keyring/.
inline constexpr char kRecoveringKeyringDir[] = "/keyring.recovering";
/// flock()ed by an open Appliance, taken before the TPM is touched: one
/// process at a time acts on the appliance (docs/ARCHITECTURE.md, "One process
/// at a time").
inline constexpr char kApplianceLockFile[] = "/appliance.lock";
/// In the message of an open refused because another process has the
/// appliance open (the kiosk carrying out an action, another qoima command):
/// the fronts recognise it and say so in the person's words.
inline constexpr const char* kInUseByAnotherProcess = "in use by another process";

/// Working days a refused intake's content may be held for a re-try (001 cl.15).
inline constexpr int kHoldWorkingDays = 5;

/// True when the environment says QOIMA_TEST_MEDIA=1: loop devices and image
/// files stand for depositor media (tests, the demonstration, the benchmarks;
/// the appliance image never sets it). Read by the fronts, once.
bool TestMediaAllowed();

struct ApplianceOptions {
  std::string tcti;
  std::string state_dir;
  /// The running boot image's signed PCR policy, for keyrings sealed to an
  /// update-signing key (crypto::OpenOptions; default systemd-stub's file).
  std::string pcr_signature_path = crypto::kDefaultPcrSignaturePath;
  Argon2Params argon2 = kArgon2Production;
  const storage::Clock* clock = nullptr;    // default: the system clock
  hardware::MediaReader* reader = nullptr;  // default: the sandboxed reader
  hardware::ReadOptions read_options;       // limits and sandbox of media reads
  /// The default reader also admits loop devices and image files as media
  /// (never the appliance's own disks): TestMediaAllowed() at the fronts.
  bool allow_test_media = false;
  /// An act of more files than this keeps its entries in the compact
  /// ActEntryTable while it is checked (ManifestParseOptions::compact_after_entries).
  size_t act_entries_in_memory = kActEntriesInMemory;
  /// How long Open waits for another process to close the appliance before
  /// it refuses (0: refuse at once, the CLI; the kiosk waits a moment, since
  /// a qoima command holds it for a second or two).
  int lock_wait_ms = 0;
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

/// An act file on a medium (`qoima intake --manifest-on MEDIUM:PATH`, the
/// kiosk's pick): the device, one of the deposit's media or a separate act
/// stick, and the file's path there (ActCandidate::raw_path, or its path as
/// listed).
struct ActOnMedium {
  std::string device;
  std::string path;
};

/// The act's file as the intake read and kept it (IntakeOutcome::act_file,
/// the evidence's "act_file").
struct ActFileInfo {
  std::string source;  // "file" | "medium"
  std::string device;  // "medium"
  std::string volume_label;
  std::string path;  // as shown
  uint64_t size = 0;
  int64_t mtime = 0;
  std::string sha256;
  bool paper_digest_checked = false;  // the paper act's digest was given and matched, before any read of the deposit
  /// The act's file sits on a medium of the deposit: it is not one of the
  /// act's own files, so it is left out of that medium's comparison (and
  /// not stored as a file of the deposit: it is kept as the act).
  bool on_deposit_medium = false;
  std::string excluded_on;  // the deposit medium it was left out of
};

/// In the message of an intake stopped because the act's SHA-256 is not the
/// paper act's digest (the kiosk says it in the clerk's words).
inline constexpr const char* kPaperDigestMismatch = "not the digest on the paper act";

/// What the fronts say of an act file left out of the comparison (English;
/// the kiosk translates it).
inline constexpr const char* kActFileExcludedNote =
    "the act's own file on the deposit medium is not one of the act's files: it was not compared and is kept as the "
    "act, not as a file of the deposit";

struct IntakeRequest {
  std::string application;            // portal code
  std::string manifest_path;          // the act as a file (automation), or:
  std::optional<ActOnMedium> act_on;  // the act on a medium, read through the sandboxed reader
  std::optional<ManifestFormat> manifest_format;
  std::string strip_prefix;     // for hash lists with absolute paths ("" : a drive or mount point is found)
  size_t table = 0;             // a .docx table / .xlsx sheet, from 1 (--table N); 0: the Annex 3 one
  std::string expected_digest;  // from the paper act; checked when given
  std::vector<MediumSpec> media;
  std::optional<bool> in_register;  // register track: the clerk's register check
  IntakeAction action = IntakeAction::kVerifyOnly;
  std::vector<RefusalReason> reasons;  // for kRefuse / kHold
  std::string reason_text;
  IntakeWatch watch;  // progress reports and cancellation while reading (kiosk)
  /// The accepting side of the act (the operator's representative and
  /// organization: `qoima intake --operator NAME/ORG`); empty: left blank.
  ActParty accepting;
  /// False: the outcome's diffs list only the differences (matched files are
  /// counted, not listed): what a caller showing no more needs (the CLI's
  /// text output), and 100k fewer items held for a 100k-file medium.
  bool keep_matched_items = true;
};

struct IntakeOutcome {
  int64_t intake_id = 0;
  IntakeState state = IntakeState::kVerified;
  std::string manifest_digest;
  /// How the act's file was read: its form ("csv", "docx"), encoding,
  /// table, a prefix removed from its paths; and whether it carries
  /// checksums (false: kNoChecksumsNote applies).
  std::string manifest_format;
  ActSource manifest_source;
  bool manifest_has_checksums = true;
  ActFileInfo act_file;
  std::vector<MediumCheck> media;
  Assessment assessment;
  std::optional<int64_t> deposit_id;
  std::optional<int64_t> decision_id;
  std::string hold_until;
  ActDocument
      act;  // filled for accepted intakes (and drafts otherwise); its rows are read from the manifest (rows_from)
  /// The act check's flags of the act's text (hidden characters in paths and
  /// fields), and how many more there were; what the reader found on the
  /// media is per medium (media[i].diff.findings).
  std::vector<ActTextFlag> act_text_flags;
  size_t act_text_flags_unlisted = 0;
};

/// An intake as recorded: its state and the evidence kept with it (what
/// each medium held against the act, the reader's findings, the assessment;
/// docs/intake.md, "Evidence").
struct IntakeRecord {
  int64_t id = 0;
  std::string application;  // portal code
  IntakeState state = IntakeState::kVerified;
  std::string created_at;  // UTC, as stored
  std::string evidence_json;
};

struct DecideRequest {
  bool accept = false;
  std::vector<RefusalReason> reasons;
  std::string reason_text;
  std::string manifest_path;  // accept of a held intake: the corrected act
  std::string strip_prefix;   // ... read with these (as IntakeRequest's)
  size_t table = 0;
  std::optional<bool> in_register;
  /// False: the re-check's matched files are counted, not listed.
  bool keep_matched_items = true;
};

/// An intake read and held for the clerk's decision (IntakeState::kHeld), as
/// ListHeldIntakes gives it: the application it is for, when its hold runs
/// out, and what the read found, rebuilt from the evidence recorded with it
/// (each medium's counts, its listed differences, problems and findings; the
/// act's file; the act's flagged fields). Matched files are counted in
/// `media[i].diff.counts`, never listed: the evidence keeps only differences.
struct HeldIntake {
  int64_t id = 0;
  std::string application;  // portal code
  int64_t journal_number = 0;
  std::string software_name;
  std::string state_body;
  int64_t deposit_id = 0;  // the held content (temporary store)
  std::string created_at;  // UTC text, as stored
  std::string hold_until;  // UTC text, as stored
  int64_t hold_until_unix = 0;
  bool hold_ran_out = false;  // the window ended: it can only be refused now
  std::vector<MediumCheck> media;
  ActFileInfo act_file;
  std::vector<ActTextFlag> act_text_flags;
};

/// One custodian of the recovery: a security officer who authenticates.
struct RecoveryCustodian {
  std::string login;
  std::string password;
};

/// `qoima recover`: M recovery shares, entered in the presence of two
/// different security officers (dual control, 003/design "Keys").
struct RecoverRequest {
  std::vector<std::string> shares;
  RecoveryCustodian first;
  RecoveryCustodian second;
};

struct RecoverOutcome {
  std::string old_fingerprint;       // device key before (from the old certificate)
  std::string new_fingerprint;       // device key of the new TPM
  std::string certificate_pem;       // new device certificate
  std::string replaced_keyring_dir;  // where the old keyring/ was kept
  uint64_t audit_index = 0;          // the keys.recover event
};

/// What the kiosk's recovery screen shows (no secrets).
struct RecoveryState {
  int threshold = 0;
  int shares = 0;
  std::vector<int> pcrs;  // empty: not bound to the boot state
  std::string device_fingerprint;
  size_t previous_keys = 0;  // signing keys replaced by earlier recoveries
};

/// What a change to an account came to (docs/security.md): carried out at
/// once, or recorded as a two-person request that a second security officer
/// approves (ApproveRequest carries it out) or the recovery shares stand in
/// for (BreakGlassApprove).
struct UserChangeOutcome {
  bool applied = false;
  int64_t user_id = 0;                     // the account; 0 for a creation still pending
  std::optional<ApprovalRequest> pending;  // set when a second officer must approve first
  bool commissioning = false;              // an officer seated while no second officer existed
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

/// Where and how `Appliance::Export` writes a bundle: exactly one of
/// `output_path` (a file that must not exist yet) or `device` (a dedicated
/// export stick: the whole device is formatted FAT32 and the bundle is the
/// only file on it). A USB mass-storage stick as hardware/ classifies it;
/// where test media are allowed (ApplianceOptions::allow_test_media), a
/// whole loop device that is not one of the appliance's own disks too.
struct ExportOptions {
  std::string output_path;
  std::string device;
  std::optional<std::string> recipient_cert_pem;  // set: payload encrypted to this certificate (CMS)
  std::string note;                               // optional words of the executing officer, audited
  /// Called from the exporting thread as the bundle is written and read
  /// back (exporting::ExportRequest::progress); may be null.
  std::function<void(const exporting::ExportProgress&)> progress;
};

/// What an export produced (the bundle was read back and verified before this returns).
struct ExportOutcome {
  int64_t approval_id = 0;
  int64_t deposit_id = 0;
  std::string export_id;
  uint64_t sequence = 0;
  std::string written_to;  // file path, or "DEVICE:NAME"
  uint64_t bundle_bytes = 0;
  std::string bundle_sha256;
  bool encrypted = false;
  std::string bag_dir;
  uint64_t payload_files = 0;
  uint64_t payload_bytes = 0;
  std::string device_fingerprint;
  uint64_t audit_index = 0;  // the export event's leaf
  std::string requested_by;
  std::string approved_by;
  std::string device_certificate_pem;  // to hand the recipient with the bundle (verify-bundle --cert)
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
  /// Re-seals the master key to the TPM of `options.tcti` from M recovery
  /// shares (after the old TPM or its board was lost). Dual control: both
  /// custodians must log in (lockout policy applies) as two different
  /// security officers, checked against the store the rebuilt key opens.
  /// The new keyring is built aside (keyring.recovering/) and replaces
  /// keyring/ only after the keys.recover audit event is committed and a
  /// checkpoint is signed with the new key; the old keyring/ is kept as
  /// keyring.replaced-<time>/. A refusal after the shares were accepted is
  /// audited; wrong shares are refused before anything can be opened (there
  /// is no key to write the audit log with) and change nothing.
  static Result<RecoverOutcome> Recover(const ApplianceOptions& options, const RecoverRequest& request);
  /// Share policy, PCR binding and key history, for officers and auditors.
  Result<RecoveryState> GetRecoveryState(const Actor& actor);
  ~Appliance();

  /// Checks the password under the lockout policy; audited either way with
  /// the real reason. Every refusal (unknown login, wrong password, locked,
  /// disabled) answers LoginRefused(): the same kAuthFailed and words.
  Result<Actor> Login(std::string_view login, std::string_view password);

  // ---- accounts (appliance_users.cpp; docs/security.md) ---------------------
  // Each change is judged by role.h's UserChangeRuleFor: a clerk's or
  // auditor's account is changed by the admin at once; a security officer's
  // or admin's account only through a request (SensitiveAction::kUserChange,
  // expires like any approval) that a second, independent security officer
  // approves; an officer may ask, not act. Nobody changes the role or state
  // of their own account; everyone may set their own password. `reason` is
  // the request's reason (default: what the change does). Every change
  // carried out is a user_changes row with who asked and who approved.

  /// Creates an account. The first kCommissioningOfficers security officers
  /// are seated by the admin directly (commissioning).
  Result<UserChangeOutcome> CreateUser(const Actor& actor, const NewUser& user, const std::string& reason = "");
  /// Sets a new password (clears a lockout).
  Result<UserChangeOutcome> SetPassword(const Actor& actor, std::string_view login, std::string_view password,
                                        const std::string& reason = "");
  /// Clears a lockout (the admin, any account: it reveals no password).
  Status Unlock(const Actor& actor, std::string_view login);
  Result<UserChangeOutcome> SetDisabled(const Actor& actor, std::string_view login, bool disabled,
                                        const std::string& reason = "");
  Result<UserChangeOutcome> SetRole(const Actor& actor, std::string_view login, Role role,
                                    const std::string& reason = "");
  Result<std::vector<UserSummary>> ListUsers(const Actor& actor);
  /// Every recorded change of the account, oldest first.
  Result<std::vector<UserChange>> UserHistory(const Actor& actor, std::string_view login);
  /// Break-glass: the requester of a pending account change completes it with
  /// M recovery shares instead of a second officer's approval (no second
  /// officer is available, e.g. only one remains). Only account changes;
  /// shares that do not rebuild the master key are refused (kAuthFailed) and
  /// audited. Audited as "approval.break_glass"; the change is recorded as
  /// break-glass.
  Result<ApprovalRequest> BreakGlassApprove(const Actor& actor, int64_t approval_id,
                                            const std::vector<std::string>& shares);

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
  /// The intakes held for a decision (IntakeState::kHeld), oldest first,
  /// for the clerk's list of held intakes: those who decide (kDecide). A
  /// read of records, not of content: not audited unless refused. Evidence
  /// that is not JSON is kCorrupt naming the intake.
  Result<std::vector<HeldIntake>> ListHeldIntakes(const Actor& actor);
  /// A recorded intake with its evidence (`qoima intake show`). Clerks,
  /// officers and auditors (kReadRecords); NotFound for an unknown id.
  Result<IntakeRecord> GetIntake(const Actor& actor, int64_t intake_id);
  /// The files of `device` that may be the act (act_on_medium.h), read
  /// through the sandboxed reader after the device is admitted as a medium.
  /// Clerks (kIntake); audited as "intake.act_candidates".
  Result<ActCandidates> ListActCandidates(const Actor& actor, const std::string& device);
  /// The act's file kept with intake `intake_id`, byte-exact, handed to
  /// `piece` (kReadRecords; audited as "intake.act_file"). NotFound when
  /// the intake kept none.
  Result<ActFileMeta> ReadIntakeActFile(const Actor& actor, int64_t intake_id,
                                        const std::function<Status(std::string_view)>& piece);

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
  /// `qoima audit checkpoint`: records "audit.checkpoint" and signs a
  /// checkpoint (bound to the TPM counter) for an outside witness to keep;
  /// format it with storage::FormatCheckpointWitness. Officers, auditors,
  /// admins.
  Result<storage::AuditCheckpoint> WitnessCheckpoint(const Actor& actor);
  /// `qoima audit verify --since FILE`: parses the witness text
  /// (kInvalidArgument naming `where` and the line), checks its signature
  /// and proves that today's log extends it (Store::VerifyAuditSince);
  /// audited as "audit.verify" with the outcome.
  Result<storage::WitnessVerifyReport> VerifyAuditSince(const Actor& actor, std::string_view witness_text,
                                                        std::string_view where);
  /// Entries [first, first + count) of the audit log as a person reads them:
  /// each reason with the keys of refusal grounds in their wording, keys an
  /// older version stored mapped first (storage's basis_keys). The log itself
  /// is as appended; VerifyAudit checks it.
  Result<std::vector<storage::AuditEvent>> AuditEntries(const Actor& actor, uint64_t first, uint64_t count);
  /// Records that the hardware refused a device plugged in at the counter
  /// (BadUSB: a "stick" that is also a keyboard or network adapter) as a
  /// "media.refuse" event: device, vendor, model, serial and the reason.
  /// Attributed to the user logged in at the counter, else to "system".
  Status RecordRefusedMedium(const Actor* at_counter, const DetectedMedium& medium);
  /// Signs a checkpoint over this session's events (end of a CLI command).
  Status EndSession();

  // ---- Two-person approvals (appliance_approvals.cpp) ----------------------
  // Used by `qoima export ...`, `qoima user ...` and the kiosk's officer
  // screens. Each call checks the role (role.h via Request/ApprovePermission:
  // security officers request, approve, reject and cancel exports,
  // destruction and recovery; the admin or an officer asks for an account
  // change and an officer approves it; officers, auditors and the admin
  // list), checks that the two persons are independent
  // (person_independence.h), runs the state machine (two_person_approval.h) and
  // writes the row(s) and the audit event ("approval.request", ".approve",
  // ".reject", ".cancel", ".expire") in ONE transaction; a refusal is audited
  // as "denied". A request past its expiry is stored as expired when someone
  // acts on it, and the action is refused.

  /// Records a pending request. For kExport the object is "deposit:<id>" of a
  /// committed deposit (kNotFound / kFailedPrecondition otherwise); the reason
  /// is required. Expires after DefaultApprovalPolicy(action).ttl_seconds.
  Result<ApprovalRequest> RequestApproval(const Actor& actor, SensitiveAction action, const std::string& object,
                                          const std::string& reason);
  /// A second security officer approves (never the requester, never someone
  /// the requester made or re-keyed within kIndependenceWindowSeconds or who
  /// made or re-keyed the requester). An account change is carried out in
  /// the same transaction (state executed); its approver is never the
  /// account changed.
  Result<ApprovalRequest> ApproveRequest(const Actor& actor, int64_t approval_id);
  /// A second security officer refuses the request, with a note (required).
  Result<ApprovalRequest> RejectRequest(const Actor& actor, int64_t approval_id, const std::string& note);
  /// The requester withdraws a pending or approved request.
  Result<ApprovalRequest> CancelRequest(const Actor& actor, int64_t approval_id);
  /// Newest first; states as of now (a lapsed request shows as expired).
  Result<std::vector<ApprovalRequest>> ListApprovals(const Actor& actor, ApprovalListFilter filter);
  Result<ApprovalRequest> GetApproval(const Actor& actor, int64_t approval_id);

  // ---- Export (appliance_export.cpp) ---------------------------------------
  /// Carries out an approved export request: the requester or the approver
  /// runs it; the deposit is streamed into a bundle signed by the TPM device
  /// key, written to `options`' target, read back and verified; then the
  /// approval is marked executed (it cannot be used again) with an
  /// "approval.execute" audit event. Refused (kFailedPrecondition) when the
  /// approval is not approved, expired, already executed or not an export.
  Result<ExportOutcome> Export(const Actor& actor, int64_t approval_id, const ExportOptions& options);

  // ---- access register (appliance_access_register.cpp; access_register.h) ----
  /// Who read, exported, printed, issued or returned the deposit `deposit_ref`
  /// ("3", "A-3"), built from the audit log while it is verified. Auditor and
  /// security officer (kAccessRegister). Reading it is audited as
  /// "access_register.read" on "deposit:N" (a refusal as denied, a log that
  /// does not verify as failure: then kTampered and no register).
  Result<AccessRegister> GetAccessRegister(const Actor& actor, std::string_view deposit_ref);

  // ---- printing (appliance_print.cpp; types and roles in appliance_print.h) ----
  /// Builds the document from the store's records and renders it to PDF.
  /// Audited as "document.render"; PermissionDenied per the table in
  /// appliance_print.h; NotFound for an unknown id.
  Result<PrintedDocument> RenderDocument(const Actor& actor, const DocumentRef& ref, const PrintOptions& options);
  /// Saves `doc.pdf` to `save_path` (atomically) and, unless `target` and the
  /// settings name no queue, prints it through CUPS. Fails only when the PDF
  /// cannot be saved; a print failure (none configured, job failed) is in
  /// PrintOutcome::printed. Audited as "document.print".
  Result<print::PrintOutcome> PrintDocument(const Actor& actor, const PrintedDocument& doc,
                                            const std::string& save_path, const PrintTarget& target);
  Result<PrinterSettings> GetPrinterSettings(const Actor& actor);
  /// Admin only (system setup); audited.
  Status SetPrinterSettings(const Actor& actor, const PrinterSettings& settings);
  /// Prints the printer's test page (print/test_page.h) once on the
  /// configured printer, after saving it to `save_path`. Admin only (system
  /// setup); audited as "printer.test" (the job, or why it failed). A print
  /// failure is in PrintOutcome::printed; no printer configured is
  /// kFailedPrecondition.
  Result<print::PrintOutcome> PrintTestPage(const Actor& actor, const std::string& save_path);
  /// The operator's details printed on every document (operator_details.h);
  /// anyone who may print or set up the appliance may read them.
  Result<print::OperatorInfo> GetOperatorDetails(const Actor& actor);
  /// Admin only (system setup); validated, audited as "operator.set" with
  /// every value before and after.
  Status SetOperatorDetails(const Actor& actor, const print::OperatorInfo& details);
  /// Checks a printed verification line / QR payload against the store and
  /// the audit log: the checkpoint must be one of the log's (size <= current
  /// size, root = the log's root at that size) and every other field must
  /// match the document's records. kCorrupt naming each differing field.
  Result<ActVerification> VerifyAct(const Actor& actor, std::string_view payload);

  /// The lifecycle (cases, notices, calendar, register, reports) for a
  /// logged-in user: each step checks that user's permission (role.h).
  /// `clock`: a rehearsal's fixed date (read-only look-ups); null for the
  /// appliance's clock. The desk must not outlive this Appliance.
  Result<std::unique_ptr<lifecycle::LifecycleDesk>> OpenLifecycle(const Actor& actor,
                                                                  const storage::Clock* clock = nullptr);

  std::string DeviceFingerprint();

 private:
  // Tests reach the store to set up states no front can make (tests/).
  friend struct ApplianceTestPeer;
  // The phases of Intake and Decide (appliance_intake.cpp).
  struct IntakeRun;
  struct DecideRun;
  // The held deposit's content against an act (Decide's re-check).
  Result<DiffReport> RecheckHeld(const ActManifest& manifest, int64_t deposit_id, bool keep_matched);
  Appliance() = default;
  /// How OpenWithKeyring() treats the store: open an existing one, create it
  /// (Init), or open it for a recovery onto a new TPM (the binding to that
  /// TPM's counter waits for both officers: Store::BindRollbackCounter).
  enum class StoreMode { kOpen, kCreate, kRecovery };
  static Result<std::unique_ptr<Appliance>> OpenWithKeyring(const ApplianceOptions& options,
                                                            const std::string& keyring_dir, StoreMode mode);
  /// Failures before the store opens go to the pending log (best effort).
  static void RecordPending(PendingSecurityLog& log, const std::string& time, std::string_view action,
                            const Status& failure);
  /// Moves pending pre-open failures into the audit log, then clears them.
  Status ImportPendingSecurityEvents(PendingSecurityLog& log);
  Result<UserRecord> LoadUser(std::string_view login);
  Status SaveLoginState(const UserRecord& user);
  Status Audit(const Actor& actor, std::string_view action, std::string_view object, std::string_view outcome,
               std::string_view reason);
  /// Audits a refusal of `permission` and returns the PermissionDenied status.
  Status Check(const Actor& actor, Permission permission, std::string_view action, std::string_view object);
  std::string NowText() const;
  /// Loads approval `id`, checks `permission(action)`, applies `change` at
  /// the current time and stores the result with an audit event
  /// `audit_action` in one transaction (an account change approved is
  /// carried out in it too).
  Result<ApprovalRequest> ChangeApproval(const Actor& actor, int64_t id, Permission (*permission)(SensitiveAction),
                                         std::string_view audit_action,
                                         const std::function<Status(ApprovalRequest&, int64_t now)>& change);
  /// Fills ApprovalRequest::detail of an account change.
  Status FillDetail(ApprovalRequest& request);
  Result<Actor> ActorById(int64_t user_id);
  /// Judges and carries out (or records as a request) an account change;
  /// `account_roles`: the role(s) the account has or will have.
  Result<UserChangeOutcome> ChangeUser(const Actor& actor, UserChangeRequest change,
                                       const std::vector<Role>& account_roles, const std::string& reason);
  /// Writes an authorized change in the caller's transaction (account rows and
  /// its user_changes row); returns the account id.
  Result<int64_t> ApplyUserChange(const UserChangeRequest& change, int64_t requested_by, int64_t approved_by,
                                  bool break_glass, int64_t approval_id);
  /// The persons of `request` with `approver` added are independent; for an
  /// account change also: the approver is not the account, the requester may
  /// still ask.
  Status CheckApprovalPersons(const ApprovalRequest& request, const Actor& approver, int64_t now);
  /// Carries out the approved account change of `request` (caller's
  /// transaction) and audits it.
  Status CarryOutUserChange(const Actor& actor, ApprovalRequest& request, int64_t approved_by, bool break_glass);

  UniqueFd lock_;  // first: released last, after the store and the keyring are closed
  ApplianceOptions options_;
  storage::SystemClock system_clock_;
  const storage::Clock* clock_ = nullptr;
  std::unique_ptr<hardware::SandboxedMediaReader> default_reader_;
  hardware::MediaReader* reader_ = nullptr;
  std::unique_ptr<crypto::Keyring> keyring_;
  std::unique_ptr<storage::KeyringStoreKeys> keys_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<PasswordHasher> hasher_;
};

}  // namespace qoima::appliance
