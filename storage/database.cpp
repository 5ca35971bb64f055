#include "storage/database.h"

#define SQLITE_HAS_CODEC 1
#include <openssl/crypto.h>
#include <sqlcipher/sqlite3.h>

#include <string>

namespace qoima::storage {

Status SqliteStatus(int rc, sqlite3* db, std::string_view what) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return Status::Ok();
  std::string msg(what);
  msg += ": ";
  msg += sqlite3_errstr(rc);
  if (db != nullptr) {
    const char* detail = sqlite3_errmsg(db);
    if (detail != nullptr && std::string_view(detail) != sqlite3_errstr(rc)) {
      msg += " (";
      msg += detail;
      msg += ")";
    }
  }
  switch (rc & 0xff) {
    case SQLITE_FULL: return Status::NoSpace(msg);
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL: return Status::IoError(msg);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH: return Status::PermissionDenied(msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_FORMAT: return Status::Corrupt(msg);
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) return Status::AlreadyExists(msg);
      if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) return Status::FailedPrecondition(msg);
      return Status::InvalidArgument(msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Status::Timeout(msg);
    case SQLITE_NOTFOUND: return Status::NotFound(msg);
    case SQLITE_TOOBIG: return Status::LimitExceeded(msg);
    case SQLITE_INTERRUPT:
    case SQLITE_ABORT: return Status::Cancelled(msg);
    default:  // SQLITE_ERROR (SQL text), MISUSE, RANGE, NOMEM, SCHEMA, MISMATCH: our bug
      return Status::Internal(msg);
  }
}

void SqliteCloser::operator()(sqlite3* db) const { sqlite3_close_v2(db); }
void StatementFinalizer::operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }

Statement::Statement(sqlite3* db, sqlite3_stmt* stmt, std::string sql) : db_(db), stmt_(stmt), sql_(std::move(sql)) {}

namespace {
std::string Shorten(const std::string& sql) {
  constexpr size_t kShown = 48;
  return sql.size() <= kShown ? sql : sql.substr(0, kShown) + "...";
}
}  // namespace

Statement& Statement::Bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_.get(), index, value);
  if (rc != SQLITE_OK && bind_status_.ok()) bind_status_ = SqliteStatus(rc, db_, "bind " + Shorten(sql_));
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  int rc = sqlite3_bind_text64(stmt_.get(), index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_status_.ok()) bind_status_ = SqliteStatus(rc, db_, "bind " + Shorten(sql_));
  return *this;
}

// `copy` false: SQLITE_STATIC, the caller keeps `bytes` alive (BindLargeBlob).
Statement& Statement::BindBlobBytes(int index, std::span<const uint8_t> bytes, bool copy) {
  static const uint8_t kEmpty = 0;
  const void* data = bytes.empty() ? &kEmpty : bytes.data();  // null data would bind NULL
  int rc = sqlite3_bind_blob64(stmt_.get(), index, data, bytes.size(), copy ? SQLITE_TRANSIENT : SQLITE_STATIC);
  if (rc != SQLITE_OK && bind_status_.ok()) bind_status_ = SqliteStatus(rc, db_, "bind " + Shorten(sql_));
  return *this;
}

Statement& Statement::BindBlob(int index, std::span<const uint8_t> bytes) { return BindBlobBytes(index, bytes, true); }

Statement& Statement::BindLargeBlob(int index, std::span<const uint8_t> bytes) {
  return BindBlobBytes(index, bytes, false);
}

Statement& Statement::BindZeroBlob(int index, uint64_t size) {
  int rc = sqlite3_bind_zeroblob64(stmt_.get(), index, size);
  if (rc != SQLITE_OK && bind_status_.ok()) bind_status_ = SqliteStatus(rc, db_, "bind " + Shorten(sql_));
  return *this;
}

Statement& Statement::BindNull(int index) {
  int rc = sqlite3_bind_null(stmt_.get(), index);
  if (rc != SQLITE_OK && bind_status_.ok()) bind_status_ = SqliteStatus(rc, db_, "bind " + Shorten(sql_));
  return *this;
}

Statement& Statement::BindOptional(int index, const std::optional<int64_t>& value) {
  return value ? Bind(index, *value) : BindNull(index);
}

Statement& Statement::BindOptional(int index, const std::optional<std::string>& value) {
  return value ? Bind(index, std::string_view(*value)) : BindNull(index);
}

Result<bool> Statement::Step() {
  if (!stmt_) return Status::Internal("step of an unprepared statement");
  if (!bind_status_.ok()) return bind_status_;
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Status s = SqliteStatus(rc, db_, Shorten(sql_));
  sqlite3_reset(stmt_.get());
  return s;
}

Status Statement::Run() {
  Result<bool> r = Step();
  while (r.ok() && *r) r = Step();
  Reset();
  return r.status();
}

void Statement::Reset() {
  if (!stmt_) return;
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
  bind_status_ = Status::Ok();
}

