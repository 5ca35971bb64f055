#include "appliance/manifest_json.h"

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "appliance/manifest_format.h"
#include "appliance/unicode_path.h"

namespace qoima::appliance::act_format {

void JsonScanner::Feed(std::string_view t) {
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
      if (c == '{' && !stack_.empty() && stack_.back().is_files_array && scan_.file_lines.size() <= kMaxManifestEntries)
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

void JsonScanner::EndString() {
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

Status TooDeep(const std::string& file, const JsonNestingScanner& n) {
  return Status::LimitExceeded(file + ":" + std::to_string(n.line()) + ":" + std::to_string(n.column()) +
                               ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
                               " levels (an act needs 3)");
}

namespace {

using nlohmann::json;

struct JsonDepthExceeded {};

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
// A file without "sha256" is taken (`sha_missing`): the document's
// "checksums": false, which may come later, decides whether that is right.
Result<ManifestEntry> JsonFileEntry(const json& f, size_t line, const Where& where, const ManifestParseOptions& options,
                                    std::optional<std::string>& disc_read, EntryProfiles& profiles, bool& sha_missing) {
  QOIMA_RETURN_IF_ERROR(OnlyKeys(f,
                                 {"disc", "path", "size", "size_declared", "sha256", "modified", "category", "table",
                                  "language", "language_version", "framework", "framework_version", "notes"},
                                 where, line, ""));
  ManifestEntry e;
  e.line = line;
  QOIMA_ASSIGN_OR_RETURN(std::string disc, JsonString(f, "disc", false, kMaxTextFieldBytes, where, line, "disc"));
  disc_read = disc;
  QOIMA_ASSIGN_OR_RETURN(std::string raw_path, JsonString(f, "path", true, kMaxPathBytes, where, line, "path"));
  auto p = NormalizeManifestPath(raw_path);
  if (!p.ok()) return where.Wrap(line, "path", p.status());
  e.path = *p;
  QOIMA_ASSIGN_OR_RETURN(std::string declared, JsonString(f, "size_declared", false, 64, where, line, "size_declared"));
  if (!declared.empty()) {
    auto d = DeclaredSize::FromString(declared);
    if (!d) return where.Error(line, "size_declared", "is not a size like \"1.234 MB\" ('" + declared + "')");
    e.set_declared_size(d);
  }
  auto sz = f.find("size");
  if (sz == f.end()) {
    // The appliance's own record of a sha256sum/hashdeep act has no sizes;
    // an act giving sizes in MB only has its declared ones.
    if (!options.stored_record && declared.empty()) return where.Error(line, "size", "is missing");
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
  sha_missing = sha == f.end();
  if (!sha_missing) {
    if (!sha->is_string()) return where.Error(line, "sha256", "is missing or not a string");
    QOIMA_ASSIGN_OR_RETURN(e.sha256, CheckSha256(sha->get<std::string>(), where, line, "sha256"));
  } else if (!e.size && declared.empty()) {
    return where.Error(line, "sha256", "is missing, and the file has no size either");
  }
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
  QOIMA_ASSIGN_OR_RETURN(columns.notes, JsonString(f, "notes", false, kMaxAnnotationBytes, where, line, "notes"));
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
        bool sha_missing = false;
        auto e = JsonFileEntry(parsed, error_line_, where_, options_, error_disc_, profiles_, sha_missing);
        if (e.ok()) {
          if (sha_missing && !first_without_sha_) first_without_sha_ = error_line_;
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
  /// The line of the first file read without "sha256" (0: none).
  size_t first_without_sha() const { return first_without_sha_; }

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
  size_t first_without_sha_ = 0;
};

// Runs nlohmann's parser over the manifest's text with `callback`.
using JsonParse = std::function<json(const json::parser_callback_t& callback)>;

// `scan`: JsonScanner's result over the same text (which it found not too
// deep); `line_of`: the line of a byte offset. About a hundred lines on
// purpose: it reads the top-level object's fields in the order the format
// defines them, a few lines each, so the schema stays in one place.
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
      OnlyKeys(root, {"format", "version", "application", "software", "depositor", "checksums", "discs", "files"},
               where, 0, ""));
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
  // An act without checksums says so; a file lacking one is refused otherwise.
  if (auto c = root.find("checksums"); c != root.end()) {
    if (!c->is_boolean()) return where.Error(0, "checksums", "must be true or false");
    m.has_checksums = c->get<bool>();
  }
  if (m.has_checksums && stream.first_without_sha())
    return where.Error(stream.first_without_sha(), "sha256", "is missing or not a string");
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

// nlohmann's input: an input iterator over an ActText's bytes.
class TextBytes {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = char;

  TextBytes() = default;  // the end
  explicit TextBytes(ActText& t) : t_(&t) {}
  char operator*() const { return t_->Peek(); }
  TextBytes& operator++() {
    t_->Take();
    return *this;
  }
  TextBytes operator++(int) {
    TextBytes before = *this;
    ++*this;
    return before;
  }
  friend bool operator==(const TextBytes& a, const TextBytes& b) { return a.Ended() == b.Ended(); }

 private:
  bool Ended() const { return t_ == nullptr || t_->AtEnd(); }
  ActText* t_ = nullptr;
};

Status RecognizeJson(std::string_view start) {
  size_t i = start.find_first_not_of(" \t\r\n");
  if (i != std::string_view::npos && start[i] == '{') return Status::Ok();
  if (i == std::string_view::npos) return Status::InvalidArgument("holds only blanks");
  return Status::InvalidArgument(PositionOf(start, i) + ": starts with " + Quote(CharacterAt(start, i)) + ", not '{'");
}

Result<ActManifest> ParseJsonAct(FormatInput& in) {
  ActText& text = *in.text;
  return ParseJsonWith(
      *in.json_scan, [&](const json::parser_callback_t& cb) { return json::parse(TextBytes(text), TextBytes(), cb); },
      [&](size_t offset) { return text.LineOf(offset); }, in.where, in.options);
}

}  // namespace

FormatRow JsonFormat() {
  return {ManifestFormat::kJson, "json", "our JSON act", "qoima act create", false, RecognizeJson, ParseJsonAct};
}

}  // namespace qoima::appliance::act_format
