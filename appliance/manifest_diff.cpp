#include "appliance/manifest_diff.h"

#include <algorithm>
#include <cstdio>
#include <functional>
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
  if (f && f->RawPath() != path) it.raw_path = EscapeRawPath(f->RawPath());  // most names: no second copy
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

namespace {

constexpr uint32_t kNoItem = UINT32_MAX;

// One implementation for both entry points. Every item that is not a plain
// match is made while `observed` is there; a match needs only the entry and
// the size read, so its item is made after `release` has dropped `observed`:
// the medium's file list and the report's items are never held together.
DiffReport Diff(const std::vector<ManifestEntry>& expected, const std::vector<ObservedFile>& observed,
                const DiffOptions& options, const std::function<void()>& release) {
  DiffReport r;
  if (!expected.empty()) r.disc = expected.front().disc;
  // The medium's non-directory entries sorted by NFC path (indexes, 4 bytes
  // a file, not a hash map of 100k paths). The sort is stable: of several
  // names for one path (a collision, rare) the first read comes first.
  std::vector<uint32_t> by_path;
  by_path.reserve(observed.size());
  for (size_t i = 0; i < observed.size(); ++i)
    if (observed[i].type != ObservedType::kDirectory) by_path.push_back(static_cast<uint32_t>(i));
  std::stable_sort(by_path.begin(), by_path.end(),
                   [&](uint32_t a, uint32_t b) { return observed[a].path < observed[b].path; });
  // The names on the medium for `path`: [first, last) in by_path.
  auto group_of = [&](std::string_view path) {
    auto first = std::lower_bound(by_path.begin(), by_path.end(), path, [&](uint32_t i, std::string_view p) {
      return std::string_view(observed[i].path) < p;
    });
    auto last = first;
    while (last != by_path.end() && observed[*last].path == path) ++last;
    return std::make_pair(first, last);
  };
  std::vector<bool> consumed(observed.size(), false);  // by the group's first name
  // Case-folded path -> path, for the "differs only in letter case" hint;
  // built on the first missing file only, over the paths in reading order.
  std::unordered_map<std::string, std::string_view> folded;
  bool folded_built = false;

  std::vector<DiffItem> odd;  // every item but a plain match, in entry order
  std::vector<uint32_t> odd_of(expected.size(), kNoItem);
  std::vector<uint64_t> matched_size(expected.size(), 0);
  auto keep = [&](size_t entry, DiffItem it) {
    odd_of[entry] = static_cast<uint32_t>(odd.size());
    odd.push_back(std::move(it));
  };
  auto collision = [&](DiffItem d, auto first, auto last) {
    d.detail = std::to_string(last - first) + " names on the medium normalize to this path:";
    for (auto g = first; g != last; ++g) d.detail += " '" + EscapeRawPath(observed[*g].RawPath()) + "'";
    return d;
  };

  for (size_t k = 0; k < expected.size(); ++k) {
    const ManifestEntry& e = expected[k];
    auto [first, last] = group_of(e.path);
    if (first == last) {
      DiffItem d = Item(DiffKind::kMissing, e.path, nullptr, &e);
      d.detail = "listed in the act, not on the medium";
      if (!folded_built) {
        for (size_t i = 0; i < observed.size(); ++i) {
          if (observed[i].type == ObservedType::kDirectory) continue;
          folded.emplace(CaseFold(observed[i].path), observed[i].path);
        }
        folded_built = true;
      }
      auto f = folded.find(CaseFold(e.path));
      if (f != folded.end())
        d.detail += " (the medium has '" + std::string(f->second) + "', which differs only in letter case)";
      keep(k, std::move(d));
      continue;
    }
    consumed[*first] = true;
    const ObservedFile& f = observed[*first];
    if (last - first > 1) {
      keep(k, collision(Item(DiffKind::kNameCollision, e.path, &f, &e), first, last));
      continue;
    }
    if (f.type != ObservedType::kFile) {
      DiffItem d = Item(DiffKind::kMissing, e.path, &f, &e);
      d.detail = std::string("the medium has a ") + TypeName(f.type) + " here, not a file";
      keep(k, std::move(d));
      continue;
    }
    if (!f.readable) {
      DiffItem d = Item(DiffKind::kUnreadable, e.path, &f, &e);
      d.detail = f.problem.empty() ? "could not be read" : f.problem;
      keep(k, std::move(d));
      continue;
    }
    if (e.size && *e.size != f.size) {
      DiffItem d = Item(DiffKind::kSizeMismatch, e.path, &f, &e);
      d.expected = std::to_string(*e.size);
      d.actual = std::to_string(f.size);
      d.detail = "the act says " + d.expected + " bytes, the medium has " + d.actual;
      keep(k, std::move(d));
      continue;
    }
    if (e.sha256 != f.sha256) {
      DiffItem d = Item(DiffKind::kHashMismatch, e.path, &f, &e);
      d.expected = e.sha256;
      d.actual = f.sha256;
      d.detail = "same size, different content (SHA-256 differs)";
      keep(k, std::move(d));
      continue;
    }
    if (e.modified && !DateMatches(*e.modified, f, options)) {
      DiffItem d = Item(DiffKind::kDateMismatch, e.path, &f, &e);
      d.expected = e.modified->ToString();
      d.actual = FormatUtc(f.mtime);
      d.detail = "content identical; the act dates it " + d.expected + ", the medium " + d.actual;
      keep(k, std::move(d));
      continue;
    }
    if (f.RawPath() != e.path) {  // a match whose name needs showing as read (rare): made now
      DiffItem d = Item(DiffKind::kMatched, e.path, &f, &e);
      d.actual = f.sha256;
      keep(k, std::move(d));
      continue;
    }
    matched_size[k] = f.size;
  }

  // What the act does not list, in reading order.
  std::vector<DiffItem> extras;
  for (size_t i = 0; i < observed.size(); ++i) {
    const ObservedFile& f = observed[i];
    if (f.type == ObservedType::kDirectory || consumed[i]) continue;
    auto [first, last] = group_of(f.path);
    if (*first != i) continue;  // a second name of a path: reported with the first
    if (consumed[*first]) continue;
    if (last - first > 1) {
      extras.push_back(collision(Item(DiffKind::kNameCollision, f.path, &f, nullptr), first, last));
      continue;
    }
    DiffItem d = Item(DiffKind::kExtra, f.path, &f, nullptr);
    d.actual = f.type == ObservedType::kFile ? std::to_string(f.size) : TypeName(f.type);
    d.detail = std::string("on the medium, not in the act (") + TypeName(f.type) +
               (f.type == ObservedType::kFile ? ", " + std::to_string(f.size) + " bytes" : "") + ")";
    if (!f.readable) d.detail += "; also unreadable: " + f.problem;
    extras.push_back(std::move(d));
  }
  decltype(folded)().swap(folded);
  std::vector<uint32_t>().swap(by_path);
  std::vector<bool>().swap(consumed);
  if (release) release();  // `observed` is not read below

  r.items.reserve((options.keep_matched ? expected.size() : odd.size()) + extras.size());
  auto add = [&](DiffItem it) {
    r.counts[static_cast<size_t>(it.kind)]++;
    if (it.kind == DiffKind::kMatched) r.matched_bytes += it.size;
    if (it.kind != DiffKind::kMatched || options.keep_matched) r.items.push_back(std::move(it));
  };
  for (size_t k = 0; k < expected.size(); ++k) {
    if (odd_of[k] != kNoItem) {
      add(std::move(odd[odd_of[k]]));
      continue;
    }
    if (!options.keep_matched) {
      r.counts[static_cast<size_t>(DiffKind::kMatched)]++;
      r.matched_bytes += matched_size[k];
      continue;
    }
    const ManifestEntry& e = expected[k];
    DiffItem d;
    d.kind = DiffKind::kMatched;
    d.path = e.path;
    d.manifest_line = e.line;
    d.size = matched_size[k];
    d.actual = e.sha256;  // equal to what was read: that is the match
    add(std::move(d));
  }
  for (auto& d : extras) add(std::move(d));
  return r;
}

}  // namespace

