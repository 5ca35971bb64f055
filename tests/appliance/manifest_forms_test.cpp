// The act forms depositors bring, read from the corpus in
// tests/appliance/acts/ (made by the real tools, or byte-exact copies of what
// Windows tools write: see make_acts.sh there), and each way a file can be
// none of them.
#include <catch2/catch.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "appliance/act_manifest.h"
#include "appliance/manifest_parser.h"
#include "appliance/sha256_digest.h"
#include "tests/fixtures/temp_dir.h"

using namespace qoima;
using namespace qoima::appliance;

namespace {

// 2026-01-01T00:00:00Z
constexpr int64_t kNow = 1767225600;

const std::string kActs = std::string(QOIMA_SOURCE_DIR) + "/tests/appliance/acts/";

const std::vector<std::string> kTreeFiles = {"src/main.cpp", "src/Сервис/Обработчик.java", "lib/commons-io-2.11.0.jar",
                                             "docs/Руководство пользователя.txt", "build.gradle"};

ManifestParseOptions Opts() {
  ManifestParseOptions o;
  o.now_unix = kNow;
  return o;
}

Result<ActManifest> Load(const std::string& name, const ManifestParseOptions& o = Opts()) {
  return LoadManifestFile(kActs + name, o);
}

bool Has(const Status& s, const std::string& needle) {
  UNSCOPED_INFO(s.ToString());
  return s.message().find(needle) != std::string::npos;
}

Status LoadErr(const std::string& name, const ManifestParseOptions& o = Opts()) {
  auto m = Load(name, o);
  REQUIRE_FALSE(m.ok());
  return m.status();
}

Status ParseErr(const std::string& text, const std::string& name = "act") {
  auto m = ParseManifest(text, name, Opts());
  REQUIRE_FALSE(m.ok());
  return m.status();
}

// The act lists exactly the corpus tree, each file with its real SHA-256
// (when the act gives checksums) and size (when it gives one in bytes).
void CheckListsTree(const ActManifest& m) {
  std::map<std::string, const ManifestEntry*> by_path;
  for (const auto& e : m.entries) by_path[e.path] = &e;
  CHECK(by_path.size() == kTreeFiles.size());
  for (const auto& f : kTreeFiles) {
    INFO(f);
    auto it = by_path.find(f);
    REQUIRE(it != by_path.end());
    const ManifestEntry& e = *it->second;
    const std::string disk = kActs + "tree/" + f;
    if (m.has_checksums) {
      CHECK(e.sha256 == *Sha256FileHex(disk));
    } else {
      CHECK(e.sha256.empty());
    }
    const auto size = static_cast<uint64_t>(qoima::testing::ReadFile(disk).size());
    if (e.size) CHECK(*e.size == size);
    if (auto d = e.declared_size()) CHECK(d->Admits(size));
  }
}

// A zip made with libarchive (the real library) from name -> content.
std::string Zip(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out;
  std::unique_ptr<archive, decltype(&archive_write_free)> a(archive_write_new(), archive_write_free);
  REQUIRE(archive_write_set_format_zip(a.get()) == ARCHIVE_OK);
  size_t used = 0;
  std::string buf(256u << 20, '\0');
  REQUIRE(archive_write_open_memory(a.get(), buf.data(), buf.size(), &used) == ARCHIVE_OK);
  for (const auto& [name, content] : entries) {
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(content.size()));
    REQUIRE(archive_write_header(a.get(), e.get()) == ARCHIVE_OK);
    REQUIRE(archive_write_data(a.get(), content.data(), content.size()) == static_cast<la_ssize_t>(content.size()));
  }
  REQUIRE(archive_write_close(a.get()) == ARCHIVE_OK);
  return buf.substr(0, used);
}

// A minimal .docx: word/document.xml holding `body`.
std::string Docx(const std::string& body) {
  return Zip({{"[Content_Types].xml", "<Types/>"},
              {"word/document.xml",
               "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document "
               "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>" +
                   body + "</w:body></w:document>"}});
}

std::string WordTable(const std::vector<std::vector<std::string>>& rows) {
  std::string t = "<w:tbl>";
  for (const auto& r : rows) {
    t += "<w:tr>";
    for (const auto& c : r) t += "<w:tc><w:p><w:r><w:t>" + c + "</w:t></w:r></w:p></w:tc>";
    t += "</w:tr>";
  }
  return t + "</w:tbl>";
}

