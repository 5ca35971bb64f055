#include "storage/audit_log.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>

namespace qoima::storage {
namespace {

void AppendEscaped(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
}

bool LooksLikeUtcTime(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SSZ
  if (t.size() != 20) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    switch (i) {
      case 4:
      case 7:
        if (c != '-') return false;
        break;
      case 10:
        if (c != 'T') return false;
        break;
      case 13:
      case 16:
        if (c != ':') return false;
        break;
      case 19:
        if (c != 'Z') return false;
        break;
      default:
        if (c < '0' || c > '9') return false;
    }
  }
  return true;
}

Hash ToHash(const std::vector<uint8_t>& blob) {
  Hash h{};
  if (blob.size() == h.size()) std::memcpy(h.data(), blob.data(), h.size());
  return h;
}

std::string Index(uint64_t i) { return "audit entry " + std::to_string(i); }

}  // namespace

std::string AuditLeafData(const AuditEvent& e) {
  std::string out = "qoima-audit-v1\n";
  const std::pair<const char*, const std::string*> fields[] = {
      {"time", &e.time},     {"actor", &e.actor},     {"role", &e.role},     {"action", &e.action},
      {"object", &e.object}, {"outcome", &e.outcome}, {"reason", &e.reason},
  };
  for (const auto& [name, value] : fields) {
    out += name;
    out += '=';
    AppendEscaped(out, *value);
    out += '\n';
  }
  return out;
}

Status ValidateAuditEvent(const AuditEvent& e) {
  const std::pair<const char*, const std::string*> required[] = {
      {"actor", &e.actor}, {"role", &e.role}, {"action", &e.action}, {"object", &e.object}};
  for (const auto& [name, value] : required) {
    if (value->empty()) return Status::InvalidArgument(std::string("audit event: field '") + name + "' is empty");
  }
  const std::pair<const char*, const std::string*> all[] = {
      {"time", &e.time},     {"actor", &e.actor},     {"role", &e.role},    {"action", &e.action},
      {"object", &e.object}, {"outcome", &e.outcome}, {"reason", &e.reason}};
  for (const auto& [name, value] : all) {
    if (value->size() > kMaxAuditFieldBytes) {
      return Status::InvalidArgument(std::string("audit event: field '") + name + "' is " +
                                     std::to_string(value->size()) + " bytes, limit " +
                                     std::to_string(kMaxAuditFieldBytes));
    }
  }
  if (!LooksLikeUtcTime(e.time)) {
    return Status::InvalidArgument("audit event: time '" + e.time + "' is not YYYY-MM-DDTHH:MM:SSZ");
  }
  if (e.outcome != "success" && e.outcome != "failure" && e.outcome != "denied") {
    return Status::InvalidArgument("audit event: outcome '" + e.outcome + "' is not success, failure or denied");
  }
  return Status::Ok();
}

std::string CheckpointText(uint64_t tree_size, const Hash& root, std::string_view time) {
  return "qoima-audit-checkpoint-v1\n" + std::to_string(tree_size) + "\n" + crypto::Hex(root) + "\n" +
         std::string(time) + "\n";
}

Hash CheckpointDigest(uint64_t tree_size, const Hash& root, std::string_view time) {
  return crypto::Sha256::Digest(CheckpointText(tree_size, root, time));
}

std::string CheckpointText(const AuditCheckpoint& c) {
  if (!c.counter) return CheckpointText(c.tree_size, c.root, c.time);
  return "qoima-audit-checkpoint-v2\nsize " + std::to_string(c.tree_size) + "\nroot " + crypto::Hex(c.root) +
         "\ntime " + c.time + "\ncounter " + std::to_string(*c.counter) + "\nkey " + c.key_fingerprint + "\n";
}

Hash CheckpointDigest(const AuditCheckpoint& c) { return crypto::Sha256::Digest(CheckpointText(c)); }

