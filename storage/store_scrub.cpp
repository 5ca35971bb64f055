// Store::VerifyStore (`qoima verify-store`): the scrub.
#include <algorithm>
#include <cstring>
#include <filesystem>

#include "storage/store.h"

namespace qoima::storage {
namespace {

std::string D(int64_t id) { return "deposit " + std::to_string(id); }

bool IsHex(std::string_view s, size_t len) {
  return s.size() == len &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

/// A deposit row as the scrub checks it.
struct DepositRow {
  int64_t id;
  std::string state;
  bool has_key;
  uint64_t file_count;
  uint64_t total_bytes;
  std::vector<uint8_t> manifest;
  std::optional<int64_t> audit_index;
};

/// Where one packed object lies, 32 bytes: the deposit's objects are sorted
/// by place to find bytes no row claims and rows that overlap.
struct PackedExtent {
  int64_t pack_id;
  uint64_t offset;
  uint64_t sealed_size;
  int64_t object_id;
};

}  // namespace

// The scrub's phases. Memory stays bounded whatever the store holds: rows
// are streamed from the database in index order (a deposit's files by path
// through UNIQUE(deposit_id, path), its objects by id through
// objects_deposit); only a deposit's packed extents (32 bytes an object) are
// held, to be sorted. Problems go to the report.
class StoreScrub {
 public:
  explicit StoreScrub(Store& store) : s_(store) {}

  Result<ScrubReport> Run() {
    QOIMA_RETURN_IF_ERROR(CheckDatabase());
    QOIMA_ASSIGN_OR_RETURN(std::vector<DepositRow> deposits, Deposits());
    for (const DepositRow& d : deposits) QOIMA_RETURN_IF_ERROR(CheckDeposit(d));
    QOIMA_RETURN_IF_ERROR(CheckStrayDigests());
    QOIMA_RETURN_IF_ERROR(CheckUnclaimedObjects());
    QOIMA_RETURN_IF_ERROR(CheckQuarantine());
    return std::move(report_);
  }

 private:
  void Problem(std::optional<int64_t> deposit, std::string message) {
    if (report_.problems.size() < kMaxListedScrubProblems)
      report_.problems.push_back(ScrubProblem{deposit, std::move(message)});
    else
      ++report_.problems_unlisted;
  }

  // 1. The database's own integrity.
  Status CheckDatabase() {
    QOIMA_ASSIGN_OR_RETURN(Statement st, s_.db_.Prepare("PRAGMA integrity_check(20)"));
    for (;;) {
      QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      std::string line = st.ColumnText(0);
      if (line != "ok") Problem(std::nullopt, "database integrity: " + line);
    }
    QOIMA_ASSIGN_OR_RETURN(Statement fk, s_.db_.Prepare("PRAGMA foreign_key_check"));
    for (;;) {
      QOIMA_ASSIGN_OR_RETURN(bool row, fk.Step());
      if (!row) break;
      Problem(std::nullopt, "database foreign keys: " + fk.ColumnText(0) + " row " + std::to_string(fk.ColumnInt(1)) +
                                " refers to a missing " + fk.ColumnText(2) + " row");
    }
    return Status::Ok();
  }

  // The deposit rows (one per deposit: a few thousand at most).
  Result<std::vector<DepositRow>> Deposits() {
    std::vector<DepositRow> deposits;
    QOIMA_ASSIGN_OR_RETURN(Statement st, s_.db_.Prepare("SELECT id, state, wrapped_key IS NOT NULL, file_count, "
                                                        "total_bytes, manifest_sha256, audit_index FROM deposits "
                                                        "ORDER BY id"));
    for (;;) {
      QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      deposits.push_back(DepositRow{st.ColumnInt(0), st.ColumnText(1), st.ColumnInt(2) != 0,
                                    static_cast<uint64_t>(st.ColumnInt(3)), static_cast<uint64_t>(st.ColumnInt(4)),
                                    st.ColumnBlob(5),
                                    st.ColumnIsNull(6) ? std::nullopt : std::optional<int64_t>(st.ColumnInt(6))});
    }
    return deposits;
  }

