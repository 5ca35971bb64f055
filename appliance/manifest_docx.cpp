// Acts as Word (.docx) files: the Annex 3 table as the form is usually
// filled in Word. The document's text is never held: word/document.xml is
// parsed as it expands (manifest_office.h), once to survey its tables and
// once to read the chosen ones.
#include "appliance/manifest_office.h"

namespace qoima::appliance::act_format {
namespace {

constexpr std::string_view kDocumentPart = "word/document.xml";

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

Status RecognizeDocx(std::string_view bytes) { return RecognizeOffice(bytes, kDocumentPart); }

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

}  // namespace qoima::appliance::act_format
