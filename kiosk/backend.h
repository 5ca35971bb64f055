// Backend: the narrow facade through which every kiosk screen talks to the
// appliance. The screens hold no rule: who may log in, what a diff contains,
// whether a decision is allowed are all answered by appliance/ behind this
// interface. The real implementation is ApplianceBackend
// (kiosk/appliance_backend.h); unit tests of screen logic pass a fake.
//
// Ownership: the App owns one Backend and hands screens a reference.
// Thread-safety: calls may block (TPM, media); the kiosk calls StartIntake's
// work on a worker thread and everything else from the UI thread. An
// implementation must allow one intake running concurrently with UI calls.
#pragma once

#include <atomic>
#include <cstdint>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "appliance/vocabulary.h"
#include "common/result.h"
#include "common/status.h"

namespace qoima::kiosk {

// The domain's words (appliance/vocabulary.h), used as they are.
using appliance::AccessKind;
using appliance::DocumentKind;
using appliance::RefusalReason;
using appliance::Role;
using appliance::SensitiveAction;
using appliance::Track;

struct UserInfo {
  std::string login;
  std::string full_name;  // "Surname Name Patronymic"
  Role role = Role::kClerk;
};

/// Outcome of one login attempt. On failure `status` is kAuthFailed for
/// every refusal of the person (unknown login, wrong password, locked or
/// disabled account: the appliance does not say which, and neither does the
/// screen; the audit log records the real reason) or another code when the
/// appliance itself failed (TPM, store).
struct LoginOutcome {
  Status status;
  std::optional<UserInfo> user;  // set when status is OK
};

/// The appliance's lockout rule, told alike after every refused login.
struct LockoutRule {
  int attempts = 5;  // wrong passwords in a row ...
  int minutes = 15;  // ... lock the account for this long
};

/// State of the hardware the status line shows.
struct DeviceState {
  bool checked = false;  // false until the first check finished
  bool tpm_ok = false;
  bool store_ok = false;
  std::string media;        // "" when no media is inserted, else a short name ("sr0 DEPOSIT_V1")
  std::string detail;       // first failure, for the status line tooltip
  bool store_busy = false;  // another process (a qoima command) had the store at the last action
};

struct ApplicationSummary {
  std::string id;             // appliance identifier
  std::string number;         // journal number (Annex 2 column 2)
  std::string received_date;  // YYYY-MM-DD
  std::string state_body;
  std::string software_name;
  std::string state;  // appliance's state name ("registered", "accepted", ...)
  Track track = Track::kApplication;
};

/// Annex 1 essentials the clerk types at the counter. Validation lives in
/// appliance/: RegisterApplication returns kInvalidArgument naming the field.
struct ApplicationForm {
  Track track = Track::kApplication;
  std::string applicant;      // head who signed
  std::string state_body;     // owner organisation
  std::string software_name;  // name of the software / code / settings set
  std::string system_code;    // code on the e-government architectural portal
  std::string version;
  std::string language;  // programming language
  std::string copies;    // number of copies (digits)
  std::string annotation;
  std::string applicant_head;  // head who signed (journal, Annex 2)
  std::string medium_name;     // the CD / file / document listed (Annex 1 table)
  std::string register_entry;  // register track: the register's entry number
};

struct MediaInfo {
  std::string device;  // "/dev/sr0", or an image file
  std::string label;
  std::string fs_type;
  std::uint64_t size_bytes = 0;
  std::string vendor;  // from udev ("" for a typed path)
  std::string model;
  bool refused = false;     // the hardware refuses to read it (BadUSB, ...)
  std::string refusal;      // the hardware's reason, when refused
  std::string probe_error;  // blkid could not identify it
};

/// A file of a medium that may be the act, as the reader found it.
struct ActCandidateInfo {
  std::string path;      // as shown
  std::string raw_path;  // the exact name, what RunIntake is given
  std::uint64_t size_bytes = 0;
  std::int64_t mtime = 0;  // UTC seconds
  std::string form;        // "csv", "xlsx", ...; "" when its start reads as no act form
  std::string note;        // then: what it is instead (the appliance's words)
};

/// The act the clerk picked and the digest on the paper act.
struct ActChoice {
  std::string device;    // the medium it is on (the deposit's, or an act stick)
  std::string raw_path;  // ActCandidateInfo::raw_path
  std::string shown;     // its path as shown
  std::string digest;    // as typed or scanned: hex digits in any grouping
};

/// RunIntake's error (kFailedPrecondition, with this msgid as its message)
/// when the act's SHA-256 is not the digest typed from the paper act: the
/// screens say it in the clerk's language.
inline constexpr const char* kDigestMismatchMsgid =
    "The act's SHA-256 is not the paper act's digest: nothing read, nothing stored.";

/// The error (kFailedPrecondition, with this msgid as its message) of an
/// action that found another process (a qoima command) acting on the
/// appliance and waited for it in vain: nothing was done.
inline constexpr const char* kStoreBusyMsgid =
    "The store is busy: a qoima command is using it. Nothing was done; try again in a moment.";

/// The NDA (the operator's form based on the former Annex 4) as the clerk records it before every acceptance.
struct NdaForm {
  std::string owner_representative;
  std::string owner_authority;
  std::string operator_representative;
  std::string signed_date;  // YYYY-MM-DD
  bool signed_by_both = false;
};

struct UserRow {
  std::string login;
  std::string full_name;
  Role role = Role::kClerk;
  bool disabled = false;
  bool locked = false;
  int failed_logins = 0;
};

/// What a change to an account came to: done, or recorded as a request that
/// a second security officer approves (a security officer's or admin's
/// account); then it is among the pending approvals.
struct UserChangeResult {
  bool applied = false;
  std::string request_id;  // when not applied
  std::string change;      // the request's words: "create the security_officer account 'x'"
};

struct NewUserForm {
  std::string login;
  std::string surname;
  std::string given_name;
  std::string patronymic;
  Role role = Role::kClerk;
  std::string password;
};

/// What protects the store's master key.
struct RecoveryInfo {
  std::vector<int> pcrs;  // empty: the key is not bound to the boot state
  int threshold = 0;
  int shares = 0;
  std::string device_fingerprint;
  std::size_t previous_keys = 0;  // device keys replaced by earlier recoveries
};

struct IntakeProgress {
  std::uint64_t files_done = 0;
  std::uint64_t files_total = 0;  // 0 while unknown
  std::uint64_t bytes_done = 0;
  std::uint64_t bytes_total = 0;  // 0 while unknown
  std::string current_path;
};

enum class DiffKind {
  kMatch,
  kMissing,
  kExtra,
  kSizeMismatch,
  kHashMismatch,
  kDateMismatch,
  kUnreadable,
  kNameCollision,
  kUnsafeName,     // a name on the medium or a field of the act holds hidden characters (shown escaped)
  kMediumProblem,  // a problem of the medium as a whole (reader crash, bad sectors)
  // What the reader found that does not stop the read (kiosk/finding_rows.h):
  kUnsafePath,             // a name (in an archive too) that leaves its folder: "..", absolute
  kNonUtf8Name,            // a name that is not UTF-8 (bytes shown as \xNN)
  kEncryptedMember,        // an encrypted archive member (content not checked)
  kArchiveUnreadable,      // an archive that could not be listed to the end (stored as is)
  kArchiveListingStopped,  // a limit stopped an archive's listing (detail: which)
  kNotShown                // more rows of a very large comparison, counted, not listed (detail: how many)
};

/// One row of the act-versus-media comparison.
struct DiffRow {
  DiffKind kind = DiffKind::kMatch;
  std::string path;
  std::uint64_t size_bytes = 0;
  std::string detail;  // e.g. "act 12 MB, media 11 MB" or a reader error
  /// When set, `detail` made again in the current language (the screen
  /// follows F2); `detail` is what it said when the read ended.
  std::function<std::string()> detail_now = nullptr;
  bool problem() const { return kind != DiffKind::kMatch; }
  std::string shown_detail() const { return detail_now ? detail_now() : detail; }
};

struct IntakeResult {
  std::string intake_id;
  std::string application_id;
  Track track = Track::kApplication;
  std::vector<DiffRow> rows;
  /// Matched files counted but not listed (a held intake's comparison as
  /// recorded: the evidence keeps only differences).
  std::uint64_t matched_not_listed = 0;
  bool accept_allowed = true;  // false: a held intake past its window, refused only
  std::string act_sha256;      // of the act's file as read (what the paper act carries)
  std::string act_path;        // where it was: "DEVICE: PATH"
  bool act_excluded = false;   // it sits on the deposit medium and was left out of the comparison
};

/// An intake read and held for the clerk's decision (the clerk left the
/// comparison without one): it is kept for 5 working days, then only refused.
struct HeldIntakeRow {
  std::string intake_id;
  std::string application_id;      // portal code (ApplicationSummary::id)
  std::string application_number;  // journal number
  std::string software_name;
  std::string deposit;        // the held content's deposit number ("3")
  std::string read_at;        // local time "YYYY-MM-DD HH:MM"
  std::string due;            // local time the hold runs out
  bool hold_ran_out = false;  // past `due`: it can only be refused
  std::uint64_t files_matched = 0;
  std::uint64_t files_with_problems = 0;  // files of the act or the media that differ
  IntakeResult comparison;                // what the read found, as recorded (matched files counted, not listed)
};

struct PrintResult {
  std::string title;       // "act A-17"
  std::string saved_path;  // the PDF is always saved, printed or not
  bool printed = false;
  bool no_printer = false;  // no printer is configured (the admin sets one)
  Status print_status;      // why the paper copy failed, when it did
};

/// The act printer as the admin sets it up.
struct PrinterSetup {
  std::string queue;   // CUPS queue; "" = no printer
  std::string server;  // CUPS server (socket path or host:port); "" = this appliance's CUPS
  int copies = 2;
};

struct PendingApproval {
  std::string id;
  SensitiveAction kind = SensitiveAction::kExport;
  std::string subject;         // deposit or application the request concerns; an account change in words
  std::string requested_by;    // login
  std::string requested_at;    // local time "YYYY-MM-DD HH:MM"
  std::string reason;          // why the requester asks
  std::string expires_at;      // local time
  int approvals = 0;           // approvals given so far ...
  int approvals_required = 1;  // ... of those the action needs
};

/// The error (kPermissionDenied, with this msgid as its message) when the
/// officer confirming a two-person request is the one who asked for it: the
/// appliance refuses, and the screen says why in the officer's language.
inline constexpr const char* kRequesterCannotDecideMsgid =
    "You asked for this request yourself: a security officer other than the requester approves or rejects it. "
    "Nothing was decided.";

/// Where an export request stands (the appliance's approval states).
enum class ExportState { kPending, kApproved, kRejected, kExpired, kExecuted, kCancelled };

/// One export request, as the officers' export screen lists it.
struct ExportRequestRow {
  std::string id;
  std::string deposit;  // the deposit's number, as its acceptance act names it ("A-3")
  std::string requested_by;
  std::string requested_at;  // local time "YYYY-MM-DD HH:MM"
  std::string reason;
  ExportState state = ExportState::kPending;
  std::string approved_by;  // "" until approved
  std::string expires_at;   // local time
  std::string note;         // a rejection's note, or where an executed export went
};

/// How far a running export is.
struct ExportProgressInfo {
  std::uint64_t bytes_written = 0;
  std::uint64_t payload_bytes = 0;  // the deposit's files; the bundle is a little larger
  bool verifying = false;           // written; being read back from the stick and checked
};

/// What an export wrote (read back and verified before it is reported).
struct ExportResult {
  std::string written_to;  // "DEVICE:FILE"
  std::string bundle_name;
  std::uint64_t bundle_bytes = 0;
  std::string bundle_sha256;
  std::uint64_t payload_files = 0;
  std::uint64_t sequence = 0;
  std::string requested_by;
  std::string approved_by;
  std::string device_fingerprint;
};

struct JournalEntry {
  std::string time;  // ISO time
  std::string user;
  std::string role;
  std::string action;
  std::string object;
  std::string outcome;
};

/// One access to a deposit, as its access register lists it.
struct AccessRow {
  std::string time;  // as the log keeps it: UTC "2026-12-07T09:15:00Z"
  std::string login;
  std::string full_name;  // "" when the login is no person (the appliance)
  std::string position;   // may be ""
  std::string role;       // the role as the log names it ("security_officer")
  AccessKind kind = AccessKind::kRead;
  std::string action;  // the audit action ("document.print" tells a paper copy from a PDF)
  std::string item;    // a file's path, an export's id or a document's number; may be ""
};

/// A deposit's access register (the operator's practice based on the former
/// Annex 4 item 3.1.5), built by the appliance from the audit log while the
/// whole log is verified.
struct AccessRegisterView {
  std::int64_t deposit_id = 0;
  std::string act_number;  // the acceptance act ("A-3"); may be ""
  std::string object_name;
  std::string portal_code;
  std::int64_t version_no = 0;
  bool destroyed = false;
  std::uint64_t audit_entries = 0;  // the entries of the log that verified
  std::vector<AccessRow> rows;      // oldest first
};

struct AuditVerification {
  Status status;  // OK when the log verified
  std::uint64_t leaves = 0;
  std::string root_hex;    // Merkle root
  std::string checkpoint;  // signed checkpoint text
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual LoginOutcome Login(const std::string& login, const std::string& password) = 0;
  virtual LockoutRule Lockout() const { return {}; }
  virtual void Logout() = 0;
  /// Called on every turn of the UI loop: must return at once (a cached
  /// state), never wait for the TPM or the store.
  virtual DeviceState QueryDevice() = 0;

