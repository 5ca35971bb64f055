// The pieces that keep an intake's memory bounded give the same
// results as the straightforward ones: the compressed manifest record, the
// act rendered from the manifest without rows, the diff that releases the
// medium's list and the diff without matched items.
#include <catch2/catch.hpp>

#include "appliance/act_document.h"
#include "appliance/manifest_diff.h"
#include "appliance/manifest_parser.h"
#include "appliance/manifest_record.h"
#include "storage/database.h"
#include "tests/appliance/diff_fixtures.h"
#include "tests/fixtures/temp_dir.h"

using namespace qoima;
using namespace qoima::appliance;
using qoima::appliance::testing::Entry;
using qoima::appliance::testing::Seen;

namespace {

std::string HexOf(size_t i) {
  static const char* kDigits = "0123456789abcdef";
  std::string h(64, '0');
  uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull;
  for (size_t k = 0; k < 64; ++k) {
    h[k] = kDigits[x & 15];
    x = x * 6364136223846793005ull + 1442695040888963407ull;
  }
  return h;
}

// 64 hex digits from splitmix64: distinct for every i, incompressible.
std::string DistinctHexOf(size_t i) {
  static const char* kDigits = "0123456789abcdef";
  std::string h;
  uint64_t x = i;
  for (int k = 0; k < 4; ++k) {
    uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    for (int n = 0; n < 16; ++n, z >>= 4) h += kDigits[z & 15];
  }
  return h;
}

// 1200 entries (more than one 64 KiB piece of JSON), both tables, dates,
// languages and Kazakh names; `count` entries with distinct digests when
// `distinct`.
ActManifest SampleManifest(size_t count = 1200, bool distinct = false) {
  ActManifest m;
  m.application = "IS-0042";
  m.software_name = "Е-Қойма";
  m.software_version = "1.2";
  m.annotation = "Сақтауға берілетін бастапқы кодтар";
  m.depositor = "Министрлік";
  m.discs = {{"Е-Қойма 1.2 диск 1", "EQ12"}};
  for (size_t i = 0; i < count; ++i) {
    ManifestEntry e;
    e.path = "бума" + std::to_string(i / 100) + "/файл-" + std::to_string(i) + ".java";
    e.size = 100 + i;
    e.sha256 = distinct ? DistinctHexOf(i) : HexOf(i);
    if (i % 3 == 0) e.modified = ManifestDate{1700000000 + static_cast<int64_t>(i) * 60, false};
    if (i % 7 == 0) e.modified = ManifestDate{1699920000, true};
    EntryProfile& p = e.edit_profile();
    p.disc = m.discs[0].marking;
    p.language = "Java";
    p.language_version = "17";
    if (i % 5 == 0) {
      p.table = ActTable::kLibrary;
      p.category = "libraries";
      p.language_version = "2." + std::to_string(i);
    } else {
      p.framework = "Spring";
      p.framework_version = "6.1";
    }
    m.entries.push_back(std::move(e));
  }
  m.digest = std::string(64, 'd');
  return m;
}

std::string Describe(const DiffItem& i) {
  return std::string(DiffKindName(i.kind)) + "|" + i.path + "|" + i.raw_path + "|" + i.expected + "|" + i.actual + "|" +
         i.detail + "|" + std::to_string(i.manifest_line) + "|" + std::to_string(i.size);
}

std::vector<std::string> Describe(const DiffReport& r) {
  std::vector<std::string> out;
  for (const auto& i : r.items) out.push_back(Describe(i));
  return out;
}

}  // namespace

TEST_CASE("the manifest record is compressed and reads back as the exact compact JSON") {
  ActManifest m = SampleManifest();
  std::string json = ManifestToJson(m, /*pretty=*/false);
  auto record = EncodeManifestRecord(m);
  REQUIRE(record.ok());
  CHECK(IsCompressedManifestRecord(*record));
  CHECK(record->size() < json.size() / 2);
  auto text = DecodeManifestRecord(*record, "test record");
  REQUIRE(text.ok());
  CHECK(*text == json);

  ManifestParseOptions po;
  po.now_unix = 1800000000;
  po.stored_record = true;
  auto back = ParseManifest(*text, "test record", po);
  INFO(back.status().message());
  REQUIRE(back.ok());
  REQUIRE(back->entries.size() == m.entries.size());
  back->digest = m.digest;
  CHECK(ManifestToJson(*back, false) == json);
}

