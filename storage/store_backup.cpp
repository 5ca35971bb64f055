// Store::Backup / Store::Restore (`qoima backup DIR`, `qoima restore DIR`).
// Format: docs/storage.md ("Backup format").
#include <algorithm>
#include <cstring>
#include <sstream>

#include "storage/migrations.h"
#include "storage/store.h"

namespace qoima::storage {
namespace {

constexpr std::string_view kManifestMagic = "qoima-backup-v1";
/// A manifest line is ~150 bytes; this allows several million objects.
constexpr uint64_t kMaxManifestBytes = 1ull << 30;
constexpr uint64_t kMaxSignatureBytes = 1024;
constexpr uint64_t kMaxPemBytes = 64 * 1024;

bool IsHexOf(std::string_view s, size_t len) {
  return s.size() == len &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

/// Copies `from` to the new file `to`, returning the SHA-256 and size of the bytes.
Result<std::pair<crypto::Sha256Digest, uint64_t>> CopyAndHash(Env& env, const std::string& from,
                                                              const std::string& to) {
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> in, env.NewSequentialFile(from));
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> out, env.NewWritableFile(to));
  crypto::Sha256 sha;
  uint64_t size = 0;
  std::vector<uint8_t> buf(256 * 1024);
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(size_t n, in->Read(buf));
    if (n == 0) break;
    std::span<const uint8_t> chunk(buf.data(), n);
    sha.Update(chunk);
    size += n;
    QOIMA_RETURN_IF_ERROR(out->Append(chunk));
  }
  QOIMA_RETURN_IF_ERROR(out->Sync());
  QOIMA_RETURN_IF_ERROR(out->Close());
  return std::make_pair(sha.Finish(), size);
}

Result<std::string> ReadSmallFile(Env& env, const std::string& path, uint64_t limit) {
  QOIMA_ASSIGN_OR_RETURN(uint64_t size, env.FileSize(path));
  if (size > limit) {
    return Status::LimitExceeded(path + " is " + std::to_string(size) + " bytes, limit " + std::to_string(limit));
  }
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> in, env.NewSequentialFile(path));
  std::string out;
  std::vector<uint8_t> buf(64 * 1024);
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(size_t n, in->Read(buf));
    if (n == 0) break;
    out.append(reinterpret_cast<const char*>(buf.data()), n);
    if (out.size() > limit) return Status::LimitExceeded(path + " grew beyond " + std::to_string(limit) + " bytes");
  }
  return out;
}

Status WriteSmallFile(Env& env, const std::string& path, std::string_view content) {
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> out, env.NewWritableFile(path));
  QOIMA_RETURN_IF_ERROR(
      out->Append(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(content.data()), content.size())));
  QOIMA_RETURN_IF_ERROR(out->Sync());
  return out->Close();
}

struct ManifestEntry {
  std::string sha256_hex;
  uint64_t size = 0;
  std::string rel_path;  // "meta.db" or "objects/ab/<64 hex>"
};

struct Manifest {
  std::string created;
  int schema = 0;
  uint64_t audit_size = 0;
  std::string audit_root_hex;
  std::string signer_fingerprint;
  std::vector<ManifestEntry> files;
};

