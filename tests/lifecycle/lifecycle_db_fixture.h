// LifecycleDb: a real storage::Store (SQLCipher, sealed objects, audit log)
// in a temporary directory with FakeStoreKeys (no TPM: the end-to-end test
// uses the TPM keyring), seeded the way intake leaves it: users, an
// informatization object and versions committed through the store's own
// deposit path.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "appliance/civil_time.h"
#include "storage/clock.h"
#include "storage/store.h"
#include "tests/fixtures/temp_dir.h"
#include "tests/storage/fake_store_keys.h"

namespace qoima::testing {

class LifecycleDb {
 public:
  LifecycleDb();

  storage::Store& store() { return *store_; }
  storage::Database& db() { return store_->db(); }
  storage::AuditLog& audit() { return store_->audit(); }
  const std::string& state_dir() const { return dir_.path(); }

  int64_t AddUser(const std::string& login);
  int64_t AddObject(const std::string& name, const std::string& portal_code);
  /// A version committed through Store::BeginDeposit/CommitDeposit in the
  /// temporary store with `files` (path -> content). Returns the deposit id.
  int64_t AddVersion(int64_t object_id, const std::vector<std::pair<std::string, std::string>>& files);
  int64_t AddApproval(const std::string& action, const std::string& target, int64_t requested_by,
                      std::optional<int64_t> approved_by, const std::string& state);

  int64_t Count(const std::string& table_where);  // "deposits WHERE state='destroyed'"
  std::string Text(const std::string& sql);
  uint64_t AuditSize();

 private:
  TempDir dir_;
  FakeStoreKeys keys_;
  std::unique_ptr<storage::Store> store_;
};

}  // namespace qoima::testing
