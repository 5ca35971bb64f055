// Acts as Word (.docx) and Excel (.xlsx) files: the Annex 3 table as the
// form is usually filled in Word, or a spreadsheet saved as it is. The zip
// is read with libarchive (its central directory, as Word and Excel read
// it), the XML with expat, one part at a time as it expands: a document's
// text is never held, a workbook's shared strings are (they are looked up by
// number). Every limit is a constant in manifest_parser.h: zip entries,
// bytes a part and all parts expand to (also against the zip's size), XML
// nesting, shared strings, cells, tables, columns; a DTD or entity
// declaration is refused outright.
//
// A document is read twice: a survey finds each table's (sheet's) header
// row and which tables look like Annex 3; then the chosen tables' rows go
// through TableRows (manifest_table.h). Annex 3 has two tables (application
// sources, then libraries): one of each is read together; more candidates
// than that are refused, listed, unless `--table N` picks one.
#include <archive.h>
#include <archive_entry.h>
#include <expat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>

#include "appliance/civil_time.h"
#include "appliance/manifest_table.h"

namespace qoima::appliance::act_format {
namespace {

struct ArchiveReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveReadDeleter>;

struct ExpatDeleter {
  void operator()(XML_ParserStruct* p) const { XML_ParserFree(p); }
};
using ExpatPtr = std::unique_ptr<XML_ParserStruct, ExpatDeleter>;

constexpr std::string_view kDocumentPart = "word/document.xml";
constexpr std::string_view kWorkbookPart = "xl/workbook.xml";
constexpr size_t kReadChunk = 64 * 1024;
/// Whatever the zip's size, this much may always be expanded (a small act
/// with a large, highly compressible sheet).
constexpr uint64_t kMinExpandedBudget = 32u << 20;
/// Merged ranges of a sheet we keep (for filling cells merged down a column).
constexpr size_t kMaxMergedRanges = 100'000;

// libarchive's error, the one place it is mapped.
Status ArchiveError(archive* a, const Where& where, std::string_view what) {
  const char* e = a ? archive_error_string(a) : nullptr;
  return where.Error(0, "", std::string(what) + ": " + (e ? e : "unreadable zip"));
}

Result<ArchivePtr> OpenZip(std::string_view bytes, const Where& where) {
  ArchivePtr a(archive_read_new());
  if (!a) return Status::Internal("archive_read_new failed");
  // The seekable reader follows the central directory, as Word and Excel do.
  if (archive_read_support_format_zip_seekable(a.get()) != ARCHIVE_OK ||
      archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK)
    return ArchiveError(a.get(), where, "not a readable zip");
  return a;
}

// The zip of a Word or Excel file, in memory.
class OfficeZip {
 public:
  static Result<OfficeZip> Open(std::string_view bytes, const Where& where) {
    OfficeZip z(bytes, where);
    QOIMA_ASSIGN_OR_RETURN(ArchivePtr a, OpenZip(bytes, where));
    archive_entry* e = nullptr;
    for (;;) {
      int r = archive_read_next_header(a.get(), &e);
      if (r == ARCHIVE_EOF) break;
      if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return ArchiveError(a.get(), where, "a broken zip");
      if (z.names_.size() >= kMaxOfficeZipEntries)
        return where.Error(0, "", "the zip holds more than " + std::to_string(kMaxOfficeZipEntries) + " entries",
                           Code::kLimitExceeded);
      const char* name = archive_entry_pathname(e);
      z.names_.emplace_back(name ? name : "");
    }
    return z;
  }

  bool Has(std::string_view name) const {
    for (const auto& n : names_)
      if (n == name) return true;
    return false;
  }