Result<ActManifest> ParseBytes(const std::string& bytes, const ManifestParseOptions& o = Opts()) {
  return ParseManifest(bytes, "act.docx", o);
}

}  // namespace

// ---- lists made by hash tools ---------------------------------------------------

TEST_CASE("GNU sha256sum and openssl -r lists read in text and binary mode") {
  for (const char* name : {"gnu-sha256sum.txt", "gnu-sha256sum-binary.txt", "openssl-r.txt"}) {
    INFO(name);
    auto m = Load(name);
    REQUIRE(m.ok());
    CHECK(m->format == ManifestFormat::kSha256sum);
    CHECK(m->source.encoding == "UTF-8");
    CHECK(m->has_checksums);
    CheckListsTree(*m);
  }
}

TEST_CASE("BSD-style lists read: sha256sum --tag shasum --tag and openssl dgst") {
  for (const char* name : {"gnu-sha256sum-tag.txt", "shasum-tag.txt", "openssl-dgst.txt"}) {
    INFO(name);
    auto m = Load(name);
    REQUIRE(m.ok());
    CHECK(m->format == ManifestFormat::kBsdTag);
    CheckListsTree(*m);
  }
  auto md5 = ParseManifest("MD5 (a.c) = d41d8cd98f00b204e9800998ecf8427e\n", "list", Opts());
  REQUIRE_FALSE(md5.ok());
  CHECK(Has(md5.status(), "list:1:1: field algorithm: is 'MD5'; only SHA-256 lists are accepted"));
}

TEST_CASE("a hashdeep list reads with its sizes") {
  auto m = Load("hashdeep.txt");
  REQUIRE(m.ok());
  CHECK(m->format == ManifestFormat::kHashdeep);
  CheckListsTree(*m);
  for (const auto& e : m->entries) CHECK(e.size.has_value());
}

TEST_CASE("a list made on a stick mounted at /media/usb has the mount point removed and says so") {
  auto m = Load("sha256sum-media-usb.txt");
  REQUIRE(m.ok());
  CHECK(m->source.stripped_prefix == "/media/usb/");
  CheckListsTree(*m);
  // Another root on one line is refused, naming the line.
  std::string text = qoima::testing::ReadFile(kActs + "sha256sum-media-usb.txt");
  text += std::string(64, 'a') + "  /media/other/x.c\n";
  auto bad = ParseManifest(text, "list", Opts());
  REQUIRE_FALSE(bad.ok());
  CHECK(Has(bad.status(), "list:6: field filename: path '/media/other/x.c' does not lie under '/media/usb/'"));
  // A path that starts at no medium's root asks for --strip-prefix.
  auto home = ParseManifest(std::string(64, 'a') + "  /home/dep/proj/a.c\n", "list", Opts());
  REQUIRE_FALSE(home.ok());
  CHECK(Has(home.status(), "--strip-prefix '/home/dep/proj/'"));
  ManifestParseOptions o = Opts();
  o.strip_prefix = "/home/dep/proj";
  auto given = ParseManifest(std::string(64, 'a') + "  /home/dep/proj/a.c\n", "list", o);
  REQUIRE(given.ok());
  CHECK(given->entries[0].path == "a.c");
}

TEST_CASE("PowerShell Get-FileHash exported by Windows PowerShell 5.1 with UTF8 and by PowerShell 7 reads") {
  for (const char* name : {"powershell51-utf8.csv", "powershell7.csv"}) {
    INFO(name);
    auto m = Load(name);
    REQUIRE(m.ok());
    CHECK(m->format == ManifestFormat::kPowerShell);
    CHECK(m->source.stripped_prefix == "D:\\");
    CheckListsTree(*m);
  }
  CHECK(Load("powershell51-utf8.csv")->source.encoding == "UTF-8 with BOM");
  CHECK(Load("powershell7.csv")->source.encoding == "UTF-8");
}

TEST_CASE("Windows PowerShell 5.1's default ASCII export is refused: it lost the names' letters") {
  Status s = LoadErr("powershell51-ascii.csv");
  CHECK(Has(s, "powershell51-ascii.csv:4: field Path: path 'D:\\src\\??????\\??????????.java' contains '?'"));
  CHECK(Has(s, "-Encoding UTF8"));
}