Result<std::unique_ptr<AuditLog>> AuditLog::Create(Database& db) {
  std::unique_ptr<AuditLog> log(new AuditLog(db));
  QOIMA_ASSIGN_OR_RETURN(log->select_state_, db.Prepare("SELECT tree_size, peaks FROM audit_state WHERE id = 1"));
  QOIMA_ASSIGN_OR_RETURN(log->insert_entry_,
                         db.Prepare("INSERT INTO audit_entries(idx, time, actor, role, action, object, outcome, "
                                    "reason, leaf_hash, root_after) VALUES(?,?,?,?,?,?,?,?,?,?)"));
  QOIMA_ASSIGN_OR_RETURN(log->update_state_,
                         db.Prepare("UPDATE audit_state SET tree_size = ?, peaks = ? WHERE id = 1"));
  return log;
}

Result<MerkleAccumulator> AuditLog::LoadState() {
  QOIMA_ASSIGN_OR_RETURN(bool row, select_state_.Step());
  if (!row) {
    select_state_.Reset();
    return Status::Corrupt("audit log: the audit_state row is missing");
  }
  int64_t size = select_state_.ColumnInt(0);
  std::vector<uint8_t> peaks = select_state_.ColumnBlob(1);
  select_state_.Reset();
  if (size < 0) return Status::Corrupt("audit log: negative tree size in audit_state");
  return MerkleAccumulator::Deserialize(static_cast<uint64_t>(size), peaks);
}

Result<uint64_t> AuditLog::AppendLocked(const AuditEvent& e) {
  QOIMA_ASSIGN_OR_RETURN(MerkleAccumulator acc, LoadState());
  uint64_t index = acc.size();
  Hash leaf = MerkleLeafHash(AuditLeafData(e));
  acc.Append(leaf);
  Hash root = acc.Root();
  QOIMA_RETURN_IF_ERROR(insert_entry_.Bind(1, static_cast<int64_t>(index))
                            .Bind(2, e.time)
                            .Bind(3, e.actor)
                            .Bind(4, e.role)
                            .Bind(5, e.action)
                            .Bind(6, e.object)
                            .Bind(7, e.outcome)
                            .Bind(8, e.reason)
                            .BindBlob(9, leaf)
                            .BindBlob(10, root)
                            .Run()
                            .WithContext("append " + Index(index)));
  QOIMA_RETURN_IF_ERROR(
      update_state_.Bind(1, static_cast<int64_t>(acc.size())).BindBlob(2, acc.SerializePeaks()).Run());
  return index;
}

Result<uint64_t> AuditLog::Append(const AuditEvent& event) {
  QOIMA_RETURN_IF_ERROR(ValidateAuditEvent(event));
  if (db_.InTransaction()) return AppendLocked(event);
  QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  QOIMA_ASSIGN_OR_RETURN(uint64_t index, AppendLocked(event));
  QOIMA_RETURN_IF_ERROR(tx.Commit().WithContext("append " + Index(index)));
  return index;
}

Result<uint64_t> AuditLog::Size() {
  QOIMA_ASSIGN_OR_RETURN(MerkleAccumulator acc, LoadState());
  return acc.size();
}

Result<Hash> AuditLog::Root() {
  QOIMA_ASSIGN_OR_RETURN(MerkleAccumulator acc, LoadState());
  return acc.Root();
}

Result<std::vector<AuditEvent>> AuditLog::Entries(uint64_t first, uint64_t count) {
  QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("SELECT time, actor, role, action, object, outcome, reason "
                                                   "FROM audit_entries WHERE idx >= ? AND idx < ? ORDER BY idx"));
  st.Bind(1, static_cast<int64_t>(first)).Bind(2, static_cast<int64_t>(first + count));
  std::vector<AuditEvent> out;
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(AuditEvent{st.ColumnText(0), st.ColumnText(1), st.ColumnText(2), st.ColumnText(3), st.ColumnText(4),
                             st.ColumnText(5), st.ColumnText(6)});
  }
  return out;
}

