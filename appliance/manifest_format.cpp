#include "appliance/manifest_format.h"

#include <cctype>
#include <cstdio>
#include <unordered_map>

#include "appliance/item_category.h"
#include "appliance/unicode_path.h"
#include "crypto/secret.h"

namespace qoima::appliance::act_format {

// ---- messages ----------------------------------------------------------------

std::string Where::Place(size_t line, size_t column) const {
  if (part_.empty()) {
    std::string m(file_);
    if (line) m += ":" + std::to_string(line);
    if (line && column) m += ":" + std::to_string(column);
    return m;
  }
  std::string m = file_ + ": " + part_;
  if (line) m += ", row " + std::to_string(line);
  if (line && column) m += ", column " + std::to_string(column);
  return m;
}

Status Where::Error(size_t line, std::string_view field, const std::string& problem, Code code) const {
  return ErrorAt(line, 0, field, problem, code);
}

Status Where::ErrorAt(size_t line, size_t column, std::string_view field, const std::string& problem, Code code) const {
  std::string m = Place(line, column);
  if (!field.empty()) m += ": field " + std::string(field);
  m += ": " + problem;
  return Status(code, m);
}

// ---- reading ---------------------------------------------------------------------

std::string_view RawReader::Next() {
  if (ended_) return {};
  Result<std::string_view> next = source_.Next();
  if (!next.ok()) {
    if (status_.ok()) status_ = next.status();
    ended_ = true;
    return {};
  }
  if (next->empty()) ended_ = true;
  hash_.Update(*next);
  read_ += next->size();
  return *next;
}

crypto::Sha256Digest RawReader::Finish() {
  while (!Next().empty()) {}
  return hash_.Finish();
}

bool ActText::Refill() {
  if (!raw_) return false;
  decoded_.clear();
  pos_ = 0;
  // A piece may decode to nothing (a byte order mark, half a UTF-16 unit).
  while (decoded_.empty()) {
    std::string_view piece = raw_->Next();
    if (piece.empty()) {
      text_ = {};
      return false;
    }
    decoder_->Decode(piece, decoded_);
  }
  text_ = decoded_;
  return true;
}

size_t ActText::LineOf(uint64_t offset) const {
  size_t before = newlines_;
  for (size_t k = 0; k < std::min<size_t>(4, newlines_); ++k)
    if (recent_newlines_[(newlines_ - k) % 4] >= offset) --before;
  return before + 1;
}

Result<bool> LineReader::Next(Line& line) {
  if (text_.AtEnd()) return false;
  buf_.clear();
  size_t length = 0;  // counted on past the limit, for the message
  char last = 0;
  while (!text_.AtEnd()) {
    char c = text_.Peek();
    text_.Take();
    if (c == '\n') break;
    if (length <= kMaxManifestLineBytes) buf_ += c;
    ++length;
    last = c;
  }
  ++number_;
  if (last == '\r') {
    --length;
    if (buf_.size() > length) buf_.pop_back();
  }
  if (length > kMaxManifestLineBytes)
    return where_.Error(
        number_, "",
        "line is " + std::to_string(length) + " bytes, the limit is " + std::to_string(kMaxManifestLineBytes),
        Code::kLimitExceeded);
  line = {number_, buf_};
  return true;
}

// ---- checks ------------------------------------------------------------------------

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::string Quote(std::string_view s) {
  std::string out = "'";
  size_t shown = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) != 0x80 && ++shown > 40) {
      out += "...";
      break;
    }
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "'";
}