  /// Hands part `name`'s expanded bytes to `sink` a piece at a time.
  Status Read(std::string_view name, const std::function<Status(std::string_view)>& sink) {
    QOIMA_ASSIGN_OR_RETURN(ArchivePtr a, OpenZip(bytes_, where_));
    archive_entry* e = nullptr;
    for (;;) {
      int r = archive_read_next_header(a.get(), &e);
      if (r == ARCHIVE_EOF) return where_.Error(0, "", "the zip has no " + std::string(name));
      if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return ArchiveError(a.get(), where_, "a broken zip");
      const char* n = archive_entry_pathname(e);
      if (n && name == n) break;
    }
    const uint64_t budget = std::min<uint64_t>(
        kMaxOfficeTotalBytes, std::max<uint64_t>(kMinExpandedBudget, bytes_.size() * kMaxOfficeExpansionRatio));
    std::string buf(kReadChunk, '\0');
    uint64_t part = 0;
    for (;;) {
      la_ssize_t got = archive_read_data(a.get(), buf.data(), buf.size());
      if (got < 0) return ArchiveError(a.get(), where_, std::string(name) + " cannot be expanded");
      if (got == 0) return Status::Ok();
      part += static_cast<uint64_t>(got);
      expanded_ += static_cast<uint64_t>(got);
      if (part > kMaxOfficePartBytes)
        return where_.Error(
            0, "", std::string(name) + " expands to more than " + std::to_string(kMaxOfficePartBytes) + " bytes",
            Code::kLimitExceeded);
      if (expanded_ > budget)
        return where_.Error(0, "",
                            "its parts expand to more than " + std::to_string(budget) + " bytes (a " +
                                std::to_string(bytes_.size()) + "-byte file)",
                            Code::kLimitExceeded);
      QOIMA_RETURN_IF_ERROR(sink(std::string_view(buf.data(), static_cast<size_t>(got))));
    }
  }

 private:
  OfficeZip(std::string_view bytes, const Where& where) : bytes_(bytes), where_(where) {}
  std::string_view bytes_;
  const Where& where_;
  std::vector<std::string> names_;
  uint64_t expanded_ = 0;
};

// ---- XML ------------------------------------------------------------------------------

using XmlAttrs = const XML_Char**;

// An element's or attribute's local name (expat gives "namespace\x01local").
std::string_view Local(const char* name) {
  std::string_view n(name);
  size_t sep = n.rfind('\x01');
  return sep == std::string_view::npos ? n : n.substr(sep + 1);
}

std::string_view Attr(XmlAttrs attrs, std::string_view local) {
  for (size_t i = 0; attrs && attrs[i]; i += 2)
    if (Local(attrs[i]) == local) return attrs[i + 1];
  return {};
}

class XmlHandler {
 public:
  virtual ~XmlHandler() = default;
  virtual Status Start(std::string_view name, XmlAttrs attrs) = 0;
  virtual Status End(std::string_view name) = 0;
  virtual Status Text(std::string_view text) = 0;
};

struct XmlRun {
  XML_Parser parser;
  XmlHandler& handler;
  const Where& where;
  std::string part;
  size_t depth = 0;
  Status status;

