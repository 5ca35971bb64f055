// The act forms hash tools write: sha256sum-style lists (GNU sha256sum,
// openssl dgst -r, HashCheck, Total Commander, 7-Zip), BSD-style tagged
// lines (shasum --tag, sha256sum --tag, openssl dgst, BSD sha256), hashdeep
// and PowerShell's Get-FileHash | Export-Csv. None names an application or
// a disc; none but hashdeep gives sizes; categories are proposed from the
// file names (GuessItemCategory). See docs/act-manifest.md.
#include <cctype>

#include "appliance/item_category.h"
#include "appliance/manifest_format.h"

namespace qoima::appliance::act_format {
namespace {

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

bool IsComment(std::string_view t) { return !t.empty() && (t[0] == ';' || t[0] == '#'); }

std::string ToLower(std::string_view s) {
  std::string o(s);
  for (char& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return o;
}

// The first line of `start` that is neither blank nor a comment, with its
// offset; false when there is none.
bool FirstLine(std::string_view start, std::string_view& line, size_t& offset) {
  size_t pos = 0;
  while (pos < start.size()) {
    size_t nl = start.find('\n', pos);
    std::string_view l = start.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (!Trim(l).empty() && !IsComment(l)) {
      line = l;
      offset = pos;
      return true;
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return false;
}

// An entry of a list: the path (through `paths`), no size unless given,
// the category guessed from the name.
Status AddListEntry(EntryCollector& entries, EntryProfiles& profiles, ManifestEntry e) {
  EntryProfile guessed;
  guessed.category = GuessItemCategory(e.path);
  e.share_profile(profiles.Share(std::move(guessed)));
  return entries.Add(std::move(e));
}

Result<ActManifest> FinishList(EntryCollector& entries, const ListPaths& paths, ManifestFormat format) {
  ActManifest m;
  m.format = format;
  QOIMA_RETURN_IF_ERROR(entries.Finish(m));
  m.discs.push_back({"", ""});
  m.source.stripped_prefix = paths.stripped();
  return m;
}

// ---- sha256sum and BSD-tagged lists: one line per file ---------------------------

// A line of such a list, split: the digest's hex digits and the name as
// written (still escaped when the line began with a backslash).
struct HashLine {
  std::string_view hex;
  std::string_view name;
};
// Splits one line (its leading backslash removed when `escaped`), or says where
// and why it is not a line of the form; `line` numbers it for the message.
using SplitHashLine = Result<HashLine> (*)(std::string_view t, const Where& where, size_t line, bool escaped);

// GNU coreutils marks a name it escaped (one holding a backslash or a
// newline) with a leading backslash on the line and writes them in it as
// two-character escapes (backslash-backslash, backslash-n, backslash-r).
std::string Unescape(std::string_view raw) {
  std::string name;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size()) {
      char n = raw[++i];
      name += n == 'n' ? '\n' : n == 'r' ? '\r' : n;
    } else {
      name += raw[i];
    }
  }
  return name;
}

// The lines of a sha256sum-style or BSD-tagged list: blank and comment lines
// skipped, each other line split by `split`, its digest checked, its name
// unescaped and made a path.
Result<ActManifest> ParseHashLines(FormatInput& in, ManifestFormat format, SplitHashLine split) {
  const Where& where = in.where;
  LineReader lines(*in.text, where);
  EntryCollector entries(where, in.options);
  ListPaths paths(in.options, where);
  EntryProfiles profiles;
  Line l{};
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool more, lines.Next(l));
    if (!more) break;
    std::string_view t = l.text;
    if (Trim(t).empty() || IsComment(t)) continue;
    // Windows tools write backslashes between directories, never first.
    const bool escaped = t[0] == '\\';
    if (escaped) t.remove_prefix(1);
    QOIMA_ASSIGN_OR_RETURN(HashLine h, split(t, where, l.number, escaped));
    QOIMA_RETURN_IF_ERROR(CheckCount(entries.count(), where, l.number));
    ManifestEntry e;
    e.line = static_cast<uint32_t>(l.number);
    QOIMA_ASSIGN_OR_RETURN(e.sha256, CheckSha256(h.hex, where, l.number, "sha256"));
    const std::string name = escaped ? Unescape(h.name) : std::string(h.name);
    QOIMA_ASSIGN_OR_RETURN(e.path, paths.Path(name, l.number, "filename", !escaped));
    QOIMA_RETURN_IF_ERROR(AddListEntry(entries, profiles, std::move(e)));
  }
  return FinishList(entries, paths, format);
}

// ---- sha256sum ------------------------------------------------------------------

// Where a sha256sum line departs from "HEX  name" / "HEX *name" (0: it
// does not), as a byte offset into `t` after a leading '\'.
std::optional<size_t> Sha256sumMismatch(std::string_view t) {
  for (size_t i = 0; i < 64; ++i)
    if (i >= t.size() || !IsHex(t[i])) return i;
  if (t.size() < 66 || t[64] != ' ') return 64;
  if (t[65] != ' ' && t[65] != '*') return 65;
  if (t.size() < 67) return 66;
  return std::nullopt;
}

Status RecognizeSha256sum(std::string_view start) {
  std::string_view line;
  size_t offset = 0;
  if (!FirstLine(start, line, offset)) return Status::InvalidArgument("holds no line");
  const size_t escape = !line.empty() && line[0] == '\\';
  auto bad = Sha256sumMismatch(line.substr(escape));
  if (!bad) return Status::Ok();
  const size_t at = offset + escape + *bad;
  return Status::InvalidArgument(PositionOf(start, at) +
                                 ": expected 64 hex digits, a space, then a space or '*' and the file name, found " +
                                 (at < start.size() && start[at] != '\n' ? Quote(CharacterAt(start, at)) : "the end"));
}

Result<HashLine> SplitSha256sumLine(std::string_view t, const Where& where, size_t line, bool escaped) {
  if (auto bad = Sha256sumMismatch(t))
    return where.ErrorAt(line, *bad + 1 + escaped, "",
                         "not a sha256sum line (expected 64 hex digits, a space, then a space or '*' and the "
                         "file name)");
  return HashLine{t.substr(0, 64), t.substr(66)};
}

Result<ActManifest> ParseSha256sum(FormatInput& in) {
  return ParseHashLines(in, ManifestFormat::kSha256sum, SplitSha256sumLine);
}

// ---- BSD-style tagged lines ---------------------------------------------------

struct TaggedLine {
  std::string_view algorithm;
  std::string_view name;
  std::string_view hex;
};

// "SHA256 (name) = hex" (shasum --tag, BSD), "SHA256(name)= hex" (OpenSSL
// 1.1), "SHA2-256(name)= hex" (OpenSSL 3); nullopt, with the offset where
// it departs from that, when it is not one.
std::optional<TaggedLine> SplitTagged(std::string_view t, size_t& bad) {
  TaggedLine out;
  size_t i = 0;
  while (i < t.size() && (std::isalnum(static_cast<unsigned char>(t[i])) || t[i] == '-')) ++i;
  if (i == 0) {
    bad = 0;
    return std::nullopt;
  }
  out.algorithm = t.substr(0, i);
  if (i < t.size() && t[i] == ' ') ++i;
  if (i >= t.size() || t[i] != '(') {
    bad = i;
    return std::nullopt;
  }
  const size_t name_start = i + 1;
  size_t end = t.size();
  while (end > name_start && t[end - 1] == ' ') --end;
  size_t h = end;
  while (h > name_start && IsHex(t[h - 1])) --h;
  if (h == end) {
    bad = end;
    return std::nullopt;
  }
  out.hex = t.substr(h, end - h);
  size_t k = h;
  while (k > name_start && t[k - 1] == ' ') --k;
  if (k == name_start || t[k - 1] != '=') {
    bad = k;
    return std::nullopt;
  }
  --k;
  while (k > name_start && t[k - 1] == ' ') --k;
  if (k == name_start || t[k - 1] != ')') {
    bad = k;
    return std::nullopt;
  }
  out.name = t.substr(name_start, k - 1 - name_start);
  return out;
}

bool IsSha256Tag(std::string_view algorithm) {
  const std::string a = ToLower(algorithm);
  return a == "sha256" || a == "sha2-256" || a == "sha-256";
}

Status RecognizeBsdTag(std::string_view start) {
  std::string_view line;
  size_t offset = 0;
  if (!FirstLine(start, line, offset)) return Status::InvalidArgument("holds no line");
  const size_t escape = !line.empty() && line[0] == '\\';
  size_t bad = 0;
  if (SplitTagged(line.substr(escape), bad)) return Status::Ok();
  const size_t at = offset + escape + bad;
  return Status::InvalidArgument(PositionOf(start, at) + ": expected \"SHA256 (name) = hex\", found " +
                                 (at < start.size() && start[at] != '\n' && start[at] != '\r'
                                      ? Quote(CharacterAt(start, at))
                                      : "the end of the line"));
}

Result<HashLine> SplitBsdTagLine(std::string_view t, const Where& where, size_t line, bool escaped) {
  size_t bad = 0;
  auto tagged = SplitTagged(t, bad);
  if (!tagged) return where.ErrorAt(line, bad + 1 + escaped, "", "not a \"SHA256 (name) = hex\" line");
  if (!IsSha256Tag(tagged->algorithm))
    return where.ErrorAt(line, 1 + escaped, "algorithm",
                         "is " + Quote(tagged->algorithm) + "; only SHA-256 lists are accepted");
  return HashLine{tagged->hex, tagged->name};
}

Result<ActManifest> ParseBsdTag(FormatInput& in) {
  return ParseHashLines(in, ManifestFormat::kBsdTag, SplitBsdTagLine);
}

// ---- hashdeep ---------------------------------------------------------------------

Status RecognizeHashdeep(std::string_view start) {
  if (start.rfind("%%%% HASHDEEP-", 0) == 0) return Status::Ok();
  return Status::InvalidArgument("line 1, column 1: does not begin with \"%%%% HASHDEEP-1.0\"");
}

Result<ActManifest> ParseHashdeep(FormatInput& in) {
  const Where& where = in.where;
  LineReader lines(*in.text, where);
  EntryCollector entries(where, in.options);
  ListPaths paths(in.options, where);
  EntryProfiles profiles;
  std::vector<std::string> columns;
  bool header = false;
  int size_col = -1, sha_col = -1, name_col = -1;
  Line l{};
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool more, lines.Next(l));
    if (!more) break;
    std::string_view t = l.text;
    if (t.rfind("%%%% HASHDEEP-", 0) == 0) {
      header = true;
      continue;
    }
    if (t.rfind("%%%% ", 0) == 0) {
      if (!header) return where.Error(l.number, "", "hashdeep column line before the %%%% HASHDEEP-1.0 header");
      columns.clear();
      std::string_view c = t.substr(5);
      while (true) {
        size_t comma = c.find(',');
        columns.push_back(Trim(c.substr(0, comma)));
        if (comma == std::string_view::npos) break;
        c = c.substr(comma + 1);
      }
      for (size_t i = 0; i < columns.size(); ++i) {
        if (columns[i] == "size") size_col = static_cast<int>(i);
        if (columns[i] == "sha256") sha_col = static_cast<int>(i);
        if (columns[i] == "filename") name_col = static_cast<int>(i);
      }
      if (size_col < 0 || sha_col < 0 || name_col != static_cast<int>(columns.size()) - 1)
        return where.Error(
            l.number, "",
            "hashdeep columns must include size and sha256 and end with filename (run hashdeep -c sha256)");
      continue;
    }
    if (t.rfind("##", 0) == 0 || Trim(t).empty()) continue;
    if (!header || columns.empty())
      return where.Error(l.number, "",
                         "not a hashdeep file (the first lines must be %%%% HASHDEEP-1.0 and the columns)");
    QOIMA_RETURN_IF_ERROR(CheckCount(entries.count(), where, l.number));
    std::vector<std::string_view> fields;
    std::string_view rest = t;
    for (size_t i = 0; i + 1 < columns.size(); ++i) {
      size_t comma = rest.find(',');
      if (comma == std::string_view::npos)
        return where.ErrorAt(l.number, i + 1, "",
                             "has fewer fields than the " + std::to_string(columns.size()) + " columns");
      fields.push_back(rest.substr(0, comma));
      rest = rest.substr(comma + 1);
    }
    fields.push_back(rest);
    ManifestEntry e;
    e.line = static_cast<uint32_t>(l.number);
    QOIMA_ASSIGN_OR_RETURN(uint64_t size, CheckSizeText(fields[size_col], where, l.number, "size"));
    e.size = size;
    QOIMA_ASSIGN_OR_RETURN(e.sha256, CheckSha256(fields[sha_col], where, l.number, "sha256"));
    QOIMA_ASSIGN_OR_RETURN(e.path, paths.Path(fields[name_col], l.number, "filename"));
    QOIMA_RETURN_IF_ERROR(AddListEntry(entries, profiles, std::move(e)));
  }
  if (!header) return where.Error(1, "", "not a hashdeep file (missing %%%% HASHDEEP-1.0)");
  return FinishList(entries, paths, ManifestFormat::kHashdeep);
}

