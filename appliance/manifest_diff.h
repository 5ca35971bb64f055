// ManifestDiff: compares what an act manifest lists for one medium with what
// the medium actually produced when read, and classifies every difference
// (001 cl.15: "verification of the act against the media").
//
// Input on the medium side is what the sandboxed reader reported (raw name
// bytes, NFC display path, size, mtime, type) plus the SHA-256 computed while
// sealing, or the read error. The engine is pure: no I/O, no clock.
//
// Thread-safety: pure functions over plain values.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "appliance/act_manifest.h"
#include "appliance/hex_digest.h"
#include "appliance/media_findings.h"
#include "hardware/name_set.h"

namespace qoima::appliance {

enum class ObservedType { kFile, kDirectory, kSymlink, kOther };

/// One entry as read from a medium.
struct ObservedFile {
  /// Bytes exactly as on the medium ('/'-joined; may be invalid UTF-8); ""
  /// when they are `path` byte for byte (most names: no second copy).
  std::string raw_path;
  std::string path;  // NFC display path ('/'-separated, relative to the root)
  ObservedType type = ObservedType::kFile;
  uint64_t size = 0;
  int64_t mtime = 0;  // UTC seconds
  bool has_mtime = false;
  HexDigest sha256;      // hex, held inline; empty when the content could not be read
  bool readable = true;  // false: reading the content failed
  std::string problem;   // the read error when !readable

  std::string_view RawPath() const { return raw_path.empty() ? std::string_view(path) : std::string_view(raw_path); }
};

enum class DiffKind {
  kMatched,
  kMissing,        // listed in the act, absent on the medium
  kExtra,          // on the medium, not listed in the act
  kSizeMismatch,   // sizes differ
  kHashMismatch,   // same size, SHA-256 differs
  kDateMismatch,   // content identical, modification date differs from the act
  kUnreadable,     // listed, present, but its content could not be read
  kNameCollision,  // several names on the medium normalize to the same NFC path
};
inline constexpr size_t kDiffKindCount = 8;
/// Stable machine name: "matched", "missing", "extra", "size_mismatch", ...
const char* DiffKindName(DiffKind k);

struct DiffItem {
  DiffKind kind = DiffKind::kMatched;
  std::string path;      // NFC
  std::string raw_path;  // as on the medium, escaped for display (EscapeRawPath); "" when it is `path`
  std::string expected;  // what the act says (size, hash or date), when relevant
  std::string actual;    // what the medium has
  std::string detail;    // a sentence for the clerk
  size_t manifest_line = 0;
  uint64_t size = 0;  // bytes on the medium when the file is there, else as the act lists it
};

/// Items a report lists at most (the evidence kept with an intake lists as
/// many): the rest are counted exactly, not listed (DiffReport::unlisted).
inline constexpr size_t kMaxListedDiffItems = 10'000;

struct DiffOptions {
  /// Tolerance for modification times given to the second (FAT keeps 2 s).
  int64_t mtime_tolerance_seconds = 2;
  /// The medium's filesystem stores local time without a zone (FAT): accept
  /// an offset of whole hours (up to 14) between the act and the medium.
  bool mtime_zone_unknown = false;
  /// False: a matched file is counted (counts, matched_bytes) but gets no
  /// item, so the report lists only the differences: for a caller that shows
  /// no more (the CLI's text output), a 100k-file medium costs no 100k items.
  bool keep_matched = true;
  /// Items listed at most, first found first (a wrong disc of a million
  /// files must not cost a million items in memory).
  size_t max_items = kMaxListedDiffItems;
};

struct DiffReport {
  std::string disc;             // the disc marking checked
  std::vector<DiffItem> items;  // every file (matched ones unless !keep_matched), in manifest order then extras
  std::array<size_t, kDiffKindCount> counts{};
  uint64_t matched_bytes = 0;
  /// Problems of the medium as a whole (reader crash, timeout, bad sectors
  /// outside any file); they make the medium "not working" (001 cl.16(3)).
  std::vector<std::string> medium_problems;
  /// When the medium looks like another disc of the same act (its files
  /// match that disc's entries better), that disc's marking.
  std::string looks_like_disc;
  /// Items counted in `counts` but not listed (past DiffOptions::max_items).
  size_t unlisted = 0;
  /// What the reader found that does not stop the read (unsafe names,
  /// encrypted members, archives not listed...): it does not make the
  /// report unclean; the clerk sees it, the evidence and the act keep it.
  MediaFindings findings;

  size_t Count(DiffKind k) const { return counts[static_cast<size_t>(k)]; }
  /// True when every listed file matched and nothing else was found.
  bool Clean() const;
  /// One line: "12 matched, 1 missing, 2 extra".
  std::string Summary() const;
};

/// Compares one medium with the act as the medium is read: each entry is
/// compared when it arrives (Add) and then dropped, so an intake never holds
/// the medium's file list; what it keeps is 16 bytes per entry of the act
/// plus the differences found.
/// The report is the one a whole-list comparison gives, with one exception:
/// the "differs only in letter case" hint of a missing file names files the
/// act does not list (extras), not files it lists under another entry.
///
/// The act's entries may be in memory or in its ActEntryTable (a large act):
/// then each file read is looked up there by path, and the act's order is
/// walked from there at Finish.
///
/// Ownership: borrows `entries` (or the manifest), which must outlive it.
class MediumDiff {
 public:
  /// Compares with the entries of disc `disc` ("" = every entry: a one-disc act).
  MediumDiff(const std::vector<ManifestEntry>& entries, std::string disc, DiffOptions options = {});
  /// The same over a manifest's entries, wherever they are.
  MediumDiff(const ActManifest& manifest, std::string disc, DiffOptions options = {});

