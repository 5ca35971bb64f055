// A large act's entries kept in the compact table (ActEntryTable) read back
// as the same act: the parser's checks give the same messages, the diff, the
// disc guess, the record and the act's rows are the same as with the entries
// as values; the table's own limits refuse with the line named.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>
#include <iterator>

#include "appliance/act_document.h"
#include "appliance/act_entry_table.h"
#include "appliance/manifest_diff.h"
#include "appliance/manifest_parser.h"
#include "appliance/manifest_record.h"
#include "tests/appliance/diff_fixtures.h"
#include "tests/fixtures/temp_dir.h"

using namespace qoima;
using namespace qoima::appliance;
using qoima::appliance::testing::Seen;

namespace {

constexpr int64_t kNow = 1'790'000'000;

std::string Hex(size_t i) {
  static const char* kDigits = "0123456789abcdef";
  std::string h(64, '0');
  uint64_t x = (i + 7) * 0x9E3779B97F4A7C15ull;
  for (auto& c : h) {
    c = kDigits[(x >> 59) & 15];  // high bits: the low ones of an LCG repeat every 16
    x = x * 6364136223846793005ull + 1442695040888963407ull;
  }
  return h;
}

// A CSV act of two discs, `n` files each, in the Annex 3 column order.
std::string TwoDiscCsv(size_t n) {
  std::string t =
      "No,disc_marking,directory,file_name,size_mb,language,language_version,framework,framework_version,"
      "modified,sha256,size_bytes,category,table\n";
  size_t row = 0;
  for (const char* disc : {"Disc 1", "Disc 2"})
    for (size_t i = 0; i < n; ++i) {
      ++row;
      t += std::to_string(row) + "," + disc + ",src/m" + std::to_string(i / 7) + ",F" + std::to_string(i) +
           ".java,,Java,17," + (i % 3 ? "Spring,6" : ",") + ",2025-03-12," + Hex(row) + "," + std::to_string(i + 1) +
           ",source_code," + (i % 5 ? "application" : "library") + "\n";
    }
  return t;
}

ManifestParseOptions Options(std::optional<size_t> compact_after = std::nullopt) {
  ManifestParseOptions o;
  o.now_unix = kNow;
  o.compact_after_entries = compact_after;
  return o;
}

std::vector<ManifestEntry> AllEntries(const ActManifest& m) {
  std::vector<ManifestEntry> out;
  REQUIRE(m.ForEachEntry([&](const ManifestEntry& e) { out.push_back(e); }).ok());
  return out;
}

}  // namespace

TEST_CASE("an act past the in-memory limit reads back from its compact table as the same entries") {
  const std::string text = TwoDiscCsv(120);
  auto memory = ParseManifest(text, "act.csv", Options());
  REQUIRE(memory.ok());
  REQUIRE_FALSE(memory->compact);
  auto spilled = ParseManifest(text, "act.csv", Options(50));
  REQUIRE(spilled.ok());
  REQUIRE(spilled->compact);
  CHECK(spilled->entries.empty());
  CHECK(spilled->EntryCount() == 240);
  CHECK(spilled->DiscMarkings() == memory->DiscMarkings());
  CHECK(spilled->discs.size() == 2);
  for (std::optional<std::string_view> disc :
       {std::optional<std::string_view>(), std::optional<std::string_view>("Disc 2")}) {
    auto t1 = memory->Totals(disc), t2 = spilled->Totals(disc);
    REQUIRE(t1.ok());
    REQUIRE(t2.ok());
    CHECK(t2->files == t1->files);
    CHECK(t2->bytes == t1->bytes);
    CHECK(t2->sized == t1->sized);
    CHECK(t2->library == t1->library);
  }
  CHECK(spilled->Totals("Disc 2")->files == 120);

  auto a = AllEntries(*memory), b = AllEntries(*spilled);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(b[i].path == a[i].path);
    CHECK(b[i].line == a[i].line);
    CHECK(b[i].size == a[i].size);
    CHECK(b[i].modified == a[i].modified);
    CHECK(b[i].sha256.view() == a[i].sha256.view());
    CHECK(b[i].profile() == a[i].profile());
  }
  // The record and the act's text are the same bytes.
  auto r1 = EncodeManifestRecord(*memory), r2 = EncodeManifestRecord(*spilled);
  REQUIRE(r1.ok());
  REQUIRE(r2.ok());
  CHECK(*DecodeManifestRecord(*r1, "m") == *DecodeManifestRecord(*r2, "s"));
  auto over_memory = ActOverManifest(std::make_shared<const ActManifest>(std::move(*memory)));
  auto over_spilled = ActOverManifest(std::make_shared<const ActManifest>(std::move(*spilled)));
  REQUIRE(over_memory.ok());
  REQUIRE(over_spilled.ok());
  CHECK(ActRowCount(*over_spilled, true) == ActRowCount(*over_memory, true));
  CHECK(ActRowCount(*over_spilled, true) == 48);
  std::string t1, t2;
  REQUIRE(WriteActText(*over_memory, [&](std::string_view t) { t1 += t; }).ok());
  REQUIRE(WriteActText(*over_spilled, [&](std::string_view t) { t2 += t; }).ok());
  CHECK(t1 == t2);
  CHECK(t1.find("src/m3/F25.java") != std::string::npos);
}

