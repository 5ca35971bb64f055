// Store::VerifyStore (`qoima verify-store`): the scrub.
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>

#include "storage/store.h"

namespace qoima::storage {
namespace {

std::string D(int64_t id) { return "deposit " + std::to_string(id); }

bool IsHex(std::string_view s, size_t len) {
  return s.size() == len &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

struct ObjectRow {
  int64_t id;
  std::string name;
  uint64_t plain_size;
  uint64_t sealed_size;
  std::vector<uint8_t> sha256;
  std::string pack;  // "" for an object in a file of its own
  uint64_t pack_offset;
};

struct FileRow {
  int64_t id;
  std::vector<uint8_t> path;
  std::string display;
  uint64_t size;
  std::vector<uint8_t> sha256;
  int64_t object_id;
};

}  // namespace

Result<ScrubReport> Store::VerifyStore() {
  ScrubReport report;
  auto problem = [&report](std::optional<int64_t> deposit, std::string message) {
    report.problems.push_back(ScrubProblem{deposit, std::move(message)});
  };

  // 1. The database's own integrity.
  {
    QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("PRAGMA integrity_check(20)"));
    for (;;) {
      QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      std::string line = st.ColumnText(0);
      if (line != "ok") problem(std::nullopt, "database integrity: " + line);
    }
    QOIMA_ASSIGN_OR_RETURN(Statement fk, db_.Prepare("PRAGMA foreign_key_check"));
    for (;;) {
      QOIMA_ASSIGN_OR_RETURN(bool row, fk.Step());
      if (!row) break;
      problem(std::nullopt, "database foreign keys: " + fk.ColumnText(0) + " row " + std::to_string(fk.ColumnInt(1)) +
                                " refers to a missing " + fk.ColumnText(2) + " row");
    }
  }

  // 2. Every deposit, its rows, its audit record and its objects.
  struct DepositRow {
    int64_t id;
    std::string state;
    bool has_key;
    uint64_t file_count;
    uint64_t total_bytes;
    std::vector<uint8_t> manifest;
    std::optional<int64_t> audit_index;
  };
  std::vector<DepositRow> deposits;
  {
    QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("SELECT id, state, wrapped_key IS NOT NULL, file_count, "
                                                     "total_bytes, manifest_sha256, audit_index FROM deposits "
                                                     "ORDER BY id"));
    for (;;) {
      QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      DepositRow d{st.ColumnInt(0),
                   st.ColumnText(1),
                   st.ColumnInt(2) != 0,
                   static_cast<uint64_t>(st.ColumnInt(3)),
                   static_cast<uint64_t>(st.ColumnInt(4)),
                   st.ColumnBlob(5),
                   st.ColumnIsNull(6) ? std::nullopt : std::optional<int64_t>(st.ColumnInt(6))};
      deposits.push_back(std::move(d));
    }
  }
  QOIMA_ASSIGN_OR_RETURN(
      Statement objects_of,
      db_.Prepare("SELECT o.id, o.name, o.plain_size, o.sealed_size, o.sha256, coalesce(p.name, ''), "
                  "coalesce(o.pack_offset, 0) FROM objects o LEFT JOIN packs p ON p.id = o.pack_id "
                  "WHERE o.deposit_id = ? ORDER BY o.id"));
  QOIMA_ASSIGN_OR_RETURN(Statement files_of, db_.Prepare("SELECT id, path, display_path, size, sha256, object_id FROM "
                                                         "files WHERE deposit_id = ? ORDER BY id"));
  QOIMA_ASSIGN_OR_RETURN(Statement tomb, db_.Prepare("SELECT count(*) FROM tombstones WHERE deposit_id = ?"));

