// The parts the Word (.docx, manifest_docx.cpp) and Excel (.xlsx,
// manifest_xlsx.cpp) act readers share, internal to the parsers: the zip
// read with libarchive (its central directory, as Word and Excel read it),
// the XML parsed with expat one part at a time as it expands, and the
// tables both kinds of document hold. Every limit is a constant in
// manifest_parser.h: zip entries, bytes a part and all parts expand to (also
// against the zip's size), XML nesting, cells, tables, columns; a DTD or
// entity declaration is refused outright.
//
// A document is read twice: a survey finds each table's (sheet's) header
// row and which tables look like Annex 3; then the chosen tables' rows go
// through TableRows (manifest_table.h). Annex 3 has two tables (application
// sources, then libraries): one of each is read together; more candidates
// than that are refused, listed, unless `--table N` picks one.
//
// Thread-safety: none; one document per reader.
#pragma once

#include <expat.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "appliance/manifest_table.h"

namespace qoima::appliance::act_format {

// The zip of a Word or Excel file, in memory: its entry names listed once,
// a part expanded a piece at a time under the limits of manifest_parser.h.
class OfficeZip {
 public:
  static Result<OfficeZip> Open(std::string_view bytes, const Where& where);

  bool Has(std::string_view name) const {
    for (const auto& n : names_)
      if (n == name) return true;
    return false;
  }

  /// Hands part `name`'s expanded bytes to `sink` a piece at a time.
  Status Read(std::string_view name, const std::function<Status(std::string_view)>& sink);

 private:
  OfficeZip(std::string_view bytes, const Where& where) : bytes_(bytes), where_(where) {}
  std::string_view bytes_;
  const Where& where_;
  std::vector<std::string> names_;
  uint64_t expanded_ = 0;
};

/// OK when `bytes` is a zip holding `part` ("word/document.xml"), else why
/// not: the recognizer of each office form.
Status RecognizeOffice(std::string_view bytes, std::string_view part);

// ---- XML ------------------------------------------------------------------------------

using XmlAttrs = const XML_Char**;

/// An element's or attribute's local name (expat gives "namespace\x01local").
std::string_view Local(const char* name);
/// The value of the attribute whose local name is `local`; "" when none is.
std::string_view Attr(XmlAttrs attrs, std::string_view local);

class XmlHandler {
 public:
  virtual ~XmlHandler() = default;
  virtual Status Start(std::string_view name, XmlAttrs attrs) = 0;
  virtual Status End(std::string_view name) = 0;
  virtual Status Text(std::string_view text) = 0;
};

/// Parses part `name` of `zip` with `handler`, a piece at a time.
Status ParseXml(OfficeZip& zip, std::string_view name, XmlHandler& handler, const Where& where);

/// A decimal count in `text` of at most `limit` (what: its name in messages).
Result<size_t> Count(std::string_view text, size_t limit, const Where& where, std::string_view what);

/// Appends to a cell's text; a cell grows to at most kMaxManifestLineBytes.
Status AppendCellText(std::string& cell, std::string_view text, const Where& where);

// ---- tables, whichever document they come from ---------------------------------------

// What the survey learns of one table (a Word table or a sheet).
struct TableSurvey {
  size_t index = 0;  // from 1, in document order
  std::string name;  // "table 2", "sheet 'Лист1'"
  size_t rows = 0;
  size_t header_row = 0;  // 0: none found
  std::vector<std::string> header_cells;
  std::vector<std::string> first_cells;  // its first non-blank row, for messages
  size_t seen = 0;                       // non-blank rows looked at
};

// The rows of every table: the survey keeps each one's header; the read
// hands the chosen tables' later rows to TableRows.
class Tables {
 public:
  Tables(const std::string& file, const ManifestParseOptions& options) : file_(file), options_(options) {}

  std::vector<TableSurvey>& survey() { return survey_; }

  /// A table began (the survey numbers them).
  Status Begin(size_t index, std::string name, const Where& where) {
    if (reading_) return Status::Ok();
    if (index > kMaxOfficeTables)
      return where.Error(0, "", "holds more than " + std::to_string(kMaxOfficeTables) + " tables",
                         Code::kLimitExceeded);
    TableSurvey t;
    t.index = index;
    t.name = std::move(name);
    survey_.push_back(std::move(t));
    return Status::Ok();
  }

  Status Row(size_t index, size_t row, const std::vector<std::string>& cells) {
    cells_seen_ += cells.size() + 1;
    if (cells_seen_ > kMaxOfficeCells)
      return Status::LimitExceeded(file_ + ": its tables hold more than " + std::to_string(kMaxOfficeCells) + " cells");
    if (reading_) return ReadRow(index, row, cells);
    TableSurvey& t = survey_[index - 1];
    ++t.rows;
    bool blank = true;
    for (const auto& c : cells) blank = blank && Trim(c).empty();
    if (blank || t.header_row || t.seen > kMaxRowsBeforeHeader) return Status::Ok();
    if (t.seen++ == 0) t.first_cells = cells;
    if (TableHeader::Read(cells).LooksLikeHeader()) {
      t.header_row = row;
      t.header_cells = cells;
    }
    return Status::Ok();
  }