  // 2. Every deposit, its rows, its audit record and its objects.
  Status CheckDeposit(const DepositRow& d) {
    ++report_.deposits;
    if (d.state == "destroyed") return CheckDestroyed(d);
    QOIMA_RETURN_IF_ERROR(CheckFileRows(d));
    QOIMA_RETURN_IF_ERROR(CheckFileDigests(d));
    CheckAuditRecord(d);
    Result<std::shared_ptr<const crypto::DataKey>> key = s_.DepositKeyFor(d.id);
    if (!key.ok()) {
      Problem(d.id, D(d.id) + ": " + key.status().message());
      return Status::Ok();
    }
    QOIMA_RETURN_IF_ERROR(CheckPacks(d));
    QOIMA_RETURN_IF_ERROR(CheckDocuments(d));
    return CheckObjects(d, **key);
  }

  // The security-test reports sealed with the deposit (Store::SealDocuments):
  // each names an object of this deposit with its size and SHA-256; none is
  // left in the database.
  Status CheckDocuments(const DepositRow& d) {
    QOIMA_ASSIGN_OR_RETURN(
        Statement st,
        s_.db_.Prepare("SELECT r.name, r.size, r.sha256, r.object_id, r.content IS NOT NULL, o.id, o.plain_size, "
                       "o.sha256 FROM security_test_reports r JOIN security_tests t ON t.id = r.test_id LEFT JOIN "
                       "objects o ON o.id = r.object_id AND o.deposit_id = t.deposit_id WHERE t.deposit_id = ? "
                       "ORDER BY r.id"));
    st.Bind(1, d.id);
    for (;;) {
      QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      const std::string report = D(d.id) + ": security-test report " + st.ColumnText(0);
      if (st.ColumnInt(4) != 0) {
        Problem(d.id, report + " is still kept in the database, not sealed with the deposit");
      } else if (st.ColumnIsNull(3)) {
        Problem(d.id, report + " names no sealed object (a row was edited)");
      } else if (st.ColumnIsNull(5)) {
        Problem(d.id, report + " refers to object row " + std::to_string(st.ColumnInt(3)) +
                          " of another deposit or none (a row was removed or edited)");
      } else if (st.ColumnInt(6) != st.ColumnInt(1) || crypto::Hex(st.ColumnBlob(7)) != st.ColumnText(2)) {
        Problem(d.id, report + ": size or SHA-256 in its row differs from its object row (a row was edited)");
      }
    }
    return Status::Ok();
  }

  Result<int64_t> Count(const std::string& table, int64_t deposit) {
    return s_.db_.QueryInt("SELECT count(*) FROM " + table + " WHERE deposit_id = " + std::to_string(deposit));
  }

  // A destroyed deposit keeps its row and tombstone, and nothing else.
  Status CheckDestroyed(const DepositRow& d) {
    QOIMA_ASSIGN_OR_RETURN(int64_t tombstones, Count("tombstones", d.id));
    if (tombstones != 1) Problem(d.id, D(d.id) + " is marked destroyed but has no tombstone");
    if (d.has_key) Problem(d.id, D(d.id) + " is marked destroyed but still has a wrapped key");
    QOIMA_ASSIGN_OR_RETURN(int64_t objects, Count("objects", d.id));
    QOIMA_ASSIGN_OR_RETURN(int64_t files, Count("files", d.id));
    if (objects != 0 || files != 0) {
      Problem(d.id, D(d.id) + " is destroyed but still has " + std::to_string(objects) + " object rows and " +
                        std::to_string(files) + " file rows");
    }
    QOIMA_ASSIGN_OR_RETURN(int64_t packs, Count("packs", d.id));
    if (packs != 0) Problem(d.id, D(d.id) + " is destroyed but still has " + std::to_string(packs) + " pack rows");
    QOIMA_ASSIGN_OR_RETURN(int64_t kept,
                           s_.db_.QueryInt("SELECT count(*) FROM security_test_reports r JOIN security_tests t ON "
                                           "t.id = r.test_id WHERE r.content IS NOT NULL AND t.deposit_id = " +
                                           std::to_string(d.id)));
    if (kept != 0) {
      Problem(d.id, D(d.id) + " is destroyed but " + std::to_string(kept) +
                        " of its security-test reports are still kept in the database");
    }
    return Status::Ok();
  }

