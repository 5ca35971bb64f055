#include <sqlcipher/sqlite3.h>
#include <catch2/catch.hpp>

#include <array>
#include <cstring>
#include <fstream>

#include "storage/database.h"
#include "storage/migrations.h"
#include "tests/fixtures/temp_dir.h"

using qoima::Code;
using qoima::storage::Database;
using qoima::storage::SqliteStatus;
using qoima::storage::Statement;
using qoima::storage::Transaction;

namespace {
std::array<uint8_t, 32> Key(uint8_t fill) {
  std::array<uint8_t, 32> k{};
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(fill + i);
  return k;
}
}  // namespace

TEST_CASE("database is encrypted, in WAL mode, with foreign keys on") {
  qoima::testing::TempDir dir;
  std::string path = dir.Sub("meta.db");
  {
    auto db = Database::Open(path, Key(1));
    REQUIRE(db.ok());
    CHECK(*db->QueryText("PRAGMA journal_mode;") == "wal");
    CHECK(*db->QueryInt("PRAGMA foreign_keys;") == 1);
    CHECK(*db->QueryInt("PRAGMA synchronous;") == 2);
    REQUIRE(db->Exec("CREATE TABLE t(v TEXT); INSERT INTO t VALUES('secret-marker');").ok());
  }
  std::string bytes = qoima::testing::ReadFile(path);
  CHECK(bytes.find("SQLite format 3") == std::string::npos);
  CHECK(bytes.find("secret-marker") == std::string::npos);
}

TEST_CASE("database with the wrong key is reported as corrupt, naming the path") {
  qoima::testing::TempDir dir;
  std::string path = dir.Sub("meta.db");
  {
    auto db = Database::Open(path, Key(1));
    REQUIRE(db.ok());
    REQUIRE(db->Exec("CREATE TABLE t(v);").ok());
  }
  auto wrong = Database::Open(path, Key(2));
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.status().code() == Code::kCorrupt);
  CHECK(wrong.status().message().find(path) != std::string::npos);
  CHECK(wrong.status().message().find("wrong key") != std::string::npos);
}

TEST_CASE("database rejects a raw key of the wrong length") {
  qoima::testing::TempDir dir;
  std::array<uint8_t, 16> short_key{};
  auto db = Database::Open(dir.Sub("meta.db"), short_key);
  REQUIRE_FALSE(db.ok());
  CHECK(db.status().code() == Code::kInvalidArgument);
}

TEST_CASE("sqlite result codes map to status codes in one function") {
  CHECK(SqliteStatus(SQLITE_OK, nullptr, "x").ok());
  CHECK(SqliteStatus(SQLITE_FULL, nullptr, "x").code() == Code::kNoSpace);
  CHECK(SqliteStatus(SQLITE_IOERR_FSYNC, nullptr, "x").code() == Code::kIoError);
  CHECK(SqliteStatus(SQLITE_NOTADB, nullptr, "x").code() == Code::kCorrupt);
  CHECK(SqliteStatus(SQLITE_CORRUPT, nullptr, "x").code() == Code::kCorrupt);
  CHECK(SqliteStatus(SQLITE_CONSTRAINT_UNIQUE, nullptr, "x").code() == Code::kAlreadyExists);
  CHECK(SqliteStatus(SQLITE_CONSTRAINT_FOREIGNKEY, nullptr, "x").code() == Code::kFailedPrecondition);
  CHECK(SqliteStatus(SQLITE_CONSTRAINT_CHECK, nullptr, "x").code() == Code::kInvalidArgument);
  CHECK(SqliteStatus(SQLITE_BUSY, nullptr, "x").code() == Code::kTimeout);
  CHECK(SqliteStatus(SQLITE_MISUSE, nullptr, "x").code() == Code::kInternal);
  CHECK(SqliteStatus(SQLITE_FULL, nullptr, "insert file row").message().find("insert file row") == 0);
}