  void Fail(Status s) {
    if (status.ok()) status = std::move(s);
    XML_StopParser(parser, XML_FALSE);
  }
};

void XMLCALL OnStart(void* data, const XML_Char* name, const XML_Char** attrs) {
  auto* run = static_cast<XmlRun*>(data);
  if (!run->status.ok()) return;
  if (++run->depth > kMaxOfficeXmlDepth)
    return run->Fail(run->where.Error(
        0, "", run->part + " nests elements deeper than " + std::to_string(kMaxOfficeXmlDepth) + " levels",
        Code::kLimitExceeded));
  Status s = run->handler.Start(Local(name), attrs);
  if (!s.ok()) run->Fail(std::move(s));
}

void XMLCALL OnEnd(void* data, const XML_Char* name) {
  auto* run = static_cast<XmlRun*>(data);
  if (!run->status.ok()) return;
  --run->depth;
  Status s = run->handler.End(Local(name));
  if (!s.ok()) run->Fail(std::move(s));
}

void XMLCALL OnText(void* data, const XML_Char* text, int len) {
  auto* run = static_cast<XmlRun*>(data);
  if (!run->status.ok()) return;
  Status s = run->handler.Text(std::string_view(text, static_cast<size_t>(len)));
  if (!s.ok()) run->Fail(std::move(s));
}

void XMLCALL OnDoctype(void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
  auto* run = static_cast<XmlRun*>(data);
  run->Fail(run->where.Error(0, "", run->part + " declares a DTD, which no Word or Excel file does"));
}

void XMLCALL OnEntity(void* data, const XML_Char*, int, const XML_Char*, int, const XML_Char*, const XML_Char*,
                      const XML_Char*, const XML_Char*) {
  auto* run = static_cast<XmlRun*>(data);
  run->Fail(run->where.Error(0, "", run->part + " declares an entity, which no Word or Excel file does"));
}

// Parses part `name` of `zip` with `handler`, a piece at a time.
Status ParseXml(OfficeZip& zip, std::string_view name, XmlHandler& handler, const Where& where) {
  ExpatPtr parser(XML_ParserCreateNS(nullptr, '\x01'));
  if (!parser) return Status::Internal("XML_ParserCreateNS failed");
  XmlRun run{parser.get(), handler, where, std::string(name), 0, Status::Ok()};
  XML_SetUserData(parser.get(), &run);
  XML_SetElementHandler(parser.get(), OnStart, OnEnd);
  XML_SetCharacterDataHandler(parser.get(), OnText);
  XML_SetStartDoctypeDeclHandler(parser.get(), OnDoctype);
  XML_SetEntityDeclHandler(parser.get(), OnEntity);
  auto feed = [&](std::string_view piece, bool last) -> Status {
    if (XML_Parse(parser.get(), piece.data(), static_cast<int>(piece.size()), last ? XML_TRUE : XML_FALSE) ==
        XML_STATUS_OK)
      return Status::Ok();
    if (!run.status.ok()) return run.status;
    return where.Error(0, "",
                       std::string(name) + " is not well-formed XML (line " +
                           std::to_string(XML_GetCurrentLineNumber(parser.get())) + ", column " +
                           std::to_string(XML_GetCurrentColumnNumber(parser.get()) + 1) +
                           "): " + XML_ErrorString(XML_GetErrorCode(parser.get())));
  };
  QOIMA_RETURN_IF_ERROR(zip.Read(name, [&](std::string_view piece) { return feed(piece, false); }));
  return feed({}, true);
}

Result<size_t> Count(std::string_view text, size_t limit, const Where& where, std::string_view what) {
  size_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || n > limit)
      return where.Error(0, "", std::string(what) + " " + Quote(text) + " is out of range");
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  if (text.empty() || n > limit) return where.Error(0, "", std::string(what) + " " + Quote(text) + " is out of range");
  return n;
}

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

// A cell's text grows to at most this many bytes.
Status AppendCellText(std::string& cell, std::string_view text, const Where& where) {
  if (cell.size() + text.size() > kMaxManifestLineBytes)
    return where.Error(0, "", "a table cell holds more than " + std::to_string(kMaxManifestLineBytes) + " bytes",
                       Code::kLimitExceeded);
  cell.append(text);
  return Status::Ok();
}

// ---- Word ---------------------------------------------------------------------------------

// word/document.xml: w:tbl > w:tr > w:tc > w:p > w:r > w:t. A cell's
// paragraphs are joined with newlines; w:gridSpan places it across grid
// columns (its text in the first); w:vMerge "continue" repeats the text of
// the cell above; a mc:Fallback (a copy of mc:Choice) is skipped.
class WordTables final : public XmlHandler {
 public:
  WordTables(Tables& tables, const Where& where) : tables_(tables), where_(where) {}

  Status Start(std::string_view name, XmlAttrs attrs) override {
    if (name == "Fallback") ++fallback_;
    if (fallback_) return Status::Ok();
    if (name == "tbl") {
      ++count_;
      Table t;
      t.index = count_;
      stack_.push_back(std::move(t));
      return tables_.Begin(count_, "table " + std::to_string(count_), where_);
    }
    if (stack_.empty()) return Status::Ok();
    Table& t = stack_.back();
    if (name == "tr") {
      t.cells.clear();
      t.grid = 0;
      t.in_row = true;
    } else if (name == "gridBefore" && t.in_row && !t.in_cell) {
      QOIMA_ASSIGN_OR_RETURN(size_t n, Count(Attr(attrs, "val"), kMaxTableColumns, where_, "w:gridBefore"));
      t.grid += n;
    } else if (name == "tc" && t.in_row) {
      t.in_cell = true;
      t.text.clear();
      t.span = 1;
      t.merge_continue = false;
    } else if (t.in_cell && name == "gridSpan") {
      QOIMA_ASSIGN_OR_RETURN(t.span, Count(Attr(attrs, "val"), kMaxTableColumns, where_, "w:gridSpan"));
      if (t.span == 0) t.span = 1;
    } else if (t.in_cell && name == "vMerge") {
      std::string_view v = Attr(attrs, "val");
      t.merge_continue = v.empty() || v == "continue";
    } else if (t.in_cell && name == "r") {
      ++t.in_run;
    } else if (t.in_cell && t.in_run && name == "t") {
      t.in_text = true;
    } else if (t.in_cell && t.in_run && name == "tab") {
      return AppendCellText(t.text, "\t", where_);
    } else if (t.in_cell && t.in_run && (name == "br" || name == "cr")) {
      return AppendCellText(t.text, "\n", where_);
    } else if (t.in_cell && t.in_run && name == "noBreakHyphen") {
      return AppendCellText(t.text, "-", where_);
    }
    return Status::Ok();
  }