  /// Chooses the tables to read (see the file's comment); their names.
  Result<std::vector<size_t>> Choose(const std::string& kind) {
    const Where where(file_);
    std::vector<size_t> app, lib;
    if (options_.table) {
      if (options_.table > survey_.size())
        return where.Error(0, "",
                           "--table " + std::to_string(options_.table) + ": it holds " +
                               std::to_string(survey_.size()) + " " + kind + (survey_.size() == 1 ? "" : "s"));
      const TableSurvey& t = survey_[options_.table - 1];
      if (!t.header_row)
        return where.Error(
            0, "", t.name + " has no header row naming the file (its first row reads " + Cells(t.first_cells) + ")");
      return std::vector<size_t>{options_.table};
    }
    for (const auto& t : survey_) {
      if (!t.header_row) continue;
      (TableHeader::Read(t.header_cells).table() == ActTable::kLibrary ? lib : app).push_back(t.index);
    }
    if (app.empty() && lib.empty()) {
      std::string seen;
      for (const auto& t : survey_)
        if (seen.size() < 600) seen += "; " + t.name + " begins " + Cells(t.first_cells);
      return where.Error(0, "",
                         "no " + kind +
                             " has a header row naming the file (a header such as 'Файлдың атауы', "
                             "'Наименование файла' or 'File name'); " +
                             std::to_string(survey_.size()) + " " + kind + (survey_.size() == 1 ? "" : "s") + seen);
    }
    if (app.size() > 1 || lib.size() > 1) {
      std::string list;
      for (const auto& t : survey_)
        if (t.header_row)
          list += "\n  - " + t.name + " (" + std::to_string(t.rows) + " rows): " + Cells(t.header_cells);
      return where.Error(0, "", "holds several " + kind + "s that look like an act; choose one with --table N:" + list);
    }
    std::vector<size_t> chosen = app;
    chosen.insert(chosen.end(), lib.begin(), lib.end());
    std::sort(chosen.begin(), chosen.end());
    return chosen;
  }

  /// Reads the rows of `chosen` into entries (call the document's parse
  /// again between Start and Finish).
  Status Start(std::vector<size_t> chosen) {
    chosen_ = std::move(chosen);
    reading_ = true;
    cells_seen_ = 0;
    for (size_t index : chosen_) {
      const TableSurvey& t = survey_[index - 1];
      auto& r = readers_[index];
      r.where = std::make_unique<Where>(file_, t.name);
      r.header = std::make_unique<TableHeader>(TableHeader::Read(t.header_cells));
      QOIMA_RETURN_IF_ERROR(r.header->Check(*r.where, t.header_row));
      r.rows = std::make_unique<TableRows>(*r.header, *r.where, options_, entries_, profiles_);
    }
    return Status::Ok();
  }

  /// The header of table `index` while reading (nullptr: not read).
  const TableHeader* HeaderOf(size_t index) const {
    auto it = readers_.find(index);
    return it == readers_.end() ? nullptr : it->second.header.get();
  }

  Result<ActManifest> Finish(ManifestFormat format, const std::string& kind) {
    ActManifest m;
    m.format = format;
    m.has_checksums = true;
    std::string part, columns;
    for (size_t index : chosen_) {
      const auto& r = readers_[index];
      m.has_checksums = m.has_checksums && r.header->HasChecksums();
      part += (part.empty() ? "" : " and ") + survey_[index - 1].name;
      columns += (columns.empty() ? "" : "; ") + survey_[index - 1].name + ": " + r.header->Describe();
    }
    m.source.part = part + " of " + std::to_string(survey_.size()) + " " + kind + (survey_.size() == 1 ? "" : "s");
    m.source.columns = columns;
    QOIMA_RETURN_IF_ERROR(entries_.Finish(m));
    for (const auto& d : m.DiscMarkings()) m.discs.push_back({d, ""});
    return m;
  }

  EntryCollector& entries() { return entries_; }
  const Where& file_where() const { return file_where_; }

 private:
  static std::string Cells(const std::vector<std::string>& cells) {
    std::string out;
    for (const auto& c : cells) {
      std::string t = Trim(c);
      if (t.empty()) continue;
      if (!out.empty()) out += ", ";
      if (out.size() > 300) {
        out += "...";
        break;
      }
      out += Quote(t);
    }
    return out.empty() ? "nothing" : out;
  }

  Status ReadRow(size_t index, size_t row, const std::vector<std::string>& cells) {
    auto it = readers_.find(index);
    if (it == readers_.end()) return Status::Ok();
    if (row <= survey_[index - 1].header_row) return Status::Ok();
    return it->second.rows->Add(row, cells);
  }

  struct Reader {
    std::unique_ptr<Where> where;
    std::unique_ptr<TableHeader> header;
    std::unique_ptr<TableRows> rows;
  };

  std::string file_;
  const ManifestParseOptions& options_;
  Where file_where_{file_};
  std::vector<TableSurvey> survey_;
  std::vector<size_t> chosen_;
  bool reading_ = false;
  size_t cells_seen_ = 0;
  std::map<size_t, Reader> readers_;
  EntryCollector entries_{file_where_, options_};
  EntryProfiles profiles_;
};

}  // namespace qoima::appliance::act_format