TEST_CASE("the manifest record goes into its row and comes back from it a piece at a time") {
  // 24,000 distinct digests: the record is larger than one 1 MiB piece.
  ActManifest m = SampleManifest(24000, true);
  auto whole = EncodeManifestRecord(m);
  REQUIRE(whole.ok());
  auto size = ManifestRecordSize(m);
  REQUIRE(size.ok());
  CHECK(*size == whole->size());
  INFO("record of " << *size << " bytes");
  CHECK(*size > (1u << 20));

  qoima::testing::TempDir dir;
  std::vector<uint8_t> key(storage::Database::kRawKeySize, 7);
  auto db = storage::Database::Open(dir.Sub("meta.db"), key);
  REQUIRE(db.ok());
  REQUIRE(db->Exec("CREATE TABLE r(id INTEGER PRIMARY KEY, rec BLOB);").ok());
  auto insert = [&](auto bind) {
    auto st = db->Prepare("INSERT INTO r(rec) VALUES (?)");
    REQUIRE(st.ok());
    bind(*st);
    REQUIRE(st->Run().ok());
    return db->LastInsertRowid();
  };
  {
    auto tx = storage::Transaction::Begin(*db);
    REQUIRE(tx.ok());
    int64_t row = insert([&](storage::Statement& st) { st.BindZeroBlob(1, *size); });
    REQUIRE(StoreManifestRecord(*db, "r", "rec", row, m, *size).ok());
    // A row of another size is refused before anything is written.
    int64_t small = insert([&](storage::Statement& st) { st.BindZeroBlob(1, *size - 1); });
    Status wrong = StoreManifestRecord(*db, "r", "rec", small, m, *size);
    CHECK(wrong.code() == Code::kInternal);
    CHECK(wrong.message().find("holds " + std::to_string(*size - 1) + " bytes") != std::string::npos);
    REQUIRE(tx->Commit().ok());
  }
  auto st = db->Prepare("SELECT rec FROM r WHERE id = 1");
  REQUIRE(st.ok());
  REQUIRE(*st->Step());
  auto stored = st->ColumnBlob(0);
  CHECK(std::string(stored.begin(), stored.end()) == *whole);
  st->Reset();

  ManifestParseOptions po;
  po.now_unix = 1800000000;
  po.stored_record = true;
  auto parse_row = [&](int64_t row) {
    auto blob = db->OpenBlob("r", "rec", row, false);
    REQUIRE(blob.ok());
    return ParseManifestRecord(*blob, "intake 9 manifest", po);
  };
  auto back = parse_row(1);
  INFO(back.status().message());
  REQUIRE(back.ok());
  REQUIRE(back->EntryCount() == m.entries.size());
  back->digest = m.digest;
  CHECK(*EncodeManifestRecord(*back) == *whole);

  // Damage read from a row: cut short, followed by more bytes, and an old plain-text row.
  auto bytes_row = [&](const std::string& b) {
    return insert([&](storage::Statement& s) {
      s.BindBlob(1, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(b.data()), b.size()));
    });
  };
  auto cut = parse_row(bytes_row(whole->substr(0, whole->size() - 40)));
  REQUIRE_FALSE(cut.ok());
  CHECK(cut.status().message().find("intake 9 manifest: the stored manifest is truncated") != std::string::npos);
  auto extended = parse_row(bytes_row(*whole + "xx"));
  REQUIRE_FALSE(extended.ok());
  CHECK(extended.status().message().find("2 bytes follow") != std::string::npos);
  auto plain = parse_row(bytes_row(ManifestToJson(SampleManifest(), false)));
  INFO(plain.status().message());
  REQUIRE(plain.ok());
  CHECK(plain->EntryCount() == 1200);
}

