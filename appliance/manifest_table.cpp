#include "appliance/manifest_table.h"

#include <cctype>

#include "appliance/item_category.h"
#include "appliance/unicode_path.h"

namespace qoima::appliance::act_format {
namespace {

struct ColumnWord {
  const char* words;  // normalized header texts, '|'-separated
  Field field;
  bool library = false;  // Annex 3 table 2's own words
  std::optional<SizeUnit> unit = std::nullopt;
  bool bytes = false;  // a size in bytes whatever the header says
};

// The words of the headers we recognise, after NormalizeHeader: Annex 3 in
// Kazakh, Russian and English as the form prints them, their usual variants,
// and the names `qoima act create`'s CSV and the hash tools use. Listed in
// docs/act-manifest.md.
const ColumnWord kColumnWords[] = {
    {"№|no|n|#|nr|номер|р/с|р/с №|р/с n|№ р/с|№ п/п|№п/п|п/п|n п/п|item|item №|item no|реттік нөмір|рет саны",
     Field::kNumber},
    {"дискіні таңбалау|дискіні белгілеу|диск таңбалауы|диск белгісі|маркировка диска|маркировка|"
     "маркировка носителя|disc labeling|disc labelling|disc marking|disk labeling|disk marking|disc_marking|disc|disk|"
     "диск|носитель|тасығыш",
     Field::kDisc},
    {"дискідегі каталогтың атауы|дискідегі каталог|каталогтың атауы|каталог атауы|каталог|"
     "наименование каталога на диске|наименование каталога|название каталога|имя каталога|каталог на диске|папка|"
     "директория|directory name on disk|directory name on disc|directory name|directory|folder|dir",
     Field::kDirectory},
    {"файлдың атауы|файл атауы|файл|наименование файла|имя файла|название файла|file name|filename|file_name|file|"
     "name|имя",
     Field::kFileName},
    {"кітапхана/бағдарламалық платформа/файл атауы|кітапхана/бағдарламалық платформа/файлдың атауы|"
     "кітапхананың атауы|кітапхана атауы|наименование библиотеки/программной платформы/файла|"
     "наименование библиотеки|name of library/software platform/file|library/software platform/file name|"
     "library name",
     Field::kFileName, true},
    {"path|full path|file path|relative path|fullname|путь|путь к файлу|полный путь|относительный путь|жол|файл жолы|"
     "файлдың жолы|файлға жол|толық жол",
     Field::kPath},
    {"файлдың көлемі|файл көлемі|көлемі|көлем|файлдың мөлшері|мөлшері|размер файла|размер|объем файла|объём файла|"
     "объем|объём|file size|size",
     Field::kSize},
    {"size_mb", Field::kSize, false, SizeUnit::kMegabytes},
    {"size_bytes|length|длина", Field::kSize, false, std::nullopt, true},
    {"sha256|sha-256|sha 256|sha256 hash|sha-256 hash|hash|hash sha-256|хэш|хеш|хэш sha-256|хеш sha-256|хэш-сумма|"
     "хеш-сумма|хэш-сумма sha-256|хеш-сумма sha-256|контрольная сумма|контрольная сумма sha-256|бақылау сомасы|"
     "бақылау жиынтығы|бақылау сомасы sha-256|бақылау жиынтығы sha-256|checksum|checksum sha-256|sha256 checksum|"
     "sha-256 checksum|sha256sum|digest",
     Field::kSha256},
    {"пайдаланылатын бағдарламалау тілі|бағдарламалау тілі|тілі|используемый язык программирования|"
     "язык программирования|язык|programming language used|programming language|language",
     Field::kLanguage},
    {"бағдарламалау тілінің нұсқасы|бағдарламалау тілі нұсқасы|тіл нұсқасы|тілдің нұсқасы|"
     "версия языка программирования|версия языка|programming language version|language version|language_version",
     Field::kLanguageVersion},
    {"әзірлеу фреймворкі|фреймворк|фреймворк разработки|development framework|framework", Field::kFramework},
    {"әзірлеу фреймворкінің нұсқасы|фреймворк нұсқасы|фреймворктің нұсқасы|версия фреймворка разработки|"
     "версия фреймворка|development framework version|framework version|framework_version",
     Field::kFrameworkVersion},
    {"файл түрлендірілген күні|файлдың түрлендірілген күні|файлдың өзгертілген күні|өзгертілген күні|"
     "түрлендірілген күні|дата изменения файла|дата изменения|дата модификации файла|дата модификации|"
     "дата последнего изменения|file modification date|modification date|date modified|modified|last modified|"
     "lastwritetime",
     Field::kModified},
    {"category|item category|санат|санаты|категория", Field::kCategory},
    {"table|кесте|таблица", Field::kTable},
    {"кітапхана нұсқасы|кітапхананың нұсқасы|версия библиотеки|library version", Field::kLibraryVersion, true},
};

struct UnitWord {
  const char* words;
  std::optional<SizeUnit> unit;  // nullopt: bytes
};
const UnitWord kUnitWords[] = {
    {"мб|мбайт|мбайтах|мегабайт|мегабайтах|mb|mbyte|mbytes|mib|megabytes", SizeUnit::kMegabytes},
    {"кб|кбайт|кбайтах|килобайт|килобайтах|kb|kbyte|kbytes|kib|kilobytes", SizeUnit::kKilobytes},
    {"гб|гбайт|гигабайт|gb|gbyte|gib|gigabytes", SizeUnit::kGigabytes},
    {"байт|байтах|б|bytes|byte|b", std::nullopt},
};

bool InList(std::string_view list, std::string_view word) {
  while (true) {
    size_t bar = list.find('|');
    if (list.substr(0, bar) == word) return true;
    if (bar == std::string_view::npos) return false;
    list.remove_prefix(bar + 1);
  }
}

// The unit `word` names; false when it names none.
bool UnitOf(std::string_view word, std::optional<SizeUnit>& unit) {
  for (const auto& u : kUnitWords)
    if (InList(u.words, word)) {
      unit = u.unit;
      return true;
    }
  return false;
}

std::string CollapseSpaces(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    // No-break spaces as plain ones.
    if (s.compare(i, 2, "\xC2\xA0") == 0) {
      space = true;
      ++i;
    }
    if (space) {
      if (!out.empty() && out.back() != ' ') out += ' ';
      continue;
    }
    out += c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  // "Кітапхана/ бағдарламалық платформа" as "кітапхана/бағдарламалық платформа".
  std::string tight;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == ' ' && ((i > 0 && out[i - 1] == '/') || (i + 1 < out.size() && out[i + 1] == '/'))) continue;
    tight += out[i];
  }
  return tight;
}