  // The file rows, in one pass by raw path: against the deposit row (count,
  // bytes, manifest digest, computed as the commit did) and each against
  // its object row.
  Status CheckFileRows(const DepositRow& d) {
    // BLOBs sort by memcmp, then length: PathLess, the commit's order.
    QOIMA_ASSIGN_OR_RETURN(
        Statement st,
        s_.db_.Prepare("SELECT f.path, f.size, f.sha256, f.display_path, f.object_id, o.id, o.plain_size, o.sha256, "
                       "o.name FROM files f LEFT JOIN objects o ON o.id = f.object_id AND o.deposit_id = f.deposit_id "
                       "WHERE f.deposit_id = ? ORDER BY f.path"));
    st.Bind(1, d.id);
    crypto::Sha256 h;
    uint64_t count = 0, bytes = 0;
    for (;;) {
      QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      const std::vector<uint8_t> path = st.ColumnBlob(0);
      const auto size = static_cast<uint64_t>(st.ColumnInt(1));
      const std::vector<uint8_t> sha = st.ColumnBlob(2);
      h.Update(crypto::Hex(sha) + " " + std::to_string(size) + " " + crypto::Hex(path) + "\n");
      ++count;
      bytes += size;
      if (st.ColumnIsNull(5)) {
        Problem(d.id, D(d.id) + ": file " + st.ColumnText(3) + " refers to object row " +
                          std::to_string(st.ColumnInt(4)) + " of another deposit or none");
      } else if (static_cast<uint64_t>(st.ColumnInt(6)) != size || st.ColumnBlob(7) != sha) {
        Problem(d.id, D(d.id) + ": file " + st.ColumnText(3) +
                          ": size or SHA-256 in its row differs from its object row " + st.ColumnText(8) +
                          ": a row was edited");
      }
    }
    crypto::Sha256Digest manifest = h.Finish();
    if (count != d.file_count || bytes != d.total_bytes ||
        std::vector<uint8_t>(manifest.begin(), manifest.end()) != d.manifest) {
      Problem(d.id, D(d.id) + ": its " + std::to_string(count) + " file rows (" + std::to_string(bytes) +
                        " bytes) do not match the deposit's manifest digest (" + std::to_string(d.file_count) +
                        " files, " + std::to_string(d.total_bytes) +
                        " bytes): file rows were edited, added or removed");
    }
    return Status::Ok();
  }

  // Each file of the deposit has its row in file_digests, under its own
  // SHA-256: a missing or edited one hides the file from a look-up by digest
  // (an intake's "already deposited" and a paper act's check).
  Status CheckFileDigests(const DepositRow& d) {
    QOIMA_ASSIGN_OR_RETURN(Statement st, s_.db_.Prepare("SELECT f.display_path FROM files f WHERE f.deposit_id = ? "
                                                        "AND NOT EXISTS (SELECT 1 FROM file_digests g WHERE "
                                                        "g.sha256 = f.sha256 AND g.file_id = f.id) ORDER BY f.id"));
    st.Bind(1, d.id);
    for (;;) {
      QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      Problem(d.id, D(d.id) + ": file " + st.ColumnText(0) +
                        " has no row in file_digests under its SHA-256 (a digest row was removed or edited)");
    }
    return Status::Ok();
  }

  // Digest rows that name no file, or a file with another SHA-256.
  Status CheckStrayDigests() {
    QOIMA_ASSIGN_OR_RETURN(
        Statement st, s_.db_.Prepare("SELECT g.file_id, hex(g.sha256), f.id IS NULL FROM file_digests g LEFT "
                                     "JOIN files f ON f.id = g.file_id WHERE f.id IS NULL OR f.sha256 <> g.sha256"));
    for (;;) {
      QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      Problem(std::nullopt, "file_digests names file " + std::to_string(st.ColumnInt(0)) + " under SHA-256 " +
                                st.ColumnText(1) +
                                (st.ColumnInt(2) != 0 ? ", a file that does not exist (a row was added or left behind)"
                                                      : ", which is not that file's SHA-256 (a row was edited)"));
    }
    return Status::Ok();
  }

