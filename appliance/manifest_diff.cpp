#include "appliance/manifest_diff.h"

#include "appliance/act_entry_table.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <string_view>
#include <unordered_map>

#include "appliance/civil_time.h"
#include "appliance/unicode_path.h"
#include "common/visible_text.h"

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
    return o.mtime_zone_unknown &&
           CivilDate::FromDayNumber(static_cast<int>(f.mtime >= 0 ? f.mtime / 86400 : (f.mtime - 86399) / 86400)) ==
               day;
  }
  int64_t delta = f.mtime - want.unix_seconds;
  if (delta < 0) delta = -delta;
  if (delta <= o.mtime_tolerance_seconds) return true;
  if (!o.mtime_zone_unknown) return false;
  int64_t hours = (delta + 1800) / 3600;
  return hours <= kMaxZoneOffsetHours && std::abs(delta - hours * 3600) <= o.mtime_tolerance_seconds;
}

// "1.234 MiB, 1.294 MB": `bytes` in both readings of `unit`, to 4 decimals.
std::string SizeInUnits(uint64_t bytes, SizeUnit unit) {
  double bin = static_cast<double>(bytes), dec = bin;
  for (int i = 0; i < static_cast<int>(unit); ++i) {
    bin /= 1024.0;
    dec /= 1000.0;
  }
  const char* name = SizeUnitName(unit);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.4f %ciB, %.4f %s", bin, name[0], dec, name);
  return buf;
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
  // The notation of hardware's DisplayName: bytes that are not UTF-8 as
  // "\xNN", control characters as "\u{XXXX}" (common/visible_text.h).
  std::string out;
  size_t i = 0;
  while (i < raw.size()) {
    std::string_view rest = raw.substr(i);
    auto bad = FirstInvalidUtf8(rest.substr(0, std::min<size_t>(rest.size(), 4)));
    unsigned char c = static_cast<unsigned char>(raw[i]);
    if (bad && *bad == 0) {
      AppendByteEscape(out, c);
      ++i;
      continue;
    }
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    std::string_view one = raw.substr(i, len);
    char32_t cp = 0;
    for (size_t k = 0; k < one.size(); ++k)
      cp = k == 0 ? (len == 1 ? c : c & (0x7F >> len)) : (cp << 6) | (static_cast<unsigned char>(one[k]) & 0x3F);
    if (ClassifyCodePoint(cp) == HiddenKind::kControl)
      AppendCodePointEscape(out, cp);
    else
      out.append(one);
    i += len;
  }
  return out;
}

MediumDiff::MediumDiff(const std::vector<ManifestEntry>& entries, std::string disc, DiffOptions options)
    : entries_(&entries), disc_(std::move(disc)), options_(options) {
  Index();
}

MediumDiff::MediumDiff(const ActManifest& manifest, std::string disc, DiffOptions options)
    : disc_(std::move(disc)), options_(options) {
  if (manifest.compact)
    file_ = manifest.compact.get();
  else
    entries_ = &manifest.entries;
  Index();
}

void MediumDiff::Index() {
  if (file_) {
    const size_t n = file_->size();
    state_.assign(n, kUnseen);
    matched_size_.assign(n, 0);
    listed_ = n;
    if (!disc_.empty()) {
      status_ = file_->ForEachOtherDisc(disc_, [&](size_t k) {
        state_[k] = kOtherDisc;
        --listed_;
      });
    }
    entry_disc_ = !disc_.empty() || file_->discs().empty() ? disc_ : file_->discs().front();
    return;
  }
  const std::vector<ManifestEntry>& entries = *entries_;
  state_.assign(entries.size(), kUnseen);
  matched_size_.assign(entries.size(), 0);
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!disc_.empty() && entries[i].disc() != disc_) {
      state_[i] = kOtherDisc;
      continue;
    }
    by_path_.push_back(static_cast<uint32_t>(i));
  }
  listed_ = by_path_.size();
  // Stable: of an act listing a path twice (the parser refuses that) the
  // first listing is the one compared.
  std::stable_sort(by_path_.begin(), by_path_.end(),
                   [&](uint32_t a, uint32_t b) { return entries[a].path < entries[b].path; });
  entry_disc_ = disc_.empty() && !by_path_.empty() ? entries[by_path_.front()].disc() : disc_;
}

