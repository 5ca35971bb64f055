// ActManifest: the machine-readable acceptance-transfer act (001 Annex 3).
//
// One entry per file on the depositor's media, with the Annex 3 columns (disc
// marking, directory + file name, size, language and version, framework and
// version, modification date) plus what a machine check needs: SHA-256, the
// exact size in bytes and the item category (003 cl.10). The on-disk formats
// are described in docs/act-manifest.md; the parsers live in manifest_parser.h.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "appliance/hex_digest.h"
#include "common/result.h"

namespace qoima::appliance {

/// The largest file size a manifest may declare (4 TiB): anything above is
/// a typo or an attack on our arithmetic, not a file on a CD, DVD or stick.
inline constexpr uint64_t kMaxDeclaredFileBytes = uint64_t{4} << 40;

enum class ManifestFormat { kJson, kCsv, kSha256sum, kHashdeep };
const char* ManifestFormatName(ManifestFormat f);

/// Which Annex 3 table a row belongs to.
enum class ActTable { kApplication, kLibrary };
const char* ActTableName(ActTable t);

/// A file modification date as written in the act: either a whole day (the
/// paper form's usual "12.03.2025") or an instant to the second.
struct ManifestDate {
  int64_t unix_seconds = 0;  // the instant, or 00:00 of the day in the act's zone
  bool date_only = false;
  /// "2025-03-12" or "2025-03-12T08:15:00Z".
  std::string ToString() const;
  bool operator==(const ManifestDate&) const = default;
};

/// The columns of an act row that most files share: item category, table,
/// language and framework with their versions. An entry points to one; the
/// parsers make the files with equal columns share it (issue #6: a 100k-file
/// act has a handful of profiles, not 100k copies of five strings).
struct EntryProfile {
  std::string disc;                      // disc marking (software name and version on the label); "" = the only disc
  std::string category = "source_code";  // an ItemCategory code
  ActTable table = ActTable::kApplication;
  std::string language;
  std::string language_version;  // for the library table: the library's version
  std::string framework;
  std::string framework_version;
  bool operator==(const EntryProfile&) const = default;
};

// Field order keeps the entry at 160 bytes (no padding between the members).
struct ManifestEntry {
  std::string path;              // NFC, '/'-separated, relative to the medium's root
  std::optional<uint64_t> size;  // bytes; absent only in sha256sum lists
  std::optional<ManifestDate> modified;
  HexDigest sha256;   // 64 lowercase hex digits, held inline
  uint32_t line = 0;  // line in the source file (0 when built in memory)

  /// The shared columns (the defaults when none were set).
  const EntryProfile& profile() const;
  /// The entry's own copy of its columns, for changing them.
  EntryProfile& edit_profile();
  /// Points the entry at `profile` (shared with other entries).
  void share_profile(std::shared_ptr<const EntryProfile> profile) { profile_ = std::move(profile); }
  /// Its disc's marking ("" = the only disc).
  const std::string& disc() const { return profile().disc; }
  const std::string& category() const { return profile().category; }
  ActTable table() const { return profile().table; }
  const std::string& language() const { return profile().language; }
  const std::string& language_version() const { return profile().language_version; }
  const std::string& framework() const { return profile().framework; }
  const std::string& framework_version() const { return profile().framework_version; }

  /// The directory part of `path` ("" for the root) and the file name.
  std::string Directory() const;
  std::string FileName() const;

 private:
  std::shared_ptr<const EntryProfile> profile_;  // null: the defaults
};
static_assert(sizeof(ManifestEntry) <= 160, "an act entry is held once per file for the whole intake (issue #6)");

/// Hands out one shared EntryProfile per distinct set of columns.
class EntryProfiles {
 public:
  std::shared_ptr<const EntryProfile> Share(EntryProfile profile);

