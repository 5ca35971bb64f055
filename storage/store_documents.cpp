// Documents kept with a deposit that are not its files: a security test's
// reports (003 cl.17(5), 18). Each is sealed with the deposit's data key as
// the one object of a pack of its own, so it is read only through an audited
// call, re-read by verify-store and crypto-shredded with the deposit.
#include <algorithm>
#include <set>

#include "crypto/aead.h"
#include "storage/store.h"

namespace qoima::storage {
namespace {

std::string DepositLabel(int64_t id) { return "deposit:" + std::to_string(id); }

}  // namespace

Result<uint64_t> Store::WriteDocumentPack(const crypto::DataKey& key, const std::string& pack,
                                          std::span<const uint8_t> bytes, crypto::Sha256Digest* sha256) {
  QOIMA_RETURN_IF_ERROR(EnsureFanoutDir(pack));
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, env_->NewWritableFile(ObjectPath(pack)));
  uint64_t sealed = 0;
  QOIMA_ASSIGN_OR_RETURN(
      std::unique_ptr<crypto::AeadSealer> sealer,
      crypto::AeadSealer::Create(key, PackedObjectName(pack, 0), [&](std::span<const uint8_t> out) -> Status {
        sealed += out.size();
        return file->Append(out);
      }));
  QOIMA_RETURN_IF_ERROR(sealer->Update(bytes));
  QOIMA_RETURN_IF_ERROR(sealer->Finish());
  QOIMA_RETURN_IF_ERROR(file->Sync());
  QOIMA_RETURN_IF_ERROR(file->Close());
  QOIMA_RETURN_IF_ERROR(env_->SyncDir(ObjectDir(pack)));
  *sha256 = crypto::Sha256::Digest(bytes);
  return sealed;
}