  Status End(std::string_view name) override {
    if (name == "Fallback" && fallback_) {
      --fallback_;
      return Status::Ok();
    }
    if (fallback_ || stack_.empty()) return Status::Ok();
    Table& t = stack_.back();
    if (name == "tbl") {
      stack_.pop_back();
    } else if (name == "t") {
      t.in_text = false;
    } else if (name == "r" && t.in_run) {
      --t.in_run;
    } else if (name == "p" && t.in_cell) {
      if (!t.text.empty()) return AppendCellText(t.text, "\n", where_);
    } else if (name == "tc" && t.in_cell) {
      t.in_cell = false;
      std::string text = Trim(t.text);
      if (t.grid + t.span > kMaxTableColumns)
        return where_.Error(0, "",
                            "table " + std::to_string(t.index) + " has a row of more than " +
                                std::to_string(kMaxTableColumns) + " columns",
                            Code::kLimitExceeded);
      if (t.above.size() < t.grid + 1) t.above.resize(t.grid + 1);
      if (t.merge_continue) text = t.above[t.grid];  // merged with the cell above
      t.above[t.grid] = text;
      if (t.cells.size() < t.grid + t.span) t.cells.resize(t.grid + t.span);
      t.cells[t.grid] = std::move(text);
      t.grid += t.span;
    } else if (name == "tr" && t.in_row) {
      t.in_row = false;
      return tables_.Row(t.index, ++t.rows, t.cells);
    }
    return Status::Ok();
  }

  Status Text(std::string_view text) override {
    if (fallback_ || stack_.empty()) return Status::Ok();
    Table& t = stack_.back();
    if (!t.in_text || !t.in_cell) return Status::Ok();
    return AppendCellText(t.text, text, where_);
  }

 private:
  struct Table {
    size_t index = 0;
    size_t rows = 0;
    bool in_row = false, in_cell = false, in_text = false;
    int in_run = 0;
    size_t grid = 0, span = 1;
    bool merge_continue = false;
    std::string text;
    std::vector<std::string> cells, above;
  };

  Tables& tables_;
  const Where& where_;
  std::vector<Table> stack_;  // nested tables inside a cell
  size_t count_ = 0;
  int fallback_ = 0;
};

Status RecognizeDocx(std::string_view bytes) {
  Where where("");
  auto zip = OfficeZip::Open(bytes, where);
  if (!zip.ok()) return Status::InvalidArgument(zip.status().message().substr(2));
  if (!zip->Has(kDocumentPart)) return Status::InvalidArgument("the zip holds no " + std::string(kDocumentPart));
  return Status::Ok();
}

Result<ActManifest> ParseDocx(FormatInput& in) {
  const Where& where = in.where;
  QOIMA_ASSIGN_OR_RETURN(OfficeZip zip, OfficeZip::Open(in.start, where));
  Tables tables(where.file(), in.options);
  {
    WordTables survey(tables, where);
    QOIMA_RETURN_IF_ERROR(ParseXml(zip, kDocumentPart, survey, where));
  }
  if (tables.survey().empty()) return where.Error(0, "", "holds no table");
  QOIMA_ASSIGN_OR_RETURN(std::vector<size_t> chosen, tables.Choose("table"));
  QOIMA_RETURN_IF_ERROR(tables.Start(chosen));
  WordTables read(tables, where);
  QOIMA_RETURN_IF_ERROR(ParseXml(zip, kDocumentPart, read, where));
  return tables.Finish(ManifestFormat::kDocx, "table");
}

// ---- Excel --------------------------------------------------------------------------------

struct SheetRef {
  std::string name;
  std::string rel_id;
  std::string part;  // "xl/worksheets/sheet1.xml"
};

// xl/workbook.xml: the sheets in order, and the date system.
class WorkbookHandler final : public XmlHandler {
 public:
  explicit WorkbookHandler(const Where& where) : where_(where) {}
  Status Start(std::string_view name, XmlAttrs attrs) override {
    if (name == "sheet") {
      if (sheets.size() >= kMaxOfficeTables)
        return where_.Error(0, "", "holds more than " + std::to_string(kMaxOfficeTables) + " sheets",
                            Code::kLimitExceeded);
      sheets.push_back({std::string(Attr(attrs, "name")), std::string(Attr(attrs, "id")), ""});
    } else if (name == "workbookPr") {
      std::string_view d = Attr(attrs, "date1904");
      date1904 = d == "1" || d == "true";
    }
    return Status::Ok();
  }
  Status End(std::string_view) override { return Status::Ok(); }
  Status Text(std::string_view) override { return Status::Ok(); }

  std::vector<SheetRef> sheets;
  bool date1904 = false;