std::optional<size_t> MediumDiff::Lookup(std::string_view path) const {
  if (!file_) {
    auto it = std::lower_bound(by_path_.begin(), by_path_.end(), path, [&](uint32_t i, std::string_view p) {
      return std::string_view((*entries_)[i].path) < p;
    });
    if (it != by_path_.end() && (*entries_)[*it].path == path) return *it;
    return std::nullopt;
  }
  for (const auto& l : looked_up_)
    if (l.path == path) return l.index;
  auto found = file_->Find(entry_disc_, path);
  if (!found.ok()) {
    if (status_.ok()) status_ = found.status();
    return std::nullopt;
  }
  LookedUp& slot = looked_up_[next_lookup_++ % looked_up_.size()];
  slot.path.assign(path);
  slot.index.reset();
  if (*found) {
    slot.index = (*found)->first;
    slot.entry = std::move((*found)->second);
  }
  return slot.index;
}

const ManifestEntry& MediumDiff::Entry(size_t k) const {
  if (!file_) return (*entries_)[k];
  for (const auto& l : looked_up_)
    if (l.index == k) return l.entry;
  if (read_index_ == k) return read_;
  Result<ManifestEntry> e = file_->At(k);
  if (!e.ok()) {
    if (status_.ok()) status_ = e.status();
    read_ = ManifestEntry();
  } else {
    read_ = std::move(*e);
  }
  read_index_ = k;
  return read_;
}

const ManifestEntry* MediumDiff::Find(std::string_view path) const {
  std::optional<size_t> k = Lookup(path);
  return k ? &Entry(*k) : nullptr;
}

void MediumDiff::Add(const ObservedFile& f) {
  if (f.type == ObservedType::kDirectory) return;
  if (std::optional<size_t> found = Lookup(f.path)) {
    const size_t k = *found;
    if (state_[k] == kUnseen)
      state_[k] = Compare(k, f);
    else
      Collide(k, f);  // a second name on the medium for this path
    return;
  }
  if (extra_of_.find(f.path) == extra_of_.end() && !Keep()) {
    // Counted, not listed; a second name for the same path is a collision.
    if (unlisted_once_.Insert(f.path)) {
      unlisted_[static_cast<size_t>(DiffKind::kExtra)]++;
    } else if (unlisted_twice_.Insert(f.path)) {
      unlisted_[static_cast<size_t>(DiffKind::kExtra)]--;
      unlisted_[static_cast<size_t>(DiffKind::kNameCollision)]++;
    }
    return;
  }
  auto [it, fresh] = extra_of_.emplace(f.path, static_cast<uint32_t>(extras_.size()));
  if (!fresh) {
    DiffItem& first = extras_[it->second];
    if (first.kind != DiffKind::kNameCollision) {
      AddName(true, it->second, first.raw_path.empty() ? EscapeRawPath(first.path) : first.raw_path);
      first.kind = DiffKind::kNameCollision;
      first.actual.clear();
    }
    AddName(true, it->second, EscapeRawPath(f.RawPath()));
    return;
  }
  DiffItem d = Item(DiffKind::kExtra, f.path, &f, nullptr);
  d.actual = f.type == ObservedType::kFile ? std::to_string(f.size) : TypeName(f.type);
  d.detail = std::string("on the medium, not in the act (") + TypeName(f.type) +
             (f.type == ObservedType::kFile ? ", " + std::to_string(f.size) + " bytes" : "") + ")";
  if (!f.readable) d.detail += "; also unreadable: " + f.problem;
  extras_.push_back(std::move(d));
}

