// Store: the appliance's durable state in one directory: the SQLCipher
// metadata database, the encrypted object store and the audit log.
//
//   <state_dir>/meta.db        SQLCipher database (schema: docs/storage.md)
//   <state_dir>/objects/ab/... pack files, named by a keyed hash (64 hex),
//                              fanned out by its first two hex digits: each
//                              holds many sealed objects back to back (a
//                              deposit's files, up to ~1 GiB per pack). Stores
//                              written before packs have one file per object,
//                              named by the object's own keyed hash.
//   <state_dir>/objects/tmp/   scratch files and pending-deposit journals
//                              (deposit-<token>.journal: the packs a deposit
//                              being written or destroyed creates or removes)
//   <state_dir>/quarantine/    files found under objects/ that nothing
//                              accounts for, moved aside by Open() (never
//                              deleted; verify-store reports them)
//   <state_dir>/lock           flock()ed while a Store is open
//
// Creation: only Create() makes a meta.db (`qoima init`, `qoima restore`);
// Open() of a directory without one fails and creates nothing.
//
// Anti-rollback: every signed checkpoint records the value of the keyring's
// TPM NV counter (StoreKeys::rollback_counter()) it was signed with; the row
// commits first, then the counter is advanced, so a crash in between leaves
// the database one ahead of the TPM, which the next Open() catches up (and
// records). Open() refuses (kTampered, nothing changed) a database whose
// newest checkpoint is behind the counter: an older copy put back.
// Write path (an intake): BeginDeposit() -> PendingDeposit; for each file
// AddFile() -> ObjectWriter; Write() the bytes as they come off the medium
// (sealed with the deposit's fresh data key and hashed on the fly), appended
// through a 1 MiB buffer to the deposit's current pack file; Finish() ends
// the object, with no fsync of its own. Packs instead of a file per object:
// creating 100k inodes was most of a 100k-small-file intake. CommitDeposit() first makes every object of the
// deposit durable with ONE barrier (syncfs of the objects' filesystem, whose
// handle BeginDeposit opened so writeback errors during the deposit are
// reported), and only then inserts the deposit, object and file rows and the audit leaf in ONE
// transaction. One barrier per deposit instead of two fsyncs per file is what
// makes 100k small files an intake of seconds. AbandonDeposit() (or
// dropping the PendingDeposit) removes the objects; a crash leaves packs that
// the deposit's journal names, which Open() removes. So a deposit is whole or
// absent.
//
// Read path: every release of deposited content is recorded in the audit log
// before the first byte leaves (Annex 4, 3.1.5).
//
// Destruction crypto-shreds: the wrapped data key is deleted (secure_delete,
// WAL checkpointed) in the transaction that writes the tombstone and the audit
// event; the objects are unlinked after the commit.
//
// Ownership: a Store owns its Database, AuditLog and the directory lock; it
// borrows StoreKeys, Env and Clock (which must outlive it). PendingDeposit,
// ObjectWriter and DepositReader borrow the Store and must not outlive it.
// Thread-safety: one thread at a time (the appliance serialises calls).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"
#include "crypto/aead.h"
#include "crypto/hash.h"
#include "storage/audit_log.h"
#include "storage/checkpoint_witness.h"
#include "storage/clock.h"
#include "storage/database.h"
#include "storage/env.h"
#include "storage/store_keys.h"

