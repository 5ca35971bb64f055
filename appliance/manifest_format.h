// The act formats' shared machinery, internal to the manifest parsers
// (manifest_parser.cpp dispatches; manifest_json.cpp, manifest_hash_list.cpp,
// manifest_csv.cpp, manifest_docx.cpp and manifest_xlsx.cpp parse one family
// each, the last two over manifest_office.h's zip, XML and tables).
//
// A format is one row of the format table (FormatTable): its name, the
// words the clerk and the docs see, whether it is a zip container or text,
// how it is recognised from the start of the file and how it is parsed.
// Detection, the "none of the forms" message, `--format` and the list in
// docs/act-manifest.md all come from that table.
//
// Text formats read the act as UTF-8 (ActText: decoded a piece at a time
// from whatever encoding the file is in) one byte at a time, never holding
// its text; every entry goes through EntryCollector, which keeps it in
// memory or moves it to an ActEntryTable.
//
// Thread-safety: none (one parse at a time per object).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "appliance/act_entry_table.h"
#include "appliance/act_manifest.h"
#include "appliance/manifest_encoding.h"
#include "appliance/manifest_parser.h"
#include "common/result.h"
#include "crypto/hash.h"

namespace qoima::appliance::act_format {

// Builds "file:line: field X: problem" (and "file:line:column: ...")
// messages; for a table in a document, "file: table 2, row 5: ...".
class Where {
 public:
  explicit Where(std::string_view file) : file_(file) {}
  /// Lines are rows of `part` ("table 2", "sheet 'Лист1'").
  Where(std::string_view file, std::string part) : file_(file), part_(std::move(part)) {}
  Status Error(size_t line, std::string_view field, const std::string& problem,
               Code code = Code::kInvalidArgument) const;
  Status ErrorAt(size_t line, size_t column, std::string_view field, const std::string& problem,
                 Code code = Code::kInvalidArgument) const;
  Status Wrap(size_t line, std::string_view field, const Status& s) const {
    return Error(line, field, s.message(), s.code());
  }
  const std::string& file() const { return file_; }

 private:
  std::string Place(size_t line, size_t column) const;

  std::string file_;
  std::string part_;
};

// An act's bytes as the source gives them, hashed as they are read.
class RawReader {
 public:
  explicit RawReader(ManifestSource& source) : source_(source) {}
  /// The next piece ("" at the end, or on a read error: status()).
  std::string_view Next();
  /// Reads what is left (hashing it); the digest of everything read.
  crypto::Sha256Digest Finish();
  uint64_t bytes_read() const { return read_; }
  const Status& status() const { return status_; }

 private:
  ManifestSource& source_;
  crypto::Sha256 hash_;
  uint64_t read_ = 0;
  bool ended_ = false;
  Status status_;
};

// An act's text as UTF-8, taken one byte at a time: decoded piece by piece
// from a RawReader, or a string in memory (the start of a file, when its
// format is being recognised). Lines are counted as bytes are taken.
class ActText {
 public:
  ActText(RawReader& raw, TextEncoding encoding) : raw_(&raw), decoder_(encoding) {}
  explicit ActText(std::string_view text) : text_(text) {}

  bool AtEnd() { return pos_ >= text_.size() && !Refill(); }
  char Peek() const { return text_[pos_]; }
  void Take() {
    if (text_[pos_++] == '\n') {
      ++newlines_;
      recent_newlines_[newlines_ % 4] = taken_;
    }
    ++taken_;
  }
  /// The line of byte `offset` of the text, one of the last few taken.
  size_t LineOf(uint64_t offset) const;

 private:
  bool Refill();

  RawReader* raw_ = nullptr;
  std::optional<TextDecoder> decoder_;
  std::string decoded_;
  std::string_view text_;
  size_t pos_ = 0;
  uint64_t taken_ = 0;
  size_t newlines_ = 0;
  uint64_t recent_newlines_[4] = {};
};

struct Line {
  size_t number;
  std::string_view text;  // valid until the next line is read
};

// Splits an ActText at '\n' (a '\r' before it is dropped), refusing a line
// longer than kMaxManifestLineBytes.
class LineReader {
 public:
  LineReader(ActText& text, const Where& where) : text_(text), where_(where) {}
  /// The next line; false at the end.
  Result<bool> Next(Line& line);

 private:
  ActText& text_;
  const Where& where_;
  std::string buf_;
  size_t number_ = 0;
};

// ---- checks every format applies ------------------------------------------

std::string Trim(std::string_view s);
bool IsDigits(std::string_view s);
/// `s` quoted for a message, cut to 40 characters and with control bytes shown.
std::string Quote(std::string_view s);
/// "line L, column C" of byte `offset` of `text` (columns count characters).
std::string PositionOf(std::string_view text, size_t offset);
/// The UTF-8 character starting at byte `offset` of `text`.
std::string CharacterAt(std::string_view text, size_t offset);
Status CheckText(const std::string& value, size_t limit, const Where& where, size_t line, std::string_view field);
Result<std::string> CheckSha256(std::string_view raw, const Where& where, size_t line, std::string_view field);
Result<uint64_t> CheckSizeText(std::string_view raw, const Where& where, size_t line, std::string_view field);
Status CheckDate(const ManifestDate& d, const ManifestParseOptions& options, const Where& where, size_t line,
                 std::string_view field);
Status CheckCategory(const std::string& code, const Where& where, size_t line);
/// Refuses the entry that would pass kMaxManifestEntries.
Status CheckCount(size_t n, const Where& where, size_t line);

// The paths of a list made by a hash tool: relative ones as they are,
// absolute ones with a prefix removed. The prefix is the one given
// (ManifestParseOptions::strip_prefix), or else the one the first absolute
// path shows to be a medium's root (a drive "D:\", or a mount point:
// /media/NAME/, /media/USER/NAME/, /run/media/USER/NAME/, /mnt/NAME/,
// /Volumes/NAME/), which every other path must then share. Windows tools
// separate with '\'.
class ListPaths {
 public:
  ListPaths(const ManifestParseOptions& options, const Where& where);
  /// The normalized path of `raw`; `field` names it in messages;
  /// `backslash_separates` is false only for a sha256sum name it escaped.
  Result<std::string> Path(std::string_view raw, size_t line, std::string_view field, bool backslash_separates = true);
  /// The prefix removed from every path ("" when none).
  const std::string& stripped() const { return stripped_; }