uint32_t MediumDiff::Compare(size_t k, const ObservedFile& f) {
  const ManifestEntry& e = Entry(k);
  auto keep = [&](DiffItem d) {
    if (!Keep()) {  // counted at Finish from the state; its size kept for a match
      matched_size_[k] = d.size;
      return kUnlistedBase + static_cast<uint32_t>(d.kind);
    }
    odd_.push_back(std::move(d));
    return static_cast<uint32_t>(odd_.size() - 1);
  };
  if (f.type != ObservedType::kFile) {
    DiffItem d = Item(DiffKind::kMissing, e.path, &f, &e);
    d.detail = std::string("the medium has a ") + TypeName(f.type) + " here, not a file";
    return keep(std::move(d));
  }
  if (!f.readable) {
    DiffItem d = Item(DiffKind::kUnreadable, e.path, &f, &e);
    d.detail = f.problem.empty() ? "could not be read" : f.problem;
    return keep(std::move(d));
  }
  if (e.size && *e.size != f.size) {
    DiffItem d = Item(DiffKind::kSizeMismatch, e.path, &f, &e);
    d.expected = std::to_string(*e.size);
    d.actual = std::to_string(f.size);
    d.detail = "the act says " + d.expected + " bytes, the medium has " + d.actual;
    return keep(std::move(d));
  }
  if (auto declared = e.declared_size(); !e.size && declared && !declared->Admits(f.size)) {
    DiffItem d = Item(DiffKind::kSizeMismatch, e.path, &f, &e);
    d.expected = declared->ToString();
    d.actual = std::to_string(f.size);
    d.detail = "the act says " + d.expected + " (to the precision it gives), the medium has " + d.actual + " bytes, " +
               SizeInUnits(f.size, declared->unit);
    return keep(std::move(d));
  }
  // An act without checksums: the digest computed is kept for the report.
  if (e.sha256.empty() && !f.sha256.empty()) {
    if (computed_.empty()) computed_.resize(state_.size());
    computed_[k] = f.sha256;
  }
  if (!e.sha256.empty() && e.sha256 != f.sha256) {
    DiffItem d = Item(DiffKind::kHashMismatch, e.path, &f, &e);
    d.expected = e.sha256;
    d.actual = f.sha256;
    d.detail = "same size, different content (SHA-256 differs)";
    return keep(std::move(d));
  }
  if (e.modified) {
    DiffOptions strict = options_;
    strict.mtime_zone_unknown = false;
    if (!DateMatches(*e.modified, f, strict)) {
      DiffItem d = Item(DiffKind::kDateMismatch, e.path, &f, &e);
      d.expected = e.modified->ToString();
      d.actual = FormatUtc(f.mtime);
      d.detail = "content identical; the act dates it " + d.expected + ", the medium " + d.actual;
      DiffOptions zoneless = options_;
      zoneless.mtime_zone_unknown = true;
      if (DateMatches(*e.modified, f, zoneless)) zone_only_.push_back(static_cast<uint32_t>(k));  // see Finish
      return keep(std::move(d));
    }
  }
  matched_size_[k] = f.size;
  if (f.RawPath() != e.path && Room()) {  // a match whose name needs showing as read (rare)
    DiffItem d = Item(DiffKind::kMatched, e.path, &f, &e);
    d.actual = f.sha256;
    return keep(std::move(d));
  }
  return kMatchedPlain;
}

