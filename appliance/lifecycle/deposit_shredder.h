// DepositShredder: destroys one stored version by crypto-shredding (design.md,
// "Keys"): the deposit's wrapped data key is erased in the database (the
// connection runs with secure_delete, so the freed page is zeroed), the deposit
// becomes a tombstone, and then its sealed object files are removed. Without
// the data key the sealed bytes cannot be decrypted even if a copy survives.
//
// Two phases because the key erasure must commit together with the
// destruction's audit entry, while unlinking files is not transactional:
// ShredInTransaction() runs inside the caller's transaction; RemoveObjects()
// runs after it committed (a crash in between leaves undecryptable files that
// the next RemoveObjects or the start-up sweep deletes).
//
// SqlDepositShredder implements it on the v1 schema (deposits, objects,
// tombstones) and the object directory layout of docs/storage.md. When
// storage/ grows its own shredding call, an adapter to it replaces this class
// at the one place the CLI constructs it.
//
// Thread-safety: same thread as the Database.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"
#include "storage/database.h"

namespace qoima::appliance {

struct TombstoneInfo {
  std::string destroyed_at;  // UTC time
  std::string reason;        // "003 cl.33: archive-transfer notice N of DATE"
  std::optional<int64_t> approval_id;
  std::optional<int64_t> act_id;
  std::optional<int64_t> audit_index;
};

class DepositShredder {
 public:
  virtual ~DepositShredder() = default;
  /// REQUIRES: inside a transaction on `db`. Erases the wrapped key, marks the
  /// deposit destroyed and writes its tombstone. FailedPrecondition when the
  /// deposit is not committed (already destroyed).
  virtual Status ShredInTransaction(storage::Database& db, int64_t deposit_id, const TombstoneInfo& info) = 0;
  /// After commit: removes the deposit's sealed object files.
  virtual Status RemoveObjects(storage::Database& db, int64_t deposit_id) = 0;
};

class SqlDepositShredder : public DepositShredder {
 public:
  /// `objects_dir`: the store's objects/ directory (sealed files named by objects.name).
  explicit SqlDepositShredder(std::string objects_dir) : objects_dir_(std::move(objects_dir)) {}
  Status ShredInTransaction(storage::Database& db, int64_t deposit_id, const TombstoneInfo& info) override;
  Status RemoveObjects(storage::Database& db, int64_t deposit_id) override;

 private:
  std::string objects_dir_;
};

}  // namespace qoima::appliance
