// Lifecycle types: the plain values the lifecycle rules read and return:
// versions and their store tier, issue/return/destruction cases, notices,
// due items and the destruction act's data. Printing (appliance/print) and the
// CLI render them; nothing here touches the database.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "appliance/lifecycle/civil_date.h"

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

enum class DueStatus { kOverdue, kDueSoon, kOpen };
std::string_view DueStatusName(DueStatus s);  // "overdue" / "due-soon" / "open"

struct DueItem {
  DueStatus status = DueStatus::kOpen;
  CivilDate due_on;
  int working_days_left = 0;  // negative: working days overdue
  std::string what;           // "issue to owner (case 4, object 2 'E-Licence')"
  std::string clause;         // "003 cl.29"
  std::string ref;            // "case:4" / "notice:7"
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
  std::string requested_by, approved_by, performed_by;
  std::vector<DestroyedVersion> versions;
  uint64_t checkpoint_tree_size = 0;  // audit checkpoint after the destruction entry
  std::string checkpoint_root_hex;
  std::string checkpoint_key_fingerprint;
};

}  // namespace qoima::appliance::lifecycle
