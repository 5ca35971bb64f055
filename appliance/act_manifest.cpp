#include "appliance/act_manifest.h"

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <nlohmann/json.hpp>
#include <string_view>

#include "appliance/act_entry_table.h"
#include "appliance/civil_time.h"
#include "common/visible_text.h"

namespace qoima::appliance {
namespace {

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",;\"\r\n") == std::string::npos) return s;
  std::string o = "\"";
  for (char c : s) {
    if (c == '"') o += '"';
    o += c;
  }
  return o + "\"";
}

}  // namespace

const char* SizeUnitName(SizeUnit unit) {
  switch (unit) {
    case SizeUnit::kKilobytes: return "KB";
    case SizeUnit::kMegabytes: return "MB";
    case SizeUnit::kGigabytes: return "GB";
  }
  return "?";
}

namespace {

// Sizes times powers of ten reach past 64 bits (4 TiB x 10^9 x 2).
__extension__ typedef unsigned __int128 U128;

U128 Pow10(unsigned n) {
  U128 v = 1;
  while (n--) v *= 10;
  return v;
}

// The unit's bytes in its decimal (10^3k) and binary (2^10k) readings.
std::pair<uint64_t, uint64_t> UnitBytes(SizeUnit unit) {
  const auto k = static_cast<unsigned>(unit);
  uint64_t dec = 1, bin = 1;
  for (unsigned i = 0; i < k; ++i) {
    dec *= 1000;
    bin *= 1024;
  }
  return {dec, bin};
}

}  // namespace

bool DeclaredSize::Admits(uint64_t bytes) const {
  const U128 tenth = Pow10(decimals);
  const auto [decimal, binary] = UnitBytes(unit);
  for (uint64_t u : {decimal, binary}) {
    // |bytes - scaled / 10^d * u| <= u / 10^d / 2, in integers.
    const U128 b = static_cast<U128>(bytes) * tenth * 2;
    const U128 f = static_cast<U128>(scaled) * u * 2;
    const U128 diff = b > f ? b - f : f - b;
    if (diff <= u) return true;
    // The smallest figure written for a file that would round to zero.
    if (scaled == 1 && bytes > 0 && static_cast<U128>(bytes) * tenth <= u) return true;
  }
  return false;
}

std::string DeclaredSize::Figure() const {
  std::string digits = std::to_string(scaled);
  if (decimals == 0) return digits;
  if (digits.size() <= decimals) digits.insert(0, decimals + 1 - digits.size(), '0');
  digits.insert(digits.size() - decimals, ".");
  return digits;
}

std::string DeclaredSize::ToString() const { return Figure() + " " + SizeUnitName(unit); }

std::optional<DeclaredSize> DeclaredSize::FromString(std::string_view text) {
  size_t space = text.rfind(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::string_view unit = text.substr(space + 1);
  for (SizeUnit u : {SizeUnit::kKilobytes, SizeUnit::kMegabytes, SizeUnit::kGigabytes})
    if (unit == SizeUnitName(u)) return Parse(text.substr(0, space), u);
  return std::nullopt;
}

std::optional<DeclaredSize> DeclaredSize::Parse(std::string_view text, SizeUnit unit) {
  DeclaredSize d;
  d.unit = unit;
  bool point = false, digit = false;
  U128 scaled = 0;
  size_t i = 0;
  while (i < text.size() && text[i] == ' ') ++i;
  size_t end = text.size();
  while (end > i && text[end - 1] == ' ') --end;
  bool extra = false, round_up = false;  // digits past kMaxDecimals: finer than a byte, rounded off
  for (; i < end; ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      if (point && d.decimals == kMaxDecimals) {
        if (!extra) round_up = c >= '5';
        extra = true;
        continue;
      }
      scaled = scaled * 10 + static_cast<unsigned>(c - '0');
      if (scaled > UINT64_MAX) return std::nullopt;
      d.decimals += point;
      digit = true;
      continue;
    }
    if ((c == '.' || c == ',') && !point && digit) {
      point = true;
      continue;
    }
    // A space or a no-break space (U+00A0, U+202F in UTF-8) between digit groups.
    const bool group = c == ' ' || text.substr(i, 2) == "\xC2\xA0" || text.substr(i, 3) == "\xE2\x80\xAF";
    if (group && digit && !point && i + 1 < end) {
      i += c == ' ' ? 0 : text.substr(i, 2) == "\xC2\xA0" ? 1 : 2;
      continue;
    }
    return std::nullopt;
  }
  if (!digit || (point && d.decimals == 0)) return std::nullopt;
  if (round_up) ++scaled;
  if (scaled > UINT64_MAX) return std::nullopt;
  d.scaled = static_cast<uint64_t>(scaled);
  // Larger than any file we accept, in the smaller reading of the unit.
  if (scaled * UnitBytes(unit).first > static_cast<U128>(kMaxDeclaredFileBytes) * Pow10(d.decimals))
    return std::nullopt;
  return d;
}