void MediumDiff::Collide(size_t k, const ObservedFile& f) {
  const ManifestEntry& e = Entry(k);
  uint32_t& s = state_[k];
  if (IsUnlisted(s) || (s == kMatchedPlain && !Keep())) {  // counted, not listed
    s = kUnlistedBase + static_cast<uint32_t>(DiffKind::kNameCollision);
    return;
  }
  if (s == kMatchedPlain) {  // the first name was the act's own
    DiffItem d = Item(DiffKind::kNameCollision, e.path, nullptr, &e);
    d.size = matched_size_[k];
    odd_.push_back(std::move(d));
    s = static_cast<uint32_t>(odd_.size() - 1);
    AddName(false, s, EscapeRawPath(e.path));
  } else if (odd_[s].kind != DiffKind::kNameCollision) {
    DiffItem& d = odd_[s];
    AddName(false, s, d.raw_path.empty() ? EscapeRawPath(d.path) : d.raw_path);
    d.kind = DiffKind::kNameCollision;
    d.expected.clear();
    d.actual.clear();
  }
  AddName(false, s, EscapeRawPath(f.RawPath()));
}

std::string MediumDiff::MatchedDigest(size_t k, const ManifestEntry& e) const {
  if (!e.sha256.empty()) return e.sha256.str();
  return k < computed_.size() ? computed_[k].str() : std::string();
}

void MediumDiff::AddName(bool extra, uint32_t item, std::string name) {
  names_[(uint64_t{extra} << 32) | item].push_back(std::move(name));
}

DiffReport MediumDiff::Finish() {
  DiffReport r;
  if (finished_) return r;
  finished_ = true;
  r.disc = entry_disc_;
  // A zone-less medium (FAT) keeps local time: what differs by whole hours matches.
  if (options_.mtime_zone_unknown) {
    for (uint32_t k : zone_only_) {
      if (IsUnlisted(state_[k])) {
        if (state_[k] == kUnlistedBase + static_cast<uint32_t>(DiffKind::kDateMismatch)) state_[k] = kMatchedPlain;
        continue;  // else it became a collision
      }
      DiffItem& d = odd_[state_[k]];
      if (d.kind != DiffKind::kDateMismatch) continue;  // became a collision
      matched_size_[k] = d.size;
      if (d.raw_path.empty()) {
        state_[k] = kMatchedPlain;
        continue;
      }
      d.kind = DiffKind::kMatched;  // its name needs showing as read
      d.expected.clear();
      d.detail.clear();
      d.actual = MatchedDigest(k, Entry(k));
    }
  }
  for (auto& [key, names] : names_) {
    DiffItem& d = (key >> 32) ? extras_[key & UINT32_MAX] : odd_[key & UINT32_MAX];
    d.detail = std::to_string(names.size()) + " names on the medium normalize to this path:";
    for (const auto& n : names) d.detail += " '" + n + "'";
  }
  r.items.reserve((options_.keep_matched ? listed_ : odd_.size()) + extras_.size());
  if (file_) {
    Status walked = file_->ForEach([&](size_t k, const ManifestEntry& e) { Visit(k, e, r); });
    if (status_.ok()) status_ = walked;
  } else {
    for (size_t k = 0; k < entries_->size(); ++k) Visit(k, (*entries_)[k], r);
  }
  for (auto& d : extras_) Count(std::move(d), r, /*kept=*/true);
  for (size_t kind = 0; kind < kDiffKindCount; ++kind) {
    r.counts[kind] += unlisted_[kind];
    r.unlisted += unlisted_[kind];
  }
  return r;
}

// `kept`: the item already has its place among the listed ones (made while
// the medium was read); else it takes one if there is room.
void MediumDiff::Count(DiffItem it, DiffReport& r, bool kept) {
  r.counts[static_cast<size_t>(it.kind)]++;
  if (it.kind == DiffKind::kMatched) r.matched_bytes += it.size;
  if (it.kind == DiffKind::kMatched && !options_.keep_matched) return;
  if (kept || Keep())
    r.items.push_back(std::move(it));
  else
    ++r.unlisted;
}