  // The deposit row against its signed audit record.
  void CheckAuditRecord(const DepositRow& d) {
    if (!d.audit_index) {
      Problem(d.id, D(d.id) + ": no audit entry recorded its commit");
      return;
    }
    Result<AuditEvent> e = s_.audit_->Entry(static_cast<uint64_t>(*d.audit_index));
    std::string expect = "files=" + std::to_string(d.file_count) + " bytes=" + std::to_string(d.total_bytes) +
                         " manifest=" + crypto::Hex(d.manifest);
    if (!e.ok()) {
      Problem(d.id, D(d.id) + ": audit entry " + std::to_string(*d.audit_index) + " of its commit is missing");
    } else if (e->action != "deposit.commit" || e->object != "deposit:" + std::to_string(d.id) ||
               e->reason.compare(0, expect.size(), expect) != 0) {
      Problem(d.id, D(d.id) + ": the deposit row (" + expect + ") differs from what audit entry " +
                        std::to_string(*d.audit_index) + " recorded at commit: the row was edited");
    }
  }

  // Each pack holds this deposit's objects back to back: bytes no row
  // claims mean a row was removed (or a write was cut short), overlaps mean
  // a row was edited.
  Status CheckPacks(const DepositRow& d) {
    std::vector<PackedExtent> extents;
    {
      QOIMA_ASSIGN_OR_RETURN(Statement st, s_.db_.Prepare("SELECT pack_id, pack_offset, sealed_size, id FROM objects "
                                                          "WHERE deposit_id = ? AND pack_id IS NOT NULL"));
      st.Bind(1, d.id);
      for (;;) {
        QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        extents.push_back(PackedExtent{st.ColumnInt(0), static_cast<uint64_t>(st.ColumnInt(1)),
                                       static_cast<uint64_t>(st.ColumnInt(2)), st.ColumnInt(3)});
      }
    }
    std::sort(extents.begin(), extents.end(), [](const PackedExtent& a, const PackedExtent& b) {
      return a.pack_id != b.pack_id ? a.pack_id < b.pack_id : a.offset < b.offset;
    });
    QOIMA_ASSIGN_OR_RETURN(Statement pack_name, s_.db_.Prepare("SELECT name FROM packs WHERE id = ?"));
    QOIMA_ASSIGN_OR_RETURN(Statement object_name, s_.db_.Prepare("SELECT name FROM objects WHERE id = ?"));
    auto name_of = [](Statement& st, int64_t id) -> Result<std::string> {
      st.Bind(1, id);
      QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
      std::string name = row ? st.ColumnText(0) : "";
      st.Reset();
      return name;
    };
    for (size_t i = 0; i < extents.size();) {
      const int64_t pack_id = extents[i].pack_id;
      QOIMA_ASSIGN_OR_RETURN(std::string pack, name_of(pack_name, pack_id));
      uint64_t at = 0;
      for (; i < extents.size() && extents[i].pack_id == pack_id; ++i) {
        const PackedExtent& o = extents[i];
        if (o.offset > at) {
          Problem(d.id, D(d.id) + ": pack " + pack + " bytes " + std::to_string(at) + ".." + std::to_string(o.offset) +
                            " belong to no object row (a row was removed)");
        } else if (o.offset < at) {
          QOIMA_ASSIGN_OR_RETURN(std::string name, name_of(object_name, o.object_id));
          Problem(d.id,
                  D(d.id) + ": object " + name + " overlaps the one before it in pack " + pack + " (a row was edited)");
        }
        at = std::max(at, o.offset + o.sealed_size);
      }
      if (pack.empty()) continue;  // the foreign key check names a missing pack row
      Result<uint64_t> size = s_.env_->FileSize(s_.ObjectPath(pack));
      if (size.ok() && *size > at) {
        Problem(d.id, D(d.id) + ": pack " + pack + " has " + std::to_string(*size - at) +
                          " bytes after its last object that no row claims");
      }
    }
    return Status::Ok();
  }