TEST_CASE("the compact table gives back every field as added, finds by disc and path, and stays small") {
  ActEntryTable t;
  EntryProfiles profiles;
  EntryProfile lib;
  lib.disc = "Disc 2";
  lib.table = ActTable::kLibrary;
  lib.language = "C";
  std::vector<ManifestEntry> added;
  for (uint32_t i = 0; i < 6; ++i) {
    ManifestEntry e;
    e.path = "dir/sub" + std::to_string(i % 2) + "/file" + std::to_string(i) + ".c";
    e.line = i + 2;
    if (i != 1) e.size = uint64_t{i} * 1000;
    if (i == 1) e.set_declared_size(DeclaredSize{1234, 3, SizeUnit::kMegabytes});
    if (i == 2) e.set_declared_size(DeclaredSize{5, 0, SizeUnit::kKilobytes});  // beside an exact size
    if (i != 3) e.modified = ManifestDate{1'700'000'000 + i, i == 4};
    if (i == 0) e.sha256 = Hex(i);
    if (i == 4) e.sha256 = "ABCDEF";  // not what the parsers make: kept as given all the same
    if (i >= 3) e.share_profile(profiles.Share(lib));
    REQUIRE(t.Add(e).ok());
    added.push_back(e);
  }
  REQUIRE(t.Finish().ok());
  CHECK(t.size() == 6);
  CHECK(t.discs() == std::vector<std::string>{"", "Disc 2"});
  CHECK(t.Totals("Disc 2").files == 3);
  CHECK(t.Totals("Disc 2").library == 3);
  CHECK_FALSE(t.Totals(std::nullopt).sized);
  size_t seen = 0;
  REQUIRE(t.ForEach([&](size_t k, const ManifestEntry& e) {
             const ManifestEntry& a = added.at(k);
             INFO("entry " << k);
             CHECK(e.path == a.path);
             CHECK(e.line == a.line);
             CHECK(e.size == a.size);
             CHECK(e.modified == a.modified);
             CHECK(e.sha256.view() == a.sha256.view());
             CHECK(e.declared_size() == a.declared_size());
             CHECK(e.profile() == a.profile());
             ++seen;
           }).ok());
  CHECK(seen == 6);
  auto found = t.Find("Disc 2", "dir/sub1/file5.c");
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->first == 5);
  CHECK((*found)->second.language() == "C");
  CHECK_FALSE(t.Find("", "dir/sub1/file5.c")->has_value());  // another disc's path
  CHECK_FALSE(t.Find("Disc 9", "dir/sub1/file5.c")->has_value());
  CHECK_FALSE(t.Find("", "dir/sub1")->has_value());
  REQUIRE(t.At(1).ok());
  CHECK(t.At(1)->declared_size()->ToString() == DeclaredSize{1234, 3, SizeUnit::kMegabytes}.ToString());
  CHECK(t.At(6).status().code() == Code::kNotFound);
  std::vector<std::string> digests;
  REQUIRE(t.ForEachDigest([&](std::string_view sha, std::string_view) { digests.emplace_back(sha); }).ok());
  CHECK(digests == std::vector<std::string>{Hex(0), "", "", "", "ABCDEF", ""});
  std::vector<size_t> other;
  REQUIRE(t.ForEachOtherDisc("Disc 2", [&](size_t k) { other.push_back(k); }).ok());
  CHECK(other == std::vector<size_t>{0, 1, 2});

  // 100,000 files of ~30-byte paths: the fixed part, the path and the index.
  ActEntryTable big;
  for (uint32_t i = 0; i < 100'000; ++i) {
    ManifestEntry e;
    e.path = "project/src/module" + std::to_string(i / 1000) + "/f" + std::to_string(i) + ".c";
    e.size = i;
    e.sha256 = Hex(i);
    e.line = i + 1;
    REQUIRE(big.Add(e).ok());
  }
  REQUIRE(big.Finish().ok());
  INFO("bytes " << big.MemoryBytes());
  CHECK(big.MemoryBytes() < 100'000 * 120);
  auto last = big.Find("", "project/src/module99/f99999.c");
  REQUIRE(last.ok());
  REQUIRE(last->has_value());
  CHECK((*last)->second.sha256.view() == Hex(99999));
}

TEST_CASE("the compact table refuses a path listed twice and an entry past its limits, and stays as it was") {
  ActEntryTable t;
  ManifestEntry a;
  a.path = "x/a";
  a.line = 3;
  REQUIRE(t.Add(a).ok());
  ManifestEntry again = a;
  again.line = 9;
  Status dup = t.Add(again);
  CHECK(dup.code() == Code::kAlreadyExists);
  CHECK(t.size() == 1);
  auto conflict = t.Check();
  REQUIRE(conflict.ok());
  REQUIRE(conflict->has_value());
  CHECK((*conflict)->line == 9);
  CHECK((*conflict)->message == "duplicate path 'x/a' (also on line 3)");

  // The 65,536th disc marking.
  ActEntryTable discs;
  EntryProfiles profiles;
  for (size_t i = 0; i <= ActEntryTable::kMaxDiscs; ++i) {
    ManifestEntry e;
    e.path = "f";
    e.line = static_cast<uint32_t>(i + 1);
    EntryProfile p;
    p.disc = "D" + std::to_string(i);
    e.share_profile(profiles.Share(p));
    Status s = discs.Add(e);
    if (i < ActEntryTable::kMaxDiscs) {
      REQUIRE(s.ok());
      continue;
    }
    CHECK(s.code() == Code::kLimitExceeded);
    CHECK(s.message() == "line 65536: the act's entries exceed 65535 discs");
  }
  CHECK(discs.size() == ActEntryTable::kMaxDiscs);
  CHECK(discs.discs().size() == ActEntryTable::kMaxDiscs);
  CHECK_FALSE(discs.Find("D65535", "f")->has_value());
  CHECK(discs.Find("D65534", "f")->has_value());
  auto none = discs.Check();
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
}

TEST_CASE("a compacted act's cross-entry problems read as in memory") {
  std::string list;
  for (size_t i = 0; i < 40; ++i) list += Hex(i) + "  d/f" + std::to_string(i) + "\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {list + Hex(90) + "  d/f3\n" + Hex(91) + "  d/f4\n",
       "list:41: field path: duplicate path 'd/f3' (also on line 4)"},
      {list + Hex(90) + "  d/f7/inner.c\n",
       "list:41: field path: 'd/f7/inner.c' lies under 'd/f7', which line 8 lists "
       "as a file"},
      {Hex(1) + "  top\n" + list + Hex(90) + "  top/x/y\n",
       "list:42: field path: 'top/x/y' lies under 'top', which line 1 lists as a file"},
      // A line error after a duplicate is reported first, as in memory.
      {list + Hex(90) + "  d/f3\nnot a line\n", "list:42:1: not a sha256sum line"},
  };
  for (const auto& [text, want] : cases) {
    auto memory = ParseManifest(text, "list", Options());
    auto spilled = ParseManifest(text, "list", Options(5));
    REQUIRE_FALSE(memory.ok());
    REQUIRE_FALSE(spilled.ok());
    CHECK(spilled.status().message() == memory.status().message());
    CHECK(spilled.status().message().find(want) == 0);
  }
}

