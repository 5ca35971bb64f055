#include "appliance/manifest_diff.h"

#include <cstdio>
#include <map>
#include <string_view>
#include <unordered_map>

#include "appliance/civil_time.h"
#include "appliance/unicode_path.h"

namespace qoima::appliance {
namespace {

constexpr int64_t kMaxZoneOffsetHours = 14;

const char* TypeName(ObservedType t) {
  switch (t) {
    case ObservedType::kFile: return "file";
    case ObservedType::kDirectory: return "directory";
    case ObservedType::kSymlink: return "symbolic link";
    case ObservedType::kOther: return "special file";
  }
  return "?";
}

bool DateMatches(const ManifestDate& want, const ObservedFile& f, const DiffOptions& o) {
  if (!f.has_mtime) return true;  // nothing to compare: the medium has no dates
  if (want.date_only) {
    CivilDate day = LocalDateOf(want.unix_seconds);
    if (LocalDateOf(f.mtime) == day) return true;
    // A FAT date is local time read as UTC: compare the UTC day too.
    return o.mtime_zone_unknown && CivilFromDays(f.mtime >= 0 ? f.mtime / 86400 : (f.mtime - 86399) / 86400) == day;
  }
  int64_t delta = f.mtime - want.unix_seconds;
  if (delta < 0) delta = -delta;
  if (delta <= o.mtime_tolerance_seconds) return true;
  if (!o.mtime_zone_unknown) return false;
  int64_t hours = (delta + 1800) / 3600;
  return hours <= kMaxZoneOffsetHours && std::abs(delta - hours * 3600) <= o.mtime_tolerance_seconds;
}

DiffItem Item(DiffKind kind, const std::string& path, const ObservedFile* f, const ManifestEntry* e) {
  DiffItem it;
  it.kind = kind;
  it.path = path;
  if (f && f->raw_path != path) it.raw_path = EscapeRawPath(f->raw_path);  // most names: no second copy
  if (e) it.manifest_line = e->line;
  if (f)
    it.size = f->size;
  else if (e && e->size)
    it.size = *e->size;
  return it;
}

}  // namespace

const char* DiffKindName(DiffKind k) {
  switch (k) {
    case DiffKind::kMatched: return "matched";
    case DiffKind::kMissing: return "missing";
    case DiffKind::kExtra: return "extra";
    case DiffKind::kSizeMismatch: return "size_mismatch";
    case DiffKind::kHashMismatch: return "hash_mismatch";
    case DiffKind::kDateMismatch: return "date_mismatch";
    case DiffKind::kUnreadable: return "unreadable";
    case DiffKind::kNameCollision: return "name_collision";
  }
  return "?";
}

bool DiffReport::Clean() const {
  if (!medium_problems.empty()) return false;
  for (size_t k = 1; k < kDiffKindCount; ++k)
    if (counts[k]) return false;
  return true;
}

std::string DiffReport::Summary() const {
  std::string s;
  for (size_t k = 0; k < kDiffKindCount; ++k) {
    if (k != 0 && counts[k] == 0) continue;
    if (!s.empty()) s += ", ";
    s += std::to_string(counts[k]) + " " + DiffKindName(static_cast<DiffKind>(k));
  }
  if (!medium_problems.empty()) s += ", " + std::to_string(medium_problems.size()) + " medium problem(s)";
  return s;
}

std::string EscapeRawPath(std::string_view raw) {
  std::string out;
  size_t i = 0;
  while (i < raw.size()) {
    std::string_view rest = raw.substr(i);
    auto bad = FirstInvalidUtf8(rest.substr(0, std::min<size_t>(rest.size(), 4)));
    unsigned char c = static_cast<unsigned char>(raw[i]);
    if (c < 0x20 || c == 0x7f || (bad && *bad == 0)) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
      ++i;
      continue;
    }
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    out.append(raw.substr(i, len));
    i += len;
  }
  return out;
}

