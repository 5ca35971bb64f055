// ActEntryTable: the entries of a large act in a compact in-memory form, so
// that an intake's memory and time grow linearly and slowly with the act.
//
// A sha256sum or hashdeep list may name 500,000 files; held as ManifestEntry
// values (168 B plus a heap string each, ~350 B a file in practice) that is
// ~170 MiB before anything is read. Here every entry is one fixed 64-byte
// record (the SHA-256 in binary, size, date, line, its disc and its shared
// columns by number) and its path's bytes in one arena; a path is found by
// (disc, path) through an open-addressing index of 32-bit record numbers.
// That is ~64 B + the path + ~8 B of index a file: a 500,000-file act with
// 40-byte paths takes ~55 MiB. The parser moves an act's entries here once
// they pass ManifestParseOptions::compact_after_entries; the intake then
// finds each file of the medium by (disc, path), and the record and the
// act's rows are written from an ordered walk.
//
// Entries are read back as ManifestEntry values, equal to the ones added.
// Columns shared by many files (EntryProfile) are held once per distinct
// set, as the parsers share them.
//
// Limits (checked, with the offending line named): at most 2^32 - 2 entries
// and 4 GiB of path bytes (offsets are 32-bit), at most 65,535 discs. The
// parser's own limits (kMaxManifestEntries, kMaxManifestDiscs, the act's
// size) are far below them.
//
// Thread-safety: none while entries are added; after Finish() the const
// methods only read, and may be called from several threads at once (an
// intake makes the act's record on one while it reads the media on another).

#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "appliance/act_manifest.h"
#include "common/result.h"

namespace qoima::appliance {

/// A problem found by the checks that need every entry (ActEntryTable::Check).
struct EntryConflict {
  size_t line = 0;
  std::string message;  // "duplicate path 'a' (also on line 3)"
};

class ActEntryTable {
 public:
  /// Most entries a table holds (record numbers are 32-bit; one value marks
  /// an empty index slot).
  static constexpr size_t kMaxEntries = UINT32_MAX - 1;
  /// Most bytes of all paths together (offsets are 32-bit).
  static constexpr size_t kMaxPathBytes = UINT32_MAX;
  /// Most distinct disc markings.
  static constexpr size_t kMaxDiscs = UINT16_MAX;

  ActEntryTable();
  ActEntryTable(const ActEntryTable&) = delete;
  ActEntryTable& operator=(const ActEntryTable&) = delete;

  /// Appends one entry (act order). A path its disc already lists is
  /// refused (kAlreadyExists; Check() then gives the parser's message); an
  /// entry past one of the limits above is refused (kLimitExceeded, naming
  /// its line). On failure the table is as it was before the call.
  Status Add(const ManifestEntry& e);
  /// Ends the load: gives back the growth slack of the arrays.
  Status Finish();
  /// The checks the parser makes over all entries, with its messages: the
  /// path listed twice that Add refused, else the first entry lying under a
  /// path listed as a file. nullopt: none.
  Result<std::optional<EntryConflict>> Check() const;

  size_t size() const { return records_.size(); }
  /// Distinct disc markings in entry order.
  const std::vector<std::string>& discs() const { return discs_; }
  /// Counts over disc `disc`'s entries or all, kept as they were added.
  EntryTotals Totals(std::optional<std::string_view> disc) const;
  /// Heap bytes the table holds (its arrays' capacities and the shared
  /// columns), for the figures in docs/intake.md.
  size_t MemoryBytes() const;

  /// The entry at act position `index` (0-based); kNotFound past the end.
  Result<ManifestEntry> At(size_t index) const;
  /// The entry of disc `disc` listing `path`, with its position.
  Result<std::optional<std::pair<size_t, ManifestEntry>>> Find(std::string_view disc, std::string_view path) const;
  /// Positions of the entries not on disc `disc`.
  Status ForEachOtherDisc(std::string_view disc, const std::function<void(size_t)>& fn) const;
  /// Every entry in act order, with its position. The entry handed to `fn`
  /// is reused for the next one: copy it to keep it.
  Status ForEach(const std::function<void(size_t, const ManifestEntry&)>& fn) const;
  /// Each entry's SHA-256 (hex; "" when the act has none) and disc, in act order.
  Status ForEachDigest(const std::function<void(std::string_view, std::string_view)>& fn) const;

