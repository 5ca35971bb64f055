// LifecycleService: the rules that run after intake (docs/lifecycle.md).
//
//   - a version sits in the temporary store from application until security
//     testing ends; recording a positive outcome moves it to the permanent
//     store (003 cl.6-8), with the move in tier_changes and the audit log;
//   - issue on the owner's request within 3 working days (003 cl.29), return
//     on decommissioning within 3 working days of the notice (003 cl.30; the
//     return act is the operator's form based on the former 146/НҚ cl.11),
//     destruction of all versions within 10 working days of the
//     archive-transfer notice (003 cl.33), each with a notice to the
//     authorized body in the notices register;
//   - issue and return hand each version over as a signed export bundle
//     (HandoverExporter, the export-bundle path) under a two-person approval;
//     a return also writes the return act with the audit checkpoint;
//   - destruction needs a two-person approval and crypto-shreds every version;
//     the destruction act lists what was destroyed and the audit checkpoint;
//   - the owner's notices of a change of the code or of server work (003
//     cl.27-28) are recorded with their 2-working-day deadline; one the
//     operator expects is listed in `Due()` until it arrives;
//   - `Due()` lists overdue and due-soon items on the working-day calendar.
//
// Every mutating call runs in one transaction together with its audit entry:
// on any error nothing is changed. Two steps use the store's own transactions
// (storage::Store::PromoteToPermanent and DestroyDeposit, which own the
// deposit rows and the crypto-shredding); they are ordered so that a crash in
// between leaves a state the same command completes when run again. Refusals name the object, version or case
// and the clause. A refused destruction (missing or wrong approval) is itself
// recorded in the audit log as "denied", because an attempt to destroy
// evidence is security-relevant.
//
// Ownership: borrows the Store, calendar and clock, which must outlive the
// service. Thread-safety: same thread as the Database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "appliance/lifecycle/handover_exporter.h"
#include "appliance/lifecycle/lifecycle_types.h"
#include "appliance/lifecycle/security_test_record.h"
#include "appliance/lifecycle/working_calendar.h"
#include "appliance/role.h"
#include "common/result.h"
#include "storage/clock.h"
#include "storage/store.h"

namespace qoima::appliance::lifecycle {

/// Addressee of notices when none is configured.
/// The addressee of the register's notices: the authorized body of 003
/// cl.2(4). A code, printed in words (appliance/print: addressee.*).
inline constexpr std::string_view kDefaultAuthorizedBody = "authorized_body";
/// The label notices were recorded with before the code.
inline constexpr std::string_view kLegacyAuthorizedBodyLabel = "authorized body (уәкілетті орган)";

class LifecycleService {
 public:
  LifecycleService(storage::Store& store, const WorkingCalendar& calendar, const storage::Clock& clock)
      : store_(store), db_(store.db()), audit_(store.audit()), calendar_(calendar), clock_(clock) {}

  /// `ref`: the numeric id or the architectural-portal code. NotFound otherwise.
  Result<ObjectInfo> FindObject(const std::string& ref);
  Result<std::vector<VersionInfo>> Versions(int64_t object_id);
  Result<std::vector<TierMove>> TierHistory(int64_t object_id);

  /// Records the security test of a version in the temporary store with
  /// what it produced (security_test_record.h): the report files, the
  /// vulnerability list and the comparison table, in one transaction with the
  /// test row and its audit entry. Positive: the version moves to the
  /// permanent store, only when CheckSecurityTestRecord allows it (reports
  /// attached, every vulnerability fixed). Negative: it stays in the temporary
  /// store (another test may follow). FailedPrecondition when the version is
  /// not in the temporary store or is destroyed; nothing is changed on a
  /// refusal.
  Status RecordTestOutcome(const LifecycleActor& actor, int64_t object_id, int version_no,
                           const SecurityTestRecord& record);