TEST_CASE("transaction rolls back unless committed") {
  qoima::testing::TempDir dir;
  auto db = Database::Open(dir.Sub("meta.db"), Key(1));
  REQUIRE(db.ok());
  REQUIRE(db->Exec("CREATE TABLE t(v INTEGER);").ok());
  {
    auto tx = Transaction::Begin(*db);
    REQUIRE(tx.ok());
    REQUIRE(db->Exec("INSERT INTO t VALUES(1);").ok());
  }
  CHECK(*db->QueryInt("SELECT count(*) FROM t;") == 0);
  {
    auto tx = Transaction::Begin(*db);
    REQUIRE(tx.ok());
    REQUIRE(db->Exec("INSERT INTO t VALUES(2);").ok());
    REQUIRE(tx->Commit().ok());
  }
  CHECK(*db->QueryInt("SELECT sum(v) FROM t;") == 2);
}

TEST_CASE("statement binds text, blobs, nulls and reports constraint violations") {
  qoima::testing::TempDir dir;
  auto db = Database::Open(dir.Sub("meta.db"), Key(1));
  REQUIRE(db.ok());
  REQUIRE(db->Exec("CREATE TABLE t(k TEXT UNIQUE, b BLOB, n INTEGER);").ok());
  auto ins = db->Prepare("INSERT INTO t VALUES(?,?,?)");
  REQUIRE(ins.ok());
  const uint8_t raw[] = {0xff, 0x00, 0xfe};  // not UTF-8, with a NUL: stored as given
  REQUIRE(ins->Bind(1, "қазақ").BindBlob(2, raw).BindNull(3).Run().ok());
  qoima::Status dup = ins->Bind(1, "қазақ").BindBlob(2, raw).BindNull(3).Run();
  CHECK(dup.code() == Code::kAlreadyExists);
  auto sel = db->Prepare("SELECT k, b, n FROM t");
  REQUIRE(sel.ok());
  REQUIRE(*sel->Step());
  CHECK(sel->ColumnText(0) == "қазақ");
  CHECK(sel->ColumnBlob(1) == std::vector<uint8_t>{0xff, 0x00, 0xfe});
  CHECK(sel->ColumnIsNull(2));
  CHECK_FALSE(*sel->Step());
}

TEST_CASE("migrations bring a new database to the latest version once") {
  qoima::testing::TempDir dir;
  std::string path = dir.Sub("meta.db");
  {
    auto db = Database::Open(path, Key(1));
    REQUIRE(db.ok());
    auto before = qoima::storage::ApplyMigrations(*db, "2026-11-26T04:00:00Z");
    REQUIRE(before.ok());
    CHECK(*before == 0);
    CHECK(*db->QueryInt("PRAGMA user_version;") == qoima::storage::LatestSchemaVersion());
    CHECK(*db->QueryInt("SELECT count(*) FROM schema_migrations;") ==
          static_cast<int64_t>(qoima::storage::AllMigrations().size()));
    CHECK(*db->QueryInt("SELECT count(*) FROM roles;") == 4);
  }
  auto db = Database::Open(path, Key(1));
  REQUIRE(db.ok());
  auto again = qoima::storage::ApplyMigrations(*db, "2026-11-26T05:00:00Z");
  REQUIRE(again.ok());
  CHECK(*again == qoima::storage::LatestSchemaVersion());
  CHECK(*db->QueryInt("SELECT count(*) FROM schema_migrations;") ==
        static_cast<int64_t>(qoima::storage::AllMigrations().size()));
}

TEST_CASE("migrations refuse a database newer than the program") {
  qoima::testing::TempDir dir;
  auto db = Database::Open(dir.Sub("meta.db"), Key(1));
  REQUIRE(db.ok());
  REQUIRE(db->Exec("PRAGMA user_version = 999;").ok());
  auto r = qoima::storage::ApplyMigrations(*db, "2026-11-26T04:00:00Z");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kFailedPrecondition);
  CHECK(r.status().message().find("999") != std::string::npos);
}

