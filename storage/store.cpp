#include "storage/store.h"

#include <fcntl.h>
#include <sys/file.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>

#include "storage/migrations.h"

namespace qoima::storage {
namespace {

constexpr const char* kCategories[] = {
    "source_code", "libraries",          "build_service_files", "build_description",   "artifacts",
    "executables", "database_structure", "licensed_settings",   "additional_software", "technical_documentation"};

constexpr size_t kReadBufferSize = 256 * 1024;
/// Sealed bytes of a deposit's objects are gathered up to this size before a
/// write(2) to the pack: a thousand small files cost one write.
constexpr size_t kPackBufferSize = 1024 * 1024;
/// Sealed chunks this big are written straight from the sealer's buffer.
constexpr size_t kDirectWriteSize = 64 * 1024;

std::string DepositObject(int64_t id) { return "deposit:" + std::to_string(id); }

std::string RandomToken() {
  crypto::SecretBytes r = crypto::SecretBytes::Random(16);
  return crypto::Hex(r.span());
}

bool IsHexName(std::string_view s, size_t len) {
  if (s.size() != len) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

/// A deposit's journal (docs/storage.md, "Pending-deposit journal"):
/// objects/tmp/deposit-<token>.journal, its first line
/// "qoima-deposit-journal-v1 <token>", then "pack <k> <name>" for each pack
/// the deposit creates (written and fsynced before the pack file) or, for a
/// destruction, is about to remove.
constexpr std::string_view kJournalMagic = "qoima-deposit-journal-v1";
constexpr std::string_view kJournalPrefix = "deposit-";
constexpr std::string_view kJournalSuffix = ".journal";
/// A deposit of 5 TB has ~5,000 packs: 400 KB of journal.
constexpr uint64_t kMaxJournalBytes = 4 << 20;
/// store_meta key present while a binding to the TPM counter is under way.
constexpr const char* kBindingMarker = "rollback_counter_binding";
/// Files named in one store.quarantine audit event; the rest are counted.
constexpr size_t kQuarantineListed = 20;

std::string JournalFileName(const std::string& token) {
  return std::string(kJournalPrefix) + token + std::string(kJournalSuffix);
}

bool IsJournalFileName(std::string_view f, std::string* token) {
  if (f.size() != kJournalPrefix.size() + 32 + kJournalSuffix.size() ||
      f.substr(0, kJournalPrefix.size()) != kJournalPrefix ||
      f.substr(f.size() - kJournalSuffix.size()) != kJournalSuffix)
    return false;
  std::string_view t = f.substr(kJournalPrefix.size(), 32);
  if (!std::all_of(t.begin(), t.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }))
    return false;
  *token = std::string(t);
  return true;
}

/// The scratch files the store and its callers put in objects/tmp: a
/// pending deposit's rows (pending-<32 hex>.db) and an act's spilled entries
/// (act-<16 hex>.db), with SQLite's side files. Keyed with random bytes only
/// the process that made them held: after a crash nobody can read them.
bool IsScratchFileName(std::string_view f) {
  for (std::string_view side : {"-journal", "-wal", "-shm"}) {
    if (f.size() > side.size() && f.substr(f.size() - side.size()) == side) {
      f.remove_suffix(side.size());
      break;
    }
  }
  auto hex_between = [&](std::string_view prefix, size_t digits) {
    if (f.size() != prefix.size() + digits + 3 || f.substr(0, prefix.size()) != prefix ||
        f.substr(f.size() - 3) != ".db")
      return false;
    std::string_view h = f.substr(prefix.size(), digits);
    return std::all_of(h.begin(), h.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  };
  return hex_between("pending-", 32) || hex_between("act-", 16);
}

/// "2026-11-26T09:00:00Z" -> "20261126T090000Z" (a directory name).
std::string CompactTime(const std::string& utc) {
  std::string out;
  for (char c : utc)
    if (c != '-' && c != ':') out += c;
  return out;
}

crypto::Sha256Digest ToDigest(const std::vector<uint8_t>& v) {
  crypto::Sha256Digest d{};
  if (v.size() == d.size()) std::memcpy(d.data(), v.data(), d.size());
  return d;
}

std::optional<int64_t> OptInt(const Statement& st, int col) {
  if (st.ColumnIsNull(col)) return std::nullopt;
  return st.ColumnInt(col);
}

}  // namespace

/// A file of a pending deposit once its object is written: 120 bytes plus
/// the path, since a deposit keeps one per file until it commits.
// A deposit's pending files, on disk until the commit: one row per file in
// an encrypted scratch database (DatabaseOptions::scratch) under objects/tmp/,
// keyed with a random key that only this process holds. An intake's memory
// then does not grow with its file count, and a crash leaves a
// file that the next Open() removes with the orphan packs. `shown` is NULL
// when the display path is the raw path byte for byte.
constexpr const char* kStagingSchema = R"sql(
CREATE TABLE packs (no INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE pending (
  path        BLOB NOT NULL UNIQUE,
  shown       TEXT,
  size        INTEGER NOT NULL,
  sealed_size INTEGER NOT NULL,
  pack        INTEGER NOT NULL,
  pack_offset INTEGER NOT NULL,
  object_no   INTEGER NOT NULL,
  sha256      BLOB NOT NULL,
  category    TEXT NOT NULL,
  mtime       INTEGER,
  media_id    INTEGER
);
BEGIN;
)sql";

namespace {

/// The page cache a deposit's commit runs with (PRAGMA cache_size,
/// negative: KiB); the store's own is set by Database::Open.
constexpr int kCommitCacheKib = -2048;

/// A packed object's name, its AEAD associated data and objects.name:
/// "<pack>.<number in the deposit, 8 digits>". Unique in the store (pack
/// names are), and in insertion order within a pack, so the unique index on
/// objects.name grows at its end instead of at a random page per row.
}  // namespace

std::string Store::PackedObjectName(const std::string& pack, uint32_t object_no) {
  char digits[16];
  std::snprintf(digits, sizeof digits, ".%08u", object_no);
  return pack + digits;
}

std::string Store::JournalPath(const std::string& token) const {
  return state_dir_ + "/objects/tmp/" + JournalFileName(token);
}

namespace {

/// One line per file, sorted by raw path: "<sha256 hex> <size> <path hex>\n".
Result<crypto::Sha256Digest> ManifestDigest(Database& staging) {
  // BLOBs sort by memcmp, then length: the raw path's byte order.
  QOIMA_ASSIGN_OR_RETURN(Statement st, staging.Prepare("SELECT sha256, size, path FROM pending ORDER BY path"));
  crypto::Sha256 h;
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    h.Update(crypto::Hex(st.ColumnBlob(0)) + " " + std::to_string(st.ColumnInt(1)) + " " +
             crypto::Hex(st.ColumnBlob(2)) + "\n");
  }
  return h.Finish();
}

/// A pending file's SHA-256 and row number, 36 bytes: what the commit sorts
/// to file the digests in key order.
struct PendingDigest {
  std::array<uint8_t, 32> sha256;
  uint32_t row;
};
static_assert(sizeof(PendingDigest) == 36);

/// The pending files' digests sorted by (SHA-256, row). Sorted here, in one
/// array of exactly `count` entries, and not by SQLite: its sorter keeps
/// every row in memory (temporary files are in memory, as SQLCipher
/// builds it), ~110 bytes a file where this takes 36.
Result<std::vector<PendingDigest>> SortedDigests(Database& staging, uint64_t count) {
  QOIMA_ASSIGN_OR_RETURN(Statement st, staging.Prepare("SELECT rowid, sha256 FROM pending"));
  std::vector<PendingDigest> out;
  out.reserve(count);
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    const std::vector<uint8_t> sha = st.ColumnBlob(1);
    const int64_t n = st.ColumnInt(0);
    if (sha.size() != 32 || n <= 0 || n > UINT32_MAX || out.size() == count)
      return Status::Internal("a pending file's row " + std::to_string(n) + " is not as written");
    PendingDigest g{};
    std::copy(sha.begin(), sha.end(), g.sha256.begin());
    g.row = static_cast<uint32_t>(n);
    out.push_back(g);
  }
  if (out.size() != count)
    return Status::Internal(std::to_string(out.size()) + " pending files of " + std::to_string(count));
  std::sort(out.begin(), out.end(), [](const PendingDigest& a, const PendingDigest& b) {
    return a.sha256 != b.sha256 ? a.sha256 < b.sha256 : a.row < b.row;
  });
  return out;
}

std::string CommitReason(uint64_t files, uint64_t bytes, const crypto::Sha256Digest& manifest, std::string_view extra) {
  std::string r =
      "files=" + std::to_string(files) + " bytes=" + std::to_string(bytes) + " manifest=" + crypto::Hex(manifest);
  if (!extra.empty()) r += "; " + std::string(extra);
  return r;
}

}  // namespace

bool PathLess::operator()(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) const {
  size_t n = std::min(a.size(), b.size());
  int c = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
  return c != 0 ? c < 0 : a.size() < b.size();
}

bool IsValidCategory(std::string_view category) {
  return std::any_of(std::begin(kCategories), std::end(kCategories), [&](const char* c) { return category == c; });
}

// ---------------------------------------------------------------------------
// PendingDeposit / ObjectWriter

struct PendingDeposit::Impl {
  Store* store = nullptr;  // not owned
  DepositSpec spec;
  std::string token;
  DepositKey key;
  std::string created_at;
  // The pending files (see kStagingSchema). Statements before the database
  // they belong to are destroyed first.
  crypto::SecretBytes staging_key;
  std::string staging_path;
  std::optional<Database> staging;
  std::optional<Statement> staged_file;  // INSERT INTO pending
  std::optional<Statement> staged_path;  // is a path pending?
  uint64_t file_count = 0;
  /// Opened before the first object is written; synced once before commit.
  std::unique_ptr<FilesystemSync> barrier;
  uint64_t next_object = 0;
  uint64_t total_bytes = 0;
  bool writer_open = false;
  bool done = false;  // committed or abandoned

  // The pack files the objects are appended to, one open at a time. A pack
  // a crash leaves behind is an orphan (no row names it) that Open() removes.
  std::vector<std::string> packs;      // names (64 hex), in order of creation
  std::unique_ptr<WritableFile> pack;  // the last of `packs`, open for append
  uint64_t pack_written = 0;           // bytes of it in the file
  std::vector<uint8_t> pack_buffer;    // bytes of it not yet written
  /// A failed pack write leaves the pack in an unknown state: the deposit
  /// can then neither take more files nor commit.
  Status pack_error;
  /// The deposit's journal (objects/tmp/deposit-<token>.journal): names each
  /// pack before it is created, so that after a crash Open() removes exactly
  /// the packs this deposit made and nothing it cannot account for.
  std::string journal_path;
  std::unique_ptr<WritableFile> journal;

  uint64_t pack_size() const { return pack_written + pack_buffer.size(); }