int64_t Statement::ColumnInt(int col) const { return sqlite3_column_int64(stmt_.get(), col); }

std::string Statement::ColumnText(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_.get(), col);
  int n = sqlite3_column_bytes(stmt_.get(), col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

std::vector<uint8_t> Statement::ColumnBlob(int col) const {
  const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_.get(), col));
  int n = sqlite3_column_bytes(stmt_.get(), col);
  return p ? std::vector<uint8_t>(p, p + n) : std::vector<uint8_t>();
}

bool Statement::ColumnIsNull(int col) const { return sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL; }

namespace {

// Raw-key form x'<64 hex>' skips SQLCipher's PBKDF2: the key already is a key.
// The caller cleanses it.
std::string KeySpec(std::span<const uint8_t> raw_key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string keyspec = "x'";
  for (uint8_t b : raw_key) {
    keyspec += kHex[b >> 4];
    keyspec += kHex[b & 0xf];
  }
  keyspec += "'";
  return keyspec;
}

}  // namespace

Result<Database> Database::Open(const std::string& path, std::span<const uint8_t> raw_key,
                                const DatabaseOptions& options) {
  if (raw_key.size() != kRawKeySize) {
    return Status::InvalidArgument("open " + path + ": raw key must be 32 bytes, got " +
                                   std::to_string(raw_key.size()));
  }
  int flags = options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (options.create && !options.read_only) flags |= SQLITE_OPEN_CREATE;
  flags |= SQLITE_OPEN_NOMUTEX;
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Database db;
  db.db_.reset(raw);
  db.path_ = path;
  if (rc != SQLITE_OK) return SqliteStatus(rc, raw, "open " + path);
  sqlite3_extended_result_codes(raw, 1);

  std::string keyspec = KeySpec(raw_key);
  rc = sqlite3_key(raw, keyspec.data(), static_cast<int>(keyspec.size()));
  OPENSSL_cleanse(keyspec.data(), keyspec.size());
  if (rc != SQLITE_OK) return SqliteStatus(rc, raw, "key " + path);

  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  if (options.scratch) {
    QOIMA_RETURN_IF_ERROR(db.Exec("PRAGMA locking_mode = EXCLUSIVE;"));
    Result<std::string> mode = db.QueryText("PRAGMA journal_mode = OFF;");
    if (!mode.ok()) return mode.status().WithContext("open " + path);
    QOIMA_RETURN_IF_ERROR(db.Exec("PRAGMA synchronous = OFF; PRAGMA cache_size = -2048; PRAGMA temp_store = MEMORY;"));
    return db;
  }
  // Page size must be the same on every open; 4096 matches the filesystem.
  QOIMA_RETURN_IF_ERROR(db.Exec("PRAGMA cipher_page_size = 4096;"));
  // Exclusive locking before the first WAL access keeps SQLite's WAL index on
  // the heap instead of an mmap'd -shm file: a full disk then fails a write
  // with SQLITE_FULL instead of killing the process with SIGBUS when a page of
  // the mapping cannot be allocated (seen on ext4 with 1 KiB blocks). It costs
  // nothing: Store::Open already holds an exclusive flock, one process only.
  if (!options.read_only) QOIMA_RETURN_IF_ERROR(db.Exec("PRAGMA locking_mode = EXCLUSIVE;"));
  // Reading the schema is the first access that decrypts: a wrong key shows here.
  Result<int64_t> probe = db.QueryInt("SELECT count(*) FROM sqlite_master;");
  if (!probe.ok()) {
    return Status(probe.status().code(),
                  "open " + path + ": wrong key or not a qoima database (" + probe.status().message() + ")");
  }
  if (!options.read_only) {
    Result<std::string> mode = db.QueryText("PRAGMA journal_mode = WAL;");
    if (!mode.ok()) return mode.status().WithContext("open " + path);
    if (*mode != "wal") return Status::Unsupported("open " + path + ": journal_mode is " + *mode + ", not wal");
  }
  // An 8 MiB page cache: a 100k-file commit spills half-built index pages
  // (random SHA-256 keys) to the WAL a few times, which costs less than the
  // cache would cost against the appliance's 128 MiB peak-RSS budget (a big
  // commit fills the whole cache with dirty pages).
  QOIMA_RETURN_IF_ERROR(db.Exec(
      "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; PRAGMA cache_size = -8192;"));
  Result<int64_t> fk = db.QueryInt("PRAGMA foreign_keys;");
  if (!fk.ok() || *fk != 1) return Status::Unsupported("open " + path + ": foreign keys could not be enabled");
  return db;
}