Result<AuditEvent> AuditLog::Entry(uint64_t index) {
  QOIMA_ASSIGN_OR_RETURN(std::vector<AuditEvent> one, Entries(index, 1));
  if (one.empty()) return Status::NotFound(Index(index) + " does not exist");
  return std::move(one[0]);
}

namespace {
Result<std::vector<AuditCheckpoint>> ReadCheckpoints(Database& db, std::string_view where) {
  QOIMA_ASSIGN_OR_RETURN(Statement st,
                         db.Prepare("SELECT tree_size, root, time, signature, key_fingerprint, public_key_pem, "
                                    "counter FROM audit_checkpoints " +
                                    std::string(where)));
  std::vector<AuditCheckpoint> out;
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    AuditCheckpoint c;
    c.tree_size = static_cast<uint64_t>(st.ColumnInt(0));
    std::vector<uint8_t> root = st.ColumnBlob(1);
    c.root = ToHash(root);
    c.time = st.ColumnText(2);
    c.signature = st.ColumnBlob(3);
    c.key_fingerprint = st.ColumnText(4);
    c.public_key_pem = st.ColumnText(5);
    if (!st.ColumnIsNull(6)) c.counter = static_cast<uint64_t>(st.ColumnInt(6));
    out.push_back(std::move(c));
  }
  return out;
}
}  // namespace

Result<std::vector<AuditCheckpoint>> AuditLog::Checkpoints() { return ReadCheckpoints(db_, "ORDER BY tree_size"); }

Result<std::optional<AuditCheckpoint>> AuditLog::LatestCheckpoint() {
  QOIMA_ASSIGN_OR_RETURN(std::vector<AuditCheckpoint> v, ReadCheckpoints(db_, "ORDER BY tree_size DESC LIMIT 1"));
  if (v.empty()) return std::optional<AuditCheckpoint>();
  return std::optional<AuditCheckpoint>(std::move(v[0]));
}

Result<AuditCheckpoint> AuditLog::Checkpoint(crypto::Signer& signer, std::string_view time,
                                             std::optional<uint64_t> counter) {
  QOIMA_ASSIGN_OR_RETURN(MerkleAccumulator acc, LoadState());
  if (acc.size() == 0) return Status::FailedPrecondition("audit checkpoint: the log is empty");
  QOIMA_ASSIGN_OR_RETURN(std::optional<AuditCheckpoint> latest, LatestCheckpoint());
  if (latest && latest->tree_size == acc.size()) return std::move(*latest);
  if (!LooksLikeUtcTime(time)) {
    return Status::InvalidArgument("audit checkpoint: time '" + std::string(time) + "' is not YYYY-MM-DDTHH:MM:SSZ");
  }
  AuditCheckpoint c;
  c.tree_size = acc.size();
  c.root = acc.Root();
  c.time = std::string(time);
  c.counter = counter;
  c.key_fingerprint = signer.Fingerprint();
  c.public_key_pem = signer.PublicKeyPem();
  QOIMA_ASSIGN_OR_RETURN(c.signature, signer.SignDigest(CheckpointDigest(c)));
  QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("INSERT INTO audit_checkpoints(tree_size, root, time, signature, "
                                                   "key_fingerprint, public_key_pem, counter) VALUES(?,?,?,?,?,?,?)"));
  QOIMA_RETURN_IF_ERROR(
      st.Bind(1, static_cast<int64_t>(c.tree_size))
          .BindBlob(2, c.root)
          .Bind(3, c.time)
          .BindBlob(4, c.signature)
          .Bind(5, c.key_fingerprint)
          .Bind(6, c.public_key_pem)
          .BindOptional(7, c.counter ? std::optional<int64_t>(static_cast<int64_t>(*c.counter)) : std::nullopt)
          .Run()
          .WithContext("store audit checkpoint at size " + std::to_string(c.tree_size)));
  return c;
}