  Status OpenStaging() {
    staging_key = crypto::SecretBytes::Random(Database::kRawKeySize);
    staging_path = store->state_dir_ + "/objects/tmp/pending-" + token + ".db";
    DatabaseOptions o;
    o.scratch = true;
    QOIMA_ASSIGN_OR_RETURN(Database db, Database::Open(staging_path, staging_key.span(), o));
    staging.emplace(std::move(db));
    QOIMA_RETURN_IF_ERROR(staging->Exec(kStagingSchema).WithContext("pending files"));
    QOIMA_ASSIGN_OR_RETURN(Statement ins,
                           staging->Prepare("INSERT INTO pending(path, shown, size, sealed_size, pack, pack_offset, "
                                            "object_no, sha256, category, mtime, media_id) "
                                            "VALUES(?,?,?,?,?,?,?,?,?,?,?)"));
    staged_file.emplace(std::move(ins));
    QOIMA_ASSIGN_OR_RETURN(Statement has, staging->Prepare("SELECT 1 FROM pending WHERE path = ?"));
    staged_path.emplace(std::move(has));
    return Status::Ok();
  }
  Status StagePack(const std::string& name) {
    QOIMA_ASSIGN_OR_RETURN(Statement st, staging->Prepare("INSERT INTO packs(no, name) VALUES(?,?)"));
    return st.Bind(1, static_cast<int64_t>(packs.size())).Bind(2, name).Run().WithContext("pending files");
  }
  Result<bool> IsPending(std::span<const uint8_t> path) {
    staged_path->BindBlob(1, path);
    Result<bool> row = staged_path->Step();
    staged_path->Reset();
    return row;
  }
  /// Closes the scratch database and removes it (best effort: what is left
  /// is removed by the next Open()).
  void DropStaging() {
    staged_file.reset();
    staged_path.reset();
    staging.reset();
    if (!staging_path.empty()) (void)store->env_->RemoveFile(staging_path);
    staging_path.clear();
  }

  /// Names pack `k` in the journal and makes that durable before the pack
  /// file exists (the journal itself is created with the first pack).
  Status JournalPack(uint64_t k, const std::string& name) {
    std::string text;
    bool first = !journal;
    if (first) {
      journal_path = store->state_dir_ + "/objects/tmp/" + JournalFileName(token);
      QOIMA_ASSIGN_OR_RETURN(journal, store->env_->NewWritableFile(journal_path));
      text = std::string(kJournalMagic) + " " + token + "\n";
    }
    text += "pack " + std::to_string(k) + " " + name + "\n";
    QOIMA_RETURN_IF_ERROR(
        journal->Append(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size())));
    QOIMA_RETURN_IF_ERROR(journal->Sync());
    if (first) QOIMA_RETURN_IF_ERROR(store->env_->SyncDir(store->state_dir_ + "/objects/tmp"));
    return Status::Ok();
  }
  /// Removes the journal once the packs it names are accounted for: named by
  /// committed rows, or removed (best effort: Open() handles a leftover).
  void DropJournal() {
    // Not Close()d: its content was fsynced when written, and a close error
    // of a file about to be removed would say nothing about the deposit.
    journal.reset();
    if (!journal_path.empty()) (void)store->env_->RemoveFile(journal_path);
    journal_path.clear();
  }
  /// Removes the deposit's packs, then (if they are all gone) its journal.
  Status RemovePacks() {
    Status s = store->RemoveObjects(packs);
    if (s.ok()) {
      DropJournal();
    } else {
      journal.reset();  // kept on disk: the next Open() removes what it names
    }
    return s;
  }

  /// The pack the next object goes to: the current one, or a new one when
  /// there is none or it is full.
  Status PreparePack() {
    QOIMA_RETURN_IF_ERROR(pack_error);
    if (pack && pack_size() < store->options_.pack_target_bytes) return Status::Ok();
    QOIMA_RETURN_IF_ERROR(ClosePack());
    std::string name = store->PackName(token, packs.size());
    Status journaled = JournalPack(packs.size(), name);
    if (!journaled.ok()) return pack_error = journaled.WithContext("pending-deposit journal");
    QOIMA_RETURN_IF_ERROR(store->EnsureFanoutDir(name));
    Result<std::unique_ptr<WritableFile>> f = store->env_->NewWritableFile(store->ObjectPath(name));
    if (!f.ok()) return pack_error = f.status();
    Status named = StagePack(name);
    if (!named.ok()) return pack_error = named;
    packs.push_back(std::move(name));
    pack = std::move(*f);
    pack_written = 0;
    return Status::Ok();
  }
  Status AppendToPack(std::span<const uint8_t> bytes) {
    QOIMA_RETURN_IF_ERROR(pack_error);
    if (bytes.size() >= kDirectWriteSize) {  // a large file's chunks: no copy through the buffer
      QOIMA_RETURN_IF_ERROR(FlushPack());
      Status s = pack->Append(bytes);
      if (!s.ok()) return pack_error = s;
      pack_written += bytes.size();
      return Status::Ok();
    }
    pack_buffer.insert(pack_buffer.end(), bytes.begin(), bytes.end());
    return pack_buffer.size() >= kPackBufferSize ? FlushPack() : Status::Ok();
  }
  Status FlushPack() {
    QOIMA_RETURN_IF_ERROR(pack_error);
    if (pack_buffer.empty()) return Status::Ok();
    Status s = pack->Append(pack_buffer);
    if (!s.ok()) return pack_error = s;
    pack_written += pack_buffer.size();
    pack_buffer.clear();
    return Status::Ok();
  }
  Status ClosePack() {
    if (!pack) return Status::Ok();
    QOIMA_RETURN_IF_ERROR(FlushPack());
    Status s = pack->Close();
    pack.reset();
    if (!s.ok()) pack_error = s;
    return s;
  }
  /// Drops the bytes of the current pack from `offset` on (a partial object).
  /// If the file cannot be truncated the sealed bytes stay as dead space no
  /// row points at; later objects go after them.
  void TruncatePack(uint64_t offset) {
    if (!pack || offset >= pack_size()) return;
    if (offset >= pack_written) {
      pack_buffer.resize(offset - pack_written);
      return;
    }
    pack_buffer.clear();
    if (pack->Truncate(offset).ok()) pack_written = offset;
  }
};

struct ObjectWriter::Impl {
  PendingDeposit::Impl* deposit = nullptr;  // not owned
  FileMeta meta;
  std::string name;
  uint32_t object_no = 0;
  uint64_t offset = 0;  // where the object starts in the current pack
  std::unique_ptr<crypto::AeadSealer> sealer;
  crypto::Sha256 sha;
  uint64_t size = 0;
  uint64_t sealed = 0;
  Status error;
  bool finished = false;

  // A partial object is cut off the pack now.
  void Discard() {
    if (!finished) deposit->TruncatePack(offset);
  }
  Status Append(std::span<const uint8_t> bytes) {
    sealed += bytes.size();
    return deposit->AppendToPack(bytes);
  }
};