std::optional<DeclaredSize> ManifestEntry::declared_size() const {
  if (declared_unit_ == 0) return std::nullopt;
  DeclaredSize d;
  d.scaled = declared_scaled_;
  d.decimals = declared_decimals_;
  d.unit = static_cast<SizeUnit>(declared_unit_);
  return d;
}

void ManifestEntry::set_declared_size(std::optional<DeclaredSize> d) {
  declared_scaled_ = d ? d->scaled : 0;
  declared_decimals_ = d ? d->decimals : 0;
  declared_unit_ = d ? static_cast<uint8_t>(d->unit) : 0;
}

const char* ActTableName(ActTable t) { return t == ActTable::kLibrary ? "library" : "application"; }

std::string ManifestDate::ToString() const {
  if (date_only) return LocalDateOf(unix_seconds).ToString();
  return FormatUtc(unix_seconds);
}

const EntryProfile& ManifestEntry::profile() const {
  static const EntryProfile kDefaults;
  return profile_ ? *profile_ : kDefaults;
}

EntryProfile& ManifestEntry::edit_profile() {
  auto own = std::make_shared<EntryProfile>(profile());
  EntryProfile& p = *own;
  profile_ = std::move(own);
  return p;
}

std::shared_ptr<const EntryProfile> EntryProfiles::Share(EntryProfile profile) {
  if (last_ && *last_ == profile) return last_;
  std::string key;
  for (const std::string* f : {&profile.disc, &profile.category, &profile.language, &profile.language_version,
                               &profile.framework, &profile.framework_version, &profile.notes})
    key += std::to_string(f->size()) + ":" + *f;  // length-prefixed: no separator to escape
  key += ActTableName(profile.table);
  // An act whose every file has its own columns would otherwise keep one key
  // per file here; forgetting costs only sharing, never correctness.
  if (by_key_.size() >= kRemembered) by_key_.clear();
  auto [it, fresh] = by_key_.try_emplace(std::move(key));
  if (fresh) it->second = std::make_shared<const EntryProfile>(std::move(profile));
  last_ = it->second;
  return last_;
}

