#include <catch2/catch.hpp>

#include "appliance/manifest_diff.h"
#include "appliance/manifest_parser.h"
#include "tests/appliance/diff_fixtures.h"

using namespace qoima::appliance;
using qoima::appliance::testing::Entry;
using qoima::appliance::testing::Seen;

namespace {

const DiffItem* Find(const DiffReport& r, const std::string& path, DiffKind kind) {
  for (const auto& i : r.items)
    if (i.path == path && i.kind == kind) return &i;
  return nullptr;
}

const std::string kA(64, 'a'), kB(64, 'b'), kC(64, 'c');

}  // namespace

TEST_CASE("a medium that holds exactly the act is clean") {
  std::vector<ManifestEntry> want = {Entry("src/a.c", 3, kA), Entry("қойма/б.txt", 4, kB)};
  std::vector<ObservedFile> got = {Seen("src/a.c", 3, kA), Seen("қойма/б.txt", 4, kB)};
  ObservedFile dir;
  dir.path = "src";
  dir.type = ObservedType::kDirectory;
  got.push_back(dir);
  DiffReport r = DiffMedium(want, got);
  CHECK(r.Clean());
  CHECK(r.Count(DiffKind::kMatched) == 2);
  CHECK(r.matched_bytes == 7);
  CHECK(r.Summary() == "2 matched");
}

TEST_CASE("every difference gets its category") {
  std::vector<ManifestEntry> want = {Entry("same", 1, kA),    Entry("gone", 1, kA),   Entry("bigger", 5, kA),
                                     Entry("changed", 2, kA), Entry("broken", 9, kC), Entry("dated", 1, kB)};
  want[5].modified = ManifestDate{1700000000, false};
  std::vector<ObservedFile> got = {Seen("same", 1, kA),   Seen("bigger", 6, kB), Seen("changed", 2, kB),
                                   Seen("broken", 9, ""), Seen("dated", 1, kB),  Seen("new", 4, kC)};
  got[3].readable = false;
  got[3].problem = "read error at offset 4096";
  got[4].has_mtime = true;
  got[4].mtime = 1700000000 + 3600 * 24;
  DiffReport r = DiffMedium(want, got);
  CHECK_FALSE(r.Clean());
  CHECK(Find(r, "same", DiffKind::kMatched));
  CHECK(Find(r, "gone", DiffKind::kMissing));
  auto* big = Find(r, "bigger", DiffKind::kSizeMismatch);
  REQUIRE(big);
  CHECK(big->expected == "5");
  CHECK(big->actual == "6");
  CHECK(Find(r, "changed", DiffKind::kHashMismatch));
  auto* broken = Find(r, "broken", DiffKind::kUnreadable);
  REQUIRE(broken);
  CHECK(broken->detail == "read error at offset 4096");
  CHECK(Find(r, "dated", DiffKind::kDateMismatch));
  CHECK(Find(r, "new", DiffKind::kExtra));
  CHECK(r.Summary() ==
        "1 matched, 1 missing, 1 extra, 1 size_mismatch, 1 hash_mismatch, 1 date_mismatch, 1 unreadable");
}

TEST_CASE("dates: a day matches any time that day, FAT's zone-less times tolerate whole hours") {
  ManifestEntry e = Entry("a", 1, kA);
  e.modified = ParseManifestDate("2025-03-12");
  ObservedFile f = Seen("a", 1, kA);
  f.has_mtime = true;
  f.mtime = ParseManifestDate("2025-03-12T23:59:00+05:00")->unix_seconds;
  CHECK(DiffMedium({e}, {f}).Clean());
  f.mtime += 120;  // next local day
  CHECK(DiffMedium({e}, {f}).Count(DiffKind::kDateMismatch) == 1);

  ManifestEntry t = Entry("a", 1, kA);
  t.modified = ParseManifestDate("2025-03-12T08:15:00Z");
  f.mtime = t.modified->unix_seconds + 1;  // FAT's 2-second resolution
  CHECK(DiffMedium({t}, {f}).Clean());
  f.mtime = t.modified->unix_seconds + 5 * 3600;  // local time read as UTC
  CHECK(DiffMedium({t}, {f}).Count(DiffKind::kDateMismatch) == 1);
  DiffOptions fat;
  fat.mtime_zone_unknown = true;
  CHECK(DiffMedium({t}, {f}, fat).Clean());
  f.mtime += 600;
  CHECK(DiffMedium({t}, {f}, fat).Count(DiffKind::kDateMismatch) == 1);
}

TEST_CASE("a medium's zone-less dates may be learnt after it was read") {
  ManifestEntry t = Entry("a", 1, kA);
  t.modified = ParseManifestDate("2025-03-12T08:15:00Z");
  ManifestEntry u = Entry("b", 1, kB);
  u.modified = t.modified;
  ObservedFile f = Seen("a", 1, kA);
  f.has_mtime = true;
  f.mtime = t.modified->unix_seconds + 5 * 3600;  // local time read as UTC
  ObservedFile g = Seen("b", 1, kB, "b\xFF");     // a name shown as read
  g.has_mtime = true;
  g.mtime = f.mtime;
  std::vector<ManifestEntry> want = {t, u};
  MediumDiff fat(want, "");
  fat.Add(f);
  fat.Add(g);
  fat.set_mtime_zone_unknown(true);
  DiffReport r = fat.Finish();
  CHECK(r.Clean());
  CHECK(r.Count(DiffKind::kMatched) == 2);
  CHECK(r.matched_bytes == 2);
  REQUIRE(r.items.size() == 2);
  CHECK(r.items[1].raw_path == "b\\xff");
  CHECK(r.items[1].actual == kB);
  CHECK(r.items[1].detail.empty());

  MediumDiff zoned(want, "");
  zoned.Add(f);
  zoned.Add(g);
  CHECK(zoned.Finish().Count(DiffKind::kDateMismatch) == 2);
}

