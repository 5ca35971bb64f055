#include "appliance/manifest_parser.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "appliance/act_entry_file.h"
#include "appliance/civil_time.h"
#include "appliance/item_category.h"
#include "appliance/unicode_path.h"
#include "common/json_nesting.h"
#include "common/unique_fd.h"
#include "crypto/hash.h"
#include "crypto/secret.h"

namespace qoima::appliance {
namespace {

using nlohmann::json;

// Builds "file:line: field X: problem" messages.
class Where {
 public:
  explicit Where(std::string_view file) : file_(file) {}
  Status Error(size_t line, std::string_view field, const std::string& problem,
               Code code = Code::kInvalidArgument) const {
    std::string m(file_);
    if (line) m += ":" + std::to_string(line);
    if (!field.empty()) m += ": field " + std::string(field);
    m += ": " + problem;
    return Status(code, m);
  }
  Status Wrap(size_t line, std::string_view field, const Status& s) const {
    return Error(line, field, s.message(), s.code());
  }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

size_t LineOfOffset(std::string_view text, size_t offset) {
  size_t line = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i)
    if (text[i] == '\n') ++line;
  return line;
}

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

// A byte order mark at the start (UTF-8 with BOM, UTF-16).
Status CheckByteOrderMark(std::string_view bytes, const Where& where) {
  if (bytes.size() >= 3 && static_cast<unsigned char>(bytes[0]) == 0xEF &&
      static_cast<unsigned char>(bytes[1]) == 0xBB && static_cast<unsigned char>(bytes[2]) == 0xBF)
    return where.Error(1, "", "starts with a UTF-8 byte order mark (BOM); save it as UTF-8 without BOM");
  if (bytes.size() >= 2 &&
      ((static_cast<unsigned char>(bytes[0]) == 0xFF && static_cast<unsigned char>(bytes[1]) == 0xFE) ||
       (static_cast<unsigned char>(bytes[0]) == 0xFE && static_cast<unsigned char>(bytes[1]) == 0xFF)))
    return where.Error(1, "", "is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8 without BOM");
  return Status::Ok();
}

// Encoding checks shared by every format: no BOM, valid UTF-8, no NUL.
Status CheckEncoding(std::string_view bytes, const Where& where) {
  QOIMA_RETURN_IF_ERROR(CheckByteOrderMark(bytes, where));
  size_t nul = bytes.find('\0');
  if (nul != std::string_view::npos)
    return where.Error(LineOfOffset(bytes, nul), "", "contains a NUL byte (binary or UTF-16 file?); save it as UTF-8");
  if (auto bad = FirstInvalidUtf8(bytes))
    return where.Error(LineOfOffset(bytes, *bad), "",
                       "is not valid UTF-8 at byte " + std::to_string(*bad) +
                           " (save it as UTF-8; Windows-1251 and UTF-16 are not accepted)");
  return Status::Ok();
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
  if (!IsDigits(v)) return where.Error(line, field, "is not a whole number of bytes (" + v + ")");
  if (v.size() > 15) return where.Error(line, field, "is absurdly large (" + v + " bytes)", Code::kLimitExceeded);
  uint64_t n = std::stoull(v);
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

// The act check's text flags (ActTextFlag) as a parser finds them.
struct TextFlags {
  std::vector<ActTextFlag> listed;
  size_t unlisted = 0;

  // Flags `value` of `field` when ActTextFlagReason says so: listed up to
  // kMaxListedTextFlags, then counted.
  void Check(size_t line, std::string_view field, const std::string& value, bool multiline = false) {
    std::string reason = ActTextFlagReason(value, multiline);
    if (reason.empty()) return;
    if (listed.size() >= kMaxListedTextFlags) {
      ++unlisted;
      return;
    }
    listed.push_back({line, std::string(field), value, std::move(reason)});
  }
  // Appends to the manifest's flags (after any it has).
  void MoveTo(ActManifest& m) {
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
};

// Takes the entries as a format's parser makes them: in memory, and once
// there are more than options.spill_after_entries (with a spill_dir), in an
// ActEntryFile. The cross-entry checks give the same messages either way.
class EntryCollector {
 public:
  EntryCollector(const Where& where, const ManifestParseOptions& options) : where_(where), options_(options) {}

  size_t count() const { return file_ ? file_->size() : entries_.size(); }

  Status Add(ManifestEntry e) {
    Flag(e);
    const std::string& disc = e.disc();
    if (discs_.empty() || (disc != discs_.back().first && !KnownDisc(disc))) {
      if (discs_.size() >= kMaxManifestDiscs)
        return where_.Error(e.line, "disc", "more than " + std::to_string(kMaxManifestDiscs) + " disc markings",
                            Code::kLimitExceeded);
      discs_.emplace_back(disc, e.line);
    }
    if (file_) return AddToFile(e);
    entries_.push_back(std::move(e));
    if (!options_.spill_dir.empty() && entries_.size() > options_.spill_after_entries) return Spill();
    return Status::Ok();
  }

  /// The first entry whose disc `declared` lacks (when it names any).
  std::optional<std::pair<size_t, std::string>> FirstUndeclaredDisc(const std::set<std::string>& declared) const {
    if (declared.empty()) return std::nullopt;
    for (const auto& [disc, line] : discs_)
      if (!declared.count(disc)) return std::make_pair(line, disc);
    return std::nullopt;
  }

  /// Runs the cross-entry checks and hands the entries to `m`.
  Status Finish(ActManifest& m) {
    if (count() == 0) return where_.Error(0, "", "lists no files");
    flags_.MoveTo(m);
    if (!file_) {
      QOIMA_RETURN_IF_ERROR(CheckEntries(entries_, where_));
      m.entries = std::move(entries_);
      return Status::Ok();
    }
    QOIMA_RETURN_IF_ERROR(file_->Finish());
    QOIMA_ASSIGN_OR_RETURN(std::optional<EntryConflict> conflict, file_->Check());
    if (conflict) return where_.Error(conflict->line, "path", conflict->message);
    m.spilled = std::move(file_);
    return Status::Ok();
  }

 private:
  // The act check of one entry's text: its path, and its shared columns
  // once per run of entries that share them.
  void Flag(const ManifestEntry& e) {
    flags_.Check(e.line, "path", e.path);
    const EntryProfile& p = e.profile();
    if (last_flagged_profile_ && p == *last_flagged_profile_) return;
    last_flagged_profile_ = p;
    flags_.Check(e.line, "disc", p.disc);
    flags_.Check(e.line, "language", p.language);
    flags_.Check(e.line, "language_version", p.language_version);
    flags_.Check(e.line, "framework", p.framework);
    flags_.Check(e.line, "framework_version", p.framework_version);
  }

  bool KnownDisc(const std::string& disc) const {
    for (const auto& d : discs_)
      if (d.first == disc) return true;
    return false;
  }
  // A path listed twice is reported at Finish, after the problems of single
  // lines, as CheckEntries reports it.
  Status AddToFile(const ManifestEntry& e) {
    Status s = file_->Add(e);
    return s.code() == Code::kAlreadyExists ? Status::Ok() : s;
  }
  // Moves the entries so far to a scratch file; the rest follow them there.
  Status Spill() {
    std::string name = options_.spill_dir + "/act-" + crypto::Hex(crypto::SecretBytes::Random(8).span()) + ".db";
    QOIMA_ASSIGN_OR_RETURN(file_, ActEntryFile::Create(name));
    for (const auto& e : entries_) QOIMA_RETURN_IF_ERROR(AddToFile(e));
    std::vector<ManifestEntry>().swap(entries_);
    return Status::Ok();
  }

  const Where& where_;
  const ManifestParseOptions& options_;
  std::vector<ManifestEntry> entries_;
  std::unique_ptr<ActEntryFile> file_;
  std::vector<std::pair<std::string, size_t>> discs_;  // distinct markings, with the line of the first use
  TextFlags flags_;
  std::optional<EntryProfile> last_flagged_profile_;  // the columns checked last (most entries share them)
};

// ---- JSON ----------------------------------------------------------------

struct JsonDepthExceeded {};

// Structural scan of JSON text: line of each object in the top-level
// "files" array, and duplicate keys (nlohmann would keep the last silently).
struct JsonScan {
  std::vector<size_t> file_lines;
  size_t duplicate_key_line = 0;
  std::string duplicate_key;
};

// Fed the text, or the pieces of a file read in chunks: the same result.
// Nesting deeper than kMaxJsonDepth stops it at that bracket (too_deep()),
// before a frame is pushed for it: the scan holds at most kMaxJsonDepth
// frames, each with at most kMaxScannedKeys keys of at most
// kMaxScannedStringBytes, whatever the input.
class JsonScanner {
 public:
  // Keys of one object remembered for the duplicate check: no object of the
  // format has more than 11, so one with more is refused anyway (unknown field).
  static constexpr size_t kMaxScannedKeys = 64;
  // Longer strings are not keys of the format (unknown field if they are).
  static constexpr size_t kMaxScannedStringBytes = 256;

  void Feed(std::string_view t) {
    if (!nesting_.Feed(t)) return;  // too deep: nothing of this piece or later is scanned
    for (char c : t) {
      if (c == '\n') ++line_;
      if (in_string_) {
        if (escaped_) {
          Append(c);
          escaped_ = false;
        } else if (c == '\\') {
          Append(c);
          escaped_ = true;
        } else if (c == '"') {
          in_string_ = false;
          EndString();
        } else {
          Append(c);
        }
        continue;
      }
      if (c == '"') {
        in_string_ = true;
        string_.clear();
        string_cut_ = false;
      } else if (c == '{' || c == '[') {
        bool files = c == '[' && stack_.size() == 1 && stack_.back().object && stack_.back().last_key == "files";
        // Past the entry limit the parse refuses the act: no more lines are kept.
        if (c == '{' && !stack_.empty() && stack_.back().is_files_array &&
            scan_.file_lines.size() <= kMaxManifestEntries)
          scan_.file_lines.push_back(line_);
        stack_.push_back({c == '{', c == '{', files, {}, {}});
      } else if (c == '}' || c == ']') {
        if (!stack_.empty()) stack_.pop_back();
      } else if (c == ':') {
        if (!stack_.empty()) stack_.back().expect_key = false;
      } else if (c == ',') {
        if (!stack_.empty() && stack_.back().object) stack_.back().expect_key = true;
      }
    }
  }
  JsonScan Take() { return std::move(scan_); }
  /// The text nests deeper than kMaxJsonDepth; nesting() says where.
  bool too_deep() const { return nesting_.too_deep(); }
  const JsonNestingScanner& nesting() const { return nesting_; }

 private:
  void Append(char c) {
    if (string_.size() < kMaxScannedStringBytes)
      string_ += c;
    else
      string_cut_ = true;
  }
  struct Frame {
    bool object;
    bool expect_key;
    bool is_files_array;
    std::set<std::string> keys;
    std::string last_key;
  };
  void EndString() {
    if (stack_.empty() || !stack_.back().object || !stack_.back().expect_key) return;
    if (string_cut_) string_ += "...";  // never equal to a key of the format
    if (stack_.back().keys.size() >= kMaxScannedKeys) {
      stack_.back().last_key = string_;
      return;
    }
    if (!stack_.back().keys.insert(string_).second && scan_.duplicate_key_line == 0) {
      scan_.duplicate_key_line = line_;
      scan_.duplicate_key = string_;
    }
    stack_.back().last_key = string_;
  }

  JsonScan scan_;
  JsonNestingScanner nesting_{kMaxJsonDepth};
  std::vector<Frame> stack_;
  std::string string_;
  bool string_cut_ = false;
  size_t line_ = 1;
  bool in_string_ = false;
  bool escaped_ = false;
};

// The refusal of a text JsonScanner found too deep: "act.json:3:17: JSON nested
// deeper than 4 levels".
Status TooDeep(const std::string& file, const JsonNestingScanner& n) {
  return Status::LimitExceeded(file + ":" + std::to_string(n.line()) + ":" + std::to_string(n.column()) +
                               ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
                               " levels (an act needs 3)");
}

Status OnlyKeys(const json& obj, std::initializer_list<std::string_view> allowed, const Where& where, size_t line,
                std::string_view what) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool ok = false;
    for (auto a : allowed) ok = ok || it.key() == a;
    if (!ok) return where.Error(line, std::string(what) + it.key(), "unknown field (check its spelling)");
  }
  return Status::Ok();
}

Result<std::string> JsonString(const json& obj, const char* key, bool required, size_t limit, const Where& where,
                               size_t line, const std::string& field) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    if (required) return where.Error(line, field, "is missing");
    return std::string();
  }
  if (!it->is_string()) return where.Error(line, field, "must be a string");
  std::string v = it->get<std::string>();
  QOIMA_RETURN_IF_ERROR(CheckText(v, limit, where, line, field));
  if (required && Trim(v).empty()) return where.Error(line, field, "is empty");
  return v;
}