 private:
  const Where& where_;
};

// xl/_rels/workbook.xml.rels: relationship id -> part.
class RelsHandler final : public XmlHandler {
 public:
  Status Start(std::string_view name, XmlAttrs attrs) override {
    if (name == "Relationship" && targets.size() < kMaxOfficeZipEntries)
      targets[std::string(Attr(attrs, "Id"))] = std::string(Attr(attrs, "Target"));
    return Status::Ok();
  }
  Status End(std::string_view) override { return Status::Ok(); }
  Status Text(std::string_view) override { return Status::Ok(); }
  std::map<std::string, std::string> targets;
};

// xl/sharedStrings.xml: <si> (with <t>, or rich <r><t>; phonetic <rPh> skipped).
class SharedStringsHandler final : public XmlHandler {
 public:
  explicit SharedStringsHandler(const Where& where) : where_(where) {}
  Status Start(std::string_view name, XmlAttrs) override {
    if (name == "si") {
      if (strings.size() >= kMaxOfficeSharedStrings)
        return where_.Error(0, "", "holds more than " + std::to_string(kMaxOfficeSharedStrings) + " shared strings",
                            Code::kLimitExceeded);
      strings.emplace_back();
      in_si_ = true;
    } else if (name == "rPh") {
      in_phonetic_ = true;
    } else if (name == "t" && in_si_ && !in_phonetic_) {
      in_t_ = true;
    }
    return Status::Ok();
  }
  Status End(std::string_view name) override {
    if (name == "si") in_si_ = false;
    if (name == "rPh") in_phonetic_ = false;
    if (name == "t") in_t_ = false;
    return Status::Ok();
  }
  Status Text(std::string_view text) override {
    if (!in_t_) return Status::Ok();
    return AppendCellText(strings.back(), text, where_);
  }
  std::vector<std::string> strings;

 private:
  const Where& where_;
  bool in_si_ = false, in_phonetic_ = false, in_t_ = false;
};

// "B12" -> column 1 (from 0), row 12; false when it is not a reference.
bool CellRef(std::string_view ref, size_t& column, size_t& row) {
  size_t i = 0, col = 0;
  while (i < ref.size() && ref[i] >= 'A' && ref[i] <= 'Z' && i < 3)
    col = col * 26 + static_cast<size_t>(ref[i++] - 'A' + 1);
  if (i == 0 || col == 0) return false;
  std::string_view digits = ref.substr(i);
  if (digits.empty() || digits.size() > 7 || !IsDigits(digits)) return false;
  column = col - 1;
  row = std::stoul(std::string(digits));
  return row > 0;
}

// A number as Excel stores it ("1.2345E-2") in plain decimal ("0.012345").
std::string PlainDecimal(std::string_view v) {
  size_t e = v.find_first_of("eE");
  if (e == std::string_view::npos) return std::string(v);
  std::string mantissa(v.substr(0, e));
  long exp = std::strtol(std::string(v.substr(e + 1)).c_str(), nullptr, 10);
  if (exp < -30 || exp > 30) return std::string(v);
  bool negative = !mantissa.empty() && mantissa[0] == '-';
  if (negative) mantissa.erase(0, 1);
  size_t dot = mantissa.find('.');
  std::string digits = mantissa;
  long point = static_cast<long>(mantissa.size());
  if (dot != std::string::npos) {
    digits.erase(dot, 1);
    point = static_cast<long>(dot);
  }
  point += exp;
  if (point <= 0) {
    digits.insert(0, static_cast<size_t>(-point) + 1, '0');
    point = 1;
  }
  if (point >= static_cast<long>(digits.size())) digits.append(static_cast<size_t>(point) - digits.size(), '0');
  std::string out = digits.substr(0, static_cast<size_t>(point));
  std::string frac = digits.substr(static_cast<size_t>(point));
  if (!frac.empty()) out += "." + frac;
  return (negative ? "-" : "") + out;
}

// An Excel date serial ("45728.5") as "2025-03-12 12:00:00" (local time,
// as the workbook keeps it); "" when it is not a number.
std::string ExcelDate(std::string_view v, bool date1904) {
  char* end = nullptr;
  std::string s(v);
  double serial = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0' || !std::isfinite(serial) || serial < 1 || serial > 2958465) return {};
  auto days = static_cast<int64_t>(std::floor(serial));
  auto seconds = static_cast<int64_t>(std::llround((serial - static_cast<double>(days)) * 86400.0));
  if (seconds >= 86400) {
    ++days;
    seconds -= 86400;
  }
  int64_t base;
  if (date1904)
    base = CivilDate::FromYmd(1904, 1, 1).day_number();
  else  // serial 60 is Lotus's 29 February 1900, which never was
    base = CivilDate::FromYmd(1899, 12, days < 61 ? 31 : 30).day_number();
  const std::string day = CivilDate::FromDayNumber(static_cast<int>(base + days)).ToString();
  if (seconds == 0) return day;
  char buf[16];
  std::snprintf(buf, sizeof buf, " %02d:%02d:%02d", static_cast<int>(seconds / 3600),
                static_cast<int>(seconds / 60 % 60), static_cast<int>(seconds % 60));
  return day + buf;
}

// xl/styles.xml: each cell format's number format (<cellXfs><xf numFmtId>)
// and the custom number formats' codes (<numFmts><numFmt formatCode>):
// how many decimals a number is shown with, which is the precision the act
// gives on paper (0.2 shown as "0,200" is a figure to three decimals).
class StylesHandler final : public XmlHandler {
 public:
  Status Start(std::string_view name, XmlAttrs attrs) override {
    if (name == "numFmt" && codes_.size() < kMaxOfficeTables) {
      codes_[std::string(Attr(attrs, "numFmtId"))] = std::string(Attr(attrs, "formatCode"));
    } else if (name == "cellXfs") {
      in_cell_xfs_ = true;
    } else if (name == "xf" && in_cell_xfs_ && formats_.size() < kMaxOfficeCells / 1000) {
      formats_.emplace_back(Attr(attrs, "numFmtId"));
    }
    return Status::Ok();
  }
  Status End(std::string_view name) override {
    if (name == "cellXfs") in_cell_xfs_ = false;
    return Status::Ok();
  }
  Status Text(std::string_view) override { return Status::Ok(); }