TEST_CASE("the diff and the disc guess over compacted entries equal those over memory") {
  const std::string text = TwoDiscCsv(60);
  auto memory = ParseManifest(text, "act.csv", Options());
  auto spilled = ParseManifest(text, "act.csv", Options(20));
  REQUIRE(memory.ok());
  REQUIRE(spilled.ok());
  REQUIRE(spilled->compact);
  // Disc 2 as read: one file changed, one missing, one extra, one renamed by case.
  std::vector<ObservedFile> medium;
  for (const auto& e : AllEntries(*memory)) {
    if (e.disc() != "Disc 2") continue;
    if (e.path == "src/m1/F9.java") continue;
    ObservedFile f = Seen(e.path, *e.size, e.sha256.str());
    if (e.path == "src/m0/F2.java") f.sha256 = Hex(999);
    if (e.path == "src/m2/F14.java") f.path = "src/m2/f14.java";
    f.mtime = e.modified->unix_seconds;
    f.has_mtime = true;
    medium.push_back(f);
  }
  medium.push_back(Seen("extra.txt", 3, Hex(1000)));
  DiffOptions opt;
  opt.keep_matched = false;
  MediumDiff d1(*memory, "Disc 2", opt), d2(*spilled, "Disc 2", opt);
  DiscGuess g1(*memory), g2(*spilled);
  for (const auto& f : medium) {
    d1.Add(f);
    d2.Add(f);
    g1.Add(f);
    g2.Add(f);
    const ManifestEntry* listed = d2.Find(f.path);
    CHECK((listed != nullptr) == (d1.Find(f.path) != nullptr));
    if (listed) CHECK(listed->path == f.path);
  }
  DiffReport r1 = d1.Finish(), r2 = d2.Finish();
  REQUIRE(d2.status().ok());
  CHECK(r2.disc == r1.disc);
  CHECK(r2.counts == r1.counts);
  CHECK(r2.matched_bytes == r1.matched_bytes);
  CHECK(r2.Count(DiffKind::kMissing) == 2);
  CHECK(r2.Count(DiffKind::kHashMismatch) == 1);
  CHECK(r2.Count(DiffKind::kExtra) == 2);
  REQUIRE(r2.items.size() == r1.items.size());
  for (size_t i = 0; i < r1.items.size(); ++i) {
    CHECK(r2.items[i].kind == r1.items[i].kind);
    CHECK(r2.items[i].path == r1.items[i].path);
    CHECK(r2.items[i].detail == r1.items[i].detail);
    CHECK(r2.items[i].manifest_line == r1.items[i].manifest_line);
  }
  CHECK(g2.Best() == "Disc 2");
  CHECK(g1.Best() == "Disc 2");
}