namespace qoima::storage {

/// Named limits on what a deposit may hold (metadata comes from untrusted media).
inline constexpr size_t kMaxPathBytes = 4096;
inline constexpr size_t kMaxFilesPerDeposit = 5'000'000;
/// Packs stay well below the 4 GiB file limit of a FAT32 backup disk.
inline constexpr uint64_t kDefaultPackTargetBytes = 1024ull * 1024 * 1024;
/// Documents sealed with a deposit in one call, and the largest one (bytes).
inline constexpr size_t kMaxSealedDocuments = 64;
inline constexpr size_t kMaxSealedDocumentBytes = 256u << 20;

/// Byte-wise order of raw paths (memcmp, then length).
struct PathLess {
  bool operator()(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) const;
};

/// The categories of 003 cl.10 as stored in files.category.
bool IsValidCategory(std::string_view category);

/// Who acts: a user login (or "system") and the role they act in.
struct Actor {
  std::string login;
  std::string role;
};

struct StoreOptions {
  Env* env = nullptr;      // default: Env::Default()
  Clock* clock = nullptr;  // default: Clock::System()
  /// Recovery onto a new TPM and restore of a backup: the database is not
  /// compared with the TPM counter at open, and no checkpoint is signed until
  /// BindRollbackCounter() binds the store to this TPM's counter (after the
  /// caller has checked what it must: the two officers, the backup).
  bool defer_counter_binding = false;
  /// Sign an audit checkpoint after each committed deposit and when Open()
  /// finds unsigned entries (the previous session ended without one).
  bool checkpoint_after_commit = true;
  bool checkpoint_on_open = true;
  /// A deposit starts a new pack file once the current one holds this many
  /// bytes (an object is never split). Tests lower it to exercise several packs.
  uint64_t pack_target_bytes = kDefaultPackTargetBytes;
};

struct OpenReport {
  int schema_version_before = 0;
  /// Scratch files of objects/tmp (pending rows, spilled act entries) and
  /// processed journals removed.
  uint64_t temp_files_removed = 0;
  /// Packs of deposits interrupted while written or destroyed, each named by
  /// the deposit's journal, removed.
  uint64_t orphan_objects_removed = 0;
  /// Files under objects/ that nothing accounts for, moved to quarantine_dir.
  uint64_t quarantined_files = 0;
  std::string quarantine_dir;  // "quarantine/<time>" under the state dir, when files were moved
  /// The TPM counter after open; `counter_caught_up` when the database was
  /// one checkpoint ahead of it (a crash between a checkpoint's commit and
  /// the counter's advance) and open advanced it; `counter_bound` when open
  /// bound a store that was not bound yet.
  std::optional<uint64_t> counter;
  bool counter_caught_up = false;
  bool counter_bound = false;
  std::optional<AuditCheckpoint> checkpoint;  // signed at open, if any
};

struct DepositSpec {
  int64_t object_id = 0;  // informatization_objects.id
  std::optional<int64_t> application_id;
  std::string version_label;
  std::string kind = "source";     // source | executable | mixed
  std::string tier = "temporary";  // temporary | permanent
  std::optional<int64_t> created_by;
  std::vector<int64_t> media_ids;
};

struct FileMeta {
  std::vector<uint8_t> path;  // raw bytes as on the medium, relative
  std::string display_path;   // UTF-8 for screens and acts
  std::optional<int64_t> mtime;
  std::string category;
  std::optional<int64_t> media_id;
};

/// A file once its object is durable.
struct FileRef {
  std::string object_name;
  uint64_t size = 0;
  uint64_t sealed_size = 0;
  crypto::Sha256Digest sha256{};
};

struct FileInfo {
  int64_t id = 0;
  int64_t deposit_id = 0;
  std::optional<int64_t> media_id;
  std::vector<uint8_t> path;
  std::string display_path;
  uint64_t size = 0;
  std::optional<int64_t> mtime;
  crypto::Sha256Digest sha256{};
  std::string category;
  int64_t object_id = 0;
};

struct DepositInfo {
  int64_t id = 0;
  int64_t object_id = 0;
  std::optional<int64_t> application_id;
  int64_t version_no = 0;
  std::string version_label;
  std::string kind;
  std::string tier;
  std::string state;  // committed | destroyed
  uint64_t file_count = 0;
  uint64_t total_bytes = 0;
  std::vector<uint8_t> manifest_sha256;
  std::string created_at;
  std::string committed_at;
  std::optional<int64_t> audit_index;
};

struct CommittedDeposit {
  int64_t deposit_id = 0;
  int64_t version_no = 0;
  uint64_t audit_index = 0;
  crypto::Sha256Digest manifest_sha256{};
  uint64_t file_count = 0;
  uint64_t total_bytes = 0;
  /// The checkpoint signed after the commit; empty when disabled or when
  /// signing failed (then checkpoint_status says why; the deposit IS committed).
  std::optional<AuditCheckpoint> checkpoint;
  Status checkpoint_status;
};

struct Tombstone {
  int64_t deposit_id = 0;
  std::string destroyed_at;
  uint64_t file_count = 0;
  uint64_t total_bytes = 0;
  uint64_t audit_index = 0;
  uint64_t objects_removed = 0;
};

struct ScrubProblem {
  std::optional<int64_t> deposit_id;
  std::string message;  // names the deposit, file and object
};

/// Problems a scrub lists at most, first found first; the rest are counted
/// (ScrubReport::problems_unlisted), so a store of a million damaged objects
/// costs a thousand messages, not a million.
inline constexpr size_t kMaxListedScrubProblems = 1000;

struct ScrubReport {
  uint64_t deposits = 0;
  uint64_t objects = 0;
  uint64_t bytes = 0;
  std::vector<ScrubProblem> problems;  // at most kMaxListedScrubProblems
  uint64_t problems_unlisted = 0;      // found past them
  bool ok() const { return problems.empty() && problems_unlisted == 0; }
  /// Every problem found, listed or not.
  uint64_t problem_count() const { return problems.size() + problems_unlisted; }
};

/// A document kept with a committed deposit that is not one of its files
/// (a security test's report, 003 cl.17(5)): sealed with the deposit's data
/// key as the one object of a pack of its own (Store::SealDocuments).
struct SealedDocument {
  int64_t object_id = 0;  // objects.id
  std::string object_name;
  uint64_t size = 0;
  crypto::Sha256Digest sha256{};
};

class Store;
class PendingDeposit;

/// Streams one file into the store. Created by PendingDeposit::AddFile().
class ObjectWriter {
 public:
  ~ObjectWriter();
  ObjectWriter(const ObjectWriter&) = delete;
  ObjectWriter& operator=(const ObjectWriter&) = delete;

