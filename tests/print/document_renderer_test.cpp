// Renders every document with the real cairo/pango/fontconfig stack and checks
// the PDFs with poppler (pdftotext, pdffonts, pdftoppm) and zbar (zbarimg).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "appliance/print/document_renderer.h"
#include "appliance/print/pdf_composer.h"
#include "tests/fixtures/temp_dir.h"
#include "tests/print/sample_documents.h"

namespace qoima::print {
namespace {

using qoima::testing::TempDir;
using testing::RunTool;

DocumentRenderer Renderer(LanguageMode mode = Bilingual()) {
  auto set = TemplateSet::Builtin(TemplateSet::kDefaultId);
  REQUIRE(set.ok());
  return DocumentRenderer(*set, std::move(mode));
}

std::string SaveTo(const TempDir& dir, const std::string& name, const Result<std::string>& pdf) {
  INFO(pdf.status().ToString());
  REQUIRE(pdf.ok());
  const std::string path = dir.Sub(name);
  REQUIRE(SavePdf(*pdf, path).ok());
  return path;
}

int PageCount(const std::string& pdf) {
  std::smatch m;
  const std::string info = RunTool({"pdfinfo", pdf});
  REQUIRE(std::regex_search(info, m, std::regex("Pages:\\s+(\\d+)")));
  return std::stoi(m[1]);
}

std::string Squash(std::string s) {
  // pdftotext breaks lines where the layout wraps; compare without them.
  std::string out;
  for (char c : s) {
    if (c == '\n') c = ' ';
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out += c;
  }
  return out;
}

TEST_CASE("acceptance act: pdftotext finds the Kazakh and Russian wording plus file rows and hashes") {
  TempDir dir("qoima-print");
  const AcceptanceAct act = testing::SampleAct(40);
  const std::string pdf = SaveTo(dir, "act.pdf", Renderer().Render(act));
  const std::string text = RunTool({"pdftotext", "-enc", "UTF-8", pdf, "-"});
  const std::string flat = Squash(text);
  for (const char* s :
       {"Қабылдау-тапсыру актісі", "Акт приема-передачи", "Файлдың атауы", "Имя файла", "Дискідегі каталогтың атауы",
        "Astana", "Әбілқасымова Гүлнұр Өмірзаққызы", "Құнанбаев Ерғали Һидаятұлы", "м.о.", "М.П.", "Бет 1 /",
        "Страница 1 из", "перевод оператора"}) {
    if (std::string(s) == "Astana") continue;  // city is printed in Cyrillic below
    INFO(s);
    CHECK(flat.find(s) != std::string::npos);
  }
  CHECK(flat.find("Астана қ.") != std::string::npos);
  CHECK(flat.find("г. Астана") != std::string::npos);
  // Every Kazakh-specific letter survives extraction, in a file name.
  CHECK(flat.find("әғқңөұүһі_1.cpp") != std::string::npos);
  CHECK(flat.find("әғқңөұүһі_40.cpp") != std::string::npos);
  for (size_t i = 0; i < act.files.size(); ++i) {
    INFO("row " << i + 1);
    CHECK(text.find(act.files[i].sha256) != std::string::npos);
  }
  for (const auto& lib : act.libraries) {
    CHECK(flat.find(lib.name) != std::string::npos);
    CHECK(text.find(lib.sha256) != std::string::npos);
  }
  CHECK(flat.find(FormatMegabytes(act.files[7].size_bytes)) != std::string::npos);
  CHECK(text.find(EncodeVerificationPayload(act.verification).substr(0, 40)) != std::string::npos);
}

TEST_CASE("the findings section of the act and the refusal: each class, kind and limit in words, names escaped") {
  TempDir dir("qoima-print");
  Findings findings;
  findings.rows = {{"D1 (original)", "unsafe_name", "traversal", "evil.zip -> ../../x", "", 0},
                   {"D1 (original)", "unsafe_name", "hidden_characters",
                    "invoice\xE2\x80\xAE"
                    "fdp.exe",
                    "", 0},
                   {"D1 (original)", "archive_listing_stopped", "", "deep.zip", "archive_depth", 6},
                   {"D1 (original)", "archive_listing_stopped", "", "bomb.zip", "archive_bytes", 4ull << 30},
                   {"D1 (original)", "encrypted_entry", "", "enc.zip -> secret.txt", "", 0}};
  findings.unlisted = 12;
  AcceptanceAct act = testing::SampleAct(3);
  act.findings = findings;
  Refusal refusal = testing::SampleRefusal();
  refusal.findings = findings;
  for (const auto& [name, pdf] :
       {std::pair{"act", Renderer().Render(act)}, std::pair{"refusal", Renderer().Render(refusal)}}) {
    const std::string flat =
        Squash(RunTool({"pdftotext", "-enc", "UTF-8", SaveTo(dir, std::string(name) + ".pdf", pdf), "-"}));
    INFO(name << ": " << flat);
    for (const char* s :
         {"Тасығышты оқу кезінде анықталғандар", "Выявлено при чтении носителя", "evil.zip -> ../../x",
          "қалтадан шығатын жол", "путь за пределы папки", "invoice\\u{202E}fdp.exe", "U+202E", "deep.zip",
          "6 деңгейден терең салынған", "глубже 6 уровней", "4096 МБ", "шифрланған мұрағат элементі",
          "зашифрованный элемент архива", "Тағы 12 анықталғаны саналды", "Ещё 12 выявленных"}) {
      INFO(s);
      CHECK(flat.find(s) != std::string::npos);
    }
    CHECK(flat.find("\xE2\x80\xAE") == std::string::npos);             // never the character itself
    CHECK(flat.find("archive_listing_stopped") == std::string::npos);  // never an enum name
    CHECK(flat.find("traversal") == std::string::npos);
  }
  // English alone says it in English.
  const std::string en = Squash(
      RunTool({"pdftotext", "-enc", "UTF-8", SaveTo(dir, "act-en.pdf", Renderer({Language::kEn}).Render(act)), "-"}));
  CHECK(en.find("Found while reading the media") != std::string::npos);
  CHECK(en.find("archives nested deeper than 6 levels") != std::string::npos);
}

TEST_CASE("acceptance act: the embedded fonts are DejaVu and carry every glyph") {
  TempDir dir("qoima-print");
  const std::string pdf = SaveTo(dir, "act.pdf", Renderer().Render(testing::SampleAct(3)));
  const std::string fonts = RunTool({"pdffonts", pdf});
  CHECK(fonts.find("DejaVuSans") != std::string::npos);
  CHECK(fonts.find("DejaVuSansMono") != std::string::npos);
  // Every font is embedded (column "emb" is "yes" on every font row).
  std::istringstream lines(fonts);
  std::string line;
  int rows = 0;
  while (std::getline(lines, line)) {
    if (line.find("DejaVu") == std::string::npos) continue;
    ++rows;
    INFO(line);
    CHECK(std::regex_search(line, std::regex("\\s+yes\\s+(yes|no)\\s+(yes|no)\\s+\\d+")));
  }
  CHECK(rows >= 2);
}

TEST_CASE("a character no installed font carries is an error and not a box on paper") {
  AcceptanceAct act = testing::SampleAct(2);
  act.files[1].file_name = "\xf3\xb0\x80\x80.cpp";  // U+F0000, supplementary private use
  auto pdf = Renderer().Render(act);
  REQUIRE_FALSE(pdf.ok());
  CHECK(pdf.status().code() == Code::kUnsupported);
  CHECK(pdf.status().message().find("no glyph") != std::string::npos);
}

TEST_CASE("every page of an act renders to PNG and looks like a form") {
  TempDir dir("qoima-print");
  const std::string pdf = SaveTo(dir, "act.pdf", Renderer().Render(testing::SampleAct(120)));
  const int pages = PageCount(pdf);
  REQUIRE(pages >= 3);
  RunTool({"pdftoppm", "-r", "40", "-png", pdf, dir.Sub("page")});
  int pngs = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    if (e.path().extension() != ".png") continue;
    ++pngs;
    CHECK(std::filesystem::file_size(e.path()) > 1000);
  }
  CHECK(pngs == pages);
  if (const char* keep = std::getenv("QOIMA_PRINT_KEEP")) {
    std::filesystem::copy_file(pdf, std::string(keep) + "/act.pdf", std::filesystem::copy_options::overwrite_existing);
  }
}

TEST_CASE("the QR code on the act decodes to the verification payload") {
  TempDir dir("qoima-print");
  const AcceptanceAct act = testing::SampleAct(5);
  const std::string pdf = SaveTo(dir, "act.pdf", Renderer().Render(act));
  const std::string last = std::to_string(PageCount(pdf));
  RunTool({"pdftoppm", "-r", "150", "-gray", "-png", "-f", last, "-l", last, "-singlefile", pdf, dir.Sub("qr")});
  std::string scanned = RunTool({"zbarimg", "--raw", "-q", dir.Sub("qr.png")});
  while (!scanned.empty() && scanned.back() == '\n') scanned.pop_back();
  CHECK(scanned == EncodeVerificationPayload(act.verification));
  CHECK(VerifyPayload(scanned, act.verification).ok());

  VerificationLine changed = act.verification;
  changed.manifest_digest[10] = changed.manifest_digest[10] == 'a' ? 'b' : 'a';
  Status st = VerifyPayload(scanned, changed);
  CHECK(st.code() == Code::kCorrupt);
  CHECK(st.message().find("manifest digest") != std::string::npos);
}

TEST_CASE("every document renders in Kazakh+Russian and in each single language") {
  TempDir dir("qoima-print");
  struct Mode {
    LanguageMode mode;
    const char* title;  // Annex 3 title in the first language
  };
  const Mode modes[] = {{Bilingual(), "Қабылдау-тапсыру актісі"},
                        {{Language::kKk}, "Қабылдау-тапсыру актісі"},
                        {{Language::kRu}, "Акт приема-передачи"},
                        {{Language::kEn}, "Acceptance and transfer certificate"}};
  for (const Mode& m : modes) {
    const DocumentRenderer r = Renderer(m.mode);
    const std::string code(LanguageCode(m.mode.front()));
    struct Doc {
      std::string name;
      Result<std::string> pdf;
      std::string expect;  // template key whose text must appear
      std::vector<std::pair<std::string, std::string>> values = {};
    };
    std::vector<Doc> docs;
    docs.push_back({"application", r.Render(testing::SampleApplication()), "annex1.copies"});
    docs.push_back({"journal", r.Render(testing::SampleJournal()), "annex2.title"});
    docs.push_back({"act", r.Render(testing::SampleAct(3)), "annex3.title"});
    docs.push_back({"nda", r.Render(testing::SampleNda()), "annex4.signatures"});
    docs.push_back({"refusal", r.Render(testing::SampleRefusal()), "refusal.evidence"});
    docs.push_back({"return", r.Render(testing::SampleReturn()), "return.title"});
    docs.push_back({"destruction", r.Render(testing::SampleDestruction()), "destruction.commission"});
    docs.push_back({"report", r.Render(testing::SampleReport()), "report.col_event"});
    docs.push_back({"notice", r.Render(testing::SampleNotice()), "notice.title", {{"number", "Х-2026-0031"}}});
    docs.push_back({"access-register", r.Render(testing::SampleAccessRegister()), "access.title"});
    for (Doc& d : docs) {
      INFO(d.name << " in " << code << ": " << d.pdf.status().ToString());
      REQUIRE(d.pdf.ok());
      const std::string path = SaveTo(dir, d.name + "-" + code + ".pdf", d.pdf);
      const std::string flat = Squash(RunTool({"pdftotext", "-enc", "UTF-8", path, "-"}));
      for (Language lang : m.mode) {
        auto expect = r.templates().Text(d.expect, lang, d.values);
        REQUIRE(expect.ok());
        INFO("expect " << *expect);
        CHECK(flat.find(Squash(*expect)) != std::string::npos);
      }
      if (m.mode.size() > 1) RunTool({"pdftoppm", "-r", "20", "-png", path, dir.Sub("png-" + d.name + "-" + code)});
    }
    const std::string act_text = Squash(RunTool({"pdftotext", "-enc", "UTF-8", dir.Sub("act-" + code + ".pdf"), "-"}));
    CHECK(act_text.find(m.title) != std::string::npos);
    if (m.mode.size() == 1 && m.mode.front() == Language::kEn) {
      CHECK(act_text.find("Қабылдау") == std::string::npos);
      CHECK(act_text.find("Page 1 of") != std::string::npos);
    }
  }
}

TEST_CASE("the access register prints local date and time, and refuses a kind or role it cannot say in words") {
  CHECK(PrintedDateTime("2026-11-20T19:30:00Z") == "21.11.2026 00:30");  // UTC+5 crosses midnight
  CHECK(PrintedDateTime("2026-11-21T04:05:00Z") == "21.11.2026 09:05");
  CHECK(PrintedDateTime("2026-11-21") == "21.11.2026");
  CHECK(PrintedDateTime("soon") == "soon");
  const DocumentRenderer r = Renderer(Bilingual());
  AccessRegisterDoc bad_kind = testing::SampleAccessRegister();
  bad_kind.rows[0].kind = "peek";
  auto refused = r.Render(bad_kind);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().message().find("'peek'") != std::string::npos);
  AccessRegisterDoc bad_role = testing::SampleAccessRegister();
  bad_role.rows[1].role = "root";
  CHECK_FALSE(r.Render(bad_role).ok());
  TempDir dir("qoima-print-access");
  auto pdf = r.Render(testing::SampleAccessRegister());
  REQUIRE(pdf.ok());
  const std::string flat = Squash(RunTool({"pdftotext", "-enc", "UTF-8", SaveTo(dir, "ar.pdf", pdf), "-"}));
  CHECK(flat.find("21.11.2026") != std::string::npos);
  CHECK(flat.find("00:30") != std::string::npos);
  CHECK(flat.find("2026-11") == std::string::npos);
  CHECK(flat.find("қауіпсіздік") != std::string::npos);
  CHECK(flat.find("құрылғының") != std::string::npos);  // the appliance's own entry: its role in words
  CHECK(flat.find("security_officer") == std::string::npos);
  CHECK(flat.find("src/негізгі.cpp") != std::string::npos);
}

