// Helpers shared by the store tests: an informatization object row, a
// deposit of small files, reading a file back.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "storage/store.h"

namespace qoima::testing {

/// The store in `dir`: created on first use (Store::Create, as `qoima init`
/// does), opened (Store::Open) when its meta.db exists.
inline Result<std::unique_ptr<storage::Store>> OpenOrCreateStore(const std::string& dir, storage::StoreKeys& keys,
                                                                 const storage::StoreOptions& options = {}) {
  if (std::filesystem::exists(dir + "/meta.db")) return storage::Store::Open(dir, keys, options);
  return storage::Store::Create(dir, keys, options);
}

inline int64_t AddInformatizationObject(storage::Store& store, const std::string& name = "e-Өтініш жүйесі") {
  auto st = store.db().Prepare(
      "INSERT INTO informatization_objects(name, track, created_at) VALUES(?, 'application', '2026-11-26')");
  REQUIRE(st.ok());
  REQUIRE(st->Bind(1, name).Run().ok());
  return store.db().LastInsertRowid();
}

inline std::vector<uint8_t> Bytes(std::string_view s) { return std::vector<uint8_t>(s.begin(), s.end()); }

/// Regular files under `dir`, at any depth (packs, journals, scratch files).
inline size_t CountFiles(const std::string& dir) {
  size_t n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) n += e.is_regular_file() ? 1 : 0;
  return n;
}

struct TestFile {
  std::string path;
  std::string content;
  std::string category = "source_code";
};

/// Writes `files` into a new pending deposit of `object_id` (in pieces of
/// `piece` bytes) and returns it uncommitted.
inline std::unique_ptr<storage::PendingDeposit> WriteDeposit(storage::Store& store, int64_t object_id,
                                                             const std::vector<TestFile>& files, size_t piece = 4096) {
  storage::DepositSpec spec;
  spec.object_id = object_id;
  spec.version_label = "1.0";
  auto pending = store.BeginDeposit(spec);
  REQUIRE(pending.ok());
  for (const TestFile& f : files) {
    storage::FileMeta meta{Bytes(f.path), f.path, 1700000000, f.category, std::nullopt};
    auto w = (*pending)->AddFile(meta);
    REQUIRE(w.ok());
    for (size_t off = 0; off < f.content.size(); off += piece) {
      std::string_view part = std::string_view(f.content).substr(off, piece);
      REQUIRE((*w)->Write(Bytes(part)).ok());
    }
    REQUIRE((*w)->Finish().ok());
  }
  return std::move(*pending);
}

inline std::string ReadAll(storage::Store& store, int64_t file_id, Status* status = nullptr) {
  std::string out;
  Status s =
      store.ReadFile(file_id, storage::Actor{"auditor1", "auditor"}, "test read", [&](std::span<const uint8_t> b) {
        out.append(reinterpret_cast<const char*>(b.data()), b.size());
        return Status::Ok();
      });
  if (status) *status = s;
  return out;
}

}  // namespace qoima::testing