TEST_CASE("a stored manifest is found behind each form a manifest_json column has held") {
  ActManifest m = SampleManifest();
  auto whole = EncodeManifestRecord(m);
  REQUIRE(whole.ok());
  const std::string json = ManifestToJson(m, false);
  qoima::testing::TempDir dir;
  std::vector<uint8_t> key(storage::Database::kRawKeySize, 9);
  auto db = storage::Database::Open(dir.Sub("meta.db"), key);
  REQUIRE(db.ok());
  // The columns LoadStoredManifest reads, as the schema names them.
  REQUIRE(db->Exec("CREATE TABLE manifest_records(id INTEGER PRIMARY KEY, record BLOB NOT NULL);"
                   "CREATE TABLE intakes(id INTEGER PRIMARY KEY, manifest_json TEXT NOT NULL);"
                   "CREATE TABLE acts(id INTEGER PRIMARY KEY, manifest_json TEXT);")
              .ok());
  auto size = ManifestRecordSize(m);
  REQUIRE(size.ok());
  auto reference = InsertManifestRecord(*db, m, *size);
  REQUIRE(reference.ok());
  CHECK(*reference == "qoima-manifest-record/1 1");
  auto put = [&](const char* table, int64_t id, const std::string& value) {
    auto st = db->Prepare(std::string("INSERT INTO ") + table + "(id, manifest_json) VALUES (?, ?)");
    REQUIRE(st.ok());
    st->Bind(1, id).BindBlob(2, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(value.data()), value.size()));
    REQUIRE(st->Run().ok());
  };
  put("intakes", 1, *reference);               // schema v7: a row of its own
  put("intakes", 2, *whole);                   // before v7: the record in the intake's row
  put("intakes", 3, json);                     // before records were compressed: the JSON text
  put("acts", 1, ManifestRecordReference(1));  // an acceptance act: its intake's record
  put("acts", 2, *reference);                  // a corrected act's own record
  put("acts", 3, ManifestRecordReference(9));  // an intake that is not there
  put("acts", 4, ManifestRecordRowReference(9));

  ManifestParseOptions po;
  po.now_unix = 1800000000;
  po.stored_record = true;
  for (auto [table, id] : std::vector<std::pair<std::string, int64_t>>{
           {"intakes", 1}, {"intakes", 2}, {"intakes", 3}, {"acts", 1}, {"acts", 2}}) {
    INFO(table << " " << id);
    auto back = LoadStoredManifest(*db, table, "manifest_json", id, "stored manifest", po);
    INFO(back.status().message());
    REQUIRE(back.ok());
    back->digest = m.digest;
    CHECK(ManifestToJson(*back, false) == json);
  }
  auto lost = LoadStoredManifest(*db, "acts", "manifest_json", 3, "act A-3 manifest", po);
  REQUIRE_FALSE(lost.ok());
  CHECK(lost.status().message().find("intakes.manifest_json of row 9") != std::string::npos);
  auto lost_record = LoadStoredManifest(*db, "acts", "manifest_json", 4, "act A-4 manifest", po);
  REQUIRE_FALSE(lost_record.ok());
  CHECK(lost_record.status().message().find("manifest_records.record of row 9") != std::string::npos);

  // Made once and held, or too large to hold and made again: the same row.
  auto held = PrepareManifestRecord(m);
  REQUIRE(held.ok());
  CHECK(held->held);
  CHECK(held->size == *size);
  CHECK(held->bytes == *whole);
  auto unheld = PrepareManifestRecord(m, *size - 1);
  REQUIRE(unheld.ok());
  CHECK_FALSE(unheld->held);
  CHECK(unheld->bytes.empty());
  CHECK(unheld->size == *size);
  for (const PreparedManifestRecord* prepared : {&*held, &*unheld}) {
    auto ref = InsertManifestRecord(*db, m, *prepared);
    REQUIRE(ref.ok());
    auto id = ParseManifestRecordRowReference(*ref);
    REQUIRE(id);
    put("intakes", 10 + *id, *ref);
    auto back = LoadStoredManifest(*db, "intakes", "manifest_json", 10 + *id, "stored manifest", po);
    REQUIRE(back.ok());
    back->digest = m.digest;
    CHECK(ManifestToJson(*back, false) == json);
  }
  // A prepared record that lost bytes is refused, nothing half-written.
  PreparedManifestRecord cut = *held;
  cut.bytes.pop_back();
  auto refused = InsertManifestRecord(*db, m, cut);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == Code::kInternal);
}

