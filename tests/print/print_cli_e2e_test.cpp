// End-to-end printing through the real `qoima` binary: swtpm, the real store,
// real images on loop devices read by the sandboxed reader, the lifecycle
// commands, pdftotext/pdftoppm on every printed kind, `qoima act verify`
// against the store and audit log, and printing through a private cupsd with
// the cups-pdf virtual printer.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "appliance/appliance.h"
#include "common/subprocess.h"
#include "tests/fixtures/appliance_test_peer.h"
#include "tests/fixtures/loop_device.h"
#include "tests/fixtures/media_factory.h"
#include "tests/fixtures/nda_step.h"
#include "tests/fixtures/swtpm.h"
#include "tests/fixtures/temp_dir.h"
#include "tests/print/private_cupsd.h"
#include "tests/print/sample_documents.h"

using namespace qoima;
using nlohmann::json;
using print::testing::RunTool;

namespace {

const std::string kQoima = std::string(QOIMA_BINARY_DIR) + "/cli/qoima";

std::string Password(const std::string& login) { return login + "-password-1"; }

// A provisioned appliance: admin, clerk1, aud1 (so1, so2), and application
// IS-0042 (application track) with its journal line.
class World {
 public:
  /// `officers`: also create so1 and so2 (the lifecycle's two-person rule needs both).
  explicit World(bool officers) {
    Must({"init", "--admin", "admin", "--surname", "Әлиев", "--name", "Ерлан", "--pcr", "7"}, "admin");
    std::vector<std::pair<std::string, std::string>> users = {{"clerk1", "clerk"}, {"aud1", "auditor"}};
    if (officers) users.insert(users.end(), {{"so1", "security_officer"}, {"so2", "security_officer"}});
    for (const auto& [login, role] : users)
      Must({"user", "add", login, "--role", role, "--surname", "Сейітова", "--name", "Әйгерім", "--patronymic",
            "Қанатқызы"},
           "admin", {"QOIMA_NEW_PASSWORD=" + Password(login)});
    json form = {{"portal_code", "IS-0042"},
                 {"track", "application"},
                 {"applicant", "«Ақпарат» АҚ"},
                 {"software_name", "Е-Қойма"},
                 {"items", {{{"name", "CD-1"}, {"serial_number", "SN-ҚӨ-1"}, {"original", true}}}},
                 {"owner", {{"full_name", "Цифрлық даму министрлігі"}}}};
    testing::WriteFile(dir.Sub("form.json"), form.dump());
    Must({"application", "add", "--form", dir.Sub("form.json"), "--number", "15/2026", "--received", "2026-01-05",
          "--state-body", "Министрлік", "--head", "Ахметов Ғалым"});
    Must(testing::NdaCommand("IS-0042"));
  }

  SubprocessResult Run(std::vector<std::string> args, const std::string& user = "clerk1",
                       std::vector<std::string> env = {}) {
    args.insert(args.begin(), kQoima);
    SubprocessOptions o;
    o.extra_env = {"QOIMA_TCTI=" + tpm.tcti(), "QOIMA_STATE=" + dir.Sub("state"), "QOIMA_USER=" + user,
                   "QOIMA_PASSWORD=" + Password(user), "QOIMA_TEST_MEDIA=1"};
    for (auto& e : env) o.extra_env.push_back(e);
    auto r = RunSubprocess(args, o);
    if (!r.ok()) throw std::runtime_error(r.status().ToString());
    return *r;
  }
  SubprocessResult Must(std::vector<std::string> args, const std::string& user = "clerk1",
                        std::vector<std::string> env = {}) {
    auto r = Run(args, user, env);
    if (r.exit_code != 0) throw std::runtime_error("qoima " + args[0] + ": " + r.Describe() + r.out + r.err);
    return r;
  }
  json Json(std::vector<std::string> args, const std::string& user = "clerk1") {
    args.insert(args.begin(), "--json");
    auto r = Run(args, user);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
  }

  /// Accepts a sample tree read from an ISO image on a loop device; returns the intake outcome.
  json AcceptSample() {
    tree = dir.Sub("tree");
    testing::MakeSampleTree(tree, 64 * 1024);
    act = tree + ".act.json";
    Must(
        {"act", "create", tree, "--application", "IS-0042", "--software", "Е-Қойма", "--version", "1.0", "--out", act});
    image = dir.Sub("tree.iso");
    testing::BuildImage(testing::FsType::kIso9660, tree, image);
    loop = std::make_unique<testing::LoopDevice>(image);
    return Json({"intake", "--application", "IS-0042", "--manifest", act, "--medium", loop->path(), "--accept"});
  }