PendingDeposit::PendingDeposit(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

PendingDeposit::~PendingDeposit() {
  if (impl_ && !impl_->done) {
    (void)impl_->ClosePack();
    // Best effort: what cannot be removed now stays named by the journal,
    // and the next Open() removes it.
    (void)impl_->RemovePacks();
    impl_->DropStaging();
  }
}

size_t PendingDeposit::file_count() const { return static_cast<size_t>(impl_->file_count); }
uint64_t PendingDeposit::total_bytes() const { return impl_->total_bytes; }

Result<std::unique_ptr<ObjectWriter>> PendingDeposit::AddFile(FileMeta meta) {
  if (impl_->done) return Status::FailedPrecondition("add file: the deposit was committed or abandoned");
  if (impl_->writer_open) return Status::FailedPrecondition("add file: the previous file is still being written");
  std::string shown = meta.display_path.empty() ? crypto::Hex(meta.path) : meta.display_path;
  if (meta.path.empty()) return Status::InvalidArgument("add file: empty path");
  if (meta.path.size() > kMaxPathBytes) {
    return Status::LimitExceeded("add file " + shown.substr(0, 200) + ": path is " + std::to_string(meta.path.size()) +
                                 " bytes, limit " + std::to_string(kMaxPathBytes));
  }
  if (meta.display_path.empty()) return Status::InvalidArgument("add file " + shown + ": empty display path");
  if (!IsValidCategory(meta.category)) {
    return Status::InvalidArgument("add file " + shown + ": unknown category '" + meta.category + "'");
  }
  if (impl_->file_count >= kMaxFilesPerDeposit) {
    return Status::LimitExceeded("add file " + shown + ": a deposit holds at most " +
                                 std::to_string(kMaxFilesPerDeposit) + " files");
  }
  Result<bool> pending_path = impl_->IsPending(meta.path);
  if (!pending_path.ok()) return pending_path.status().WithContext("add file " + shown);
  if (*pending_path) return Status::AlreadyExists("add file " + shown + ": the path is already in this deposit");
  auto w = std::make_unique<ObjectWriter::Impl>();
  w->deposit = impl_.get();
  w->meta = std::move(meta);
  QOIMA_RETURN_IF_ERROR(impl_->PreparePack().WithContext("add file " + shown));
  w->object_no = static_cast<uint32_t>(impl_->next_object++);
  w->name = Store::PackedObjectName(impl_->packs.back(), w->object_no);
  w->offset = impl_->pack_size();
  ObjectWriter::Impl* raw = w.get();
  auto sealer = crypto::AeadSealer::Create(*impl_->key.key, w->name,
                                           [raw](std::span<const uint8_t> bytes) { return raw->Append(bytes); });
  if (!sealer.ok()) {
    w->Discard();
    return sealer.status().WithContext("add file " + shown);
  }
  w->sealer = std::move(*sealer);
  impl_->writer_open = true;
  return std::unique_ptr<ObjectWriter>(new ObjectWriter(std::move(w)));
}

ObjectWriter::ObjectWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ObjectWriter::~ObjectWriter() {
  if (!impl_->finished) impl_->Discard();
  impl_->deposit->writer_open = false;
}

Status ObjectWriter::Write(std::span<const uint8_t> bytes) {
  if (!impl_->error.ok()) return impl_->error;
  if (impl_->finished) return Status::FailedPrecondition("write after finish of " + impl_->meta.display_path);
  Status s = impl_->sealer->Update(bytes);
  if (!s.ok()) {
    impl_->error = s.WithContext("store " + impl_->meta.display_path);
    impl_->Discard();
    return impl_->error;
  }
  impl_->sha.Update(bytes);
  impl_->size += bytes.size();
  return Status::Ok();
}

Result<FileRef> ObjectWriter::Finish() {
  if (!impl_->error.ok()) return impl_->error;
  if (impl_->finished) return Status::FailedPrecondition("finish twice of " + impl_->meta.display_path);
  std::string what = "store " + impl_->meta.display_path;
  auto fail = [&](Status s) -> Status {
    impl_->error = s.WithContext(what);
    impl_->Discard();
    return impl_->error;
  };
  // No fsync here: CommitDeposit() makes every object of the deposit durable
  // with one barrier before the rows that reference them commit.
  Status s = impl_->sealer->Finish();
  if (!s.ok()) return fail(s);
  impl_->finished = true;
  FileRef ref;
  ref.object_name = impl_->name;
  ref.size = impl_->size;
  ref.sealed_size = impl_->sealed;
  ref.sha256 = impl_->sha.Finish();
  PendingDeposit::Impl& d = *impl_->deposit;
  FileMeta& meta = impl_->meta;
  Statement& row = *d.staged_file;
  row.BindBlob(1, meta.path);
  if (meta.display_path.size() == meta.path.size() &&
      std::equal(meta.path.begin(), meta.path.end(), meta.display_path.begin(),
                 [](uint8_t a, char b) { return a == static_cast<uint8_t>(b); })) {
    row.BindNull(2);
  } else {
    row.Bind(2, meta.display_path);
  }
  row.Bind(3, static_cast<int64_t>(ref.size)).Bind(4, static_cast<int64_t>(ref.sealed_size));
  row.Bind(5, static_cast<int64_t>(d.packs.size() - 1)).Bind(6, static_cast<int64_t>(impl_->offset));
  row.Bind(7, static_cast<int64_t>(impl_->object_no)).BindBlob(8, ref.sha256).Bind(9, meta.category);
  row.BindOptional(10, meta.mtime).BindOptional(11, meta.media_id);
  Status staged = row.Run();
  if (!staged.ok()) {
    impl_->finished = false;  // the object is cut off its pack: no row names it
    return fail(staged.WithContext("pending files"));
  }
  ++d.file_count;
  d.total_bytes += ref.size;
  return ref;
}

// ---------------------------------------------------------------------------
// Store: open, paths, sweep

Store::~Store() = default;

std::string Store::ObjectDir(const std::string& name) const { return state_dir_ + "/objects/" + name.substr(0, 2); }
std::string Store::ObjectPath(const std::string& name) const { return ObjectDir(name) + "/" + name; }

Status Store::EnsureFanoutDir(const std::string& name) {
  std::string prefix = name.substr(0, 2);
  if (fanout_dirs_.count(prefix) != 0) return Status::Ok();
  QOIMA_RETURN_IF_ERROR(env_->CreateDir(ObjectDir(name)));
  QOIMA_RETURN_IF_ERROR(env_->SyncDir(state_dir_ + "/objects"));
  fanout_dirs_.insert(prefix);
  return Status::Ok();
}

Status Store::RemoveObjects(const std::vector<std::string>& names) {
  Status first;
  std::set<std::string> dirs;
  for (const std::string& n : names) {
    Status s = env_->RemoveFile(ObjectPath(n));
    if (!s.ok() && s.code() != Code::kNotFound && first.ok()) first = s;
    dirs.insert(ObjectDir(n));
  }
  for (const std::string& d : dirs) {
    Status s = env_->SyncDir(d);
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

std::string Store::PackName(const std::string& token, uint64_t k) const {
  return keys_->ObjectName("qoima-pack-v1:" + token + ":" + std::to_string(k));
}

Result<std::unique_ptr<Store>> Store::Open(const std::string& state_dir, StoreKeys& keys, const StoreOptions& options) {
  Env& env = options.env ? *options.env : Env::Default();
  if (!env.FileExists(state_dir + "/meta.db")) {
    return Status::NotFound("no store in " + state_dir +
                            ": its database meta.db is missing. A store is created only by `qoima init` or "
                            "`qoima restore`, so nothing was created and nothing was removed. If meta.db was moved, "
                            "put it back; if it is lost, move " +
                            state_dir + " aside and restore the newest backup (qoima restore)");
  }
  return OpenOrCreate(state_dir, keys, options, /*create=*/false, "meta.db");
}

Result<std::unique_ptr<Store>> Store::Create(const std::string& state_dir, StoreKeys& keys,
                                             const StoreOptions& options) {
  Env& env = options.env ? *options.env : Env::Default();
  if (env.FileExists(state_dir + "/meta.db")) return Status::AlreadyExists("a store exists in " + state_dir);
  if (env.FileExists(state_dir + "/objects")) {
    QOIMA_ASSIGN_OR_RETURN(std::vector<std::string> present, env.ListDir(state_dir + "/objects"));
    for (const std::string& p : present) {
      if (p == "tmp") continue;
      Result<std::vector<std::string>> inside = env.ListDir(state_dir + "/objects/" + p);
      if (!inside.ok() || !inside->empty()) {  // a file, or a fan-out directory holding packs
        return Status::FailedPrecondition(
            "create a store in " + state_dir + ": objects/ already holds packs of a store whose meta.db is missing; " +
            "put that meta.db back (or move " + state_dir + " aside) instead of creating a new store over them");
      }
    }
  }
  // Built under another name and renamed into place once it is bound to the
  // TPM counter with a first signed checkpoint: an interrupted creation
  // leaves no meta.db (only the temporary, which the next Create() replaces),
  // never a database that a later Open() could take for a copy.
  const std::string building = "meta.db.creating";
  QOIMA_RETURN_IF_ERROR(env.CreateDir(state_dir));
  for (const char* side : {"", "-wal", "-shm", "-journal"}) {
    Status removed = env.RemoveFile(state_dir + "/" + building + side);
    if (!removed.ok() && removed.code() != Code::kNotFound) return removed;
  }
  {
    QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<Store> made,
                           OpenOrCreate(state_dir, keys, options, /*create=*/true, building));
  }  // closed: the WAL is checkpointed into the file and removed
  if (env.FileExists(state_dir + "/" + building + "-wal")) {
    return Status::Internal("create a store in " + state_dir + ": " + building + "-wal is left after close");
  }
  QOIMA_RETURN_IF_ERROR(env.Rename(state_dir + "/" + building, state_dir + "/meta.db"));
  QOIMA_RETURN_IF_ERROR(env.SyncDir(state_dir));
  return Open(state_dir, keys, options);
}

Result<std::unique_ptr<Store>> Store::OpenOrCreate(const std::string& state_dir, StoreKeys& keys,
                                                   const StoreOptions& options, bool create,
                                                   const std::string& db_file) {
  std::unique_ptr<Store> store(new Store());
  store->state_dir_ = state_dir;
  store->keys_ = &keys;
  store->counter_ = &keys.rollback_counter();
  store->env_ = options.env ? options.env : &Env::Default();
  store->clock_ = options.clock ? options.clock : &Clock::System();
  store->options_ = options;
  Env& env = *store->env_;
  QOIMA_RETURN_IF_ERROR(env.CreateDir(state_dir + "/objects"));
  QOIMA_RETURN_IF_ERROR(env.CreateDir(state_dir + "/objects/tmp"));

  std::string lock_path = state_dir + "/lock";
  store->lock_fd_.reset(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!store->lock_fd_) return Status::FromErrno(errno, "open " + lock_path);
  if (::flock(store->lock_fd_.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return Status::FailedPrecondition("store " + state_dir + " is in use by another process");
    }
    return Status::FromErrno(errno, "lock " + lock_path);
  }

  {
    crypto::SecretBytes key = keys.SqlcipherKey();
    DatabaseOptions db_options;
    db_options.create = create;  // Open() never makes a database
    QOIMA_ASSIGN_OR_RETURN(store->db_, Database::Open(state_dir + "/" + db_file, key.span(), db_options));
  }
  // The database against the TPM counter first: a refused store is left
  // exactly as it was (no migration, no sweep, no audit event).
  QOIMA_ASSIGN_OR_RETURN(int64_t schema, store->db_.QueryInt("PRAGMA user_version;"));
  std::optional<std::string> bind_reason;
  if (!create && !options.defer_counter_binding) {
    QOIMA_ASSIGN_OR_RETURN(bind_reason, store->CheckCounter(static_cast<int>(schema)));
  }

  std::string now = store->clock_->NowUtc();
  QOIMA_ASSIGN_OR_RETURN(store->open_report_.schema_version_before, ApplyMigrations(store->db_, now));
  QOIMA_ASSIGN_OR_RETURN(store->audit_, AuditLog::Create(store->db_));
  QOIMA_RETURN_IF_ERROR(store->SweepOrphans().WithContext("open store " + state_dir));
  QOIMA_RETURN_IF_ERROR(store->RecordQueuedEvents());
  QOIMA_RETURN_IF_ERROR(store->SealReportsKeptInDatabase().WithContext("open store " + state_dir));

  Actor system{"system", "system"};
  const OpenReport& r = store->open_report_;
  if (r.orphan_objects_removed + r.temp_files_removed > 0) {
    QOIMA_RETURN_IF_ERROR(store
                              ->Record(system, "store.recover", "store", "success",
                                       "removed " + std::to_string(r.orphan_objects_removed) +
                                           " packs of interrupted deposits (each named by its deposit's journal) "
                                           "and " +
                                           std::to_string(r.temp_files_removed) +
                                           " scratch files and journals left by an interrupted operation")
                              .status());
  }
  if (r.quarantined_files > 0) {
    std::string listed;
    for (size_t i = 0; i < store->quarantined_.size() && i < kQuarantineListed; ++i) {
      if (!listed.empty()) listed += ", ";
      listed += store->quarantined_[i].first + " (" + std::to_string(store->quarantined_[i].second) + " bytes)";
    }
    if (store->quarantined_.size() > kQuarantineListed)
      listed += " and " + std::to_string(store->quarantined_.size() - kQuarantineListed) + " more";
    QOIMA_RETURN_IF_ERROR(store
                              ->Record(system, "store.quarantine", "store", "success",
                                       "moved " + std::to_string(r.quarantined_files) +
                                           " files that no deposit, pending-deposit journal or scratch name accounts "
                                           "for to " +
                                           r.quarantine_dir +
                                           " (kept, not deleted; verify-store lists them): " + listed)
                              .status());
  }

  if (create) {
    QOIMA_RETURN_IF_ERROR(store->BindCounter("store.create", "a new store"));
  } else if (options.defer_counter_binding) {
    store->counter_bound_ = false;
  } else if (bind_reason) {
    QOIMA_RETURN_IF_ERROR(store->BindCounter("store.counter_bind", *bind_reason));
  } else {
    store->counter_bound_ = true;
  }
  if (options.checkpoint_on_open && store->counter_bound_) {
    QOIMA_ASSIGN_OR_RETURN(uint64_t size, store->audit_->Size());
    QOIMA_ASSIGN_OR_RETURN(std::optional<AuditCheckpoint> latest, store->audit_->LatestCheckpoint());
    if (size > 0 && (!latest || latest->tree_size < size)) {
      QOIMA_ASSIGN_OR_RETURN(AuditCheckpoint cp, store->SignCheckpoint());
      store->open_report_.checkpoint = std::move(cp);
    }
  }
  return store;
}

// ---------------------------------------------------------------------------
// Anti-rollback: the TPM counter

Result<std::optional<std::string>> Store::CheckCounter(int schema_version) {
  const std::string name = counter_->Name();
  std::optional<std::string> marker;
  {
    QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("SELECT value FROM store_meta WHERE key = ?"));
    st.Bind(1, kBindingMarker);
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row) marker = st.ColumnText(0);
  }
  bool counted = false;
  if (schema_version >= 8) {  // audit_checkpoints.counter exists
    QOIMA_ASSIGN_OR_RETURN(Statement st,
                           db_.Prepare("SELECT tree_size, time, counter FROM audit_checkpoints WHERE counter IS NOT "
                                       "NULL ORDER BY tree_size DESC LIMIT 1"));
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row) {
      counted = true;
      newest_counted_size_ = static_cast<uint64_t>(st.ColumnInt(0));
      newest_counted_time_ = st.ColumnText(1);
      counter_expected_ = static_cast<uint64_t>(st.ColumnInt(2));
    }
  }
  if (marker) {
    // A binding commits this marker first and removes it with its first
    // counted checkpoint: here it was interrupted in between.
    return std::optional<std::string>("completing a binding to " + name + " that was interrupted (" + *marker + ")");
  }
  if (!counted) {
    QOIMA_ASSIGN_OR_RETURN(std::optional<uint64_t> t, counter_->Read());
    if (!t) {
      return std::optional<std::string>(
          "the store was not bound to a TPM counter yet (it was created by an earlier "
          "version of qoima)");
    }
    return Status::Tampered("the store has never been bound to " + name + ", but that counter exists on the TPM (at " +
                            std::to_string(*t) +
                            "): this meta.db is a copy from before the store was bound to it, put back over the "
                            "current one. Refused; nothing in the store was changed or removed. Put the current "
                            "meta.db back, or restore the newest backup (qoima restore)");
  }
  QOIMA_RETURN_IF_ERROR(SyncCounter());
  open_report_.counter = counter_expected_;
  return std::optional<std::string>();
}

