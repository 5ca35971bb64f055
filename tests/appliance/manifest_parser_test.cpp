#include <catch2/catch.hpp>

#include <string>

#include "appliance/act_manifest.h"
#include "appliance/civil_time.h"
#include "appliance/manifest_parser.h"
#include "appliance/sha256_digest.h"
#include "tests/fixtures/temp_dir.h"

using namespace qoima;
using namespace qoima::appliance;

namespace {

const std::string kHashA(64, 'a');
const std::string kHashB(64, 'b');
// 2026-01-01T00:00:00Z
constexpr int64_t kNow = 1767225600;

ManifestParseOptions Opts() {
  ManifestParseOptions o;
  o.now_unix = kNow;
  return o;
}

std::string Json(const std::string& files, const std::string& extra = "") {
  return "{\n  \"format\": \"qoima-act-manifest\",\n  \"version\": 1,\n  \"application\": \"IS-0042\",\n"
         "  \"software\": {\"name\": \"Е-Қойма\", \"version\": \"1.2\", \"annotation\": \"тест\"},\n" +
         extra + "  \"files\": [\n" + files + "\n  ]\n}\n";
}

std::string File(const std::string& path, const std::string& size = "10", const std::string& extra = "") {
  return "    {\"path\": \"" + path + "\", \"size\": " + size + ", \"sha256\": \"" + kHashA +
         "\", \"category\": \"source_code\"" + extra + "}";
}

Status ParseErr(const std::string& text, const std::string& name = "act.json") {
  auto r = ParseManifest(text, name, Opts());
  REQUIRE_FALSE(r.ok());
  return r.status();
}

bool Has(const Status& s, const std::string& needle) {
  UNSCOPED_INFO(s.ToString());
  return s.message().find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("JSON manifest parses with Kazakh paths, dates and categories") {
  std::string text = Json(File("src/қойма/негізгі.cpp", "1234", ", \"modified\": \"2025-03-12T08:15:00Z\"") + ",\n" +
                          File("lib/x.jar", "5", ", \"table\": \"library\", \"modified\": \"12.03.2025\""));
  auto m = ParseManifest(text, "act.json", Opts());
  REQUIRE(m.ok());
  CHECK(m->application == "IS-0042");
  CHECK(m->software_name == "Е-Қойма");
  REQUIRE(m->entries.size() == 2);
  CHECK(m->entries[0].path == "src/қойма/негізгі.cpp");
  CHECK(m->entries[0].size == 1234u);
  CHECK(m->entries[0].line == 7);
  CHECK(m->entries[1].line == 8);
  CHECK(m->entries[1].table() == ActTable::kLibrary);
  CHECK(m->entries[1].modified->date_only);
  CHECK(m->entries[1].modified->ToString() == "2025-03-12");
  CHECK(m->entries[0].modified->ToString() == "2025-03-12T08:15:00Z");
}

TEST_CASE("files with the same columns share one profile and an edit copies it") {
  std::string text =
      Json(File("a.cpp") + ",\n" + File("b.cpp") + ",\n" +
           File("c.jar", "5", ", \"table\": \"library\", \"language\": \"Java\"") + ",\n" + File("d.cpp"));
  for (const std::string& t : {text, ManifestToCsv(*ParseManifest(text, "act.json", Opts()))}) {
    auto m = ParseManifest(t, "act", Opts());
    REQUIRE(m.ok());
    REQUIRE(m->entries.size() == 4);
    const auto& e = m->entries;
    CHECK(&e[0].profile() == &e[1].profile());
    CHECK(&e[0].profile() == &e[3].profile());  // not only neighbours
    CHECK(&e[2].profile() != &e[0].profile());
    CHECK(e[2].language() == "Java");
    CHECK(e[2].table() == ActTable::kLibrary);
    ManifestEntry changed = e[1];
    changed.edit_profile().framework = "Qt";
    CHECK(changed.framework() == "Qt");
    CHECK(e[0].framework().empty());
    CHECK(e[1].framework().empty());
  }
  ManifestEntry bare;  // built in memory without columns: the defaults
  CHECK(bare.category() == "source_code");
  CHECK(bare.table() == ActTable::kApplication);
}

TEST_CASE("JSON manifest round-trips through ManifestToJson") {
  auto m = ParseManifest(Json(File("a/b.c", "7", ", \"modified\": \"2025-01-02\"")), "act.json", Opts());
  REQUIRE(m.ok());
  std::string again = ManifestToJson(*m);
  auto m2 = ParseManifest(again, "again.json", Opts());
  INFO(m2.status().ToString());
  REQUIRE(m2.ok());
  CHECK(ManifestToJson(*m2) == again);
  CHECK(m2->entries[0].modified == m->entries[0].modified);
}

TEST_CASE("JSON errors name file, line and field") {
  SECTION("malformed JSON gives the line") {
    Status s = ParseErr("{\n \"format\": \"qoima-act-manifest\",\n \"version\": 1,,\n}");
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK(Has(s, "act.json:3"));
    CHECK(Has(s, "malformed JSON"));
  }
  SECTION("negative size") {
    Status s = ParseErr(Json(File("a.c", "-5")));
    CHECK(Has(s, "act.json:7: field size: is negative"));
  }
  SECTION("absurd size") {
    Status s = ParseErr(Json(File("a.c", "99999999999999999")));
    CHECK(s.code() == Code::kLimitExceeded);
    CHECK(Has(s, "field size: is absurdly large"));
  }
  SECTION("fractional size") { CHECK(Has(ParseErr(Json(File("a.c", "1.5"))), "whole number")); }
  SECTION("size given as a string") { CHECK(Has(ParseErr(Json(File("a.c", "\"12\""))), "field size")); }
  SECTION("path with ..") {
    Status s = ParseErr(Json(File("src/../../etc/passwd")));
    CHECK(Has(s, "act.json:7: field path: path contains '..'"));
  }
  SECTION("absolute path") { CHECK(Has(ParseErr(Json(File("/etc/passwd"))), "field path: path is absolute")); }
  SECTION("backslash in JSON path") { CHECK(Has(ParseErr(Json(File("src\\\\a.c"))), "field path")); }
  SECTION("date in the future") {
    Status s = ParseErr(Json(File("a.c", "1", ", \"modified\": \"2031-01-01\"")));
    CHECK(Has(s, "act.json:7: field modified: is in the future"));
  }
  SECTION("unparseable date") {
    CHECK(Has(ParseErr(Json(File("a.c", "1", ", \"modified\": \"yesterday\""))), "not a date"));
  }
  SECTION("unknown category") {
    std::string f = "    {\"path\": \"a.c\", \"size\": 1, \"sha256\": \"" + kHashA + "\", \"category\": \"secret\"}";
    Status s = ParseErr(Json(f));
    CHECK(Has(s, "act.json:7: field category: unknown category 'secret'"));
    CHECK(Has(s, "source_code"));
  }
  SECTION("bad hash") {
    std::string f = "    {\"path\": \"a.c\", \"size\": 1, \"sha256\": \"abc\", \"category\": \"libraries\"}";
    CHECK(Has(ParseErr(Json(f)), "field sha256: must be 64 hex digits"));
  }
  SECTION("duplicate path, also after NFC normalization") {
    // "й" precomposed (U+0439) and decomposed (U+0438 U+0306) are the same name.
    Status s = ParseErr(Json(File("й.txt") + ",\n" + File("и\u0306.txt")));
    CHECK(Has(s, "act.json:8: field path: duplicate path 'й.txt' (also on line 7)"));
  }
  SECTION("a file under another file") {
    CHECK(Has(ParseErr(Json(File("a") + ",\n" + File("a/b"))), "lists as a file"));
  }
  SECTION("unknown field") {
    CHECK(Has(ParseErr(Json(File("a.c", "1", ", \"szie\": 3"))), "field szie: unknown field"));
  }
  SECTION("duplicate key") {
    CHECK(Has(ParseErr(Json(File("a.c", "1", ", \"size\": 3"))), "act.json:7: field size: appears twice"));
  }
  SECTION("act for another application") {
    ManifestParseOptions o = Opts();
    o.expected_application = "IS-0099";
    auto r = ParseManifest(Json(File("a.c")), "act.json", o);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kFailedPrecondition);
    CHECK(Has(r.status(), "the act is for application 'IS-0042', not for 'IS-0099'"));
  }
  SECTION("unsupported version") {
    std::string t = Json(File("a.c"));
    t.replace(t.find("\"version\": 1"), 12, "\"version\": 2");
    CHECK(ParseErr(t).code() == Code::kUnsupported);
  }
  SECTION("deep nesting is refused") {
    std::string t = "{\"files\": [[[[[[[[[[1]]]]]]]]]]}";
    CHECK(ParseErr(t).code() == Code::kLimitExceeded);
  }
  SECTION("empty file list") { CHECK(Has(ParseErr(Json("")), "lists no files")); }
  SECTION("disc not declared") {
    std::string t = Json(File("a.c", "1", ", \"disc\": \"D2\""), "  \"discs\": [{\"marking\": \"D1\"}],\n");
    CHECK(Has(ParseErr(t), "field disc: disc 'D2' is not declared"));
  }
}

TEST_CASE("JSON files are streamed out of the parser with the same checks and order of errors") {
  SECTION("an element that is not an object") {
    Status s = ParseErr(Json(File("a.c") + ",\n    5"));
    CHECK(Has(s, "field files[1]: must be an object"));
  }
  SECTION("an array element") { CHECK(Has(ParseErr(Json(File("a.c") + ",\n    [1]")), "files[1]: must be an object")); }
  SECTION("\"files\" as an object is not read as a list of files") {
    std::string t =
        "{\"format\": \"qoima-act-manifest\", \"version\": 1, \"application\": \"IS-0042\", "
        "\"software\": {\"name\": \"x\"}, \"files\": {\"a\": " +
        File("a.c") + "}}";
    CHECK(Has(ParseErr(t), "field files: is missing or not an array"));
  }
  SECTION("\"discs\" after \"files\" still declares the discs") {
    std::string t =
        "{\"format\": \"qoima-act-manifest\", \"version\": 1, \"application\": \"IS-0042\", "
        "\"software\": {\"name\": \"x\"}, \"files\": [" +
        File("a.c", "1", ", \"disc\": \"D1\"") + "], \"discs\": [{\"marking\": \"D1\"}]}";
    auto m = ParseManifest(t, "act.json", Opts());
    INFO(m.status().ToString());
    REQUIRE(m.ok());
    CHECK(m->entries.size() == 1);
    std::string bad = t;
    const std::string declared = "\"marking\": \"D1\"";
    bad.replace(bad.find(declared), declared.size(), "\"marking\": \"D9\"");
    CHECK(Has(ParseErr(bad), "field disc: disc 'D1' is not declared"));
  }
  SECTION("an undeclared disc is named before a later field of the same file") {
    std::string t = Json(File("../a.c", "1", ", \"disc\": \"D2\""), "  \"discs\": [{\"marking\": \"D1\"}],\n");
    CHECK(Has(ParseErr(t), "act.json:8: field disc: disc 'D2' is not declared"));
  }
  SECTION("the first bad file is the one named") {
    Status s = ParseErr(Json(File("a.c") + ",\n" + File("b.c", "-1") + ",\n" + File("/c.c")));
    CHECK(Has(s, "act.json:8: field size: is negative"));
  }
  SECTION("malformed JSON after a bad file is reported as malformed") {
    Status s = ParseErr(Json(File("a.c", "-1")) + "}");
    CHECK(Has(s, "malformed JSON"));
  }
}

TEST_CASE("compact ManifestToJson (what the database keeps) parses back to the same act") {
  std::string text = Json(File("src/қойма/негізгі.cpp", "1234", ", \"modified\": \"2025-03-12T08:15:00Z\"") + ",\n" +
                          File("lib/x.jar", "5", ", \"table\": \"library\", \"language\": \"Java\""));
  auto m = ParseManifest(text, "act.json", Opts());
  REQUIRE(m.ok());
  std::string compact = ManifestToJson(*m, /*pretty=*/false);
  CHECK(compact.find('\n') == std::string::npos);
  CHECK(compact.size() < ManifestToJson(*m).size());
  auto back = ParseManifest(compact, "db.json", Opts());
  INFO(back.status().ToString());
  REQUIRE(back.ok());
  CHECK(ManifestToJson(*back) == ManifestToJson(*m));
  REQUIRE(back->entries.size() == 2);
  CHECK(back->entries[1].language() == "Java");
}

TEST_CASE("encoding problems are refused with the line") {
  SECTION("a UTF-8 BOM is read past") {
    auto m = ParseManifest("\xEF\xBB\xBF" + Json(File("a.c")), "act.json", Opts());
    REQUIRE(m.ok());
    CHECK(m->source.encoding == "UTF-8 with BOM");
    CHECK(m->entries[0].line == 7);
  }
  SECTION("UTF-16 cut short") {
    const std::string t("\xFF\xFE{\0\"\0\0", 7);  // a BOM, '{', '"' and half a character
    CHECK(Has(ParseErr(t), "act.json:1:3: ends in the middle of a UTF-16 character"));
  }
  SECTION("Windows-1251 bytes among UTF-8 lines") {
    std::string t = Json(File("a\xEA\xEE\xE4.c"));  // "код" in cp1251
    Status s = ParseErr(t);
    CHECK(Has(s, "act.json:7:16: mixes encodings: line 5 is UTF-8"));
  }
  SECTION("NUL byte") {
    std::string t = "a,b\n";
    t.push_back('\0');
    CHECK(Has(ParseErr(t, "act.csv"), "act.csv:2:1: contains a NUL character"));
  }
}

namespace {

const std::string kCsvHeader =
    "No,disc_marking,directory,file_name,size_mb,language,language_version,framework,framework_version,"
    "modified,sha256,size_bytes,category\n";

std::string CsvRow(const std::string& n, const std::string& dir, const std::string& name, const std::string& bytes,
                   const std::string& mod = "12.03.2025", const std::string& cat = "source_code") {
  return n + ",Қойма 1.2," + dir + "," + name + ",," + "C++,17,Qt,6.5," + mod + "," + kHashB + "," + bytes + "," + cat +
         "\n";
}

}  // namespace

TEST_CASE("CSV in Annex 3 column order parses, with Windows separators and semicolons") {
  std::string text = kCsvHeader + CsvRow("1", "\\src\\қойма", "main.cpp", "2048") +
                     CsvRow("2", "", "\"README, please.txt\"", "10") + ",,,,,,,,,,,,\n";
  auto m = ParseManifest(text, "act.csv", Opts());
  REQUIRE(m.ok());
  REQUIRE(m->entries.size() == 2);
  CHECK(m->format == ManifestFormat::kCsv);
  CHECK(m->entries[0].path == "src/қойма/main.cpp");
  CHECK(m->entries[0].disc() == "Қойма 1.2");
  CHECK(m->entries[0].line == 2);
  CHECK(m->entries[0].framework() == "Qt");
  CHECK(m->entries[1].path == "README, please.txt");

  std::string semi =
      "No;disc_marking;directory;file_name;size_mb;language;language_version;framework;framework_version;modified;"
      "sha256;size_bytes;category\n1;D;src;a.c;0,01;C;;;;2025-01-01;" +
      kHashA + ";100;source_code\n";
  auto s = ParseManifest(semi, "excel.csv", Opts());
  REQUIRE(s.ok());
  CHECK(s->entries[0].size == 100u);
}

TEST_CASE("CSV errors name line and field") {
  CHECK(Has(ParseErr(kCsvHeader + CsvRow("1", "src", "a.c", "-1"), "act.csv"),
            "act.csv:2: field 'size_bytes': is negative"));
  CHECK(Has(ParseErr(kCsvHeader + CsvRow("1", "src", "a.c", "12x"), "act.csv"), "act.csv:2: field 'size_bytes'"));
  CHECK(Has(ParseErr(kCsvHeader + CsvRow("1", "src", "a.c", "5", "01.01.2030"), "act.csv"),
            "act.csv:2: field 'modified': is in the future"));
  CHECK(Has(ParseErr(kCsvHeader + CsvRow("1", "src", "a.c", "5", "", "docs"), "act.csv"),
            "act.csv:2: field category: unknown category 'docs'"));
  CHECK(Has(ParseErr(kCsvHeader + CsvRow("1", "..", "a.c", "5"), "act.csv"),
            "act.csv:2: field 'directory': path contains '..'"));
  CHECK(Has(ParseErr(kCsvHeader + CsvRow("1", "src", "a.c", "5") + CsvRow("2", "/src/", "a.c", "5"), "act.csv"),
            "act.csv:3: field path: duplicate path 'src/a.c'"));
  CHECK(Has(ParseErr(kCsvHeader + "1,D,src,a.c\n", "act.csv"), "act.csv:2: field 'sha256': is empty"));
  CHECK(Has(ParseErr("a,b,c\n", "act.csv"), "is none of the accepted act forms"));
  CHECK(Has(ParseErr(kCsvHeader + "1,D,src,\"a.c,5\n", "act.csv"), "unterminated quote"));
  CHECK(Has(ParseErr(kCsvHeader + CsvRow("1", "src", "a.c", "99999999999999999"), "act.csv"), "absurdly large"));
  std::string mb = kCsvHeader + "1,D,src,a.c,5.00,,,,,," + kHashA + ",100,source_code\n";
  CHECK(Has(ParseErr(mb, "act.csv"), "act.csv:2: field 'size_mb': says 5.00 MB"));
}

TEST_CASE("sha256sum lists parse, including escaped names and a stripped prefix") {
  std::string text = kHashA + "  ./src/a.c\n" + kHashB + " *bin/app.exe\n";
  auto m = ParseManifest(text, "SHA256SUMS", Opts());
  INFO(m.status().ToString());
  REQUIRE(m.ok());
  CHECK(m->format == ManifestFormat::kSha256sum);
  REQUIRE(m->entries.size() == 2);
  CHECK(m->entries[0].path == "src/a.c");
  CHECK_FALSE(m->entries[0].size.has_value());
  CHECK(m->entries[1].category() == "executables");
  // sha256sum escapes a backslash in a name; such a name is refused, not guessed.
  CHECK(Has(ParseErr("\\" + kHashA + "  odd\\\\name.txt\n", "list"), "list:1: field filename: path contains '\\'"));

  ManifestParseOptions o = Opts();
  o.strip_prefix = "/media/usb/";
  auto abs = ParseManifest(kHashA + "  /media/usb/a.c\n", "list", o);
  REQUIRE(abs.ok());
  CHECK(abs->entries[0].path == "a.c");
  auto outside = ParseManifest(kHashA + "  /etc/passwd\n", "list", o);
  REQUIRE_FALSE(outside.ok());
  CHECK(Has(outside.status(), "list:1: field filename: path '/etc/passwd' is outside"));
  CHECK(Has(ParseErr(kHashA + "  a.c\n" + kHashA + "  ../b\n", "list"), "list:2: field filename: path contains '..'"));
  CHECK(Has(ParseErr(kHashA + "  a.c\n" + kHashB + "  a.c\n", "list"), "list:2: field path: duplicate"));
}

TEST_CASE("the stored record of a sha256sum act parses back (held intakes are accepted from it)") {
  auto list = ParseManifest(kHashA + "  src/a.c\n" + kHashB + "  README\n", "SHA256SUMS", Opts());
  REQUIRE(list.ok());
  std::string record = ManifestToJson(*list);
  // An act handed in as JSON must give sizes and names ...
  ManifestParseOptions strict = Opts();
  strict.expected_application = "IS-0042";
  auto refused = ParseManifest(record, "intake:1 manifest", strict);
  REQUIRE_FALSE(refused.ok());
  CHECK(Has(refused.status(), "application"));
  // ... the appliance's own record of a list that had none parses back whole.
  ManifestParseOptions stored = strict;
  stored.stored_record = true;
  auto back = ParseManifest(record, "intake:1 manifest", stored);
  INFO(back.status().ToString());
  REQUIRE(back.ok());
  REQUIRE(back->entries.size() == 2);
  CHECK(back->entries[0].path == "src/a.c");
  CHECK(back->entries[0].sha256 == kHashA);
  CHECK_FALSE(back->entries[0].size.has_value());
  CHECK(back->entries[1].path == "README");
  // A record whose files lack a size is still refused as an act from outside.
  strict.expected_application.clear();
  auto no_size = ParseManifest(Json("    {\"path\": \"a.c\", \"sha256\": \"" + kHashA + "\"}"), "act.json", strict);
  REQUIRE_FALSE(no_size.ok());
  CHECK(Has(no_size.status(), "size"));
}

TEST_CASE("hashdeep lists parse with any column set that has size and sha256") {
  std::string text =
      "%%%% HASHDEEP-1.0\n%%%% size,md5,sha256,filename\n## Invoked from: /home/dep\n## $ hashdeep -r src\n##\n"
      "12," +
      std::string(32, 'c') + "," + kHashA + ",src/a,b.c\n";
  auto m = ParseManifest(text, "list.hashdeep", Opts());
  REQUIRE(m.ok());
  CHECK(m->format == ManifestFormat::kHashdeep);
  REQUIRE(m->entries.size() == 1);
  CHECK(m->entries[0].path == "src/a,b.c");
  CHECK(m->entries[0].size == 12u);
  CHECK(Has(ParseErr("%%%% HASHDEEP-1.0\n%%%% md5,filename\n", "l"), "must include size and sha256"));
  CHECK(Has(ParseErr("%%%% HASHDEEP-1.0\n%%%% size,sha256,filename\n-1," + kHashA + ",a\n", "l"),
            "l:3: field size: is negative"));
}

TEST_CASE("manifest dates accept the forms clerks write") {
  CHECK(ParseManifestDate("2025-03-12")->ToString() == "2025-03-12");
  CHECK(ParseManifestDate("12.03.2025")->ToString() == "2025-03-12");
  CHECK(ParseManifestDate("2025-03-12T13:15:00+05:00")->ToString() == "2025-03-12T08:15:00Z");
  CHECK(ParseManifestDate("12.03.2025 13:15")->ToString() == "2025-03-12T08:15:00Z");
  CHECK_FALSE(ParseManifestDate("2025-02-30"));
  CHECK_FALSE(ParseManifestDate("32.01.2025"));
  CHECK_FALSE(ParseManifestDate("2025-03-12T25:00:00Z"));
}

TEST_CASE("CSV export lists the Annex 3 columns in order and parses back") {
  auto m = ParseManifest(Json(File("src/a.c", "2000", ", \"modified\": \"2025-01-02\"")), "act.json", Opts());
  REQUIRE(m.ok());
  std::string csv = ManifestToCsv(*m);
  CHECK(csv.rfind("No,disc_marking,directory,file_name,size_mb,language,language_version,framework,", 0) == 0);
  auto back = ParseManifest(csv, "act.csv", Opts());
  REQUIRE(back.ok());
  CHECK(back->entries[0].path == "src/a.c");
  CHECK(back->entries[0].size == 2000u);
}

TEST_CASE("a JSON manifest file is read in pieces with the same result and the same errors as its text") {
  using qoima::testing::TempDir;
  using qoima::testing::WriteFile;
  auto Repeat = [](const std::string& s, int n) {
    std::string out;
    for (int k = 0; k < n; ++k) out += s;
    return out;
  };
  TempDir dir;
  const std::string path = dir.Sub("act.json");
  // ~3 MiB: several of the reader's 1 MiB pieces, with two-byte Kazakh
  // letters (one of them cut by a piece's end) on every line.
  std::string files;
  for (int i = 0; i < 12000; ++i) {
    if (i) files += ",\n";
    files += File("қойма/бума-" + std::to_string(i / 100) + "/файл-" + std::to_string(i) + "-" + Repeat("ә", i % 97) +
                  ".cpp");
  }
  const std::string text = Json(files);
  REQUIRE(text.size() > (3u << 20) / 2);
  WriteFile(path, text);
  auto from_file = LoadManifestFile(path, Opts());
  auto from_text = ParseManifest(text, path, Opts());
  REQUIRE(from_file.ok());
  REQUIRE(from_text.ok());
  CHECK(from_file->digest == Sha256Hex(text));
  CHECK(ManifestToJson(*from_file) == ManifestToJson(*from_text));
  CHECK(from_file->entries.back().line == from_text->entries.back().line);

  // Each defect, placed past the first piece, is reported as for the text.
  const size_t far = (1u << 20) + 4321;
  std::vector<std::pair<std::string, std::string>> broken;
  auto at_line_start = [&](size_t from) { return text.find("\n    {", from) + 1; };
  std::string t = text;
  t[far] = '\xff';  // not UTF-8
  broken.push_back({"invalid UTF-8", t});
  t = text;
  t[far] = '\0';
  broken.push_back({"NUL byte", t});
  t = text;
  t.insert(at_line_start(far), "    {\"path\": ,\n");  // malformed JSON
  broken.push_back({"malformed JSON", t});
  t = text;
  t.insert(at_line_start(far) + 5, "\"size\": 3, ");  // a key twice in one object
  broken.push_back({"duplicate key", t});
  t = text;
  t.insert(at_line_start(far + 5000),
           "    {\"path\": \"../x\", \"size\": 1, \"sha256\": \"" + kHashA + "\", \"category\": \"source_code\"},\n");
  broken.push_back({"path climbing out", t});
  t = text;
  t.resize(t.size() - 1);
  t.back() = '\xd2';  // ends inside a two-byte letter
  broken.push_back({"cut UTF-8 at the end", t});
  for (const auto& [what, bytes] : broken) {
    INFO(what);
    WriteFile(path, bytes);
    auto f = LoadManifestFile(path, Opts());
    auto m = ParseManifest(bytes, path, Opts());
    REQUIRE_FALSE(f.ok());
    REQUIRE_FALSE(m.ok());
    CHECK(f.status().message() == m.status().message());
    CHECK(f.status().code() == m.status().code());
  }
}
