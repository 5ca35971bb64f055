#include "storage/store.h"

#include <fcntl.h>
#include <sys/file.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
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
// then does not grow with its file count (issue #6), and a crash leaves a
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

/// A packed object's name, its AEAD associated data and objects.name:
/// "<pack>.<number in the deposit, 8 digits>". Unique in the store (pack
/// names are), and in insertion order within a pack, so the unique index on
/// objects.name grows at its end instead of at a random page per row.
std::string PackedObjectName(const std::string& pack, uint32_t object_no) {
  char digits[16];
  std::snprintf(digits, sizeof digits, ".%08u", object_no);
  return pack + digits;
}

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

  /// The pack the next object goes to: the current one, or a new one when
  /// there is none or it is full.
  Status PreparePack() {
    QOIMA_RETURN_IF_ERROR(pack_error);
    if (pack && pack_size() < store->options_.pack_target_bytes) return Status::Ok();
    QOIMA_RETURN_IF_ERROR(ClosePack());
    std::string name = store->keys_->ObjectName("qoima-pack-v1:" + token + ":" + std::to_string(packs.size()));
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
    // Best effort: what cannot be removed now is an orphan for the next Open().
    (void)impl_->store->RemoveObjects(impl_->packs);
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
  w->name = PackedObjectName(impl_->packs.back(), w->object_no);
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

Result<std::unique_ptr<Store>> Store::Open(const std::string& state_dir, StoreKeys& keys, const StoreOptions& options) {
  std::unique_ptr<Store> store(new Store());
  store->state_dir_ = state_dir;
  store->keys_ = &keys;
  store->env_ = options.env ? options.env : &Env::Default();
  store->clock_ = options.clock ? options.clock : &Clock::System();
  store->options_ = options;
  Env& env = *store->env_;
  QOIMA_RETURN_IF_ERROR(env.CreateDir(state_dir));
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
    QOIMA_ASSIGN_OR_RETURN(store->db_, Database::Open(state_dir + "/meta.db", key.span()));
  }
  std::string now = store->clock_->NowUtc();
  QOIMA_ASSIGN_OR_RETURN(store->open_report_.schema_version_before, ApplyMigrations(store->db_, now));
  QOIMA_ASSIGN_OR_RETURN(store->audit_, AuditLog::Create(store->db_));
  QOIMA_RETURN_IF_ERROR(store->SweepOrphans().WithContext("open store " + state_dir));

  Actor system{"system", "system"};
  const OpenReport& r = store->open_report_;
  if (r.orphan_objects_removed + r.temp_files_removed > 0) {
    QOIMA_RETURN_IF_ERROR(store
                              ->Record(system, "store.recover", "store", "success",
                                       "removed " + std::to_string(r.orphan_objects_removed) + " orphan objects and " +
                                           std::to_string(r.temp_files_removed) +
                                           " temporary files left by an interrupted operation")
                              .status());
  }
  if (options.checkpoint_on_open) {
    QOIMA_ASSIGN_OR_RETURN(uint64_t size, store->audit_->Size());
    QOIMA_ASSIGN_OR_RETURN(std::optional<AuditCheckpoint> latest, store->audit_->LatestCheckpoint());
    if (size > 0 && (!latest || latest->tree_size < size)) {
      QOIMA_ASSIGN_OR_RETURN(AuditCheckpoint cp, store->SignCheckpoint());
      store->open_report_.checkpoint = std::move(cp);
    }
  }
  return store;
}