  /// Seals and writes `bytes`. After an error the writer is dead and the
  /// file is not part of the deposit.
  Status Write(std::span<const uint8_t> bytes);
  /// Seals the final chunk, closes the object and moves it into place; the
  /// file then belongs to the pending deposit (CommitDeposit() makes it
  /// durable). On failure the temp file is removed.
  Result<FileRef> Finish();

 private:
  friend class PendingDeposit;
  struct Impl;
  explicit ObjectWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// A deposit being written. Dropping it without CommitDeposit() abandons it.
class PendingDeposit {
 public:
  ~PendingDeposit();
  PendingDeposit(const PendingDeposit&) = delete;
  PendingDeposit& operator=(const PendingDeposit&) = delete;

  /// Starts a file. kInvalidArgument for a bad category, empty or too long
  /// path; kAlreadyExists for a path already in this deposit.
  /// REQUIRES: the previous writer finished or was dropped.
  Result<std::unique_ptr<ObjectWriter>> AddFile(FileMeta meta);

  size_t file_count() const;
  uint64_t total_bytes() const;

 private:
  friend class Store;
  friend class ObjectWriter;
  struct Impl;
  explicit PendingDeposit(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Reads the files of one deposit after one audit event recorded the access.
class DepositReader {
 public:
  /// Decrypts file `file_id` (of this deposit) into `sink`, then checks
  /// size and SHA-256 against the database. Bytes reach the sink chunk by
  /// chunk as they authenticate: treat them as provisional until OK returns.
  Status ReadFile(int64_t file_id, const crypto::ByteSink& sink);
  int64_t deposit_id() const { return deposit_id_; }
  uint64_t audit_index() const { return audit_index_; }

 private:
  friend class Store;
  DepositReader(Store& store, int64_t deposit_id, std::shared_ptr<const crypto::DataKey> key, uint64_t audit_index)
      : store_(store), deposit_id_(deposit_id), key_(std::move(key)), audit_index_(audit_index) {}
  Store& store_;
  int64_t deposit_id_;
  std::shared_ptr<const crypto::DataKey> key_;
  uint64_t audit_index_;
};

class Store {
 public:
  /// Opens the store in `state_dir`: locks it, opens meta.db with
  /// keys.SqlcipherKey(), compares its newest checkpoint with the TPM counter,
  /// runs migrations, removes what the journals name and scratch files,
  /// quarantines unknown files, and signs a checkpoint over unsigned entries.
  /// kNotFound (nothing created) when meta.db is missing. kTampered, with
  /// nothing changed, when the database is behind the TPM counter (an older
  /// copy), the counter is missing for a bound store, or another counter sits
  /// in its place.
  static Result<std::unique_ptr<Store>> Open(const std::string& state_dir, StoreKeys& keys,
                                             const StoreOptions& options = {});
  /// Creates a new store in `state_dir` (`qoima init`): meta.db, the schema,
  /// a "store.create" event, and the binding to the TPM counter with a first
  /// signed checkpoint. kAlreadyExists when meta.db exists;
  /// kFailedPrecondition when objects/ holds files (a store whose database
  /// is missing: put it back instead).
  static Result<std::unique_ptr<Store>> Create(const std::string& state_dir, StoreKeys& keys,
                                               const StoreOptions& options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const OpenReport& open_report() const { return open_report_; }
  const std::string& state_dir() const { return state_dir_; }
  /// objects/tmp: for scratch files of the caller's (an act's spilled
  /// entries), which the next Open() removes if a crash leaves them.
  std::string TempDirectory() const { return state_dir_ + "/objects/tmp"; }
  /// The metadata database, for the appliance's own tables (applications,
  /// journal, acts, ...). Do not write deposits, objects, files or audit rows
  /// directly.
  Database& db() { return db_; }
  AuditLog& audit() { return *audit_; }
  Clock& clock() { return *clock_; }

  // --- Write path -----------------------------------------------------------
  Result<std::unique_ptr<PendingDeposit>> BeginDeposit(const DepositSpec& spec);
  /// Extra rows to write in the commit transaction (decision, act, ...);
  /// gets the new deposit id.
  using CommitHook = std::function<Status(Database&, int64_t deposit_id)>;
  /// Makes the deposit's objects durable (one syncfs barrier), then commits the deposit rows and the
  /// "deposit.commit" audit leaf in one transaction. On failure nothing is
  /// committed and the objects are removed.
  Result<CommittedDeposit> CommitDeposit(std::unique_ptr<PendingDeposit> pending, const Actor& actor,
                                         std::string_view reason = "", const CommitHook& hook = {});
  /// Removes the pending deposit's objects and records nothing.
  Status AbandonDeposit(std::unique_ptr<PendingDeposit> pending);

  // --- Queries --------------------------------------------------------------
  Result<DepositInfo> GetDeposit(int64_t deposit_id);
  Result<std::vector<FileInfo>> ListFiles(int64_t deposit_id);
  /// The same rows one at a time, in path order, none held (a deposit of
  /// 500k files); `fn` failing stops the walk with its status.
  Status ForEachFile(int64_t deposit_id, const std::function<Status(const FileInfo&)>& fn);
  Result<FileInfo> GetFile(int64_t file_id);
  /// Files (of committed deposits) whose content has this SHA-256.
  Result<std::vector<FileInfo>> FindFilesBySha256(const crypto::Sha256Digest& sha256);

  // --- Read path ------------------------------------------------------------
  /// Records "deposit.read" (actor, reason) and returns a reader.
  Result<std::unique_ptr<DepositReader>> OpenDeposit(int64_t deposit_id, const Actor& actor, std::string_view reason);
  /// One file: records "file.read" then streams it.
  Status ReadFile(int64_t file_id, const Actor& actor, std::string_view reason, const crypto::ByteSink& sink);

  // --- Audit ----------------------------------------------------------------
  /// Appends an event stamped with the clock.
  Result<uint64_t> Record(const Actor& actor, std::string_view action, std::string_view object,
                          std::string_view outcome, std::string_view reason);
  /// Signs the current tree head (end of a session) with the next value of
  /// the TPM counter: the row commits first, then the counter advances. When
  /// the advance fails the checkpoint stands and the error says so; the next
  /// checkpoint or start-up catches the counter up.
  Result<AuditCheckpoint> SignCheckpoint();
  /// Binds the store to this keyring's TPM counter (a store opened with
  /// defer_counter_binding, after a recovery onto a new TPM or a restore):
  /// records "store.counter_bind" with `reason` and signs a checkpoint that
  /// carries the counter.
  Status BindRollbackCounter(std::string_view reason);
  /// `qoima audit verify`: the whole log against the device key and the keys
  /// of earlier TPMs that the log itself records as replaced by a key
  /// recovery (a "keys.recover" event naming the old key). A certificate in
  /// keyring/old-certs/ that no recovery names is not trusted (a note says so).
  Result<AuditVerifyReport> VerifyAudit(const std::vector<std::string>& extra_trusted_keys_pem = {});
  /// VerifyAudit(), calling `visit` with each verified entry
  /// (AuditVerifyOptions::visit): a reader of the log that sees only what
  /// verified, and learns from the report whether the whole log did.
  Result<AuditVerifyReport> VerifyAuditVisiting(const std::function<Status(uint64_t, const AuditEvent&)>& visit);
  /// `qoima audit verify --since WITNESS`: the witness's signature (by a key
  /// VerifyAudit trusts, for a size it may have signed), the whole log, then
  /// an RFC 6962 consistency proof from the witnessed head to the log's
  /// newest signed checkpoint. A rolled-back or rewritten log is a report
  /// with a problem, not an error.
  Result<WitnessVerifyReport> VerifyAuditSince(const AuditCheckpoint& witness);

  // --- Documents kept with a deposit ---------------------------------------
  /// Rows that name the sealed documents, written in SealDocuments' transaction.
  using SealedDocumentsHook = std::function<Status(const std::vector<SealedDocument>&)>;
  /// Seals each of `documents` with committed deposit `deposit_id`'s data key
  /// into a pack of its own (named in the deposit's journal first, then
  /// written and fsynced), then in ONE transaction inserts their pack and
  /// object rows and runs `record` (the caller's rows naming them and its
  /// audit event). Whole or absent: on any failure the packs are removed and
  /// nothing is recorded; a crash leaves packs the journal names, which
  /// Open() removes. Verify-store re-reads them with the deposit's objects,
  /// and DestroyDeposit() shreds them with it. At most kMaxSealedDocuments
  /// of at most kMaxSealedDocumentBytes each.
  Status SealDocuments(int64_t deposit_id, const std::vector<std::span<const uint8_t>>& documents,
                       const SealedDocumentsHook& record);
  /// Reads sealed object `object_id` of deposit `deposit_id` into `sink`
  /// (checked against its row's size and SHA-256) after the audit event
  /// (`action`, `audit_object`, `reason`) recorded the access; a failure is
  /// recorded as such. FailedPrecondition once the deposit is destroyed.
  Status ReadDocument(int64_t deposit_id, int64_t object_id, const Actor& actor, std::string_view action,
                      std::string_view audit_object, std::string_view reason, const crypto::ByteSink& sink);

  // --- Lifecycle ------------------------------------------------------------
  /// temporary -> permanent (003 cl.6-8), with a tier_changes row and audit event.
  Status PromoteToPermanent(int64_t deposit_id, const Actor& actor, std::string_view reason,
                            std::optional<int64_t> user_id = std::nullopt);
  /// Crypto-shreds a committed deposit (see the class comment).
  Result<Tombstone> DestroyDeposit(int64_t deposit_id, const Actor& actor, std::string_view reason,
                                   std::optional<int64_t> approval_id = std::nullopt,
                                   std::optional<int64_t> act_id = std::nullopt,
                                   std::optional<int64_t> user_id = std::nullopt);

  /// `qoima verify-store`: database integrity, every object re-read (AEAD and
  /// SHA-256 against the rows), manifests against the audit log, orphans.
  /// Problems go into the report; a non-OK Status means the scrub could not run.
  Result<ScrubReport> VerifyStore();

  /// `qoima backup DIR`: a consistent copy (DB snapshot, objects, signed
  /// manifest) into the new directory `dir`. Formats: docs/storage.md.
  Status Backup(const std::string& dir, const Actor& actor);
  /// `qoima restore`: checks a backup (manifest signature, every file's
  /// SHA-256, the DB opens with `keys`, scrub and audit verify pass) and
  /// installs it as the store in `state_dir`, which must not hold a store.
  static Status Restore(const std::string& backup_dir, const std::string& state_dir, StoreKeys& keys,
                        const StoreOptions& options = {});

 private:
  friend class PendingDeposit;
  friend class ObjectWriter;
  friend class DepositReader;
  Store() = default;
  /// `create`: makes `db_file` (a new database) and binds it; else opens it.
  static Result<std::unique_ptr<Store>> OpenOrCreate(const std::string& state_dir, StoreKeys& keys,
                                                     const StoreOptions& options, bool create,
                                                     const std::string& db_file);
  /// Compares the database's newest counted checkpoint with the TPM counter
  /// before anything is changed, and catches the counter up by one. Returns
  /// why the store must be bound (an unbound store, an interrupted binding),
  /// or nothing when it is bound and in step.
  Result<std::optional<std::string>> CheckCounter(int schema_version);
  /// Makes the TPM counter agree with counter_expected_ (at open, or after an
  /// advance failed): catches it up by one step, refuses anything else.
  Status SyncCounter();
  /// Binds the store to the counter (marker row, counter created and
  /// written, one audit event `action` with `reason`, a counted checkpoint).
  Status BindCounter(std::string_view action, std::string_view reason);
  /// Trusted keys for VerifyAudit: the device key, and the old-certs/
  /// certificates whose keys a recorded key recovery replaced (with the
  /// audit index of that recovery). Returns notes on certificates left out.
  Result<std::vector<std::string>> TrustedKeys(AuditVerifyOptions* options);
  /// Appends the events queued while the audit log could not be written yet.
  Status RecordQueuedEvents();
  Status SweepOrphans();
  /// Seals the security-test reports a store before schema 15 kept in the
  /// database (security_test_reports.content) as documents of their
  /// versions' deposits, clears those of destroyed versions, and records
  /// what it did (store_documents.cpp). A report it cannot seal stays as it
  /// was, named in the event; verify-store lists it.
  Status SealReportsKeptInDatabase();
  /// Writes `bytes` sealed with `key` as the only object of the new pack
  /// file `pack` and makes it durable; returns the sealed size.
  Result<uint64_t> WriteDocumentPack(const crypto::DataKey& key, const std::string& pack,
                                     std::span<const uint8_t> bytes, crypto::Sha256Digest* sha256);
  /// Moves `rel` (a path under the state directory) into this open's
  /// quarantine folder and notes it in the open report.
  Status Quarantine(const std::string& rel);
  /// The name of a deposit's k-th pack (its token and k under the
  /// object-name key).
  std::string PackName(const std::string& token, uint64_t k) const;
  /// The name of object `object_no` of `pack`: its AEAD associated data.
  static std::string PackedObjectName(const std::string& pack, uint32_t object_no);
  /// objects/tmp/deposit-<token>.journal under the state directory.
  std::string JournalPath(const std::string& token) const;
  /// Writes objects/tmp/deposit-<token>.journal naming `packs` (k, name) and
  /// makes it durable: the packs a destruction is about to remove.
  Status WriteJournal(const std::string& token, const std::vector<std::pair<uint64_t, std::string>>& packs);
  /// The pack names a journal accounts for; an error when it is not a
  /// journal this store wrote for `token`.
  Result<std::vector<std::string>> ReadJournal(const std::string& path, const std::string& token);
  std::string ObjectPath(const std::string& name) const;
  std::string ObjectDir(const std::string& name) const;
  Status EnsureFanoutDir(const std::string& name);
  Status RemoveObjects(const std::vector<std::string>& names);
  Result<std::shared_ptr<const crypto::DataKey>> DepositKeyFor(int64_t deposit_id);
  /// Where an object's sealed bytes are: a pack file and an offset in it, or
  /// (pack empty) a file of its own named like the object.
  struct ObjectPlace {
    std::string name;  // the object's name: its AEAD associated data
    std::string pack;
    uint64_t offset = 0;
    uint64_t sealed_size = 0;
  };
  Status ReadObject(const crypto::DataKey& key, const ObjectPlace& place, uint64_t size,
                    const crypto::Sha256Digest& sha256, const crypto::ByteSink& sink);
  Result<std::vector<FileInfo>> QueryFiles(std::string_view where, int64_t arg);
  /// VerifyStore's phases (store_scrub.cpp).
  friend class StoreScrub;
  Result<std::vector<FileInfo>> QueryFilesBlob(std::string_view where, std::span<const uint8_t> arg);

  std::string state_dir_;
  StoreKeys* keys_ = nullptr;  // not owned
  Env* env_ = nullptr;         // not owned
  Clock* clock_ = nullptr;     // not owned
  StoreOptions options_;
  UniqueFd lock_fd_;
  crypto::MonotonicCounter* counter_ = nullptr;  // not owned (the keys')
  /// The counter value of the newest counted checkpoint in the database:
  /// what the TPM counter should read.
  std::optional<uint64_t> counter_expected_;
  uint64_t newest_counted_size_ = 0;  // and where that checkpoint is, for messages
  std::string newest_counted_time_;
  bool counter_bound_ = false;                                      // checkpoints of this session carry the counter
  bool counter_lagging_ = false;                                    // an advance failed: the TPM may be one behind
  bool binding_marker_ = false;                                     // the binding marker row is in store_meta
  std::vector<std::pair<std::string, std::string>> queued_events_;  // (action, reason) by "system"
  std::vector<std::pair<std::string, uint64_t>> quarantined_;       // (path, bytes) moved at open
  Database db_;
  std::unique_ptr<AuditLog> audit_;
  OpenReport open_report_;
  std::set<std::string> fanout_dirs_;
  std::map<int64_t, std::shared_ptr<const crypto::DataKey>> key_cache_;
};

}  // namespace qoima::storage