// One object of the "files" array as a ManifestEntry (the "discs" check
// waits until the whole document is read: "discs" may come after "files").
// `disc_read` gets the element's disc once it was read (for that check).
Result<ManifestEntry> JsonFileEntry(const json& f, size_t line, const Where& where, const ManifestParseOptions& options,
                                    std::optional<std::string>& disc_read, EntryProfiles& profiles) {
  QOIMA_RETURN_IF_ERROR(OnlyKeys(f,
                                 {"disc", "path", "size", "sha256", "modified", "category", "table", "language",
                                  "language_version", "framework", "framework_version"},
                                 where, line, ""));
  ManifestEntry e;
  e.line = line;
  QOIMA_ASSIGN_OR_RETURN(std::string disc, JsonString(f, "disc", false, kMaxTextFieldBytes, where, line, "disc"));
  disc_read = disc;
  QOIMA_ASSIGN_OR_RETURN(std::string raw_path, JsonString(f, "path", true, kMaxPathBytes, where, line, "path"));
  auto p = NormalizeManifestPath(raw_path);
  if (!p.ok()) return where.Wrap(line, "path", p.status());
  e.path = *p;
  auto sz = f.find("size");
  if (sz == f.end()) {
    // The appliance's own record of a sha256sum/hashdeep act has no sizes.
    if (!options.stored_record) return where.Error(line, "size", "is missing");
  } else {
    if (sz->is_number_integer() && !sz->is_number_unsigned())
      return where.Error(line, "size", "is negative (" + sz->dump() + ")");
    if (sz->is_number_float()) {
      double dv = sz->get<double>();
      if (dv < 0) return where.Error(line, "size", "is negative (" + sz->dump() + ")");
      if (dv > static_cast<double>(kMaxDeclaredFileBytes))
        return where.Error(line, "size", "is absurdly large (" + sz->dump() + ")", Code::kLimitExceeded);
      return where.Error(line, "size", "must be a whole number of bytes (" + sz->dump() + ")");
    }
    if (!sz->is_number_unsigned()) return where.Error(line, "size", "must be a whole number of bytes");
    if (sz->get<uint64_t>() > kMaxDeclaredFileBytes)
      return where.Error(line, "size", "is absurdly large (" + sz->dump() + " bytes)", Code::kLimitExceeded);
    e.size = sz->get<uint64_t>();
  }
  auto sha = f.find("sha256");
  if (sha == f.end() || !sha->is_string()) return where.Error(line, "sha256", "is missing or not a string");
  QOIMA_ASSIGN_OR_RETURN(e.sha256, CheckSha256(sha->get<std::string>(), where, line, "sha256"));
  QOIMA_ASSIGN_OR_RETURN(std::string mod, JsonString(f, "modified", false, 64, where, line, "modified"));
  if (!mod.empty()) {
    auto d = ParseManifestDate(mod);
    if (!d)
      return where.Error(line, "modified", "is not a date ('" + mod + "'; use 2025-03-12 or 2025-03-12T08:15:00Z)");
    QOIMA_RETURN_IF_ERROR(CheckDate(*d, options, where, line, "modified"));
    e.modified = *d;
  }
  EntryProfile columns;
  columns.disc = std::move(disc);
  QOIMA_ASSIGN_OR_RETURN(columns.category, JsonString(f, "category", true, 64, where, line, "category"));
  QOIMA_RETURN_IF_ERROR(CheckCategory(columns.category, where, line));
  QOIMA_ASSIGN_OR_RETURN(std::string table, JsonString(f, "table", false, 32, where, line, "table"));
  if (table == "library")
    columns.table = ActTable::kLibrary;
  else if (!table.empty() && table != "application")
    return where.Error(line, "table", "must be \"application\" or \"library\", got \"" + table + "\"");
  QOIMA_ASSIGN_OR_RETURN(columns.language,
                         JsonString(f, "language", false, kMaxTextFieldBytes, where, line, "language"));
  QOIMA_ASSIGN_OR_RETURN(columns.language_version,
                         JsonString(f, "language_version", false, kMaxTextFieldBytes, where, line, "language_version"));
  QOIMA_ASSIGN_OR_RETURN(columns.framework,
                         JsonString(f, "framework", false, kMaxTextFieldBytes, where, line, "framework"));
  QOIMA_ASSIGN_OR_RETURN(columns.framework_version, JsonString(f, "framework_version", false, kMaxTextFieldBytes, where,
                                                               line, "framework_version"));
  e.share_profile(profiles.Share(std::move(columns)));
  return e;
}