Status Store::SweepOrphans() {
  std::string tmp = state_dir_ + "/objects/tmp";
  QOIMA_ASSIGN_OR_RETURN(std::vector<std::string> temps, env_->ListDir(tmp));
  for (const std::string& t : temps) {
    QOIMA_RETURN_IF_ERROR(env_->RemoveFile(tmp + "/" + t));
    ++open_report_.temp_files_removed;
  }
  if (!temps.empty()) QOIMA_RETURN_IF_ERROR(env_->SyncDir(tmp));

  QOIMA_ASSIGN_OR_RETURN(std::vector<std::string> dirs, env_->ListDir(state_dir_ + "/objects"));
  // Each file of a fan-out directory is looked up by name (both names are
  // UNIQUE-indexed): the files are few (packs), the rows many; loading every
  // row's name with a prefix (a pack's 100k objects all share its name) cost
  // ~300 bytes per stored object on every open.
  QOIMA_ASSIGN_OR_RETURN(Statement named, db_.Prepare("SELECT EXISTS(SELECT 1 FROM packs WHERE name = ?1) OR "
                                                      "EXISTS(SELECT 1 FROM objects WHERE name = ?1)"));
  for (const std::string& d : dirs) {
    if (!IsHexName(d, 2)) continue;  // tmp/ and anything foreign: scrub reports the latter
    fanout_dirs_.insert(d);
    std::string dir = state_dir_ + "/objects/" + d;
    QOIMA_ASSIGN_OR_RETURN(std::vector<std::string> files, env_->ListDir(dir));
    bool removed = false;
    for (const std::string& f : files) {
      if (!IsHexName(f, 64)) continue;
      named.Bind(1, f);
      Result<bool> row = named.Step();
      bool known = row.ok() && *row && named.ColumnInt(0) != 0;
      named.Reset();
      QOIMA_RETURN_IF_ERROR(row.status());
      if (known) continue;
      QOIMA_RETURN_IF_ERROR(env_->RemoveFile(dir + "/" + f));
      ++open_report_.orphan_objects_removed;
      removed = true;
    }
    if (removed) QOIMA_RETURN_IF_ERROR(env_->SyncDir(dir));
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
  return RemoveObjects(d.packs).WithContext("abandon deposit");
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
  // grows at the end of its unique index and files_object and both tables
  // are appended to; only files_sha256 takes entries at random places.
  // Measured on a 100k-file intake: 0.6 s in write order, 1.3 s with the
  // files sorted by SHA-256. An object's id is the next free id plus its
  // file's row number, so that the files can name it in the same pass.
  QOIMA_ASSIGN_OR_RETURN(int64_t base, db_.QueryInt("SELECT coalesce(max(id), 0) FROM objects"));
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
      db_.Prepare("INSERT INTO files(deposit_id, media_id, path, display_path, size, mtime, sha256, category, "
                  "object_id) SELECT ?2, p.media_id, p.path, coalesce(p.shown, CAST(p.path AS TEXT)), p.size, "
                  "p.mtime, p.sha256, p.category, ?1 + p.rowid FROM staging.pending p ORDER BY p.rowid"));
  QOIMA_RETURN_IF_ERROR(file.Bind(1, base).Bind(2, out.deposit_id).Run().WithContext(where + ": files"));
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
  return QueryFilesBlob("WHERE f.sha256 = ? ORDER BY f.id", sha256);
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

Result<AuditCheckpoint> Store::SignCheckpoint() { return audit_->Checkpoint(keys_->signer(), clock_->NowUtc()); }

Result<AuditVerifyReport> Store::VerifyAudit(const std::vector<std::string>& extra_trusted_keys_pem) {
  AuditVerifyOptions opts;
  opts.trusted_keys_pem = extra_trusted_keys_pem;
  QOIMA_ASSIGN_OR_RETURN(std::vector<std::string> previous, keys_->PreviousSignerCertificates());
  opts.trusted_keys_pem.insert(opts.trusted_keys_pem.end(), previous.begin(), previous.end());
  opts.trusted_keys_pem.push_back(keys_->signer().PublicKeyPem());
  return audit_->Verify(opts);
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
  Tombstone t;
  t.deposit_id = deposit_id;
  t.destroyed_at = clock_->NowUtc();
  t.file_count = d.file_count;
  t.total_bytes = d.total_bytes;
  std::string where = "destroy " + DepositObject(deposit_id);
  {
    QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
    QOIMA_RETURN_IF_ERROR(
        db_.Exec("UPDATE deposits SET state = 'destroyed', wrapped_key = NULL WHERE id = " + std::to_string(deposit_id))
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
    QOIMA_RETURN_IF_ERROR(tx.Commit().WithContext(where));
  }
  key_cache_.erase(deposit_id);
  QOIMA_RETURN_IF_ERROR(RemoveObjects(names).WithContext(where + " (key shredded; removing objects)"));
  t.objects_removed = static_cast<uint64_t>(objects);
  if (options_.checkpoint_after_commit) QOIMA_RETURN_IF_ERROR(SignCheckpoint().status());
  // Move the pages that held the wrapped key out of the WAL into the main file
  // (where secure_delete zeroed them) and truncate the WAL.
  QOIMA_RETURN_IF_ERROR(db_.Exec("PRAGMA wal_checkpoint(TRUNCATE);").WithContext(where));
  return t;
}

}  // namespace qoima::storage