TEST_CASE("migration 9 widens approvals keeping every row and its votes and records the accounts' creation") {
  qoima::testing::TempDir dir;
  auto db = Database::Open(dir.Sub("meta.db"), Key(1));
  REQUIRE(db.ok());
  // A store as migration 7 left it, with accounts and approvals that rows of
  // other tables refer to.
  for (const auto& m : qoima::storage::AllMigrations()) {
    if (m.version > 7) break;
    REQUIRE(db->Exec(m.sql).ok());
    REQUIRE(db->Exec("INSERT INTO schema_migrations(version, description, applied_at) VALUES(" +
                     std::to_string(m.version) + ", 'x', '2026-01-01T00:00:00Z')")
                .ok());
  }
  REQUIRE(db->Exec("PRAGMA user_version = 7;").ok());
  REQUIRE(db->Exec(R"sql(
    INSERT INTO users(id, login, surname, given_name, password_hash, created_at) VALUES
      (1, 'admin', 'A', 'A', 'h', '2026-01-01T00:00:00Z'), (2, 'so1', 'S', 'S', 'h', '2026-01-02T00:00:00Z'),
      (3, 'so2', 'T', 'T', 'h', '2026-01-03T00:00:00Z');
    INSERT INTO user_roles(user_id, role, granted_by, granted_at) VALUES
      (1, 'admin', NULL, '2026-01-01T00:00:00Z'), (2, 'security_officer', 1, '2026-01-02T00:00:00Z'),
      (3, 'security_officer', 1, '2026-01-03T00:00:00Z');
    INSERT INTO approvals(id, action, target, requested_by, requested_at, approved_by, approved_at, state, reason,
                          expires_at, note, withdrawn) VALUES
      (7, 'export', 'deposit:1', 2, '2026-02-01T00:00:00Z', 3, '2026-02-01T01:00:00Z', 'used', 'owner asked',
       '2026-02-02T00:00:00Z', 'export E-1', 0),
      (8, 'destroy', 'object:4', 3, '2026-02-03T00:00:00Z', NULL, NULL, 'requested', NULL, NULL, NULL, 0);
    INSERT INTO approval_votes(approval_id, user_id, voted_at) VALUES (7, 3, '2026-02-01T01:00:00Z');
  )sql")
              .ok());
  auto before = qoima::storage::ApplyMigrations(*db, "2026-11-26T04:00:00Z");
  INFO(before.status().ToString());
  REQUIRE(before.ok());
  CHECK(*before == 7);
  CHECK(*db->QueryInt("SELECT count(*) FROM approvals") == 2);
  CHECK(*db->QueryText("SELECT action || ' ' || target || ' ' || state || ' ' || reason || ' ' || note || ' ' || "
                       "approved_by FROM approvals WHERE id = 7") == "export deposit:1 used owner asked export E-1 3");
  CHECK(*db->QueryText("SELECT action || ' ' || state || ' ' || coalesce(reason, '-') FROM approvals WHERE id = 8") ==
        "destroy requested -");
  CHECK(*db->QueryInt("SELECT count(*) FROM approval_votes WHERE approval_id = 7") == 1);
  {
    auto check = db->Prepare("PRAGMA foreign_key_check;");
    REQUIRE(check.ok());
    auto violation = check->Step();
    REQUIRE(violation.ok());
    CHECK_FALSE(*violation);
  }
  // The widened CHECK, the constraints that stayed, and the new tables.
  CHECK(db->Exec("INSERT INTO approvals(action, target, requested_by, requested_at) VALUES ('user', 'user:x', 1, "
                 "'2026-03-01T00:00:00Z')")
            .ok());
  CHECK(db->Exec("INSERT INTO approvals(action, target, requested_by, requested_at) VALUES ('delete', 'x', 1, "
                 "'2026-03-01T00:00:00Z')")
            .code() != Code::kOk);
  CHECK(db->Exec("INSERT INTO approvals(action, target, requested_by, requested_at) VALUES ('export', 'x', 99, "
                 "'2026-03-01T00:00:00Z')")
            .code() != Code::kOk);
  CHECK(db->Exec("INSERT INTO approval_votes(approval_id, user_id, voted_at) VALUES (99, 1, 'x')").code() != Code::kOk);
  // Every account that existed has its creation recorded, with who made it.
  CHECK(*db->QueryText("SELECT group_concat(user_id || ':' || kind || ':' || role_after || ':' || "
                       "coalesce(requested_by, 0) || ':' || at, ' ') FROM (SELECT * FROM user_changes ORDER BY id)") ==
        "1:create:admin:0:2026-01-01T00:00:00Z 2:create:security_officer:1:2026-01-02T00:00:00Z "
        "3:create:security_officer:1:2026-01-03T00:00:00Z");
  CHECK(db->Exec("UPDATE user_changes SET requested_by = 3 WHERE user_id = 2").code() != Code::kOk);
  CHECK(db->Exec("DELETE FROM user_changes").code() != Code::kOk);
  CHECK(*db->QueryInt("SELECT count(*) FROM user_changes") == 3);
}