// Streams the top-level "files" array out of nlohmann's DOM parser: each
// element becomes a ManifestEntry the moment its closing brace is read and is
// then dropped from the DOM, so a 100k-file act never exists as a JSON tree
// (that tree cost ~1 KiB per file). The first problem is kept and reported
// after the parse, in the order the DOM-walking parser reported it.
class JsonFilesStream {
 public:
  JsonFilesStream(const Where& where, const ManifestParseOptions& options, const std::vector<size_t>& lines,
                  EntryCollector& entries)
      : where_(where), options_(options), lines_(lines), entries_(entries) {}

  bool operator()(int depth, json::parse_event_t event, json& parsed) {
    if (depth > kMaxJsonDepth) throw JsonDepthExceeded{};
    if (depth == 1) {
      if (event == json::parse_event_t::key) top_key_ = parsed.get<std::string>();
      if (event == json::parse_event_t::array_start || event == json::parse_event_t::object_start)
        in_files_ = event == json::parse_event_t::array_start && top_key_ == "files";
      return true;
    }
    if (depth != 2 || !in_files_) return true;
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start: Begin(); return true;
      case json::parse_event_t::value:
        Begin();
        NotAnObject();
        return false;
      case json::parse_event_t::array_end: NotAnObject(); return false;
      case json::parse_event_t::object_end: {
        if (!error_.ok()) return false;
        if (index_ > kMaxManifestEntries) {
          error_ = where_.Error(0, "files",
                                "lists more than " + std::to_string(kMaxManifestEntries) + " files, the limit is " +
                                    std::to_string(kMaxManifestEntries),
                                Code::kLimitExceeded);
          return false;
        }
        size_t i = index_ - 1;
        error_line_ = i < lines_.size() ? lines_[i] : 0;
        auto e = JsonFileEntry(parsed, error_line_, where_, options_, error_disc_, profiles_);
        if (e.ok()) {
          error_disc_.reset();
          error_ = entries_.Add(std::move(*e));
        } else {
          error_ = e.status();
        }
        return false;
      }
      default: return true;
    }
  }

  /// The first problem of an element (its entries before it are valid).
  const Status& error() const { return error_; }
  /// The disc of the element with the problem, when it got that far, and its line.
  const std::optional<std::string>& error_disc() const { return error_disc_; }
  size_t error_line() const { return error_line_; }

 private:
  void Begin() { ++index_; }
  void NotAnObject() {
    if (!error_.ok()) return;
    size_t i = index_ - 1;
    error_ = where_.Error(i < lines_.size() ? lines_[i] : 0, "files[" + std::to_string(i) + "]", "must be an object");
  }

  const Where& where_;
  const ManifestParseOptions& options_;
  const std::vector<size_t>& lines_;
  std::string top_key_;
  bool in_files_ = false;
  size_t index_ = 0;
  EntryCollector& entries_;
  EntryProfiles profiles_;
  Status error_;
  std::optional<std::string> error_disc_;
  size_t error_line_ = 0;
};

// Runs nlohmann's parser over the manifest's text with `callback`.
using JsonParse = std::function<json(const json::parser_callback_t& callback)>;