Result<std::vector<Hash>> AuditLog::LeafHashes(uint64_t count) {
  QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("SELECT idx, leaf_hash FROM audit_entries WHERE idx < ? "
                                                   "ORDER BY idx"));
  st.Bind(1, static_cast<int64_t>(count));
  std::vector<Hash> out;
  out.reserve(count);
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    if (static_cast<uint64_t>(st.ColumnInt(0)) != out.size()) {
      return Status::Corrupt(Index(out.size()) + " is missing");
    }
    out.push_back(ToHash(st.ColumnBlob(1)));
  }
  if (out.size() != count)
    return Status::Corrupt("audit log has " + std::to_string(out.size()) + " entries, not " + std::to_string(count));
  return out;
}

Result<Hash> AuditLog::RootAt(uint64_t size) {
  QOIMA_ASSIGN_OR_RETURN(std::vector<Hash> leaves, LeafHashes(size));
  return MerkleRoot(leaves);
}

Result<InclusionProof> AuditLog::ProveInclusion(uint64_t index, uint64_t tree_size) {
  if (tree_size == 0) { QOIMA_ASSIGN_OR_RETURN(tree_size, Size()); }
  if (index >= tree_size) {
    return Status::InvalidArgument("inclusion proof: " + Index(index) + " is not in a tree of size " +
                                   std::to_string(tree_size));
  }
  QOIMA_ASSIGN_OR_RETURN(std::vector<Hash> leaves, LeafHashes(tree_size));
  InclusionProof p;
  p.index = index;
  p.tree_size = tree_size;
  p.leaf_hash = leaves[index];
  p.root = MerkleRoot(leaves);
  p.path = MerkleInclusionProof(leaves, index);
  return p;
}

Result<std::vector<Hash>> AuditLog::ProveConsistency(uint64_t m, uint64_t n) {
  if (m == 0 || m > n) {
    return Status::InvalidArgument("consistency proof: sizes " + std::to_string(m) + " and " + std::to_string(n) +
                                   " are not 0 < m <= n");
  }
  QOIMA_ASSIGN_OR_RETURN(std::vector<Hash> leaves, LeafHashes(n));
  return MerkleConsistencyProof(leaves, m);
}

