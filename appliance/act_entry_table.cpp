#include "appliance/act_entry_table.h"

#include <algorithm>
#include <cstring>

namespace qoima::appliance {
namespace {

enum Flag : uint8_t {
  kSize = 1,
  kDate = 2,
  kDateOnly = 4,
  kDigest = 8,      // sha256 holds it in binary
  kOddDigest = 16,  // odd_digests_ holds it as given
  kDeclared = 32,   // size and declared hold it
  kOddDeclared = 64,
};

constexpr char kHexDigits[] = "0123456789abcdef";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The 32 bytes of a SHA-256 given as 64 lowercase hex digits; false when it
// is not one.
bool DecodeDigest(std::string_view hex, std::array<uint8_t, 32>& out) {
  if (hex.size() != 64) return false;
  for (size_t i = 0; i < 32; ++i) {
    const int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

// Length of the longest prefix of `a` and `b` made of whole components.
size_t CommonDirectories(std::string_view a, std::string_view b) {
  size_t k = 0, last = 0;
  while (k < a.size() && k < b.size() && a[k] == b[k]) {
    if (a[k] == '/') last = k;
    ++k;
  }
  if ((k == a.size() || a[k] == '/') && (k == b.size() || b[k] == '/')) return k;
  return last;
}

std::string_view DirectoryOf(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

size_t HashProfile(const EntryProfile& p) {
  size_t h = static_cast<size_t>(p.table);
  for (const std::string* f :
       {&p.disc, &p.category, &p.language, &p.language_version, &p.framework, &p.framework_version, &p.notes})
    h = h * 0x9E3779B97F4A7C15ull ^ std::hash<std::string_view>()(*f);
  return h;
}

Status LimitError(uint32_t line, const std::string& what) {
  return Status::LimitExceeded("line " + std::to_string(line) + ": the act's entries exceed " + what);
}

}  // namespace

ActEntryTable::ActEntryTable() { discs_.reserve(1); }

size_t ActEntryTable::HashOf(uint16_t disc, std::string_view path) {
  return std::hash<std::string_view>()(path) ^ (static_cast<size_t>(disc) * 0x9E3779B97F4A7C15ull);
}

std::string_view ActEntryTable::PathOf(size_t n) const {
  const size_t start = n == 0 ? 0 : records_[n - 1].path_end;
  return std::string_view(arena_).substr(start, records_[n].path_end - start);
}

size_t ActEntryTable::FindSlot(uint16_t disc, std::string_view path, size_t hash) const {
  return paths_.Probe(hash, [&](uint32_t n) { return records_[n].disc == disc && PathOf(n) == path; });
}

std::optional<uint16_t> ActEntryTable::DiscNumber(std::string_view disc) const {
  if (!records_.empty() && discs_[records_.back().disc] == disc) return records_.back().disc;  // the likely one
  auto it = disc_numbers_.find(std::string(disc));
  if (it == disc_numbers_.end()) return std::nullopt;
  return it->second;
}

Result<uint32_t> ActEntryTable::ProfileNumber(const EntryProfile& p, uint32_t line) {
  if (!profiles_.empty() && *profiles_.back() == p) return static_cast<uint32_t>(profiles_.size() - 1);
  const size_t hash = HashProfile(p);
  const size_t slot = profile_index_.Probe(hash, [&](uint32_t k) { return *profiles_[k] == p; });
  if (profile_index_.at(slot) != Index::kEmpty) return profile_index_.at(slot);
  if (profiles_.size() >= kMaxEntries) return LimitError(line, "the distinct columns a table can hold");
  profiles_.push_back(std::make_shared<const EntryProfile>(p));
  const auto k = static_cast<uint32_t>(profiles_.size() - 1);
  profile_index_.Put(slot, k, [&](uint32_t j) { return HashProfile(*profiles_[j]); });
  return k;
}

// Every directory above entry `n` that the previous entry's directory does
// not already cover, with `n` as the first entry under it.
Status ActEntryTable::AddDirectories(uint32_t n, uint16_t disc, std::string_view path) {
  const std::string_view dir = DirectoryOf(path);
  size_t common = 0;
  if (last_dir_entry_ != Index::kEmpty && records_[last_dir_entry_].disc == disc) {
    const std::string_view last = DirectoryOf(PathOf(last_dir_entry_));
    if (last == dir) return Status::Ok();
    common = CommonDirectories(dir, last);
  }
  auto hash_of = [&](uint32_t k) {
    return HashOf(records_[dirs_[k].first].disc, PathOf(dirs_[k].first).substr(0, dirs_[k].length));
  };
  for (size_t slash = dir.find('/', common + 1);; slash = dir.find('/', slash + 1)) {
    const size_t end = slash == std::string_view::npos ? dir.size() : slash;
    if (end > common) {
      const std::string_view d = dir.substr(0, end);
      const size_t slot = dir_index_.Probe(HashOf(disc, d), [&](uint32_t k) {
        return dirs_[k].length == d.size() && records_[dirs_[k].first].disc == disc &&
               PathOf(dirs_[k].first).substr(0, d.size()) == d;
      });
      if (dir_index_.at(slot) == Index::kEmpty) {
        dirs_.push_back(Dir{n, static_cast<uint32_t>(end)});
        dir_index_.Put(slot, static_cast<uint32_t>(dirs_.size() - 1), hash_of);
      }
    }
    if (slash == std::string_view::npos) break;
  }
  last_dir_entry_ = n;
  return Status::Ok();
}

Status ActEntryTable::Add(const ManifestEntry& e) {
  const EntryProfile& p = e.profile();
  if (records_.size() >= kMaxEntries) return LimitError(e.line, std::to_string(kMaxEntries) + " files");
  if (arena_.size() + e.path.size() > kMaxPathBytes)
    return LimitError(e.line, std::to_string(kMaxPathBytes) + " bytes of paths");
  std::optional<uint16_t> disc = DiscNumber(p.disc);
  if (!disc && discs_.size() >= kMaxDiscs) return LimitError(e.line, std::to_string(kMaxDiscs) + " discs");
  const uint16_t d = disc ? *disc : static_cast<uint16_t>(discs_.size());
  const size_t hash = HashOf(d, e.path);
  const size_t slot = disc ? FindSlot(d, e.path, hash) : 0;
  if (disc && paths_.at(slot) != Index::kEmpty) {
    if (!conflict_)
      conflict_ = EntryConflict{e.line, "duplicate path '" + e.path + "'" +
                                            (p.disc.empty() ? "" : " on disc '" + p.disc + "'") + " (also on line " +
                                            std::to_string(records_[paths_.at(slot)].line) + ")"};
    return Status::AlreadyExists("line " + std::to_string(e.line) + ": duplicate path");
  }
  QOIMA_ASSIGN_OR_RETURN(uint32_t profile, ProfileNumber(p, e.line));
  if (!disc) {
    discs_.push_back(p.disc);
    disc_numbers_.emplace(p.disc, d);
    totals_.emplace_back();
  }
  const auto n = static_cast<uint32_t>(records_.size());
  Record r{};
  r.line = e.line;
  r.profile = profile;
  r.disc = d;
  if (e.size) {
    r.flags |= kSize;
    r.size = *e.size;
  }
  if (e.modified) {
    r.flags |= kDate | (e.modified->date_only ? kDateOnly : 0);
    r.mtime = e.modified->unix_seconds;
  }
  if (!e.sha256.empty()) {
    if (DecodeDigest(e.sha256.view(), r.sha256))
      r.flags |= kDigest;
    else {
      r.flags |= kOddDigest;
      odd_digests_.emplace(n, e.sha256.str());
    }
  }
  if (const std::optional<DeclaredSize> declared = e.declared_size()) {
    if (!e.size && declared->decimals < 64) {
      r.flags |= kDeclared;
      r.size = declared->scaled;
      r.declared = static_cast<uint8_t>(static_cast<uint8_t>(declared->unit) | declared->decimals << 2);
    } else {
      r.flags |= kOddDeclared;
      odd_declared_.emplace(n, *declared);
    }
  }
  arena_ += e.path;
  r.path_end = static_cast<uint32_t>(arena_.size());
  records_.push_back(r);
  const size_t free_slot = disc ? slot : FindSlot(d, e.path, hash);
  paths_.Put(free_slot, n, [&](uint32_t k) { return HashOf(records_[k].disc, PathOf(k)); });
  EntryTotals& t = totals_[d];
  ++t.files;
  t.bytes += e.size.value_or(0);
  t.sized = t.sized && e.size.has_value();
  t.library += p.table == ActTable::kLibrary;
  return AddDirectories(n, d, e.path);
}

Status ActEntryTable::Finish() {
  records_.shrink_to_fit();
  arena_.shrink_to_fit();
  dirs_.shrink_to_fit();
  profiles_.shrink_to_fit();
  return Status::Ok();
}

Result<std::optional<EntryConflict>> ActEntryTable::Check() const {
  if (conflict_) return conflict_;
  // The first entry under a directory that is also listed as a file, and
  // of its directories the shortest such (dirs_ is in that order).
  for (const Dir& dir : dirs_) {
    const uint16_t disc = records_[dir.first].disc;
    const std::string_view under = PathOf(dir.first);
    const std::string_view d = under.substr(0, dir.length);
    const uint32_t file = paths_.at(FindSlot(disc, d, HashOf(disc, d)));
    if (file == Index::kEmpty) continue;
    return std::optional<EntryConflict>(EntryConflict{
        records_[dir.first].line, "'" + std::string(under) + "' lies under '" + std::string(d) + "', which line " +
                                      std::to_string(records_[file].line) + " lists as a file"});
  }
  return std::optional<EntryConflict>();
}

EntryTotals ActEntryTable::Totals(std::optional<std::string_view> disc) const {
  EntryTotals all;
  for (size_t i = 0; i < discs_.size(); ++i) {
    if (disc && discs_[i] != *disc) continue;
    all.files += totals_[i].files;
    all.bytes += totals_[i].bytes;
    all.sized = all.sized && totals_[i].sized;
    all.library += totals_[i].library;
  }
  return all;
}

size_t ActEntryTable::MemoryBytes() const {
  size_t bytes = records_.capacity() * sizeof(Record) + arena_.capacity() + paths_.bytes() +
                 dirs_.capacity() * sizeof(Dir) + dir_index_.bytes() + profile_index_.bytes() +
                 profiles_.capacity() * sizeof(profiles_[0]);
  for (const auto& p : profiles_)
    bytes += sizeof(EntryProfile) + p->disc.capacity() + p->category.capacity() + p->language.capacity() +
             p->language_version.capacity() + p->framework.capacity() + p->framework_version.capacity() +
             p->notes.capacity();
  return bytes;
}

void ActEntryTable::HexDigestOf(size_t n, char out[64]) const {
  const Record& r = records_[n];
  for (size_t i = 0; i < 32; ++i) {
    out[2 * i] = kHexDigits[r.sha256[i] >> 4];
    out[2 * i + 1] = kHexDigits[r.sha256[i] & 15];
  }
}

void ActEntryTable::Fill(size_t n, ManifestEntry& e) const {
  const Record& r = records_[n];
  const std::string_view path = PathOf(n);
  e.path.assign(path.data(), path.size());
  e.size = r.flags & kSize ? std::optional<uint64_t>(r.size) : std::nullopt;
  e.modified =
      r.flags & kDate ? std::optional<ManifestDate>(ManifestDate{r.mtime, (r.flags & kDateOnly) != 0}) : std::nullopt;
  if (r.flags & kDigest) {
    char hex[64];
    HexDigestOf(n, hex);
    e.sha256 = std::string_view(hex, sizeof hex);
  } else if (r.flags & kOddDigest) {
    e.sha256 = odd_digests_.at(static_cast<uint32_t>(n));
  } else {
    e.sha256 = std::string_view();
  }
  if (r.flags & kDeclared)
    e.set_declared_size(
        DeclaredSize{r.size, static_cast<uint8_t>(r.declared >> 2), static_cast<SizeUnit>(r.declared & 3)});
  else if (r.flags & kOddDeclared)
    e.set_declared_size(odd_declared_.at(static_cast<uint32_t>(n)));
  else
    e.set_declared_size(std::nullopt);
  e.line = r.line;
  e.share_profile(profiles_[r.profile]);
}

Result<ManifestEntry> ActEntryTable::At(size_t index) const {
  if (index >= records_.size())
    return Status::NotFound("act entry " + std::to_string(index) + " of " + std::to_string(records_.size()));
  ManifestEntry e;
  Fill(index, e);
  return e;
}

Result<std::optional<std::pair<size_t, ManifestEntry>>> ActEntryTable::Find(std::string_view disc,
                                                                            std::string_view path) const {
  using Found = std::optional<std::pair<size_t, ManifestEntry>>;
  const std::optional<uint16_t> d = DiscNumber(disc);
  if (!d) return Found();
  const uint32_t n = paths_.at(FindSlot(*d, path, HashOf(*d, path)));
  if (n == Index::kEmpty) return Found();
  Found found(std::in_place, n, ManifestEntry());
  Fill(n, found->second);
  return found;
}

Status ActEntryTable::ForEachOtherDisc(std::string_view disc, const std::function<void(size_t)>& fn) const {
  const std::optional<uint16_t> d = DiscNumber(disc);
  for (size_t n = 0; n < records_.size(); ++n)
    if (!d || records_[n].disc != *d) fn(n);
  return Status::Ok();
}

Status ActEntryTable::ForEach(const std::function<void(size_t, const ManifestEntry&)>& fn) const {
  ManifestEntry e;
  for (size_t n = 0; n < records_.size(); ++n) {
    Fill(n, e);
    fn(n, e);
  }
  return Status::Ok();
}

Status ActEntryTable::ForEachDigest(const std::function<void(std::string_view, std::string_view)>& fn) const {
  char hex[64];
  for (size_t n = 0; n < records_.size(); ++n) {
    const Record& r = records_[n];
    std::string_view digest;
    if (r.flags & kDigest) {
      HexDigestOf(n, hex);
      digest = std::string_view(hex, sizeof hex);
    } else if (r.flags & kOddDigest) {
      digest = odd_digests_.at(static_cast<uint32_t>(n));
    }
    fn(digest, discs_[r.disc]);
  }
  return Status::Ok();
}

}  // namespace qoima::appliance