  /// Decimals a number in cell format `style` (a cell's s="N") is shown with.
  size_t Decimals(std::string_view style) const {
    size_t index = 0;
    for (char c : style) {
      if (c < '0' || c > '9' || index > formats_.size()) return 0;
      index = index * 10 + static_cast<size_t>(c - '0');
    }
    if (style.empty() || index >= formats_.size()) return 0;
    const std::string& id = formats_[index];
    auto code = codes_.find(id);
    if (code != codes_.end()) return CodeDecimals(code->second);
    // Built-in formats: 2 "0.00", 4 "#,##0.00", 10 "0.00%", 11 "0.00E+00",
    // 39/40 "#,##0.00;...", 48 "##0.0E+0".
    if (id == "2" || id == "4" || id == "10" || id == "11" || id == "39" || id == "40") return 2;
    if (id == "48") return 1;
    return 0;
  }

 private:
  // The digits after the point of a format code's first section ("0.000").
  static size_t CodeDecimals(std::string_view code) {
    bool quoted = false, bracket = false, after_point = false;
    size_t n = 0;
    for (size_t i = 0; i < code.size(); ++i) {
      const char c = code[i];
      if (quoted) {
        quoted = c != '"';
        continue;
      }
      if (bracket) {
        bracket = c != ']';
        continue;
      }
      if (c == '"')
        quoted = true;
      else if (c == '[')
        bracket = true;
      else if (c == '\\')
        ++i;
      else if (c == ';')
        break;
      else if (c == '.' && !after_point)
        after_point = true;
      else if (after_point && (c == '0' || c == '#' || c == '?'))
        ++n;
      else if (after_point)
        break;
    }
    return std::min<size_t>(n, DeclaredSize::kMaxDecimals);
  }

  std::map<std::string, std::string> codes_;
  std::vector<std::string> formats_;
  bool in_cell_xfs_ = false;
};

// `number` ("0.2") shown with at least `decimals` decimals ("0.200").
std::string WithDecimals(std::string number, size_t decimals) {
  size_t dot = number.find('.');
  size_t have = dot == std::string::npos ? 0 : number.size() - dot - 1;
  if (have >= decimals) return number;
  if (dot == std::string::npos) number += '.';
  number.append(decimals - have, '0');
  return number;
}

struct MergedRange {
  size_t top = 0, bottom = 0, column = 0;
  std::string value;
};

// A sheet's rows: <row r> <c r t s><v>..</v> or <is><t>..</t></is></c>;
// <mergeCell ref="B2:B10"> after the data (collected by the survey).
class SheetHandler final : public XmlHandler {
 public:
  SheetHandler(Tables& tables, size_t index, const std::vector<std::string>& shared, const StylesHandler& styles,
               bool date1904, const Where& where, std::vector<MergedRange>* merges_out,
               std::vector<MergedRange>* merges_in)
      : tables_(tables),
        index_(index),
        shared_(shared),
        styles_(styles),
        date1904_(date1904),
        where_(where),
        merges_out_(merges_out),
        merges_in_(merges_in) {}