TEST_CASE("HashCheck Total Commander and 7-Zip lists read with CRLF stars backslashes and upper-case hex") {
  for (const char* name : {"hashcheck.sha256", "totalcmd.sha256", "7zip.sha256"}) {
    INFO(name);
    auto m = Load(name);
    REQUIRE(m.ok());
    CHECK(m->format == ManifestFormat::kSha256sum);
    CHECK(m->source.stripped_prefix.empty());
    CheckListsTree(*m);
  }
  CHECK(Load("hashcheck.sha256")->source.encoding == "UTF-8 with BOM");
}

// ---- tables -------------------------------------------------------------------------------

TEST_CASE("Excel CSV UTF-8 with BOM semicolons and the Russian form reads; its remark is kept as a note") {
  auto m = Load("excel-csv-utf8.csv");
  REQUIRE(m.ok());
  CHECK(m->format == ManifestFormat::kCsv);
  CHECK(m->source.encoding == "UTF-8 with BOM");
  CHECK(m->has_checksums);
  CheckListsTree(*m);
  REQUIRE(m->entries.size() == 5);
  const ManifestEntry& jar = m->entries[2];
  CHECK(jar.path == "lib/commons-io-2.11.0.jar");
  CHECK(jar.notes() == "Примечание: сторонняя библиотека");
  CHECK(jar.disc() == "Хранилище 1.0 диск 1");
  CHECK(m->entries[1].framework() == "Spring");
  CHECK(m->entries[1].modified->ToString() == "2025-03-12");
  CHECK(m->entries[0].category() == "source_code");
  CHECK(m->source.columns.find("'Примечание' = note") != std::string::npos);
  CHECK(m->source.columns.find("'Размер файла, Мбайт' = size (MB)") != std::string::npos);
}

TEST_CASE("Excel Unicode text reads as an act without checksums: sizes in MB to three decimals and dates") {
  auto m = Load("excel-unicode-text.txt");
  REQUIRE(m.ok());
  CHECK(m->format == ManifestFormat::kCsv);
  CHECK(m->source.encoding == "UTF-16LE");
  CHECK_FALSE(m->has_checksums);
  CheckListsTree(*m);
  const ManifestEntry& jar = m->entries[2];
  REQUIRE(jar.declared_size());
  CHECK(jar.declared_size()->ToString() == "0.200 MB");
  CHECK_FALSE(jar.size.has_value());
  CHECK(jar.disc() == "Қойма 1.0 диск 1");
  // 0.200 MB admits 0.1995..0.2005 MiB or 10^6 bytes, nothing wider.
  CHECK(jar.declared_size()->Admits(210000));
  CHECK_FALSE(jar.declared_size()->Admits(210700));
}

TEST_CASE("a Windows-1251 CSV with a title line above its table reads and says it was Windows-1251") {
  auto m = Load("excel-1251.csv");
  REQUIRE(m.ok());
  CHECK(m->source.encoding == "Windows-1251");
  CHECK_FALSE(m->has_checksums);
  CheckListsTree(*m);
  CHECK(m->entries[0].line == 3);  // the title, the header, then the files
  CHECK(m->entries[1].path == "src/Сервис/Обработчик.java");
}

TEST_CASE("a LibreOffice workbook reads both sheets with the merged disc marking and the shown precision") {
  auto m = Load("libreoffice-annex3-ru.xlsx");
  REQUIRE(m.ok());
  CHECK(m->format == ManifestFormat::kXlsx);
  CHECK(m->source.encoding.empty());
  CHECK(m->source.part == "sheet 'Прикладное ПО' and sheet 'Библиотеки' of 2 sheets");
  CHECK(m->has_checksums);
  CheckListsTree(*m);
  std::map<std::string, const ManifestEntry*> by;
  for (const auto& e : m->entries) by[e.path] = &e;
  const ManifestEntry& jar = *by["lib/commons-io-2.11.0.jar"];
  CHECK(jar.table() == ActTable::kLibrary);
  CHECK(jar.line == 3);  // its sheet's row (title, header, file)
  // A size in MB with no bytes: a checksum is there, so the figure is the declared size.
  REQUIRE(jar.declared_size());
  CHECK(jar.declared_size()->ToString() == "0.200 MB");  // the cell holds 0.2, shown as 0,200
  for (const auto& e : m->entries) {
    CHECK(e.disc() == "Хранилище 1.0 диск 1");  // merged down the rows
    REQUIRE(e.modified);
    CHECK(e.modified->ToString() == "2025-03-12");  // a date cell (serial 45728)
  }
  CHECK(by["src/main.cpp"]->table() == ActTable::kApplication);
}

