// ManifestParser: reads an act manifest in any accepted form (our JSON; a
// table found by its header words, as CSV, Excel's Unicode text, a Word
// .docx or an Excel .xlsx; sha256sum-style, BSD-style, hashdeep and
// PowerShell hash lists) into an ActManifest, refusing anything doubtful
// with a message that names the file, the line (or table row) and the field.
// The forms are the rows of one table (manifest_format.h); a file that is
// none of them is refused naming each form and why it is not that one.
//
// Manifests come from depositors and are untrusted: every limit is a named
// constant below; text is UTF-8 (with or without a byte order mark), UTF-16
// with one, or Windows-1251, recognised over the whole file and decoded a
// piece at a time (manifest_encoding.h); paths are normalized to NFC and may
// not climb out with "..", sizes must be sane, dates may not be in the
// future, categories must be known, and no path may appear twice. Word and
// Excel files are read with libarchive (the zip) and expat (the XML), held
// compressed in memory (at most kMaxOfficeActBytes) and expanded a piece at a
// time. See docs/act-manifest.md.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "appliance/act_manifest.h"
#include "common/result.h"

namespace qoima::appliance {

/// Largest manifest file we read (bytes).
inline constexpr size_t kMaxManifestBytes = 64u << 20;
/// Most entries one manifest may list.
inline constexpr size_t kMaxManifestEntries = 500'000;
/// Most distinct disc markings one manifest may use.
inline constexpr size_t kMaxManifestDiscs = 256;
/// Entries an act read for an intake keeps as ManifestEntry values; beyond,
/// they move to the compact ActEntryTable (ManifestParseOptions::
/// compact_after_entries): ~250 B a file as values, ~72 B plus the path
/// compacted. Small acts stay values (nothing to save); every large one
/// takes the same compact path, so an intake's cost per file is the same at
/// 20k files as at 400k.
inline constexpr size_t kActEntriesInMemory = 10'000;
/// Longest line of a CSV, sha256sum or hashdeep manifest (bytes).
inline constexpr size_t kMaxManifestLineBytes = 16u << 10;
/// Longest short text field (names, versions, disc markings; bytes).
inline constexpr size_t kMaxTextFieldBytes = 1024;
/// Longest annotation (bytes).
inline constexpr size_t kMaxAnnotationBytes = 16u << 10;
/// Deepest JSON nesting our format needs is 3; anything deeper is refused.
inline constexpr int kMaxJsonDepth = 4;
/// Largest .docx or .xlsx act (bytes): it is held, compressed, while read.
inline constexpr size_t kMaxOfficeActBytes = 32u << 20;
/// Most entries of a .docx or .xlsx zip.
inline constexpr size_t kMaxOfficeZipEntries = 1000;
/// Most bytes one part of a .docx or .xlsx (an XML file in its zip) may
/// expand to, and all parts read together.
inline constexpr uint64_t kMaxOfficePartBytes = 256u << 20;
inline constexpr uint64_t kMaxOfficeTotalBytes = 512u << 20;
/// Most bytes one part may expand to per byte it takes in the zip (a
/// spreadsheet's XML compresses ~10-30x; a bomb far more).
inline constexpr uint64_t kMaxOfficeExpansionRatio = 200;
/// Deepest XML element nesting (Word nests tables in tables; ~20 in practice).
inline constexpr size_t kMaxOfficeXmlDepth = 64;
/// Most shared strings of an .xlsx, most cells of a table or sheet, most
/// tables of a .docx, most sheets of an .xlsx.
inline constexpr size_t kMaxOfficeSharedStrings = 2'000'000;
inline constexpr size_t kMaxOfficeCells = 20'000'000;
inline constexpr size_t kMaxOfficeTables = 1000;
/// Most columns a table row may have (Annex 3 has 10; spreadsheets 16384).
inline constexpr size_t kMaxTableColumns = 256;
/// How far in the future a modification date may lie before it is refused
/// (clock skew and time zones; a day).
inline constexpr int64_t kFutureDateToleranceSeconds = 86400;

struct ManifestParseOptions {
  /// Format to parse; detected from the content when absent.
  std::optional<ManifestFormat> format;
  /// Which table of a .docx (or sheet of an .xlsx) holds the act, from 1:
  /// `--table N`. 0: the one that looks like Annex 3 (with Annex 3's
  /// library table after it); several candidates are refused, listed.
  size_t table = 0;
  /// The current time (UTC seconds), for "date in the future".
  int64_t now_unix = 0;
  /// For hash lists made with absolute paths: this prefix is removed from
  /// every path (e.g. "/media/usb", "D:\\"); a path outside it is refused.
  /// Empty: a drive root or mount point every path shares is removed.
  std::string strip_prefix;
  /// When non-empty, a manifest naming another application is refused.
  std::string expected_application;
  /// True only for the appliance's own record of an act (ManifestToJson kept
  /// with an intake): an act read from a sha256sum or hashdeep list gives no
  /// sizes, application or software name, so those may be absent there.
  bool stored_record = false;
  /// An act of more files than this keeps them in a compact ActEntryTable
  /// (ActManifest::compact) instead of `entries`. nullopt: always `entries`
  /// (what callers that need ActManifest::entries ask for).
  std::optional<size_t> compact_after_entries;
};

/// An accepted form, as the format table describes it.
struct ManifestFormatInfo {
  ManifestFormat format;
  std::string name;     // "csv"
  std::string title;    // "a table with a header row, as CSV or tab-separated text"
  std::string made_by;  // the tools that write it
};
/// Every accepted form, in the order a file is tried against them.
std::vector<ManifestFormatInfo> ManifestFormats();
/// The format named `name` ("csv"); nullopt when none is.
std::optional<ManifestFormat> ManifestFormatFromName(std::string_view name);
/// "json, hashdeep, ..." for usage messages.
std::string ManifestFormatNameList();

/// Parses `bytes`; `file_name` is used only in messages. The digest field of
/// the result is left empty (LoadManifestFile fills it).
Result<ActManifest> ParseManifest(std::string_view bytes, std::string_view file_name,
                                  const ManifestParseOptions& options);

/// Reads `path` (at most kMaxManifestBytes), parses it and sets the digest to
/// the SHA-256 of its exact bytes.
Result<ActManifest> LoadManifestFile(const std::string& path, const ManifestParseOptions& options);

/// A manifest's bytes a piece at a time (a file, or the appliance's
/// compressed record of an act), for ParseManifestFrom.
class ManifestSource {
 public:
  virtual ~ManifestSource() = default;
  /// The next piece ("" at the end), valid until the next call.
  virtual Result<std::string_view> Next() = 0;
  /// Back to the first byte: the parser reads twice.
  virtual Status Rewind() = 0;
};

/// Reads a manifest from `source` as LoadManifestFile reads a file: in two
/// passes over its pieces, at most `max_bytes`, never holding its text; sets
/// the digest to the SHA-256 of its bytes. `name` is used in messages.
Result<ActManifest> ParseManifestFrom(ManifestSource& source, const std::string& name,
                                      const ManifestParseOptions& options, uint64_t max_bytes = kMaxManifestBytes);

/// The form the start of a file reads as, without parsing it: what a list
/// of act files on a medium shows. `head` is the file's first bytes (all of
/// it when `whole`); `name` its file name (a .docx or .xlsx cut short is
/// recognised by its suffix). nullopt, with `why` set, when it is none.
std::optional<ManifestFormat> RecognizeManifestStart(std::string_view head, bool whole, std::string_view name,
                                                     std::string* why = nullptr);

/// Parses a modification date as written in acts: "2025-03-12",
/// "12.03.2025", "2025-03-12T08:15:00Z", "2025-03-12T13:15:00+05:00",
/// "2025-03-12 13:15[:00]" or "12.03.2025 13:15[:00]" (naive times are in
/// the act's zone, UTC+5).
std::optional<ManifestDate> ParseManifestDate(std::string_view text);

}  // namespace qoima::appliance
