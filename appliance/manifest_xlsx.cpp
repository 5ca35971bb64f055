// Acts as Excel (.xlsx) workbooks: a spreadsheet saved as it is. Each
// sheet's XML is parsed as it expands (manifest_office.h), once to survey
// the sheets and once to read the chosen ones; the workbook's shared strings
// are held (cells refer to them by number), and its styles say which
// numbers are dates.
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "appliance/civil_time.h"
#include "appliance/manifest_office.h"

namespace qoima::appliance::act_format {
namespace {

constexpr std::string_view kWorkbookPart = "xl/workbook.xml";
/// Merged ranges of a sheet we keep (for filling cells merged down a column).
constexpr size_t kMaxMergedRanges = 100'000;

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

Status RecognizeXlsx(std::string_view bytes) { return RecognizeOffice(bytes, kWorkbookPart); }

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