Status Store::SyncCounter() {
  const std::string name = counter_->Name();
  const uint64_t c = *counter_expected_;
  const std::string newest = "its newest signed checkpoint (audit size " + std::to_string(newest_counted_size_) + ", " +
                             newest_counted_time_ + ") was signed with counter value " + std::to_string(c);
  QOIMA_ASSIGN_OR_RETURN(std::optional<uint64_t> t, counter_->Read());
  if (!t) {
    return Status::Tampered("the store is bound to " + name + " (" + newest +
                            "), but the TPM has no such counter: it was deleted, or the TPM was cleared or replaced. "
                            "Refused; nothing in the store was changed or removed. After replacing the TPM, recover "
                            "onto it with the recovery shares (qoima recover)");
  }
  if (*t == c) {
    counter_lagging_ = false;
    return Status::Ok();
  }
  if (*t + 1 == c) {
    // The checkpoint row committed, the counter's advance did not happen:
    // the one step a crash between the two leaves.
    QOIMA_ASSIGN_OR_RETURN(uint64_t v, counter_->Increment());
    if (v != c) {
      return Status::Tampered(name + " went from " + std::to_string(*t) + " to " + std::to_string(v) + " instead of " +
                              std::to_string(c) + ": something else advances it");
    }
    counter_lagging_ = false;
    open_report_.counter_caught_up = true;
    queued_events_.emplace_back("store.counter_recover",
                                "the checkpoint at audit size " + std::to_string(newest_counted_size_) +
                                    " was committed with counter value " + std::to_string(c) + " but " + name +
                                    " was still at " + std::to_string(*t) +
                                    " (the appliance stopped between the two); advanced it to " + std::to_string(c));
    return Status::Ok();
  }
  if (*t > c) {
    return Status::Tampered("ROLLBACK: the store's database is older than this appliance: " + newest + ", but " + name +
                            " stands at " + std::to_string(*t) +
                            ". An older copy of meta.db was put back over the current one. Refused; nothing in the "
                            "store was changed or removed. Put the current meta.db back, or restore the newest backup "
                            "(qoima restore, recorded in the audit log)");
  }
  return Status::Tampered(name + " stands at " + std::to_string(*t) + ", behind the store (" + newest +
                          ") by more than the one step a crash can leave: it is not the counter this store was bound "
                          "to (the TPM was replaced, or its counter defined again). Refused; nothing in the store was "
                          "changed or removed. After replacing the TPM, recover onto it (qoima recover)");
}

Status Store::BindCounter(std::string_view action, std::string_view reason) {
  const std::string name = counter_->Name();
  {
    // The marker first: a binding interrupted from here on is completed by
    // the next Open(), not taken for a copy from before the binding.
    QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("INSERT OR REPLACE INTO store_meta(key, value) VALUES(?, ?)"));
    QOIMA_RETURN_IF_ERROR(st.Bind(1, kBindingMarker).Bind(2, reason).Run().WithContext("bind to " + name));
    binding_marker_ = true;
  }
  QOIMA_RETURN_IF_ERROR(counter_->Create().WithContext("bind the store to " + name));
  QOIMA_ASSIGN_OR_RETURN(std::optional<uint64_t> t, counter_->Read());
  if (!t) {
    QOIMA_ASSIGN_OR_RETURN(uint64_t first, counter_->Increment());
    t = first;
  }
  QOIMA_RETURN_IF_ERROR(Record({"system", "system"}, action, "store", "success",
                               std::string(reason) + "; bound to " + name + " at value " + std::to_string(*t) +
                                   ": each signed checkpoint records the counter value it was signed with, and a "
                                   "store behind the counter is refused")
                            .status());
  counter_expected_ = *t;
  counter_bound_ = true;
  counter_lagging_ = false;
  open_report_.counter_bound = true;
  QOIMA_ASSIGN_OR_RETURN(AuditCheckpoint cp, SignCheckpoint());
  open_report_.counter = counter_expected_;
  open_report_.checkpoint = std::move(cp);
  return Status::Ok();
}

Status Store::BindRollbackCounter(std::string_view reason) {
  if (counter_bound_) {
    return Status::FailedPrecondition("bind the store to " + counter_->Name() +
                                      ": it is bound already (only a store opened for a recovery or restore is bound "
                                      "again)");
  }
  return BindCounter("store.counter_bind", reason);
}

Status Store::RecordQueuedEvents() {
  std::vector<std::pair<std::string, std::string>> events = std::move(queued_events_);
  queued_events_.clear();
  for (const auto& [action, reason] : events) {
    QOIMA_RETURN_IF_ERROR(Record({"system", "system"}, action, "store", "success", reason).status());
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// Start-up sweep: journals, scratch files, quarantine

Result<std::vector<std::string>> Store::ReadJournal(const std::string& path, const std::string& token) {
  QOIMA_ASSIGN_OR_RETURN(uint64_t size, env_->FileSize(path));
  if (size > kMaxJournalBytes) {
    return Status::LimitExceeded(path + " is " + std::to_string(size) + " bytes, more than a journal can be");
  }
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> in, env_->NewSequentialFile(path));
  std::string text;
  std::vector<uint8_t> buf(64 * 1024);
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(size_t n, in->Read(buf));
    if (n == 0) break;
    text.append(reinterpret_cast<const char*>(buf.data()), n);
    if (text.size() > kMaxJournalBytes) return Status::LimitExceeded(path + " grew while it was read");
  }
  std::vector<std::string> packs;
  size_t line_no = 0;
  for (size_t at = 0; at < text.size();) {
    size_t nl = text.find('\n', at);
    // A last line without its newline was cut off by a crash while it was
    // written: the pack it names was not created yet.
    if (nl == std::string::npos) break;
    std::string line = text.substr(at, nl - at);
    at = nl + 1;
    ++line_no;
    auto bad = [&](const std::string& why) {
      return Status::Corrupt(path + " line " + std::to_string(line_no) + ": " + why);
    };
    if (line_no == 1) {
      if (line != std::string(kJournalMagic) + " " + token) return bad("not a journal of deposit " + token);
      continue;
    }
    // "pack <k> <64 hex>", the name being the k-th pack name of this token:
    // a journal can only account for packs this deposit could have made.
    size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
    if (line.compare(0, 5, "pack ") != 0 || sp1 == sp2) return bad("not a pack line");
    std::string k_text = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string name = line.substr(sp2 + 1);
    if (k_text.empty() || k_text.size() > 9 || !std::all_of(k_text.begin(), k_text.end(), ::isdigit))
      return bad("pack number '" + k_text + "'");
    if (!IsHexName(name, 64) || name != PackName(token, std::stoull(k_text)))
      return bad("pack " + k_text + " is not a pack of deposit " + token);
    packs.push_back(name);
  }
  if (line_no == 0) {
    // Nothing complete: the process died while it created the journal,
    // before the first pack existed. Ours if it is the start of our header.
    const std::string header = std::string(kJournalMagic) + " " + token + "\n";
    if (text.size() >= header.size() || header.compare(0, text.size(), text) != 0)
      return Status::Corrupt(path + ": not a journal of deposit " + token);
  }
  return packs;
}

Status Store::Quarantine(const std::string& rel) {
  if (open_report_.quarantine_dir.empty()) {
    std::string base = "quarantine/" + CompactTime(clock_->NowUtc());
    std::string candidate = base;
    for (int n = 2; env_->FileExists(state_dir_ + "/" + candidate); ++n) candidate = base + "-" + std::to_string(n);
    QOIMA_RETURN_IF_ERROR(env_->CreateDir(state_dir_ + "/quarantine"));
    QOIMA_RETURN_IF_ERROR(env_->CreateDir(state_dir_ + "/" + candidate));
    QOIMA_RETURN_IF_ERROR(env_->SyncDir(state_dir_ + "/quarantine"));
    open_report_.quarantine_dir = candidate;
  }
  // Kept under the path it had: quarantine/<time>/objects/ab/<name>.
  const std::string root = state_dir_ + "/" + open_report_.quarantine_dir;
  for (size_t slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', slash + 1)) {
    QOIMA_RETURN_IF_ERROR(env_->CreateDir(root + "/" + rel.substr(0, slash)));
  }
  const std::string from = state_dir_ + "/" + rel;
  Result<uint64_t> size = env_->FileSize(from);
  QOIMA_RETURN_IF_ERROR(env_->Rename(from, root + "/" + rel).WithContext("quarantine " + rel));
  const std::string to_dir = (root + "/" + rel).substr(0, (root + "/" + rel).find_last_of('/'));
  QOIMA_RETURN_IF_ERROR(env_->SyncDir(to_dir));
  QOIMA_RETURN_IF_ERROR(env_->SyncDir(from.substr(0, from.find_last_of('/'))));
  quarantined_.emplace_back(rel, size.ok() ? *size : 0);
  ++open_report_.quarantined_files;
  return Status::Ok();
}