  for (const DepositRow& d : deposits) {
    ++report.deposits;
    std::vector<ObjectRow> objects;
    objects_of.Bind(1, d.id);
    for (;;) {
      QOIMA_ASSIGN_OR_RETURN(bool row, objects_of.Step());
      if (!row) break;
      objects.push_back(ObjectRow{objects_of.ColumnInt(0), objects_of.ColumnText(1),
                                  static_cast<uint64_t>(objects_of.ColumnInt(2)),
                                  static_cast<uint64_t>(objects_of.ColumnInt(3)), objects_of.ColumnBlob(4),
                                  objects_of.ColumnText(5), static_cast<uint64_t>(objects_of.ColumnInt(6))});
    }
    objects_of.Reset();
    std::vector<FileRow> files;
    files_of.Bind(1, d.id);
    for (;;) {
      QOIMA_ASSIGN_OR_RETURN(bool row, files_of.Step());
      if (!row) break;
      files.push_back(FileRow{files_of.ColumnInt(0), files_of.ColumnBlob(1), files_of.ColumnText(2),
                              static_cast<uint64_t>(files_of.ColumnInt(3)), files_of.ColumnBlob(4),
                              files_of.ColumnInt(5)});
    }
    files_of.Reset();

    if (d.state == "destroyed") {
      tomb.Bind(1, d.id);
      QOIMA_ASSIGN_OR_RETURN(bool row, tomb.Step());
      bool has_tombstone = row && tomb.ColumnInt(0) == 1;
      tomb.Reset();
      if (!has_tombstone) problem(d.id, D(d.id) + " is marked destroyed but has no tombstone");
      if (d.has_key) problem(d.id, D(d.id) + " is marked destroyed but still has a wrapped key");
      if (!objects.empty() || !files.empty()) {
        problem(d.id, D(d.id) + " is destroyed but still has " + std::to_string(objects.size()) + " object rows and " +
                          std::to_string(files.size()) + " file rows");
      }
      QOIMA_ASSIGN_OR_RETURN(int64_t packs,
                             db_.QueryInt("SELECT count(*) FROM packs WHERE deposit_id = " + std::to_string(d.id)));
      if (packs != 0) problem(d.id, D(d.id) + " is destroyed but still has " + std::to_string(packs) + " pack rows");
      continue;
    }

    // File rows against the deposit row (count, bytes, manifest digest).
    std::vector<std::tuple<std::vector<uint8_t>, uint64_t, std::vector<uint8_t>>> lines;
    uint64_t bytes = 0;
    for (const FileRow& f : files) {
      lines.emplace_back(f.path, f.size, f.sha256);
      bytes += f.size;
    }
    std::sort(lines.begin(), lines.end(),
              [](const auto& a, const auto& b) { return PathLess()(std::get<0>(a), std::get<0>(b)); });
    crypto::Sha256 h;
    for (const auto& [path, size, sha] : lines) {
      h.Update(crypto::Hex(sha) + " " + std::to_string(size) + " " + crypto::Hex(path) + "\n");
    }
    crypto::Sha256Digest manifest = h.Finish();
    std::vector<uint8_t> manifest_v(manifest.begin(), manifest.end());
    if (files.size() != d.file_count || bytes != d.total_bytes || manifest_v != d.manifest) {
      problem(d.id, D(d.id) + ": its " + std::to_string(files.size()) + " file rows (" + std::to_string(bytes) +
                        " bytes) do not match the deposit's manifest digest (" + std::to_string(d.file_count) +
                        " files, " + std::to_string(d.total_bytes) +
                        " bytes): file rows were edited, added or removed");
    }
    // The deposit row against its signed audit record.
    if (!d.audit_index) {
      problem(d.id, D(d.id) + ": no audit entry recorded its commit");
    } else {
      Result<AuditEvent> e = audit_->Entry(static_cast<uint64_t>(*d.audit_index));
      std::string expect = "files=" + std::to_string(d.file_count) + " bytes=" + std::to_string(d.total_bytes) +
                           " manifest=" + crypto::Hex(d.manifest);
      if (!e.ok()) {
        problem(d.id, D(d.id) + ": audit entry " + std::to_string(*d.audit_index) + " of its commit is missing");
      } else if (e->action != "deposit.commit" || e->object != "deposit:" + std::to_string(d.id) ||
                 e->reason.compare(0, expect.size(), expect) != 0) {
        problem(d.id, D(d.id) + ": the deposit row (" + expect + ") differs from what audit entry " +
                          std::to_string(*d.audit_index) + " recorded at commit: the row was edited");
      }
    }

    std::map<int64_t, const ObjectRow*> by_id;
    for (const ObjectRow& o : objects) by_id[o.id] = &o;
    std::map<int64_t, const FileRow*> file_of_object;
    for (const FileRow& f : files) {
      auto it = by_id.find(f.object_id);
      if (it == by_id.end()) {
        problem(d.id, D(d.id) + ": file " + f.display + " refers to object row " + std::to_string(f.object_id) +
                          " of another deposit or none");
        continue;
      }
      file_of_object[f.object_id] = &f;
      if (it->second->plain_size != f.size || it->second->sha256 != f.sha256) {
        problem(d.id, D(d.id) + ": file " + f.display + ": size or SHA-256 in its row differs from its object row " +
                          it->second->name + ": a row was edited");
      }
    }

    Result<std::shared_ptr<const crypto::DataKey>> key = DepositKeyFor(d.id);
    if (!key.ok()) {
      problem(d.id, D(d.id) + ": " + key.status().message());
      continue;
    }
    // Each pack holds this deposit's objects back to back: bytes no row
    // claims mean a row was removed (or a write was cut short), overlaps
    // mean a row was edited.
    std::map<std::string, std::vector<const ObjectRow*>> by_pack;
    for (const ObjectRow& o : objects)
      if (!o.pack.empty()) by_pack[o.pack].push_back(&o);
    for (auto& [pack, in_pack] : by_pack) {
      std::sort(in_pack.begin(), in_pack.end(),
                [](const ObjectRow* a, const ObjectRow* b) { return a->pack_offset < b->pack_offset; });
      uint64_t at = 0;
      for (const ObjectRow* o : in_pack) {
        if (o->pack_offset > at) {
          problem(d.id, D(d.id) + ": pack " + pack + " bytes " + std::to_string(at) + ".." +
                            std::to_string(o->pack_offset) + " belong to no object row (a row was removed)");
        } else if (o->pack_offset < at) {
          problem(d.id, D(d.id) + ": object " + o->name + " overlaps the one before it in pack " + pack +
                            " (a row was edited)");
        }
        at = std::max(at, o->pack_offset + o->sealed_size);
      }
      Result<uint64_t> size = env_->FileSize(ObjectPath(pack));
      if (size.ok() && *size > at) {
        problem(d.id, D(d.id) + ": pack " + pack + " has " + std::to_string(*size - at) +
                          " bytes after its last object that no row claims");
      }
    }
    for (const ObjectRow& o : objects) {
      ++report.objects;
      report.bytes += o.sealed_size;
      auto f = file_of_object.find(o.id);
      std::string file = f == file_of_object.end() ? "(no file row)" : f->second->display;
      crypto::Sha256Digest sha{};
      if (o.sha256.size() == sha.size()) std::memcpy(sha.data(), o.sha256.data(), sha.size());
      Status s =
          ReadObject(**key, ObjectPlace{o.name, o.pack, o.pack_offset, o.sealed_size}, o.plain_size, sha, nullptr);
      if (!s.ok()) {
        if (s.code() != Code::kCorrupt && s.code() != Code::kNotFound) return s.WithContext("verify " + D(d.id));
        problem(d.id, D(d.id) + ": file " + file + ": " + s.message());
      }
    }
  }