  // Clerk.
  virtual Result<std::vector<ApplicationSummary>> ListApplications() = 0;
  virtual Result<std::string> RegisterApplication(const ApplicationForm& form) = 0;
  /// Media detected now (udev), refused ones included. Cheap: a cached list
  /// that UpdateMedia refreshes.
  virtual Result<std::vector<MediaInfo>> ListMedia() = 0;
  /// A descriptor the UI loop polls with the keyboard: readable when the
  /// media detection has news; -1 when detection is not available.
  virtual int MediaEventFd() { return -1; }
  /// Applies pending detection events (never blocks); true when ListMedia changed.
  virtual bool UpdateMedia() { return false; }
  /// Why media are not detected ("" when they are): the screen says so and
  /// offers the typed path only.
  virtual std::string MediaDetectionProblem() { return ""; }
  /// True where a device may be typed instead of chosen (the test and demo
  /// environment, QOIMA_TEST_MEDIA=1: loop devices make no udev event).
  virtual bool TypedDevicesAllowed() { return false; }
  /// The files of `device` that may be the act, read through the sandboxed
  /// reader (blocks while the medium's tree is walked).
  virtual Result<std::vector<ActCandidateInfo>> ListActCandidates(const std::string& device) = 0;
  /// Reads `media` for `application_id` against the act `act` (read from
  /// its medium; its SHA-256 compared with the paper's digest before the
  /// media are read: a mismatch is an error and nothing is read or stored),
  /// holding what was read for the clerk's decision; calls `progress` from
  /// the calling thread when the appliance reports it; stops with kCancelled
  /// when `cancel` is set and the appliance can stop. `in_register`: the
  /// clerk's check of the trusted register (register track; nullopt on the
  /// application track).
  virtual Result<IntakeResult> RunIntake(const std::string& application_id, const MediaInfo& media,
                                         const ActChoice& act, std::optional<bool> in_register,
                                         const std::function<void(const IntakeProgress&)>& progress,
                                         const std::atomic<bool>& cancel) = 0;
  /// Decides the recorded intake (the media are not read again); returns the
  /// acceptance act's number for printing.
  virtual Result<std::string> Accept(const std::string& intake_id) = 0;
  /// Records the NDA of an application (before every Accept).
  virtual Status RecordNda(const std::string& application_id, const NdaForm& nda) = 0;
  virtual Status Refuse(const std::string& intake_id, RefusalReason reason, const std::string& text) = 0;
  /// The intakes held for a decision, oldest first (the clerk: decided with
  /// Accept after RecordNda, or Refuse, like a fresh read's).
  virtual Result<std::vector<HeldIntakeRow>> ListHeldIntakes() = 0;

