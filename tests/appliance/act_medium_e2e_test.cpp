// End-to-end: the act comes on a medium, as at the counter, where no medium
// is mounted and no path can be typed. Real images (FAT32 by mkfs.fat +
// mtools, ISO 9660 by xorriso) on real loop devices, the real `qoima`
// binary with swtpm and a real store:
// - a FAT32 stick with the deposit's tree and its act, as Excel saves it
//   ("CSV UTF-8"), at the root: `qoima scan --acts` lists it (form, size,
//   date), `qoima intake --manifest-on` reads it through the sandboxed
//   reader, the paper act's digest (typed grouped) matches, the act's file is
//   left out of the comparison and said so (text, --json, evidence), and
//   its bytes are kept with the intake (`qoima intake act-file`);
// - an ISO of the tree with the act (.xlsx) on a separate stick: held,
//   then accepted without the act's file among the deposit's files;
// - a wrong digest stops either before the deposit is read: nothing stored.
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
std::string Sha256Of(const std::string& path) {
  auto r = RunChecked({"sha256sum", path});
  if (!r.ok()) throw std::runtime_error(r.status().ToString());
  return r->out.substr(0, 64);
}

// As a clerk types it from the paper: upper case, in groups of four.
std::string Grouped(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i < hex.size(); ++i) {
    if (i && i % 4 == 0) out += ' ';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i])));
  }
  return out;
}

using Medium = testing::CorpusMedium;
using World = testing::ProvisionedCli;

// `qoima --json scan --acts DEVICE`.
json ScanActs(const std::string& device) {
  SubprocessResult r = testing::RunQoima({"--json", "scan", "--acts", device});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

const json* Listed(const json& scan, const std::string& path) {
  for (const auto& f : scan["acts"])
    if (f["path"] == path) return &f;
  return nullptr;
}

}  // namespace

TEST_CASE("an Excel act at the root of a FAT32 stick is picked read kept and left out of the comparison") {
  World w;
  Medium stick(testing::FsType::kFat32, true, {{"excel-csv-utf8.csv", "Акт 2025.csv"}});
  const std::string act_sha = Sha256Of(kActs + "excel-csv-utf8.csv");

  // Listed by name and recognised by its first bytes; a .txt of the tree is
  // listed too, as text in none of the forms.
  json scan = ScanActs(stick.device());
  INFO(scan.dump(2));
  const json* act = Listed(scan, "Акт 2025.csv");
  REQUIRE(act != nullptr);
  CHECK((*act)["form"] == "csv");
  CHECK((*act)["size"] == std::filesystem::file_size(kActs + "excel-csv-utf8.csv"));
  CHECK((*act)["mtime"] == "2025-03-12T05:00:00Z");
  CHECK(scan["acts"][0]["path"] == "Акт 2025.csv");  // the acts first
  const json* manual = Listed(scan, "docs/Руководство пользователя.txt");
  REQUIRE(manual != nullptr);
  CHECK((*manual)["form"] == "");
  CHECK((*manual).contains("note"));
  CHECK(Listed(scan, "src/main.cpp") == nullptr);

  // The text listing says the same.
  SubprocessResult text = testing::RunQoima({"scan", "--acts", stick.device()});
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("csv") != std::string::npos);
  CHECK(text.out.find("Акт 2025.csv") != std::string::npos);

  // A wrong digest stops the intake before the deposit is read: nothing stored, no intake.
  int code = -1;
  std::string wrong = act_sha;
  wrong[0] = wrong[0] == '0' ? '1' : '0';
  json refused = w.Json({"intake", "--application", "IS-0042", "--manifest-on", stick.device() + ":Акт 2025.csv",
                         "--medium", stick.device(), "--digest", Grouped(wrong), "--accept"},
                        &code);
  INFO(refused.dump(2));
  CHECK(code == 6);
  CHECK(refused["message"].get<std::string>().find("not the digest on the paper act") != std::string::npos);
  CHECK(refused["message"].get<std::string>().find(act_sha) != std::string::npos);
  CHECK(w.Deposits() == 0);
  CHECK(w.Json({"intake", "show", "1"}, &code)["ok"] == false);
  CHECK(code == 7);

  // The right digest, typed in groups as on the paper.
  json r = w.Json({"intake", "--application", "IS-0042", "--manifest-on", stick.device() + ":Акт 2025.csv", "--medium",
                   stick.device(), "--digest", Grouped(act_sha), "--accept", "--act-out", w.dir.Sub("act.txt")},
                  &code);
  INFO(r.dump(2));
  REQUIRE(code == 0);
  CHECK(r["state"] == "accepted");
  CHECK(r["manifest_sha256"] == act_sha);
  CHECK(r["media"][0]["summary"] == "5 matched");  // the act's file is no extra
  CHECK(r["media"][0]["clean"] == true);
  CHECK(r["act_source"]["format"] == "csv");
  CHECK(r["act_source"]["encoding"] == "UTF-8 with BOM");
  CHECK(r["act_file"]["source"] == "medium");
  CHECK(r["act_file"]["path"] == "Акт 2025.csv");
  CHECK(r["act_file"]["sha256"] == act_sha);
  CHECK(r["act_file"]["paper_digest_checked"] == true);
  CHECK(r["act_file"]["on_deposit_medium"] == true);
  CHECK(r["act_file"]["excluded_from_comparison"] == true);
  CHECK(r["act_file"]["excluded_on"] == stick.device());
  const int64_t intake = r["intake"].get<int64_t>();
  CHECK(w.Deposits() == 1);
  // The act as the appliance writes it says where its file was, and that it was left out.
  const std::string act_text = testing::ReadFile(w.dir.Sub("act.txt"));
  CHECK(act_text.find("Акт файлы / Файл акта: " + stick.device() + ": Акт 2025.csv") != std::string::npos);
  CHECK(act_text.find("Файл акта на носителе депозита") != std::string::npos);

  // The evidence says it, and keeps the act's bytes.
  json shown = w.Json({"intake", "show", std::to_string(intake)}, &code, "auditor1", "auditor1-password-1");
  REQUIRE(code == 0);
  const json& kept = shown["evidence"]["act_file"];
  CHECK(kept["sha256"] == act_sha);
  CHECK(kept["excluded_from_comparison"] == true);
  CHECK(kept["note"].get<std::string>().find("not one of the act's files") != std::string::npos);
  CHECK(shown["evidence"]["media"][0]["counts"]["extra"] == 0);
  const std::string out = w.dir.Sub("kept-act.csv");
  json got =
      w.Json({"intake", "act-file", std::to_string(intake), "--out", out}, &code, "auditor1", "auditor1-password-1");
  INFO(got.dump(2));
  REQUIRE(code == 0);
  CHECK(got["sha256"] == act_sha);
  CHECK(testing::ReadFile(out) == testing::ReadFile(kActs + "excel-csv-utf8.csv"));
  CHECK(w.AuditCount("intake.act_file") == 1);

  // The text output of an intake says where the act came from and that it was left out.
  SubprocessResult verify = w.Run({"intake", "--application", "IS-0042", "--manifest-on",
                                   stick.device() + ":Акт 2025.csv", "--medium", stick.device()});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
  CHECK(verify.out.find("act file Акт 2025.csv on " + stick.device()) != std::string::npos);
  CHECK(verify.out.find("act file left out of the comparison of " + stick.device()) != std::string::npos);
  CHECK(verify.out.find("5 matched") != std::string::npos);

  // A file that is not there is named, with where to look.
  SubprocessResult missing = w.Run(
      {"intake", "--application", "IS-0042", "--manifest-on", stick.device() + ":act.csv", "--medium", stick.device()});
  CHECK(missing.exit_code == 7);
  CHECK(missing.err.find("qoima scan --acts") != std::string::npos);
}