// ---- PowerShell Get-FileHash | Export-Csv ----------------------------------------

// The header of Export-Csv over FileHashInfo objects: which delimiter
// (',' or, with -UseCulture in a Russian locale, ';') gives the columns
// Algorithm, Hash and Path.
struct PowerShellColumns {
  char delimiter = ',';
  size_t algorithm = 0, hash = 0, path = 0;
};

std::optional<PowerShellColumns> PowerShellHeader(const std::vector<std::string>& fields, char delimiter) {
  PowerShellColumns c;
  c.delimiter = delimiter;
  int found = 0;
  for (size_t i = 0; i < fields.size(); ++i) {
    const std::string f = ToLower(Trim(fields[i]));
    if (f == "algorithm") {
      c.algorithm = i;
      found |= 1;
    } else if (f == "hash") {
      c.hash = i;
      found |= 2;
    } else if (f == "path") {
      c.path = i;
      found |= 4;
    }
  }
  if (found != 7) return std::nullopt;
  return c;
}

// The header record of `start` (after a "#TYPE" line), tried with ',' and ';'.
std::optional<PowerShellColumns> FindPowerShellHeader(std::string_view start, size_t& header_line) {
  for (char delimiter : {',', ';'}) {
    ActText text(start);
    Where where("");
    CsvReader reader(text, delimiter, where);
    CsvRecord rec;
    for (int k = 0; k < 2; ++k) {
      Result<bool> more = reader.Next(rec);
      if (!more.ok() || !*more) break;
      if (k == 0 && !rec.fields.empty() && rec.fields[0].rfind("#TYPE", 0) == 0) continue;
      if (auto c = PowerShellHeader(rec.fields, delimiter)) {
        header_line = rec.line;
        return c;
      }
      break;
    }
  }
  return std::nullopt;
}