std::string PositionOf(std::string_view text, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

std::string CharacterAt(std::string_view text, size_t offset) {
  size_t end = offset + 1;
  while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
  return std::string(text.substr(offset, end - offset));
}

Status CheckText(const std::string& value, size_t limit, const Where& where, size_t line, std::string_view field) {
  if (value.size() > limit)
    return where.Error(line, field,
                       "is " + std::to_string(value.size()) + " bytes, the limit is " + std::to_string(limit),
                       Code::kLimitExceeded);
  for (unsigned char c : value)
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
      return where.Error(line, field, "contains a control character");
  if (ContainsC1Control(value)) return where.Error(line, field, "contains a control character");
  return Status::Ok();
}

Result<std::string> CheckSha256(std::string_view raw, const Where& where, size_t line, std::string_view field) {
  std::string v = Trim(raw);
  if (v.empty())
    return where.Error(line, field, "is empty; every file needs its SHA-256 (qoima act create computes it)");
  if (v.size() != 64)
    return where.Error(line, field, "must be 64 hex digits, got " + std::to_string(v.size()) + " characters");
  for (char& c : v) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return where.Error(line, field, "is not hexadecimal");
  }
  return v;
}

Result<uint64_t> CheckSizeText(std::string_view raw, const Where& where, size_t line, std::string_view field) {
  std::string v = Trim(raw);
  if (v.empty()) return where.Error(line, field, "is empty");
  if (v[0] == '-') return where.Error(line, field, "is negative (" + v + ")");
  // Spreadsheets group the digits of large numbers with (no-break) spaces.
  std::string digits;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == ' ') continue;
    if (v.compare(i, 2, "\xC2\xA0") == 0) {
      ++i;
      continue;
    }
    if (v.compare(i, 3, "\xE2\x80\xAF") == 0) {
      i += 2;
      continue;
    }
    digits += v[i];
  }
  if (!IsDigits(digits)) return where.Error(line, field, "is not a whole number of bytes (" + v + ")");
  if (digits.size() > 15) return where.Error(line, field, "is absurdly large (" + v + " bytes)", Code::kLimitExceeded);
  uint64_t n = std::stoull(digits);
  if (n > kMaxDeclaredFileBytes)
    return where.Error(
        line, field, "is absurdly large (" + v + " bytes; the limit is " + std::to_string(kMaxDeclaredFileBytes) + ")",
        Code::kLimitExceeded);
  return n;
}

Status CheckDate(const ManifestDate& d, const ManifestParseOptions& options, const Where& where, size_t line,
                 std::string_view field) {
  if (d.unix_seconds > options.now_unix + kFutureDateToleranceSeconds)
    return where.Error(line, field, "is in the future (" + d.ToString() + ")");
  return Status::Ok();
}

Status CheckCategory(const std::string& code, const Where& where, size_t line) {
  if (code.empty()) return where.Error(line, "category", "is empty; one of: " + ItemCategoryCodeList());
  if (!FindItemCategory(code))
    return where.Error(line, "category", "unknown category '" + code + "'; one of: " + ItemCategoryCodeList());
  return Status::Ok();
}

Status CheckCount(size_t n, const Where& where, size_t line) {
  if (n >= kMaxManifestEntries)
    return where.Error(line, "", "more than " + std::to_string(kMaxManifestEntries) + " files", Code::kLimitExceeded);
  return Status::Ok();
}

// ---- list paths ------------------------------------------------------------------

namespace {

bool IsDriveRoot(std::string_view p) {
  return p.size() >= 3 && std::isalpha(static_cast<unsigned char>(p[0])) && p[1] == ':' && p[2] == '/';
}

// The mount point a '/'-separated absolute path starts with, as a prefix
// ending in '/', or "" when it names none we know.
std::string MountPoint(std::string_view p) {
  std::vector<std::string_view> parts;
  size_t i = 1;
  while (i < p.size() && parts.size() < 5) {
    size_t slash = p.find('/', i);
    if (slash == std::string_view::npos) break;  // the file's own name is no mount point
    parts.push_back(p.substr(i, slash - i));
    i = slash + 1;
  }
  auto prefix = [&](size_t n) {
    std::string s = "/";
    for (size_t k = 0; k < n; ++k) s += std::string(parts[k]) + "/";
    return s;
  };
  if (parts.size() >= 4 && parts[0] == "run" && parts[1] == "media") return prefix(4);
  if (parts.size() >= 2 && (parts[0] == "media" || parts[0] == "mnt" || parts[0] == "Volumes")) return prefix(2);
  return {};
}

bool StartsWithDir(std::string_view path, std::string_view prefix, bool fold_drive) {
  if (path.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char a = path[i], b = prefix[i];
    if (fold_drive && i == 0) {
      a = static_cast<char>(std::toupper(static_cast<unsigned char>(a)));
      b = static_cast<char>(std::toupper(static_cast<unsigned char>(b)));
    }
    if (a != b) return false;
  }
  return prefix.back() == '/' || path.size() == prefix.size() || path[prefix.size()] == '/';
}

}  // namespace