DiffReport DiffMedium(const std::vector<ManifestEntry>& expected, const std::vector<ObservedFile>& observed,
                      const DiffOptions& options) {
  return Diff(expected, observed, options, nullptr);
}

DiffReport DiffMediumConsuming(const std::vector<ManifestEntry>& expected, std::vector<ObservedFile> observed,
                               const DiffOptions& options) {
  return Diff(expected, observed, options, [&observed] { std::vector<ObservedFile>().swap(observed); });
}

std::string GuessDisc(const ActManifest& manifest, const std::vector<ObservedFile>& observed) {
  // Views into the manifest: no copy of every hash and marking.
  std::unordered_map<std::string_view, std::string_view> disc_of_hash;
  for (const auto& e : manifest.entries) disc_of_hash.emplace(e.sha256, e.disc);
  std::map<std::string_view, size_t> hits;
  for (const auto& f : observed) {
    if (f.sha256.empty()) continue;
    auto it = disc_of_hash.find(f.sha256.view());
    if (it != disc_of_hash.end()) hits[it->second]++;
  }
  std::string_view best;
  size_t best_n = 0;
  for (const auto& [disc, n] : hits)
    if (n > best_n) {
      best = disc;
      best_n = n;
    }
  return std::string(best);
}

}  // namespace qoima::appliance
