// LifecycleDb: a real SQLCipher store (migrated schema, audit log, software
// signer) in a temporary directory, seeded the way intake leaves it: users, an
// informatization object and committed versions with files and sealed object
// files. Used by the lifecycle tests until the intake path can produce them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "appliance/lifecycle/lifecycle_clock.h"
#include "crypto/signer.h"
#include "storage/audit_log.h"
#include "storage/database.h"
#include "tests/fixtures/temp_dir.h"

namespace qoima::testing {

class LifecycleDb {
 public:
  LifecycleDb();

  storage::Database& db() { return db_; }
  storage::AuditLog& audit() { return *audit_; }
  crypto::Signer& signer() { return *signer_; }
  const std::string& objects_dir() const { return objects_dir_; }

  int64_t AddUser(const std::string& login);
  int64_t AddObject(const std::string& name, const std::string& portal_code);
  /// A committed version in the temporary store with `files` (path -> content),
  /// each with a sealed file under objects/. Returns the deposit id.
  int64_t AddVersion(int64_t object_id, int version_no, const std::vector<std::pair<std::string, std::string>>& files);
  int64_t AddApproval(const std::string& action, const std::string& target, int64_t requested_by,
                      std::optional<int64_t> approved_by, const std::string& state);

  int64_t Count(const std::string& table_where);  // "deposits WHERE state='destroyed'"
  std::string Text(const std::string& sql);
  uint64_t AuditSize();

 private:
  TempDir dir_;
  std::string objects_dir_;
  storage::Database db_;
  std::unique_ptr<storage::AuditLog> audit_;
  std::unique_ptr<crypto::SoftwareSigner> signer_;
  int object_seq_ = 0;
};

}  // namespace qoima::testing