// `scan`: JsonScanner's result over the same text (which it found not too
// deep); `line_of`: the line of a byte offset.
Result<ActManifest> ParseJsonWith(const JsonScan& scan, const JsonParse& parse,
                                  const std::function<size_t(size_t)>& line_of, const Where& where,
                                  const ManifestParseOptions& options) {
  EntryCollector collector(where, options);
  JsonFilesStream stream(where, options, scan.file_lines, collector);
  json root;
  try {
    root = parse(std::ref(stream));
  } catch (const json::parse_error& e) {
    size_t off = e.byte > 0 ? e.byte - 1 : 0;
    std::string msg = e.what();
    size_t colon = msg.rfind(": ");
    return where.Error(line_of(off), "",
                       "malformed JSON: " + (colon == std::string::npos ? msg : msg.substr(colon + 2)));
  } catch (const JsonDepthExceeded&) {
    return where.Error(0, "", "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels",
                       Code::kLimitExceeded);
  }
  if (scan.duplicate_key_line)
    return where.Error(scan.duplicate_key_line, scan.duplicate_key, "appears twice in the same object");
  if (!root.is_object()) return where.Error(1, "", "must be a JSON object");
  QOIMA_RETURN_IF_ERROR(
      OnlyKeys(root, {"format", "version", "application", "software", "depositor", "discs", "files"}, where, 0, ""));
  ActManifest m;
  m.format = ManifestFormat::kJson;
  QOIMA_ASSIGN_OR_RETURN(std::string fmt, JsonString(root, "format", true, kMaxTextFieldBytes, where, 0, "format"));
  if (fmt != "qoima-act-manifest")
    return where.Error(0, "format", "must be \"qoima-act-manifest\", got \"" + fmt + "\"");
  auto ver = root.find("version");
  if (ver == root.end() || !ver->is_number_unsigned())
    return where.Error(0, "version", "is missing or not a whole number");
  if (ver->get<uint64_t>() != 1)
    return where.Error(0, "version", "version " + std::to_string(ver->get<uint64_t>()) + " is not supported (only 1)",
                       Code::kUnsupported);
  // A stored record of a sha256sum/hashdeep act names no application or software.
  const bool names_required = !options.stored_record;
  QOIMA_ASSIGN_OR_RETURN(m.application,
                         JsonString(root, "application", names_required, kMaxTextFieldBytes, where, 0, "application"));
  if (!options.expected_application.empty() && m.application != options.expected_application &&
      !(options.stored_record && m.application.empty()))
    return where.Error(
        0, "application",
        "the act is for application '" + m.application + "', not for '" + options.expected_application + "'",
        Code::kFailedPrecondition);
  auto sw = root.find("software");
  if (sw == root.end() || !sw->is_object()) return where.Error(0, "software", "is missing or not an object");
  QOIMA_RETURN_IF_ERROR(OnlyKeys(*sw, {"name", "version", "annotation"}, where, 0, "software."));
  QOIMA_ASSIGN_OR_RETURN(m.software_name,
                         JsonString(*sw, "name", names_required, kMaxTextFieldBytes, where, 0, "software.name"));
  QOIMA_ASSIGN_OR_RETURN(m.software_version,
                         JsonString(*sw, "version", false, kMaxTextFieldBytes, where, 0, "software.version"));
  QOIMA_ASSIGN_OR_RETURN(m.annotation,
                         JsonString(*sw, "annotation", false, kMaxAnnotationBytes, where, 0, "software.annotation"));
  QOIMA_ASSIGN_OR_RETURN(m.depositor, JsonString(root, "depositor", false, kMaxTextFieldBytes, where, 0, "depositor"));

  std::set<std::string> declared_discs;
  if (auto d = root.find("discs"); d != root.end()) {
    if (!d->is_array()) return where.Error(0, "discs", "must be an array");
    for (size_t i = 0; i < d->size(); ++i) {
      const json& dj = (*d)[i];
      std::string f = "discs[" + std::to_string(i) + "]";
      if (!dj.is_object()) return where.Error(0, f, "must be an object");
      QOIMA_RETURN_IF_ERROR(OnlyKeys(dj, {"marking", "volume_label"}, where, 0, f + "."));
      ManifestDisc disc;
      QOIMA_ASSIGN_OR_RETURN(disc.marking,
                             JsonString(dj, "marking", false, kMaxTextFieldBytes, where, 0, f + ".marking"));
      QOIMA_ASSIGN_OR_RETURN(disc.volume_label,
                             JsonString(dj, "volume_label", false, kMaxTextFieldBytes, where, 0, f + ".volume_label"));
      if (!declared_discs.insert(disc.marking).second)
        return where.Error(0, f + ".marking", "disc '" + disc.marking + "' is declared twice");
      m.discs.push_back(std::move(disc));
    }
  }

  auto files = root.find("files");
  if (files == root.end() || !files->is_array()) return where.Error(0, "files", "is missing or not an array");
  if (auto undeclared = collector.FirstUndeclaredDisc(declared_discs))
    return where.Error(undeclared->first, "disc", "disc '" + undeclared->second + "' is not declared in \"discs\"");
  if (!stream.error().ok()) {
    const auto& disc = stream.error_disc();
    if (disc && !declared_discs.empty() && !declared_discs.count(*disc))
      return where.Error(stream.error_line(), "disc", "disc '" + *disc + "' is not declared in \"discs\"");
    return stream.error();
  }
  // The act check of the header's text, before the files' (file order).
  TextFlags header;
  header.Check(0, "application", m.application);
  header.Check(0, "software.name", m.software_name);
  header.Check(0, "software.version", m.software_version);
  header.Check(0, "software.annotation", m.annotation, /*multiline=*/true);
  header.Check(0, "depositor", m.depositor);
  for (size_t i = 0; i < m.discs.size(); ++i) {
    header.Check(0, "discs[" + std::to_string(i) + "].marking", m.discs[i].marking);
    header.Check(0, "discs[" + std::to_string(i) + "].volume_label", m.discs[i].volume_label);
  }
  header.MoveTo(m);
  QOIMA_RETURN_IF_ERROR(collector.Finish(m));
  if (m.discs.empty())
    for (const auto& d : m.DiscMarkings()) m.discs.push_back({d, ""});
  return m;
}

Result<ActManifest> ParseJson(std::string_view bytes, const Where& where, const ManifestParseOptions& options) {
  JsonScanner scanner;
  scanner.Feed(bytes);
  if (scanner.too_deep()) return TooDeep(where.file(), scanner.nesting());
  return ParseJsonWith(
      scanner.Take(), [&](const json::parser_callback_t& cb) { return json::parse(bytes.begin(), bytes.end(), cb); },
      [&](size_t offset) { return LineOfOffset(bytes, offset); }, where, options);
}

// ---- line-based formats -------------------------------------------------

// The bytes of a manifest, taken one at a time: from its text in memory, or
// from its file a piece at a time (ManifestReader), so that neither a line
// format's text nor a list of its lines or records is ever held whole.
class ManifestText {
 public:
  virtual ~ManifestText() = default;
  virtual bool AtEnd() = 0;
  virtual char Peek() = 0;
  virtual void Take() = 0;
};

