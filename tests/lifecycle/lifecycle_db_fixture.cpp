#include "tests/lifecycle/lifecycle_db_fixture.h"

#include <sys/stat.h>

#include <stdexcept>

#include "crypto/hash.h"
#include "storage/migrations.h"

namespace qoima::testing {

namespace {
template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) throw std::runtime_error(std::string(what) + ": " + r.status().ToString());
  return std::move(r).value();
}
void Must(Status s, const char* what) {
  if (!s.ok()) throw std::runtime_error(std::string(what) + ": " + s.ToString());
}
}  // namespace

LifecycleDb::LifecycleDb() : dir_("qoima-lifecycle") {
  objects_dir_ = dir_.Sub("objects");
  ::mkdir(objects_dir_.c_str(), 0700);
  std::vector<uint8_t> key(storage::Database::kRawKeySize, 0x5a);
  db_ = Must(storage::Database::Open(dir_.Sub("meta.db"), key), "open db");
  Must(storage::ApplyMigrations(db_, "2026-01-01T00:00:00Z"), "migrate");
  audit_ = Must(storage::AuditLog::Create(db_), "audit log");
  signer_ = Must(crypto::SoftwareSigner::Generate(), "signer");
}

int64_t LifecycleDb::AddUser(const std::string& login) {
  auto st = Must(db_.Prepare("INSERT INTO users(login, surname, given_name, password_hash, created_at) "
                             "VALUES(?, 'Сейітов', 'Ерлан', '$argon2id$test', '2026-01-01T00:00:00Z')"),
                 "prepare user");
  Must(st.Bind(1, login).Run(), "insert user");
  return db_.LastInsertRowid();
}

int64_t LifecycleDb::AddObject(const std::string& name, const std::string& portal_code) {
  auto st = Must(db_.Prepare("INSERT INTO informatization_objects(name, architecture_code, track, created_at) "
                             "VALUES(?, ?, 'application', '2026-01-05T09:00:00Z')"),
                 "prepare object");
  Must(st.Bind(1, name).Bind(2, portal_code).Run(), "insert object");
  return db_.LastInsertRowid();
}

int64_t LifecycleDb::AddVersion(int64_t object_id, int version_no,
                                const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<uint8_t> wrapped(40, static_cast<uint8_t>(0xA0 + version_no));
  int64_t total = 0;
  for (const auto& [p, c] : files) total += static_cast<int64_t>(c.size());
  auto dep = Must(db_.Prepare("INSERT INTO deposits(object_id, version_no, version_label, kind, tier, state, "
                              "wrapped_key, file_count, total_bytes, created_at, committed_at) "
                              "VALUES(?, ?, ?, 'mixed', 'temporary', 'committed', ?, ?, ?, "
                              "'2026-01-05T09:00:00Z', '2026-01-05T09:00:00Z')"),
                  "prepare deposit");
  Must(dep.Bind(1, object_id)
           .Bind(2, static_cast<int64_t>(version_no))
           .Bind(3, "v" + std::to_string(version_no) + ".0")
           .BindBlob(4, wrapped)
           .Bind(5, static_cast<int64_t>(files.size()))
           .Bind(6, total)
           .Run(),
       "insert deposit");
  int64_t deposit_id = db_.LastInsertRowid();
  for (const auto& [path, content] : files) {
    auto sha = crypto::Sha256::Digest(content);
    std::string name = crypto::Hex(crypto::Sha256::Digest(std::to_string(deposit_id) + "/" + path));
    WriteFile(objects_dir_ + "/" + name, "sealed:" + content);
    auto obj = Must(db_.Prepare("INSERT INTO objects(deposit_id, name, plain_size, sealed_size, sha256) "
                                "VALUES(?,?,?,?,?)"),
                    "prepare object row");
    Must(obj.Bind(1, deposit_id)
             .Bind(2, name)
             .Bind(3, static_cast<int64_t>(content.size()))
             .Bind(4, static_cast<int64_t>(content.size() + 7))
             .BindBlob(5, sha)
             .Run(),
         "insert object row");
    int64_t object_row = db_.LastInsertRowid();
    auto f = Must(db_.Prepare("INSERT INTO files(deposit_id, path, display_path, size, sha256, category, object_id) "
                              "VALUES(?,?,?,?,?, 'source_code', ?)"),
                  "prepare file");
    Must(f.BindBlob(2, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(path.data()), path.size()))
             .Bind(1, deposit_id)
             .Bind(3, path)
             .Bind(4, static_cast<int64_t>(content.size()))
             .BindBlob(5, sha)
             .Bind(6, object_row)
             .Run(),
         "insert file");
  }
  return deposit_id;
}

int64_t LifecycleDb::AddApproval(const std::string& action, const std::string& target, int64_t requested_by,
                                 std::optional<int64_t> approved_by, const std::string& state) {
  auto st = Must(db_.Prepare("INSERT INTO approvals(action, target, requested_by, requested_at, approved_by, "
                             "approved_at, state) VALUES(?,?,?, '2026-01-05T09:00:00Z', ?, ?, ?)"),
                 "prepare approval");
  std::optional<std::string> at;
  if (approved_by) at = "2026-01-05T10:00:00Z";
  Must(st.Bind(1, action)
           .Bind(2, target)
           .Bind(3, requested_by)
           .BindOptional(4, approved_by)
           .BindOptional(5, at)
           .Bind(6, state)
           .Run(),
       "insert approval");
  return db_.LastInsertRowid();
}

int64_t LifecycleDb::Count(const std::string& table_where) {
  return Must(db_.QueryInt("SELECT count(*) FROM " + table_where), "count");
}

std::string LifecycleDb::Text(const std::string& sql) { return Must(db_.QueryText(sql), "query"); }

uint64_t LifecycleDb::AuditSize() { return Must(audit_->Size(), "audit size"); }

}  // namespace qoima::testing