std::string ManifestEntry::Directory() const {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

std::string ManifestEntry::FileName() const {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

size_t ActManifest::EntryCount() const { return compact ? compact->size() : entries.size(); }

Status ActManifest::ForEachEntry(const std::function<void(const ManifestEntry&)>& fn) const {
  if (compact) return compact->ForEach([&](size_t, const ManifestEntry& e) { fn(e); });
  for (const auto& e : entries) fn(e);
  return Status::Ok();
}

Result<EntryTotals> ActManifest::Totals(std::optional<std::string_view> disc) const {
  if (compact) return compact->Totals(disc);
  EntryTotals t;
  for (const auto& e : entries) {
    if (disc && e.disc() != *disc) continue;
    ++t.files;
    t.bytes += e.size.value_or(0);
    t.sized = t.sized && e.size.has_value();
    t.library += e.table() == ActTable::kLibrary;
  }
  return t;
}

std::vector<std::string> ActManifest::DiscMarkings() const {
  if (compact) return compact->discs();
  std::vector<std::string> out;
  for (const auto& e : entries) {
    bool seen = false;
    for (const auto& d : out) seen = seen || d == e.disc();
    if (!seen) out.push_back(e.disc());
  }
  return out;
}

uint64_t ActManifest::TotalBytes() const {
  if (compact) std::abort();  // REQUIRES in the header
  uint64_t t = 0;
  for (const auto& e : entries) t += e.size.value_or(0);
  return t;
}

std::string ActTextFlagReason(std::string_view value, bool multiline) {
  const VisibleOptions options{.keep_line_breaks = multiline};
  if (HasHiddenText(value, options)) return DescribeHiddenText(value, options);
  // Typed text that looks like the escape of a hidden character would pass
  // for one on screen and paper: flagged as well, saying what it is.
  for (std::string_view look : {"\\u{", "\\x"})
    if (value.find(look) != std::string_view::npos)
      return "the text \"" + std::string(look) + "\", which reads like an escaped character";
  return {};
}

std::string FormatMegabytes(uint64_t bytes) {
  if (bytes > 0 && bytes < 10486) return "0.01";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

Status WriteManifestJson(const ActManifest& m, bool pretty, const std::function<void(std::string_view)>& sink) {
  using nlohmann::ordered_json;
  constexpr auto kStrict = nlohmann::ordered_json::error_handler_t::strict;
  constexpr size_t kChunk = 64 * 1024;
  const int indent = pretty ? 2 : -1;
  ordered_json j;
  j["format"] = "qoima-act-manifest";
  j["version"] = m.version;
  j["application"] = m.application;
  j["software"] = {{"name", m.software_name}, {"version", m.software_version}, {"annotation", m.annotation}};
  j["depositor"] = m.depositor;
  // Only when false: every act with checksums keeps the bytes it always had.
  if (!m.has_checksums) j["checksums"] = false;
  ordered_json discs = ordered_json::array();
  for (const auto& d : m.discs) {
    ordered_json dj = {{"marking", d.marking}};
    if (!d.volume_label.empty()) dj["volume_label"] = d.volume_label;
    discs.push_back(dj);
  }
  j["discs"] = discs;
  j["files"] = ordered_json::array();
  // The files are rendered one at a time into the text (laid out as dump()
  // lays out the whole) instead of as one JSON tree: that tree cost ~1 KiB
  // per file.
  std::string out = j.dump(indent, ' ', false, kStrict);
  const std::string tail = pretty ? "[]\n}" : "[]}";
  if (m.EntryCount() == 0) {
    if (pretty) out += "\n";
    sink(out);
    return Status::Ok();
  }
  out.resize(out.size() - tail.size());
  out += pretty ? "[\n" : "[";
  bool first = true;
  QOIMA_RETURN_IF_ERROR(m.ForEachEntry([&](const ManifestEntry& e) {
    if (out.size() >= kChunk) {
      sink(out);
      out.clear();
    }
    ordered_json f;
    f["disc"] = e.disc();
    f["path"] = e.path;
    if (e.size) f["size"] = *e.size;
    if (auto d = e.declared_size()) f["size_declared"] = d->ToString();
    if (!e.sha256.empty() || m.has_checksums) f["sha256"] = e.sha256.str();
    if (e.modified) f["modified"] = e.modified->ToString();
    const EntryProfile& p = e.profile();
    f["category"] = p.category;
    f["table"] = ActTableName(p.table);
    if (!p.language.empty()) f["language"] = p.language;
    if (!p.language_version.empty()) f["language_version"] = p.language_version;
    if (!p.framework.empty()) f["framework"] = p.framework;
    if (!p.framework_version.empty()) f["framework_version"] = p.framework_version;
    if (!p.notes.empty()) f["notes"] = p.notes;
    std::string text = f.dump(indent, ' ', false, kStrict);
    if (!pretty) {
      out += first ? "" : ",";
      out += text;
    } else {
      out += first ? "    " : ",\n    ";
      for (char c : text) {
        out += c;
        if (c == '\n') out += "    ";  // JSON strings hold no raw newline: this is layout
      }
    }
    first = false;
  }));
  out += pretty ? "\n  ]\n}\n" : "]}";
  sink(out);
  return Status::Ok();
}

std::string ManifestToJson(const ActManifest& m, bool pretty) {
  std::string all;
  // About one line of each entry's size, so a 100k-file act is not copied as
  // the string doubles (untouched capacity costs no memory).
  all.reserve(512 + m.entries.size() * (pretty ? 320 : 240));
  Status s = WriteManifestJson(m, pretty, [&all](std::string_view text) { all += text; });
  if (!s.ok()) std::abort();  // only reading `compact` entries fails (REQUIRES in the header)
  return all;
}

std::string ManifestToCsv(const ActManifest& m) {
  std::string out =
      "No,disc_marking,directory,file_name,size_mb,language,language_version,framework,framework_version,"
      "modified,sha256,size_bytes,category,table\n";
  size_t n = 0;
  for (const auto& e : m.entries) {
    out += std::to_string(++n) + "," + CsvField(e.disc()) + "," + CsvField(e.Directory()) + "," +
           CsvField(e.FileName()) + "," + (e.size ? FormatMegabytes(*e.size) : "") + "," + CsvField(e.language()) +
           "," + CsvField(e.language_version()) + "," + CsvField(e.framework()) + "," +
           CsvField(e.framework_version()) + "," + (e.modified ? e.modified->ToString() : "") + "," + e.sha256.str() +
           "," + (e.size ? std::to_string(*e.size) : "") + "," + e.category() + "," + ActTableName(e.table()) + "\n";
  }
  return out;
}

}  // namespace qoima::appliance
