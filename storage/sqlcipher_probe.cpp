#include "storage/sqlcipher_probe.h"

#include <sqlcipher/sqlite3.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <memory>

namespace qoima::storage {
namespace {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;

Status Exec(sqlite3* db, const char* sql, std::string* first_value = nullptr) {
  char* err = nullptr;
  auto cb = [](void* out, int n, char** values, char**) -> int {
    if (out && n > 0 && values[0]) *static_cast<std::string*>(out) = values[0];
    return 0;
  };
  int rc = sqlite3_exec(db, sql, cb, first_value, &err);
  if (rc != SQLITE_OK) {
    std::string msg = std::string(sql).substr(0, 60) + ": " + (err ? err : sqlite3_errstr(rc));
    sqlite3_free(err);
    return Status::Corrupt(msg);
  }
  return Status::Ok();
}

Result<DbPtr> OpenKeyed(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  DbPtr db(raw);
  if (rc != SQLITE_OK) return Status::IoError("open " + path + ": " + sqlite3_errstr(rc));
  // A fixed probe key: this database holds nothing and is deleted at once.
  QOIMA_RETURN_IF_ERROR(
      Exec(db.get(), "PRAGMA key = \"x'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'\";"));
  return db;
}

}  // namespace

Result<std::string> ProbeSqlcipher(const std::string& scratch_dir) {
  std::string path = scratch_dir + "/qoima-sqlcipher-probe-" + std::to_string(::getpid()) + ".db";
  ::unlink(path.c_str());
  std::string version;
  {
    QOIMA_ASSIGN_OR_RETURN(DbPtr db, OpenKeyed(path));
    QOIMA_RETURN_IF_ERROR(Exec(db.get(), "PRAGMA cipher_version;", &version));
    if (version.empty()) {
      ::unlink(path.c_str());
      return Status::Unsupported("the linked SQLite is not SQLCipher (PRAGMA cipher_version is empty)");
    }
    QOIMA_RETURN_IF_ERROR(Exec(db.get(), "CREATE TABLE probe(v TEXT); INSERT INTO probe VALUES('qoima');"));
  }
  char header[16] = {};
  std::ifstream(path, std::ios::binary).read(header, sizeof header);
  if (std::memcmp(header, "SQLite format 3", 15) == 0) {
    ::unlink(path.c_str());
    return Status::Corrupt("SQLCipher wrote a plaintext database header: encryption is not active");
  }
  std::string value;
  {
    QOIMA_ASSIGN_OR_RETURN(DbPtr db, OpenKeyed(path));
    Status s = Exec(db.get(), "SELECT v FROM probe;", &value);
    ::unlink(path.c_str());
    QOIMA_RETURN_IF_ERROR(s.WithContext("reopen encrypted probe database"));
  }
  if (value != "qoima") return Status::Corrupt("encrypted probe database returned '" + value + "'");
  return "SQLCipher " + version + " on SQLite " + sqlite3_libversion();
}

}  // namespace qoima::storage