class StringText final : public ManifestText {
 public:
  explicit StringText(std::string_view bytes) : bytes_(bytes) {}
  bool AtEnd() override { return pos_ >= bytes_.size(); }
  char Peek() override { return bytes_[pos_]; }
  void Take() override { ++pos_; }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

struct Line {
  size_t number;
  std::string_view text;  // valid until the next line is read
};

// Splits a ManifestText at '\n' (a '\r' before it is dropped), refusing a
// line longer than kMaxManifestLineBytes.
class LineReader {
 public:
  LineReader(ManifestText& text, const Where& where) : text_(text), where_(where) {}

  /// The next line; false at the end.
  Result<bool> Next(Line& line) {
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

 private:
  ManifestText& text_;
  const Where& where_;
  std::string buf_;
  size_t number_ = 0;
};

Result<std::string> ListPath(std::string_view raw, const ManifestParseOptions& options, const Where& where,
                             size_t line) {
  std::string p(raw);
  if (!p.empty() && p[0] == '/') {
    std::string prefix = options.strip_prefix;
    while (prefix.size() > 1 && prefix.back() == '/') prefix.pop_back();
    if (prefix.empty())
      return where.Error(line, "filename", "absolute path '" + p + "'; give the media root to strip (--strip-prefix)");
    if (p.compare(0, prefix.size(), prefix) != 0 || (p.size() > prefix.size() && p[prefix.size()] != '/'))
      return where.Error(line, "filename", "path '" + p + "' is outside the stripped prefix '" + prefix + "'");
    p = p.substr(prefix.size());
    while (!p.empty() && p[0] == '/') p.erase(0, 1);
  }
  auto r = NormalizeManifestPath(p);
  if (!r.ok()) return where.Wrap(line, "filename", r.status());
  return *r;
}

Status CheckCount(size_t n, const Where& where, size_t line) {
  if (n >= kMaxManifestEntries)
    return where.Error(line, "", "more than " + std::to_string(kMaxManifestEntries) + " files", Code::kLimitExceeded);
  return Status::Ok();
}

Result<ActManifest> ParseSha256sum(ManifestText& text, const Where& where, const ManifestParseOptions& options) {
  LineReader lines(text, where);
  EntryCollector entries(where, options);
  ActManifest m;
  m.format = ManifestFormat::kSha256sum;
  EntryProfiles profiles;
  Line l{};
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool more, lines.Next(l));
    if (!more) break;
    std::string_view t = l.text;
    if (Trim(t).empty()) continue;
    bool escaped = !t.empty() && t[0] == '\\';
    if (escaped) t.remove_prefix(1);
    if (t.size() < 67 || (t[64] != ' ') || (t[65] != ' ' && t[65] != '*'))
      return where.Error(l.number, "", "not a sha256sum line (expected 64 hex digits, two spaces, the file name)");
    QOIMA_RETURN_IF_ERROR(CheckCount(entries.count(), where, l.number));
    ManifestEntry e;
    e.line = l.number;
    QOIMA_ASSIGN_OR_RETURN(e.sha256, CheckSha256(t.substr(0, 64), where, l.number, "sha256"));
    std::string name;
    std::string_view raw = t.substr(66);
    if (escaped) {
      for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\\' && i + 1 < raw.size()) {
          char n = raw[++i];
          name += n == 'n' ? '\n' : n == 'r' ? '\r' : n;
        } else {
          name += raw[i];
        }
      }
    } else {
      name = std::string(raw);
    }
    QOIMA_ASSIGN_OR_RETURN(e.path, ListPath(name, options, where, l.number));
    EntryProfile guessed;
    guessed.category = GuessItemCategory(e.path);
    e.share_profile(profiles.Share(std::move(guessed)));
    QOIMA_RETURN_IF_ERROR(entries.Add(std::move(e)));
  }
  QOIMA_RETURN_IF_ERROR(entries.Finish(m));
  m.discs.push_back({"", ""});
  return m;
}

Result<ActManifest> ParseHashdeep(ManifestText& text, const Where& where, const ManifestParseOptions& options) {
  LineReader lines(text, where);
  EntryCollector entries(where, options);
  ActManifest m;
  EntryProfiles profiles;
  m.format = ManifestFormat::kHashdeep;
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
        return where.Error(l.number, "", "has fewer fields than the " + std::to_string(columns.size()) + " columns");
      fields.push_back(rest.substr(0, comma));
      rest = rest.substr(comma + 1);
    }
    fields.push_back(rest);
    ManifestEntry e;
    e.line = l.number;
    QOIMA_ASSIGN_OR_RETURN(uint64_t size, CheckSizeText(fields[size_col], where, l.number, "size"));
    e.size = size;
    QOIMA_ASSIGN_OR_RETURN(e.sha256, CheckSha256(fields[sha_col], where, l.number, "sha256"));
    QOIMA_ASSIGN_OR_RETURN(e.path, ListPath(fields[name_col], options, where, l.number));
    EntryProfile guessed;
    guessed.category = GuessItemCategory(e.path);
    e.share_profile(profiles.Share(std::move(guessed)));
    QOIMA_RETURN_IF_ERROR(entries.Add(std::move(e)));
  }
  if (!header) return where.Error(1, "", "not a hashdeep file (missing %%%% HASHDEEP-1.0)");
  QOIMA_RETURN_IF_ERROR(entries.Finish(m));
  m.discs.push_back({"", ""});
  return m;
}

// ---- CSV ------------------------------------------------------------------

constexpr size_t kCsvColumns = 13;  // Annex 3's ten, then sha256, size_bytes, category
constexpr size_t kCsvColumnsWithTable = 14;
constexpr const char* kCsvFieldNames[kCsvColumnsWithTable] = {
    "No",        "disc_marking",      "directory", "file_name", "size_mb",    "language", "language_version",
    "framework", "framework_version", "modified",  "sha256",    "size_bytes", "category", "table"};

struct CsvRecord {
  size_t line;
  std::vector<std::string> fields;
};

// Reads a CSV one record at a time (a quoted field may span lines).
class CsvReader {
 public:
  CsvReader(ManifestText& text, char delim, const Where& where) : text_(text), delim_(delim), where_(where) {}