DiffReport DiffMedium(const std::vector<ManifestEntry>& expected, const std::vector<ObservedFile>& observed,
                      const DiffOptions& options) {
  DiffReport r;
  if (!expected.empty()) r.disc = expected.front().disc;
  // Group the medium's non-directory entries by NFC path. Keys are views
  // into `observed` (no copy of 100k paths); a second name for the same path
  // (a collision) is rare, so it goes to `more`.
  struct Group {
    const ObservedFile* first = nullptr;
    std::vector<const ObservedFile*> more;
    bool consumed = false;
    size_t size() const { return 1 + more.size(); }
    std::vector<const ObservedFile*> all() const {
      std::vector<const ObservedFile*> v{first};
      v.insert(v.end(), more.begin(), more.end());
      return v;
    }
  };
  std::unordered_map<std::string_view, Group> by_path;
  by_path.reserve(observed.size());
  std::vector<std::string_view> order;
  for (const auto& f : observed) {
    if (f.type == ObservedType::kDirectory) continue;
    Group& g = by_path[f.path];
    if (!g.first) {
      g.first = &f;
      order.push_back(f.path);
    } else {
      g.more.push_back(&f);
    }
  }
  // Case-folded path -> path, for the "differs only in letter case" hint;
  // built on the first missing file only.
  std::unordered_map<std::string, std::string_view> folded;
  bool folded_built = false;

  r.items.reserve(expected.size());  // one item per listed file, the common case
  auto add = [&r](DiffItem it) {
    r.counts[static_cast<size_t>(it.kind)]++;
    r.items.push_back(std::move(it));
  };

  for (const auto& e : expected) {
    auto it = by_path.find(e.path);
    if (it == by_path.end()) {
      DiffItem d = Item(DiffKind::kMissing, e.path, nullptr, &e);
      d.detail = "listed in the act, not on the medium";
      if (!folded_built) {
        for (std::string_view p : order) folded.emplace(CaseFold(p), p);
        folded_built = true;
      }
      auto f = folded.find(CaseFold(e.path));
      if (f != folded.end())
        d.detail += " (the medium has '" + std::string(f->second) + "', which differs only in letter case)";
      add(std::move(d));
      continue;
    }
    Group& group = it->second;
    group.consumed = true;
    if (group.size() > 1) {
      DiffItem d = Item(DiffKind::kNameCollision, e.path, group.first, &e);
      d.detail = std::to_string(group.size()) + " names on the medium normalize to this path:";
      for (const auto* g : group.all()) d.detail += " '" + EscapeRawPath(g->raw_path) + "'";
      add(std::move(d));
      continue;
    }
    const ObservedFile& f = *group.first;
    if (f.type != ObservedType::kFile) {
      DiffItem d = Item(DiffKind::kMissing, e.path, &f, &e);
      d.detail = std::string("the medium has a ") + TypeName(f.type) + " here, not a file";
      add(std::move(d));
      continue;
    }
    if (!f.readable) {
      DiffItem d = Item(DiffKind::kUnreadable, e.path, &f, &e);
      d.detail = f.problem.empty() ? "could not be read" : f.problem;
      add(std::move(d));
      continue;
    }
    if (e.size && *e.size != f.size) {
      DiffItem d = Item(DiffKind::kSizeMismatch, e.path, &f, &e);
      d.expected = std::to_string(*e.size);
      d.actual = std::to_string(f.size);
      d.detail = "the act says " + d.expected + " bytes, the medium has " + d.actual;
      add(std::move(d));
      continue;
    }
    if (e.sha256 != f.sha256) {
      DiffItem d = Item(DiffKind::kHashMismatch, e.path, &f, &e);
      d.expected = e.sha256;
      d.actual = f.sha256;
      d.detail = "same size, different content (SHA-256 differs)";
      add(std::move(d));
      continue;
    }
    if (e.modified && !DateMatches(*e.modified, f, options)) {
      DiffItem d = Item(DiffKind::kDateMismatch, e.path, &f, &e);
      d.expected = e.modified->ToString();
      d.actual = FormatUtc(f.mtime);
      d.detail = "content identical; the act dates it " + d.expected + ", the medium " + d.actual;
      add(std::move(d));
      continue;
    }
    DiffItem d = Item(DiffKind::kMatched, e.path, &f, &e);
    d.actual = f.sha256;
    r.matched_bytes += f.size;
    add(std::move(d));
  }

  for (std::string_view p : order) {
    const Group& group = by_path[p];
    if (group.consumed) continue;
    if (group.size() > 1) {
      DiffItem d = Item(DiffKind::kNameCollision, std::string(p), group.first, nullptr);
      d.detail = std::to_string(group.size()) + " names on the medium normalize to this path:";
      for (const auto* g : group.all()) d.detail += " '" + EscapeRawPath(g->raw_path) + "'";
      add(std::move(d));
      continue;
    }
    const ObservedFile& f = *group.first;
    DiffItem d = Item(DiffKind::kExtra, std::string(p), &f, nullptr);
    d.actual = f.type == ObservedType::kFile ? std::to_string(f.size) : TypeName(f.type);
    d.detail = std::string("on the medium, not in the act (") + TypeName(f.type) +
               (f.type == ObservedType::kFile ? ", " + std::to_string(f.size) + " bytes" : "") + ")";
    if (!f.readable) d.detail += "; also unreadable: " + f.problem;
    add(std::move(d));
  }
  return r;
}

std::string GuessDisc(const ActManifest& manifest, const std::vector<ObservedFile>& observed) {
  std::unordered_map<std::string, std::string> disc_of_hash;
  for (const auto& e : manifest.entries) disc_of_hash.emplace(e.sha256, e.disc);
  std::map<std::string, size_t> hits;
  for (const auto& f : observed) {
    if (f.sha256.empty()) continue;
    auto it = disc_of_hash.find(f.sha256);
    if (it != disc_of_hash.end()) hits[it->second]++;
  }
  std::string best;
  size_t best_n = 0;
  for (const auto& [disc, n] : hits)
    if (n > best_n) {
      best = disc;
      best_n = n;
    }
  return best;
}

}  // namespace qoima::appliance