 private:
  const Where& where_;
  std::string given_;     // from the options, with '/' separators
  std::string found_;     // the root the first absolute path showed, with '/' separators
  std::string stripped_;  // as the list writes it ("D:\", "/media/usb/")
  size_t first_absolute_line_ = 0;
  bool relative_seen_ = false;
  size_t relative_line_ = 0;
};

// The act check's text flags (ActTextFlag) as a parser finds them.
struct TextFlags {
  std::vector<ActTextFlag> listed;
  size_t unlisted = 0;

  /// Flags `value` of `field` when ActTextFlagReason says so: listed up to
  /// kMaxListedTextFlags, then counted.
  void Check(size_t line, std::string_view field, const std::string& value, bool multiline = false);
  /// Appends to the manifest's flags (after any it has).
  void MoveTo(ActManifest& m);
};

// Takes the entries as a format's parser makes them: in memory, and once
// there are more than options.compact_after_entries, in an ActEntryTable. The cross-entry checks give the same messages
// either way.
class EntryCollector {
 public:
  EntryCollector(const Where& where, const ManifestParseOptions& options) : where_(where), options_(options) {}

  size_t count() const { return table_ ? table_->size() : entries_.size(); }
  Status Add(ManifestEntry e);
  /// The first entry whose disc `declared` lacks (when it names any).
  std::optional<std::pair<size_t, std::string>> FirstUndeclaredDisc(const std::set<std::string>& declared) const;
  /// Runs the cross-entry checks and hands the entries (and the text
  /// flags found) to `m`.
  Status Finish(ActManifest& m);

 private:
  void Flag(const ManifestEntry& e);
  bool KnownDisc(const std::string& disc) const;
  Status AddToTable(const ManifestEntry& e);
  Status Compact();

  const Where& where_;
  const ManifestParseOptions& options_;
  std::vector<ManifestEntry> entries_;
  std::unique_ptr<ActEntryTable> table_;
  std::vector<std::pair<std::string, size_t>> discs_;  // distinct markings, with the line of the first use
  TextFlags flags_;
  std::optional<EntryProfile> last_flagged_profile_;  // the columns checked last (most entries share them)
};

// ---- CSV records ------------------------------------------------------------

struct CsvRecord {
  size_t line = 0;
  std::vector<std::string> fields;
};

// Reads RFC 4180 CSV one record at a time (a quoted field may span lines),
// each record at most kMaxManifestLineBytes, at most kMaxManifestEntries + 1
// records (a header and the files) after `preamble_records` leading ones.
class CsvReader {
 public:
  CsvReader(ActText& text, char delimiter, const Where& where) : text_(text), delim_(delimiter), where_(where) {}
  /// The next record; false at the end. Errors name the line and column
  /// (the field's number, from 1).
  Result<bool> Next(CsvRecord& rec);
  /// Records read before the header row (title lines above a table) do not
  /// count against the limit.
  void set_preamble_records(size_t n) { preamble_ = n; }
  char delimiter() const { return delim_; }

 private:
  ActText& text_;
  char delim_;
  const Where& where_;
  size_t line_ = 1;
  size_t records_ = 0;
  size_t preamble_ = 0;
};

/// The name of a delimiter for messages ("','", "';'", "tab").
std::string DelimiterName(char delimiter);

// ---- the format table -------------------------------------------------------

struct JsonScan;  // manifest_json.h

// What a format's parser reads.
struct FormatInput {
  ActText* text = nullptr;  // text formats: the act decoded (second pass)
  std::string_view start;   // text: its first decoded piece; containers: all the file's bytes
  const Where& where;
  const ManifestParseOptions& options;
  const JsonScan* json_scan = nullptr;  // JSON: the first pass's scan
};

struct FormatRow {
  ManifestFormat format;
  const char* name;     // "csv": ManifestFormatName, --format, the JSON output
  const char* title;    // what it is, for messages and docs
  const char* made_by;  // the tools that write it, for docs and `qoima act formats`
  bool container;       // a zip (Word, Excel): read from the file's bytes, not as text
  /// OK when `start` (decoded text, or the container's bytes) is in this
  /// format; else why not, naming the line and column where it could be.
  Status (*recognize)(std::string_view start);
  Result<ActManifest> (*parse)(FormatInput& in);
};

/// Every accepted form, in the order they are tried.
const std::vector<FormatRow>& FormatTable();
const FormatRow& FormatRowOf(ManifestFormat f);

// The rows, one per format file.
FormatRow JsonFormat();
FormatRow Sha256sumFormat();
FormatRow BsdTagFormat();
FormatRow HashdeepFormat();
FormatRow PowerShellFormat();
FormatRow CsvFormat();
FormatRow DocxFormat();
FormatRow XlsxFormat();

}  // namespace qoima::appliance::act_format