/// Parses the manifest text (untrusted until the signature checks, and even
/// then paths are confined to the layout).
Result<Manifest> ParseManifest(const std::string& text, const std::string& where) {
  Manifest m;
  std::istringstream in(text);
  std::string line;
  size_t line_no = 0;
  auto bad = [&](const std::string& why) {
    return Status::Corrupt(where + " line " + std::to_string(line_no) + ": " + why);
  };
  bool have_db = false;
  while (std::getline(in, line)) {
    ++line_no;
    if (line_no == 1) {
      if (line != kManifestMagic)
        return bad("not a qoima backup manifest (expected '" + std::string(kManifestMagic) + "')");
      continue;
    }
    std::istringstream ls(line);
    std::string key;
    ls >> key;
    if (key == "created") {
      ls >> m.created;
    } else if (key == "schema") {
      ls >> m.schema;
    } else if (key == "audit-size") {
      ls >> m.audit_size;
    } else if (key == "audit-root") {
      ls >> m.audit_root_hex;
      if (!IsHexOf(m.audit_root_hex, 64)) return bad("audit-root is not 64 hex digits");
    } else if (key == "signer") {
      ls >> m.signer_fingerprint;
    } else if (key == "file") {
      ManifestEntry e;
      ls >> e.sha256_hex >> e.size >> e.rel_path;
      if (ls.fail() || !IsHexOf(e.sha256_hex, 64)) return bad("malformed file line");
      bool is_db = e.rel_path == "meta.db";
      bool is_object = e.rel_path.size() == 8 + 2 + 1 + 64 && e.rel_path.compare(0, 8, "objects/") == 0 &&
                       IsHexOf(e.rel_path.substr(8, 2), 2) && e.rel_path[10] == '/' &&
                       IsHexOf(e.rel_path.substr(11), 64) && e.rel_path.compare(11, 2, e.rel_path, 8, 2) == 0;
      if (!is_db && !is_object) return bad("path '" + e.rel_path + "' is outside the backup layout");
      have_db = have_db || is_db;
      m.files.push_back(std::move(e));
    } else if (!key.empty()) {
      return bad("unknown key '" + key + "'");
    }
  }
  if (line_no == 0) return Status::Corrupt(where + ": empty");
  if (!have_db) return Status::Corrupt(where + ": lists no meta.db");
  return m;
}

}  // namespace

Status Store::Backup(const std::string& dir, const Actor& actor) {
  Env& env = *env_;
  std::string partial = dir + ".partial";
  if (env.FileExists(dir)) return Status::AlreadyExists("backup: " + dir + " exists already");
  if (env.FileExists(partial)) {
    return Status::AlreadyExists("backup: " + partial + " exists (an interrupted backup?); remove it first");
  }
  auto run = [&]() -> Status {
    QOIMA_RETURN_IF_ERROR(env.CreateDir(partial));
    QOIMA_RETURN_IF_ERROR(env.CreateDir(partial + "/objects"));
    Manifest m;
    m.created = clock_->NowUtc();
    struct ObjectFile {
      std::string name;
      uint64_t size = 0;  // a pack: where its last object ends
      bool pack = false;
    };
    std::vector<ObjectFile> objects;
    {
      crypto::SecretBytes key = keys_->SqlcipherKey();
      QOIMA_ASSIGN_OR_RETURN(Database dest, Database::Open(partial + "/meta.db", key.span()));
      QOIMA_RETURN_IF_ERROR(db_.BackupTo(dest));
      // One self-contained file: no -wal beside it.
      QOIMA_RETURN_IF_ERROR(dest.QueryText("PRAGMA journal_mode = DELETE;").status());
      QOIMA_ASSIGN_OR_RETURN(int64_t schema, dest.QueryInt("PRAGMA user_version;"));
      m.schema = static_cast<int>(schema);
      QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<AuditLog> log, AuditLog::Create(dest));
      QOIMA_ASSIGN_OR_RETURN(m.audit_size, log->Size());
      QOIMA_ASSIGN_OR_RETURN(Hash root, log->Root());
      m.audit_root_hex = crypto::Hex(root);
      // The files under objects/: packs (their extent is the end of their
      // last object) and objects in files of their own.
      QOIMA_ASSIGN_OR_RETURN(Statement st,
                             dest.Prepare("SELECT name, sealed_size, 0 FROM objects WHERE pack_id IS NULL UNION ALL "
                                          "SELECT p.name, max(o.pack_offset + o.sealed_size), 1 FROM objects o JOIN "
                                          "packs p ON p.id = o.pack_id GROUP BY p.id ORDER BY 1"));
      for (;;) {
        QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        objects.push_back({st.ColumnText(0), static_cast<uint64_t>(st.ColumnInt(1)), st.ColumnInt(2) != 0});
      }
    }
    {
      // Hash the database copy as it is on disk.
      QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> in, env.NewSequentialFile(partial + "/meta.db"));
      crypto::Sha256 sha;
      uint64_t size = 0;
      std::vector<uint8_t> buf(256 * 1024);
      for (;;) {
        QOIMA_ASSIGN_OR_RETURN(size_t n, in->Read(buf));
        if (n == 0) break;
        sha.Update(std::span<const uint8_t>(buf.data(), n));
        size += n;
      }
      m.files.push_back(ManifestEntry{crypto::Hex(sha.Finish()), size, "meta.db"});
    }
    std::set<std::string> made;
    for (const auto& [name, sealed, pack] : objects) {
      std::string sub = partial + "/objects/" + name.substr(0, 2);
      if (made.insert(sub).second) QOIMA_RETURN_IF_ERROR(env.CreateDir(sub));
      QOIMA_ASSIGN_OR_RETURN(auto hs, CopyAndHash(env, ObjectPath(name), sub + "/" + name));
      // A pack may hold dead bytes past its last object (a partial object
      // that could not be cut off); never fewer than its objects need.
      if (hs.second < sealed || (hs.second != sealed && !pack)) {
        return Status::Corrupt("backup: object file " + name + " is " + std::to_string(hs.second) +
                               " bytes, the database says " + std::to_string(sealed) + ": run verify-store");
      }
      m.files.push_back({crypto::Hex(hs.first), hs.second, "objects/" + name.substr(0, 2) + "/" + name});
    }
    crypto::Signer& signer = keys_->signer();
    m.signer_fingerprint = signer.Fingerprint();
    std::string text = std::string(kManifestMagic) + "\ncreated " + m.created + "\nschema " + std::to_string(m.schema) +
                       "\naudit-size " + std::to_string(m.audit_size) + "\naudit-root " + m.audit_root_hex +
                       "\nsigner " + m.signer_fingerprint + "\n";
    for (const ManifestEntry& e : m.files) {
      text += "file " + e.sha256_hex + " " + std::to_string(e.size) + " " + e.rel_path + "\n";
    }
    QOIMA_ASSIGN_OR_RETURN(std::vector<uint8_t> sig, signer.SignDigest(crypto::Sha256::Digest(text)));
    QOIMA_RETURN_IF_ERROR(WriteSmallFile(env, partial + "/backup.manifest", text));
    QOIMA_RETURN_IF_ERROR(WriteSmallFile(env, partial + "/backup.sig",
                                         std::string_view(reinterpret_cast<const char*>(sig.data()), sig.size())));
    QOIMA_RETURN_IF_ERROR(WriteSmallFile(env, partial + "/backup.pub.pem", signer.PublicKeyPem()));
    for (const std::string& sub : made) QOIMA_RETURN_IF_ERROR(env.SyncDir(sub));
    QOIMA_RETURN_IF_ERROR(env.SyncDir(partial + "/objects"));
    QOIMA_RETURN_IF_ERROR(env.SyncDir(partial));
    QOIMA_RETURN_IF_ERROR(env.Rename(partial, dir));
    QOIMA_RETURN_IF_ERROR(env.SyncDir(ParentDir(dir)));
    return Record(actor, "store.backup", "store", "success",
                  "to " + dir + ": " + std::to_string(objects.size()) + " object files, audit size " +
                      std::to_string(m.audit_size) + " root " + m.audit_root_hex)
        .status();
  };
  Status s = run();
  if (!s.ok()) {
    (void)RemoveTree(env, partial);
    (void)Record(actor, "store.backup", "store", "failure", s.message());
    return s.WithContext("backup to " + dir);
  }
  return s;
}