  /// The next record; false at the end.
  Result<bool> Next(CsvRecord& rec) {
    if (text_.AtEnd()) return false;
    rec.line = line_;
    rec.fields.clear();
    std::string field;
    bool quoted_field = false;
    size_t length = 0;
    auto field_name = [&] { return kCsvFieldNames[std::min(rec.fields.size(), size_t{13})]; };
    auto take = [&] {
      char c = text_.Peek();
      text_.Take();
      ++length;
      return c;
    };
    while (true) {
      if (length > kMaxManifestLineBytes)
        return where_.Error(rec.line, "", "record longer than " + std::to_string(kMaxManifestLineBytes) + " bytes",
                            Code::kLimitExceeded);
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
          if (length > kMaxManifestLineBytes)
            return where_.Error(rec.line, "", "record longer than " + std::to_string(kMaxManifestLineBytes) + " bytes",
                                Code::kLimitExceeded);
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
        if (!closed) return where_.Error(rec.line, field_name(), "unterminated quote");
        if (!text_.AtEnd()) {
          char after = text_.Peek();
          if (after != delim_ && after != '\n' && after != '\r')
            return where_.Error(line_, field_name(),
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
        return where_.Error(line_, field_name(), "a quote in the middle of an unquoted field");
      field += c;
    }
    if (++records_ > kMaxManifestEntries + 1)
      return where_.Error(line_, "", "more than " + std::to_string(kMaxManifestEntries) + " rows",
                          Code::kLimitExceeded);
    return true;
  }

 private:
  ManifestText& text_;
  char delim_;
  const Where& where_;
  size_t line_ = 1;
  size_t records_ = 0;
};

char DetectDelimiter(std::string_view bytes) {
  std::string_view first = bytes.substr(0, bytes.find('\n'));
  size_t commas = 0, semis = 0, tabs = 0;
  bool q = false;
  for (char c : first) {
    if (c == '"') q = !q;
    if (q) continue;
    commas += c == ',';
    semis += c == ';';
    tabs += c == '\t';
  }
  if (semis > commas && semis >= tabs) return ';';
  if (tabs > commas) return '\t';
  return ',';
}

Result<double> ParseMegabytes(const std::string& raw, const Where& where, size_t line) {
  std::string v = Trim(raw);
  for (char& c : v)
    if (c == ',') c = '.';
  if (!v.empty() && v[0] == '-') return where.Error(line, "size_mb", "is negative (" + raw + ")");
  bool dot = false, digit = false;
  for (char c : v) {
    if (c == '.' && !dot) {
      dot = true;
    } else if (c >= '0' && c <= '9') {
      digit = true;
    } else {
      return where.Error(line, "size_mb", "is not a number (" + raw + ")");
    }
  }
  if (!digit || v.size() > 20) return where.Error(line, "size_mb", "is not a number (" + raw + ")");
  return std::stod(v);
}

// `start`: the first bytes of the text (its first line gives the delimiter).
Result<ActManifest> ParseCsv(ManifestText& text, std::string_view start, const Where& where,
                             const ManifestParseOptions& options) {
  CsvReader records(text, DetectDelimiter(start), where);
  CsvRecord header;
  QOIMA_ASSIGN_OR_RETURN(bool any, records.Next(header));
  if (!any) return where.Error(0, "", "is empty");
  if (header.fields.size() != kCsvColumns && header.fields.size() != kCsvColumnsWithTable)
    return where.Error(1, "",
                       "the header row has " + std::to_string(header.fields.size()) + " columns; expected " +
                           std::to_string(kCsvColumns) + " (or " + std::to_string(kCsvColumnsWithTable) +
                           " with table) in the Annex 3 order, see docs/act-manifest.md");
  if (IsDigits(Trim(header.fields[0])))
    return where.Error(1, "No", "the first row must be the header row, not a file row");
  ActManifest m;
  m.format = ManifestFormat::kCsv;
  EntryProfiles profiles;
  EntryCollector entries(where, options);
  CsvRecord rec;
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool more, records.Next(rec));
    if (!more) break;
    bool blank = true;
    for (const auto& f : rec.fields) blank = blank && Trim(f).empty();
    if (blank) continue;
    if (rec.fields.size() != header.fields.size())
      return where.Error(rec.line, "",
                         "has " + std::to_string(rec.fields.size()) + " fields, the header has " +
                             std::to_string(header.fields.size()));
    const auto& f = rec.fields;
    size_t line = rec.line;
    for (size_t c = 0; c < f.size(); ++c)
      QOIMA_RETURN_IF_ERROR(
          CheckText(f[c], c == 2 || c == 3 ? kMaxPathBytes : kMaxTextFieldBytes, where, line, kCsvFieldNames[c]));
    std::string no = Trim(f[0]);
    if (!no.empty() && !IsDigits(no)) return where.Error(line, "No", "is not a number (" + no + ")");
    ManifestEntry e;
    e.line = line;
    std::string disc = Trim(f[1]);
    std::string dir = Trim(f[2]);
    while (!dir.empty() && (dir.back() == '/' || dir.back() == '\\')) dir.pop_back();
    std::string name = Trim(f[3]);
    if (name.empty()) return where.Error(line, "file_name", "is empty");
    if (name.find('/') != std::string::npos || name.find('\\') != std::string::npos)
      return where.Error(line, "file_name", "contains a directory separator (put directories in the directory column)");
    auto p = NormalizeManifestPath(dir.empty() ? name : dir + "/" + name,
                                   {.backslash_is_separator = true, .allow_leading_slash = true});
    if (!p.ok()) return where.Wrap(line, dir.empty() ? "file_name" : "directory", p.status());
    e.path = *p;
    QOIMA_ASSIGN_OR_RETURN(uint64_t bytes_n, CheckSizeText(f[11], where, line, "size_bytes"));
    e.size = bytes_n;
    if (!Trim(f[4]).empty()) {
      QOIMA_ASSIGN_OR_RETURN(double mb, ParseMegabytes(f[4], where, line));
      double mib = static_cast<double>(bytes_n) / (1024.0 * 1024.0), mb10 = static_cast<double>(bytes_n) / 1e6;
      double tol = std::max(0.05, mib * 0.01);
      if (std::abs(mb - mib) > tol && std::abs(mb - mb10) > tol)
        return where.Error(line, "size_mb",
                           "says " + Trim(f[4]) + " MB but size_bytes says " + std::to_string(bytes_n) + " bytes (" +
                               FormatMegabytes(bytes_n) + " MB)");
    }
    EntryProfile profile;
    profile.disc = std::move(disc);
    profile.language = Trim(f[5]);
    profile.language_version = Trim(f[6]);
    profile.framework = Trim(f[7]);
    profile.framework_version = Trim(f[8]);
    std::string mod = Trim(f[9]);
    if (!mod.empty()) {
      auto d = ParseManifestDate(mod);
      if (!d) return where.Error(line, "modified", "is not a date ('" + mod + "'; use 12.03.2025 or 2025-03-12)");
      QOIMA_RETURN_IF_ERROR(CheckDate(*d, options, where, line, "modified"));
      e.modified = *d;
    }
    QOIMA_ASSIGN_OR_RETURN(e.sha256, CheckSha256(f[10], where, line, "sha256"));
    profile.category = Trim(f[12]);
    QOIMA_RETURN_IF_ERROR(CheckCategory(profile.category, where, line));
    if (f.size() == kCsvColumnsWithTable) {
      std::string t = Trim(f[13]);
      if (t == "library")
        profile.table = ActTable::kLibrary;
      else if (!t.empty() && t != "application")
        return where.Error(line, "table", "must be application or library, got '" + t + "'");
    }
    e.share_profile(profiles.Share(std::move(profile)));
    QOIMA_RETURN_IF_ERROR(entries.Add(std::move(e)));
  }
  QOIMA_RETURN_IF_ERROR(entries.Finish(m));
  for (const auto& d : m.DiscMarkings()) m.discs.push_back({d, ""});
  return m;
}

