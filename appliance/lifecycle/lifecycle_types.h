// Lifecycle types: the plain values the lifecycle rules read and return:
// versions and their store tier, issue/return/destruction cases, notices,
// due items, the bundles of a hand-over, and the return and destruction acts'
// data. Printing (appliance/print) and the
// CLI render them; nothing here touches the database.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "appliance/civil_time.h"

namespace qoima::appliance::lifecycle {

/// Who is acting: the logged-in user's login and the role they act in.
struct LifecycleActor {
  std::string login;
  std::string role;  // clerk, security_officer, auditor, admin
};

enum class StoreTier { kTemporary, kPermanent };
std::string_view StoreTierName(StoreTier t);  // "temporary" / "permanent"

enum class TestOutcome { kPositive, kNegative };
std::string_view TestOutcomeName(TestOutcome o);  // "positive" / "negative"

struct ObjectInfo {
  int64_t id = 0;
  std::string name;
  std::string portal_code;  // code on the e-government architectural portal
  std::string track;        // application / register
  std::optional<std::string> operation_ended_at;
  bool destroyed = false;  // a destruction case is done
};

struct VersionInfo {
  int64_t deposit_id = 0;
  int64_t object_id = 0;
  int version_no = 0;
  std::string label;
  std::string kind;  // source / executable / mixed
  StoreTier tier = StoreTier::kTemporary;
  std::string state;  // committed / destroyed
  int64_t file_count = 0;
  int64_t total_bytes = 0;
  std::string root_hex;      // root hash over the version's files (tree_checksum.h); "" once destroyed
  std::string manifest_hex;  // the store's commit digest (deposits.manifest_sha256, docs/storage.md)
  std::string created_at;
};

struct TierMove {
  int version_no = 0;
  std::string from, to, reason, by, at;
};

enum class CaseKind { kIssue, kReturn, kDestroy };
std::string_view CaseKindName(CaseKind k);  // "issue" / "return" / "destroy"

struct CaseInfo {
  int64_t id = 0;
  int64_t object_id = 0;
  CaseKind kind = CaseKind::kIssue;
  CivilDate received_on;
  std::string reference;
  std::string rule_id;
  CivilDate due_on;
  bool done = false;
  std::optional<CivilDate> done_on;
  std::string result_ref;
};

struct NoticeInfo {
  int64_t id = 0;
  std::string kind;  // acceptance, issue, return, destruction, half_year_report, information
  std::string event;
  std::string addressee;
  std::optional<CivilDate> due_on;
  std::optional<CivilDate> sent_on;
  std::string export_ref;
  std::optional<int64_t> case_id;
};

/// What the owner's notice of a change is about: the source code changed
/// (003 cl.27) or technical work was done on the server (003 cl.28).
enum class ChangeKind { kSourceCode, kServerWork };
std::string_view ChangeKindName(ChangeKind k);  // "source_code" / "server_work"
std::optional<ChangeKind> ParseChangeKind(std::string_view s);

/// An owner's notice of a change (docs/lifecycle.md, "Owner's change notices").
struct ChangeNoticeInfo {
  int64_t id = 0;
  int64_t object_id = 0;
  ChangeKind kind = ChangeKind::kSourceCode;
  CivilDate changed_on;
  CivilDate due_on;                      // changed_on + 2 working days
  std::string learned_from;              // expected notices: how the operator learned of the change
  std::optional<CivilDate> received_on;  // empty: the notice is still expected
  std::string reference;
  std::string description;
  std::optional<bool> on_time;
  std::string created_by;
  std::string received_by;
};

enum class DueStatus { kOverdue, kDueSoon, kOpen };
std::string_view DueStatusName(DueStatus s);  // "overdue" / "due-soon" / "open"

struct DueItem {
  DueStatus status = DueStatus::kOpen;
  CivilDate due_on;
  int working_days_left = 0;  // negative: working days overdue
  std::string what;           // "issue to owner (case 4, object 2 'E-Licence')"
  std::string clause;         // "003 cl.29"
  std::string ref;            // "case:4" / "notice:7"
  /// The due date was counted over a provisional calendar day (an expected
  /// holiday date): it may move when the confirmed calendar is imported.
  bool provisional_calendar = false;
};

struct DestroyedFile {
  std::string path;  // display path
  int64_t size = 0;
  std::string sha256_hex;
};

struct DestroyedVersion {
  int version_no = 0;
  std::string label;
  std::string tier;
  int64_t file_count = 0;
  int64_t total_bytes = 0;
  std::string root_hex;
  std::string manifest_hex;
  std::vector<DestroyedFile> files;
};

/// What the destruction act (003 cl.33) prints.
struct DestructionActData {
  std::string act_number;
  CivilDate act_date;
  ObjectInfo object;
  std::string notice_reference;  // the owner's archive-transfer notice
  CivilDate notice_received_on;
  CivilDate due_on;
  std::string return_act;  // the return act the code went back under (003 cl.30), "RET-<case>"
  std::string requested_by, approved_by, performed_by;
  std::vector<DestroyedVersion> versions;
  uint64_t checkpoint_tree_size = 0;  // audit checkpoint after the destruction entry
  std::string checkpoint_root_hex;
  std::string checkpoint_key_fingerprint;
};

/// One version handed over as a signed export bundle (appliance/export,
/// docs/bundle-format.md): what the export path reported for it.
struct HandoverBundle {
  int version_no = 0;
  int64_t deposit_id = 0;
  int64_t approval_id = 0;                // the export approval it ran under (executed now)
  std::string requested_by, approved_by;  // the two security officers
  std::string export_id;                  // Qoima-Export-Id of the bag (a UUID)
  uint64_t sequence = 0;                  // the appliance's export sequence number
  std::string location;                   // where it was written ("/media/out/qoima-issue-case4-v2.tar")
  uint64_t bundle_bytes = 0;
  std::string bundle_sha256;  // of the bundle file as written and read back
  bool encrypted = false;     // CMS envelope to the recipient's certificate
  uint64_t payload_files = 0;
  uint64_t payload_bytes = 0;
};

struct ReturnedFile {
  std::string path;  // display path inside the version
  int64_t size = 0;
  std::string sha256_hex;
  std::string category;  // 003 cl.10 item category (files.category)
};

struct ReturnedVersion {
  int version_no = 0;
  std::string label;
  std::string kind;  // source / executable / mixed
  std::string tier;  // store it was in
  int64_t file_count = 0;
  int64_t total_bytes = 0;
  std::string root_hex;      // root hash over the version (tree_checksum.h)
  std::string manifest_hex;  // the store's commit digest
  std::vector<ReturnedFile> files;
  HandoverBundle bundle;  // the bundle that carried this version
};

/// What the return act (003 cl.30; 001 cl.11: an acceptance-transfer act in the
/// other direction, Annex 3) prints. Stored as JSON in `acts` (kind 'return',
/// template '003-cl30-return-v1'); shape in docs/lifecycle.md.
struct ReturnActData {
  std::string act_number;  // RET-<case id>
  CivilDate act_date;
  ObjectInfo object;
  std::string notice_reference;  // the owner's decommissioning notice
  CivilDate notice_received_on;
  CivilDate due_on;
  bool on_time = true;
  std::string requested_by, approved_by;  // of the versions' export approvals ("so1" or "so1, so3")
  std::string performed_by;
  std::vector<ReturnedVersion> versions;
  uint64_t checkpoint_tree_size = 0;  // audit checkpoint after the return entry
  std::string checkpoint_root_hex;
  std::string checkpoint_key_fingerprint;
};

/// What `Handover` did: the closed case, its bundles, and for a return the act.
struct HandoverResult {
  CaseInfo closed;
  std::vector<HandoverBundle> bundles;
  std::optional<ReturnActData> return_act;
};

}  // namespace qoima::appliance::lifecycle