Status RecognizePowerShell(std::string_view start) {
  size_t header_line = 0;
  if (FindPowerShellHeader(start, header_line)) return Status::Ok();
  return Status::InvalidArgument(
      "line 1, column 1: neither \"#TYPE Microsoft.PowerShell.Commands.FileHashInfo\" nor the header "
      "\"Algorithm\",\"Hash\",\"Path\" begins the file");
}

Result<ActManifest> ParsePowerShell(FormatInput& in) {
  const Where& where = in.where;
  size_t header_line = 0;
  auto cols = FindPowerShellHeader(in.start, header_line);
  if (!cols) return where.Error(1, "", "no \"Algorithm\",\"Hash\",\"Path\" header row");
  CsvReader reader(*in.text, cols->delimiter, where);
  reader.set_preamble_records(1);
  EntryCollector entries(where, in.options);
  ListPaths paths(in.options, where);
  EntryProfiles profiles;
  CsvRecord rec;
  size_t header_fields = 0;
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool more, reader.Next(rec));
    if (!more) break;
    if (rec.line < header_line) continue;  // the #TYPE line
    if (rec.line == header_line) {
      header_fields = rec.fields.size();
      continue;
    }
    bool blank = true;
    for (const auto& f : rec.fields) blank = blank && Trim(f).empty();
    if (blank) continue;
    if (rec.fields.size() != header_fields)
      return where.ErrorAt(
          rec.line, std::min(rec.fields.size(), header_fields) + 1, "",
          "has " + std::to_string(rec.fields.size()) + " fields, the header has " + std::to_string(header_fields));
    const std::string algorithm = Trim(rec.fields[cols->algorithm]);
    if (ToLower(algorithm) != "sha256")
      return where.ErrorAt(rec.line, cols->algorithm + 1, "Algorithm",
                           "is " + Quote(algorithm) + "; run Get-FileHash -Algorithm SHA256");
    QOIMA_RETURN_IF_ERROR(CheckCount(entries.count(), where, rec.line));
    ManifestEntry e;
    e.line = static_cast<uint32_t>(rec.line);
    QOIMA_ASSIGN_OR_RETURN(e.sha256, CheckSha256(rec.fields[cols->hash], where, rec.line, "Hash"));
    QOIMA_ASSIGN_OR_RETURN(e.path, paths.Path(rec.fields[cols->path], rec.line, "Path"));
    QOIMA_RETURN_IF_ERROR(AddListEntry(entries, profiles, std::move(e)));
  }
  return FinishList(entries, paths, ManifestFormat::kPowerShell);
}

}  // namespace