  /// `qoima print` to a PDF; returns the PDF's text (pdftotext -layout) after
  /// rendering every page with pdftoppm.
  std::string PrintText(std::vector<std::string> args, const std::string& user, const std::string& name) {
    const std::string pdf = dir.Sub(name + ".pdf");
    args.insert(args.begin(), "print");
    args.insert(args.end(), {"--pdf", pdf});
    auto r = Run(args, user);
    INFO("qoima print " << name << ": " << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    RunTool({"pdftoppm", "-r", "30", "-gray", "-png", pdf, dir.Sub(name + "-page")});
    bool rendered = false;
    for (const char* page : {"-page-1.png", "-page-01.png", "-page-001.png"})
      rendered = rendered || std::filesystem::exists(dir.Sub(name + page));
    CHECK(rendered);
    return RunTool({"pdftotext", "-layout", pdf, "-"});
  }

  testing::Swtpm tpm;
  testing::TempDir dir{"qoima-print-e2e"};
  std::string tree, act, image;
  std::unique_ptr<testing::LoopDevice> loop;
};

/// The verification line as printed ("QOIMA-ACT1;act=..."). pdftotext wraps
/// the long line; the payload has no whitespace, so it is searched for with
/// all whitespace removed.
std::string LineIn(const std::string& text) {
  std::string joined;
  for (char c : text)
    if (c != ' ' && c != '\n' && c != '\t' && c != '\f' && c != '\r') joined += c;
  std::smatch m;
  if (std::regex_search(joined, m,
                        std::regex("QOIMA-ACT1;act=[A-Za-z0-9._/-]+;root=[0-9a-f]{64};manifest=[0-9a-f]{64};"
                                   "cp=\\d+:[0-9a-f]{64};key=[0-9a-f]{64}")))
    return m[0];
  return "";
}

/// The text with every run of whitespace collapsed to one space (cells wrap).
std::string Squash(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\f' || c == '\r';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  return out;
}

// Every word of `phrase` occurs in `text` after the previous one.
bool WordsInOrder(const std::string& text, const std::string& phrase) {
  size_t at = 0;
  size_t start = 0;
  while (start < phrase.size()) {
    size_t end = phrase.find(' ', start);
    if (end == std::string::npos) end = phrase.size();
    const std::string word = phrase.substr(start, end - start);
    at = text.find(word, at);
    if (at == std::string::npos) return false;
    at += word.size();
    start = end + 1;
  }
  return true;
}

std::string Field(const std::string& line, const std::string& key) {
  std::smatch m;
  if (std::regex_search(line, m, std::regex(";" + key + "=([^;]+)"))) return m[1];
  return "";
}

std::string Replace(std::string line, const std::string& key, const std::string& value) {
  return std::regex_replace(line, std::regex(";" + key + "=[^;]+"), ";" + key + "=" + value);
}

std::string Flip(std::string hex) {
  hex[10] = hex[10] == '0' ? '1' : '0';
  return hex;
}

}  // namespace

TEST_CASE("names that lie: a U+202E file name is flagged on screen and printed escaped on the act") {
  World w(false);
  const std::string rlo = "\xE2\x80\xAE";  // RIGHT-TO-LEFT OVERRIDE: "invoice" RLO "fdp.exe" reads "invoiceexe.pdf"
  w.tree = w.dir.Sub("tree");
  testing::MakeSampleTree(w.tree, 16 * 1024);
  testing::WriteFile(w.tree + "/invoice" + rlo + "fdp.exe", "MZ: an executable, not a PDF");
  testing::WriteFile(w.tree +
                         "/docs/a\xE2\x80\x8B"
                         "b.txt",
                     "zero-width space");
  testing::WriteFile(w.tree +
                         "/\xE2\x81\xA6"
                         "iso\xE2\x81\xA9.txt",
                     "isolates");
  testing::WriteFile(w.tree +
                         "/line\xE2\x80\xA8"
                         "sep.txt",
                     "line separator");
  w.act = w.dir.Sub("act.json");
  // The depositor's act: its check flags the paths and the annotation, escaped.
  auto created = w.Run({"act", "create", w.tree, "--application", "IS-0042", "--software", "Е-Қойма", "--version",
                        "1.0", "--annotation", "есеп" + rlo + "тест", "--out", w.act});
  INFO(created.out << created.err);
  REQUIRE(created.exit_code == 0);
  CHECK(created.out.find("field path: invoice\\u{202E}fdp.exe: U+202E (bidirectional control)") != std::string::npos);
  CHECK(created.out.find("field path: docs/a\\u{200B}b.txt: U+200B (invisible character)") != std::string::npos);
  CHECK(created.out.find("field software.annotation: есеп\\u{202E}тест") != std::string::npos);
  CHECK(created.out.find(rlo) == std::string::npos);  // nothing reaches the terminal as itself
  w.image = w.dir.Sub("tree.iso");
  testing::BuildImage(testing::FsType::kIso9660, w.tree, w.image);
  w.loop = std::make_unique<testing::LoopDevice>(w.image);

  // `qoima scan` in text: the reader's unsafe_name flags, every name escaped.
  auto scan = w.Run({"scan", w.loop->path()});
  INFO(scan.out << scan.err);
  CHECK(scan.exit_code == 0);
  CHECK(scan.out.find("unsafe_name invoice\\u{202E}fdp.exe  name contains characters that are shown escaped: U+202E "
                      "(bidirectional control)") != std::string::npos);
  CHECK(scan.out.find("\\u{2066}iso\\u{2069}.txt") != std::string::npos);
  CHECK(scan.out.find("line\\u{2028}sep.txt") != std::string::npos);
  CHECK(scan.out.find(rlo) == std::string::npos);

  // The intake (JSON): the exact names parse back, the text shows none raw.
  auto in = w.Run(
      {"--json", "intake", "--application", "IS-0042", "--manifest", w.act, "--medium", w.loop->path(), "--accept"});
  INFO(in.out << in.err);
  REQUIRE(in.exit_code == 0);
  CHECK(in.out.find(rlo) == std::string::npos);
  CHECK(in.out.find("invoice\\u202efdp.exe") != std::string::npos);
  json j = json::parse(in.out);
  REQUIRE(j["state"] == "accepted");  // a flag is not a refusal ground: the act matches the medium
  bool flagged = false;
  for (const auto& f : j["media"][0]["findings"])
    flagged = flagged || (f["class"] == "unsafe_name" && f["kind"] == "hidden_characters" &&
                          f["path"] == "invoice" + rlo + "fdp.exe" && f["shown"] == "invoice\\u{202E}fdp.exe");
  CHECK(flagged);
  bool annotation = false;
  for (const auto& f : j["act_text_flags"])
    annotation = annotation || (f["field"] == "software.annotation" && f["value"] == "есеп" + rlo + "тест");
  CHECK(annotation);

  // On paper: the escaped form, never the reordered one, and a note that explains it.
  const std::string text = w.PrintText({"act", "A-1"}, "clerk1", "act-names");
  INFO(text);
  CHECK(text.find("invoice\\u{202E}fdp.exe") != std::string::npos);
  CHECK(text.find("a\\u{200B}b.txt") != std::string::npos);
  CHECK(text.find(rlo) == std::string::npos);
  CHECK(text.find("invoiceexe.pdf") == std::string::npos);
  CHECK(Squash(text).find("есеп\\u{202E}тест") != std::string::npos);
  CHECK(Squash(text).find("Ескерту: \\u{XXXX} белгісі") != std::string::npos);
  CHECK(Squash(text).find("Примечание: запись \\u{XXXX} означает") != std::string::npos);
}

// A finding of `list` (a "findings" JSON array) with this class and path.
const json* FindingIn(const json& list, const std::string& cls, const std::string& path) {
  for (const auto& f : list)
    if (f.value("class", "") == cls && f.value("path", "") == path) return &f;
  return nullptr;
}

TEST_CASE(
    "every finding shown - traversal members and a nest too deep and an encrypted member reach the CLI and the "
    "evidence and the act") {
  World w(false);
  w.tree = w.dir.Sub("tree");
  testing::MakeSampleTree(w.tree, 16 * 1024);
  // The hostile archive of the depositor's medium, as python's zipfile writes it.
  print::testing::RunTool({"python3", "-c",
                           "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1],'w'); z.writestr('../../x','up');"
                           "z.writestr('/x','root'); z.writestr('fine.txt','fine'); z.close()",
                           w.tree + "/evil.zip"});
  // Eight zips in one another (the limit lists six levels) and an encrypted member.
  print::testing::RunTool({"sh", "-c",
                           "set -e; cd '" + w.dir.path() +
                               "'; printf leaf > leaf.txt; zip -q z1.zip leaf.txt; for i in 2 3 4 5 6 7 8; do zip -q "
                               "z$i.zip z$((i-1)).zip; done; cp z8.zip '" +
                               w.tree + "/deep.zip'; printf secret > secret.txt; zip -q -P pass '" + w.tree +
                               "/enc.zip' secret.txt; printf after > '" + w.tree + "/zz-after.txt'"});
  w.act = w.dir.Sub("act.json");
  w.Must({"act", "create", w.tree, "--application", "IS-0042", "--software", "Е-Қойма", "--version", "1.0", "--out",
          w.act});
  w.image = w.dir.Sub("tree.iso");
  testing::BuildImage(testing::FsType::kIso9660, w.tree, w.image);
  w.loop = std::make_unique<testing::LoopDevice>(w.image);

  // `qoima scan`, text: a line for each finding, after a count by class.
  auto scan = w.Run({"scan", w.loop->path()});
  INFO(scan.out << scan.err);
  CHECK(scan.exit_code == 0);
  for (const char* line : {"unsafe_name evil.zip -> ../../x  unsafe archive member path: '..' component",
                           "unsafe_name evil.zip -> /x  unsafe archive member path: absolute path",
                           "archive_listing_stopped deep.zip  archive nested deeper than 6 levels not listed: "
                           "z7.zip/z6.zip/z5.zip/z4.zip/z3.zip/z2.zip",
                           "encrypted_entry enc.zip -> secret.txt  archive member is encrypted",
                           "findings: 2 unsafe_name, 1 encrypted_entry, 1 archive_listing_stopped"}) {
    INFO(line);
    CHECK(scan.out.find(line) != std::string::npos);
  }
  CHECK(scan.out.find("zz-after.txt") != std::string::npos);
  // --json: the same findings, each with its class, kind or limit.
  json sj = w.Json({"scan", w.loop->path()});
  REQUIRE(FindingIn(sj["findings"], "unsafe_name", "evil.zip -> ../../x") != nullptr);
  CHECK((*FindingIn(sj["findings"], "unsafe_name", "evil.zip -> ../../x"))["kind"] == "traversal");
  REQUIRE(FindingIn(sj["findings"], "archive_listing_stopped", "deep.zip") != nullptr);
  CHECK((*FindingIn(sj["findings"], "archive_listing_stopped", "deep.zip"))["limit"] == "archive_depth");
  CHECK((*FindingIn(sj["findings"], "archive_listing_stopped", "deep.zip"))["limit_value"] == 6);
  CHECK(sj["finding_counts"]["unsafe_name"] == 2);
  CHECK(sj["findings_unlisted"] == 0);

  // The intake accepts (findings are not refusal grounds; nothing is missing)
  // and its text and JSON show them.
  auto text_in = w.Run({"intake", "--application", "IS-0042", "--manifest", w.act, "--medium", w.loop->path()});
  INFO(text_in.out << text_in.err);
  CHECK(text_in.exit_code == 0);
  CHECK(text_in.out.find("  unsafe_name evil.zip -> /x  unsafe archive member path: absolute path") !=
        std::string::npos);
  CHECK(text_in.out.find("  archive_listing_stopped deep.zip  archive nested deeper than 6 levels") !=
        std::string::npos);
  json in = w.Json({"intake", "--application", "IS-0042", "--manifest", w.act, "--medium", w.loop->path(), "--accept"});
  INFO(in.dump(2));
  REQUIRE(in["state"] == "accepted");
  CHECK(in["media"][0]["clean"] == true);  // every file of the act read, the one after the nest too
  const json& found = in["media"][0]["findings"];
  CHECK(FindingIn(found, "unsafe_name", "evil.zip -> ../../x") != nullptr);
  CHECK(FindingIn(found, "unsafe_name", "evil.zip -> /x") != nullptr);
  CHECK(FindingIn(found, "encrypted_entry", "enc.zip -> secret.txt") != nullptr);
  CHECK(FindingIn(found, "archive_listing_stopped", "deep.zip") != nullptr);

  // The stored evidence, read back from the store.
  const std::string id = std::to_string(in["intake"].get<int64_t>());
  json shown = w.Json({"intake", "show", id}, "aud1");
  const json& stored = shown["evidence"]["media"][0]["findings"];
  CHECK(FindingIn(stored, "unsafe_name", "evil.zip -> ../../x") != nullptr);
  CHECK(FindingIn(stored, "unsafe_name", "evil.zip -> /x") != nullptr);
  REQUIRE(FindingIn(stored, "archive_listing_stopped", "deep.zip") != nullptr);
  CHECK((*FindingIn(stored, "archive_listing_stopped", "deep.zip"))["limit"] == "archive_depth");
  CHECK(shown["evidence"]["media"][0]["finding_counts"]["encrypted_entry"] == 1);
  auto show_text = w.Run({"intake", "show", id}, "aud1");
  CHECK(show_text.out.find("  unsafe_name evil.zip -> ../../x  unsafe archive member path") != std::string::npos);

  // On paper: the findings section in Kazakh and Russian, names as found.
  const std::string text = Squash(w.PrintText({"act", "A-1"}, "clerk1", "act-findings"));
  INFO(text);
  for (const char* s : {"Тасығышты оқу кезінде анықталғандар", "Выявлено при чтении носителя", "evil.zip -> ../../x",
                        "evil.zip -> /x", "глубже 6 уровней"}) {
    INFO(s);
    CHECK(text.find(s) != std::string::npos);
  }
  // Labels of the narrow "what was found" column wrap, and pdftotext
  // interleaves a wrapped cell with its neighbours: their words, in order.
  for (const char* s : {"қалтадан шығатын жол", "путь за пределы папки", "шифрланған мұрағат элементі",
                        "зашифрованный элемент архива"}) {
    INFO(s);
    CHECK(WordsInOrder(text, s));
  }
}

TEST_CASE("qoima print renders every kind from the store in Kazakh and Russian - act verify accepts only real values") {
  World w(true);
  json accepted = w.AcceptSample();
  REQUIRE(accepted["state"] == "accepted");
  const std::string root = accepted["act"]["deposit_root"], manifest = accepted["manifest_sha256"];
  const std::string fingerprint = accepted["act"]["device_fingerprint"];

  // A refusal: an act listing a file the medium does not have (clause 16(2)).
  testing::WriteFile(w.tree + "/жоқ-файл.txt", "listed but not delivered");
  const std::string act2 = w.dir.Sub("act2.json");
  w.Must({"act", "create", w.tree, "--application", "IS-0042", "--software", "Е-Қойма", "--version", "1.1", "--out",
          act2});
  json refused = w.Json({"intake", "--application", "IS-0042", "--manifest", act2, "--medium", w.loop->path(),
                         "--refuse", "act_mismatch", "--reason-text", "тізім сәйкес емес"});
  REQUIRE(refused["state"] == "refused");
  const std::string refusal_id = std::to_string(refused["intake"].get<int64_t>());
  w.Must({"application", "nda", "IS-0042", "--owner-rep", "Ахметов Ғалым", "--owner-authority", "Жарғы",
          "--operator-rep", "Сейітова Әйгерім", "--signed", "2026-01-06"});

  // Acceptance act: Annex 3 wording in both languages, the file rows, the hashes, the QR line.
  std::string text = w.PrintText({"act", "A-1"}, "clerk1", "act");
  CHECK(text.find("Қабылдау-тапсыру актісі") != std::string::npos);
  CHECK(text.find("Акт приема-передачи") != std::string::npos);
  CHECK(text.find(root) != std::string::npos);
  CHECK(text.find(manifest) != std::string::npos);
  CHECK(text.find(fingerprint) != std::string::npos);
  json m = json::parse(testing::ReadFile(w.act));
  for (const auto& f : m["files"]) CHECK(text.find(f["sha256"].get<std::string>()) != std::string::npos);
  CHECK(text.find("README.txt") != std::string::npos);
  CHECK(text.find("негізгі.cpp") != std::string::npos);
  CHECK(text.find("Бет 1 / ") != std::string::npos);
  CHECK(text.find("Страница 1 из ") != std::string::npos);
  const std::string act_line = LineIn(text);
  REQUIRE(!act_line.empty());
  CHECK(Field(act_line, "root") == root);
  CHECK(Field(act_line, "manifest") == manifest);
  CHECK(Field(act_line, "key") == fingerprint);
  // The deposit id names the same act; a reprint carries the same values.
  CHECK(LineIn(w.PrintText({"act", "1", "--lang", "ru"}, "aud1", "act-ru")) == act_line);

  text = w.PrintText({"refusal", refusal_id}, "clerk1", "refusal");
  CHECK(Squash(text).find("тізім сәйкес емес") != std::string::npos);
  CHECK(text.find("жоқ-файл.txt") != std::string::npos);
  CHECK(text.find("отказ") != std::string::npos);
  const std::string refusal_line = LineIn(text);
  CHECK(Field(refusal_line, "act") == "R-" + refusal_id);

  text = w.PrintText({"application", "IS-0042"}, "clerk1", "application");
  CHECK(text.find("«Ақпарат» АҚ") != std::string::npos);
  CHECK(text.find("SN-ҚӨ-1") != std::string::npos);
  text = w.PrintText({"journal", "all", "--lang", "kk+ru"}, "clerk1", "journal");
  CHECK(text.find("15/2026") != std::string::npos);
  CHECK(text.find("Ахметов Ғалым") != std::string::npos);
  CHECK(w.PrintText({"journal", "15/2026"}, "clerk1", "journal-line").find("15/2026") != std::string::npos);
  text = w.PrintText({"nda", "IS-0042"}, "clerk1", "nda");
  CHECK(text.find("Ахметов Ғалым") != std::string::npos);
  CHECK(text.find("Жарғы") != std::string::npos);

  // Lifecycle: a return case (printed while the version is stored), then destruction.
  w.Must({"return", "IS-0042", "--received", "2026-11-03", "--ref", "вх-2", "--user", "clerk1"});
  text = w.PrintText({"return", "1"}, "so1", "return");
  CHECK(text.find("вх-2") != std::string::npos);
  CHECK(text.find(m["files"][0]["sha256"].get<std::string>()) != std::string::npos);
  const std::string return_line = LineIn(text);
  CHECK(Field(return_line, "root") == root);
  // Before the hand-over the act lists what is stored now; it verifies while that is so.
  auto return_ok = w.Run({"act", "verify", "--line", return_line}, "so1");
  INFO(return_ok.out << return_ok.err);
  CHECK(return_ok.exit_code == 0);
  // The code goes back to the owner (003 cl.30) before it may be destroyed (cl.33).
  const std::string out = w.dir.Sub("out");
  std::filesystem::create_directories(out);
  json asked = w.Json({"return", "ask-approval", "1", "--user", "so1"}, "so1");
  std::string export_ids;
  for (const auto& a : asked["approvals"]) {
    const std::string id = std::to_string(a["approval_id"].get<int64_t>());
    w.Must({"export", "approve", id, "--user", "so2"}, "so2");
    export_ids += (export_ids.empty() ? "" : ",") + id;
  }
  w.Must({"return", "run", "1", "--approval", export_ids, "--to", out, "--user", "so2"}, "so2");
  w.Must({"destroy", "notice", "IS-0042", "--received", "2026-11-04", "--ref", "arch-1", "--user", "clerk1"});
  auto destroy_asked = w.Must({"destroy", "request", "2", "--user", "so1"}, "so1");
  std::smatch approval;
  REQUIRE(std::regex_search(destroy_asked.out, approval, std::regex("destruction approval (\\d+)")));
  w.Must({"destroy", "approve", approval[1], "--user", "so2"}, "so2");
  w.Must({"destroy", "2", "--approval", approval[1], "--user", "so1"}, "so1");
  text = w.PrintText({"destruction", "2"}, "so1", "destruction");
  CHECK(text.find(m["files"][0]["sha256"].get<std::string>()) != std::string::npos);
  CHECK(text.find("arch-1") != std::string::npos);
  const std::string destruction_line = LineIn(text);
  CHECK(Field(destruction_line, "act").rfind("DESTR-", 0) == 0);

  json notices = w.Json({"notices", "--user", "aud1"}, "aud1");
  INFO(notices.dump());
  REQUIRE(notices.size() >= 2);
  text = w.PrintText({"notice", std::to_string(notices[0]["id"].get<int64_t>())}, "so1", "notice");
  CHECK(text.find("Уведомление уполномоченному органу") != std::string::npos);
  CHECK(text.find("Уәкілетті органға хабарлама") != std::string::npos);
  text = w.PrintText({"report", "2026", "H1"}, "aud1", "report");
  CHECK(WordsInOrder(Squash(text),
                     "Отчет о хранении в едином репозитории «электронного правительства» за 1-е "
                     "полугодие 2026 года"));
  CHECK(WordsInOrder(Squash(text), "2026 жылдың 1-жартыжылдығындағы ЭҮБР-да сақтау туралы есеп"));
  CHECK(Field(LineIn(text), "act") == "HY-2026-H1");

  // Roles: a clerk may not print a destruction act, an admin nothing; both refusals are audited.
  auto denied = w.Run({"print", "destruction", "2", "--pdf", w.dir.Sub("x.pdf")}, "clerk1");
  CHECK(denied.exit_code == 4);
  CHECK(denied.err.find("may not print destruction") != std::string::npos);
  CHECK(w.Run({"print", "act", "A-1", "--pdf", w.dir.Sub("x.pdf")}, "admin").exit_code == 4);
  CHECK_FALSE(std::filesystem::exists(w.dir.Sub("x.pdf")));
  CHECK(w.Run({"print", "act", "A-99", "--pdf", w.dir.Sub("x.pdf")}, "clerk1").exit_code == 7);

  // act verify: the printed values, typed field by field or as the whole line.
  auto ok = w.Run({"act", "verify", "--act-id", "A-1", "--root", root, "--manifest", manifest, "--checkpoint",
                   Field(act_line, "cp"), "--fingerprint", fingerprint},
                  "aud1");
  INFO(ok.out << ok.err);
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find("act verify: OK") != std::string::npos);
  for (const std::string& line : {refusal_line, destruction_line}) {
    auto r = w.Run({"act", "verify", "--line", line}, "aud1");
    INFO(line << "\n" << r.out << r.err);
    CHECK(r.exit_code == 0);
  }
  auto bad_root = w.Run({"act", "verify", "--line", Replace(act_line, "root", Flip(root))}, "clerk1");
  CHECK(bad_root.exit_code == 3);
  CHECK(bad_root.err.find("deposit root") != std::string::npos);
  auto bad_manifest = w.Run({"act", "verify", "--line", Replace(act_line, "manifest", Flip(manifest))}, "clerk1");
  CHECK(bad_manifest.exit_code == 3);
  CHECK(bad_manifest.err.find("manifest") != std::string::npos);
  const std::string cp = Field(act_line, "cp");
  const std::string cp_size = cp.substr(0, cp.find(':')), cp_root = cp.substr(cp.find(':') + 1);
  auto bad_cp_root = w.Run({"act", "verify", "--line", Replace(act_line, "cp", cp_size + ":" + Flip(cp_root))}, "aud1");
  CHECK(bad_cp_root.exit_code == 3);
  CHECK(bad_cp_root.err.find("audit checkpoint root") != std::string::npos);
  auto future_cp = w.Run({"act", "verify", "--line", Replace(act_line, "cp", "999999:" + cp_root)}, "aud1");
  CHECK(future_cp.exit_code == 3);
  CHECK(future_cp.err.find("audit log holds") != std::string::npos);
  auto bad_key = w.Run({"act", "verify", "--line", Replace(act_line, "key", Flip(fingerprint))}, "aud1");
  CHECK(bad_key.exit_code == 3);
  CHECK(bad_key.err.find("key") != std::string::npos);
  auto bad_refusal =
      w.Run({"act", "verify", "--line", Replace(refusal_line, "root", Flip(Field(refusal_line, "root")))}, "aud1");
  CHECK(bad_refusal.exit_code == 3);

