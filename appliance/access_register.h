// AccessRegister: the record of everyone who had access to one deposit, as
// the confidentiality duties ask ("keep a record of everyone who had access",
// the operator's practice based on the former Annex 4 item 3.1.5): who read
// its content, exported it, printed its act or return act, or issued or
// returned it to the owner, and when.
//
// The register is not a table of its own: it is read out of the audit log,
// and only out of a log that verifies. BuildAccessRegister walks the log with
// Store::VerifyAuditVisiting, so every row comes from an entry whose leaf hash
// and chained root were checked, and a log that does not verify (an entry
// edited, removed or reordered, a checkpoint that does not match) is an error
// naming the problem, never a shorter list.
//
// Roles and the audit of reading it are the caller's (Appliance::
// AccessRegister: auditor and security officer, audited as
// "access_register.read").
//
// Thread-safety: none; it reads the store it is given.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "appliance/vocabulary.h"
#include "common/result.h"
#include "storage/store.h"

namespace qoima::appliance {

/// What a row records: AccessKind (vocabulary.h).
/// "read", "export", "print", "issue", "return".
std::string_view AccessKindName(AccessKind kind);

struct AccessEntry {
  uint64_t audit_index = 0;  // the audit entry it was read from
  std::string time;          // UTC "YYYY-MM-DDTHH:MM:SSZ" as logged
  std::string login;
  std::string role;       // the role name as logged
  std::string full_name;  // "Surname Name Patronymic"; empty when the login is no user (system)
  std::string position;   // the user's recorded position, may be empty
  AccessKind kind = AccessKind::kRead;
  std::string action;  // the audit action
  std::string object;  // the audit object ("deposit:3/file:7", "act:A-3", "return:RET-2")
  /// A language-neutral identifier of what was touched: the file's path, the
  /// export id of the bundle, the document's id; may be empty.
  std::string item;
  std::string reason;  // the audit entry's reason (English, for the CLI and JSON; never printed)
};

struct AccessRegister {
  int64_t deposit_id = 0;
  int64_t object_id = 0;
  std::string object_name;
  std::string portal_code;
  int64_t version_no = 0;
  std::string state;       // committed | destroyed
  std::string act_number;  // the acceptance act, may be empty
  std::vector<AccessEntry> entries;
  /// The verified log: its size when the register was read, and the newest
  /// signed checkpoint (size 0: none yet).
  uint64_t audit_entries = 0;
  uint64_t checkpoint_size = 0;
  std::string checkpoint_root_hex;
};

/// Parses "N", "deposit:N" or "A-N" (the deposit's acceptance act).
/// InvalidArgument otherwise.
Result<int64_t> ParseDepositRef(std::string_view ref);

/// The register of `deposit_id`. NotFound for an unknown deposit; kTampered
/// (Status::Tampered) when the audit log does not verify, naming the first
/// bad entry; nothing is returned then.
Result<AccessRegister> BuildAccessRegister(storage::Store& store, int64_t deposit_id);

}  // namespace qoima::appliance