Status Store::SweepOrphans() {
  // Nothing here is deleted on the sweep's own judgment: a pack goes only
  // when its deposit's journal names it and no row does; scratch files go
  // by the names the store gives them; everything else is moved aside.
  const std::string tmp = state_dir_ + "/objects/tmp";
  QOIMA_ASSIGN_OR_RETURN(std::vector<std::string> temps, env_->ListDir(tmp));
  std::sort(temps.begin(), temps.end());
  std::set<std::string> journaled;    // packs the journals account for
  std::vector<std::string> journals;  // removed once their packs are
  bool tmp_changed = false;
  for (const std::string& t : temps) {
    std::string token;
    if (IsJournalFileName(t, &token)) {
      Result<std::vector<std::string>> packs = ReadJournal(tmp + "/" + t, token);
      if (packs.ok()) {
        journaled.insert(packs->begin(), packs->end());
        journals.push_back(t);
        continue;
      }
      // Not a journal this store wrote: it accounts for nothing.
    } else if (IsScratchFileName(t)) {
      QOIMA_RETURN_IF_ERROR(env_->RemoveFile(tmp + "/" + t));
      ++open_report_.temp_files_removed;
      tmp_changed = true;
      continue;
    }
    QOIMA_RETURN_IF_ERROR(Quarantine("objects/tmp/" + t));
  }

  QOIMA_ASSIGN_OR_RETURN(std::vector<std::string> dirs, env_->ListDir(state_dir_ + "/objects"));
  std::sort(dirs.begin(), dirs.end());
  // Each file of a fan-out directory is looked up by name (both names are
  // UNIQUE-indexed): the files are few (packs), the rows many; loading every
  // row's name with a prefix (a pack's 100k objects all share its name) cost
  // ~300 bytes per stored object on every open.
  QOIMA_ASSIGN_OR_RETURN(Statement named, db_.Prepare("SELECT EXISTS(SELECT 1 FROM packs WHERE name = ?1) OR "
                                                      "EXISTS(SELECT 1 FROM objects WHERE name = ?1)"));
  for (const std::string& d : dirs) {
    if (d == "tmp") continue;
    if (!IsHexName(d, 2)) {
      QOIMA_RETURN_IF_ERROR(Quarantine("objects/" + d));
      continue;
    }
    fanout_dirs_.insert(d);
    std::string dir = state_dir_ + "/objects/" + d;
    QOIMA_ASSIGN_OR_RETURN(std::vector<std::string> files, env_->ListDir(dir));
    std::sort(files.begin(), files.end());
    bool removed = false;
    for (const std::string& f : files) {
      // A pack (or an object in a file of its own) lives in the fan-out
      // directory of its name's first two digits.
      if (f.compare(0, 2, d) == 0) {
        named.Bind(1, f);
        Result<bool> row = named.Step();
        bool known = row.ok() && *row && named.ColumnInt(0) != 0;
        named.Reset();
        QOIMA_RETURN_IF_ERROR(row.status());
        if (known) continue;
        if (journaled.count(f) != 0) {
          QOIMA_RETURN_IF_ERROR(env_->RemoveFile(dir + "/" + f));
          ++open_report_.orphan_objects_removed;
          removed = true;
          continue;
        }
      }
      QOIMA_RETURN_IF_ERROR(Quarantine("objects/" + d + "/" + f));
    }
    if (removed) QOIMA_RETURN_IF_ERROR(env_->SyncDir(dir));
  }
  for (const std::string& j : journals) {
    QOIMA_RETURN_IF_ERROR(env_->RemoveFile(tmp + "/" + j));
    ++open_report_.temp_files_removed;
    tmp_changed = true;
  }
  if (tmp_changed) QOIMA_RETURN_IF_ERROR(env_->SyncDir(tmp));
  return Status::Ok();
}

Status Store::WriteJournal(const std::string& token, const std::vector<std::pair<uint64_t, std::string>>& packs) {
  const std::string tmp = state_dir_ + "/objects/tmp";
  const std::string path = tmp + "/" + JournalFileName(token);
  std::string text = std::string(kJournalMagic) + " " + token + "\n";
  for (const auto& [k, name] : packs) text += "pack " + std::to_string(k) + " " + name + "\n";
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> f, env_->NewWritableFile(path));
  Status s = f->Append(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  if (s.ok()) s = f->Sync();
  if (s.ok()) s = f->Close();
  if (s.ok()) s = env_->SyncDir(tmp);
  if (!s.ok()) {
    (void)env_->RemoveFile(path);
    return s.WithContext("write " + path);
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// Write path

Result<std::unique_ptr<PendingDeposit>> Store::BeginDeposit(const DepositSpec& spec) {
  if (spec.tier != "temporary" && spec.tier != "permanent") {
    return Status::InvalidArgument("begin deposit: tier '" + spec.tier + "' is not temporary or permanent");
  }
  if (spec.kind != "source" && spec.kind != "executable" && spec.kind != "mixed") {
    return Status::InvalidArgument("begin deposit: kind '" + spec.kind + "' is not source, executable or mixed");
  }
  QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("SELECT count(*) FROM informatization_objects WHERE id = ?"));
  st.Bind(1, spec.object_id);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row || st.ColumnInt(0) == 0) {
    return Status::FailedPrecondition("begin deposit: informatization object " + std::to_string(spec.object_id) +
                                      " does not exist");
  }
  auto impl = std::make_unique<PendingDeposit::Impl>();
  impl->store = this;
  impl->spec = spec;
  impl->token = RandomToken();
  impl->created_at = clock_->NowUtc();
  QOIMA_ASSIGN_OR_RETURN(impl->key, keys_->NewDataKey("deposit:" + impl->token));
  QOIMA_ASSIGN_OR_RETURN(impl->barrier, env_->NewFilesystemSync(state_dir_ + "/objects"));
  Status staged = impl->OpenStaging();
  if (!staged.ok()) {
    impl->DropStaging();
    return staged.WithContext("begin deposit");
  }
  return std::unique_ptr<PendingDeposit>(new PendingDeposit(std::move(impl)));
}

Status Store::AbandonDeposit(std::unique_ptr<PendingDeposit> pending) {
  if (!pending) return Status::Ok();
  PendingDeposit::Impl& d = *pending->impl_;
  if (d.done) return Status::FailedPrecondition("abandon: the deposit was already committed or abandoned");
  (void)d.ClosePack();
  d.done = true;
  d.DropStaging();
  return d.RemovePacks().WithContext("abandon deposit");
}

