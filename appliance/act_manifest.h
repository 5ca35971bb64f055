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

/// The forms an act is accepted in; each is one row of the format table in
/// manifest_format.h, which gives its name, detection and parser.
enum class ManifestFormat { kJson, kCsv, kSha256sum, kBsdTag, kHashdeep, kPowerShell, kDocx, kXlsx };
/// The format's name ("csv", "docx"; `--format`), from the format table.
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

/// The unit of a size an act gives in other than bytes (Annex 3: "MB").
enum class SizeUnit : uint8_t { kKilobytes = 1, kMegabytes = 2, kGigabytes = 3 };

/// A file size as an act wrote it in a unit, to the precision written:
/// "1,234" MB is scaled 1234, decimals 3 (1.234 MB, give or take 0.0005).
/// An act does not say whether its megabyte is 10^6 or 2^20 bytes: a file
/// matches when its size rounds to the figure in either. A figure of one in
/// its last place ("0,01") also admits any smaller non-empty file: acts
/// write the smallest figure for files that would round to zero.
struct DeclaredSize {
  /// Most decimals read (beyond, a figure is finer than a byte anyway).
  static constexpr uint8_t kMaxDecimals = 9;
  uint64_t scaled = 0;
  uint8_t decimals = 0;
  SizeUnit unit = SizeUnit::kMegabytes;

  /// True when `bytes` rounds to this figure (see above).
  bool Admits(uint64_t bytes) const;
  /// "1.234 MB".
  std::string ToString() const;
  /// The figure as written ("1.234").
  std::string Figure() const;
  /// "1.234 MB", "0,5 KB" or "12 MB" read back (ToString's form; a comma
  /// is a decimal separator); nullopt when it is not one.
  static std::optional<DeclaredSize> FromString(std::string_view text);
  /// Parses a figure as acts write it: digits, one decimal point or comma,
  /// spaces (or no-break spaces) between digit groups; decimals past
  /// kMaxDecimals are rounded off. nullopt when it is not a number, is
  /// negative or stands for more than kMaxDeclaredFileBytes.
  static std::optional<DeclaredSize> Parse(std::string_view text, SizeUnit unit);
  bool operator==(const DeclaredSize&) const = default;
};
/// "KB", "MB", "GB".
const char* SizeUnitName(SizeUnit unit);

/// The columns of an act row that most files share: item category, table,
/// language and framework with their versions. An entry points to one; the
/// parsers make the files with equal columns share it (a 100k-file
/// act has a handful of profiles, not 100k copies of five strings).
struct EntryProfile {
  std::string disc;                      // disc marking (software name and version on the label); "" = the only disc
  std::string category = "source_code";  // an ItemCategory code
  ActTable table = ActTable::kApplication;
  std::string language;
  std::string language_version;  // for the library table: the library's version
  std::string framework;
  std::string framework_version;
  /// The act's columns that have no field here, as "header: value" joined
  /// with "; " (a table's own remarks, kept for the record).
  std::string notes;
  bool operator==(const EntryProfile&) const = default;
};

// Field order keeps the entry at 168 bytes (the declared size's small
// members sit in the digest's padding).
struct ManifestEntry {
  std::string path;              // NFC, '/'-separated, relative to the medium's root
  std::optional<uint64_t> size;  // bytes; absent in lists without sizes and in acts giving MB only
  std::optional<ManifestDate> modified;

 private:
  uint64_t declared_scaled_ = 0;  // declared_size(), when declared_unit_ is not 0

 public:
  HexDigest sha256;  // 64 lowercase hex digits, held inline; empty when the act carries no checksums

 private:
  uint8_t declared_decimals_ = 0;
  uint8_t declared_unit_ = 0;  // a SizeUnit, or 0: no declared size

 public:
  uint32_t line = 0;  // line (or table row) in the source file (0 when built in memory)

  /// The size as the act gave it in a unit ("1,234 MB"), when it gave no
  /// exact bytes.
  std::optional<DeclaredSize> declared_size() const;
  void set_declared_size(std::optional<DeclaredSize> d);

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
  const std::string& notes() const { return profile().notes; }

  /// The directory part of `path` ("" for the root) and the file name.
  std::string Directory() const;
  std::string FileName() const;

 private:
  std::shared_ptr<const EntryProfile> profile_;  // null: the defaults
};
static_assert(sizeof(ManifestEntry) <= 168, "an act entry is held once per file for the whole intake");

/// Hands out one shared EntryProfile per distinct set of columns.
class EntryProfiles {
 public:
  std::shared_ptr<const EntryProfile> Share(EntryProfile profile);

