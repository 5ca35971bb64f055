// The act check flags text that would not read as it is: paths and fields
// holding bidirectional controls, invisible characters or line separators,
// and typed text that reads like their escape. Control characters are
// refused, as before, C1 included.
#include <catch2/catch.hpp>

#include <string>

#include "appliance/act_document.h"
#include "appliance/manifest_parser.h"

using namespace qoima;
using namespace qoima::appliance;

namespace {

const std::string kHash(64, 'a');
const std::string kRlo = "\xE2\x80\xAE";   // U+202E RIGHT-TO-LEFT OVERRIDE
const std::string kZwsp = "\xE2\x80\x8B";  // U+200B ZERO WIDTH SPACE

ManifestParseOptions Opts() {
  ManifestParseOptions o;
  o.now_unix = 1767225600;
  return o;
}

std::string Act(const std::string& files, const std::string& depositor = "«Ақпарат» АҚ",
                const std::string& annotation = "тест") {
  return "{\n\"format\": \"qoima-act-manifest\",\n\"version\": 1,\n\"application\": \"IS-0042\",\n"
         "\"software\": {\"name\": \"Е-Қойма\", \"version\": \"1.2\", \"annotation\": \"" +
         annotation + "\"},\n\"depositor\": \"" + depositor + "\",\n\"files\": [\n" + files + "\n]\n}\n";
}

std::string File(const std::string& path, const std::string& extra = "") {
  return "{\"path\": \"" + path + "\", \"size\": 1, \"sha256\": \"" + kHash + "\", \"category\": \"source_code\"" +
         extra + "}";
}

}  // namespace

TEST_CASE("act paths and fields with hidden characters are accepted and flagged with line and field") {
  const std::string text = Act(File("src/ok.c") + ",\n" + File("invoice" + kRlo + "fdp.exe") + ",\n" +
                                   File("doc/a.txt", ", \"language\": \"C" + kZwsp + "++\""),
                               "Министрлік" + kRlo);
  auto m = ParseManifest(text, "act.json", Opts());
  REQUIRE(m.ok());
  REQUIRE(m->text_flags.size() == 3);
  // Header fields first (no line: JSON header), then the files in order.
  CHECK(m->text_flags[0].field == "depositor");
  CHECK(m->text_flags[0].value == "Министрлік" + kRlo);
  CHECK(m->text_flags[0].reason == "U+202E (bidirectional control)");
  CHECK(m->text_flags[1].field == "path");
  CHECK(m->text_flags[1].line == 9);
  CHECK(m->text_flags[1].value == "invoice" + kRlo + "fdp.exe");  // exact: the store and evidence keep it
  CHECK(m->text_flags[2].field == "language");
  CHECK(m->text_flags[2].line == 10);
  CHECK(m->text_flags[2].reason == "U+200B (invisible character)");
  CHECK(m->text_flags_unlisted == 0);
  // The path is kept as written: it must match the name on the medium.
  CHECK(m->entries[1].path == "invoice" + kRlo + "fdp.exe");
}

TEST_CASE("the text act shows flagged names escaped and explains the notation") {
  auto m = ParseManifest(Act(File("invoice" + kRlo + "fdp.exe")), "act.json", Opts());
  REQUIRE(m.ok());
  std::string text = RenderActText(ActFromManifest(*m));
  CHECK(text.find("invoice\\u{202E}fdp.exe") != std::string::npos);
  CHECK(text.find(kRlo) == std::string::npos);
  CHECK(text.find(std::string(kEscapeLegendRu)) != std::string::npos);
  auto clean = ParseManifest(Act(File("src/ok.c")), "act.json", Opts());
  REQUIRE(clean.ok());
  CHECK(RenderActText(ActFromManifest(*clean)).find(std::string(kEscapeLegendRu)) == std::string::npos);
}

TEST_CASE("a typed escape look-alike is flagged and newlines only in the annotation pass") {
  auto m = ParseManifest(Act(File("a.c"), "Acme \\\\u{202E} Ltd", "бірінші жол\\nекінші жол"), "act.json", Opts());
  REQUIRE(m.ok());
  REQUIRE(m->text_flags.size() == 1);
  CHECK(m->text_flags[0].field == "depositor");
  CHECK(m->text_flags[0].reason.find("reads like an escaped character") != std::string::npos);
  auto n = ParseManifest(Act(File("a.c"), "two\\nlines"), "act.json", Opts());
  REQUIRE(n.ok());
  REQUIRE(n->text_flags.size() == 1);
  CHECK(n->text_flags[0].reason == "U+000A (control character)");
}

TEST_CASE("C1 control characters are refused in act paths and fields like C0") {
  auto path = ParseManifest(Act(File("nel\\u0085.txt")), "act.json", Opts());
  REQUIRE_FALSE(path.ok());
  CHECK(path.status().message().find("control character") != std::string::npos);
  auto field = ParseManifest(Act(File("a.c"), "csi\\u009b"), "act.json", Opts());
  REQUIRE_FALSE(field.ok());
  CHECK(field.status().message().find("field depositor: contains a control character") != std::string::npos);
}

TEST_CASE("CSV and sha256sum acts are flagged with their line") {
  const std::string csv =
      "No,disc_marking,directory,file_name,size_mb,language,language_version,framework,framework_version,modified,"
      "sha256,size_bytes,category\n"
      "1,Д1,src,ok.c,0.01,C,,,,12.03.2025," +
      kHash + ",1,source_code\n" + "2,Д1,src,x" + kRlo + "cod.exe,0.01,C,,,,12.03.2025," + kHash + ",1,source_code\n";
  auto c = ParseManifest(csv, "act.csv", Opts());
  REQUIRE(c.ok());
  REQUIRE(c->text_flags.size() == 1);
  CHECK(c->text_flags[0].line == 3);
  CHECK(c->text_flags[0].value == "src/x" + kRlo + "cod.exe");
  auto s = ParseManifest(kHash + "  ./a" + kZwsp + "b.c\n", "list.sha256", Opts());
  REQUIRE(s.ok());
  REQUIRE(s->text_flags.size() == 1);
  CHECK(s->text_flags[0].line == 1);
}