Result<CommittedDeposit> Store::CommitDeposit(std::unique_ptr<PendingDeposit> pending, const Actor& actor,
                                              std::string_view reason, const CommitHook& hook) {
  if (!pending) return Status::InvalidArgument("commit deposit: no deposit");
  PendingDeposit::Impl& d = *pending->impl_;
  if (d.done) return Status::FailedPrecondition("commit deposit: already committed or abandoned");
  if (d.writer_open) return Status::FailedPrecondition("commit deposit: a file is still being written");
  if (!d.staging) return Status::FailedPrecondition("commit deposit: an earlier commit failed; abandon the deposit");

  // The durability barrier: every object (data, inode, directory entry) is
  // on disk before a row references it. A crash before the COMMIT leaves
  // orphans that Open() removes; after it, everything referenced is durable.
  // syncfs writes back every dirty inode of the filesystem, the fanout
  // directories included, and commits the journal: no fsync per directory
  // (on ext4 each one costs a device cache flush).
  QOIMA_RETURN_IF_ERROR(d.ClosePack().WithContext("commit deposit: write the objects"));
  QOIMA_RETURN_IF_ERROR(d.barrier->Sync().WithContext("commit deposit: make the objects durable"));

  CommittedDeposit out;
  Result<crypto::Sha256Digest> digest = ManifestDigest(*d.staging);
  if (!digest.ok()) return digest.status().WithContext("commit deposit: pending files");
  out.manifest_sha256 = *digest;
  out.file_count = d.file_count;
  out.total_bytes = d.total_bytes;
  std::string now = clock_->NowUtc();
  Result<std::vector<PendingDigest>> digests = SortedDigests(*d.staging, d.file_count);
  if (!digests.ok()) return digests.status().WithContext("commit deposit: pending files");

  // The pending rows reach the store's tables by INSERT ... SELECT from the
  // scratch database, attached for the commit (not inside a transaction).
  QOIMA_RETURN_IF_ERROR(d.staging->Exec("COMMIT;").WithContext("commit deposit: pending files"));
  d.staged_file.reset();
  d.staged_path.reset();
  d.staging.reset();
  QOIMA_RETURN_IF_ERROR(db_.Attach(d.staging_path, d.staging_key.span(), "staging").WithContext("commit deposit"));
  // Detached and removed however the commit ends (after the transaction).
  struct Detacher {
    PendingDeposit::Impl& d;
    Database& db;
    ~Detacher() {
      (void)db.Detach("staging");
      d.DropStaging();
    }
  } detach{d, db_};
  // Every write of the commit is an append or a merge in key order (below),
  // so a small page cache does, instead of a share of the store's indexes.
  // Restored however the commit ends.
  QOIMA_ASSIGN_OR_RETURN(int64_t store_cache, db_.QueryInt("PRAGMA main.cache_size;"));
  struct CommitCache {
    Database& db;
    int64_t kib;
    ~CommitCache() { (void)db.Exec("PRAGMA main.cache_size = " + std::to_string(kib) + ";"); }
  } cache{db_, store_cache};
  QOIMA_RETURN_IF_ERROR(
      db_.Exec("PRAGMA main.cache_size = " + std::to_string(kCommitCacheKib) + ";").WithContext("commit deposit"));

  QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  {
    QOIMA_ASSIGN_OR_RETURN(Statement v,
                           db_.Prepare("SELECT coalesce(max(version_no), 0) + 1 FROM deposits WHERE object_id = ?"));
    v.Bind(1, d.spec.object_id);
    QOIMA_ASSIGN_OR_RETURN(bool row, v.Step());
    if (!row) return Status::Internal("commit deposit: no version number");
    out.version_no = v.ColumnInt(0);
  }
  QOIMA_ASSIGN_OR_RETURN(Statement ins,
                         db_.Prepare("INSERT INTO deposits(object_id, application_id, version_no, version_label, kind, "
                                     "tier, state, wrapped_key, file_count, total_bytes, manifest_sha256, created_by, "
                                     "created_at, committed_at, token) "
                                     "VALUES(?,?,?,?,?,?,'committed',?,?,?,?,?,?,?,?)"));
  QOIMA_RETURN_IF_ERROR(ins.Bind(1, d.spec.object_id)
                            .BindOptional(2, d.spec.application_id)
                            .Bind(3, out.version_no)
                            .Bind(4, d.spec.version_label)
                            .Bind(5, d.spec.kind)
                            .Bind(6, d.spec.tier)
                            .BindBlob(7, d.key.wrapped)
                            .Bind(8, static_cast<int64_t>(out.file_count))
                            .Bind(9, static_cast<int64_t>(out.total_bytes))
                            .BindBlob(10, out.manifest_sha256)
                            .BindOptional(11, d.spec.created_by)
                            .Bind(12, d.created_at)
                            .Bind(13, now)
                            .Bind(14, d.token)
                            .Run()
                            .WithContext("commit deposit"));
  out.deposit_id = db_.LastInsertRowid();
  std::string where = "commit " + DepositObject(out.deposit_id);
  if (!d.spec.media_ids.empty()) {
    QOIMA_ASSIGN_OR_RETURN(Statement m, db_.Prepare("INSERT INTO deposit_media(deposit_id, media_id) VALUES(?,?)"));
    for (int64_t media : d.spec.media_ids) {
      QOIMA_RETURN_IF_ERROR(m.Bind(1, out.deposit_id).Bind(2, media).Run().WithContext(where));
    }
  }
  {
    QOIMA_ASSIGN_OR_RETURN(Statement p, db_.Prepare("INSERT INTO packs(deposit_id, name) VALUES(?,?)"));
    for (const std::string& name : d.packs) {
      QOIMA_RETURN_IF_ERROR(p.Bind(1, out.deposit_id).Bind(2, name).Run().WithContext(where + ": pack " + name));
    }
  }
  // Rows go in the order the files were written: objects.name (<pack>.<n>)
  // grows at the end of its unique index, files(deposit_id, path) and
  // files_object at the end of theirs, and both tables are appended to. The
  // files' digests go to file_digests in SHA-256 order (SortedDigests), a
  // merge that touches each of its pages once however large the store
  // (schema 14; an index on files(sha256) took each file at a random page).
  // An object's id is the next free id plus its file's row number, and so
  // is a file's, so that the files can name their objects and the digests
  // their files.
  QOIMA_ASSIGN_OR_RETURN(int64_t base, db_.QueryInt("SELECT coalesce(max(id), 0) FROM objects"));
  QOIMA_ASSIGN_OR_RETURN(int64_t file_base, db_.QueryInt("SELECT coalesce(max(id), 0) FROM files"));
  QOIMA_ASSIGN_OR_RETURN(
      Statement obj,
      db_.Prepare("INSERT INTO objects(id, deposit_id, name, plain_size, sealed_size, sha256, pack_id, pack_offset) "
                  "SELECT ?1 + p.rowid, ?2, printf('%s.%08d', sp.name, p.object_no), p.size, p.sealed_size, "
                  "p.sha256, mp.id, p.pack_offset FROM staging.pending p JOIN staging.packs sp ON sp.no = p.pack "
                  "JOIN main.packs mp ON mp.name = sp.name ORDER BY p.rowid"));
  QOIMA_RETURN_IF_ERROR(obj.Bind(1, base).Bind(2, out.deposit_id).Run().WithContext(where + ": objects"));
  if (static_cast<uint64_t>(db_.Changes()) != out.file_count)
    return Status::Internal(where + ": " + std::to_string(db_.Changes()) + " objects for " +
                            std::to_string(out.file_count) + " files");
  QOIMA_ASSIGN_OR_RETURN(
      Statement file,
      db_.Prepare("INSERT INTO files(id, deposit_id, media_id, path, display_path, size, mtime, sha256, category, "
                  "object_id) SELECT ?3 + p.rowid, ?2, p.media_id, p.path, coalesce(p.shown, CAST(p.path AS TEXT)), "
                  "p.size, p.mtime, p.sha256, p.category, ?1 + p.rowid FROM staging.pending p ORDER BY p.rowid"));
  QOIMA_RETURN_IF_ERROR(
      file.Bind(1, base).Bind(2, out.deposit_id).Bind(3, file_base).Run().WithContext(where + ": files"));
  {
    QOIMA_ASSIGN_OR_RETURN(Statement dig, db_.Prepare("INSERT INTO file_digests(sha256, file_id) VALUES(?,?)"));
    for (const PendingDigest& g : *digests) {
      QOIMA_RETURN_IF_ERROR(dig.BindBlob(1, g.sha256)
                                .Bind(2, file_base + static_cast<int64_t>(g.row))
                                .Run()
                                .WithContext(where + ": file digests"));
    }
  }
  std::vector<PendingDigest>().swap(*digests);
  AuditEvent event{now,
                   actor.login,
                   actor.role,
                   "deposit.commit",
                   DepositObject(out.deposit_id),
                   "success",
                   CommitReason(out.file_count, out.total_bytes, out.manifest_sha256, reason)};
  QOIMA_ASSIGN_OR_RETURN(out.audit_index, audit_->Append(event));
  QOIMA_ASSIGN_OR_RETURN(Statement upd, db_.Prepare("UPDATE deposits SET audit_index = ? WHERE id = ?"));
  QOIMA_RETURN_IF_ERROR(upd.Bind(1, static_cast<int64_t>(out.audit_index)).Bind(2, out.deposit_id).Run());
  if (hook) QOIMA_RETURN_IF_ERROR(hook(db_, out.deposit_id).WithContext(where));
  Status committed = tx.Commit();
  if (!committed.ok()) {
    // A failed COMMIT may still become durable (e.g. the WAL frame was written
    // but fsync failed): keep the objects; the next Open() keeps them if the
    // rows made it and removes them if not.
    d.done = true;
    return committed.WithContext(where + " (objects are kept until the next start-up checks them)");
  }
  d.done = true;
  d.DropJournal();  // the rows name every pack now
  key_cache_[out.deposit_id] = d.key.key;
  if (options_.checkpoint_after_commit) {
    Result<AuditCheckpoint> cp = SignCheckpoint();
    if (cp.ok()) {
      out.checkpoint = std::move(*cp);
    } else {
      out.checkpoint_status = cp.status();
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Queries

Result<DepositInfo> Store::GetDeposit(int64_t deposit_id) {
  QOIMA_ASSIGN_OR_RETURN(Statement st,
                         db_.Prepare("SELECT id, object_id, application_id, version_no, version_label, kind, tier, "
                                     "state, file_count, total_bytes, manifest_sha256, created_at, committed_at, "
                                     "audit_index FROM deposits WHERE id = ?"));
  st.Bind(1, deposit_id);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound(DepositObject(deposit_id) + " does not exist");
  DepositInfo d;
  d.id = st.ColumnInt(0);
  d.object_id = st.ColumnInt(1);
  d.application_id = OptInt(st, 2);
  d.version_no = st.ColumnInt(3);
  d.version_label = st.ColumnText(4);
  d.kind = st.ColumnText(5);
  d.tier = st.ColumnText(6);
  d.state = st.ColumnText(7);
  d.file_count = static_cast<uint64_t>(st.ColumnInt(8));
  d.total_bytes = static_cast<uint64_t>(st.ColumnInt(9));
  d.manifest_sha256 = st.ColumnBlob(10);
  d.created_at = st.ColumnText(11);
  d.committed_at = st.ColumnText(12);
  d.audit_index = OptInt(st, 13);
  return d;
}

namespace {
constexpr std::string_view kFileColumns =
    "SELECT f.id, f.deposit_id, f.media_id, f.path, f.display_path, f.size, f.mtime, f.sha256, f.category, "
    "f.object_id FROM files f ";

FileInfo ReadFileRow(const Statement& st) {
  FileInfo f;
  f.id = st.ColumnInt(0);
  f.deposit_id = st.ColumnInt(1);
  f.media_id = OptInt(st, 2);
  f.path = st.ColumnBlob(3);
  f.display_path = st.ColumnText(4);
  f.size = static_cast<uint64_t>(st.ColumnInt(5));
  f.mtime = OptInt(st, 6);
  f.sha256 = ToDigest(st.ColumnBlob(7));
  f.category = st.ColumnText(8);
  f.object_id = st.ColumnInt(9);
  return f;
}

Result<std::vector<FileInfo>> CollectFiles(Statement& st) {
  std::vector<FileInfo> out;
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadFileRow(st));
  }
  return out;
}
}  // namespace

Result<std::vector<FileInfo>> Store::QueryFiles(std::string_view where, int64_t arg) {
  QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare(std::string(kFileColumns) + std::string(where)));
  st.Bind(1, arg);
  return CollectFiles(st);
}

Result<std::vector<FileInfo>> Store::QueryFilesBlob(std::string_view where, std::span<const uint8_t> arg) {
  QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare(std::string(kFileColumns) + std::string(where)));
  st.BindBlob(1, arg);
  return CollectFiles(st);
}

Result<std::vector<FileInfo>> Store::ListFiles(int64_t deposit_id) {
  return QueryFiles("WHERE f.deposit_id = ? ORDER BY f.path", deposit_id);
}

Status Store::ForEachFile(int64_t deposit_id, const std::function<Status(const FileInfo&)>& fn) {
  QOIMA_ASSIGN_OR_RETURN(Statement st,
                         db_.Prepare(std::string(kFileColumns) + "WHERE f.deposit_id = ? ORDER BY f.path"));
  st.Bind(1, deposit_id);
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return Status::Ok();
    QOIMA_RETURN_IF_ERROR(fn(ReadFileRow(st)));
  }
}

Result<FileInfo> Store::GetFile(int64_t file_id) {
  QOIMA_ASSIGN_OR_RETURN(std::vector<FileInfo> v, QueryFiles("WHERE f.id = ?", file_id));
  if (v.empty()) return Status::NotFound("file " + std::to_string(file_id) + " does not exist");
  return std::move(v[0]);
}

Result<std::vector<FileInfo>> Store::FindFilesBySha256(const crypto::Sha256Digest& sha256) {
  return QueryFilesBlob("WHERE f.id IN (SELECT file_id FROM file_digests WHERE sha256 = ?) ORDER BY f.id", sha256);
}

// ---------------------------------------------------------------------------
// Read path

Result<std::shared_ptr<const crypto::DataKey>> Store::DepositKeyFor(int64_t deposit_id) {
  auto it = key_cache_.find(deposit_id);
  if (it != key_cache_.end()) return it->second;
  QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("SELECT state, wrapped_key, token FROM deposits WHERE id = ?"));
  st.Bind(1, deposit_id);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound(DepositObject(deposit_id) + " does not exist");
  if (st.ColumnText(0) != "committed" || st.ColumnIsNull(1)) {
    return Status::FailedPrecondition(DepositObject(deposit_id) + " was destroyed: its content is gone");
  }
  std::vector<uint8_t> wrapped = st.ColumnBlob(1);
  std::string token = st.ColumnText(2);
  Result<std::shared_ptr<const crypto::DataKey>> key = keys_->UnwrapDataKey(wrapped, "deposit:" + token);
  if (!key.ok()) return key.status().WithContext(DepositObject(deposit_id) + ": unwrap data key");
  key_cache_[deposit_id] = *key;
  return *key;
}