Status Store::SealDocuments(int64_t deposit_id, const std::vector<std::span<const uint8_t>>& documents,
                            const SealedDocumentsHook& record) {
  const std::string where = "seal documents with " + DepositLabel(deposit_id);
  if (documents.size() > kMaxSealedDocuments) {
    return Status::LimitExceeded(where + ": " + std::to_string(documents.size()) + " documents, at most " +
                                 std::to_string(kMaxSealedDocuments) + " at once");
  }
  for (size_t i = 0; i < documents.size(); ++i) {
    if (documents[i].size() > kMaxSealedDocumentBytes) {
      return Status::LimitExceeded(where + ": document " + std::to_string(i + 1) + " is " +
                                   std::to_string(documents[i].size()) + " bytes, at most " +
                                   std::to_string(kMaxSealedDocumentBytes));
    }
  }
  QOIMA_ASSIGN_OR_RETURN(std::shared_ptr<const crypto::DataKey> key, DepositKeyFor(deposit_id));
  std::string token;
  int64_t packs_before = 0;
  {
    QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("SELECT token, (SELECT count(*) FROM packs WHERE deposit_id = "
                                                     "?1) FROM deposits WHERE id = ?1"));
    st.Bind(1, deposit_id);
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row && !st.ColumnIsNull(0)) token = st.ColumnText(0);
    if (row) packs_before = st.ColumnInt(1);
  }
  if (token.empty()) {
    return Status::FailedPrecondition(where + ": the deposit has no journal token (written before schema 2)");
  }
  // The next pack numbers of the deposit: after its own packs, skipping a
  // name a row or a file already has.
  QOIMA_ASSIGN_OR_RETURN(Statement named, db_.Prepare("SELECT count(*) FROM packs WHERE name = ?"));
  std::vector<std::pair<uint64_t, std::string>> packs;
  for (uint64_t k = static_cast<uint64_t>(packs_before); packs.size() < documents.size(); ++k) {
    std::string name = PackName(token, k);
    named.Bind(1, name);
    QOIMA_ASSIGN_OR_RETURN(bool row, named.Step());
    const bool taken = row && named.ColumnInt(0) != 0;
    named.Reset();
    if (!taken && !env_->FileExists(ObjectPath(name))) packs.emplace_back(k, std::move(name));
  }
  // Journaled before any pack exists: whatever happens next, the next
  // Open() can account for each of them.
  const bool journaled = !packs.empty();
  if (journaled) QOIMA_RETURN_IF_ERROR(WriteJournal(token, packs).WithContext(where));
  std::vector<std::string> created;
  auto undo = [&](Status failed) -> Status {
    if (journaled && RemoveObjects(created).ok()) (void)env_->RemoveFile(JournalPath(token));
    return failed.WithContext(where);
  };
  std::vector<SealedDocument> sealed(documents.size());
  std::vector<uint64_t> sealed_sizes(documents.size());
  for (size_t i = 0; i < documents.size(); ++i) {
    created.push_back(packs[i].second);
    Result<uint64_t> n = WriteDocumentPack(*key, packs[i].second, documents[i], &sealed[i].sha256);
    if (!n.ok()) return undo(n.status());
    sealed_sizes[i] = *n;
    sealed[i].object_name = PackedObjectName(packs[i].second, 0);
    sealed[i].size = documents[i].size();
  }
  auto rows = [&]() -> Status {
    QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
    QOIMA_ASSIGN_OR_RETURN(Statement pack_row, db_.Prepare("INSERT INTO packs(deposit_id, name) VALUES(?,?)"));
    QOIMA_ASSIGN_OR_RETURN(Statement object_row,
                           db_.Prepare("INSERT INTO objects(deposit_id, name, plain_size, sealed_size, sha256, "
                                       "pack_id, pack_offset) VALUES(?,?,?,?,?,?,0)"));
    for (size_t i = 0; i < documents.size(); ++i) {
      QOIMA_RETURN_IF_ERROR(pack_row.Bind(1, deposit_id).Bind(2, packs[i].second).Run());
      const int64_t pack_id = db_.LastInsertRowid();
      QOIMA_RETURN_IF_ERROR(object_row.Bind(1, deposit_id)
                                .Bind(2, sealed[i].object_name)
                                .Bind(3, static_cast<int64_t>(sealed[i].size))
                                .Bind(4, static_cast<int64_t>(sealed_sizes[i]))
                                .BindBlob(5, sealed[i].sha256)
                                .Bind(6, pack_id)
                                .Run());
      sealed[i].object_id = db_.LastInsertRowid();
    }
    QOIMA_RETURN_IF_ERROR(record(sealed));
    return tx.Commit();
  };
  if (Status s = rows(); !s.ok()) return undo(s);
  if (journaled) (void)env_->RemoveFile(JournalPath(token));  // the rows account for the packs now
  return Status::Ok();
}

Status Store::ReadDocument(int64_t deposit_id, int64_t object_id, const Actor& actor, std::string_view action,
                           std::string_view audit_object, std::string_view reason, const crypto::ByteSink& sink) {
  QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("SELECT o.name, coalesce(p.name, ''), coalesce(o.pack_offset, 0), "
                                                   "o.sealed_size, o.plain_size, o.sha256 FROM objects o LEFT JOIN "
                                                   "packs p ON p.id = o.pack_id WHERE o.id = ? AND o.deposit_id = ?"));
  st.Bind(1, object_id).Bind(2, deposit_id);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) {
    Status gone = Status::FailedPrecondition(DepositLabel(deposit_id) + " holds no object " +
                                             std::to_string(object_id) + ": it was destroyed with the deposit");
    Result<DepositInfo> d = GetDeposit(deposit_id);
    if (d.ok() && d->state == "committed") {
      gone = Status::Corrupt(DepositLabel(deposit_id) + " holds no object " + std::to_string(object_id) +
                             ": its row was removed");
    }
    (void)Record(actor, action, audit_object, "failure", gone.message());
    return gone;
  }
  ObjectPlace place{st.ColumnText(0), st.ColumnText(1), static_cast<uint64_t>(st.ColumnInt(2)),
                    static_cast<uint64_t>(st.ColumnInt(3))};
  const auto size = static_cast<uint64_t>(st.ColumnInt(4));
  const std::vector<uint8_t> digest = st.ColumnBlob(5);
  crypto::Sha256Digest sha256{};
  if (digest.size() == sha256.size()) std::copy(digest.begin(), digest.end(), sha256.begin());
  st.Reset();
  Result<std::shared_ptr<const crypto::DataKey>> key = DepositKeyFor(deposit_id);
  if (!key.ok()) {
    (void)Record(actor, action, audit_object, "failure", key.status().message());
    return key.status();
  }
  QOIMA_RETURN_IF_ERROR(Record(actor, action, audit_object, "success", reason).status());
  Status s = ReadObject(**key, place, size, sha256, sink);
  if (!s.ok()) (void)Record(actor, action, audit_object, "failure", s.message());
  return s.WithContext("read " + std::string(audit_object));
}