TEST_CASE("a workbook sheet saved as CSV by LibreOffice reads") {
  auto m = Load("libreoffice-annex3-ru.csv");
  REQUIRE(m.ok());
  CHECK(m->format == ManifestFormat::kCsv);
  REQUIRE(m->entries.size() == 4);  // the first sheet: the application's files
  for (const auto& e : m->entries) CHECK(e.disc() == "Хранилище 1.0 диск 1");
}

TEST_CASE("a Word document with both Annex 3 tables reads them: the libraries are table 2") {
  auto m = Load("libreoffice-annex3-kk.docx");
  REQUIRE(m.ok());
  CHECK(m->format == ManifestFormat::kDocx);
  CHECK(m->source.part == "table 1 and table 2 of 2 tables");
  CHECK_FALSE(m->has_checksums);
  CheckListsTree(*m);
  REQUIRE(m->entries.size() == 5);
  CHECK(m->entries[0].line == 3);  // header, the column-number row, then the files
  CHECK(m->entries[0].path == "src/main.cpp");
  CHECK(m->entries[1].framework() == "Spring");
  CHECK(m->entries[3].disc() == "Қойма 1.0 диск 1");  // a cell merged down from row 3
  const ManifestEntry& jar = m->entries[4];
  CHECK(jar.path == "lib/commons-io-2.11.0.jar");
  CHECK(jar.table() == ActTable::kLibrary);
  CHECK(jar.language_version() == "2.11.0");
}

TEST_CASE("a Word document with two act tables is refused listing them and --table picks one") {
  Status s = LoadErr("libreoffice-two-acts.docx");
  CHECK(Has(s, "holds several tables that look like an act; choose one with --table N"));
  CHECK(Has(s, "- table 1 (7 rows)"));
  CHECK(Has(s, "- table 2 (4 rows)"));
  ManifestParseOptions o = Opts();
  o.table = 2;
  auto second = Load("libreoffice-two-acts.docx", o);
  REQUIRE(second.ok());
  CHECK(second->entries.size() == 2);
  CHECK(second->source.part == "table 2 of 2 tables");
  o.table = 3;
  CHECK(Has(LoadErr("libreoffice-two-acts.docx", o), "--table 3: it holds 2 tables"));
}

// ---- encodings ----------------------------------------------------------------------------

TEST_CASE("encodings: BOMs are dropped UTF-16BE decodes and the digest is of the bytes presented") {
  const std::string text = std::string(64, 'a') + "  src/қойма.c\n";
  std::string be = "\xFE\xFF";
  // UTF-16BE of `text`.
  std::u16string u16;
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    uint32_t cp = c;
    size_t n = 1;
    if (c >= 0xC0) {
      cp = ((c & 0x1F) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3F);
      n = 2;
    }
    u16.push_back(static_cast<char16_t>(cp));
    i += n;
  }
  for (char16_t u : u16) {
    be += static_cast<char>(u >> 8);
    be += static_cast<char>(u & 0xFF);
  }
  auto m = ParseManifest(be, "list", Opts());
  REQUIRE(m.ok());
  CHECK(m->source.encoding == "UTF-16BE");
  CHECK(m->entries[0].path == "src/қойма.c");
  CHECK(m->digest == Sha256Hex(be));
  auto bom = ParseManifest("\xEF\xBB\xBF" + text, "list", Opts());
  REQUIRE(bom.ok());
  CHECK(bom->digest == Sha256Hex("\xEF\xBB\xBF" + text));
  CHECK(bom->digest != m->digest);
}