Status Store::ReadObject(const crypto::DataKey& key, const ObjectPlace& place, uint64_t size,
                         const crypto::Sha256Digest& sha256, const crypto::ByteSink& sink) {
  const std::string& name = place.name;
  const uint64_t sealed_size = place.sealed_size;
  bool packed = !place.pack.empty();
  std::string path = ObjectPath(packed ? place.pack : name);
  Result<uint64_t> actual = env_->FileSize(path);
  if (!actual.ok()) {
    if (actual.status().code() == Code::kNotFound) {
      return Status::Corrupt(packed ? "pack " + place.pack + " of object " + name + " is missing"
                                    : "object " + name + " is missing");
    }
    return actual.status();
  }
  if (packed && *actual < place.offset + sealed_size) {
    return Status::Corrupt("pack " + place.pack + " is " + std::to_string(*actual) + " bytes, too short for object " +
                           name + " at " + std::to_string(place.offset) + " + " + std::to_string(sealed_size) +
                           " (truncated)");
  }
  if (!packed && *actual != sealed_size) {
    return Status::Corrupt("object " + name + " is " + std::to_string(*actual) + " bytes, the database says " +
                           std::to_string(sealed_size) + (*actual < sealed_size ? " (truncated)" : " (appended to)"));
  }
  crypto::Sha256 sha;
  uint64_t got = 0;
  auto forward = [&](std::span<const uint8_t> bytes) -> Status {
    sha.Update(bytes);
    got += bytes.size();
    return sink ? sink(bytes) : Status::Ok();
  };
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<crypto::AeadOpener> opener, crypto::AeadOpener::Create(key, name, forward));
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> in, env_->NewSequentialFile(path));
  if (place.offset > 0) QOIMA_RETURN_IF_ERROR(in->Skip(place.offset));
  std::vector<uint8_t> buf(
      static_cast<size_t>(std::min<uint64_t>(kReadBufferSize, std::max<uint64_t>(sealed_size, 1))));
  for (uint64_t left = sealed_size; left > 0;) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(left, buf.size()));
    QOIMA_ASSIGN_OR_RETURN(size_t n, in->Read(std::span<uint8_t>(buf.data(), want)));
    if (n == 0) return Status::Corrupt("object " + name + " ends " + std::to_string(left) + " bytes early");
    left -= n;
    Status s = opener->Update(std::span<const uint8_t>(buf.data(), n));
    if (!s.ok()) {
      if (s.code() == Code::kCorrupt) {
        return Status::Corrupt("object " + name +
                               " does not authenticate (altered, swapped or wrong key): " + s.message());
      }
      return s;
    }
  }
  Status fin = opener->Finish();
  if (!fin.ok()) return Status::Corrupt("object " + name + " does not authenticate at its end: " + fin.message());
  if (got != size) {
    return Status::Corrupt("object " + name + " holds " + std::to_string(got) + " bytes, the database says " +
                           std::to_string(size));
  }
  if (sha.Finish() != sha256) return Status::Corrupt("object " + name + ": content SHA-256 differs from the database");
  return Status::Ok();
}

Result<std::unique_ptr<DepositReader>> Store::OpenDeposit(int64_t deposit_id, const Actor& actor,
                                                          std::string_view reason) {
  Result<std::shared_ptr<const crypto::DataKey>> key = DepositKeyFor(deposit_id);
  if (!key.ok()) {
    (void)Record(actor, "deposit.read", DepositObject(deposit_id), "failure", key.status().message());
    return key.status();
  }
  QOIMA_ASSIGN_OR_RETURN(uint64_t index, Record(actor, "deposit.read", DepositObject(deposit_id), "success", reason));
  return std::unique_ptr<DepositReader>(new DepositReader(*this, deposit_id, *key, index));
}

Status DepositReader::ReadFile(int64_t file_id, const crypto::ByteSink& sink) {
  QOIMA_ASSIGN_OR_RETURN(Statement st, store_.db_.Prepare("SELECT f.deposit_id, o.name, o.sealed_size, f.size, "
                                                          "f.sha256, f.display_path, coalesce(p.name, ''), "
                                                          "coalesce(o.pack_offset, 0) FROM files f JOIN objects o ON "
                                                          "o.id = f.object_id LEFT JOIN packs p ON p.id = o.pack_id "
                                                          "WHERE f.id = ?"));
  st.Bind(1, file_id);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("file " + std::to_string(file_id) + " does not exist");
  if (st.ColumnInt(0) != deposit_id_) {
    return Status::InvalidArgument("file " + std::to_string(file_id) + " is not in " + DepositObject(deposit_id_));
  }
  std::string display = st.ColumnText(5);
  Store::ObjectPlace place{st.ColumnText(1), st.ColumnText(6), static_cast<uint64_t>(st.ColumnInt(7)),
                           static_cast<uint64_t>(st.ColumnInt(2))};
  return store_.ReadObject(*key_, place, static_cast<uint64_t>(st.ColumnInt(3)), ToDigest(st.ColumnBlob(4)), sink)
      .WithContext("read " + DepositObject(deposit_id_) + " file " + display);
}

Status Store::ReadFile(int64_t file_id, const Actor& actor, std::string_view reason, const crypto::ByteSink& sink) {
  QOIMA_ASSIGN_OR_RETURN(FileInfo f, GetFile(file_id));
  std::string object = DepositObject(f.deposit_id) + "/file:" + std::to_string(file_id);
  Result<std::shared_ptr<const crypto::DataKey>> key = DepositKeyFor(f.deposit_id);
  if (!key.ok()) {
    (void)Record(actor, "file.read", object, "failure", key.status().message());
    return key.status();
  }
  QOIMA_RETURN_IF_ERROR(Record(actor, "file.read", object, "success", reason).status());
  DepositReader reader(*this, f.deposit_id, *key, 0);
  Status s = reader.ReadFile(file_id, sink);
  if (!s.ok()) (void)Record(actor, "file.read", object, "failure", s.message());
  return s;
}

// ---------------------------------------------------------------------------
// Audit

Result<uint64_t> Store::Record(const Actor& actor, std::string_view action, std::string_view object,
                               std::string_view outcome, std::string_view reason) {
  AuditEvent e{clock_->NowUtc(),    actor.login,          actor.role,         std::string(action),
               std::string(object), std::string(outcome), std::string(reason)};
  return audit_->Append(e);
}

Result<AuditCheckpoint> Store::SignCheckpoint() {
  QOIMA_ASSIGN_OR_RETURN(uint64_t size, audit_->Size());
  if (size == 0) return Status::FailedPrecondition("audit checkpoint: the log is empty");
  QOIMA_ASSIGN_OR_RETURN(std::optional<AuditCheckpoint> latest, audit_->LatestCheckpoint());
  if (latest && latest->tree_size == size) return std::move(*latest);
  if (!counter_bound_) {
    return Status::FailedPrecondition(
        "audit checkpoint: the store is not bound to this keyring's TPM counter yet (a key recovery or a restore is "
        "under way): nothing is signed until it is");
  }
  const std::string name = counter_->Name();
  if (counter_lagging_) {
    QOIMA_RETURN_IF_ERROR(SyncCounter().WithContext("audit checkpoint"));
    QOIMA_RETURN_IF_ERROR(RecordQueuedEvents());
  }
  // The row with the next counter value commits first, then the counter is
  // advanced: a crash in between leaves the database one step ahead of the
  // TPM, which SyncCounter() catches up. The other order would leave the TPM
  // ahead, indistinguishable from a database put back from a copy.
  const uint64_t next = *counter_expected_ + 1;
  AuditCheckpoint cp;
  {
    QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
    QOIMA_ASSIGN_OR_RETURN(cp, audit_->Checkpoint(keys_->signer(), clock_->NowUtc(), next));
    if (binding_marker_) {
      QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("DELETE FROM store_meta WHERE key = ?"));
      QOIMA_RETURN_IF_ERROR(st.Bind(1, kBindingMarker).Run());
    }
    QOIMA_RETURN_IF_ERROR(tx.Commit().WithContext("store audit checkpoint"));
  }
  binding_marker_ = false;
  counter_expected_ = next;
  newest_counted_size_ = cp.tree_size;
  newest_counted_time_ = cp.time;
  counter_lagging_ = true;  // until the TPM says otherwise
  Result<uint64_t> advanced = counter_->Increment();
  if (!advanced.ok()) {
    return advanced.status().WithContext("the audit checkpoint at size " + std::to_string(cp.tree_size) +
                                         " was committed with counter value " + std::to_string(next) + ", but " + name +
                                         " could not be advanced (the next checkpoint or start-up does it)");
  }
  if (*advanced != next) {
    return Status::Tampered(name + " advanced to " + std::to_string(*advanced) + " instead of " + std::to_string(next) +
                            ": something else advances it");
  }
  counter_lagging_ = false;
  return cp;
}

Result<std::vector<std::string>> Store::TrustedKeys(AuditVerifyOptions* opts) {
  opts->trusted_keys_pem.push_back(keys_->signer().PublicKeyPem());
  // A recovery records "old device key <fingerprint>" in its keys.recover
  // event; that event is covered by checkpoints of the new key, so the log
  // itself says which earlier keys were this appliance's, and until when.
  std::map<std::string, uint64_t> replaced;  // fingerprint -> index of the recovery
  {
    QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("SELECT idx, reason FROM audit_entries WHERE action = "
                                                     "'keys.recover' AND outcome = 'success' ORDER BY idx"));
    const std::string marker = "old device key ";
    for (;;) {
      QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      std::string reason = st.ColumnText(1);
      size_t at = reason.find(marker);
      if (at == std::string::npos) continue;
      std::string fp = reason.substr(at + marker.size(), 64);
      if (IsHexName(fp, 64) && replaced.count(fp) == 0) replaced[fp] = static_cast<uint64_t>(st.ColumnInt(0));
    }
  }
  std::vector<std::string> notes;
  QOIMA_ASSIGN_OR_RETURN(std::vector<std::string> previous, keys_->PreviousSignerCertificates());
  for (const std::string& pem : previous) {
    Result<std::string> fp = crypto::PublicKeyFingerprint(pem);
    if (!fp.ok()) {
      notes.push_back("a certificate in old-certs/ does not parse and is not trusted: " + fp.status().message());
      continue;
    }
    auto r = replaced.find(*fp);
    if (r == replaced.end()) {
      notes.push_back("old-certs/ holds the certificate of key " + *fp +
                      ", which no key recovery in the audit log replaced: not trusted");
      continue;
    }
    opts->retired_keys.push_back(RetiredKey{pem, r->second});
  }
  return notes;
}

Result<AuditVerifyReport> Store::VerifyAudit(const std::vector<std::string>& extra_trusted_keys_pem) {
  AuditVerifyOptions opts;
  opts.trusted_keys_pem = extra_trusted_keys_pem;
  QOIMA_ASSIGN_OR_RETURN(std::vector<std::string> notes, TrustedKeys(&opts));
  QOIMA_ASSIGN_OR_RETURN(AuditVerifyReport report, audit_->Verify(opts));
  report.notes.insert(report.notes.end(), notes.begin(), notes.end());
  return report;
}

Result<AuditVerifyReport> Store::VerifyAuditVisiting(const std::function<Status(uint64_t, const AuditEvent&)>& visit) {
  AuditVerifyOptions opts;
  opts.visit = visit;
  QOIMA_ASSIGN_OR_RETURN(std::vector<std::string> notes, TrustedKeys(&opts));
  QOIMA_ASSIGN_OR_RETURN(AuditVerifyReport report, audit_->Verify(opts));
  report.notes.insert(report.notes.end(), notes.begin(), notes.end());
  return report;
}

