#include "tests/lifecycle/lifecycle_db_fixture.h"

#include <stdexcept>

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
  store_ = Must(storage::Store::Create(dir_.path(), keys_), "open store");
}

int64_t LifecycleDb::AddUser(const std::string& login) {
  auto st = Must(db().Prepare("INSERT INTO users(login, surname, given_name, password_hash, created_at) "
                              "VALUES(?, 'Сейітов', 'Ерлан', '$argon2id$test', '2026-01-01T00:00:00Z')"),
                 "prepare user");
  Must(st.Bind(1, login).Run(), "insert user");
  return db().LastInsertRowid();
}

int64_t LifecycleDb::AddObject(const std::string& name, const std::string& portal_code) {
  auto st = Must(db().Prepare("INSERT INTO informatization_objects(name, architecture_code, track, created_at) "
                              "VALUES(?, ?, 'application', '2026-01-05T09:00:00Z')"),
                 "prepare object");
  Must(st.Bind(1, name).Bind(2, portal_code).Run(), "insert object");
  return db().LastInsertRowid();
}

int64_t LifecycleDb::AddVersion(int64_t object_id, const std::vector<std::pair<std::string, std::string>>& files) {
  storage::DepositSpec spec;
  spec.object_id = object_id;
  spec.kind = "mixed";
  auto pending = Must(store_->BeginDeposit(spec), "begin deposit");
  for (const auto& [path, content] : files) {
    storage::FileMeta meta;
    meta.path.assign(path.begin(), path.end());
    meta.display_path = path;
    meta.category = "source_code";
    auto w = Must(pending->AddFile(meta), "add file");
    Must(w->Write(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(content.data()), content.size())),
         "write file");
    Must(w->Finish().status(), "finish file");
  }
  auto done = Must(store_->CommitDeposit(std::move(pending), {"clerk1", "clerk"}, "test intake"), "commit");
  return done.deposit_id;
}

int64_t LifecycleDb::AddApproval(const std::string& action, const std::string& target, int64_t requested_by,
                                 std::optional<int64_t> approved_by, const std::string& state) {
  auto st = Must(db().Prepare("INSERT INTO approvals(action, target, requested_by, requested_at, approved_by, "
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
  return db().LastInsertRowid();
}

int64_t LifecycleDb::Count(const std::string& table_where) {
  return Must(db().QueryInt("SELECT count(*) FROM " + table_where), "count");
}

std::string LifecycleDb::Text(const std::string& sql) { return Must(db().QueryText(sql), "query"); }

uint64_t LifecycleDb::AuditSize() { return Must(audit().Size(), "audit size"); }

}  // namespace qoima::testing