TEST_CASE("migration 14 moves every file's digest from the files_sha256 index to file_digests") {
  qoima::testing::TempDir dir;
  auto db = Database::Open(dir.Sub("meta.db"), Key(1));
  REQUIRE(db.ok());
  for (const auto& m : qoima::storage::AllMigrations()) {
    if (m.version > 13) break;
    REQUIRE(db->Exec(m.sql).ok());
    REQUIRE(db->Exec("INSERT INTO schema_migrations(version, description, applied_at) VALUES(" +
                     std::to_string(m.version) + ", 'x', '2026-01-01T00:00:00Z')")
                .ok());
  }
  REQUIRE(db->Exec("PRAGMA user_version = 13;").ok());
  // Three files, two with the same content, in two deposits.
  const qoima::Status rows = db->Exec(R"sql(
    INSERT INTO informatization_objects(id, name, track, created_at) VALUES(1, 'o', 'application', 't');
    INSERT INTO deposits(id, object_id, version_no, tier, state, wrapped_key, created_at, token)
      VALUES(1, 1, 1, 'temporary', 'committed', x'00', 't', 'a'), (2, 1, 2, 'temporary', 'committed', x'00', 't', 'b');
    INSERT INTO objects(id, deposit_id, name, plain_size, sealed_size, sha256) VALUES
      (1, 1, 'n1', 1, 1, zeroblob(32)), (2, 1, 'n2', 1, 1, zeroblob(32)), (3, 2, 'n3', 1, 1, zeroblob(32));
    INSERT INTO files(id, deposit_id, path, display_path, size, sha256, category, object_id) VALUES
      (1, 1, x'61', 'a', 1, x'ff00000000000000000000000000000000000000000000000000000000000000', 'source_code', 1),
      (2, 1, x'62', 'b', 1, zeroblob(32), 'source_code', 2),
      (3, 2, x'61', 'a', 1, x'ff00000000000000000000000000000000000000000000000000000000000000', 'source_code', 3);
  )sql");
  INFO(rows.message());
  REQUIRE(rows.ok());
  auto v = qoima::storage::ApplyMigrations(*db, "2026-12-07T00:00:00Z");
  REQUIRE(v.ok());
  CHECK(*v == 13);  // the version found
  CHECK(*db->QueryInt("PRAGMA user_version;") == qoima::storage::LatestSchemaVersion());
  CHECK(*db->QueryInt("SELECT count(*) FROM sqlite_master WHERE name = 'files_sha256'") == 0);
  CHECK(*db->QueryText("SELECT group_concat(hex(substr(sha256, 1, 1)) || ':' || file_id, ' ') FROM "
                       "(SELECT * FROM file_digests ORDER BY sha256, file_id)") == "00:2 FF:1 FF:3");
  // A digest that is not 32 bytes is refused, and so is the same pair twice.
  CHECK_FALSE(db->Exec("INSERT INTO file_digests VALUES(x'00', 4)").ok());
  CHECK_FALSE(db->Exec("INSERT INTO file_digests VALUES(zeroblob(32), 2)").ok());
}