Result<WitnessVerifyReport> Store::VerifyAuditSince(const AuditCheckpoint& witness) {
  WitnessVerifyReport out;
  out.witness = witness;
  const std::string what =
      "the witnessed checkpoint (size " + std::to_string(witness.tree_size) + ", " + witness.time + ")";
  // 1. The signature, by a key this appliance trusts for that size.
  AuditVerifyOptions opts;
  QOIMA_ASSIGN_OR_RETURN(std::vector<std::string> notes, TrustedKeys(&opts));
  std::string pem;
  for (const std::string& k : opts.trusted_keys_pem) {
    QOIMA_ASSIGN_OR_RETURN(std::string fp, crypto::PublicKeyFingerprint(k));
    if (fp == witness.key_fingerprint) pem = k;
  }
  for (const RetiredKey& k : opts.retired_keys) {
    QOIMA_ASSIGN_OR_RETURN(std::string fp, crypto::PublicKeyFingerprint(k.pem));
    if (fp != witness.key_fingerprint) continue;
    if (witness.tree_size > k.valid_up_to) {
      out.problem = what + " is signed by the earlier device key " + fp +
                    ", but for a size after the key recovery that replaced it (audit entry " +
                    std::to_string(k.valid_up_to) + "): forged";
      return out;
    }
    pem = k.pem;
  }
  if (pem.empty()) {
    out.problem = what + " is signed by key " + witness.key_fingerprint +
                  ", which is neither this appliance's device key nor one its audit log records as replaced by a "
                  "key recovery";
    return out;
  }
  Status sig = crypto::VerifySignature(pem, CheckpointDigest(witness), witness.signature);
  if (!sig.ok()) {
    out.problem = what + ": the signature does not verify (the text was altered or forged): " + sig.message();
    return out;
  }
  // 2. The log as it is now.
  QOIMA_ASSIGN_OR_RETURN(AuditVerifyReport log, audit_->Verify(opts));
  if (!log.ok()) {
    out.problem = "the audit log itself does not verify: " + log.problem;
    return out;
  }
  QOIMA_ASSIGN_OR_RETURN(std::optional<AuditCheckpoint> head, audit_->LatestCheckpoint());
  if (!head) {
    out.problem = "the audit log has no signed checkpoint to prove " + what + " against";
    return out;
  }
  out.head_size = head->tree_size;
  out.head_root = head->root;
  out.head_time = head->time;
  // 3. The consistency proof from the witnessed head to the signed head.
  if (witness.tree_size > head->tree_size) {
    out.problem = what + " has " + std::to_string(witness.tree_size) +
                  " entries, but the log's newest signed checkpoint only " + std::to_string(head->tree_size) + " (" +
                  head->time + "): the log was rolled back to an earlier state";
    return out;
  }
  QOIMA_ASSIGN_OR_RETURN(std::vector<Hash> proof, audit_->ProveConsistency(witness.tree_size, head->tree_size));
  out.proof_hashes = proof.size();
  Status consistent = VerifyMerkleConsistency(witness.tree_size, head->tree_size, witness.root, head->root, proof);
  if (!consistent.ok()) {
    out.problem = "the log does not extend " + what + ": its first " + std::to_string(witness.tree_size) +
                  " entries are not the ones the witness saw (the history was rewritten, or this is another log): " +
                  consistent.message();
  }
  return out;
}

// ---------------------------------------------------------------------------
// Lifecycle

Status Store::PromoteToPermanent(int64_t deposit_id, const Actor& actor, std::string_view reason,
                                 std::optional<int64_t> user_id) {
  QOIMA_ASSIGN_OR_RETURN(DepositInfo d, GetDeposit(deposit_id));
  if (d.state != "committed") return Status::FailedPrecondition(DepositObject(deposit_id) + " is " + d.state);
  if (d.tier == "permanent") return Status::FailedPrecondition(DepositObject(deposit_id) + " is already permanent");
  if (reason.empty()) return Status::InvalidArgument("promote " + DepositObject(deposit_id) + ": a reason is required");
  std::string now = clock_->NowUtc();
  QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  QOIMA_ASSIGN_OR_RETURN(Statement upd, db_.Prepare("UPDATE deposits SET tier = 'permanent' WHERE id = ?"));
  QOIMA_RETURN_IF_ERROR(upd.Bind(1, deposit_id).Run());
  QOIMA_ASSIGN_OR_RETURN(Statement ins, db_.Prepare("INSERT INTO tier_changes(deposit_id, from_tier, to_tier, reason, "
                                                    "changed_by, changed_at) VALUES(?,'temporary','permanent',?,?,?)"));
  QOIMA_RETURN_IF_ERROR(ins.Bind(1, deposit_id).Bind(2, reason).BindOptional(3, user_id).Bind(4, now).Run());
  QOIMA_RETURN_IF_ERROR(audit_
                            ->Append({now, actor.login, actor.role, "deposit.promote", DepositObject(deposit_id),
                                      "success", "temporary -> permanent; " + std::string(reason)})
                            .status());
  return tx.Commit();
}

Result<Tombstone> Store::DestroyDeposit(int64_t deposit_id, const Actor& actor, std::string_view reason,
                                        std::optional<int64_t> approval_id, std::optional<int64_t> act_id,
                                        std::optional<int64_t> user_id) {
  QOIMA_ASSIGN_OR_RETURN(DepositInfo d, GetDeposit(deposit_id));
  if (d.state != "committed") {
    return Status::FailedPrecondition("destroy " + DepositObject(deposit_id) + ": it is " + d.state);
  }
  if (reason.empty()) return Status::InvalidArgument("destroy " + DepositObject(deposit_id) + ": a reason is required");
  std::vector<std::string> names;  // files under objects/: packs, or objects of their own
  QOIMA_ASSIGN_OR_RETURN(int64_t objects,
                         db_.QueryInt("SELECT count(*) FROM objects WHERE deposit_id = " + std::to_string(deposit_id)));
  {
    QOIMA_ASSIGN_OR_RETURN(Statement st,
                           db_.Prepare("SELECT name FROM packs WHERE deposit_id = ?1 UNION SELECT name FROM "
                                       "objects WHERE deposit_id = ?1 AND pack_id IS NULL"));
    st.Bind(1, deposit_id);
    for (;;) {
      QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      names.push_back(st.ColumnText(0));
    }
  }
  // The packs the destruction removes after its commit are journaled first:
  // if it stops in between, the next Open() removes them instead of taking
  // them for unknown files.
  std::string token;
  {
    QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("SELECT token FROM deposits WHERE id = ?"));
    st.Bind(1, deposit_id);
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row && !st.ColumnIsNull(0)) token = st.ColumnText(0);
  }
  bool journaled = false;
  if (!token.empty()) {
    std::set<std::string> mine(names.begin(), names.end());
    std::vector<std::pair<uint64_t, std::string>> packs;
    for (uint64_t k = 0; k < names.size(); ++k) {
      std::string name = PackName(token, k);
      if (mine.count(name) != 0) packs.emplace_back(k, std::move(name));
    }
    if (!packs.empty()) {
      QOIMA_RETURN_IF_ERROR(WriteJournal(token, packs).WithContext("destroy " + DepositObject(deposit_id)));
      journaled = true;
    }
  }
  Tombstone t;
  t.deposit_id = deposit_id;
  t.destroyed_at = clock_->NowUtc();
  t.file_count = d.file_count;
  t.total_bytes = d.total_bytes;
  std::string where = "destroy " + DepositObject(deposit_id);
  auto shred = [&]() -> Status {
    QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
    QOIMA_RETURN_IF_ERROR(
        db_.Exec("UPDATE deposits SET state = 'destroyed', wrapped_key = NULL WHERE id = " + std::to_string(deposit_id))
            .WithContext(where));
    QOIMA_RETURN_IF_ERROR(
        db_.Exec("DELETE FROM file_digests WHERE sha256 IN (SELECT sha256 FROM files WHERE "
                 "deposit_id = " +
                 std::to_string(deposit_id) +
                 ") AND file_id IN (SELECT id FROM files WHERE deposit_id = " + std::to_string(deposit_id) + ")")
            .WithContext(where));
    QOIMA_RETURN_IF_ERROR(db_.Exec("DELETE FROM files WHERE deposit_id = " + std::to_string(deposit_id) +
                                   "; DELETE FROM objects WHERE deposit_id = " + std::to_string(deposit_id) +
                                   "; DELETE FROM packs WHERE deposit_id = " + std::to_string(deposit_id) + ";")
                              .WithContext(where));
    crypto::Sha256Digest manifest = ToDigest(d.manifest_sha256);
    QOIMA_ASSIGN_OR_RETURN(
        t.audit_index,
        audit_->Append({t.destroyed_at, actor.login, actor.role, "deposit.destroy", DepositObject(deposit_id),
                        "success", CommitReason(d.file_count, d.total_bytes, manifest, reason)}));
    QOIMA_ASSIGN_OR_RETURN(Statement ins,
                           db_.Prepare("INSERT INTO tombstones(deposit_id, destroyed_at, destroyed_by, approval_id, "
                                       "act_id, reason, file_count, total_bytes, manifest_sha256, audit_index) "
                                       "VALUES(?,?,?,?,?,?,?,?,?,?)"));
    QOIMA_RETURN_IF_ERROR(ins.Bind(1, deposit_id)
                              .Bind(2, t.destroyed_at)
                              .BindOptional(3, user_id)
                              .BindOptional(4, approval_id)
                              .BindOptional(5, act_id)
                              .Bind(6, reason)
                              .Bind(7, static_cast<int64_t>(d.file_count))
                              .Bind(8, static_cast<int64_t>(d.total_bytes))
                              .BindBlob(9, d.manifest_sha256)
                              .Bind(10, static_cast<int64_t>(t.audit_index))
                              .Run()
                              .WithContext(where));
    return tx.Commit().WithContext(where);
  };
  if (Status shredded = shred(); !shredded.ok()) {
    // Nothing was destroyed: the rows still name the packs.
    if (journaled) (void)env_->RemoveFile(state_dir_ + "/objects/tmp/" + JournalFileName(token));
    return shredded;
  }
  key_cache_.erase(deposit_id);
  QOIMA_RETURN_IF_ERROR(RemoveObjects(names).WithContext(where + " (key shredded; removing objects)"));
  if (journaled) (void)env_->RemoveFile(state_dir_ + "/objects/tmp/" + JournalFileName(token));
  t.objects_removed = static_cast<uint64_t>(objects);
  if (options_.checkpoint_after_commit) QOIMA_RETURN_IF_ERROR(SignCheckpoint().status());
  // Move the pages that held the wrapped key out of the WAL into the main file
  // (where secure_delete zeroed them) and truncate the WAL.
  QOIMA_RETURN_IF_ERROR(db_.Exec("PRAGMA wal_checkpoint(TRUNCATE);").WithContext(where));
  return t;
}

}  // namespace qoima::storage