  Status Start(std::string_view name, XmlAttrs attrs) override {
    if (name == "row") {
      in_row_ = true;
      cells_.clear();
      next_column_ = 0;
      std::string_view r = Attr(attrs, "r");
      if (!r.empty()) {
        QOIMA_ASSIGN_OR_RETURN(size_t n, Count(r, 1'048'576, where_, "row number"));
        if (n <= row_) return where_.Error(0, "", "rows out of order (row " + std::string(r) + ")");
        row_ = n;
      } else {
        ++row_;
      }
    } else if (name == "c" && in_row_) {
      in_cell_ = true;
      value_.clear();
      type_ = std::string(Attr(attrs, "t"));
      style_ = std::string(Attr(attrs, "s"));
      std::string_view ref = Attr(attrs, "r");
      size_t column = next_column_, row = 0;
      if (!ref.empty() && !CellRef(ref, column, row))
        return where_.Error(0, "", "a cell reference " + Quote(ref) + " is not one");
      column_ = column;
      next_column_ = column + 1;
    } else if (in_cell_ && (name == "v" || (name == "t" && type_ == "inlineStr"))) {
      in_value_ = true;
    } else if (name == "mergeCell" && merges_out_) {
      if (merges_out_->size() >= kMaxMergedRanges) return Status::Ok();
      std::string_view ref = Attr(attrs, "ref");
      size_t colon = ref.find(':');
      size_t c1 = 0, r1 = 0, c2 = 0, r2 = 0;
      if (colon != std::string_view::npos && CellRef(ref.substr(0, colon), c1, r1) &&
          CellRef(ref.substr(colon + 1), c2, r2) && r2 > r1)
        merges_out_->push_back({r1, r2, c1, {}});
    }
    return Status::Ok();
  }

  Status End(std::string_view name) override {
    if ((name == "v" || name == "t") && in_value_) {
      in_value_ = false;
    } else if (name == "c" && in_cell_) {
      in_cell_ = false;
      if (column_ >= kMaxTableColumns) {
        if (!Trim(value_).empty())
          return where_.Error(0, "",
                              SheetName() + ", row " + std::to_string(row_) + ": column " +
                                  std::to_string(column_ + 1) + " lies beyond the " + std::to_string(kMaxTableColumns) +
                                  " columns read");
        return Status::Ok();
      }
      QOIMA_ASSIGN_OR_RETURN(std::string text, CellText());
      if (cells_.size() <= column_) cells_.resize(column_ + 1);
      cells_[column_] = std::move(text);
    } else if (name == "row" && in_row_) {
      in_row_ = false;
      FillMerged();
      return tables_.Row(index_, row_, cells_);
    }
    return Status::Ok();
  }

  Status Text(std::string_view text) override {
    if (!in_value_) return Status::Ok();
    return AppendCellText(value_, text, where_);
  }

 private:
  std::string SheetName() const { return tables_.survey()[index_ - 1].name; }

  Result<std::string> CellText() {
    if (type_ == "s") {
      QOIMA_ASSIGN_OR_RETURN(size_t i, Count(Trim(value_), SIZE_MAX / 16, where_, "a shared string number"));
      if (i >= shared_.size())
        return where_.Error(
            0, "", "a cell refers to shared string " + std::to_string(i) + " of " + std::to_string(shared_.size()));
      return shared_[i];
    }
    if (type_ == "inlineStr" || type_ == "str" || type_ == "e") return value_;
    if (type_ == "b") return value_ == "1" ? std::string("TRUE") : std::string("FALSE");
    if (type_ == "d") {  // ISO 8601 as written, without fractions of a second
      std::string d = value_;
      if (size_t dot = d.find('.'); dot != std::string::npos && dot > 10) d.resize(dot);
      return d;
    }
    // A number: a date where the header says so, else plain decimal, with
    // the decimals it is shown with.
    const TableHeader* header = tables_.HeaderOf(index_);
    if (header && header->Column(Field::kModified) == column_) {
      std::string d = ExcelDate(Trim(value_), date1904_);
      if (!d.empty()) return d;
    }
    return WithDecimals(PlainDecimal(Trim(value_)), styles_.Decimals(style_));
  }

