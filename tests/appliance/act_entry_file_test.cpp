// A large act's entries kept on disk (ActEntryFile) read back as
// the same act: the parser's checks give the same messages, the diff, the
// disc guess, the record and the act's rows are the same as in memory, and
// the scratch file is encrypted and removed with the act.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>
#include <iterator>

#include "appliance/act_document.h"
#include "appliance/act_entry_file.h"
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

ManifestParseOptions Options(const std::string& spill_dir = "", size_t after = kActEntriesInMemory) {
  ManifestParseOptions o;
  o.now_unix = kNow;
  o.spill_dir = spill_dir;
  o.spill_after_entries = after;
  return o;
}

std::vector<ManifestEntry> AllEntries(const ActManifest& m) {
  std::vector<ManifestEntry> out;
  REQUIRE(m.ForEachEntry([&](const ManifestEntry& e) { out.push_back(e); }).ok());
  return out;
}

size_t FilesIn(const std::string& dir) {
  size_t n = 0;
  for (const auto& d : {dir}) {
    std::string cmd = "ls -A " + d + " | wc -l";
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    REQUIRE(std::fscanf(p, "%zu", &n) == 1);
    ::pclose(p);
  }
  return n;
}

}  // namespace

TEST_CASE("an act past the in-memory limit reads back from its scratch file as the same entries") {
  qoima::testing::TempDir dir;
  const std::string text = TwoDiscCsv(120);
  auto memory = ParseManifest(text, "act.csv", Options());
  REQUIRE(memory.ok());
  REQUIRE_FALSE(memory->spilled);
  auto spilled = ParseManifest(text, "act.csv", Options(dir.path(), 50));
  REQUIRE(spilled.ok());
  REQUIRE(spilled->spilled);
  CHECK(spilled->entries.empty());
  CHECK(spilled->EntryCount() == 240);
  CHECK(FilesIn(dir.path()) == 1);
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

TEST_CASE("the scratch file holds no path in the clear and goes with the act") {
  qoima::testing::TempDir dir;
  std::string list;
  for (size_t i = 0; i < 300; ++i) list += Hex(i) + "  secret-project/Plain" + std::to_string(i) + ".cs\n";
  {
    auto m = ParseManifest(list, "list.sha256", Options(dir.path(), 10));
    REQUIRE(m.ok());
    REQUIRE(m->spilled);
    std::ifstream in(m->spilled->path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(bytes.size() > 4096);
    CHECK(bytes.find("secret-project") == std::string::npos);
    CHECK(bytes.find("SQLite format") == std::string::npos);
    CHECK(bytes.find(Hex(5)) == std::string::npos);
  }
  CHECK(FilesIn(dir.path()) == 0);
  // A refused act leaves nothing either.
  auto bad = ParseManifest(list + "zz", "list.sha256", Options(dir.path(), 10));
  REQUIRE_FALSE(bad.ok());
  CHECK(FilesIn(dir.path()) == 0);
}

TEST_CASE("a spilled act's cross-entry problems read as in memory") {
  qoima::testing::TempDir dir;
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
    auto spilled = ParseManifest(text, "list", Options(dir.path(), 5));
    REQUIRE_FALSE(memory.ok());
    REQUIRE_FALSE(spilled.ok());
    CHECK(spilled.status().message() == memory.status().message());
    CHECK(spilled.status().message().find(want) == 0);
  }
  CHECK(FilesIn(dir.path()) == 0);
}

TEST_CASE("the diff and the disc guess over spilled entries equal those over memory") {
  qoima::testing::TempDir dir;
  const std::string text = TwoDiscCsv(60);
  auto memory = ParseManifest(text, "act.csv", Options());
  auto spilled = ParseManifest(text, "act.csv", Options(dir.path(), 20));
  REQUIRE(memory.ok());
  REQUIRE(spilled.ok());
  REQUIRE(spilled->spilled);
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
  qoima::testing::TempDir dir;
  std::string list;
  for (size_t i = 0; i < 40; ++i) list += Hex(i) + "  d/f" + std::to_string(i) + "\n";
  auto memory = ParseManifest(list, "list", Options());
  auto spilled = ParseManifest(list, "list", Options(dir.path(), 7));
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
