// RegisterStore: imported trusted-register snapshots (004) in the store
// (register_snapshots, register_entries; entry number and status added by
// migration 3). The newest import is the one look-ups use; each import is one
// transaction with its audit entry.
//
// Thread-safety: same thread as the Database.
#pragma once

#include <optional>
#include <string>

#include "appliance/lifecycle/lifecycle_types.h"
#include "appliance/lifecycle/register_snapshot.h"
#include "storage/audit_log.h"
#include "storage/database.h"

namespace qoima::appliance::lifecycle {

struct RegisterImportInfo {
  int64_t id = 0;
  CivilDate as_of;
  std::string source;
  std::string file_sha256_hex;
  int64_t entries = 0;
  std::string imported_at;
};

Result<RegisterImportInfo> ImportRegisterSnapshot(storage::Database& db, storage::AuditLog& audit,
                                                  const LifecycleActor& actor, std::string_view text,
                                                  const std::string& file_name, const std::string& now_utc);

/// The newest snapshot, or nullopt when none was imported.
Result<std::optional<RegisterSnapshot>> LoadLatestRegisterSnapshot(storage::Database& db,
                                                                   RegisterImportInfo* info = nullptr);

}  // namespace qoima::appliance::lifecycle
