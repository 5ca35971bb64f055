// End-to-end: every act form of the corpus (tests/appliance/acts/, made by the
// real tools or byte-exact copies of what Windows tools write) through the
// real `qoima` binary against a real image of the corpus tree on a real loop
// device: `qoima scan --manifest` (the check without an intake), and
// `qoima intake` with swtpm and a real store for an act without checksums
// (accepted, then printed with the SHA-256 the appliance computed), a
// Windows-1251 act (its encoding kept in the stored evidence) and a file
// that is no act (refused, nothing stored).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/subprocess.h"
#include "tests/appliance/act_corpus_world.h"

using namespace qoima;
using nlohmann::json;

namespace {

const std::string& kActs = testing::kActCorpus;

std::string RunTool(const std::vector<std::string>& argv) {
  auto r = RunChecked(argv);
  if (!r.ok()) throw std::runtime_error(r.status().ToString());
  return r->out;
}

// The text without whitespace: pdftotext wraps long cells.
std::string Joined(const std::string& text) {
  std::string out;
  for (char c : text)
    if (c != ' ' && c != '\n' && c != '\t' && c != '\f' && c != '\r') out += c;
  return out;
}

// `qoima --json scan DEV --manifest ACT [extra]`: the exit code and output.
json Scan(const testing::CorpusMedium& medium, const std::string& act, const std::vector<std::string>& extra,
          int& exit_code) {
  std::vector<std::string> args = {"--json", "scan", medium.device(), "--manifest", kActs + act};
  args.insert(args.end(), extra.begin(), extra.end());
  SubprocessResult r = testing::RunQoima(args);
  exit_code = r.exit_code;
  INFO(act << ": " << r.out << r.err);
  return json::parse(r.out);
}

// The SHA-256 of a file of the corpus tree on `medium`.
std::string TreeSha256(const testing::CorpusMedium& medium, const std::string& path) {
  return RunTool({"sha256sum", medium.dir.Sub("root/" + path)}).substr(0, 64);
}

using World = testing::ProvisionedCli;

}  // namespace

TEST_CASE("qoima scan checks a real image against each hash list form") {
  testing::CorpusMedium medium(testing::FsType::kIso9660, true);
  const std::vector<std::pair<std::string, std::string>> lists = {{"gnu-sha256sum.txt", "sha256sum"},
                                                                  {"gnu-sha256sum-binary.txt", "sha256sum"},
                                                                  {"openssl-r.txt", "sha256sum"},
                                                                  {"gnu-sha256sum-tag.txt", "bsd"},
                                                                  {"shasum-tag.txt", "bsd"},
                                                                  {"openssl-dgst.txt", "bsd"},
                                                                  {"hashdeep.txt", "hashdeep"},
                                                                  {"sha256sum-media-usb.txt", "sha256sum"},
                                                                  {"powershell51-utf8.csv", "powershell"},
                                                                  {"powershell7.csv", "powershell"},
                                                                  {"hashcheck.sha256", "sha256sum"},
                                                                  {"totalcmd.sha256", "sha256sum"},
                                                                  {"7zip.sha256", "sha256sum"}};
  for (const auto& [act, format] : lists) {
    INFO(act);
    int code = -1;
    json r = Scan(medium, act, {}, code);
    CHECK(code == 0);
    CHECK(r["diff"]["clean"] == true);
    CHECK(r["diff"]["summary"] == "5 matched");
    CHECK(r["act_source"]["format"] == format);
    CHECK(r["act_source"]["checksums"] == true);
  }
  int code = -1;
  CHECK(Scan(medium, "powershell7.csv", {}, code)["act_source"]["stripped_prefix"] == "D:\\");
  CHECK(Scan(medium, "sha256sum-media-usb.txt", {}, code)["act_source"]["stripped_prefix"] == "/media/usb/");
  CHECK(Scan(medium, "hashcheck.sha256", {}, code)["act_source"]["encoding"] == "UTF-8 with BOM");
}

TEST_CASE("qoima scan checks a real image against each table form with and without checksums") {
  testing::CorpusMedium medium(testing::FsType::kIso9660, true);
  struct Form {
    std::string act;
    std::vector<std::string> extra;
    std::string format, encoding;
    bool checksums;
  };
  const std::vector<Form> forms = {
      {"excel-csv-utf8.csv", {}, "csv", "UTF-8 with BOM", true},
      {"excel-unicode-text.txt", {}, "csv", "UTF-16LE", false},
      {"excel-1251.csv", {}, "csv", "Windows-1251", false},
      {"libreoffice-annex3-ru.xlsx", {}, "xlsx", "", true},
      {"libreoffice-annex3-kk.docx", {}, "docx", "", false},
  };
  for (const auto& f : forms) {
    INFO(f.act);
    int code = -1;
    json r = Scan(medium, f.act, f.extra, code);
    CHECK(code == 0);
    CHECK(r["diff"]["clean"] == true);
    CHECK(r["diff"]["summary"] == "5 matched");
    CHECK(r["act_source"]["format"] == f.format);
    CHECK(r["act_source"].value("encoding", "") == f.encoding);
    CHECK(r["act_source"]["checksums"] == f.checksums);
    CHECK(r["act_source"].contains("note") == !f.checksums);
  }
  // One Word document of two acts: the second table, chosen with --table.
  int code = -1;
  json second = Scan(medium, "libreoffice-two-acts.docx", {"--table", "2"}, code);
  CHECK(code == 3);  // its act lists 2 of the 5 files
  CHECK(second["diff"]["summary"] == "2 matched, 3 extra");
  CHECK(second["act_source"]["part"] == "table 2 of 2 tables");
  // LibreOffice's CSV export of the first sheet: the library is not in it.
  json first_sheet = Scan(medium, "libreoffice-annex3-ru.csv", {}, code);
  CHECK(first_sheet["diff"]["summary"] == "4 matched, 1 extra");
}