int TwoDigits(std::string_view s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

}  // namespace

std::optional<ManifestDate> ParseManifestDate(std::string_view text) {
  std::string t = Trim(text);
  std::string_view s(t);
  if (s.size() == 10) {
    auto d = ParseDay(s);
    if (!d) return std::nullopt;
    return ManifestDate{DaysFromCivil(*d) * 86400 - kActUtcOffsetSeconds, true};
  }
  if (s.size() < 16) return std::nullopt;
  auto d = ParseDay(s.substr(0, 10));
  if (!d || (s[10] != 'T' && s[10] != ' ')) return std::nullopt;
  std::string_view rest = s.substr(11);
  if (rest.size() < 5 || rest[2] != ':' || !IsDigits(rest.substr(0, 2)) || !IsDigits(rest.substr(3, 2)))
    return std::nullopt;
  int hh = TwoDigits(rest), mm = TwoDigits(rest.substr(3)), ss = 0;
  rest.remove_prefix(5);
  if (!rest.empty() && rest[0] == ':') {
    if (rest.size() < 3 || !IsDigits(rest.substr(1, 2))) return std::nullopt;
    ss = TwoDigits(rest.substr(1));
    rest.remove_prefix(3);
  }
  if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  int64_t offset = kActUtcOffsetSeconds;
  if (rest == "Z") {
    offset = 0;
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' && IsDigits(rest.substr(1, 2)) &&
             IsDigits(rest.substr(4, 2))) {
    offset = (TwoDigits(rest.substr(1)) * 3600 + TwoDigits(rest.substr(4)) * 60) * (rest[0] == '-' ? -1 : 1);
  } else if (!rest.empty()) {
    return std::nullopt;
  }
  return ManifestDate{DaysFromCivil(*d) * 86400 + hh * 3600 + mm * 60 + ss - offset, false};
}

ManifestFormat DetectManifestFormat(std::string_view bytes) {
  size_t i = bytes.find_first_not_of(" \t\r\n");
  if (i != std::string_view::npos && bytes[i] == '{') return ManifestFormat::kJson;
  if (bytes.rfind("%%%% HASHDEEP", 0) == 0) return ManifestFormat::kHashdeep;
  std::string_view first = bytes.substr(0, bytes.find('\n'));
  if (!first.empty() && first[0] == '\\') first.remove_prefix(1);
  if (first.size() > 66 && first[64] == ' ' && (first[65] == ' ' || first[65] == '*')) {
    bool hex = true;
    for (char c : first.substr(0, 64)) hex = hex && std::isxdigit(static_cast<unsigned char>(c));
    if (hex) return ManifestFormat::kSha256sum;
  }
  return ManifestFormat::kCsv;
}

namespace {

// CheckEncoding fed piece by piece: the same checks and messages, with the
// bytes of a UTF-8 sequence cut by a piece's end carried to the next.
class EncodingCheck {
 public:
  explicit EncodingCheck(const Where& where) : where_(where) {}

  Status Feed(std::string_view piece) {
    if (offset_ == 0) QOIMA_RETURN_IF_ERROR(CheckByteOrderMark(piece, where_));
    if (size_t nul = piece.find('\0'); nul != std::string_view::npos)
      return where_.Error(LineAt(piece, nul), "", "contains a NUL byte (binary or UTF-16 file?); save it as UTF-8");
    std::string joined;  // only when a sequence was cut: no copy of every piece
    if (!carry_.empty()) joined = carry_ + std::string(piece);
    std::string_view all = carry_.empty() ? piece : std::string_view(joined);
    // A sequence whose lead byte is among the last three may go on in the next piece.
    size_t cut = all.size();
    for (size_t k = 1; k <= std::min<size_t>(3, all.size()); ++k) {
      auto c = static_cast<unsigned char>(all[all.size() - k]);
      if ((c & 0xC0) == 0x80) continue;
      size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
      if (need > k) cut = all.size() - k;
      break;
    }
    if (auto bad = FirstInvalidUtf8(all.substr(0, cut))) return Invalid(all, *bad);
    carry_ = std::string(all.substr(cut));
    for (char c : piece) lines_ += c == '\n';
    offset_ += piece.size();
    return Status::Ok();
  }
  /// After the last piece: a sequence cut by the end of the file.
  Status Finish() {
    if (carry_.empty()) return Status::Ok();
    std::string all = carry_;
    return Invalid(all, FirstInvalidUtf8(all).value_or(0));
  }

 private:
  // `joined` starts with the carried bytes, before offset_.
  Status Invalid(std::string_view joined, size_t bad) {
    uint64_t at = offset_ - carry_.size() + bad;
    size_t line = lines_ + 1;
    for (size_t i = carry_.size(); i < bad && i < joined.size(); ++i) line += joined[i] == '\n';
    return where_.Error(line, "",
                        "is not valid UTF-8 at byte " + std::to_string(at) +
                            " (save it as UTF-8; Windows-1251 and UTF-16 are not accepted)");
  }
  size_t LineAt(std::string_view piece, size_t pos) const {
    size_t line = lines_ + 1;
    for (size_t i = 0; i < pos; ++i) line += piece[i] == '\n';
    return line;
  }

  const Where& where_;
  std::string carry_;
  uint64_t offset_ = 0;
  size_t lines_ = 0;
};

// A manifest file read a piece at a time, hashed as it is read, with the
// lines counted as its bytes are taken: the text is never held whole.
class ManifestReader {
 public:
  explicit ManifestReader(ManifestSource& source) : source_(source) {}

  /// The next piece ("" at the end or on a read error: status()).
  std::string_view NextPiece() {
    Result<std::string_view> next = source_.Next();
    if (!next.ok()) {
      if (status_.ok()) status_ = next.status();
      buf_ = {};
    } else {
      buf_ = *next;
    }
    pos_ = 0;
    hash_.Update(buf_);
    read_ += buf_.size();
    return buf_;
  }
  bool AtEnd() {
    if (pos_ < buf_.size()) return false;
    if (done_) return true;
    done_ = NextPiece().empty();
    return done_;
  }
  char Peek() const { return buf_[pos_]; }
  void Take() {
    if (buf_[pos_++] == '\n') {
      ++newlines_;
      recent_newlines_[newlines_ % 4] = taken_;
    }
    ++taken_;
  }
  /// The line of byte `offset`, one of the last few taken.
  size_t LineOf(uint64_t offset) const {
    size_t before = newlines_;
    for (size_t k = 0; k < std::min<size_t>(4, newlines_); ++k)
      if (recent_newlines_[(newlines_ - k) % 4] >= offset) --before;
    return before + 1;
  }
  /// Reads what is left (hashing it); the digest of everything read.
  crypto::Sha256Digest Finish() {
    while (!NextPiece().empty()) {}
    return hash_.Finish();
  }
  uint64_t bytes_read() const { return read_; }
  const Status& status() const { return status_; }