TEST_CASE("encoding problems name the line and the column") {
  SECTION("a NUL") {
    std::string t = "a;b\nc;d";
    t.push_back('\0');
    CHECK(Has(ParseErr(t), "act:2:4: contains a NUL character"));
  }
  SECTION("UTF-8 lines and Windows-1251 lines in one file") {
    std::string t = "№;Файл атауы;SHA-256\n1;\xE0\xE1.c;x\n";  // line 2: "аб" in Windows-1251
    CHECK(Has(ParseErr(t),
              "act:2:3: mixes encodings: line 1 is UTF-8 (from column 1), line 2 is not (byte 0xE0 at "
              "column 3)"));
  }
  SECTION("a byte that is no character in UTF-8 or Windows-1251") {
    CHECK(Has(ParseErr("a\x98\xE0\xE1;b\n"), "act:1:2: byte 0x98 is neither UTF-8 nor a Windows-1251 character"));
  }
  SECTION("a lone UTF-16 surrogate") {
    std::string t(
        "\xFF\xFE"
        "a\0\n\0b\0\x00\xDC",
        10);
    CHECK(Has(ParseErr(t), "act:2:2: a lone UTF-16 low surrogate"));
  }
  SECTION("an odd number of UTF-16 bytes") {
    std::string t(
        "\xFF\xFE"
        "a\0b",
        5);
    CHECK(Has(ParseErr(t), "ends in the middle of a UTF-16 character"));
  }
  SECTION("a BOM on bytes that are not UTF-8") {
    CHECK(Has(ParseErr("\xEF\xBB\xBF"
                       "a\xE0;b\n"),
              "act:1:2: is not valid UTF-8 (byte 0xE0), yet it begins with a "
              "UTF-8 byte order mark"));
  }
  SECTION("damaged UTF-8 among UTF-8 letters on the same line") {
    CHECK(Has(ParseErr("ққққ\xD2;b\n"), "act:1:5: is not valid UTF-8 (byte 0xD2 in the middle of UTF-8 text)"));
  }
  SECTION("a JSON act in Windows-1251") {
    CHECK(Has(ParseErr("{\"a\": \"\xEA\xEE\xE4\"}\n"), "is a JSON act that is not UTF-8"));
  }
}

// ---- tables by header ---------------------------------------------------------------------

TEST_CASE("Annex 3 headers are found in Kazakh Russian and English in any order with units and case") {
  const std::string h = std::string(64, 'b');
  struct Case {
    const char* header;
    const char* row;
  };
  const Case cases[] = {
      // Kazakh (seed 001 Annex 3), its library table, English, Russian, and our own CSV.
      {"р/с №\tДискіні таңбалау ((бағдарламалық жасақтаманың атауы және нұсқасы)\tДискідегі каталогтың атауы\t"
       "Файлдың атауы\tФайлдың көлемі, Мбайт\tФайл түрлендірілген күні",
       "1\tD\t\\src\tmain.cpp\t0,001\t12.03.2025"},
      {"Item №,Disc labeling (name and software version),Directory name on disk,File name,\"File size, MB\"",
       "1,D,/src,main.cpp,0.001"},
      {"  ФАЙЛДЫҢ  АТАУЫ ;Дискідегі каталогтың атауы;КӨЛЕМІ,МБАЙТ", "main.cpp;src;0,001"},
      {"Наименование файла;Наименование каталога на диске;Размер файла (байт)", "main.cpp;src;100"},
  };
  for (const auto& c : cases) {
    INFO(c.header);
    auto m = ParseManifest(std::string(c.header) + "\n" + c.row + "\n", "act.csv", Opts());
    REQUIRE(m.ok());
    REQUIRE(m->entries.size() == 1);
    CHECK(m->entries[0].path == "src/main.cpp");
    CHECK_FALSE(m->has_checksums);
  }
  auto lib = ParseManifest(
      "Кітапхана/ бағдарламалық платформа/файл атауы;Көлемі, Мбайт;Кітапхана нұсқасы;SHA-256\nx.jar;0,5;2.1;" + h +
          "\n",
      "act.csv", Opts());
  REQUIRE(lib.ok());
  CHECK(lib->entries[0].table() == ActTable::kLibrary);
  CHECK(lib->entries[0].language_version() == "2.1");
  CHECK(lib->has_checksums);
  // Our own CSV (ManifestToCsv): its English names.
  auto own = ParseManifest(
      "No,disc_marking,directory,file_name,size_mb,language,language_version,framework,framework_version,modified,"
      "sha256,size_bytes,category,table\n1,D,src,a.c,0.01,C,,,,2025-01-01," +
          h + ",100,source_code,library\n",
      "act.csv", Opts());
  REQUIRE(own.ok());
  CHECK(own->entries[0].size == 100u);
  CHECK(own->entries[0].table() == ActTable::kLibrary);
  CHECK_FALSE(own->entries[0].declared_size());  // exact bytes given: the MB figure was only checked
}

