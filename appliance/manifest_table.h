// Acts as tables with a header row (Annex 3 as depositors fill it in a
// spreadsheet or a Word document), internal to the parsers: which column is
// which, found by the words of its header in Kazakh, Russian or English
// (kColumnWords in manifest_table.cpp), and each row made into an entry.
// CSV (manifest_csv.cpp), .docx and .xlsx (manifest_docx.cpp, manifest_xlsx.cpp
// over manifest_office.h) share it.
//
// A header cell is compared after case folding, with what stands in
// parentheses and runs of spaces dropped and a trailing unit (", МБ",
// ", Мбайт", ", bytes") read off; columns may come in any order, and a
// column whose header names nothing known is kept as a note of each row.
//
// Thread-safety: none.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "appliance/act_manifest.h"
#include "appliance/manifest_format.h"

namespace qoima::appliance::act_format {

/// What a column of an act's table holds.
enum class Field {
  kNumber,
  kDisc,
  kDirectory,
  kFileName,
  kPath,
  kSize,
  kSha256,
  kLanguage,
  kLanguageVersion,
  kFramework,
  kFrameworkVersion,
  kModified,
  kCategory,
  kTable,
  kLibraryVersion,
};
/// The field's name in messages ("file name", "SHA-256").
const char* FieldName(Field f);

struct HeaderColumn {
  std::string header;            // as written, for messages and notes
  std::optional<Field> field;    // nullopt: a column kept as a note
  std::optional<SizeUnit> unit;  // kSize: the unit, nullopt for bytes
  bool library = false;          // a word only the library table (Annex 3 table 2) uses
};

/// Rows a header may be preceded by (a title, the act's heading lines).
inline constexpr size_t kMaxRowsBeforeHeader = 20;

class TableHeader {
 public:
  /// The columns `cells` name.
  static TableHeader Read(const std::vector<std::string>& cells);
  /// True when the row names a file (a path, or a file name) and at least
  /// one more column: a table's header, not a title or a file row.
  bool LooksLikeHeader() const;
  /// Refuses a header that is not enough to check files against: two
  /// columns for one field (naming both), no path, neither SHA-256 nor size.
  /// `where` and `line` place the message.
  Status Check(const Where& where, size_t line) const;
  /// Annex 3's table 2 (libraries) when its header uses that table's words.
  ActTable table() const { return library_ ? ActTable::kLibrary : ActTable::kApplication; }
  size_t size() const { return columns_.size(); }
  size_t recognised() const;
  const std::vector<HeaderColumn>& columns() const { return columns_; }
  /// The column holding `f` (the first; Check refuses a second).
  std::optional<size_t> Column(Field f) const;
  bool HasChecksums() const { return Column(Field::kSha256).has_value(); }
  /// "'Файл атауы' = file name, 'Көлемі, Мбайт' = size (MB), ..." for
  /// messages and `qoima act show`.
  std::string Describe() const;

 private:
  std::vector<HeaderColumn> columns_;
  bool library_ = false;
};

/// Whether `cells` are the row of column numbers ("1", "2", ... "10") that
/// Annex 3 prints under its header.
bool IsColumnNumberRow(const std::vector<std::string>& cells);

// Makes a table's rows into entries, as the header says.
class TableRows {
 public:
  TableRows(const TableHeader& header, const Where& where, const ManifestParseOptions& options, EntryCollector& entries,
            EntryProfiles& profiles)
      : header_(header), where_(where), options_(options), entries_(entries), profiles_(profiles) {}

  /// One row of cells in the header's order (a missing trailing cell is
  /// empty; a cell beyond the header is refused, naming its column).
  /// Blank rows, the column-number row under the header and a totals row
  /// ("Барлығы", "Итого", "Total") are skipped. `line` is the row's line
  /// (CSV) or number (documents), for messages and ManifestEntry::line.
  Status Add(size_t line, const std::vector<std::string>& cells);

 private:
  Status Entry(size_t line, const std::vector<std::string>& cells);
  // The phases of Entry: the row's path (one column, or directory and
  // file name), its size (bytes, a figure in a unit, or both) and the rest
  // of its profile (category, table, language, notes).
  Result<std::string> RowPath(size_t line, const std::vector<std::string>& cells);
  Status RowSize(size_t line, const std::vector<std::string>& cells, ManifestEntry& e);
  Status RowProfile(size_t line, const std::vector<std::string>& cells, const std::string& path, EntryProfile& profile);
  std::string Cell(const std::vector<std::string>& cells, Field f) const;

  const TableHeader& header_;
  const Where& where_;
  const ManifestParseOptions& options_;
  EntryCollector& entries_;
  EntryProfiles& profiles_;
  bool first_row_ = true;
  std::string last_disc_;  // an empty disc cell is the one above (merged cells)
};

}  // namespace qoima::appliance::act_format