ListPaths::ListPaths(const ManifestParseOptions& options, const Where& where) : where_(where) {
  given_ = options.strip_prefix;
  for (char& c : given_)
    if (c == '\\') c = '/';
  while (given_.size() > 1 && given_.back() == '/') given_.pop_back();
  if (given_.size() == 2 && given_[1] == ':') given_ += '/';  // "D:" is the drive's root
  if (!given_.empty()) stripped_ = options.strip_prefix;
}

Result<std::string> ListPaths::Path(std::string_view raw, size_t line, std::string_view field,
                                    bool backslash_separates) {
  std::string p(raw);
  const bool windows = backslash_separates && p.find('\\') != std::string::npos;
  if (backslash_separates)
    for (char& c : p)
      if (c == '\\') c = '/';
  const bool drive = IsDriveRoot(p);
  const bool absolute = drive || (!p.empty() && p[0] == '/');
  if (absolute && !given_.empty()) {
    const bool under = given_ == "/" || StartsWithDir(p, given_, IsDriveRoot(given_));
    if (!under)
      return where_.Error(line, field, "path " + Quote(raw) + " is outside the stripped prefix " + Quote(stripped_));
    p.erase(0, given_ == "/" ? 0 : given_.size());
  } else if (absolute) {
    if (relative_seen_)
      return where_.Error(
          line, field,
          "absolute path " + Quote(raw) + " in a list whose line " + std::to_string(relative_line_) + " is relative");
    if (first_absolute_line_ == 0) {
      std::string prefix = drive ? p.substr(0, 3) : MountPoint(p);
      if (prefix.empty()) {
        std::string dir = p.substr(0, p.rfind('/') + 1);
        return where_.Error(line, field,
                            "absolute path " + Quote(raw) +
                                " does not start at a medium's root (a drive or /media/NAME/); give the part "
                                "to remove with --strip-prefix (e.g. --strip-prefix " +
                                Quote(dir) + ")");
      }
      first_absolute_line_ = line;
      found_ = prefix;
      stripped_ = windows || drive ? std::string(raw.substr(0, prefix.size())) : prefix;
    }
    if (!StartsWithDir(p, found_, drive))
      return where_.Error(line, field,
                          "path " + Quote(raw) + " does not lie under " + Quote(stripped_) + " as the path of line " +
                              std::to_string(first_absolute_line_) +
                              " does; give the part to remove with --strip-prefix");
    if (drive && p.find('?') != std::string::npos)
      return where_.Error(line, field,
                          "path " + Quote(raw) +
                              " contains '?', which Windows allows in no file name: the list was saved in an "
                              "encoding that lost its letters (Windows PowerShell 5.1's Export-Csv writes ASCII "
                              "unless given -Encoding UTF8)");
    p.erase(0, found_.size());
  } else {
    if (first_absolute_line_)
      return where_.Error(line, field,
                          "relative path " + Quote(raw) + " in a list whose line " +
                              std::to_string(first_absolute_line_) + " is absolute");
    if (!relative_seen_) relative_line_ = line;
    relative_seen_ = true;
  }
  while (!p.empty() && p[0] == '/') p.erase(0, 1);
  auto r = NormalizeManifestPath(p, {.backslash_is_separator = false, .allow_leading_slash = false});
  if (!r.ok()) return where_.Wrap(line, field, r.status());
  return *r;
}