TEST_CASE("table sizes: decimal comma digit groups and the precision each figure gives") {
  const std::string head = "Файл;Размер, МБ;Размер, байт\n";
  auto ok = ParseManifest(head + "a.c;1,177;1 234 567\n", "act.csv", Opts());
  REQUIRE(ok.ok());
  CHECK(ok->entries[0].size == 1234567u);
  CHECK(Has(ParseErr(head + "a.c;1,3;1 234 567\n", "act.csv"),
            "act.csv:2: field 'Размер, МБ': says 1,3 MB but 'Размер, байт' says 1234567 bytes"));
  auto zeros = ParseManifest("Файл;Размер\na.c;1 234,00\n", "act.csv", Opts());
  REQUIRE(zeros.ok());
  CHECK(zeros->entries[0].size == 1234u);
  CHECK(Has(ParseErr("Файл;Размер\na.c;1,5\n", "act.csv"),
            "act.csv:2: field 'Размер': is not a whole number of bytes (1,5); if the column is in MB, say so"));

  DeclaredSize three = *DeclaredSize::Parse("1,234", SizeUnit::kMegabytes);
  CHECK(three.ToString() == "1.234 MB");
  // 1.234 MB is 1.2335..1.2345 x 2^20 or x 10^6 bytes.
  CHECK(three.Admits(1293419));  // 1.2335 MiB is 1293418.5 bytes
  CHECK_FALSE(three.Admits(1293418));
  CHECK(three.Admits(1294467));  // 1.2345 MiB is 1294467.1 bytes
  CHECK_FALSE(three.Admits(1294468));
  CHECK(three.Admits(1234499));  // and 10^6-byte megabytes: 1233500..1234500
  CHECK(three.Admits(1233500));
  CHECK_FALSE(three.Admits(1233499));
  DeclaredSize smallest = *DeclaredSize::Parse("0,01", SizeUnit::kMegabytes);
  CHECK(smallest.Admits(13));  // the figure acts write for a tiny file
  CHECK_FALSE(smallest.Admits(0));
  CHECK(DeclaredSize::Parse("12", SizeUnit::kKilobytes)->Admits(12 * 1024));
  CHECK(DeclaredSize::Parse("0.12345678912345", SizeUnit::kMegabytes)->ToString() == "0.123456789 MB");
  CHECK_FALSE(DeclaredSize::Parse("-1", SizeUnit::kMegabytes));
  CHECK_FALSE(DeclaredSize::Parse("1,2,3", SizeUnit::kMegabytes));
  CHECK_FALSE(DeclaredSize::Parse("99999999", SizeUnit::kGigabytes));  // beyond 4 TiB
  CHECK(DeclaredSize::FromString("1.234 MB") == three);
}

TEST_CASE("table problems are refused naming the line the column and both headers") {
  const std::string h = std::string(64, 'c');
  CHECK(Has(ParseErr("Имя файла;Наименование файла;SHA-256\na;b;" + h + "\n", "act.csv"),
            "act.csv:1: two columns both look like the file name: 'Имя файла' (column 1) and 'Наименование файла' "
            "(column 2)"));
  CHECK(Has(ParseErr("Путь;Имя файла;SHA-256\na;b;" + h + "\n", "act.csv"),
            "two columns both give the file's path: 'Путь' (column 1) and 'Имя файла' (column 2)"));
  CHECK(Has(ParseErr("Файл;Язык\na.c;C\n", "act.csv"), "act.csv:1: neither a SHA-256 nor a size column"));
  CHECK(Has(ParseErr("Файл;SHA-256\na.c;" + h + "\nb.c;\n", "act.csv"),
            "act.csv:3: field 'SHA-256': is empty; the act has a SHA-256 column"));
  CHECK(Has(ParseErr("Файл;SHA-256\na.c;" + h + ";extra\n", "act.csv"),
            "act.csv:2:3: has 3 fields, the header has 2: column 3 holds 'extra' under no header"));
  CHECK(Has(ParseErr("Файл;Размер, МБ\na.c;\n", "act.csv"),
            "act.csv:2: field 'Размер, МБ': is empty; an act without checksums must give every file's size"));
  CHECK(Has(ParseErr("Файл;Размер, МБ;Дата изменения\na.c;1;31.02.2025\n", "act.csv"),
            "field 'Дата изменения': is not a date ('31.02.2025'"));
  CHECK(Has(ParseErr("Файл;SHA-256\n\"a.c;" + h + "\n", "act.csv"), "act.csv:2:1: unterminated quote"));
  // Blank rows, the column-number row and a totals row are not files.
  auto m = ParseManifest("Файл;Размер, байт\n1;2\na.c;5\n;\nИтого;5\n", "act.csv", Opts());
  REQUIRE(m.ok());
  CHECK(m->entries.size() == 1);
}