namespace {

/// The lines pdftotext finds in a one-column table put back together: a line
/// that ends in a hyphen the text does not have is a word broken with a
/// hyphen (joined without it); any other line break is a space. A word cut
/// without a hyphen comes back with a space inside it and does not match.
std::string Rejoined(const std::string& lines, const std::string& original) {
  static const std::string kHyphens[] = {"\xE2\x80\x90", "-"};  // U+2010 as pango inserts it, or ASCII
  std::string out;
  bool glue = false;
  size_t start = 0;
  while (start <= lines.size()) {
    size_t end = lines.find('\n', start);
    if (end == std::string::npos) end = lines.size();
    std::string line = lines.substr(start, end - start);
    start = end + 1;
    while (!line.empty() && (line.back() == ' ' || line.back() == '\f')) line.pop_back();
    while (!line.empty() && line.front() == ' ') line.erase(0, 1);
    if (line.empty()) continue;
    if (!out.empty() && !glue) out += ' ';
    glue = false;
    for (const std::string& h : kHyphens)
      if (line.size() > h.size() && line.compare(line.size() - h.size(), h.size(), h) == 0 &&
          original.find(line) == std::string::npos) {
        line.resize(line.size() - h.size());
        glue = true;
        break;
      }
    out += line;
  }
  return out;
}

}  // namespace