TEST_CASE("a plain-text manifest record (written before compression) reads back unchanged") {
  std::string json = ManifestToJson(SampleManifest(), false);
  CHECK_FALSE(IsCompressedManifestRecord(json));
  auto text = DecodeManifestRecord(json, "old row");
  REQUIRE(text.ok());
  CHECK(*text == json);
}

TEST_CASE("a damaged, truncated or extended manifest record is refused naming the record") {
  auto record = EncodeManifestRecord(SampleManifest());
  REQUIRE(record.ok());
  std::string damaged = *record;
  damaged[damaged.size() / 2] ^= 0x5a;
  auto d = DecodeManifestRecord(damaged, "intake 7 manifest");
  REQUIRE_FALSE(d.ok());
  CHECK(d.status().code() == Code::kCorrupt);
  CHECK(d.status().message().find("intake 7 manifest") != std::string::npos);

  auto t = DecodeManifestRecord(record->substr(0, record->size() - 40), "intake 7 manifest");
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().code() == Code::kCorrupt);

  auto x = DecodeManifestRecord(*record + "xx", "intake 7 manifest");
  REQUIRE_FALSE(x.ok());
  CHECK(x.status().message().find("2 bytes follow") != std::string::npos);
}

TEST_CASE("the manifest JSON written in pieces is the same bytes as the whole text") {
  ActManifest m = SampleManifest();
  for (bool pretty : {true, false}) {
    std::string joined;
    size_t pieces = 0;
    REQUIRE(WriteManifestJson(m, pretty, [&](std::string_view piece) {
              joined += piece;
              ++pieces;
            }).ok());
    CHECK(pieces > 1);
    CHECK(joined == ManifestToJson(m, pretty));
  }
  ActManifest empty;
  CHECK(ManifestToJson(empty, true).back() == '\n');
}

TEST_CASE("an act rendered over the manifest reads exactly as the act with its rows") {
  auto m = std::make_shared<const ActManifest>(SampleManifest());
  ActDocument rows = ActFromManifest(*m);
  auto made = ActOverManifest(m);
  REQUIRE(made.ok());
  ActDocument over = *made;
  CHECK(over.application_rows.empty());
  CHECK(over.library_rows.empty());
  CHECK(ActRowCount(over, false) == rows.application_rows.size());
  CHECK(ActRowCount(over, true) == rows.library_rows.size());
  CHECK(rows.library_rows.size() == 240);
  CHECK(over.file_count == rows.file_count);
  CHECK(over.total_bytes == rows.total_bytes);
  size_t n = 0;
  REQUIRE(ForEachActRow(over, true, [&](const ActRow& r) {
            ++n;
            CHECK(r.number == n);
            CHECK(r.sha256 == rows.library_rows[n - 1].sha256);
          }).ok());
  CHECK(n == 240);
  over.date = rows.date = "2026-11-26";
  over.deposit_root = rows.deposit_root = std::string(64, 'e');
  CHECK(RenderActText(over) == RenderActText(rows));
}