// ---- entries ----------------------------------------------------------------------

namespace {

// Cross-entry checks: duplicate paths (after NFC), a path that is both a
// file and a directory.
Status CheckEntries(const std::vector<ManifestEntry>& entries, const Where& where) {
  std::unordered_map<std::string, size_t> seen;
  seen.reserve(entries.size() * 2);
  for (const auto& e : entries) {
    std::string key = e.disc() + '\0' + e.path;
    auto [it, inserted] = seen.emplace(key, e.line);
    if (!inserted)
      return where.Error(e.line, "path",
                         "duplicate path '" + e.path + "'" + (e.disc().empty() ? "" : " on disc '" + e.disc() + "'") +
                             " (also on line " + std::to_string(it->second) + ")");
  }
  for (const auto& e : entries) {
    for (size_t slash = e.path.find('/'); slash != std::string::npos; slash = e.path.find('/', slash + 1)) {
      auto it = seen.find(e.disc() + '\0' + e.path.substr(0, slash));
      if (it != seen.end())
        return where.Error(e.line, "path",
                           "'" + e.path + "' lies under '" + e.path.substr(0, slash) + "', which line " +
                               std::to_string(it->second) + " lists as a file");
    }
  }
  return Status::Ok();
}

}  // namespace

void TextFlags::Check(size_t line, std::string_view field, const std::string& value, bool multiline) {
  std::string reason = ActTextFlagReason(value, multiline);
  if (reason.empty()) return;
  if (listed.size() >= kMaxListedTextFlags) {
    ++unlisted;
    return;
  }
  listed.push_back({line, std::string(field), value, std::move(reason)});
}

void TextFlags::MoveTo(ActManifest& m) {
  for (auto& f : listed) {
    if (m.text_flags.size() >= kMaxListedTextFlags)
      ++m.text_flags_unlisted;
    else
      m.text_flags.push_back(std::move(f));
  }
  m.text_flags_unlisted += unlisted;
  listed.clear();
  unlisted = 0;
}

// The act check of one entry's text: its path, and its shared columns
// once per run of entries that share them.
void EntryCollector::Flag(const ManifestEntry& e) {
  flags_.Check(e.line, "path", e.path);
  const EntryProfile& p = e.profile();
  if (last_flagged_profile_ && p == *last_flagged_profile_) return;
  last_flagged_profile_ = p;
  flags_.Check(e.line, "disc", p.disc);
  flags_.Check(e.line, "language", p.language);
  flags_.Check(e.line, "language_version", p.language_version);
  flags_.Check(e.line, "framework", p.framework);
  flags_.Check(e.line, "framework_version", p.framework_version);
  flags_.Check(e.line, "notes", p.notes, /*multiline=*/true);
}

Status EntryCollector::Add(ManifestEntry e) {
  Flag(e);
  const std::string& disc = e.disc();
  if (discs_.empty() || (disc != discs_.back().first && !KnownDisc(disc))) {
    if (discs_.size() >= kMaxManifestDiscs)
      return where_.Error(e.line, "disc", "more than " + std::to_string(kMaxManifestDiscs) + " disc markings",
                          Code::kLimitExceeded);
    discs_.emplace_back(disc, e.line);
  }
  if (table_) return AddToTable(e);
  entries_.push_back(std::move(e));
  if (options_.compact_after_entries && entries_.size() > *options_.compact_after_entries) return Compact();
  return Status::Ok();
}

std::optional<std::pair<size_t, std::string>> EntryCollector::FirstUndeclaredDisc(
    const std::set<std::string>& declared) const {
  if (declared.empty()) return std::nullopt;
  for (const auto& [disc, line] : discs_)
    if (!declared.count(disc)) return std::make_pair(line, disc);
  return std::nullopt;
}