Result<AuditVerifyReport> AuditLog::Verify(const AuditVerifyOptions& options) {
  AuditVerifyReport report;
  QOIMA_ASSIGN_OR_RETURN(std::vector<AuditCheckpoint> checkpoints, Checkpoints());
  std::map<uint64_t, const AuditCheckpoint*> by_size;
  for (const AuditCheckpoint& c : checkpoints) by_size[c.tree_size] = &c;
  report.checkpoints = checkpoints.size();

  std::vector<std::string> trusted_fingerprints;
  for (const std::string& pem : options.trusted_keys_pem) {
    QOIMA_ASSIGN_OR_RETURN(std::string fp, crypto::PublicKeyFingerprint(pem));
    trusted_fingerprints.push_back(fp);
  }
  std::map<std::string, uint64_t> retired;  // fingerprint -> largest tree size it may have signed
  for (const RetiredKey& k : options.retired_keys) {
    QOIMA_ASSIGN_OR_RETURN(std::string fp, crypto::PublicKeyFingerprint(k.pem));
    retired[fp] = std::max(retired[fp], k.valid_up_to);
  }
  const bool check_trust = !trusted_fingerprints.empty() || !retired.empty();
  if (!check_trust) {
    report.notes.push_back(
        "no trusted key given: checkpoint signatures were checked against the key embedded in "
        "each checkpoint only");
  }

  auto fail = [&report](std::optional<uint64_t> index, std::string problem) {
    report.first_bad_index = index;
    report.problem = std::move(problem);
    return report;
  };

  // Checkpoint signatures first: they do not depend on the entries.
  for (const AuditCheckpoint& c : checkpoints) {
    std::string where = "checkpoint at size " + std::to_string(c.tree_size) + " (" + c.time + ")";
    Result<std::string> fp = crypto::PublicKeyFingerprint(c.public_key_pem);
    if (!fp.ok()) return fail(std::nullopt, where + ": public key does not parse: " + fp.status().message());
    if (*fp != c.key_fingerprint) return fail(std::nullopt, where + ": key fingerprint does not match its key");
    if (check_trust &&
        std::find(trusted_fingerprints.begin(), trusted_fingerprints.end(), *fp) == trusted_fingerprints.end()) {
      auto r = retired.find(*fp);
      if (r == retired.end()) return fail(std::nullopt, where + ": signed by untrusted key " + *fp);
      if (c.tree_size > r->second) {
        return fail(std::nullopt, where + ": signed by the earlier device key " + *fp +
                                      " after the key recovery that replaced it (audit entry " +
                                      std::to_string(r->second) + ")");
      }
    }
    Status sig = crypto::VerifySignature(c.public_key_pem, CheckpointDigest(c), c.signature);
    if (!sig.ok()) return fail(std::nullopt, where + ": signature does not verify (" + sig.message() + ")");
  }

  QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("SELECT idx, time, actor, role, action, object, outcome, reason, "
                                                   "leaf_hash, root_after FROM audit_entries ORDER BY idx"));
  MerkleAccumulator acc;
  uint64_t last_checkpoint = 0;
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    uint64_t expected = acc.size();
    int64_t idx = st.ColumnInt(0);
    if (idx < 0 || static_cast<uint64_t>(idx) != expected) {
      return fail(expected, Index(expected) + " is missing (the next stored entry is " + std::to_string(idx) +
                                "): entries were removed");
    }
    AuditEvent e{st.ColumnText(1), st.ColumnText(2), st.ColumnText(3), st.ColumnText(4),
                 st.ColumnText(5), st.ColumnText(6), st.ColumnText(7)};
    Hash leaf = MerkleLeafHash(AuditLeafData(e));
    if (st.ColumnBlob(8) != std::vector<uint8_t>(leaf.begin(), leaf.end())) {
      return fail(expected, Index(expected) + " (" + e.time + " " + e.actor + " " + e.action + " " + e.object +
                                "): contents do not match its leaf hash: the entry was edited");
    }
    acc.Append(leaf);
    Hash root = acc.Root();
    if (st.ColumnBlob(9) != std::vector<uint8_t>(root.begin(), root.end())) {
      return fail(expected, Index(expected) + " (" + e.time + " " + e.actor + " " + e.action + " " + e.object +
                                "): tree root after it does not match: an entry up to here was edited, "
                                "removed, inserted or reordered");
    }
    if (options.visit) QOIMA_RETURN_IF_ERROR(options.visit(expected, e));
    auto cp = by_size.find(acc.size());
    if (cp != by_size.end()) {
      if (cp->second->root != root) {
        return fail(last_checkpoint, "checkpoint at size " + std::to_string(acc.size()) + " (" + cp->second->time +
                                         "): signed root does not match entries " + std::to_string(last_checkpoint) +
                                         ".." + std::to_string(acc.size() - 1) +
                                         ": the history since the previous checkpoint was rewritten");
      }
      last_checkpoint = acc.size();
    }
  }
  report.entries = acc.size();
  if (!by_size.empty() && by_size.rbegin()->first > acc.size()) {
    return fail(acc.size(), "checkpoint at size " + std::to_string(by_size.rbegin()->first) + " but the log has " +
                                std::to_string(acc.size()) + " entries: entries at the end were removed");
  }
  QOIMA_ASSIGN_OR_RETURN(MerkleAccumulator state, LoadState());
  if (state.size() != acc.size() || state.Root() != acc.Root()) {
    return fail(std::min(state.size(), acc.size()), "audit_state (size " + std::to_string(state.size()) +
                                                        ") does not match the " + std::to_string(acc.size()) +
                                                        " stored entries");
  }
  if (checkpoints.empty() && acc.size() > 0) report.notes.push_back("no signed checkpoint yet");
  if (!checkpoints.empty() && checkpoints.back().tree_size < acc.size()) {
    report.notes.push_back(std::to_string(acc.size() - checkpoints.back().tree_size) +
                           " entries after the last signed checkpoint");
  }
  return report;
}

}  // namespace qoima::storage