  // Security officer.
  virtual Result<std::vector<PendingApproval>> ListPendingApprovals() = 0;
  /// The confirming officer (never the requester) approves on the same
  /// screen with their own login and password; the appliance checks both.
  virtual Status Approve(const std::string& approval_id, const std::string& second_login,
                         const std::string& second_password) = 0;
  /// The confirming officer refuses the request with a note (required).
  virtual Status Reject(const std::string& approval_id, const std::string& second_login,
                        const std::string& second_password, const std::string& note) = 0;

  // Exports (security officers; the second officer approves on the approval screen).
  /// Export requests, newest first, whatever their state.
  virtual Result<std::vector<ExportRequestRow>> ListExportRequests() = 0;
  /// Asks for an export of `deposit` ("3" or "A-3"); returns the request's id.
  virtual Result<std::string> RequestExport(const std::string& deposit, const std::string& reason) = 0;
  /// Carries out an approved export onto the export stick `device` (the
  /// whole stick is formatted); calls `progress` from the calling thread.
  virtual Result<ExportResult> RunExport(const std::string& approval_id, const std::string& device,
                                         const std::function<void(const ExportProgressInfo&)>& progress) = 0;

  // Accounts (the admin; a change to a security officer's or admin's
  // account comes back as a request for a second officer's approval).
  virtual Result<std::vector<UserRow>> ListUsers() = 0;
  virtual Result<UserChangeResult> CreateUser(const NewUserForm& user) = 0;
  virtual Status UnlockUser(const std::string& login) = 0;
  virtual Result<UserChangeResult> SetUserDisabled(const std::string& login, bool disabled) = 0;
  virtual Result<UserChangeResult> ResetPassword(const std::string& login, const std::string& password) = 0;
  virtual Result<RecoveryInfo> Recovery() = 0;

  /// Renders a document to PDF, saves it and prints it (`id` as in
  /// appliance_print.h: act number, intake id, journal entry, "2026 H2", ...).
  virtual Result<PrintResult> Print(DocumentKind kind, const std::string& id) = 0;
  /// The act printer (read by anyone who prints; set by the admin).
  virtual Result<PrinterSetup> GetPrinter() = 0;
  virtual Status SetPrinter(const PrinterSetup& setup) = 0;
  /// Prints the printer's test page on the configured printer (the admin).
  virtual Result<PrintResult> PrintTestPage() = 0;

  // Auditor (read-only).
  virtual Result<std::vector<JournalEntry>> Journal() = 0;
  /// Who read, exported, printed, issued or returned `deposit` ("3" or
  /// "A-3"): the appliance's register (auditor and security officer; reading
  /// it is audited). A log that does not verify is an error, never a shorter list.
  virtual Result<AccessRegisterView> AccessRegister(const std::string& deposit) = 0;
  virtual AuditVerification VerifyAudit() = 0;
};

}  // namespace qoima::kiosk