  // Every print and verification is in the audit log, which still verifies.
  json audit = w.Json({"audit", "list"}, "aud1");
  int renders = 0, denials = 0, verifies_failed = 0;
  for (const auto& e : audit["entries"]) {
    renders += e["action"] == "document.render" && e["outcome"] == "success";
    denials += e["action"] == "document.render" && e["outcome"] == "denied";
    verifies_failed += e["action"] == "act.verify" && e["outcome"] == "failure";
  }
  CHECK(renders >= 10);
  CHECK(denials == 2);
  CHECK(verifies_failed >= 6);
  CHECK(w.Json({"audit", "verify"}, "aud1")["ok"] == true);
}

TEST_CASE(
    "qoima print sends an act through a private cupsd to cups-pdf - no printer and a stopped one are clear errors") {
  World w(false);
  print::testing::PrivateCupsd cupsd;
  cupsd.AddCupsPdfQueue("qoima-acts");
  json accepted = w.AcceptSample();
  REQUIRE(accepted["state"] == "accepted");

  // Nothing configured: refused before anything is rendered, in three languages.
  auto none = w.Run({"print", "act", "A-1"});
  CHECK(none.exit_code == 6);
  CHECK(none.err.find("no printer is configured") != std::string::npos);
  CHECK(none.err.find("принтер не настроен") != std::string::npos);
  CHECK(none.err.find("принтер бапталмаған") != std::string::npos);
  auto no_test_page = w.Run({"printer", "test"}, "admin");
  CHECK(no_test_page.exit_code == 6);
  CHECK(no_test_page.err.find("принтер бапталмаған") != std::string::npos);

  CHECK(w.Run({"printer", "set", "qoima-acts", "--server", cupsd.socket_path()}, "clerk1").exit_code == 4);
  w.Must({"printer", "set", "qoima-acts", "--server", cupsd.socket_path(), "--copies", "1"}, "admin");
  auto printed = w.Run({"print", "act", "A-1", "--pdf", w.dir.Sub("act.pdf"), "--print"});
  INFO(printed.out << printed.err);
  REQUIRE(printed.exit_code == 0);
  CHECK(std::regex_search(printed.out, std::regex("printed: job qoima-acts-\\d+ on qoima-acts")));
  const auto out = cupsd.OutputFiles();
  REQUIRE(out.size() == 1);
  // cups-pdf re-distils the PDF: read the paper back through its QR code.
  std::smatch pages;
  const std::string info = RunTool({"pdfinfo", out.front()});
  REQUIRE(std::regex_search(info, pages, std::regex("Pages:\\s+(\\d+)")));
  CHECK(std::regex_search(RunTool({"pdfinfo", w.dir.Sub("act.pdf")}),
                          std::regex("Pages:\\s+" + std::string(pages[1]) + "\n")));
  // The QR code is on the last page or the one before (notes may follow it).
  RunTool({"pdftoppm", "-r", "150", "-gray", "-png", out.front(), w.dir.Sub("paper")});
  std::string scanned;
  for (const auto& e : std::filesystem::directory_iterator(w.dir.path())) {
    if (e.path().filename().string().rfind("paper", 0) != 0) continue;
    auto z = RunSubprocess({"zbarimg", "--raw", "-q", e.path().string()}, {});
    REQUIRE(z.ok());
    if (z->exit_code == 0) scanned = z->out;  // 4: no code on this page
  }
  while (!scanned.empty() && scanned.back() == '\n') scanned.pop_back();
  std::smatch line;
  REQUIRE(std::regex_search(printed.out, line, std::regex("verification line: (\\S+)")));
  CHECK(scanned == std::string(line[1]));
  CHECK(scanned.find(accepted["act"]["deposit_root"].get<std::string>()) != std::string::npos);
  auto verified = w.Run({"act", "verify", "--line", scanned}, "aud1");
  INFO(verified.out << verified.err);
  CHECK(verified.exit_code == 0);

  // The test page, an admin's: printed once, its PDF kept where asked, audited.
  CHECK(w.Run({"printer", "test"}, "clerk1").exit_code == 4);
  auto test_page = w.Run({"printer", "test", "--pdf", w.dir.Sub("test-page.pdf")}, "admin");
  INFO(test_page.out << test_page.err);
  REQUIRE(test_page.exit_code == 0);
  CHECK(std::regex_search(test_page.out, std::regex("printed: test page, job qoima-acts-\\d+ on qoima-acts")));
  CHECK(RunTool({"pdftotext", w.dir.Sub("test-page.pdf"), "-"}).find("qoima-acts") != std::string::npos);
  REQUIRE(cupsd.OutputFiles().size() == 2);

  // A stopped printer: the job fails with the server's reason; --pdf still has the document.
  cupsd.DisableQueue("qoima-acts", "paper jam");
  std::filesystem::remove(w.dir.Sub("act.pdf"));
  auto jammed = w.Run({"print", "act", "A-1", "--pdf", w.dir.Sub("act.pdf"), "--print"});
  CHECK(jammed.exit_code == 1);
  CHECK(jammed.err.find("печать не удалась") != std::string::npos);
  CHECK(jammed.err.find("paper jam") != std::string::npos);
  CHECK(std::filesystem::exists(w.dir.Sub("act.pdf")));
  CHECK(cupsd.OutputFiles().size() == 2);
  auto jammed_test = w.Run({"printer", "test"}, "admin");
  CHECK(jammed_test.exit_code == 1);
  CHECK(jammed_test.err.find("paper jam") != std::string::npos);
  json audit = w.Json({"audit", "list"}, "aud1");
  int printed_ok = 0, print_failed = 0, test_ok = 0, test_failed = 0;
  for (const auto& e : audit["entries"]) {
    printed_ok += e["action"] == "document.print" && e["outcome"] == "success";
    print_failed += e["action"] == "document.print" && e["outcome"] == "failure";
    test_ok += e["action"] == "printer.test" && e["outcome"] == "success";
    test_failed += e["action"] == "printer.test" && e["outcome"] == "failure";
  }
  CHECK(printed_ok == 1);
  CHECK(print_failed == 1);
  CHECK(test_ok == 1);
  CHECK(test_failed >= 2);  // no printer, and the jam (the clerk was refused before: an audited denial)
}