FormatRow Sha256sumFormat() {
  return {ManifestFormat::kSha256sum,
          "sha256sum",
          "a list of \"HEX  name\" or \"HEX *name\" lines",
          "sha256sum, openssl dgst -sha256 -r, HashCheck, Total Commander, 7-Zip",
          false,
          RecognizeSha256sum,
          ParseSha256sum};
}

FormatRow BsdTagFormat() {
  return {ManifestFormat::kBsdTag,
          "bsd",
          "a list of \"SHA256 (name) = HEX\" lines",
          "shasum -a 256 --tag, sha256sum --tag, openssl dgst -sha256, BSD sha256",
          false,
          RecognizeBsdTag,
          ParseBsdTag};
}

FormatRow HashdeepFormat() {
  return {ManifestFormat::kHashdeep, "hashdeep",   "a hashdeep list", "hashdeep -c sha256 -r -l", false,
          RecognizeHashdeep,         ParseHashdeep};
}

FormatRow PowerShellFormat() {
  return {ManifestFormat::kPowerShell,
          "powershell",
          "PowerShell's Get-FileHash as CSV (\"Algorithm\",\"Hash\",\"Path\")",
          "Get-ChildItem -Recurse -File | Get-FileHash -Algorithm SHA256 | Export-Csv",
          false,
          RecognizePowerShell,
          ParsePowerShell};
}

}  // namespace qoima::appliance::act_format