  // 3. Files under objects/ that no row names.
  QOIMA_ASSIGN_OR_RETURN(std::vector<std::string> dirs, env_->ListDir(state_dir_ + "/objects"));
  QOIMA_ASSIGN_OR_RETURN(Statement known, db_.Prepare("SELECT (SELECT count(*) FROM objects WHERE name = ?1) + "
                                                      "(SELECT count(*) FROM packs WHERE name = ?1)"));
  for (const std::string& dir : dirs) {
    if (dir == "tmp") continue;
    if (!IsHex(dir, 2)) {
      problem(std::nullopt, "unexpected entry objects/" + dir);
      continue;
    }
    QOIMA_ASSIGN_OR_RETURN(std::vector<std::string> names, env_->ListDir(state_dir_ + "/objects/" + dir));
    for (const std::string& n : names) {
      known.Bind(1, n);
      QOIMA_ASSIGN_OR_RETURN(bool row, known.Step());
      bool present = row && known.ColumnInt(0) > 0;
      known.Reset();
      if (!present || n.compare(0, 2, dir) != 0) {
        problem(std::nullopt, "objects/" + dir + "/" + n + " is not part of any deposit (orphan or foreign file)");
      }
    }
  }
  // 4. What start-up moved aside: files under objects/ that nothing accounts
  //    for stay in quarantine/ until someone has looked at them.
  {
    namespace fs = std::filesystem;
    const fs::path root = fs::path(state_dir_) / "quarantine";
    std::error_code ec;
    if (fs::exists(root, ec)) {
      constexpr size_t kMaxListed = 1000;
      size_t seen = 0;
      for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        if (it->is_directory(ec)) continue;
        if (++seen > kMaxListed) continue;
        std::error_code size_ec;
        uint64_t bytes = it->is_regular_file(size_ec) ? it->file_size(size_ec) : 0;
        problem(std::nullopt, fs::relative(it->path(), state_dir_, size_ec).string() + " (" + std::to_string(bytes) +
                                  " bytes) was moved aside at start-up: no deposit, pending-deposit journal or "
                                  "scratch name accounts for it (put there by hand, or a pack of a deposit this "
                                  "database does not know); examine it, then remove it by hand");
      }
      if (ec) return Status::IoError("list " + root.string() + ": " + ec.message());
      if (seen > kMaxListed) {
        problem(std::nullopt, std::to_string(seen - kMaxListed) + " more files under quarantine/ are not listed");
      }
    }
  }
  return report;
}

}  // namespace qoima::storage