 private:
  ManifestSource& source_;
  std::string_view buf_;  // the source's, until its next piece
  size_t pos_ = 0;
  bool done_ = false;
  crypto::Sha256 hash_;
  uint64_t read_ = 0;
  uint64_t taken_ = 0;
  size_t newlines_ = 0;
  uint64_t recent_newlines_[4] = {};
  Status status_;
};

// nlohmann's input: an input iterator over a ManifestReader's bytes.
class ManifestBytes {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = char;

  ManifestBytes() = default;  // the end
  explicit ManifestBytes(ManifestReader& r) : r_(&r) {}
  char operator*() const { return r_->Peek(); }
  ManifestBytes& operator++() {
    r_->Take();
    return *this;
  }
  ManifestBytes operator++(int) {
    ManifestBytes before = *this;
    ++*this;
    return before;
  }
  friend bool operator==(const ManifestBytes& a, const ManifestBytes& b) { return a.Ended() == b.Ended(); }

 private:
  bool Ended() const { return r_ == nullptr || r_->AtEnd(); }
  ManifestReader* r_ = nullptr;
};

// A ManifestReader's bytes as a ManifestText.
class ReaderText final : public ManifestText {
 public:
  explicit ReaderText(ManifestReader& r) : r_(r) {}
  bool AtEnd() override { return r_.AtEnd(); }
  char Peek() override { return r_.Peek(); }
  void Take() override { r_.Take(); }

 private:
  ManifestReader& r_;
};

// A manifest in two passes over the file, neither holding its text: the
// encoding checks, the structural scan (JSON) and the digest, then the
// parse, which hashes the bytes again; a file that changed in between is
// refused.
// A file descriptor as a ManifestSource, in 1 MiB pieces.
class FdSource final : public ManifestSource {
 public:
  static constexpr size_t kPieceBytes = 1u << 20;
  FdSource(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  Result<std::string_view> Next() override {
    buf_.resize(kPieceBytes);
    for (;;) {
      ssize_t n = ::read(fd_, buf_.data(), buf_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::FromErrno(errno, "read manifest");
      return std::string_view(buf_.data(), static_cast<size_t>(n));
    }
  }
  Status Rewind() override {
    if (::lseek(fd_, 0, SEEK_SET) != 0) return Status::FromErrno(errno, "rewind manifest " + path_);
    return Status::Ok();
  }

 private:
  int fd_;
  std::string path_;
  std::string buf_;
};

}  // namespace

Result<ActManifest> ParseManifestFrom(ManifestSource& source, const std::string& path,
                                      const ManifestParseOptions& options, uint64_t max_bytes) {
  ManifestReader first(source);
  std::string_view first_piece = first.NextPiece();
  QOIMA_RETURN_IF_ERROR(first.status().WithContext(path));
  if (first_piece.empty()) return Where(path).Error(0, "", "is empty");
  const ManifestFormat format = options.format.value_or(DetectManifestFormat(first_piece));
  Where where(path);
  EncodingCheck encoding(where);
  JsonScanner scanner;
  // A CSV's first line gives its delimiter.
  const std::string start(first_piece.substr(0, std::min(first_piece.size(), kMaxManifestLineBytes + 2)));
  for (std::string_view piece = first_piece; !piece.empty(); piece = first.NextPiece()) {
    if (first.bytes_read() > max_bytes)
      return where.Error(0, "", "is more than " + std::to_string(max_bytes) + " bytes", Code::kLimitExceeded);
    QOIMA_RETURN_IF_ERROR(encoding.Feed(piece));
    if (format == ManifestFormat::kJson) {
      scanner.Feed(piece);
      // Refused at the bracket, before the next piece is read.
      if (scanner.too_deep()) return TooDeep(path, scanner.nesting());
    }
  }
  QOIMA_RETURN_IF_ERROR(first.status().WithContext(path));
  QOIMA_RETURN_IF_ERROR(encoding.Finish());
  const crypto::Sha256Digest digest = first.Finish();
  const uint64_t size = first.bytes_read();

  QOIMA_RETURN_IF_ERROR(source.Rewind());
  ManifestReader second(source);
  ReaderText text(second);
  Result<ActManifest> m = Status::Internal("unknown manifest format");
  switch (format) {
    case ManifestFormat::kJson: {
      const JsonScan scan = scanner.Take();
      auto parse = [&](const json::parser_callback_t& cb) {
        return json::parse(ManifestBytes(second), ManifestBytes(), cb);
      };
      m = ParseJsonWith(
          scan, parse, [&](size_t off) { return second.LineOf(off); }, where, options);
      break;
    }
    case ManifestFormat::kCsv: m = ParseCsv(text, start, where, options); break;
    case ManifestFormat::kSha256sum: m = ParseSha256sum(text, where, options); break;
    case ManifestFormat::kHashdeep: m = ParseHashdeep(text, where, options); break;
  }
  QOIMA_RETURN_IF_ERROR(second.status().WithContext(path));
  if (!m.ok()) return m.status();
  if (second.Finish() != digest || second.bytes_read() != size)
    return Status::FailedPrecondition(path + ": the file changed while it was read; read it again");
  m->digest = crypto::Hex(digest);
  return m;
}

Result<ActManifest> ParseManifest(std::string_view bytes, std::string_view file_name,
                                  const ManifestParseOptions& options) {
  Where where(file_name);
  if (bytes.size() > kMaxManifestBytes)
    return where.Error(
        0, "", "is " + std::to_string(bytes.size()) + " bytes, the limit is " + std::to_string(kMaxManifestBytes),
        Code::kLimitExceeded);
  if (bytes.empty()) return where.Error(0, "", "is empty");
  QOIMA_RETURN_IF_ERROR(CheckEncoding(bytes, where));
  ManifestFormat format = options.format.value_or(DetectManifestFormat(bytes));
  switch (format) {
    case ManifestFormat::kJson: return ParseJson(bytes, where, options);
    case ManifestFormat::kCsv: {
      StringText text(bytes);
      return ParseCsv(text, bytes, where, options);
    }
    case ManifestFormat::kSha256sum: {
      StringText text(bytes);
      return ParseSha256sum(text, where, options);
    }
    case ManifestFormat::kHashdeep: {
      StringText text(bytes);
      return ParseHashdeep(text, where, options);
    }
  }
  return Status::Internal("unknown manifest format");
}

Result<ActManifest> LoadManifestFile(const std::string& path, const ManifestParseOptions& options) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Status::FromErrno(errno, "open manifest " + path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Status::FromErrno(errno, "stat manifest " + path);
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(path + ": not a regular file");
  if (static_cast<uint64_t>(st.st_size) > kMaxManifestBytes)
    return Status::LimitExceeded(path + ": is " + std::to_string(st.st_size) + " bytes, the limit is " +
                                 std::to_string(kMaxManifestBytes));
  if (st.st_size == 0) return Where(path).Error(0, "", "is empty");
  // Every format is read in pieces: the text is never held whole.
  FdSource source(fd.get(), path);
  return ParseManifestFrom(source, path, options, kMaxManifestBytes);
}

}  // namespace qoima::appliance