  /// The act's entry listing `path` (NFC), or null; valid until the next
  /// call of a member.
  const ManifestEntry* Find(std::string_view path) const;
  /// Non-OK when reading the act's compact entries failed: the report is
  /// then incomplete and must not be used.
  const Status& status() const { return status_; }
  /// The medium's dates are local time without a zone (FAT); may be learnt
  /// after the read, any time before Finish.
  void set_mtime_zone_unknown(bool unknown) { options_.mtime_zone_unknown = unknown; }
  /// One entry read from the medium, in reading order.
  void Add(const ObservedFile& f);
  /// The report: the act's entries in act order, then what it does not list
  /// in reading order. Call once.
  DiffReport Finish();

 private:
  // state_ values besides an index into odd_.
  static constexpr uint32_t kUnseen = UINT32_MAX;
  static constexpr uint32_t kMatchedPlain = UINT32_MAX - 1;
  static constexpr uint32_t kOtherDisc = UINT32_MAX - 2;
  // kUnlistedBase + kind: a difference counted but not listed.
  static constexpr uint32_t kUnlistedBase = UINT32_MAX - 3 - kDiffKindCount;
  static bool IsUnlisted(uint32_t s) { return s >= kUnlistedBase && s < kUnlistedBase + kDiffKindCount; }
  bool Room() const { return items_kept_ < options_.max_items; }
  bool Keep() {
    if (!Room()) return false;
    ++items_kept_;
    return true;
  }

  void Index();
  std::optional<size_t> Lookup(std::string_view path) const;
  const ManifestEntry& Entry(size_t k) const;
  uint32_t Compare(size_t k, const ObservedFile& f);
  void Collide(size_t k, const ObservedFile& f);
  void AddName(bool extra, uint32_t item, std::string name);
  // What a matched entry's content hashes to: the act's SHA-256, or for an
  // act without checksums the one computed while the medium was read.
  std::string MatchedDigest(size_t k, const ManifestEntry& e) const;
  void Visit(size_t k, const ManifestEntry& e, DiffReport& r);
  void Count(DiffItem it, DiffReport& r, bool kept);

  const std::vector<ManifestEntry>* entries_ = nullptr;  // in memory, or
  const ActEntryTable* file_ = nullptr;                  // compacted
  std::string disc_;
  std::string entry_disc_;  // the marking this medium's entries carry
  DiffOptions options_;
  size_t listed_ = 0;                   // entries of this disc
  std::vector<uint32_t> by_path_;       // in memory: this disc's entries sorted by path
  std::vector<uint32_t> state_;         // per entry: kUnseen, kMatchedPlain, kOtherDisc or an odd_ index
  std::vector<uint64_t> matched_size_;  // per entry: bytes read when it matched
  std::vector<DiffItem> odd_;           // items of listed entries other than plain matches
  std::vector<HexDigest> computed_;     // an act without checksums: per entry, the SHA-256 read
  std::vector<uint32_t> zone_only_;     // entries whose date mismatch a zone-less medium would match
  std::vector<DiffItem> extras_;        // what the act does not list, in reading order
  std::unordered_map<std::string, uint32_t> extra_of_;  // an extra's path -> index in extras_
  std::map<uint64_t, std::vector<std::string>> names_;  // a collision's names (rare), by (extra, item)
  bool finished_ = false;
  size_t items_kept_ = 0;
  std::array<size_t, kDiffKindCount> unlisted_{};     // extras past max_items, by kind
  hardware::NameSet unlisted_once_, unlisted_twice_;  // their paths, for collisions among them
  // On disk: the last lookups (the store asks for a file's category when it
  // begins, the comparison when it has been read) and the last entry read.
  struct LookedUp {
    std::string path;
    std::optional<size_t> index;
    ManifestEntry entry;  // when index
  };
  mutable std::array<LookedUp, 2> looked_up_;
  mutable size_t next_lookup_ = 0;
  mutable std::optional<size_t> read_index_;
  mutable ManifestEntry read_;
  mutable Status status_;
  // Finish's "differs only in letter case" hint: extras by case-folded path.
  std::unordered_map<std::string, std::string_view> folded_;
  bool folded_built_ = false;
};

/// Compares `expected` (the act's entries for this medium) with `observed`
/// (a whole list; `qoima scan` and the re-check of held content).
DiffReport DiffMedium(const std::vector<ManifestEntry>& expected, const std::vector<ObservedFile>& observed,
                      const DiffOptions& options = {});

/// Which disc of a several-disc act a medium looks like, counted as it is
/// read: the disc whose entries share the most SHA-256 values with it.
/// Ownership: borrows `manifest`.
class DiscGuess {
 public:
  /// Keeps 16 bytes an entry (the first 64 bits of each SHA-256 and its
  /// disc), wherever the entries are; a read error of compact ones leaves
  /// the guess empty (it is a hint for the clerk).
  explicit DiscGuess(const ActManifest& manifest);
  void Add(const ObservedFile& f);
  /// The best disc so far ("" when nothing matches); Clear starts a medium.
  std::string Best() const;
  void Clear() { hits_.clear(); }

 private:
  std::vector<std::string> discs_;
  // (first 64 bits of an entry's SHA-256, index in discs_), sorted by the former.
  std::vector<std::pair<uint64_t, uint16_t>> prefixes_;
  std::map<std::string, size_t> hits_;
};

/// The disc marking of `manifest` whose entries share the most SHA-256 values
/// with `observed` ("" when the manifest has one disc or nothing matches).
std::string GuessDisc(const ActManifest& manifest, const std::vector<ObservedFile>& observed);

/// Escapes bytes that are not valid UTF-8 as "\xNN" and control characters as
/// "\u{XXXX}" (the notation of hardware/display_name.h).
std::string EscapeRawPath(std::string_view raw);

}  // namespace qoima::appliance