  // Every object re-read: AEAD and SHA-256 against its row.
  Status CheckObjects(const DepositRow& d, const crypto::DataKey& key) {
    QOIMA_ASSIGN_OR_RETURN(
        Statement st,
        s_.db_.Prepare("SELECT o.id, o.name, o.plain_size, o.sealed_size, o.sha256, coalesce(p.name, ''), "
                       "coalesce(o.pack_offset, 0), (SELECT f.display_path FROM files f WHERE f.object_id = o.id AND "
                       "f.deposit_id = o.deposit_id ORDER BY f.id DESC LIMIT 1), (SELECT r.name FROM "
                       "security_test_reports r WHERE r.object_id = o.id) FROM objects o LEFT JOIN packs p ON "
                       "p.id = o.pack_id WHERE o.deposit_id = ? ORDER BY o.id"));
    st.Bind(1, d.id);
    for (;;) {
      QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      ++report_.objects;
      Store::ObjectPlace place{st.ColumnText(1), st.ColumnText(5), static_cast<uint64_t>(st.ColumnInt(6)),
                               static_cast<uint64_t>(st.ColumnInt(3))};
      report_.bytes += place.sealed_size;
      const std::vector<uint8_t> sha256 = st.ColumnBlob(4);
      crypto::Sha256Digest sha{};
      if (sha256.size() == sha.size()) std::memcpy(sha.data(), sha256.data(), sha.size());
      // What the object is: a file of the deposit, or a document kept with it.
      const std::string what = !st.ColumnIsNull(7)   ? "file " + st.ColumnText(7)
                               : !st.ColumnIsNull(8) ? "security-test report " + st.ColumnText(8)
                                                     : "";
      if (what.empty()) {
        Problem(d.id, D(d.id) + ": object " + place.name +
                          " is neither a file's nor a security-test report's (a row was removed)");
      }
      Status s = s_.ReadObject(key, place, static_cast<uint64_t>(st.ColumnInt(2)), sha, nullptr);
      if (!s.ok()) {
        if (s.code() != Code::kCorrupt && s.code() != Code::kNotFound) return s.WithContext("verify " + D(d.id));
        Problem(d.id, D(d.id) + ": " + (what.empty() ? "object" : what) + ": " + s.message());
      }
    }
    return Status::Ok();
  }

  // 3. Files under objects/ that no row names.
  Status CheckUnclaimedObjects() {
    QOIMA_ASSIGN_OR_RETURN(std::vector<std::string> dirs, s_.env_->ListDir(s_.state_dir_ + "/objects"));
    QOIMA_ASSIGN_OR_RETURN(Statement known, s_.db_.Prepare("SELECT (SELECT count(*) FROM objects WHERE name = ?1) + "
                                                           "(SELECT count(*) FROM packs WHERE name = ?1)"));
    for (const std::string& dir : dirs) {
      if (dir == "tmp") continue;
      if (!IsHex(dir, 2)) {
        Problem(std::nullopt, "unexpected entry objects/" + dir);
        continue;
      }
      QOIMA_ASSIGN_OR_RETURN(std::vector<std::string> names, s_.env_->ListDir(s_.state_dir_ + "/objects/" + dir));
      for (const std::string& n : names) {
        known.Bind(1, n);
        QOIMA_ASSIGN_OR_RETURN(bool row, known.Step());
        bool present = row && known.ColumnInt(0) > 0;
        known.Reset();
        if (!present || n.compare(0, 2, dir) != 0) {
          Problem(std::nullopt, "objects/" + dir + "/" + n + " is not part of any deposit (orphan or foreign file)");
        }
      }
    }
    return Status::Ok();
  }

  // 4. What start-up moved aside: files under objects/ that nothing accounts
  //    for stay in quarantine/ until someone has looked at them.
  Status CheckQuarantine() {
    namespace fs = std::filesystem;
    const fs::path root = fs::path(s_.state_dir_) / "quarantine";
    std::error_code ec;
    if (!fs::exists(root, ec)) return Status::Ok();
    constexpr size_t kMaxListed = 1000;
    size_t seen = 0;
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (it->is_directory(ec)) continue;
      if (++seen > kMaxListed) continue;
      std::error_code size_ec;
      uint64_t bytes = it->is_regular_file(size_ec) ? it->file_size(size_ec) : 0;
      Problem(std::nullopt, fs::relative(it->path(), s_.state_dir_, size_ec).string() + " (" + std::to_string(bytes) +
                                " bytes) was moved aside at start-up: no deposit, pending-deposit journal or "
                                "scratch name accounts for it (put there by hand, or a pack of a deposit this "
                                "database does not know); examine it, then remove it by hand");
    }
    if (ec) return Status::IoError("list " + root.string() + ": " + ec.message());
    if (seen > kMaxListed) {
      Problem(std::nullopt, std::to_string(seen - kMaxListed) + " more files under quarantine/ are not listed");
    }
    return Status::Ok();
  }

  Store& s_;
  ScrubReport report_;
};

Result<ScrubReport> Store::VerifyStore() { return StoreScrub(*this).Run(); }

}  // namespace qoima::storage