 private:
  // One entry, 64 bytes. Its path is arena_[start, path_end), where start
  // is the previous record's path_end (0 for the first).
  struct Record {
    std::array<uint8_t, 32> sha256;  // binary, when kDigest
    uint64_t size;                   // bytes when kSize; else the declared figure's scaled value when kDeclared
    int64_t mtime;                   // when kDate
    uint32_t path_end;
    uint32_t line;
    uint32_t profile;  // index into profiles_
    uint16_t disc;     // index into discs_
    uint8_t flags;
    uint8_t declared;  // the declared figure's unit (low 2 bits) and decimals (<< 2), when kDeclared
  };
  static_assert(sizeof(Record) == 64, "one act entry's fixed part");

  // An open-addressing hash index of 32-bit numbers; the owner hashes and
  // compares the keys the numbers stand for.
  class Index {
   public:
    static constexpr uint32_t kEmpty = UINT32_MAX;
    // The slot where `hash`'s probe sequence holds a number for which
    // `equal` says yes, or the empty slot that ends it.
    template <typename Equal>
    size_t Probe(size_t hash, Equal equal) const {
      const size_t mask = slots_.size() - 1;
      for (size_t i = hash & mask;; i = (i + 1) & mask)
        if (slots_[i] == kEmpty || equal(slots_[i])) return i;
    }
    uint32_t at(size_t slot) const { return slots_[slot]; }
    // Puts `number` in `slot` (from Probe); grows (rehashing with `hash_of`)
    // beyond 3/4 full.
    template <typename HashOf>
    void Put(size_t slot, uint32_t number, HashOf hash_of) {
      slots_[slot] = number;
      if (++count_ * 4 > slots_.size() * 3) Grow(hash_of);
    }
    size_t bytes() const { return slots_.capacity() * sizeof(uint32_t); }

   private:
    template <typename HashOf>
    void Grow(HashOf hash_of) {
      std::vector<uint32_t> old(slots_.size() * 2, kEmpty);
      old.swap(slots_);
      const size_t mask = slots_.size() - 1;
      for (uint32_t n : old) {
        if (n == kEmpty) continue;
        size_t i = hash_of(n) & mask;
        while (slots_[i] != kEmpty) i = (i + 1) & mask;
        slots_[i] = n;
      }
    }
    std::vector<uint32_t> slots_ = std::vector<uint32_t>(64, kEmpty);
    size_t count_ = 0;
  };

  // A directory above an entry: the first `length` bytes of entry
  // `first`'s path (its disc is that entry's).
  struct Dir {
    uint32_t first;
    uint32_t length;
  };

  std::string_view PathOf(size_t n) const;
  static size_t HashOf(uint16_t disc, std::string_view path);
  size_t FindSlot(uint16_t disc, std::string_view path, size_t hash) const;
  std::optional<uint16_t> DiscNumber(std::string_view disc) const;
  Result<uint32_t> ProfileNumber(const EntryProfile& p, uint32_t line);
  Status AddDirectories(uint32_t n, uint16_t disc, std::string_view path);
  // Fills `e` with entry `n` (every field, so `e` may be reused).
  void Fill(size_t n, ManifestEntry& e) const;
  void HexDigestOf(size_t n, char out[64]) const;

  std::vector<Record> records_;
  std::string arena_;
  Index paths_;  // records by (disc, path)
  std::vector<std::string> discs_;
  std::vector<EntryTotals> totals_;  // per disc, as discs_
  std::unordered_map<std::string, uint16_t> disc_numbers_;
  std::vector<std::shared_ptr<const EntryProfile>> profiles_;
  Index profile_index_;
  std::vector<Dir> dirs_;  // in the order first seen: by first entry, then shortest first
  Index dir_index_;
  uint32_t last_dir_entry_ = Index::kEmpty;  // the entry whose directories were added last
  // Entries whose digest is not 64 lowercase hex digits, or whose declared
  // size sits beside an exact one: kept as given (the parsers make neither).
  std::unordered_map<uint32_t, std::string> odd_digests_;
  std::unordered_map<uint32_t, DeclaredSize> odd_declared_;
  std::optional<EntryConflict> conflict_;  // the duplicate Add refused
};

}  // namespace qoima::appliance