TEST_CASE("an ISO deposit with its Excel act on a separate stick is held then accepted") {
  World w;
  Medium disc(testing::FsType::kIso9660, true, {});
  Medium act_stick(testing::FsType::kFat32, false, {{"libreoffice-annex3-ru.xlsx", "Акт.xlsx"}});
  const std::string act_sha = Sha256Of(kActs + "libreoffice-annex3-ru.xlsx");

  json scan = ScanActs(act_stick.device());
  INFO(scan.dump(2));
  REQUIRE(scan["acts"].size() == 1);
  CHECK(scan["acts"][0]["path"] == "Акт.xlsx");
  CHECK(scan["acts"][0]["form"] == "xlsx");
  // The disc holds no act file: only the tree's .txt, in none of the forms.
  json on_disc = ScanActs(disc.device());
  for (const auto& f : on_disc["acts"]) CHECK(f["form"] == "");

  int code = -1;
  std::string wrong = act_sha;
  wrong[63] = wrong[63] == 'a' ? 'b' : 'a';
  json refused = w.Json({"intake", "--application", "IS-0042", "--manifest-on", act_stick.device() + ":Акт.xlsx",
                         "--medium", disc.device(), "--digest", wrong, "--hold"},
                        &code);
  CHECK(code == 6);
  CHECK(refused["message"].get<std::string>().find("nothing of the deposit was read") != std::string::npos);
  CHECK(w.Deposits() == 0);

  json held = w.Json({"intake", "--application", "IS-0042", "--manifest-on", act_stick.device() + ":Акт.xlsx",
                      "--medium", disc.device(), "--digest", Grouped(act_sha), "--hold"},
                     &code);
  INFO(held.dump(2));
  REQUIRE(code == 0);
  CHECK(held["state"] == "held");
  CHECK(held["media"][0]["summary"] == "5 matched");
  CHECK(held["act_file"]["device"] == act_stick.device());
  CHECK(held["act_file"]["on_deposit_medium"] == false);
  CHECK_FALSE(held["act_file"].contains("excluded_from_comparison"));
  CHECK(held["act_source"]["format"] == "xlsx");
  const int64_t intake = held["intake"].get<int64_t>();

  // Deciding re-checks the held content in the store; the act stick is not needed.
  act_stick.loop.reset();
  json accepted = w.Json({"decide", std::to_string(intake), "accept"}, &code);
  INFO(accepted.dump(2));
  REQUIRE(code == 0);
  CHECK(accepted["state"] == "accepted");
  CHECK(accepted["media"][0]["summary"] == "5 matched");

  const std::string out = w.dir.Sub("kept-act.xlsx");
  json got = w.Json({"intake", "act-file", std::to_string(intake), "--out", out}, &code);
  REQUIRE(code == 0);
  CHECK(testing::ReadFile(out) == testing::ReadFile(kActs + "libreoffice-annex3-ru.xlsx"));
  CHECK(got["source"] == "medium");
}