  /// A recorded security test with its list and table (report files by name,
  /// size and SHA-256; their bytes stay in the store). NotFound otherwise.
  Result<SecurityTestInfo> GetSecurityTest(int64_t test_id);
  /// The security tests of an object's versions, oldest first.
  Result<std::vector<SecurityTestInfo>> SecurityTests(int64_t object_id);
  /// Report file `number` (from 1, in the order recorded) of security test
  /// `test_id`, byte-exact into `sink` (checked against its SHA-256), after
  /// the audit event "test_report.read" on "deposit:<id>/test-report:<row>"
  /// recorded the access with `reason` (required). Security officers and
  /// auditors (Permission::kTestReportRead). FailedPrecondition once the
  /// version is destroyed; NotFound for an unknown test or number.
  Result<TestReportInfo> ReadTestReport(const LifecycleActor& actor, int64_t test_id, int number,
                                        std::string_view reason, const crypto::ByteSink& sink);

  /// Opens an issue (003 cl.29) / return (003 cl.30) / destruction (003 cl.33)
  /// case for a request or notice received on `received_on`, with its due date
  /// and a notice to the authorized body in the register.
  Result<CaseInfo> OpenCase(const LifecycleActor& actor, int64_t object_id, CaseKind kind, const CivilDate& received_on,
                            const std::string& reference);

  /// The committed versions a hand-over of the case takes: every one for a
  /// return (003 cl.30), `only_version` or every one for an issue. Each needs
  /// its own approved export request (Appliance::RequestApproval, object
  /// "deposit:<id>", reason HandoverReason()).
  Result<std::vector<VersionInfo>> HandoverVersions(int64_t case_id, std::optional<int> only_version);
  /// The reason the export requests of a hand-over carry (shown to the
  /// approving officer and written into bag-info.txt).
  Result<std::string> HandoverReason(int64_t case_id);

  /// Hands the object's code over and closes the case. `approval_ids`: one
  /// approved, unexpired export request per version (a return must cover every
  /// stored version), in which the acting security officer took part. Each
  /// version becomes one signed export bundle through `exporter` (which marks
  /// its approval executed); then, in one transaction, the case is done with
  /// the bundle ids (issue) or the return act number (return), the case's
  /// notice names the bundles as its export reference, a return act is stored
  /// in `acts`, and the audit leaf lifecycle.{issue,return}.done is written; a
  /// return act then gets the signed audit checkpoint. A refusal is audited as
  /// denied and changes nothing. When a step after the first export fails, the
  /// bundles written are discarded and the case stays open; their approvals
  /// are spent (new ones are needed) and their export events stay in the
  /// audit log, as records do.
  Result<HandoverResult> Handover(const LifecycleActor& actor, int64_t case_id,
                                  const std::vector<int64_t>& approval_ids, HandoverExporter& exporter);

  /// First person of the two-person rule: a security officer asks to destroy
  /// the object of an open destruction case. Returns the approval id.
  Result<int64_t> RequestDestruction(const LifecycleActor& actor, int64_t case_id);
  /// Second person: a different security officer approves the request.
  Status ApproveDestruction(const LifecycleActor& actor, int64_t approval_id);

  /// Crypto-shreds every committed version of the case's object through the
  /// store. REQUIRES an approval row (action 'destroy', target "object:<id>",
  /// state 'approved') whose requester and approver are two different users.
  /// Returns the act data (also stored in `acts` as JSON) with the audit
  /// checkpoint signed after the destruction.
  Result<DestructionActData> Destroy(const LifecycleActor& actor, int64_t case_id, int64_t approval_id);

  Result<std::vector<CaseInfo>> Cases(std::optional<int64_t> object_id = std::nullopt);
  Result<std::vector<NoticeInfo>> Notices();
  /// Marks a notice as sent on `sent_on` with the export that carried it;
  /// `export_ref` may be empty for a notice that already names the bundles of
  /// its hand-over (it is added to them otherwise).
  Status MarkNoticeSent(const LifecycleActor& actor, int64_t notice_id, const CivilDate& sent_on,
                        const std::string& export_ref);