Status Database::Attach(const std::string& path, std::span<const uint8_t> raw_key, std::string_view schema) {
  if (raw_key.size() != kRawKeySize) return Status::InvalidArgument("attach " + path + ": raw key must be 32 bytes");
  QOIMA_ASSIGN_OR_RETURN(Statement st, Prepare("ATTACH DATABASE ? AS " + std::string(schema) + " KEY ?"));
  std::string keyspec = KeySpec(raw_key);
  st.Bind(1, path).Bind(2, keyspec);
  Status s = st.Run();
  st.Reset();  // drops the bound key
  OPENSSL_cleanse(keyspec.data(), keyspec.size());
  return s.WithContext("attach " + path);
}

Status Database::Detach(std::string_view schema) { return Exec("DETACH DATABASE " + std::string(schema) + ";"); }

Status Database::Exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);
  return SqliteStatus(rc, db_.get(), Shorten(text));
}

Result<Statement> Database::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return SqliteStatus(rc, db_.get(), "prepare " + Shorten(std::string(sql)));
  }
  return Statement(db_.get(), stmt, std::string(sql));
}

Result<int64_t> Database::QueryInt(std::string_view sql) {
  QOIMA_ASSIGN_OR_RETURN(Statement st, Prepare(sql));
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound(std::string(sql) + ": no row");
  return st.ColumnInt(0);
}

Result<std::string> Database::QueryText(std::string_view sql) {
  QOIMA_ASSIGN_OR_RETURN(Statement st, Prepare(sql));
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound(std::string(sql) + ": no row");
  return st.ColumnText(0);
}

Status Database::BackupTo(Database& dest) {
  sqlite3_backup* b = sqlite3_backup_init(dest.db_.get(), "main", db_.get(), "main");
  if (b == nullptr) return SqliteStatus(sqlite3_errcode(dest.db_.get()), dest.db_.get(), "backup to " + dest.path_);
  int rc = sqlite3_backup_step(b, -1);
  int finish_rc = sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) return SqliteStatus(rc, dest.db_.get(), "backup to " + dest.path_);
  return SqliteStatus(finish_rc, dest.db_.get(), "backup to " + dest.path_);
}

bool Database::InTransaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }

void BlobCloser::operator()(sqlite3_blob* blob) const { sqlite3_blob_close(blob); }

Blob::Blob(sqlite3* db, sqlite3_blob* blob, std::string what) : db_(db), blob_(blob), what_(std::move(what)) {}

uint64_t Blob::size() const { return blob_ ? static_cast<uint64_t>(sqlite3_blob_bytes(blob_.get())) : 0; }

Status Blob::Read(uint64_t offset, std::span<uint8_t> out) const {
  if (!blob_) return Status::Internal("read of a closed blob");
  if (offset > size() || out.size() > size() - offset) return Status::InvalidArgument("read past the end of " + what_);
  int rc = sqlite3_blob_read(blob_.get(), out.data(), static_cast<int>(out.size()), static_cast<int>(offset));
  if (rc != SQLITE_OK) return SqliteStatus(rc, db_, "read " + what_);
  return Status::Ok();
}

Status Blob::Write(uint64_t offset, std::span<const uint8_t> bytes) {
  if (!blob_) return Status::Internal("write to a closed blob");
  if (offset > size() || bytes.size() > size() - offset)
    return Status::InvalidArgument("write past the end of " + what_);
  int rc = sqlite3_blob_write(blob_.get(), bytes.data(), static_cast<int>(bytes.size()), static_cast<int>(offset));
  if (rc != SQLITE_OK) return SqliteStatus(rc, db_, "write " + what_);
  return Status::Ok();
}

Result<Blob> Database::OpenBlob(std::string_view table, std::string_view column, int64_t rowid, bool writable) {
  std::string t(table), c(column);
  std::string what = t + "." + c + " of row " + std::to_string(rowid);
  sqlite3_blob* blob = nullptr;
  int rc = sqlite3_blob_open(db_.get(), "main", t.c_str(), c.c_str(), rowid, writable ? 1 : 0, &blob);
  if (rc != SQLITE_OK) {
    sqlite3_blob_close(blob);  // a no-op on null
    return SqliteStatus(rc, db_.get(), "open " + what);
  }
  return Blob(db_.get(), blob, std::move(what));
}

int64_t Database::LastInsertRowid() const { return sqlite3_last_insert_rowid(db_.get()); }
int Database::Changes() const { return sqlite3_changes(db_.get()); }

Result<Transaction> Transaction::Begin(Database& db) {
  QOIMA_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE;"));
  return Transaction(&db);
}

Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Transaction::~Transaction() {
  if (db_ != nullptr) {
    // A failed ROLLBACK (e.g. the connection is gone) leaves nothing to do here:
    // SQLite rolls back an open transaction when the connection closes.
    (void)db_->Exec("ROLLBACK;");
  }
}

Status Transaction::Commit() {
  if (db_ == nullptr) return Status::Internal("commit of a finished transaction");
  Status s = db_->Exec("COMMIT;");
  if (s.ok()) db_ = nullptr;
  return s;
}

}  // namespace qoima::storage