 private:
  static constexpr size_t kRemembered = 4096;  // distinct sets looked up; beyond, the table starts again
  std::shared_ptr<const EntryProfile> last_;   // consecutive files mostly share one
  std::unordered_map<std::string, std::shared_ptr<const EntryProfile>> by_key_;
};

class ActEntryFile;  // act_entry_file.h

/// Counts over an act's files (ActManifest::Totals).
struct EntryTotals {
  size_t files = 0;
  uint64_t bytes = 0;  // of the sizes given
  bool sized = true;   // every file has a size (false in sha256sum lists)
  size_t library = 0;  // files of table 2
};

/// A field of the act whose text holds characters that are shown escaped
/// (bidirectional controls, invisible format characters, line separators:
/// common/visible_text.h), or text that reads like such an escape. The act is
/// accepted as written; the act check flags the field on screen, in the
/// evidence and on paper (docs/security.md, "Names that lie").
struct ActTextFlag {
  size_t line = 0;     // line in the act file; 0 when not known (JSON header fields)
  std::string field;   // "path", "disc", "language", "software.name", "depositor", ...
  std::string value;   // the exact text (shown through VisibleText)
  std::string reason;  // "U+202E (bidirectional control)", ...
};
/// Text flags an act lists at most; the rest are counted (text_flags_unlisted).
inline constexpr size_t kMaxListedTextFlags = 1000;

/// Why `value` of an act field is flagged, or "" when it is not: its hidden
/// characters (with '\n' and '\t' allowed when `multiline`), or a backslash
/// sequence that reads like an escape ("\u{", "\x").
std::string ActTextFlagReason(std::string_view value, bool multiline = false);

struct ManifestDisc {
  std::string marking;
  std::string volume_label;  // optional; checked against the medium when given
};

struct ActManifest {
  int version = 1;
  std::string application;  // portal code of the informatization object; "" in list formats
  std::string software_name;
  std::string software_version;
  std::string annotation;
  std::string depositor;  // organization handing over
  std::vector<ManifestDisc> discs;
  /// The files, in act order; empty when they are in `spilled`.
  std::vector<ManifestEntry> entries;
  /// A large act read for an intake keeps its files on disk instead
  /// (ManifestParseOptions::spill_dir): read them with ForEachEntry.
  std::shared_ptr<const ActEntryFile> spilled;
  ManifestFormat format = ManifestFormat::kJson;
  std::string digest;  // SHA-256 (hex) of the manifest file's exact bytes: what the paper act carries
  /// Fields the act check flags (ActTextFlag), in file order, at most
  /// kMaxListedTextFlags; the rest counted in `text_flags_unlisted`.
  std::vector<ActTextFlag> text_flags;
  size_t text_flags_unlisted = 0;

  /// Number of files, wherever they are.
  size_t EntryCount() const;
  /// Each file in act order, from memory or from `spilled`; a read error of
  /// the latter stops the walk.
  Status ForEachEntry(const std::function<void(const ManifestEntry&)>& fn) const;
  /// Counts over the files of disc `disc`, or over all (nullopt); spilled
  /// entries were counted as they were stored.
  Result<EntryTotals> Totals(std::optional<std::string_view> disc = std::nullopt) const;
  /// Distinct disc markings in entry order ("" when the manifest names none).
  std::vector<std::string> DiscMarkings() const;
  /// REQUIRES: entries in memory (`spilled` is null).
  uint64_t TotalBytes() const;
};

/// Serializes to our JSON format (docs/act-manifest.md), two-space indented,
/// keys in a fixed order, UTF-8, trailing newline: the bytes `qoima act create`
/// writes and whose SHA-256 becomes the act's manifest digest.
/// `pretty` false: no indentation or newlines (~40% smaller; what the
/// database keeps, where a 100k-file act is stored with each intake).
/// REQUIRES: the entries are in memory (`spilled` is null).
std::string ManifestToJson(const ActManifest& manifest, bool pretty = true);
/// The same bytes handed to `sink` in pieces of about 64 KiB (the database
/// record is compressed as it is written, without the whole text); fails
/// only when reading `spilled` entries fails.
Status WriteManifestJson(const ActManifest& manifest, bool pretty, const std::function<void(std::string_view)>& sink);

/// Serializes the entries as CSV in the Annex 3 column order (see
/// docs/act-manifest.md), with the header row.
/// REQUIRES: the entries are in memory (`spilled` is null).
std::string ManifestToCsv(const ActManifest& manifest);

/// Formats bytes as the act's "MB" column: MiB with two decimals ("0.01" for
/// any non-empty file below that).
std::string FormatMegabytes(uint64_t bytes);

}  // namespace qoima::appliance