Status EntryCollector::Finish(ActManifest& m) {
  if (count() == 0) return where_.Error(0, "", "lists no files");
  flags_.MoveTo(m);
  if (!table_) {
    QOIMA_RETURN_IF_ERROR(CheckEntries(entries_, where_));
    m.entries = std::move(entries_);
    return Status::Ok();
  }
  QOIMA_RETURN_IF_ERROR(table_->Finish());
  QOIMA_ASSIGN_OR_RETURN(std::optional<EntryConflict> conflict, table_->Check());
  if (conflict) return where_.Error(conflict->line, "path", conflict->message);
  m.compact = std::move(table_);
  return Status::Ok();
}

bool EntryCollector::KnownDisc(const std::string& disc) const {
  for (const auto& d : discs_)
    if (d.first == disc) return true;
  return false;
}

// A path listed twice is reported at Finish, after the problems of single
// lines, as CheckEntries reports it.
Status EntryCollector::AddToTable(const ManifestEntry& e) {
  Status s = table_->Add(e);
  return s.code() == Code::kAlreadyExists ? Status::Ok() : s;
}

// Moves the entries so far to the compact table; the rest follow them there.
Status EntryCollector::Compact() {
  table_ = std::make_unique<ActEntryTable>();
  for (const auto& e : entries_) QOIMA_RETURN_IF_ERROR(AddToTable(e));
  std::vector<ManifestEntry>().swap(entries_);
  return Status::Ok();
}

// ---- CSV ----------------------------------------------------------------------------

std::string DelimiterName(char delimiter) {
  if (delimiter == '\t') return "tab";
  return std::string("'") + delimiter + "'";
}

Result<bool> CsvReader::Next(CsvRecord& rec) {
  if (text_.AtEnd()) return false;
  rec.line = line_;
  rec.fields.clear();
  std::string field;
  bool quoted_field = false;
  size_t length = 0;
  auto column = [&] { return rec.fields.size() + 1; };
  auto too_long = [&] {
    return where_.Error(rec.line, "", "record longer than " + std::to_string(kMaxManifestLineBytes) + " bytes",
                        Code::kLimitExceeded);
  };
  auto take = [&] {
    char c = text_.Peek();
    text_.Take();
    ++length;
    return c;
  };
  while (true) {
    if (length > kMaxManifestLineBytes) return too_long();
    if (text_.AtEnd()) {
      rec.fields.push_back(std::move(field));
      break;
    }
    char c = text_.Peek();
    if (c == '"' && field.empty() && !quoted_field) {
      quoted_field = true;
      take();
      bool closed = false;
      while (!text_.AtEnd()) {
        if (length > kMaxManifestLineBytes) return too_long();
        char q = take();
        if (q == '"') {
          if (!text_.AtEnd() && text_.Peek() == '"') {
            take();
            field += '"';
            continue;
          }
          closed = true;
          break;
        }
        if (q == '\n') ++line_;
        field += q;
      }
      if (!closed) return where_.ErrorAt(rec.line, column(), "", "unterminated quote");
      if (!text_.AtEnd()) {
        char after = text_.Peek();
        if (after != delim_ && after != '\n' && after != '\r')
          return where_.ErrorAt(line_, column(), "",
                                "text after a closing quote (a quote inside a field must be doubled)");
      }
      continue;
    }
    take();
    if (c == delim_) {
      rec.fields.push_back(std::move(field));
      field.clear();
      quoted_field = false;
      continue;
    }
    if (c == '\r' && !text_.AtEnd() && text_.Peek() == '\n') continue;
    if (c == '\n') {
      rec.fields.push_back(std::move(field));
      ++line_;
      break;
    }
    if (c == '"' && !quoted_field)
      return where_.ErrorAt(line_, column(), "", "a quote in the middle of an unquoted field");
    field += c;
  }
  if (++records_ > kMaxManifestEntries + 1 + preamble_)
    return where_.Error(line_, "", "more than " + std::to_string(kMaxManifestEntries) + " rows", Code::kLimitExceeded);
  return true;
}

}  // namespace qoima::appliance::act_format