  // A cell merged down a column reads as the range's top cell.
  void FillMerged() {
    if (!merges_in_) return;
    for (auto& m : *merges_in_) {
      if (row_ == m.top && m.column < cells_.size()) m.value = cells_[m.column];
      if (row_ > m.top && row_ <= m.bottom) {
        if (cells_.size() <= m.column) cells_.resize(m.column + 1);
        if (Trim(cells_[m.column]).empty()) cells_[m.column] = m.value;
      }
    }
  }

  Tables& tables_;
  size_t index_;
  const std::vector<std::string>& shared_;
  const StylesHandler& styles_;
  bool date1904_;
  const Where& where_;
  std::vector<MergedRange>* merges_out_;
  std::vector<MergedRange>* merges_in_;
  bool in_row_ = false, in_cell_ = false, in_value_ = false;
  size_t row_ = 0, column_ = 0, next_column_ = 0;
  std::string type_, style_, value_;
  std::vector<std::string> cells_;
};

Status RecognizeXlsx(std::string_view bytes) {
  Where where("");
  auto zip = OfficeZip::Open(bytes, where);
  if (!zip.ok()) return Status::InvalidArgument(zip.status().message().substr(2));
  if (!zip->Has(kWorkbookPart)) return Status::InvalidArgument("the zip holds no " + std::string(kWorkbookPart));
  return Status::Ok();
}

// A relationship's target as a zip entry name ("worksheets/sheet1.xml" is
// under xl/; "/xl/worksheets/sheet1.xml" from the root).
std::string PartName(std::string_view target) {
  if (!target.empty() && target[0] == '/') return std::string(target.substr(1));
  return "xl/" + std::string(target);
}

Result<ActManifest> ParseXlsx(FormatInput& in) {
  const Where& where = in.where;
  QOIMA_ASSIGN_OR_RETURN(OfficeZip zip, OfficeZip::Open(in.start, where));
  WorkbookHandler workbook(where);
  QOIMA_RETURN_IF_ERROR(ParseXml(zip, kWorkbookPart, workbook, where));
  RelsHandler rels;
  QOIMA_RETURN_IF_ERROR(ParseXml(zip, "xl/_rels/workbook.xml.rels", rels, where));
  SharedStringsHandler shared(where);
  if (zip.Has("xl/sharedStrings.xml")) QOIMA_RETURN_IF_ERROR(ParseXml(zip, "xl/sharedStrings.xml", shared, where));
  StylesHandler styles;
  if (zip.Has("xl/styles.xml")) QOIMA_RETURN_IF_ERROR(ParseXml(zip, "xl/styles.xml", styles, where));
  if (workbook.sheets.empty()) return where.Error(0, "", "holds no sheet");
  Tables tables(where.file(), in.options);
  std::vector<std::vector<MergedRange>> merges(workbook.sheets.size());
  for (size_t i = 0; i < workbook.sheets.size(); ++i) {
    SheetRef& s = workbook.sheets[i];
    auto target = rels.targets.find(s.rel_id);
    if (target == rels.targets.end())
      return where.Error(0, "", "sheet " + Quote(s.name) + " has no part in xl/_rels/workbook.xml.rels");
    s.part = PartName(target->second);
    QOIMA_RETURN_IF_ERROR(tables.Begin(i + 1, "sheet " + Quote(s.name), where));
    SheetHandler survey(tables, i + 1, shared.strings, styles, workbook.date1904, where, &merges[i], nullptr);
    QOIMA_RETURN_IF_ERROR(ParseXml(zip, s.part, survey, where));
  }
  QOIMA_ASSIGN_OR_RETURN(std::vector<size_t> chosen, tables.Choose("sheet"));
  QOIMA_RETURN_IF_ERROR(tables.Start(chosen));
  for (size_t index : chosen) {
    SheetHandler read(tables, index, shared.strings, styles, workbook.date1904, where, nullptr, &merges[index - 1]);
    QOIMA_RETURN_IF_ERROR(ParseXml(zip, workbook.sheets[index - 1].part, read, where));
  }
  return tables.Finish(ManifestFormat::kXlsx, "sheet");
}

}  // namespace

FormatRow DocxFormat() {
  return {ManifestFormat::kDocx,
          "docx",
          "a Word document holding the Annex 3 table",
          "Microsoft Word, LibreOffice Writer (.docx)",
          true,
          RecognizeDocx,
          ParseDocx};
}

FormatRow XlsxFormat() {
  return {ManifestFormat::kXlsx,
          "xlsx",
          "an Excel workbook with the table on a sheet",
          "Microsoft Excel, LibreOffice Calc (.xlsx)",
          true,
          RecognizeXlsx,
          ParseXlsx};
}

}  // namespace qoima::appliance::act_format