namespace {

// The operator's details an admin sets (the State Technical Service).
const std::vector<std::pair<std::string, std::string>> kOperator = {
    {"name-kk", "«Мемлекеттік техникалық қызмет» АҚ"},
    {"name-ru", "АО «Государственная техническая служба»"},
    {"bin", "180940012345"},
    {"address", "Астана қ., Мәңгілік Ел даңғылы, 55/20"},
    {"phone", "+7 7172 55-99-00"},
    {"email", "kense@sts.kz"},
    {"head-position", "Басқарма төрағасы"},
    {"head-name", "Жақсыбеков Нұрлан Серікұлы"},
    {"clerk-position", "Бас маман"},
    {"officer-position", "Ақпараттық қауіпсіздік бөлімінің бастығы"}};

/// so1 asks for an export of each version of `kind` case `case_id`; so2
/// approves each; returns "ID,ID".
std::string ApprovedExports(World& w, const std::string& kind, const std::string& case_id) {
  json asked = w.Json({kind, "ask-approval", case_id, "--user", "so1"}, "so1");
  std::string ids;
  for (const auto& a : asked["approvals"]) {
    const std::string id = std::to_string(a["approval_id"].get<int64_t>());
    w.Must({"export", "approve", id, "--user", "so2"}, "so2");
    ids += (ids.empty() ? "" : ",") + id;
  }
  REQUIRE(!ids.empty());
  return ids;
}

/// Two security officers approve a destruction of case `case_id`; returns the approval id.
std::string ApprovedDestruction(World& w, const std::string& case_id) {
  auto asked = w.Must({"destroy", "request", case_id, "--user", "so1"}, "so1");
  std::smatch m;
  REQUIRE(std::regex_search(asked.out, m, std::regex("destruction approval (\\d+)")));
  w.Must({"destroy", "approve", m[1], "--user", "so2"}, "so2");
  return m[1];
}

/// Words in Latin letters on a page that are not identifiers: `identifiers`
/// (proper names, references, file names) are split into words that are
/// allowed; hex digits (hashes, which pdftotext cuts at line ends), the
/// verification line, the command the QR hint names, the abbreviations of the
/// form itself (CD, RAM, E-mail, Http) and SHA-256 are not words either.
std::vector<std::string> EnglishWords(std::string text, const std::vector<std::string>& identifiers) {
  std::set<std::string> allowed = {"CD", "RAM", "SHA", "QR", "E", "mail", "Http", "QOIMA", "ACT1"};
  std::regex word("[A-Za-z]+");
  for (const std::string& id : identifiers)
    for (auto it = std::sregex_iterator(id.begin(), id.end(), word); it != std::sregex_iterator(); ++it)
      allowed.insert(it->str());
  const std::string original = text;
  text = std::regex_replace(text,
                            std::regex("qoima act verify|/dev/loop\\d+|;?(act|root|manifest|cp|key)=|"
                                       "\\b(A|R|RET|DESTR|HY|N|IS)-[0-9A-Za-z-]+|\\bv\\d+\\b"),
                            " ");
  // The verification line is printed in monospace and wraps anywhere: its pieces are not words.
  const std::string payload = LineIn(original);
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), word); it != std::sregex_iterator(); ++it) {
    const std::string w = it->str();
    if (allowed.count(w) || w.find_first_not_of("0123456789abcdef") == std::string::npos) continue;
    if (!payload.empty() && payload.find(w) != std::string::npos) continue;
    out.push_back(w);
  }
  return out;
}

}  // namespace