TEST_CASE("schema enforces foreign keys, checks and append-only audit entries") {
  qoima::testing::TempDir dir;
  auto db = Database::Open(dir.Sub("meta.db"), Key(1));
  REQUIRE(db.ok());
  REQUIRE(qoima::storage::ApplyMigrations(*db, "2026-11-26T04:00:00Z").ok());
  // A file row pointing at a deposit that does not exist.
  qoima::Status fk = db->Exec(
      "INSERT INTO files(deposit_id, path, display_path, size, sha256, category, object_id) "
      "VALUES(42, x'61', 'a', 1, zeroblob(32), 'source_code', 7);");
  CHECK(fk.code() == Code::kFailedPrecondition);
  qoima::Status bad_tier = db->Exec(
      "INSERT INTO informatization_objects(id, name, track, created_at) VALUES(1,'o','application','t');"
      "INSERT INTO deposits(object_id, version_no, tier, state, wrapped_key, created_at) "
      "VALUES(1, 1, 'forever', 'committed', x'00', 't');");
  CHECK(bad_tier.code() == Code::kInvalidArgument);
  REQUIRE(db->Exec("INSERT INTO audit_entries VALUES(0,'t','a','clerk','x','o','success','',"
                   "zeroblob(32), zeroblob(32));")
              .ok());
  qoima::Status upd = db->Exec("UPDATE audit_entries SET actor='b' WHERE idx=0;");
  CHECK_FALSE(upd.ok());
  CHECK(upd.message().find("append-only") != std::string::npos);
  CHECK_FALSE(db->Exec("DELETE FROM audit_entries;").ok());
}

TEST_CASE("a large blob is written and read a piece at a time and its bounds hold") {
  qoima::testing::TempDir dir;
  auto db = Database::Open(dir.Sub("meta.db"), Key(1));
  REQUIRE(db.ok());
  REQUIRE(db->Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB);").ok());
  const uint64_t size = 3 * 1024 * 1024 + 17;
  {
    auto tx = Transaction::Begin(*db);
    REQUIRE(tx.ok());
    auto st = db->Prepare("INSERT INTO t(b) VALUES (?)");
    REQUIRE(st.ok());
    st->BindZeroBlob(1, size);
    REQUIRE(st->Run().ok());
    int64_t row = db->LastInsertRowid();
    {  // an open handle is a statement in progress: closed before the commit
      auto blob = db->OpenBlob("t", "b", row, true);
      REQUIRE(blob.ok());
      CHECK(blob->size() == size);
      std::vector<uint8_t> piece(64 * 1024);
      for (uint64_t at = 0; at < size; at += piece.size()) {
        size_t n = static_cast<size_t>(std::min<uint64_t>(piece.size(), size - at));
        for (size_t i = 0; i < n; ++i) piece[i] = static_cast<uint8_t>((at + i) * 7 + 3);
        REQUIRE(blob->Write(at, std::span<const uint8_t>(piece.data(), n)).ok());
      }
      uint8_t one = 1;
      CHECK(blob->Write(size, std::span<const uint8_t>(&one, 1)).code() == Code::kInvalidArgument);
    }
    REQUIRE(tx->Commit().ok());
  }
  // Read back through a read-only handle and through a plain SELECT.
  auto blob = db->OpenBlob("t", "b", 1, false);
  REQUIRE(blob.ok());
  std::vector<uint8_t> got(4096);
  REQUIRE(blob->Read(size - got.size(), got).ok());
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == static_cast<uint8_t>((size - got.size() + i) * 7 + 3));
  CHECK(blob->Read(size - 10, got).code() == Code::kInvalidArgument);
  uint8_t one = 1;
  CHECK_FALSE(blob->Write(0, std::span<const uint8_t>(&one, 1)).ok());  // read-only handle
  auto st = db->Prepare("SELECT b FROM t WHERE id = 1");
  REQUIRE(st.ok());
  REQUIRE(*st->Step());
  auto whole = st->ColumnBlob(0);
  REQUIRE(whole.size() == size);
  bool same = true;
  for (uint64_t i = 0; i < size; ++i) same &= whole[i] == static_cast<uint8_t>(i * 7 + 3);
  CHECK(same);
  auto missing = db->OpenBlob("t", "b", 99, false);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().find("t.b of row 99") != std::string::npos);
}