TEST_CASE("the diff made as the medium is read and the one without matches agree with the whole-list diff") {
  const std::string kA(64, 'a'), kB(64, 'b'), kC(64, 'c');
  std::vector<ManifestEntry> want = {Entry("same", 1, kA, 2),       Entry("Main.java", 1, kA, 3),
                                     Entry("bigger", 5, kA, 4),     Entry("changed", 2, kA, 5),
                                     Entry("broken", 9, kC, 6),     Entry("й.txt", 1, kA, 7),
                                     Entry("raw-named", 1, kB, 8),  Entry("dir-here", 1, kB, 9),
                                     Entry("also-same", 4, kC, 10), Entry("dated", 1, kB, 11)};
  want[9].modified = ManifestDate{1700000000, false};
  std::vector<ObservedFile> got = {Seen("new", 4, kC),
                                   Seen("also-same", 4, kC),
                                   Seen("MAIN.JAVA", 1, kA),
                                   Seen("й.txt", 1, kA, "\xD0\xB9.txt"),
                                   Seen("bigger", 6, kB),
                                   Seen("same", 1, kA),
                                   Seen("x", 1, kA, "x"),
                                   Seen("changed", 2, kB),
                                   Seen("broken", 9, ""),
                                   Seen("raw-named", 1, kB, "raw\xFFnamed"),
                                   Seen("й.txt", 1, kB, "\xD0\xB8\xCC\x86.txt"),
                                   Seen("x", 1, kA, "x\xFF"),
                                   Seen("dir-here", 0, ""),
                                   Seen("dated", 1, kB),
                                   Seen("ln", 0, "")};
  got[8].readable = false;
  got[8].problem = "read error at offset 4096";
  got[12].type = ObservedType::kDirectory;
  got[13].has_mtime = true;
  got[13].mtime = 1700000000 + 86400;
  got[14].type = ObservedType::kSymlink;
  ObservedFile dir;
  dir.path = dir.raw_path = "src";
  dir.type = ObservedType::kDirectory;
  got.push_back(dir);

  DiffReport plain = DiffMedium(want, got);
  // Manifest order, then what the act does not list in reading order.
  std::vector<std::string> kinds;
  for (const auto& i : plain.items) kinds.push_back(std::string(DiffKindName(i.kind)) + " " + i.path);
  CHECK(kinds == std::vector<std::string>{"matched same", "missing Main.java", "size_mismatch bigger",
                                          "hash_mismatch changed", "unreadable broken", "name_collision й.txt",
                                          "matched raw-named", "missing dir-here", "matched also-same",
                                          "date_mismatch dated", "extra new", "extra MAIN.JAVA", "name_collision x",
                                          "extra ln"});
  CHECK(plain.items[1].detail.find("'MAIN.JAVA', which differs only in letter case") != std::string::npos);
  CHECK(plain.items[6].raw_path == "raw\\xffnamed");
  CHECK(plain.items[8].actual == kC);
  CHECK(plain.items[8].size == 4);
  CHECK(plain.items[8].manifest_line == 10);
  CHECK(plain.matched_bytes == 6);

  // Streaming with the act of two discs: the other disc's entries are not
  // this medium's, and a zone-less medium is learnt only after the read.
  std::vector<ManifestEntry> two_discs = want;
  for (auto& e : two_discs) e.edit_profile().disc = "D1";
  two_discs.insert(two_discs.begin() + 2, Entry("other-disc", 1, kA, 99));
  two_discs[2].edit_profile().disc = "D2";
  MediumDiff streamed(two_discs, "D1");
  for (const auto& f : got) streamed.Add(f);
  streamed.set_mtime_zone_unknown(false);
  DiffReport consumed = streamed.Finish();
  CHECK(Describe(consumed) == Describe(plain));
  CHECK(consumed.counts == plain.counts);
  CHECK(consumed.matched_bytes == plain.matched_bytes);
  CHECK(consumed.Summary() == plain.Summary());
  CHECK(consumed.disc == "D1");
  CHECK(streamed.Find("other-disc") == nullptr);
  CHECK(streamed.Find("dated") == &two_discs[10]);

  DiffOptions no_matches;
  no_matches.keep_matched = false;
  MediumDiff unkept(want, "", no_matches);
  for (const auto& f : got) unkept.Add(f);
  DiffReport differences = unkept.Finish();
  CHECK(differences.counts == plain.counts);
  CHECK(differences.matched_bytes == plain.matched_bytes);
  CHECK(differences.Summary() == plain.Summary());
  std::vector<std::string> unmatched;
  for (const auto& i : plain.items)
    if (i.kind != DiffKind::kMatched) unmatched.push_back(Describe(i));
  CHECK(Describe(differences) == unmatched);
  CHECK(differences.items.size() == plain.items.size() - 3);
}

TEST_CASE("an acceptance act refers to its intake's manifest record by id") {
  CHECK(ParseManifestRecordReference(ManifestRecordReference(17)) == std::optional<int64_t>(17));
  CHECK_FALSE(ParseManifestRecordReference("qoima-manifest-of-intake/1 ").has_value());
  CHECK_FALSE(ParseManifestRecordReference("qoima-manifest-of-intake/1 17x").has_value());
  CHECK_FALSE(ParseManifestRecordReference("qoima-manifest-of-intake/1 -3").has_value());
  CHECK_FALSE(ParseManifestRecordReference(ManifestToJson(SampleManifest(), false)).has_value());
  auto record = EncodeManifestRecord(SampleManifest());
  REQUIRE(record.ok());
  CHECK_FALSE(ParseManifestRecordReference(*record).has_value());
}