// A header cell as compared with kColumnWords: case-folded, what stands in
// parentheses dropped (a unit there read off), a trailing ", UNIT" read off,
// spaces collapsed, trailing ':' or '.' dropped.
std::string NormalizeHeader(std::string_view cell, std::optional<SizeUnit>& unit, bool& has_unit) {
  Result<std::string> nfc = ToNfc(cell);
  std::string s = CaseFold(nfc.ok() ? *nfc : std::string(cell));
  has_unit = false;
  size_t paren = s.find('(');
  if (paren != std::string::npos) {
    size_t close = s.find(')', paren);
    std::string inside = CollapseSpaces(s.substr(paren + 1, close == std::string::npos ? close : close - paren - 1));
    if (UnitOf(inside, unit)) has_unit = true;
    s.resize(paren);
  }
  s = CollapseSpaces(s);
  size_t comma = s.rfind(',');
  if (comma != std::string::npos) {
    std::string tail = CollapseSpaces(s.substr(comma + 1));
    if (UnitOf(tail, unit)) {
      has_unit = true;
      s = CollapseSpaces(s.substr(0, comma));
    }
  }
  while (!s.empty() && (s.back() == ':' || s.back() == '.' || s.back() == '*' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string FoldedCell(std::string_view cell) {
  Result<std::string> nfc = ToNfc(cell);
  return CollapseSpaces(CaseFold(nfc.ok() ? *nfc : std::string(cell)));
}

}  // namespace

const char* FieldName(Field f) {
  switch (f) {
    case Field::kNumber: return "number";
    case Field::kDisc: return "disc marking";
    case Field::kDirectory: return "directory";
    case Field::kFileName: return "file name";
    case Field::kPath: return "path";
    case Field::kSize: return "size";
    case Field::kSha256: return "SHA-256";
    case Field::kLanguage: return "language";
    case Field::kLanguageVersion: return "language version";
    case Field::kFramework: return "framework";
    case Field::kFrameworkVersion: return "framework version";
    case Field::kModified: return "modification date";
    case Field::kCategory: return "category";
    case Field::kTable: return "table";
    case Field::kLibraryVersion: return "library version";
  }
  return "?";
}

TableHeader TableHeader::Read(const std::vector<std::string>& cells) {
  TableHeader h;
  for (const auto& cell : cells) {
    HeaderColumn c;
    c.header = Trim(cell);
    std::optional<SizeUnit> unit;
    bool has_unit = false;
    const std::string name = NormalizeHeader(c.header, unit, has_unit);
    for (const auto& w : kColumnWords) {
      if (!InList(w.words, name)) continue;
      c.field = w.field;
      c.library = w.library;
      if (w.field == Field::kSize) c.unit = w.bytes ? std::nullopt : w.unit ? w.unit : has_unit ? unit : std::nullopt;
      break;
    }
    h.library_ = h.library_ || c.library;
    h.columns_.push_back(std::move(c));
  }
  return h;
}

size_t TableHeader::recognised() const {
  size_t n = 0;
  for (const auto& c : columns_) n += c.field.has_value();
  return n;
}

bool TableHeader::LooksLikeHeader() const {
  return recognised() >= 2 && (Column(Field::kPath) || Column(Field::kFileName));
}

std::optional<size_t> TableHeader::Column(Field f) const {
  for (size_t i = 0; i < columns_.size(); ++i)
    if (columns_[i].field == f) return i;
  return std::nullopt;
}

Status TableHeader::Check(const Where& where, size_t line) const {
  auto label = [&](size_t i) { return Quote(columns_[i].header) + " (column " + std::to_string(i + 1) + ")"; };
  // Two columns for one field; a size may come once in bytes and once in a unit.
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (!columns_[i].field) continue;
    for (size_t j = i + 1; j < columns_.size(); ++j) {
      if (columns_[j].field != columns_[i].field) continue;
      if (*columns_[i].field == Field::kSize && columns_[i].unit.has_value() != columns_[j].unit.has_value()) continue;
      return where.Error(line, "",
                         "two columns both look like the " + std::string(FieldName(*columns_[i].field)) + ": " +
                             label(i) + " and " + label(j) + "; keep one, or rename the other");
    }
  }
  const auto path = Column(Field::kPath);
  for (Field other : {Field::kFileName, Field::kDirectory})
    if (path && Column(other))
      return where.Error(line, "",
                         "two columns both give the file's path: " + label(*path) + " and " + label(*Column(other)) +
                             "; keep the path, or the directory and file name");
  if (!path && !Column(Field::kFileName))
    return where.Error(line, "",
                       "no column names the file (a header such as 'Файлдың атауы', 'Наименование файла', "
                       "'File name' or 'Path')");
  if (!Column(Field::kSha256) && !Column(Field::kSize))
    return where.Error(line, "",
                       "neither a SHA-256 nor a size column: the files could not be checked (a header such as "
                       "'SHA-256' or 'Файлдың көлемі, Мбайт')");
  return Status::Ok();
}

std::string TableHeader::Describe() const {
  std::string out;
  for (const auto& c : columns_) {
    if (!out.empty()) out += ", ";
    out += Quote(c.header) + " = ";
    if (!c.field) {
      out += "note";
      continue;
    }
    out += FieldName(*c.field);
    if (*c.field == Field::kSize) out += std::string(" (") + (c.unit ? SizeUnitName(*c.unit) : "bytes") + ")";
  }
  return out;
}

bool IsColumnNumberRow(const std::vector<std::string>& cells) {
  size_t numbered = 0;
  for (size_t i = 0; i < cells.size(); ++i) {
    std::string c = Trim(cells[i]);
    if (c.empty()) continue;
    if (c != std::to_string(i + 1)) return false;
    ++numbered;
  }
  return numbered >= 2;
}

std::string TableRows::Cell(const std::vector<std::string>& cells, Field f) const {
  auto col = header_.Column(f);
  if (!col || *col >= cells.size()) return {};
  return Trim(cells[*col]);
}

Status TableRows::Add(size_t line, const std::vector<std::string>& cells) {
  for (size_t i = header_.size(); i < cells.size(); ++i)
    if (!Trim(cells[i]).empty())
      return where_.ErrorAt(line, i + 1, "",
                            "has " + std::to_string(cells.size()) + " fields, the header has " +
                                std::to_string(header_.size()) + ": column " + std::to_string(i + 1) + " holds " +
                                Quote(Trim(cells[i])) + " under no header");
  bool blank = true;
  for (const auto& c : cells) blank = blank && Trim(c).empty();
  if (blank) return Status::Ok();
  const bool first = first_row_;
  first_row_ = false;
  if (first && IsColumnNumberRow(cells)) return Status::Ok();
  // A totals row: its first cell says so ("Итого:"), wherever the table put it.
  for (const auto& c : cells) {
    std::string f = FoldedCell(c);
    if (f.empty()) continue;
    while (!f.empty() && (f.back() == ':' || f.back() == '.')) f.pop_back();
    for (std::string_view total : {"барлығы", "итого", "всего", "total"})
      if (f == total && Cell(cells, Field::kSha256).empty()) return Status::Ok();
    break;
  }
  return Entry(line, cells);
}

Result<std::string> TableRows::RowPath(size_t line, const std::vector<std::string>& cells) {
  const auto& cols = header_.columns();
  auto label = [&](Field f) { return Quote(cols[*header_.Column(f)].header); };
  // The path: one column, or the directory and the file name.
  std::string raw_path;
  if (header_.Column(Field::kPath)) {
    raw_path = Cell(cells, Field::kPath);
    if (raw_path.empty()) return where_.Error(line, label(Field::kPath), "is empty");
  } else {
    std::string dir = Cell(cells, Field::kDirectory);
    while (!dir.empty() && (dir.back() == '/' || dir.back() == '\\')) dir.pop_back();
    std::string name = Cell(cells, Field::kFileName);
    if (name.empty()) return where_.Error(line, label(Field::kFileName), "is empty");
    if (header_.Column(Field::kDirectory) && name.find_first_of("/\\") != std::string::npos)
      return where_.Error(line, label(Field::kFileName),
                          "contains a directory separator (put directories in the directory column)");
    raw_path = dir.empty() ? name : dir + "/" + name;
  }
  auto p = NormalizeManifestPath(raw_path, {.backslash_is_separator = true, .allow_leading_slash = true});
  if (!p.ok()) {
    std::string field = header_.Column(Field::kPath) ? label(Field::kPath)
                        : header_.Column(Field::kDirectory) && !Cell(cells, Field::kDirectory).empty()
                            ? label(Field::kDirectory)
                            : label(Field::kFileName);
    return where_.Wrap(line, field, p.status());
  }
  return *p;
}

Status TableRows::RowSize(size_t line, const std::vector<std::string>& cells, ManifestEntry& e) {
  const auto& cols = header_.columns();
  // The size: exact bytes, a figure in a unit, or both (then they must agree).
  std::optional<size_t> bytes_col, unit_col;
  for (size_t i = 0; i < cols.size(); ++i)
    if (cols[i].field == Field::kSize) (cols[i].unit ? unit_col : bytes_col) = i;
  auto cell_at = [&](size_t i) { return i < cells.size() ? Trim(cells[i]) : std::string(); };
  if (bytes_col && !cell_at(*bytes_col).empty()) {
    // A whole number shown with one or two decimals ("1234567,00": a
    // spreadsheet's format) is that number; three ("1,000") could be a
    // thousands separator and is refused below.
    std::string raw = cell_at(*bytes_col);
    const size_t point = raw.find_first_of(".,");
    if (point != std::string::npos && point > 0 && raw.size() - point - 1 >= 1 && raw.size() - point - 1 <= 2 &&
        raw.find_first_not_of('0', point + 1) == std::string::npos)
      raw.resize(point);
    Result<uint64_t> n = CheckSizeText(raw, where_, line, Quote(cols[*bytes_col].header));
    if (!n.ok() && DeclaredSize::Parse(raw, SizeUnit::kMegabytes) && raw.find_first_of(".,") != std::string::npos)
      return where_.Error(line, Quote(cols[*bytes_col].header),
                          "is not a whole number of bytes (" + raw +
                              "); if the column is in MB, say so in its header ('Размер файла, МБ')");
    if (!n.ok()) return n.status();
    e.size = *n;
  }
  if (unit_col && !cell_at(*unit_col).empty()) {
    const std::string raw = cell_at(*unit_col);
    const SizeUnit unit = *cols[*unit_col].unit;
    auto d = DeclaredSize::Parse(raw, unit);
    if (!d)
      return where_.Error(line, Quote(cols[*unit_col].header),
                          "is not a size in " + std::string(SizeUnitName(unit)) + " (" + raw + ")");
    if (e.size) {
      if (!d->Admits(*e.size))
        return where_.Error(line, Quote(cols[*unit_col].header),
                            "says " + raw + " " + SizeUnitName(unit) + " but " + Quote(cols[*bytes_col].header) +
                                " says " + std::to_string(*e.size) + " bytes (" + FormatMegabytes(*e.size) + " MiB)");
    } else {
      e.set_declared_size(d);
    }
  }

  return Status::Ok();
}

Status TableRows::RowProfile(size_t line, const std::vector<std::string>& cells, const std::string& path,
                             EntryProfile& profile) {
  const auto& cols = header_.columns();
  auto label = [&](Field f) { return Quote(cols[*header_.Column(f)].header); };
  const std::string category = Cell(cells, Field::kCategory);
  if (!category.empty()) {
    QOIMA_RETURN_IF_ERROR(CheckCategory(category, where_, line));
    profile.category = category;
  } else {
    profile.category = GuessItemCategory(path);
  }
  profile.table = header_.table();
  const std::string table = Cell(cells, Field::kTable);
  if (table == "library") {
    profile.table = ActTable::kLibrary;
  } else if (table == "application") {
    profile.table = ActTable::kApplication;
  } else if (!table.empty()) {
    return where_.Error(line, label(Field::kTable), "must be application or library, got " + Quote(table));
  }
  profile.language = Cell(cells, Field::kLanguage);
  profile.language_version = Cell(cells, Field::kLanguageVersion);
  const std::string library_version = Cell(cells, Field::kLibraryVersion);
  if (!library_version.empty()) profile.language_version = library_version;
  profile.framework = Cell(cells, Field::kFramework);
  profile.framework_version = Cell(cells, Field::kFrameworkVersion);
  for (size_t i = 0; i < cols.size() && i < cells.size(); ++i) {
    if (cols[i].field) continue;
    const std::string v = Trim(cells[i]);
    if (v.empty()) continue;
    if (!profile.notes.empty()) profile.notes += "; ";
    profile.notes += (cols[i].header.empty() ? "column " + std::to_string(i + 1) : cols[i].header) + ": " + v;
  }
  QOIMA_RETURN_IF_ERROR(CheckText(profile.notes, kMaxAnnotationBytes, where_, line, "notes"));
  return Status::Ok();
}

Status TableRows::Entry(size_t line, const std::vector<std::string>& cells) {
  const auto& cols = header_.columns();
  auto label = [&](Field f) { return Quote(cols[*header_.Column(f)].header); };
  for (size_t i = 0; i < cells.size() && i < cols.size(); ++i) {
    const Field* f = cols[i].field ? &*cols[i].field : nullptr;
    const size_t limit = !f ? kMaxAnnotationBytes
                         : (*f == Field::kPath || *f == Field::kDirectory || *f == Field::kFileName)
                             ? kMaxPathBytes
                             : kMaxTextFieldBytes;
    QOIMA_RETURN_IF_ERROR(CheckText(cells[i], limit, where_, line, Quote(cols[i].header)));
  }
  QOIMA_RETURN_IF_ERROR(CheckCount(entries_.count(), where_, line));
  ManifestEntry e;
  e.line = static_cast<uint32_t>(line);
  EntryProfile profile;

  // The disc: a cell left empty under a marking is that marking (a merged cell).
  std::string disc = Cell(cells, Field::kDisc);
  if (disc.empty()) disc = last_disc_;
  last_disc_ = disc;
  profile.disc = disc;

  QOIMA_ASSIGN_OR_RETURN(e.path, RowPath(line, cells));
  QOIMA_RETURN_IF_ERROR(RowSize(line, cells, e));

  // The checksum: every file of an act that has the column.
  if (header_.HasChecksums()) {
    const std::string sha = Cell(cells, Field::kSha256);
    if (sha.empty())
      return where_.Error(line, label(Field::kSha256),
                          "is empty; the act has a SHA-256 column, so every file needs its SHA-256 (an act without "
                          "checksums has no such column)");
    QOIMA_ASSIGN_OR_RETURN(e.sha256, CheckSha256(sha, where_, line, label(Field::kSha256)));
  } else if (!e.size && !e.declared_size()) {
    // The column the size would be in: the one with a unit, else the bytes.
    std::optional<size_t> bytes_col, unit_col;
    for (size_t i = 0; i < cols.size(); ++i)
      if (cols[i].field == Field::kSize) (cols[i].unit ? unit_col : bytes_col) = i;
    const auto size_col = unit_col ? unit_col : bytes_col;
    return where_.Error(line, size_col ? Quote(cols[*size_col].header) : std::string("size"),
                        "is empty; an act without checksums must give every file's size");
  }

  const std::string modified = Cell(cells, Field::kModified);
  if (!modified.empty()) {
    auto d = ParseManifestDate(modified);
    if (!d)
      return where_.Error(line, label(Field::kModified),
                          "is not a date (" + Quote(modified) + "; use 12.03.2025 or 2025-03-12)");
    QOIMA_RETURN_IF_ERROR(CheckDate(*d, options_, where_, line, label(Field::kModified)));
    e.modified = *d;
  }

  QOIMA_RETURN_IF_ERROR(RowProfile(line, cells, e.path, profile));
  e.share_profile(profiles_.Share(std::move(profile)));
  return entries_.Add(std::move(e));
}

}  // namespace qoima::appliance::act_format