TEST_CASE("a report lists at most max_items differences and still counts every one exactly") {
  std::string list;
  for (size_t i = 0; i < 40; ++i) list += Hex(i) + "  d/f" + std::to_string(i) + "\n";
  auto memory = ParseManifest(list, "list", Options());
  auto spilled = ParseManifest(list, "list", Options(7));
  REQUIRE(memory.ok());
  REQUIRE(spilled.ok());
  std::vector<ObservedFile> medium;
  for (size_t i = 0; i < 40; ++i) {
    if (i % 4 == 0) continue;                                                                  // missing
    medium.push_back(Seen("d/f" + std::to_string(i), 9, i % 4 == 1 ? Hex(500 + i) : Hex(i)));  // changed or same
    if (i % 8 == 2) medium.push_back(Seen("d/f" + std::to_string(i), 9, Hex(i), "d/f" + std::to_string(i) + "\x01"));
  }
  for (size_t i = 0; i < 12; ++i) medium.push_back(Seen("x/extra" + std::to_string(i), 1, Hex(900 + i)));
  // Two names for one path among the extras past the limit, then a third.
  for (const char* raw : {"x/twice", "x/twice\x02", "x/twice\x03"}) medium.push_back(Seen("x/twice", 1, Hex(999), raw));
  for (bool keep_matched : {false, true}) {
    DiffOptions all, few;
    all.keep_matched = few.keep_matched = keep_matched;
    all.max_items = SIZE_MAX;
    few.max_items = 5;
    MediumDiff whole(*memory, "", all), capped(*memory, "", few), capped_disk(*spilled, "", few);
    for (const auto& f : medium) {
      whole.Add(f);
      capped.Add(f);
      capped_disk.Add(f);
    }
    DiffReport w = whole.Finish(), c = capped.Finish(), d = capped_disk.Finish();
    INFO("keep_matched " << keep_matched);
    CHECK(c.counts == w.counts);
    CHECK(d.counts == w.counts);
    CHECK(c.matched_bytes == w.matched_bytes);
    CHECK(w.unlisted == 0);
    CHECK(c.items.size() == 5);
    CHECK(d.items.size() == 5);
    CHECK(c.unlisted == w.items.size() - 5);
    CHECK(d.unlisted == c.unlisted);
    CHECK(w.Count(DiffKind::kMissing) == 10);
    CHECK(w.Count(DiffKind::kHashMismatch) == 10);
    CHECK(w.Count(DiffKind::kExtra) == 12);
    CHECK(w.Count(DiffKind::kNameCollision) == 6);  // five listed paths with two names, and x/twice
  }
}