TEST_CASE("qoima scan refuses an act it cannot read before reading the medium") {
  testing::CorpusMedium medium(testing::FsType::kIso9660, true);
  for (const auto& [act, why] : std::vector<std::pair<std::string, std::string>>{
           {"powershell51-ascii.csv", "contains '?', which Windows allows in no file name"},
           {"libreoffice-two-acts.docx", "holds several tables that look like an act; choose one with --table N"},
           {"make_acts.sh", "is none of the accepted act forms (read as UTF-8 text); tried:"}}) {
    INFO(act);
    int code = -1;
    json r = Scan(medium, act, {}, code);
    CHECK(code == 5);
    CHECK(r["ok"] == false);
    CHECK(r["message"].get<std::string>().find(why) != std::string::npos);
    CHECK_FALSE(r.contains("files"));  // the medium was not read
  }
}

TEST_CASE("intake of a Word act without checksums: accepted and printed with the SHA-256 the appliance computed") {
  World w;
  testing::CorpusMedium medium(testing::FsType::kIso9660, true);
  int code = -1;
  json r = w.Json({"intake", "--application", "IS-0042", "--manifest", kActs + "libreoffice-annex3-kk.docx", "--medium",
                   medium.device(), "--accept"},
                  &code);
  INFO(r.dump(2));
  REQUIRE(code == 0);
  CHECK(r["state"] == "accepted");
  CHECK(r["media"][0]["summary"] == "5 matched");
  CHECK(r["act_source"]["format"] == "docx");
  CHECK(r["act_source"]["part"] == "table 1 and table 2 of 2 tables");
  CHECK(r["act_source"]["checksums"] == false);
  CHECK(r["act_source"]["note"].get<std::string>().find("no checksums") != std::string::npos);
  // The text output says it too.
  SubprocessResult text = w.Run({"act", "show", kActs + "libreoffice-annex3-kk.docx"});
  CHECK(text.out.find("NOTE: the act carries no checksums") != std::string::npos);

  const std::string pdf = w.dir.Sub("act.pdf");
  w.Must({"print", "act", "A-" + std::to_string(r["deposit"].get<int64_t>()), "--pdf", pdf});
  const std::string printed = Joined(RunTool({"pdftotext", "-layout", pdf, "-"}));
  for (const char* f : {"src/main.cpp", "src/Сервис/Обработчик.java", "lib/commons-io-2.11.0.jar",
                        "docs/Руководство пользователя.txt", "build.gradle"}) {
    INFO(f);
    CHECK(printed.find(TreeSha256(medium, f)) != std::string::npos);
  }
  CHECK(printed.find(Joined("Актіде бақылау сомалары жоқ")) != std::string::npos);
}

TEST_CASE("intake of a Windows-1251 act keeps its encoding in the stored evidence") {
  World w;
  testing::CorpusMedium medium(testing::FsType::kFat32, true);
  int code = -1;
  json held = w.Json({"intake", "--application", "IS-0042", "--manifest", kActs + "excel-1251.csv", "--medium",
                      medium.device(), "--hold"},
                     &code);
  INFO(held.dump(2));
  REQUIRE(code == 0);
  CHECK(held["state"] == "held");
  CHECK(held["act_source"]["encoding"] == "Windows-1251");
  CHECK(held["media"][0]["summary"] == "5 matched");
  // Deciding reads the act back from the store: how it was read comes from the evidence.
  json accepted = w.Json({"decide", std::to_string(held["intake"].get<int64_t>()), "accept"}, &code);
  INFO(accepted.dump(2));
  REQUIRE(code == 0);
  CHECK(accepted["state"] == "accepted");
  CHECK(accepted["act_source"]["format"] == "csv");
  CHECK(accepted["act_source"]["encoding"] == "Windows-1251");
  CHECK(accepted["act_source"]["checksums"] == false);
}

TEST_CASE("intake of a file that is no act is refused naming the forms and stores nothing") {
  World w;
  testing::CorpusMedium medium(testing::FsType::kIso9660, true);
  testing::WriteFile(w.dir.Sub("letter.txt"), "Здравствуйте,\nвот наш список файлов.\n");
  int code = -1;
  json r = w.Json({"intake", "--application", "IS-0042", "--manifest", w.dir.Sub("letter.txt"), "--medium",
                   medium.device(), "--accept"},
                  &code);
  CHECK(code == 5);
  const std::string message = r["message"];
  CHECK(message.find("is none of the accepted act forms") != std::string::npos);
  CHECK(message.find("- docx (") != std::string::npos);
  CHECK(w.Deposits() == 0);
}
