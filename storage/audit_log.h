// AuditLog: the append-only, tamper-evident record of every event on the
// appliance (who, in which role, did what to which object, when, with what
// outcome and why), kept in the metadata database.
//
// Every event is a leaf of a Merkle tree hashed as in RFC 6962. Each entry
// row stores its leaf hash and the tree root after it, so verification names
// the first entry whose contents, position or predecessors changed. Signed
// checkpoints (tree size, root, time) bind the history to the device key; a
// rewritten history that recomputes every stored hash still fails at the first
// signed checkpoint after the change. Inclusion and consistency proofs let a
// third party check an exported entry or an older printed checkpoint.
// Formats: docs/storage.md ("Audit log").
//
// Ownership: borrows the Database (which must outlive the AuditLog) and holds
// prepared statements on it. Append() joins the caller's open transaction (so
// a deposit commit and its audit leaf are one transaction) or runs its own.
// Thread-safety: same thread as the Database.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "crypto/signer.h"
#include "storage/database.h"
#include "storage/merkle.h"

namespace qoima::storage {

struct AuditEvent {
  std::string time;     // UTC "YYYY-MM-DDTHH:MM:SSZ"
  std::string actor;    // user login, or "system"
  std::string role;     // clerk, security_officer, auditor, admin, system
  std::string action;   // dotted verb, e.g. "deposit.commit", "object.read"
  std::string object;   // e.g. "deposit:17", "deposit:17/file:4"
  std::string outcome;  // success | failure | denied
  std::string reason;   // free text, may be empty

  bool operator==(const AuditEvent&) const = default;
};

/// Largest accepted field, in bytes (a reason is a sentence, not a document).
inline constexpr size_t kMaxAuditFieldBytes = 4096;

/// The canonical leaf data of an event: "qoima-audit-v1\n" then one
/// "name=value\n" line per field in the order of AuditEvent, with "\\" -> "\\\\",
/// newline -> "\\n", carriage return -> "\\r" in values.
std::string AuditLeafData(const AuditEvent& event);

/// Checks fields (non-empty actor/role/action/object, outcome value, time
/// shape, sizes); kInvalidArgument naming the field.
Status ValidateAuditEvent(const AuditEvent& event);

struct AuditCheckpoint {
  uint64_t tree_size = 0;
  Hash root{};
  std::string time;
  /// The TPM rollback counter value this checkpoint was signed with (the
  /// counter is advanced to it after the row commits); empty for checkpoints
  /// signed before the store was bound to the counter.
  std::optional<uint64_t> counter;
  std::vector<uint8_t> signature;  // DER ECDSA over CheckpointDigest()
  std::string key_fingerprint;
  std::string public_key_pem;
};

/// The signed text of a checkpoint without a counter (version 1):
/// "qoima-audit-checkpoint-v1\n<size>\n<root hex>\n<time>\n".
std::string CheckpointText(uint64_t tree_size, const Hash& root, std::string_view time);
/// SHA-256 of CheckpointText(); what the Signer signs.
Hash CheckpointDigest(uint64_t tree_size, const Hash& root, std::string_view time);
/// The signed text of `c`: version 1 above when it has no counter, else
/// version 2, which also names the counter value and the signing key:
/// "qoima-audit-checkpoint-v2\nsize <n>\nroot <hex>\ntime <t>\ncounter <c>\nkey <fingerprint>\n".
std::string CheckpointText(const AuditCheckpoint& c);
Hash CheckpointDigest(const AuditCheckpoint& c);

struct InclusionProof {
  uint64_t index = 0;
  uint64_t tree_size = 0;
  Hash leaf_hash{};
  Hash root{};
  std::vector<Hash> path;
};

/// A signing key of an earlier TPM, trusted only for the checkpoints it
/// could have signed: those up to the key recovery that replaced it.
struct RetiredKey {
  std::string pem;           // public key or certificate
  uint64_t valid_up_to = 0;  // checkpoints of at most this tree size
};

struct AuditVerifyOptions {
  /// Public keys (PEM, key or certificate) whose checkpoint signatures are
  /// trusted at any size: the device key. Empty (and no retired keys):
  /// signatures are checked against the key embedded in each checkpoint
  /// only, and the report says so.
  std::vector<std::string> trusted_keys_pem;
  /// Keys of earlier TPMs (Store::VerifyAudit: only those the log records
  /// as replaced by a key recovery).
  std::vector<RetiredKey> retired_keys;
  /// Called, in index order, with each entry whose leaf hash and chained
  /// root verified, so a reader (the access register) sees exactly the
  /// entries the verification covered. A later problem still makes the
  /// report not ok(): the caller discards what it gathered. A non-OK Status
  /// from the visitor stops the verification and is returned.
  std::function<Status(uint64_t index, const AuditEvent& event)> visit;
};

struct AuditVerifyReport {
  uint64_t entries = 0;
  uint64_t checkpoints = 0;
  /// The first entry found bad, if any.
  std::optional<uint64_t> first_bad_index;
  /// Empty when everything verified; otherwise the first problem, e.g.
  /// "audit entry 41: contents do not match its leaf hash (entry edited)".
  std::string problem;
  /// Non-fatal remarks (no checkpoint yet, no trusted key given).
  std::vector<std::string> notes;
  bool ok() const { return problem.empty(); }
};

class AuditLog {
 public:
  /// Prepares statements on `db` (schema must be migrated).
  static Result<std::unique_ptr<AuditLog>> Create(Database& db);

  /// Appends `event`; returns its index. Joins the open transaction or runs
  /// its own. On failure nothing is appended.
  Result<uint64_t> Append(const AuditEvent& event);

  /// Signs the current tree head with `signer` (recording `counter`, when
  /// given, in the signed text) and stores it. When a checkpoint for the
  /// current size exists, returns it (idempotent). kFailedPrecondition on an
  /// empty log. Joins the caller's open transaction.
  Result<AuditCheckpoint> Checkpoint(crypto::Signer& signer, std::string_view time,
                                     std::optional<uint64_t> counter = std::nullopt);

  Result<uint64_t> Size();
  Result<Hash> Root();
  /// MTH of the first `size` entries (from their stored leaf hashes).
  Result<Hash> RootAt(uint64_t size);
  Result<AuditEvent> Entry(uint64_t index);
  /// Events [first, first + count).
  Result<std::vector<AuditEvent>> Entries(uint64_t first, uint64_t count);
  Result<std::optional<AuditCheckpoint>> LatestCheckpoint();
  Result<std::vector<AuditCheckpoint>> Checkpoints();

  /// Proof that entry `index` is in the tree of `tree_size` (0: current size).
  Result<InclusionProof> ProveInclusion(uint64_t index, uint64_t tree_size = 0);
  /// Proof that the tree of size `m` is a prefix of the tree of size `n`.
  Result<std::vector<Hash>> ProveConsistency(uint64_t m, uint64_t n);

  /// Recomputes every leaf and root, checks each checkpoint's root and
  /// signature, and reports the first bad entry. A non-OK Status means the
  /// check could not run (I/O); a broken log is an OK Status with
  /// report.ok() == false.
  Result<AuditVerifyReport> Verify(const AuditVerifyOptions& options = {});

 private:
  explicit AuditLog(Database& db) : db_(db) {}
  Result<MerkleAccumulator> LoadState();
  Result<uint64_t> AppendLocked(const AuditEvent& event);
  Result<std::vector<Hash>> LeafHashes(uint64_t count);

  Database& db_;
  Statement select_state_;
  Statement insert_entry_;
  Statement update_state_;
};

}  // namespace qoima::storage