 private:
  static constexpr size_t kRemembered = 4096;  // distinct sets looked up; beyond, the table starts again
  std::shared_ptr<const EntryProfile> last_;   // consecutive files mostly share one
  std::unordered_map<std::string, std::shared_ptr<const EntryProfile>> by_key_;
};

class ActEntryTable;  // act_entry_table.h

/// Counts over an act's files (ActManifest::Totals).
struct EntryTotals {
  size_t files = 0;
  uint64_t bytes = 0;  // of the sizes given
  bool sized = true;   // every file has an exact size (false in sha256sum lists and MB-only tables)
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
/// How an act's file was read, for the clerk and the evidence (not part of
/// the act's record).
struct ActSource {
  /// Its text encoding ("UTF-8", "UTF-8 with BOM", "UTF-16LE", "UTF-16BE",
  /// "Windows-1251"; "" for .docx/.xlsx and the appliance's records).
  std::string encoding;
  /// Which table or sheet of a document ("table 2 of 3", "sheet 'Лист1' of 2 sheets").
  std::string part;
  /// A prefix removed from every path ("D:\\", "/media/usb/").
  std::string stripped_prefix;
  /// A table's columns as read ("'Файл атауы' = file name, ...").
  std::string columns;
};

/// What the clerk is told of an act without checksums (in English; the
/// fronts translate it).
inline constexpr const char* kNoChecksumsNote =
    "the act carries no checksums: its files were matched by path, size and date only; the SHA-256 of every "
    "file was computed by the appliance and is what the printed act carries";

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
  /// The files, in act order; empty when they are in `compact`.
  std::vector<ManifestEntry> entries;
  /// A large act read for an intake keeps its files here instead
  /// (ManifestParseOptions::compact_after_entries): read them with ForEachEntry.
  std::shared_ptr<const ActEntryTable> compact;
  ManifestFormat format = ManifestFormat::kJson;
  std::string digest;  // SHA-256 (hex) of the manifest file's exact bytes: what the paper act carries
  /// Fields the act check flags (ActTextFlag), in file order, at most
  /// kMaxListedTextFlags; the rest counted in `text_flags_unlisted`.
  std::vector<ActTextFlag> text_flags;
  size_t text_flags_unlisted = 0;
  /// False when the act gives no SHA-256 for its files (an Annex 3 table as
  /// the form has it): files are then matched by path, size and date only,
  /// and the SHA-256 the appliance computes is what the printed act carries.
  bool has_checksums = true;
  /// How the file was read (not part of the record).
  ActSource source;

  /// Number of files, wherever they are.
  size_t EntryCount() const;
  /// Each file in act order, from memory or from `compact`; a read error of
  /// the latter stops the walk.
  Status ForEachEntry(const std::function<void(const ManifestEntry&)>& fn) const;
  /// Counts over the files of disc `disc`, or over all (nullopt); compact
  /// entries were counted as they were stored.
  Result<EntryTotals> Totals(std::optional<std::string_view> disc = std::nullopt) const;
  /// Distinct disc markings in entry order ("" when the manifest names none).
  std::vector<std::string> DiscMarkings() const;
  /// REQUIRES: entries in memory (`compact` is null).
  uint64_t TotalBytes() const;
};

/// Serializes to our JSON format (docs/act-manifest.md), two-space indented,
/// keys in a fixed order, UTF-8, trailing newline: the bytes `qoima act create`
/// writes and whose SHA-256 becomes the act's manifest digest.
/// `pretty` false: no indentation or newlines (~40% smaller; what the
/// database keeps, where a 100k-file act is stored with each intake).
/// REQUIRES: the entries are in memory (`compact` is null).
std::string ManifestToJson(const ActManifest& manifest, bool pretty = true);
/// The same bytes handed to `sink` in pieces of about 64 KiB (the database
/// record is compressed as it is written, without the whole text); fails
/// only when reading `compact` entries fails.
Status WriteManifestJson(const ActManifest& manifest, bool pretty, const std::function<void(std::string_view)>& sink);

/// Serializes the entries as CSV in the Annex 3 column order (see
/// docs/act-manifest.md), with the header row.
/// REQUIRES: the entries are in memory (`compact` is null).
std::string ManifestToCsv(const ActManifest& manifest);

/// Formats bytes as the act's "MB" column: MiB with two decimals ("0.01" for
/// any non-empty file below that).
std::string FormatMegabytes(uint64_t bytes);

}  // namespace qoima::appliance