  /// Records the half-year report of `year`/`half` in the notices register
  /// (kind half_year_report, due by the 10th of the next month) unless it is
  /// there already; returns the notice id.
  Result<int64_t> RecordHalfYearReportNotice(const LifecycleActor& actor, int year, int half);

  // ---- the owner's change notices (003 cl.27-28; lifecycle_change_notices.cpp) ----
  /// The owner's notice of a change, received: the change made on
  /// `changed_on`, the notice received on `received_on` under letter
  /// `reference`, the owner's `description`. Its deadline is 2 working days
  /// after the change (rule owner-change); whether it came in time is
  /// recorded. InvalidArgument for an empty reference or description, a date
  /// in the future or a notice before the change; FailedPrecondition for a
  /// destroyed object. Audited "change.notice.record".
  Result<ChangeNoticeInfo> RecordChangeNotice(const LifecycleActor& actor, int64_t object_id, ChangeKind kind,
                                              const CivilDate& changed_on, const CivilDate& received_on,
                                              const std::string& reference, const std::string& description);
  /// The operator learned of a change (`learned_from`: how) before the
  /// owner's notice: the notice is expected by 2 working days after the
  /// change and listed in Due() until it is received. Audited
  /// "change.notice.expect".
  Result<ChangeNoticeInfo> ExpectChangeNotice(const LifecycleActor& actor, int64_t object_id, ChangeKind kind,
                                              const CivilDate& changed_on, const std::string& learned_from);
  /// The expected notice `id` arrived. FailedPrecondition when it was
  /// received already. Audited "change.notice.receive".
  Result<ChangeNoticeInfo> ReceiveChangeNotice(const LifecycleActor& actor, int64_t id, const CivilDate& received_on,
                                               const std::string& reference, const std::string& description);
  Result<std::vector<ChangeNoticeInfo>> ChangeNotices(std::optional<int64_t> object_id = std::nullopt);

  /// Open cases and unsent notices with their due status as of the clock's
  /// today; due-soon means at most `soon_working_days` working days left. The
  /// report of the last ended half-year is listed until a sent notice for it
  /// is recorded (once the store holds an object from before that period's end).
  Result<std::vector<DueItem>> Due(int soon_working_days = 2);

 private:
  // The phases of Handover and Destroy (lifecycle_service.cpp).
  struct HandoverRun;
  struct DestroyRun;
  /// OK when the actor's role holds `permission` in role.h's table;
  /// PermissionDenied naming `what`, the role and the permission otherwise.
  Status RequirePermission(const LifecycleActor& actor, Permission permission, std::string_view what) const;
  Result<CaseInfo> LoadCase(int64_t case_id);
  Result<ChangeNoticeInfo> LoadChangeNotice(int64_t id);
  /// Checks the dates and words of a received notice against the change.
  Status CheckReceived(const std::string& what, const CivilDate& changed_on, const CivilDate& received_on,
                       const std::string& reference, const std::string& description);
  /// FailedPrecondition when an issue or return case of the object is open:
  /// nothing is destroyed before the code is handed over (003 cl.29-33).
  Status NoOpenHandover(const ObjectInfo& obj, const std::vector<CaseInfo>& cases);
  /// The second person's approval of an approvals row of `action`.
  Status ApproveTwoPerson(const LifecycleActor& actor, int64_t approval_id, std::string_view action,
                          std::string_view what);
  Result<ReturnActData> BuildReturnAct(const CaseInfo& c, const ObjectInfo& obj,
                                       const std::vector<VersionInfo>& versions,
                                       const std::vector<HandoverBundle>& bundles, const std::string& performed_by);
  Status AuditDenied(const LifecycleActor& actor, const std::string& action, const std::string& object,
                     const std::string& reason);
  storage::AuditEvent Event(const LifecycleActor& actor, std::string action, std::string object, std::string reason);

  storage::Store& store_;
  storage::Database& db_;
  storage::AuditLog& audit_;
  const WorkingCalendar& calendar_;
  const storage::Clock& clock_;
};

}  // namespace qoima::appliance::lifecycle
