// ActEntryFile: the entries of a large act kept in an encrypted scratch
// database instead of memory, so peak RSS does not grow with the act.
//
// A sha256sum or hashdeep list may name 500,000 files in 64 MiB; held as
// ManifestEntry values that is ~120 MiB before anything is read. The parser
// moves an act's entries here once they pass ManifestParseOptions::
// spill_after_entries; the intake then finds each file of the medium by
// (disc, path) through an index, and the record and the act's rows are
// written from an ordered scan.
//
// The file is a SQLCipher database (DatabaseOptions::scratch: no journal, no
// fsync) under the store's objects/tmp/, keyed with random bytes only this
// object holds: paths and digests of a deposit never reach the disk in the
// clear. It is removed when the object is destroyed; a crash leaves it to
// the next Store::Open, which empties objects/tmp/.
//
// Thread-safety: none (one intake uses it at a time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "appliance/act_manifest.h"
#include "common/result.h"
#include "storage/database.h"

namespace qoima::appliance {

/// A problem found by the checks that need every entry (ActEntryFile::Check).
struct EntryConflict {
  size_t line = 0;
  std::string message;  // "duplicate path 'a' (also on line 3)"
};

class ActEntryFile {
 public:
  /// Creates an empty file `path` (which must not exist).
  static Result<std::unique_ptr<ActEntryFile>> Create(const std::string& path);
  ~ActEntryFile();
  ActEntryFile(const ActEntryFile&) = delete;
  ActEntryFile& operator=(const ActEntryFile&) = delete;

  /// Appends one entry (act order). Entries go in one transaction that
  /// Finish() commits. A path its disc already lists is refused
  /// (kAlreadyExists; Check() then gives the parser's message).
  Status Add(const ManifestEntry& e);
  /// Ends the load (commits).
  Status Finish();
  /// The checks the parser makes over all entries, with its messages: the
  /// path listed twice that Add refused, else the first entry lying under a
  /// path listed as a file. nullopt: none.
  Result<std::optional<EntryConflict>> Check() const;

  size_t size() const { return count_; }
  /// Distinct disc markings in entry order.
  const std::vector<std::string>& discs() const { return discs_; }
  /// Counts over disc `disc`'s entries or all, kept as they were added.
  EntryTotals Totals(std::optional<std::string_view> disc) const;
  const std::string& path() const { return path_; }

  /// The entry at act position `index` (0-based).
  Result<ManifestEntry> At(size_t index) const;
  /// The entry of disc `disc` listing `path`, with its position.
  Result<std::optional<std::pair<size_t, ManifestEntry>>> Find(std::string_view disc, std::string_view path) const;
  /// Positions of the entries not on disc `disc`.
  Status ForEachOtherDisc(std::string_view disc, const std::function<void(size_t)>& fn) const;
  /// Every entry in act order, with its position.
  Status ForEach(const std::function<void(size_t, const ManifestEntry&)>& fn) const;
  /// Each entry's SHA-256 (hex) and disc, in act order.
  Status ForEachDigest(const std::function<void(std::string_view, std::string_view)>& fn) const;

 private:
  ActEntryFile() = default;
  Result<std::optional<size_t>> LineOf(std::string_view disc, std::string_view path) const;
  // Reads the columns of a row selected as kEntryColumns.
  ManifestEntry Row(const storage::Statement& st) const;

  std::string path_;
  mutable storage::Database db_;
  mutable std::optional<storage::Statement> insert_, insert_dir_, at_, find_;
  size_t count_ = 0;
  std::vector<std::string> discs_;
  std::vector<EntryTotals> totals_;  // per disc, as discs_
  std::string last_dir_;             // of the last entry added: its ancestors are in `dirs` already
  std::string last_dir_disc_;
  bool in_transaction_ = false;
  std::optional<EntryConflict> conflict_;  // the duplicate Add refused
  // Rows read back share their columns when they equal the previous row's.
  mutable std::shared_ptr<const EntryProfile> last_profile_;
};

}  // namespace qoima::appliance