TEST_CASE("names that collide after NFC normalization are reported, not guessed") {
  // Two raw names on the medium: precomposed and decomposed "й".
  std::vector<ObservedFile> got = {Seen("й.txt", 1, kA, "\xD0\xB9.txt"), Seen("й.txt", 1, kB, "\xD0\xB8\xCC\x86.txt"),
                                   Seen("x", 1, kA, "x"), Seen("x", 1, kA, "x\xFF")};
  DiffReport r = DiffMedium({Entry("й.txt", 1, kA)}, got);
  auto* c = Find(r, "й.txt", DiffKind::kNameCollision);
  REQUIRE(c);
  CHECK(c->detail.find("2 names") != std::string::npos);
  auto* x = Find(r, "x", DiffKind::kNameCollision);
  REQUIRE(x);
  CHECK(x->detail.find("'x\\xff'") != std::string::npos);
  CHECK(r.Count(DiffKind::kMatched) == 0);
}

TEST_CASE("a missing file that differs only in case gets a hint and links are extras") {
  ObservedFile link = Seen("ln", 0, "");
  link.type = ObservedType::kSymlink;
  DiffReport r = DiffMedium({Entry("Main.java", 1, kA)}, {Seen("MAIN.JAVA", 1, kA), link});
  auto* m = Find(r, "Main.java", DiffKind::kMissing);
  REQUIRE(m);
  CHECK(m->detail.find("differs only in letter case") != std::string::npos);
  auto* l = Find(r, "ln", DiffKind::kExtra);
  REQUIRE(l);
  CHECK(l->detail.find("symbolic link") != std::string::npos);
}

TEST_CASE("a medium from another disc of the act is recognised") {
  ActManifest m;
  m.entries = {Entry("a", 1, kA), Entry("b", 1, kB), Entry("c", 1, kC)};
  m.entries[0].edit_profile().disc = "D1";
  m.entries[1].edit_profile().disc = "D2";
  m.entries[2].edit_profile().disc = "D2";
  CHECK(GuessDisc(m, {Seen("b", 1, kB), Seen("c", 1, kC)}) == "D2");
  CHECK(GuessDisc(m, {Seen("z", 1, std::string(64, 'e'))}) == "");
}

TEST_CASE("raw paths escape bytes that are not UTF-8") {
  CHECK(EscapeRawPath("ok/қ") == "ok/қ");
  CHECK(EscapeRawPath("bad\xFF\x01") == "bad\\xff\\u{0001}");
}

TEST_CASE("each diff row carries the file's size for the clerk's list") {
  std::vector<ManifestEntry> want = {Entry("same", 3, kA), Entry("gone", 7, kA), Entry("bigger", 5, kA)};
  std::vector<ObservedFile> got = {Seen("same", 3, kA), Seen("bigger", 6, kB), Seen("new", 4, kC)};
  DiffReport r = DiffMedium(want, got);
  CHECK(Find(r, "same", DiffKind::kMatched)->size == 3);
  CHECK(Find(r, "gone", DiffKind::kMissing)->size == 7);  // not on the medium: the act's size
  CHECK(Find(r, "bigger", DiffKind::kSizeMismatch)->size == 6);
  CHECK(Find(r, "new", DiffKind::kExtra)->size == 4);
}

TEST_CASE("an act without checksums is matched by path size to its precision and date") {
  // An Annex 3 table: sizes in MB to three decimals, dates, no SHA-256.
  auto declared = [](const std::string& path, const char* mb) {
    ManifestEntry e;
    e.path = path;
    e.set_declared_size(DeclaredSize::Parse(mb, SizeUnit::kMegabytes));
    e.modified = ManifestDate{1741737600 - 5 * 3600, true};  // 12.03.2025 in UTC+5
    e.line = 3;
    return e;
  };
  std::vector<ManifestEntry> want = {declared("lib/a.jar", "0,200"), declared("lib/b.jar", "1,234"),
                                     declared("docs/c.txt", "0,001"), declared("old.txt", "0,010")};
  std::vector<ObservedFile> got = {Seen("lib/a.jar", 210000, kA), Seen("lib/b.jar", 1300000, kB),
                                   Seen("docs/c.txt", 40, kC), Seen("old.txt", 10400, kC)};
  for (auto& f : got) {
    f.has_mtime = true;
    f.mtime = 1741737600 - 5 * 3600 + 36000;  // 10:00 that day
  }
  got[3].mtime += 86400 * 30;  // the same bytes as the act's size allows, a month later
  DiffReport r = DiffMedium(want, got);
  // 210000 bytes are 0.2003 MiB: 0.200; 40 bytes round to 0.000, below the smallest figure 0.001.
  const DiffItem* a = Find(r, "lib/a.jar", DiffKind::kMatched);
  REQUIRE(a);
  CHECK(a->actual == kA);  // the digest read, for the report: the act gave none
  CHECK(Find(r, "docs/c.txt", DiffKind::kMatched));
  const DiffItem* b = Find(r, "lib/b.jar", DiffKind::kSizeMismatch);
  REQUIRE(b);
  CHECK(b->expected == "1.234 MB");
  CHECK(b->actual == "1300000");
  CHECK(b->detail ==
        "the act says 1.234 MB (to the precision it gives), the medium has 1300000 bytes, 1.2398 MiB, "
        "1.3000 MB");
  CHECK(Find(r, "old.txt", DiffKind::kDateMismatch));
  CHECK(r.Summary() == "2 matched, 1 size_mismatch, 1 date_mismatch");
}
