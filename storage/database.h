// Database: the one owner of a SQLCipher connection (sqlite3*) and its
// prepared statements (sqlite3_stmt*), plus an RAII transaction.
//
// Opened with a 32-byte raw key (no passphrase KDF: the key comes from the TPM
// keyring), WAL journal, synchronous=FULL, foreign keys and secure_delete on.
// Every SQLite result code becomes a Status in exactly one function,
// SqliteStatus(), so callers see kNoSpace for SQLITE_FULL, kCorrupt for a
// damaged file or a wrong key, kAlreadyExists for a UNIQUE violation, etc.
//
// Dialect: SQLCipher 3.4.1 on SQLite 3.15. No UPSERT, no window functions, no
// RETURNING: use INSERT + last_insert_rowid() and explicit SELECTs.
//
// Thread-safety: a Database and its Statements belong to one thread at a time.
// Statements must not outlive the Database that prepared them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

struct sqlite3;
struct sqlite3_stmt;
struct sqlite3_blob;

namespace qoima::storage {

/// The one place an SQLite result code becomes a Status. `db` may be null;
/// when given, its extended error message is appended. `what` names the
/// operation ("insert file row", "open /var/lib/qoima/meta.db").
Status SqliteStatus(int rc, sqlite3* db, std::string_view what);

struct SqliteCloser {
  void operator()(sqlite3* db) const;
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* stmt) const;
};

/// A prepared statement. Bind*() indexes start at 1 as in SQLite; a bind
/// failure is remembered and returned by the next Step()/Run().
class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt, std::string sql);

  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, const char* text) { return Bind(index, std::string_view(text)); }
  Statement& Bind(int index, const std::string& text) { return Bind(index, std::string_view(text)); }
  Statement& BindBlob(int index, std::span<const uint8_t> bytes);
  /// A large BLOB bound without a copy (SQLITE_STATIC): `bytes` must stay
  /// valid and unchanged until the statement is reset or finalized.
  Statement& BindLargeBlob(int index, std::span<const uint8_t> bytes);
  /// A BLOB of `size` zero bytes that SQLite writes to its pages without
  /// holding it in memory; filled afterwards through Database::OpenBlob.
  Statement& BindZeroBlob(int index, uint64_t size);
  Statement& BindNull(int index);
  /// Binds `value` or NULL.
  Statement& BindOptional(int index, const std::optional<int64_t>& value);
  Statement& BindOptional(int index, const std::optional<std::string>& value);

  /// Steps once: true when a row is available, false when done.
  Result<bool> Step();
  /// Steps to completion (for INSERT/UPDATE/DELETE), then resets.
  Status Run();
  /// Clears bindings and rewinds so the statement can run again.
  void Reset();

  int64_t ColumnInt(int col) const;
  std::string ColumnText(int col) const;
  std::vector<uint8_t> ColumnBlob(int col) const;
  bool ColumnIsNull(int col) const;

 private:
  Statement& BindBlobBytes(int index, std::span<const uint8_t> bytes, bool copy);

  sqlite3* db_ = nullptr;  // not owned
  std::unique_ptr<sqlite3_stmt, StatementFinalizer> stmt_;
  std::string sql_;
  Status bind_status_;
};

struct BlobCloser {
  void operator()(sqlite3_blob* blob) const;
};

/// Incremental I/O on one BLOB value (sqlite3_blob_*): a large value read or
/// written a piece at a time, never whole in memory. Its size is fixed when
/// the row is written (Statement::BindZeroBlob). The handle goes stale when
/// its row changes; it must not outlive its Database. An open handle is a
/// statement in progress: destroy it before COMMIT, or the commit fails.
class Blob {
 public:
  Blob() = default;
  Blob(sqlite3* db, sqlite3_blob* blob, std::string what);

  uint64_t size() const;
  /// Reads `out.size()` bytes at `offset`; the range must lie inside the value.
  Status Read(uint64_t offset, std::span<uint8_t> out) const;
  /// Writes `bytes` at `offset`; the range must lie inside the value.
  Status Write(uint64_t offset, std::span<const uint8_t> bytes);

 private:
  sqlite3* db_ = nullptr;  // not owned
  std::unique_ptr<sqlite3_blob, BlobCloser> blob_;
  std::string what_;
};

struct DatabaseOptions {
  /// Busy timeout for a second connection (backup reader) in milliseconds.
  int busy_timeout_ms = 5000;
  /// Open read-only (backup verification, scrub of a copy).
  bool read_only = false;
  /// Create the file when it does not exist.
  bool create = true;
  /// A scratch database (a deposit's pending rows): no journal, no fsync, a
  /// 2 MiB cache and SQLCipher's default page size, so that it can be
  /// attached (Database::Attach) to the store's connection. Its content is
  /// worthless after a crash: the file is removed at the next start.
  bool scratch = false;
};

class Database {
 public:
  /// Length of the raw SQLCipher key in bytes.
  static constexpr size_t kRawKeySize = 32;

  /// Opens (or creates) `path` with `raw_key`, sets the pragmas and checks the
  /// key by reading the schema. A wrong key or a file that is not a database
  /// gives kCorrupt naming the path.
  static Result<Database> Open(const std::string& path, std::span<const uint8_t> raw_key,
                               const DatabaseOptions& options = {});

  Database() = default;
  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;

  /// Runs one or more statements that return no rows.
  Status Exec(std::string_view sql);
  /// Prepares one statement.
  Result<Statement> Prepare(std::string_view sql);
  /// Runs a query expected to yield one integer (e.g. SELECT count(*)).
  Result<int64_t> QueryInt(std::string_view sql);
  /// Runs a query expected to yield one text value.
  Result<std::string> QueryText(std::string_view sql);

  /// Opens the BLOB in `column` of row `rowid` of `table` (schema "main")
  /// for incremental I/O; read-only unless `writable`.
  Result<Blob> OpenBlob(std::string_view table, std::string_view column, int64_t rowid, bool writable);

  /// ATTACHes the SQLCipher database at `path` (keyed with `raw_key`, with
  /// the default page size: a DatabaseOptions::scratch database) as `schema`.
  /// Not inside a transaction.
  Status Attach(const std::string& path, std::span<const uint8_t> raw_key, std::string_view schema);
  Status Detach(std::string_view schema);

  /// Copies a consistent snapshot of this database into `dest` (opened with
  /// the same key) with the online backup API.
  Status BackupTo(Database& dest);

  /// True inside BEGIN ... COMMIT (false in autocommit mode).
  bool InTransaction() const;
  int64_t LastInsertRowid() const;
  int Changes() const;
  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_.get(); }

 private:
  std::unique_ptr<sqlite3, SqliteCloser> db_;
  std::string path_;
};

/// BEGIN IMMEDIATE on construction (via Begin), ROLLBACK on destruction
/// unless Commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> Begin(Database& db);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  ~Transaction();

  Status Commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_ = nullptr;  // not owned; null once committed or rolled back
};

}  // namespace qoima::storage