TEST_CASE(
    "the law in force on every page - every kind cites 110/НҚ with the operator's details and no English word and "
    "states only what happened") {
  World w(true);
  // The operator's details: an admin sets them (a clerk may not); audited.
  CHECK(w.Run({"operator", "set", "--bin", "180940012345"}, "clerk1").exit_code == 4);
  std::vector<std::string> set = {"operator", "set"};
  for (const auto& [option, value] : kOperator) set.insert(set.end(), {"--" + option, value});
  CHECK(w.Run({"operator", "set", "--bin", "12345"}, "admin").exit_code != 0);  // a BIN is 12 digits
  w.Must(set, "admin");
  json shown = w.Json({"operator", "show"}, "aud1");
  CHECK(shown["operator"]["bin"] == "180940012345");

  // Intake: the act issued at the counter (--operator, --act-pdf) and the refusal of a second act.
  w.tree = w.dir.Sub("tree");
  testing::MakeSampleTree(w.tree, 64 * 1024);
  w.act = w.dir.Sub("act.json");
  w.Must({"act", "create", w.tree, "--application", "IS-0042", "--software", "Е-Қойма", "--version", "1.0", "--out",
          w.act});
  w.image = w.dir.Sub("tree.iso");
  testing::BuildImage(testing::FsType::kIso9660, w.tree, w.image);
  w.loop = std::make_unique<testing::LoopDevice>(w.image);
  const std::string issued_pdf = w.dir.Sub("issued-act.pdf");
  json accepted =
      w.Json({"intake", "--application", "IS-0042", "--manifest", w.act, "--medium", w.loop->path(), "--accept",
              "--operator", "Нұрланов Асқар Бекұлы/«Мемлекеттік техникалық қызмет» АҚ", "--act-pdf", issued_pdf});
  REQUIRE(accepted["state"] == "accepted");
  testing::WriteFile(w.tree + "/жоқ-файл.txt", "listed but not delivered");
  const std::string act2 = w.dir.Sub("act2.json");
  w.Must({"act", "create", w.tree, "--application", "IS-0042", "--software", "Е-Қойма", "--version", "1.1", "--out",
          act2});
  json refused = w.Json({"intake", "--application", "IS-0042", "--manifest", act2, "--medium", w.loop->path(),
                         "--refuse", "act_mismatch", "--reason-text", "тізім сәйкес емес"});
  REQUIRE(refused["state"] == "refused");
  const std::string refusal_id = std::to_string(refused["intake"].get<int64_t>());
  w.Must({"application", "nda", "IS-0042", "--owner-rep", "Ахметов Ғалым", "--owner-authority", "Жарғы",
          "--operator-rep", "Жақсыбеков Нұрлан Серікұлы", "--signed", "2026-01-06"});
  // The security test of version 1 (003 cl.11-18): its report kept in the store, its list and table.
  testing::WriteFile(w.dir.Sub("static-analysis.pdf"), "%PDF-1.4 static analysis of IS-0042");
  testing::WriteFile(w.dir.Sub("findings.json"),
                     R"({"vulnerabilities": [
                          {"description": "іздеудегі SQL инъекциясы", "path": "src/іздеу.c", "risk": "high"},
                          {"description": "әлсіз хэш", "path": "src/token.c", "risk": "low"}],
                         "remediation": [
                          {"vulnerability": 1, "correction": "дайындалған сұраулар", "fixed": true},
                          {"vulnerability": 2, "correction": "SHA-256", "fixed": true}]})");
  json tested =
      w.Json({"object", "test-outcome", "IS-0042", "1", "positive", "--report", "СТ-17", "--report-file",
              w.dir.Sub("static-analysis.pdf"), "--findings", w.dir.Sub("findings.json"), "--date", "2026-11-02"});
  REQUIRE(tested["tier"] == "permanent");
  const std::string test_id = std::to_string(tested["test"].get<int64_t>());

  // One act: the act issued at the intake and the act reprinted later from the store read the same.
  const std::string issued = RunTool({"pdftotext", "-layout", issued_pdf, "-"});
  const std::string reprinted = w.PrintText({"act", "A-1"}, "aud1", "reprinted-act");
  CHECK(issued == reprinted);
  CHECK(Squash(reprinted).find("Нұрланов Асқар Бекұлы") != std::string::npos);
  CHECK(WordsInOrder(Squash(reprinted), "Бас маман"));

  // An issue request: while it is open its notice is a draft that says only what was received.
  w.Must({"request", "IS-0042", "--received", "2026-11-02", "--ref", "вх-1", "--user", "clerk1"});
  json notices = w.Json({"notices", "--user", "aud1"}, "aud1");
  REQUIRE(notices.size() == 1);
  const std::string issue_notice = std::to_string(notices[0]["id"].get<int64_t>());
  std::string text = Squash(w.PrintText({"notice", issue_notice}, "so1", "notice-issue-open"));
  CHECK(text.find("ЖОБА") != std::string::npos);
  CHECK(text.find("ПРОЕКТ") != std::string::npos);
  CHECK(text.find("сұрауы алынды") != std::string::npos);
  CHECK(text.find("предоставила") == std::string::npos);
  CHECK(text.find("кодтарын берді") == std::string::npos);

  // Decommissioning: the return is open, so the archive-transfer notice (destruction) is refused.
  w.Must({"return", "IS-0042", "--received", "2026-11-03", "--ref", "вх-2", "--user", "clerk1"});
  auto early = w.Run({"destroy", "notice", "IS-0042", "--received", "2026-11-04", "--ref", "arch-1"}, "clerk1");
  CHECK(early.exit_code != 0);
  CHECK(early.err.find("is still open") != std::string::npos);
  // The return act before the hand-over is a draft.
  text = Squash(w.PrintText({"return", "2"}, "so1", "return-draft"));
  CHECK(text.find("ПРОЕКТ: возврат еще не проведен") != std::string::npos);

  // The issue and the return are handed over; then the destruction may be noticed.
  const std::string out = w.dir.Sub("out");
  std::filesystem::create_directories(out);
  w.Must({"request", "run", "1", "--approval", ApprovedExports(w, "request", "1"), "--to", out, "--user", "so1"},
         "so1");
  text = Squash(w.PrintText({"notice", issue_notice}, "so1", "notice-issue-done"));
  CHECK(text.find("ЖОБА") == std::string::npos);
  CHECK(text.find("кодтарын берді") != std::string::npos);
  w.Must({"return", "run", "2", "--approval", ApprovedExports(w, "return", "2"), "--to", out, "--user", "so2"}, "so2");
  w.Must({"destroy", "notice", "IS-0042", "--received", "2026-11-04", "--ref", "arch-1", "--user", "clerk1"});
  // An issue requested after the archive-transfer notice: nothing is destroyed while it is open.
  w.Must({"request", "IS-0042", "--received", "2026-11-05", "--ref", "вх-3", "--user", "clerk1"});
  const std::string approval = ApprovedDestruction(w, "3");
  auto blocked = w.Run({"destroy", "3", "--approval", approval, "--user", "so1"}, "so1");
  CHECK(blocked.exit_code != 0);
  CHECK(blocked.err.find("issue on request (003 cl.29), case 4") != std::string::npos);
  json audit = w.Json({"audit", "list"}, "aud1");
  bool denied = false;
  for (const auto& e : audit["entries"])
    denied = denied || (e["action"] == "lifecycle.destroy" && e["outcome"] == "denied" &&
                        e.dump().find("still open") != std::string::npos);
  CHECK(denied);
  CHECK(w.Json({"object", "show", "IS-0042"}, "aud1").dump().find("\"destroyed\":true") == std::string::npos);
  w.Must({"request", "run", "4", "--approval", ApprovedExports(w, "request", "4"), "--to", out, "--user", "so1"},
         "so1");
  w.Must({"destroy", "3", "--approval", approval, "--user", "so1"}, "so1");

  // Every kind, printed from the store.
  notices = w.Json({"notices", "--user", "aud1"}, "aud1");
  std::vector<std::pair<std::vector<std::string>, std::string>> kinds = {{{"act", "A-1"}, "act"},
                                                                         {{"application", "IS-0042"}, "application"},
                                                                         {{"journal", "all"}, "journal"},
                                                                         {{"nda", "IS-0042"}, "nda"},
                                                                         {{"refusal", refusal_id}, "refusal"},
                                                                         {{"return", "2"}, "return"},
                                                                         {{"destruction", "3"}, "destruction"},
                                                                         {{"report", "2026", "H1"}, "report"},
                                                                         {{"security-test", test_id}, "security-test"}};
  for (const auto& n : notices) {
    const std::string id = std::to_string(n["id"].get<int64_t>());
    kinds.push_back({{"notice", id}, "notice-" + n["kind"].get<std::string>() + "-" + id});
  }
  // Identifiers and proper names that are not words of either language.
  std::vector<std::string> identifiers = {"IS-0042",     "kense@sts.kz",        "003-110-606", "SN-ҚӨ-1", "arch-1",
                                          "src/іздеу.c", "static-analysis.pdf", "src/token.c", "SQL"};
  for (const auto& f : testing::MakeSampleTree(w.dir.Sub("names"), 1)) identifiers.push_back(f.path);
  std::sort(identifiers.begin(), identifiers.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  std::map<std::string, std::string> printed;
  for (const auto& [args, name] : kinds) {
    const std::string page = w.PrintText(args, "aud1", "law-" + name);
    const std::string flat = Squash(page);
    printed[name] = flat;
    INFO(name << "\n" << page);
    CHECK(flat.find("110/НҚ") != std::string::npos);  // the rules in force are cited
    CHECK(flat.find("146/НҚ") == std::string::npos);  // never the repealed order
    CHECK(flat.find("171/НҚ") == std::string::npos);
    CHECK(flat.find("Ұлттық ақпараттық технологиялар") == std::string::npos);
    for (const char* detail : {"«Мемлекеттік техникалық қызмет» АҚ", "АО «Государственная техническая служба»",
                               "180940012345", "+7 7172 55-99-00", "kense@sts.kz", "Мәңгілік Ел даңғылы"})
      CHECK(flat.find(detail) != std::string::npos);
    CHECK_FALSE(std::regex_search(flat, std::regex("\\b20\\d\\d-\\d\\d-\\d\\d\\b")));  // dates are dd.mm.yyyy
    std::string english;
    for (const auto& word : EnglishWords(page, identifiers)) english += word + " ";
    INFO("English words on " << name << ": " << english);
    CHECK(english.empty());
  }
  // The destruction act: by full name and position, the method, the return act.
  const std::string& destruction = printed["destruction"];
  INFO(destruction);
  CHECK(WordsInOrder(destruction, "Сейітова Әйгерім Қанатқызы"));
  CHECK(destruction.find("Ақпараттық қауіпсіздік бөлімінің бастығы") != std::string::npos);
  CHECK(destruction.find("so1") == std::string::npos);
  CHECK(destruction.find("криптографиялық жою") != std::string::npos);
  CHECK(destruction.find("криптографическое уничтожение") != std::string::npos);
  CHECK(destruction.find("RET-2") != std::string::npos);
  CHECK(destruction.find("«Ақпарат» АҚ") != std::string::npos);  // the owner, not the portal code
  // The refusal: addressee, application number and date, reason 3 not stated, the clerk's words.
  const std::string& refusal = printed["refusal"];
  CHECK(refusal.find("Кімге: «Ақпарат» АҚ") != std::string::npos);
  INFO(refusal);
  CHECK(WordsInOrder(refusal, "Өтінім № 15/2026, келіп түскен күні"));
  CHECK(refusal.find("тізім сәйкес емес") != std::string::npos);
  CHECK(refusal.find("актіде бар, тасығышта жоқ") != std::string::npos);
  CHECK(refusal.find("001 cl.16") == std::string::npos);
  CHECK(refusal.find("practice:refusal") == std::string::npos);
  // The security test: outcome, report, the list with risks and the table, in both languages.
  const std::string& sectest = printed["security-test"];
  INFO(sectest);
  CHECK(sectest.find("static-analysis.pdf") != std::string::npos);
  CHECK(sectest.find("СТ-17") != std::string::npos);
  CHECK(sectest.find("тұрақты қоймаға ауыстырылды") != std::string::npos);
  CHECK(sectest.find("перемещена из временного хранилища в постоянное") != std::string::npos);
  CHECK(sectest.find("іздеудегі SQL инъекциясы") != std::string::npos);
  for (const char* word : {"жоғары", "высокая", "төмен", "низкая", "жойылды", "устранена", "дайындалған сұраулар"})
    CHECK(sectest.find(word) != std::string::npos);
  // The NDA names the operator from its details.
  CHECK(printed["nda"].find("«Мемлекеттік техникалық қызмет» АҚ") != std::string::npos);
  // Notices: the completed return cites its act, the addressee in words.
  auto notice_of = [&](const std::string& kind) {
    for (const auto& [name, flat] : printed)
      if (name.rfind("notice-" + kind + "-", 0) == 0) return flat;
    return std::string();
  };
  CHECK(notice_of("return").find("RET-2") != std::string::npos);
  CHECK(notice_of("return").find("Ақпараттық қауіпсіздікті қамтамасыз ету саласындағы уәкілетті орган") !=
        std::string::npos);
  CHECK(notice_of("destruction").find("жойды") != std::string::npos);
  CHECK(notice_of("destruction").find("ЖОБА") == std::string::npos);
  INFO(printed["report"]);
  CHECK(WordsInOrder(printed["report"], "Кезеңдегі жиынтығы: өтінімдер 1;"));
  CHECK(w.Json({"audit", "verify"}, "aud1")["ok"] == true);
}