Status Store::SealReportsKeptInDatabase() {
  struct Kept {
    int64_t id = 0;
    int64_t deposit_id = 0;
    std::string name;
    bool destroyed = false;
  };
  std::vector<Kept> kept;
  {
    QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("SELECT r.id, t.deposit_id, r.name, d.state FROM "
                                                     "security_test_reports r JOIN security_tests t ON t.id = "
                                                     "r.test_id JOIN deposits d ON d.id = t.deposit_id WHERE "
                                                     "r.content IS NOT NULL ORDER BY r.id"));
    for (;;) {
      QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      kept.push_back({st.ColumnInt(0), st.ColumnInt(1), st.ColumnText(2), st.ColumnText(3) != "committed"});
    }
  }
  if (kept.empty()) return Status::Ok();
  uint64_t sealed = 0, cleared = 0;
  std::string failures;
  for (const Kept& k : kept) {
    if (k.destroyed) {
      // The version was destroyed while its report stayed in the database:
      // the destruction's tombstone accounts for it, and it goes now.
      QOIMA_ASSIGN_OR_RETURN(Statement clear,
                             db_.Prepare("UPDATE security_test_reports SET content = NULL WHERE id = ?"));
      QOIMA_RETURN_IF_ERROR(clear.Bind(1, k.id).Run());
      ++cleared;
      continue;
    }
    std::vector<uint8_t> bytes;
    {
      QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("SELECT content FROM security_test_reports WHERE id = ?"));
      st.Bind(1, k.id);
      QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
      if (row) bytes = st.ColumnBlob(0);
    }
    Status s = SealDocuments(
        k.deposit_id, {std::span<const uint8_t>(bytes)}, [&](const std::vector<SealedDocument>& docs) -> Status {
          QOIMA_ASSIGN_OR_RETURN(Statement move, db_.Prepare("UPDATE security_test_reports SET object_id = ?, "
                                                             "content = NULL WHERE id = ?"));
          return move.Bind(1, docs.at(0).object_id).Bind(2, k.id).Run();
        });
    if (s.ok()) {
      ++sealed;
    } else {
      failures += "; report " + k.name + " of " + DepositLabel(k.deposit_id) + " stays in the database: " + s.message();
    }
  }
  std::string reason = "sealed " + std::to_string(sealed) +
                       " security-test report file(s) kept in the database as objects of their versions' deposits";
  if (cleared > 0) reason += "; cleared " + std::to_string(cleared) + " of versions already destroyed";
  if (cleared > 0) {
    // The cleared bytes leave the WAL for the main file, where
    // secure_delete zeroed them.
    QOIMA_RETURN_IF_ERROR(db_.Exec("PRAGMA wal_checkpoint(TRUNCATE);"));
  }
  return Record({"system", "system"}, "store.seal_reports", "store", failures.empty() ? "success" : "failure",
                reason + failures)
      .status();
}

}  // namespace qoima::storage