// Adds the item of the act's entry `k` to the report, in act order.
void MediumDiff::Visit(size_t k, const ManifestEntry& e, DiffReport& r) {
  const uint32_t s = state_[k];
  if (s == kOtherDisc) return;
  if (s == kUnseen) {
    DiffItem d = Item(DiffKind::kMissing, e.path, nullptr, &e);
    d.detail = "listed in the act, not on the medium";
    if (!folded_built_) {
      for (const auto& x : extras_) folded_.emplace(CaseFold(x.path), x.path);
      folded_built_ = true;
    }
    auto f = folded_.find(CaseFold(e.path));
    if (f != folded_.end())
      d.detail += " (the medium has '" + std::string(f->second) + "', which differs only in letter case)";
    Count(std::move(d), r, false);
    return;
  }
  if (IsUnlisted(s)) {
    r.counts[s - kUnlistedBase]++;
    ++r.unlisted;
    return;
  }
  if (s != kMatchedPlain) {
    Count(std::move(odd_[s]), r, true);
    return;
  }
  if (!options_.keep_matched) {
    r.counts[static_cast<size_t>(DiffKind::kMatched)]++;
    r.matched_bytes += matched_size_[k];
    return;
  }
  DiffItem d;
  d.kind = DiffKind::kMatched;
  d.path = e.path;
  d.manifest_line = e.line;
  d.size = matched_size_[k];
  d.actual = MatchedDigest(k, e);  // equal to what was read: that is the match
  Count(std::move(d), r, false);
}

DiffReport DiffMedium(const std::vector<ManifestEntry>& expected, const std::vector<ObservedFile>& observed,
                      const DiffOptions& options) {
  MediumDiff diff(expected, "", options);
  for (const auto& f : observed) diff.Add(f);
  return diff.Finish();
}

namespace {
// The first 64 bits of a SHA-256 in hex (0 when it is not 16 hex digits).
uint64_t DigestPrefix(std::string_view hex) {
  uint64_t v = 0;
  if (hex.size() < 16) return 0;
  for (char c : hex.substr(0, 16)) {
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return 0;
    v = v << 4 | static_cast<uint64_t>(d);
  }
  return v;
}
}  // namespace

DiscGuess::DiscGuess(const ActManifest& manifest) : discs_(manifest.DiscMarkings()) {
  if (discs_.size() > UINT16_MAX) return;
  auto add = [&](std::string_view sha, std::string_view disc) {
    if (sha.empty()) return;  // an act without checksums: nothing to recognise a disc by
    auto d = std::find(discs_.begin(), discs_.end(), disc);
    prefixes_.emplace_back(DigestPrefix(sha), static_cast<uint16_t>(d - discs_.begin()));
  };
  prefixes_.reserve(manifest.EntryCount());
  if (manifest.compact) {
    if (!manifest.compact->ForEachDigest(add).ok()) {
      prefixes_.clear();
      return;
    }
  } else {
    for (const auto& e : manifest.entries) add(e.sha256.view(), e.disc());
  }
  // Stable: of equal digests (the same content on several discs) the first
  // entry's disc is the one found.
  std::stable_sort(prefixes_.begin(), prefixes_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
}

void DiscGuess::Add(const ObservedFile& f) {
  if (f.sha256.empty()) return;
  const uint64_t prefix = DigestPrefix(f.sha256.view());
  auto it = std::lower_bound(prefixes_.begin(), prefixes_.end(), prefix,
                             [](const auto& p, uint64_t v) { return p.first < v; });
  if (it != prefixes_.end() && it->first == prefix) hits_[discs_[it->second]]++;
}

std::string DiscGuess::Best() const {
  std::string best;
  size_t best_n = 0;
  for (const auto& [disc, n] : hits_)
    if (n > best_n) {
      best = disc;
      best_n = n;
    }
  return best;
}

std::string GuessDisc(const ActManifest& manifest, const std::vector<ObservedFile>& observed) {
  DiscGuess guess(manifest);
  for (const auto& f : observed) guess.Add(f);
  return guess.Best();
}

}  // namespace qoima::appliance