TEST_CASE("column headers break inside a word only with a hyphen, at the widths the forms give them") {
  auto set = TemplateSet::Builtin(TemplateSet::kDefaultId);
  REQUIRE(set.ok());
  struct Header {
    const char* key;
    double width;  // as the renderer lays the column out
    double size;
  };
  const Header headers[] = {
      {"annex3.col_no", 22, 6.5},       {"annex3.col_disc", 52, 6.5},     {"annex3.col_dir", 80, 6.5},
      {"annex3.col_size", 36, 6.5},     {"annex3.col_lang", 44, 6.5},     {"annex3.col_lang_ver", 38, 6.5},
      {"annex3.col_fw", 52, 6.5},       {"annex3.col_fw_ver", 40, 6.5},   {"annex3.col_date", 50, 6.5},
      {"annex3.col_lib_disc", 70, 6.5}, {"annex3.col_lib_size", 50, 6.5}, {"annex3.col_lib_lang", 70, 6.5},
      {"annex3.col_lib_ver", 84, 6.5},  {"annex2.col_app_no", 60, 7},     {"annex2.col_date", 60, 7},
      {"annex2.col_applicant", 100, 7}, {"annex2.col_name", 90, 7},       {"annex2.col_sign", 50, 7},
      {"report.col_act", 70, 7},        {"report.col_event", 70, 7},      {"report.col_details", 130, 7},
      {"report.col_date", 58, 7},       {"access.col_time", 72, 7},       {"access.col_role", 92, 7},
      {"access.col_kind", 84, 7},       {"access.col_item", 130, 7},
  };
  TempDir dir("qoima-print-headers");
  size_t broken_with_hyphen = 0;
  for (const Header& h : headers) {
    for (Language lang : {Language::kKk, Language::kRu}) {
      auto text = set->Text(h.key, lang, {});
      REQUIRE(text.ok());
      INFO(h.key << " (" << LanguageCode(lang) << ", " << h.width << " pt): " << *text);
      PdfComposer pdf;
      Table t;
      t.columns = {{h.width, Align::kLeft}};
      t.header_rows = {{*text}};
      t.header_style = {h.size, true, false, false, true};
      t.rows = {{{"1"}, ""}};
      pdf.Add(std::move(t));
      const std::string path =
          SaveTo(dir, std::string(h.key) + "-" + std::string(LanguageCode(lang)) + ".pdf", pdf.Render());
      const std::string lines = RunTool({"pdftotext", "-layout", "-enc", "UTF-8", path, "-"});
      // The header cell: the lines before the body's "1".
      std::string cell;
      for (size_t at = 0; at < lines.size();) {
        size_t end = lines.find('\n', at);
        if (end == std::string::npos) end = lines.size();
        const std::string line = lines.substr(at, end - at);
        at = end + 1;
        if (line.find_first_not_of(" ") != std::string::npos && line.substr(line.find_first_not_of(" ")) == "1") break;
        cell += line + "\n";
      }
      INFO("pdftotext: " << cell);
      std::string expected = *text;
      std::replace(expected.begin(), expected.end(), '\n', ' ');
      CHECK(Rejoined(cell, *text) == expected);
      if (Rejoined(cell, *text) == expected && text->find('-') == std::string::npos &&
          (cell.find("-\n") != std::string::npos || cell.find("\xE2\x80\x90") != std::string::npos))
        ++broken_with_hyphen;
    }
  }
  // The narrow columns do break words: the check above saw hyphens, not only whole words.
  CHECK(broken_with_hyphen > 0);
}

TEST_CASE("an act with a malformed verification line is not rendered") {
  AcceptanceAct act = testing::SampleAct(1);
  act.verification.deposit_root = "xyz";
  auto pdf = Renderer().Render(act);
  REQUIRE_FALSE(pdf.ok());
  CHECK(pdf.status().message().find("deposit root") != std::string::npos);
}

TEST_CASE("SavePdf writes atomically and refuses what is not a PDF") {
  TempDir dir("qoima-print");
  CHECK(SavePdf("%PDF-1.5\n%%EOF\n", dir.Sub("a.pdf")).ok());
  CHECK(std::filesystem::exists(dir.Sub("a.pdf")));
  CHECK_FALSE(std::filesystem::exists(dir.Sub("a.pdf.part")));
  CHECK(SavePdf("hello", dir.Sub("b.pdf")).code() == Code::kInvalidArgument);
  Status missing = SavePdf("%PDF-1.5\n", dir.Sub("no/such/dir/c.pdf"));
  CHECK(missing.code() == Code::kNotFound);
  CHECK(missing.message().find("no/such/dir") != std::string::npos);
}

}  // namespace
}  // namespace qoima::print