TEST_CASE("a file that is none of the forms is refused naming each form tried and why") {
  Status s = ParseErr("Здравствуйте,\nвот наш список файлов.\n", "letter.txt");
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(Has(s, "letter.txt: is none of the accepted act forms (read as UTF-8 text); tried:"));
  for (const auto& f : ManifestFormats()) CHECK(Has(s, "\n  - " + f.name + " ("));
  CHECK(Has(s, "- json (our JSON act): line 1, column 1: starts with 'З', not '{'"));
  CHECK(Has(s,
            "- sha256sum (a list of \"HEX  name\" or \"HEX *name\" lines): line 1, column 1: expected 64 hex "
            "digits"));
  CHECK(Has(s, "- docx (a Word document holding the Annex 3 table): not a zip container"));
  // A zip that is neither.
  Status zip =
      ParseErr(Zip({{"mimetype", "application/vnd.oasis.opendocument.text"}, {"content.xml", "<a/>"}}), "act.odt");
  CHECK(Has(zip, "- docx (a Word document holding the Annex 3 table): the zip holds no word/document.xml"));
  CHECK(Has(zip, "- xlsx (an Excel workbook with the table on a sheet): the zip holds no xl/workbook.xml"));
  CHECK(Has(zip, "- csv (a table with a header row, as CSV or tab-separated text): a zip container"));
}

TEST_CASE("old Office files and --table on a text act are refused with what to do") {
  Status ole = ParseErr(std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + std::string(504, '\0'), "act.doc");
  CHECK(Has(ole,
            "act.doc: is a Word 97-2003 (.doc) or Excel 97-2003 (.xls) file, or an Office file protected with "
            "a password: save it as .docx or .xlsx"));
  ManifestParseOptions o = Opts();
  o.table = 2;
  CHECK(Has(LoadErr("excel-csv-utf8.csv", o), "--table 2 names a table of a Word or Excel file"));
}

TEST_CASE("every form of the format table is described in docs/act-manifest.md") {
  const std::string doc = qoima::testing::ReadFile(std::string(QOIMA_SOURCE_DIR) + "/docs/act-manifest.md");
  for (const auto& f : ManifestFormats()) {
    INFO(f.name);
    CHECK(doc.find("| `" + f.name + "` |") != std::string::npos);
    CHECK(ManifestFormatFromName(f.name) == f.format);
  }
}

// ---- hostile Word and Excel files -----------------------------------------------------

TEST_CASE("hostile Word and Excel files are refused within their limits") {
  const std::string header = WordTable({{"Файл", "SHA-256"}, {"a.c", std::string(64, 'd')}});
  REQUIRE(ParseBytes(Docx(header)).ok());
  SECTION("a DTD (entity expansion) is refused before it is read") {
    std::string doc = "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]><d>&b;</d>";
    auto m = ParseBytes(Zip({{"word/document.xml", doc}}));
    REQUIRE_FALSE(m.ok());
    CHECK(Has(m.status(), "word/document.xml declares a DTD"));
  }
  SECTION("deep nesting") {
    std::string deep;
    for (int i = 0; i < 100; ++i) deep += "<w:sdt>";
    auto m = ParseBytes(Docx(deep));
    REQUIRE_FALSE(m.ok());
    CHECK(m.status().code() == Code::kLimitExceeded);
    CHECK(Has(m.status(), "nests elements deeper than 64 levels"));
  }
  SECTION("a part that expands far beyond the file's size") {
    auto m = ParseBytes(Docx(header + "<w:p><w:r><w:t>" + std::string(40u << 20, ' ') + "</w:t></w:r></w:p>"));
    REQUIRE_FALSE(m.ok());
    CHECK(m.status().code() == Code::kLimitExceeded);
    CHECK(Has(m.status(), "its parts expand to more than"));
  }
  SECTION("malformed XML names the part line and column") {
    auto m = ParseBytes(Zip({{"word/document.xml", "<document>\n<body></document>"}}));
    REQUIRE_FALSE(m.ok());
    CHECK(Has(m.status(), "word/document.xml is not well-formed XML (line 2"));
  }
  SECTION("a cell of more than 16 KiB") {
    auto m = ParseBytes(Docx(WordTable({{"Файл", "SHA-256"}, {std::string(17000, 'x'), "y"}})));
    REQUIRE_FALSE(m.ok());
    CHECK(Has(m.status(), "a table cell holds more than 16384 bytes"));
  }
  SECTION("a broken zip") {
    std::string z = Docx(header);
    z.resize(z.size() / 2);
    CHECK_FALSE(ParseBytes(z).ok());
  }
  SECTION("no table") {
    auto m = ParseBytes(Docx("<w:p><w:r><w:t>Акт</w:t></w:r></w:p>"));
    REQUIRE_FALSE(m.ok());
    CHECK(Has(m.status(), "holds no table"));
  }
  SECTION("a workbook's cell pointing past its shared strings") {
    const std::string sheet =
        "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c></row>"
        "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>7</v></c></row></sheetData></worksheet>";
    auto m = ParseBytes(Zip({{"xl/workbook.xml",
                              "<workbook><sheets><sheet name=\"S\" r:id=\"rId1\" "
                              "xmlns:r=\"http://r\"/></sheets></workbook>"},
                             {"xl/_rels/workbook.xml.rels",
                              "<Relationships><Relationship Id=\"rId1\" Target=\"worksheets/s.xml\"/></Relationships>"},
                             {"xl/sharedStrings.xml", "<sst><si><t>Файл</t></si><si><t>SHA-256</t></si></sst>"},
                             {"xl/worksheets/s.xml", sheet}}));
    REQUIRE_FALSE(m.ok());
    CHECK(Has(m.status(), "a cell refers to shared string 7 of 2"));
  }
}