Status Store::Restore(const std::string& backup_dir, const std::string& state_dir, StoreKeys& keys,
                      const StoreOptions& options) {
  Env& env = options.env ? *options.env : Env::Default();
  std::string where = "restore " + backup_dir;
  if (env.FileExists(state_dir)) {
    QOIMA_ASSIGN_OR_RETURN(std::vector<std::string> present, env.ListDir(state_dir));
    if (!present.empty()) {
      return Status::FailedPrecondition(where + ": " + state_dir + " is not empty; restore only into an empty place");
    }
  }
  QOIMA_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(env, backup_dir + "/backup.manifest", kMaxManifestBytes));
  QOIMA_ASSIGN_OR_RETURN(std::string sig, ReadSmallFile(env, backup_dir + "/backup.sig", kMaxSignatureBytes));
  QOIMA_ASSIGN_OR_RETURN(std::string pem, ReadSmallFile(env, backup_dir + "/backup.pub.pem", kMaxPemBytes));
  Status sig_ok =
      crypto::VerifySignature(pem, crypto::Sha256::Digest(text),
                              std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(sig.data()), sig.size()));
  if (!sig_ok.ok()) return Status::Corrupt(where + ": manifest signature does not verify: " + sig_ok.message());
  QOIMA_ASSIGN_OR_RETURN(Manifest m, ParseManifest(text, backup_dir + "/backup.manifest"));
  QOIMA_ASSIGN_OR_RETURN(std::string fp, crypto::PublicKeyFingerprint(pem));
  if (fp != m.signer_fingerprint) return Status::Corrupt(where + ": manifest names another signer than backup.pub.pem");

  std::string staging = state_dir + ".restore-partial";
  QOIMA_RETURN_IF_ERROR(RemoveTree(env, staging));
  auto run = [&]() -> Status {
    QOIMA_RETURN_IF_ERROR(env.CreateDir(staging));
    QOIMA_RETURN_IF_ERROR(env.CreateDir(staging + "/objects"));
    std::set<std::string> made;
    for (const ManifestEntry& e : m.files) {
      size_t slash = e.rel_path.find_last_of('/');
      if (slash != std::string::npos) {
        std::string sub = staging + "/" + e.rel_path.substr(0, slash);
        if (made.insert(sub).second) QOIMA_RETURN_IF_ERROR(env.CreateDir(sub));
      }
      QOIMA_ASSIGN_OR_RETURN(auto hs, CopyAndHash(env, backup_dir + "/" + e.rel_path, staging + "/" + e.rel_path));
      if (crypto::Hex(hs.first) != e.sha256_hex || hs.second != e.size) {
        return Status::Corrupt("backup file " + e.rel_path + " differs from the manifest (SHA-256 or size)");
      }
    }
    for (const std::string& sub : made) QOIMA_RETURN_IF_ERROR(env.SyncDir(sub));
    QOIMA_RETURN_IF_ERROR(env.SyncDir(staging + "/objects"));
    {
      // The backup's checkpoints carry counter values of its day: older than
      // the TPM's counter by design. It is bound anew once it has verified.
      StoreOptions check = options;
      check.checkpoint_on_open = false;
      check.defer_counter_binding = true;
      QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<Store> restored, Store::Open(staging, keys, check));
      const OpenReport& opened = restored->open_report();
      if (opened.orphan_objects_removed + opened.quarantined_files > 0) {
        return Status::Corrupt("backup holds " +
                               std::to_string(opened.orphan_objects_removed + opened.quarantined_files) +
                               " object files its database does not name");
      }
      QOIMA_ASSIGN_OR_RETURN(Hash root, restored->audit().RootAt(m.audit_size));
      if (crypto::Hex(root) != m.audit_root_hex) {
        return Status::Corrupt("the restored audit log's root at size " + std::to_string(m.audit_size) +
                               " differs from the manifest's");
      }
      QOIMA_ASSIGN_OR_RETURN(ScrubReport scrub, restored->VerifyStore());
      if (!scrub.ok()) return Status::Corrupt("the restored store does not verify: " + scrub.problems[0].message);
      std::vector<std::string> trusted{pem};
      QOIMA_ASSIGN_OR_RETURN(AuditVerifyReport audit, restored->VerifyAudit(trusted));
      if (!audit.ok()) return Status::Corrupt("the restored audit log does not verify: " + audit.problem);
      QOIMA_RETURN_IF_ERROR(restored
                                ->Record(Actor{"system", "system"}, "store.restore", "store", "success",
                                         "from " + backup_dir + " created " + m.created + ", audit size " +
                                             std::to_string(m.audit_size) + ", signer " + m.signer_fingerprint)
                                .status());
      // Deliberately back in time, and said so: events after the backup are
      // not in this store, and a witnessed checkpoint from after it no
      // longer verifies against the log (audit verify --since).
      QOIMA_RETURN_IF_ERROR(restored->BindRollbackCounter(
          "restored from the backup created " + m.created + " (audit size " + std::to_string(m.audit_size) +
          "): whatever the appliance recorded after that backup is not in this store"));
    }
    (void)env.RemoveFile(staging + "/lock");
    if (env.FileExists(state_dir)) QOIMA_RETURN_IF_ERROR(env.RemoveDir(state_dir));
    QOIMA_RETURN_IF_ERROR(env.SyncDir(staging));
    QOIMA_RETURN_IF_ERROR(env.Rename(staging, state_dir));
    return env.SyncDir(ParentDir(state_dir));
  };
  Status s = run();
  if (!s.ok()) {
    (void)RemoveTree(env, staging);
    return s.WithContext(where);
  }
  return Status::Ok();
}

}  // namespace qoima::storage