TEST_CASE(
    "the access register lists exactly who read, exported, printed and issued a deposit, prints in kk/ru, and is "
    "refused when the audit log was tampered with") {
  World w(true);
  std::vector<std::string> set = {"operator", "set"};
  for (const auto& [option, value] : kOperator) set.insert(set.end(), {"--" + option, value});
  w.Must(set, "admin");
  REQUIRE(w.AcceptSample()["state"] == "accepted");
  // Before anyone touched the stored version, the register is empty.
  json empty = w.Json({"access-register", "1"}, "aud1");
  CHECK(empty["entries"].empty());
  CHECK(empty["act"] == "A-1");

  // aud1 makes a PDF of the act; so1 exports the version (so2 approves) and issues it on request.
  w.PrintText({"act", "A-1"}, "aud1", "act");
  json asked = w.Json({"export", "request", "1", "--reason", "сот сұрауы"}, "so1");
  const std::string approval = std::to_string(asked["id"].get<int64_t>());
  w.Must({"export", "approve", approval}, "so2");
  w.Must({"export", "run", approval, "--out", w.dir.Sub("export.tar")}, "so1");
  w.Must({"request", "IS-0042", "--received", "2026-11-02", "--ref", "вх-1"});
  const std::string out = w.dir.Sub("out");
  std::filesystem::create_directories(out);
  w.Must({"request", "run", "1", "--approval", ApprovedExports(w, "request", "1"), "--to", out}, "so1");

  // Roles: neither the clerk nor the admin may read the register; the refusal is audited.
  CHECK(w.Run({"access-register", "1"}, "clerk1").exit_code == 4);
  CHECK(w.Run({"access-register", "1"}, "admin").exit_code == 4);
  CHECK(w.Run({"access-register", "99"}, "aud1").exit_code == 7);
  CHECK(w.Run({"access-register", "деп"}, "aud1").exit_code == 5);

  json reg = w.Json({"access-register", "A-1"}, "so2");
  INFO(reg.dump(2));
  CHECK(reg["deposit"] == 1);
  std::multiset<std::string> rows;
  for (const auto& e : reg["entries"])
    rows.insert(e["kind"].get<std::string>() + " " + e["login"].get<std::string>() + " " +
                e["action"].get<std::string>());
  // Exactly: aud1's PDF; so1's export (its read of the content, then the bundle); so1's issue (read, bundle).
  const std::multiset<std::string> expected = {"print aud1 document.render", "read so1 deposit.read",
                                               "export so1 export.bundle", "read so1 deposit.read",
                                               "issue so1 export.bundle"};
  CHECK(rows == expected);
  // Every row is an audit entry of that person; the names are the users' full names.
  json audit = w.Json({"audit", "list"}, "aud1");
  for (const auto& e : reg["entries"]) {
    const auto& entry = audit["entries"][e["audit_index"].get<size_t>()];
    CHECK(entry["actor"] == e["login"]);
    CHECK(entry["action"] == e["action"]);
    CHECK(entry["object"] == e["object"]);
    CHECK(e["full_name"] == "Сейітова Әйгерім Қанатқызы");
  }
  // Reading the register is itself audited, the denied attempts too.
  int reads = 0, denied = 0;
  for (const auto& e : audit["entries"])
    if (e["action"] == "access_register.read") (e["outcome"] == "success" ? reads : denied) += 1;
  CHECK(reads == 2);
  CHECK(denied == 2);

  // Printed: Kazakh and Russian, no English word, the people by full name, the verification line verifies.
  const std::string page = w.PrintText({"access-register", "1"}, "aud1", "access-register");
  const std::string flat = Squash(page);
  INFO(page);
  CHECK(flat.find("Сақтаудағы нұсқаға қол жеткізген тұлғалардың тізілімі") != std::string::npos);
  CHECK(flat.find("Реестр лиц, имевших доступ к хранимой версии") != std::string::npos);
  CHECK(flat.find("110/НҚ") != std::string::npos);
  CHECK(flat.find("146/НҚ") == std::string::npos);
  CHECK(flat.find("180940012345") != std::string::npos);
  CHECK(WordsInOrder(flat, "Сейітова Әйгерім Қанатқызы"));
  CHECK(flat.find("иесіне") != std::string::npos);  // issued to the owner (the cell wraps)
  CHECK(flat.find("владельцу") != std::string::npos);
  CHECK(flat.find("экспорттау") != std::string::npos);
  CHECK(flat.find("so1") == std::string::npos);  // people by name, never by login
  CHECK_FALSE(std::regex_search(flat, std::regex("\\b20\\d\\d-\\d\\d-\\d\\d\\b")));
  std::vector<std::string> identifiers = {"IS-0042", "kense@sts.kz", "003-110-606", "AR-1"};
  std::string english;
  for (const auto& word : EnglishWords(page, identifiers)) english += word + " ";
  INFO("English words: " << english);
  CHECK(english.empty());
  const std::string line = LineIn(page);
  REQUIRE(!line.empty());
  CHECK(Field(line, "act") == "AR-1");
  auto verified = w.Run({"act", "verify", "--line", line}, "aud1");
  INFO(verified.out << verified.err);
  CHECK(verified.exit_code == 0);
  CHECK(w.Run({"act", "verify", "--line", Replace(line, "root", Flip(Field(line, "root")))}, "aud1").exit_code != 0);

  // Someone rewrites who exported it: the log no longer verifies, and the register is refused, not shortened.
  {
    appliance::ApplianceOptions o;
    o.tcti = w.tpm.tcti();
    o.state_dir = w.dir.Sub("state");
    auto app = appliance::Appliance::Open(o);
    REQUIRE(app.ok());
    REQUIRE(appliance::ApplianceTestPeer::Store(**app)
                .db()
                .Exec("DROP TRIGGER audit_entries_no_update; "
                      "UPDATE audit_entries SET actor = 'aud1' WHERE action = 'export.bundle' AND actor = 'so1'")
                .ok());
  }
  auto tampered = w.Run({"--json", "access-register", "1"}, "aud1");
  INFO(tampered.out << tampered.err);
  CHECK(tampered.exit_code == 9);
  CHECK(tampered.out.find("\"entries\"") == std::string::npos);
  CHECK((tampered.out + tampered.err).find("does not verify") != std::string::npos);
  CHECK(w.Run({"print", "access-register", "1", "--pdf", w.dir.Sub("tampered.pdf")}, "aud1").exit_code == 9);
  CHECK_FALSE(std::filesystem::exists(w.dir.Sub("tampered.pdf")));
}