TEST_CASE("an act without checksums keeps its declared sizes and notes in the appliance's record") {
  auto m = Load("libreoffice-annex3-kk.docx");
  REQUIRE(m.ok());
  const std::string record = ManifestToJson(*m, false);
  CHECK(record.find("\"checksums\":false") != std::string::npos);
  CHECK(record.find("\"size_declared\":\"0.200 MB\"") != std::string::npos);
  ManifestParseOptions o = Opts();
  o.stored_record = true;
  auto back = ParseManifest(record, "intake:1 manifest", o);
  REQUIRE(back.ok());
  CHECK_FALSE(back->has_checksums);
  CHECK(ManifestToJson(*back, false) == record);
  // An act from outside that says it has checksums must give them.
  std::string lying = record;
  lying.replace(lying.find("\"checksums\":false,"), 18, "");
  auto refused = ParseManifest(lying, "act.json", o);
  REQUIRE_FALSE(refused.ok());
  CHECK(Has(refused.status(), "field sha256: is missing"));
  // Moved to the compact table, the same entries come back.
  ManifestParseOptions compact = Opts();
  compact.compact_after_entries = 2;
  auto spilled = Load("libreoffice-annex3-kk.docx", compact);
  REQUIRE(spilled.ok());
  REQUIRE(spilled->compact);
  std::string from_file;
  REQUIRE(WriteManifestJson(*spilled, false, [&](std::string_view t) { from_file += t; }).ok());
  CHECK(from_file == record);
}

TEST_CASE("every corpus act with bytes flipped is read or refused with a message naming it") {
  // Deterministic damage spread over each file: a byte inverted, a NUL, a
  // quote, a newline, a high byte; each result is a manifest or a message
  // naming the file (sanitizers catch the rest).
  size_t parsed = 0, refused = 0;
  for (const auto& e : std::filesystem::directory_iterator(kActs)) {
    if (!e.is_regular_file() || e.path().extension() == ".sh") continue;
    const std::string bytes = qoima::testing::ReadFile(e.path());
    const std::string name = e.path().filename();
    for (size_t k = 0; k < 40; ++k) {
      std::string damaged = bytes;
      const size_t at = (k * 7919 + 13) % damaged.size();
      const char with[] = {'\0', '"', '\n', ';', '\xD0', '\xFF'};
      damaged[at] = k % 7 == 6 ? static_cast<char>(~damaged[at]) : with[k % 6];
      auto m = ParseManifest(damaged, name, Opts());
      if (m.ok()) {
        ++parsed;
      } else {
        ++refused;
        INFO(m.status().ToString());
        CHECK(m.status().message().rfind(name, 0) == 0);
      }
    }
  }
  CHECK(parsed > 0);
  CHECK(refused > 0);
}
