// End-to-end: the real `qoima` binary driven from outside against swtpm, real
// filesystem images on real loop devices, and a real SQLCipher store. Every
// clause 16 refusal reason, acceptance, hold, the NDA gate and bad input.
#include <catch2/catch.hpp>

#include <filesystem>

#include <fstream>
#include <nlohmann/json.hpp>

#include "common/subprocess.h"
#include "tests/fixtures/loop_device.h"
#include "tests/fixtures/media_factory.h"
#include "tests/fixtures/nda_step.h"
#include "tests/fixtures/swtpm.h"
#include "tests/fixtures/temp_dir.h"

using namespace qoima;
using nlohmann::json;

namespace {

std::string Sha256Of(const std::string& bytes) {
  SubprocessOptions o;
  o.stdin_data = bytes;
  auto r = RunSubprocess({"sha256sum"}, o);
  return r.ok() ? r->out.substr(0, 64) : "";
}

const std::string kQoima = std::string(QOIMA_BINARY_DIR) + "/cli/qoima";
const std::string kAdminPw = "admin-password-1";
const std::string kClerkPw = "clerk1-password-1";

// A provisioned appliance with an admin, a clerk, an officer, an auditor and
// one application (IS-0042, application track) with its NDA signed.
class World {
 public:
  World() {
    Must({"init", "--admin", "admin", "--surname", "Әлиев", "--name", "Ерлан", "--pcr", "7"}, "admin", kAdminPw);
    for (auto [login, role] : {std::pair{"clerk1", "clerk"}, {"officer1", "security_officer"}, {"auditor1", "auditor"}})
      Must({"user", "add", login, "--role", role, "--surname", "Сейітова", "--name", "Әйгерім"}, "admin", kAdminPw,
           {"QOIMA_NEW_PASSWORD=" + std::string(login) + "-password-1"});
    AddApplication("IS-0042", "application", "15/2026");
  }

  SubprocessResult Run(std::vector<std::string> args, const std::string& user = "clerk1",
                       const std::string& password = kClerkPw, std::vector<std::string> env = {}) {
    args.insert(args.begin(), kQoima);
    SubprocessOptions o;
    // Loop devices stand for the depositor's media (docs/cli.md).
    o.extra_env = {"QOIMA_TCTI=" + tpm.tcti(), "QOIMA_STATE=" + dir.Sub("state"), "QOIMA_USER=" + user,
                   "QOIMA_PASSWORD=" + password, "QOIMA_TEST_MEDIA=1"};
    for (auto& e : env) o.extra_env.push_back(e);
    for (auto& e : env_all) o.extra_env.push_back(e);
    auto r = RunSubprocess(args, o);
    if (!r.ok()) throw std::runtime_error(r.status().ToString());
    return *r;
  }
  SubprocessResult Must(std::vector<std::string> args, const std::string& user = "clerk1",
                        const std::string& password = kClerkPw, std::vector<std::string> env = {}) {
    auto r = Run(args, user, password, env);
    if (r.exit_code != 0) throw std::runtime_error("qoima " + args[0] + ": " + r.Describe() + r.out);
    return r;
  }
  json Json(std::vector<std::string> args, const std::string& user = "clerk1", const std::string& password = kClerkPw,
            int* exit_code = nullptr) {
    args.insert(args.begin(), "--json");
    auto r = Run(args, user, password);
    if (exit_code) *exit_code = r.exit_code;
    INFO(r.out << r.err);
    return json::parse(r.out);
  }

  /// Registers application `code`; `nda`: its NDA is recorded as signed by both.
  void AddApplication(const std::string& code, const std::string& track, const std::string& number, bool nda = true) {
    json form = {{"portal_code", code},
                 {"track", track},
                 {"applicant", "«Ақпарат» АҚ"},
                 {"software_name", "Е-Қойма"},
                 {"items", {{{"name", "CD-1"}, {"serial_number", "SN1"}, {"original", true}}}},
                 {"owner", {{"full_name", "Цифрлық даму министрлігі"}}},
                 {"register_entry", track == "register" ? "notice 17" : ""}};
    testing::WriteFile(dir.Sub(code + ".json"), form.dump());
    Must({"application", "add", "--form", dir.Sub(code + ".json"), "--number", number, "--received", "2026-01-05",
          "--state-body", "Министрлік", "--head", "Ахметов А."});
    if (nda) Must(testing::NdaCommand(code));
  }

  // A depositor tree, its act (manifest) and an image of it on a loop device.
  std::string MakeTree(const std::string& name) {
    std::string t = dir.Sub(name);
    testing::MakeSampleTree(t, 512 * 1024);
    return t;
  }
  std::string ActCreate(const std::string& tree, const std::string& code = "IS-0042", const std::string& disc = "",
                        const std::string& suffix = ".act.json") {
    std::string out = tree + suffix;
    Must({"act", "create", tree, "--application", code, "--software", "Е-Қойма", "--version", "1.0", "--disc", disc,
          "--out", out});
    return out;
  }
  // One act for IS-0042 listing tree d1 as disc `m1` and d2 as disc `m2`.
  void TwoDiscAct(const std::string& d1, const std::string& m1, const std::string& d2, const std::string& m2,
                  const std::string& out) {
    json act = json::parse(testing::ReadFile(ActCreate(d1, "IS-0042", m1)));
    json second = json::parse(testing::ReadFile(ActCreate(d2, "IS-0042", m2)));
    act["discs"].push_back(second["discs"][0]);
    for (const auto& f : second["files"]) act["files"].push_back(f);
    testing::WriteFile(out, act.dump(2));
  }
  // both.json (TwoDiscAct: d1 as "Диск 1/2", d2 as "Диск 2/2") and the two
  // discs on loop devices: d1 as ISO 9660, d2 as FAT16.
  std::pair<std::unique_ptr<testing::LoopDevice>, std::unique_ptr<testing::LoopDevice>> TwoDiscMedia(
      const std::string& d1, const std::string& d2) {
    TwoDiscAct(d1, "Диск 1/2", d2, "Диск 2/2", dir.Sub("both.json"));
    return {std::make_unique<testing::LoopDevice>(Image(d1, testing::FsType::kIso9660)),
            std::make_unique<testing::LoopDevice>(Image(d2, testing::FsType::kFat16))};
  }
  // `qoima intake` of the two-disc act both.json (TwoDiscAct with discs
  // "Диск 1/2" on `o1`, "Диск 2/2" on `o2`), then `extra`.
  std::vector<std::string> TwoDiscIntake(const std::string& o1, const std::string& o2,
                                         const std::vector<std::string>& extra) {
    std::vector<std::string> args = {
        "intake",   "--application",       "IS-0042",  "--manifest",         dir.Sub("both.json"),
        "--medium", o1 + ",disc=Диск 1/2", "--medium", o2 + ",disc=Диск 2/2"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  std::string Image(const std::string& tree, testing::FsType type) {
    std::string img = tree + "." + testing::FsTypeName(type) + ".img";
    testing::BuildImage(type, tree, img);
    return img;
  }
  int64_t Deposits() {
    auto r = Json({"verify-store"}, "auditor1", "auditor1-password-1");
    return r["deposits"].get<int64_t>();
  }

  testing::Swtpm tpm;
  testing::TempDir dir;
  std::vector<std::string> env_all;  // for every command
};

}  // namespace

TEST_CASE("accept: act create, FAT32 stick on a loop device, intake --accept, verify-store, audit verify") {
  World w;
  std::string tree = w.MakeTree("tree");
  std::string act = w.ActCreate(tree);
  testing::LoopDevice dev(w.Image(tree, testing::FsType::kFat32));
  json r =
      w.Json({"intake", "--application", "IS-0042", "--manifest", act, "--medium", dev.path(), "--accept", "--act-out",
              w.dir.Sub("act.txt"), "--operator", "Серікова Айгүл/«Ұлттық ақпараттық технологиялар» АҚ"});
  INFO(r.dump(2));
  CHECK(r["state"] == "accepted");
  CHECK(r["acceptable"] == true);
  CHECK(r["media"][0]["clean"] == true);
  CHECK(r["act"]["deposit_root"].get<std::string>().size() == 64);
  CHECK(r["act"]["audit_checkpoint"].get<std::string>().rfind("size ", 0) == 0);
  CHECK(r["act"]["device_fingerprint"].get<std::string>().size() == 64);
  std::string text = testing::ReadFile(w.dir.Sub("act.txt"));
  CHECK(text.find(r["manifest_sha256"].get<std::string>()) != std::string::npos);
  CHECK(text.find(r["act"]["deposit_root"].get<std::string>()) != std::string::npos);
  // --operator fills the accepting side that was blank before.
  CHECK(text.find("Серікова Айгүл") != std::string::npos);
  CHECK(text.find("«Ұлттық ақпараттық технологиялар» АҚ") != std::string::npos);
  CHECK(w.Deposits() == 1);
  json audit = w.Json({"audit", "verify"}, "auditor1", "auditor1-password-1");
  CHECK(audit["ok"] == true);
  json list = w.Json({"audit", "list"}, "auditor1", "auditor1-password-1");
  bool seen_commit = false;
  for (const auto& e : list["entries"])
    seen_commit = seen_commit || (e["action"] == "deposit.commit" && e["actor"] == "clerk1");
  CHECK(seen_commit);
}

TEST_CASE("a 6000-file stick against an act of several MiB: each difference is found as the medium streams") {
  World w;
  // The act is read in 1 MiB pieces and the medium compared entry by entry:
  // a one-byte change, a missing and an extra file far down the list.
  std::string tree = w.dir.Sub("many");
  for (int i = 0; i < 6000; ++i) {
    std::string d = tree + "/бума-" + std::to_string(i / 500);
    std::filesystem::create_directories(d);
    testing::WriteFile(d + "/файл-" + std::to_string(i) + ".java", "class F" + std::to_string(i) + " {}\n");
  }
  std::string act = w.ActCreate(tree);
  CHECK(std::filesystem::file_size(act) > (1u << 20));
  std::filesystem::remove(tree + "/бума-9/файл-4711.java");
  testing::WriteFile(tree + "/бума-11/файл-5999.java", "class G5999 {}\n");  // same size, other bytes
  testing::WriteFile(tree + "/бума-8/жаңа.java", "class New {}\n");
  testing::LoopDevice dev(w.Image(tree, testing::FsType::kFat32));
  json r = w.Json({"intake", "--application", "IS-0042", "--manifest", act, "--medium", dev.path()});
  INFO(r.dump(2).substr(0, 4000));
  CHECK(r["media"][0]["summary"] == "5998 matched, 1 missing, 1 extra, 1 hash_mismatch");
  CHECK(r["manifest_sha256"] == Sha256Of(testing::ReadFile(act)));
  std::vector<std::string> odd;
  for (const auto& i : r["media"][0]["items"])
    if (i["kind"] != "matched") odd.push_back(i["kind"].get<std::string>() + " " + i["path"].get<std::string>());
  // In the act's order (act create sorts names: "бума-11" before "бума-9"), then the extras.
  CHECK(odd == std::vector<std::string>{"hash_mismatch бума-11/файл-5999.java", "missing бума-9/файл-4711.java",
                                        "extra бума-8/жаңа.java"});
  CHECK(r["state"] == "verified");
}

TEST_CASE(
    "refuse act_mismatch: missing, extra, size and hash mismatch on an ISO - accept is refused and nothing is stored") {
  World w;
  std::string tree = w.MakeTree("tree");
  std::string act = w.ActCreate(tree);
  // The depositor changed the tree after writing the act.
  json m = json::parse(testing::ReadFile(act));
  std::string first = m["files"][0]["path"];
  std::string second = m["files"][1]["path"];
  REQUIRE(::unlink((tree + "/" + first).c_str()) == 0);       // missing
  testing::WriteFile(tree + "/extra.txt", "not in the act");  // extra
  std::string body = testing::ReadFile(tree + "/" + second);
  body[0] = static_cast<char>(body[0] ^ 1);  // hash mismatch (same size)
  testing::WriteFile(tree + "/" + second, body);
  std::string third = m["files"][2]["path"];
  testing::WriteFile(tree + "/" + third, testing::ReadFile(tree + "/" + third) + "more");  // size mismatch
  testing::LoopDevice dev(w.Image(tree, testing::FsType::kIso9660));

  int rc = 0;
  json v = w.Json({"intake", "--application", "IS-0042", "--manifest", act, "--medium", dev.path()}, "clerk1", kClerkPw,
                  &rc);
  CHECK(rc == 3);
  auto counts = v["media"][0]["summary"].get<std::string>();
  INFO(v.dump(2));
  CHECK(counts.find("1 missing") != std::string::npos);
  CHECK(counts.find("1 extra") != std::string::npos);
  CHECK(counts.find("1 size_mismatch") != std::string::npos);
  CHECK(counts.find("1 hash_mismatch") != std::string::npos);
  CHECK(v["grounds"][0]["reason"] == "act_mismatch");

  auto acc = w.Run({"intake", "--application", "IS-0042", "--manifest", act, "--medium", dev.path(), "--accept"});
  CHECK(acc.exit_code == 6);
  CHECK(acc.err.find("cannot accept") != std::string::npos);
  auto wrong = w.Run({"intake", "--application", "IS-0042", "--manifest", act, "--medium", dev.path(), "--refuse",
                      "media_malfunction"});
  CHECK(wrong.exit_code == 6);
  json ref = w.Json({"intake", "--application", "IS-0042", "--manifest", act, "--medium", dev.path(), "--refuse",
                     "act_mismatch", "--reason-text", "see the attached list"});
  CHECK(ref["state"] == "refused");
  CHECK(w.Deposits() == 0);
}

TEST_CASE("refuse media_malfunction: a truncated disc image on a loop device") {
  World w;
  std::string tree = w.MakeTree("tree");
  std::string act = w.ActCreate(tree);
  std::string img = w.Image(tree, testing::FsType::kIso9660);
  auto size = std::ifstream(img, std::ios::ate | std::ios::binary).tellg();
  REQUIRE(::truncate(img.c_str(), static_cast<off_t>(size) / 2) == 0);
  testing::LoopDevice dev(img);
  int rc = 0;
  json v = w.Json({"intake", "--application", "IS-0042", "--manifest", act, "--medium", dev.path()}, "clerk1", kClerkPw,
                  &rc);
  INFO(v.dump(2));
  CHECK(rc == 3);
  bool malfunction = false;
  for (const auto& g : v["grounds"]) malfunction = malfunction || g["reason"] == "media_malfunction";
  CHECK(malfunction);
  json ref = w.Json({"intake", "--application", "IS-0042", "--manifest", act, "--medium", dev.path(), "--refuse",
                     "media_malfunction"});
  CHECK(ref["state"] == "refused");
  CHECK(w.Deposits() == 0);
}

TEST_CASE("application track: an acceptance without the NDA is refused in three languages, the store unchanged") {
  World w;
  w.AddApplication("IS-0077", "application", "18/2026", false);
  std::string tree = w.MakeTree("tree");
  std::string act = w.ActCreate(tree, "IS-0077");
  testing::LoopDevice dev(w.Image(tree, testing::FsType::kFat32));
  std::vector<std::string> base = {"intake", "--application", "IS-0077", "--manifest", act, "--medium", dev.path()};
  const int64_t deposits = w.Deposits();
  auto audit_count = [&](const std::string& needle) {
    auto listed = w.Run({"audit", "list"}, "auditor1", "auditor1-password-1");
    size_t n = 0;
    for (size_t at = listed.out.find(needle); at != std::string::npos; at = listed.out.find(needle, at + 1)) ++n;
    return n;
  };

  // intake --accept: refused before the media is read; no intake, no deposit.
  auto args = base;
  args.push_back("--accept");
  auto refused = w.Run(args);
  INFO(refused.out << refused.err);
  CHECK(refused.exit_code == 6);
  for (const char* said :
       {"«IS-0077» өтінімі бойынша қабылдау мүмкін емес", "бұрынғы 4-қосымша", "по заявке «IS-0077» принять нельзя",
        "бывшего приложения 4", "cannot accept for application 'IS-0077'", "former Annex 4",
        "qoima application nda IS-0077"})
    CHECK(refused.err.find(said) != std::string::npos);
  CHECK(refused.err.find("146/НҚ") == std::string::npos);
  CHECK(w.Deposits() == deposits);
  CHECK(w.Run({"intake", "show", "1"}, "auditor1", "auditor1-password-1").exit_code != 0);
  CHECK(audit_count("intake.verify") == 0);
  CHECK(audit_count("denied") == 1);

  // A held intake: its acceptance is refused too, the intake stays held.
  args = base;
  args.push_back("--hold");
  json held = w.Json(args);
  REQUIRE(held["state"] == "held");
  CHECK(held["acceptable"] == false);
  const std::string id = std::to_string(held["intake"].get<int64_t>());
  const int64_t with_held = w.Deposits();
  auto decided = w.Run({"decide", id, "accept"});
  INFO(decided.out << decided.err);
  CHECK(decided.exit_code == 6);
  CHECK(decided.err.find("бывшего приложения 4") != std::string::npos);
  CHECK(w.Json({"intake", "show", id}, "auditor1", "auditor1-password-1")["state"] == "held");
  CHECK(w.Deposits() == with_held);
  CHECK(audit_count("denied") == 2);

  // Signed by one party only: still refused. Signed by both: accepted.
  auto owner_only = testing::NdaCommand("IS-0077");
  owner_only.insert(owner_only.end(), {"--signed-by", "owner"});
  w.Must(owner_only);
  CHECK(w.Run({"decide", id, "accept"}).exit_code == 6);
  w.Must(testing::NdaCommand("IS-0077"));
  json accepted = w.Json({"decide", id, "accept"});
  CHECK(accepted["state"] == "accepted");
}

TEST_CASE("register track: not in the register is refused - the NDA must be signed by both before accepting") {
  World w;
  w.AddApplication("REG-7", "register", "16/2026", false);
  std::string tree = w.MakeTree("tree");
  std::string act = w.ActCreate(tree, "REG-7");
  testing::LoopDevice dev(w.Image(tree, testing::FsType::kExt4));
  std::vector<std::string> base = {"intake", "--application", "REG-7", "--manifest", act, "--medium", dev.path()};

  auto args = base;
  args.insert(args.end(), {"--in-register", "no", "--refuse", "not_in_register"});
  json ref = w.Json(args);
  CHECK(ref["state"] == "refused");

  args = base;
  args.insert(args.end(), {"--in-register", "yes", "--accept"});
  auto no_nda = w.Run(args);
  CHECK(no_nda.exit_code == 6);
  CHECK(no_nda.err.find("non-disclosure agreement") != std::string::npos);

  w.Must({"application", "nda", "REG-7", "--owner-rep", "Ахметов А.", "--owner-authority", "Жарғы", "--operator-rep",
          "Сейітова Ә.", "--signed", "2026-01-06", "--signed-by", "owner"});
  CHECK(w.Run(args).exit_code == 6);  // one signature is not enough
  w.Must({"application", "nda", "REG-7", "--owner-rep", "Ахметов А.", "--owner-authority", "Жарғы", "--operator-rep",
          "Сейітова Ә.", "--signed", "2026-01-06"});
  json ok = w.Json(args);
  CHECK(ok["state"] == "accepted");
  CHECK(w.Deposits() == 1);
}

TEST_CASE("register track: without --in-register the imported register snapshot decides - its lookup is evidence") {
  World w;
  w.AddApplication("REG-8", "register", "17/2026");
  std::string tree = w.MakeTree("tree");
  std::string act = w.ActCreate(tree, "REG-8");
  testing::LoopDevice dev(w.Image(tree, testing::FsType::kIso9660));
  std::vector<std::string> base = {"intake", "--application", "REG-8", "--manifest", act, "--medium", dev.path()};
  auto snapshot = [&](const std::string& product, const std::string& status) {
    std::string path = w.dir.Sub("register-" + status + ".txt");
    testing::WriteFile(path,
                       "qoima-register | 1\nsnapshot | 2026-11-01 | register publication of 2026-11-01\n"
                       "entry | ТБҚ-0001 | «Ақпарат» АҚ | 123456789012 | " +
                           product + " | 58.29.11 | goods | 1.2 | - | 17 | 2025-03-14 | " + status +
                           " | - | Астана\nend | 1\n");
    w.Must({"register", "import", path});
  };

  // The product was excluded from the register: the check blocks acceptance.
  snapshot("Е-Қойма", "excluded");
  auto args = base;
  args.push_back("--accept");
  auto refused = w.Run(args);
  INFO(refused.out << refused.err);
  CHECK(refused.exit_code == 6);
  CHECK(refused.err.find("register") != std::string::npos);
  json verified = w.Json(base);
  INFO(verified.dump(2));
  bool not_in_register = false;
  for (const auto& g : verified["grounds"]) not_in_register = not_in_register || g["reason"] == "not_in_register";
  CHECK(not_in_register);

  // A newer snapshot lists it: accepted, and the lookup is kept as evidence.
  snapshot("Е-Қойма", "included");
  json ok = w.Json(args);
  INFO(ok.dump(2));
  CHECK(ok["state"] == "accepted");
  CHECK(w.Deposits() == 1);
}

TEST_CASE("hold for re-try: a corrected act accepts the held content - a refusal destroys it") {
  World w;
  std::string tree = w.MakeTree("tree");
  std::string act = w.ActCreate(tree);
  testing::WriteFile(tree + "/forgotten.txt", "the depositor forgot to list this");
  testing::LoopDevice dev(w.Image(tree, testing::FsType::kUdf));
  json held = w.Json({"intake", "--application", "IS-0042", "--manifest", act, "--medium", dev.path(), "--hold"});
  INFO(held.dump(2));
  REQUIRE(held["state"] == "held");
  CHECK(held["hold_until"].get<std::string>().size() == 20);
  std::string id = std::to_string(held["intake"].get<int64_t>());
  // The same act still does not match.
  CHECK(w.Run({"decide", id, "accept"}).exit_code == 6);
  // The depositor brings a corrected act.
  std::string fixed = w.ActCreate(tree, "IS-0042", "", ".fixed.json");
  json acc = w.Json({"decide", id, "accept", "--manifest", fixed});
  CHECK(acc["state"] == "accepted");
  CHECK(w.Run({"decide", id, "refuse", "--reason", "act_mismatch"}).exit_code == 6);

  json held2 = w.Json({"intake", "--application", "IS-0042", "--manifest", act, "--medium", dev.path(), "--hold"});
  std::string id2 = std::to_string(held2["intake"].get<int64_t>());
  CHECK(w.Deposits() == 2);
  json ref = w.Json({"decide", id2, "refuse", "--reason", "act_mismatch"});
  CHECK(ref["state"] == "refused");
  json store = w.Json({"verify-store"}, "auditor1", "auditor1-password-1");
  CHECK(store["ok"] == true);
}

TEST_CASE("bad input: digest not on the paper act, act for another application, malformed manifest") {
  World w;
  w.AddApplication("IS-0099", "application", "17/2026");
  std::string tree = w.MakeTree("tree");
  std::string act = w.ActCreate(tree);
  testing::LoopDevice dev(w.Image(tree, testing::FsType::kFat16));
  auto digest = w.Run({"intake", "--application", "IS-0042", "--manifest", act, "--medium", dev.path(), "--digest",
                       std::string(64, '0'), "--accept"});
  CHECK(digest.exit_code == 6);
  CHECK(digest.err.find("not the digest on the paper act") != std::string::npos);
  auto other = w.Run({"intake", "--application", "IS-0099", "--manifest", act, "--medium", dev.path(), "--accept"});
  CHECK(other.exit_code == 6);
  CHECK(other.err.find("the act is for application 'IS-0042', not for 'IS-0099'") != std::string::npos);
  testing::WriteFile(w.dir.Sub("bad.csv"), "No,disc\n1,x\n");
  auto bad = w.Run({"intake", "--application", "IS-0042", "--manifest", w.dir.Sub("bad.csv"), "--medium", dev.path()});
  CHECK(bad.exit_code == 5);
  CHECK(bad.err.find("bad.csv: is none of the accepted act forms") != std::string::npos);
  CHECK(w.Deposits() == 0);
}

TEST_CASE("two discs, original and copy: a medium swapped between copies is named") {
  World w;
  std::string d1 = w.dir.Sub("d1"), d2 = w.dir.Sub("d2");
  testing::WriteFile(d1 + "/src/a.c", "int a;\n");
  testing::WriteFile(d1 + "/README.md", "disc one\n");
  testing::WriteFile(d2 + "/lib/b.c", "int b;\n");
  w.TwoDiscAct(d1, "Е-Қойма 1.0 диск 1", d2, "Е-Қойма 1.0 диск 2", w.dir.Sub("both.json"));
  testing::LoopDevice o1(w.Image(d1, testing::FsType::kIso9660));
  testing::LoopDevice o2(w.Image(d2, testing::FsType::kFat12));
  std::string disc1 = "disc=Е-Қойма 1.0 диск 1", disc2 = "disc=Е-Қойма 1.0 диск 2";
  std::vector<std::string> base = {"intake", "--application", "IS-0042", "--manifest", w.dir.Sub("both.json")};
  auto good = base;
  good.insert(good.end(), {"--medium", o1.path() + "," + disc1, "--medium", o2.path() + "," + disc2, "--medium",
                           o1.path() + "," + disc1 + ",copy=copy 1"});
  json ok = w.Json(good);
  INFO(ok.dump(2));
  CHECK(ok["acceptable"] == true);
  CHECK(ok["media"].size() == 3);
  CHECK(ok["media"][2]["copy"] == "copy 1");

  auto swapped = base;  // the copy of disc 1 is really disc 2
  swapped.insert(swapped.end(), {"--medium", o1.path() + "," + disc1, "--medium", o2.path() + "," + disc2, "--medium",
                                 o2.path() + "," + disc1 + ",copy=copy 1"});
  int rc = 0;
  json bad = w.Json(swapped, "clerk1", kClerkPw, &rc);
  CHECK(rc == 3);
  CHECK(bad["media"][2]["looks_like_disc"] == "Е-Қойма 1.0 диск 2");
  swapped.insert(swapped.end(), {"--accept"});
  CHECK(w.Run(swapped).exit_code == 6);
  CHECK(w.Deposits() == 0);
}

TEST_CASE("two discs holding the same path are stored side by side - accepted at once and after a hold") {
  World w;
  std::string d1 = w.dir.Sub("d1"), d2 = w.dir.Sub("d2");
  testing::WriteFile(d1 + "/README.md", "disc one: sources\n");
  testing::WriteFile(d1 + "/src/a.c", "int a;\n");
  testing::WriteFile(d2 + "/README.md", "disc two: executables\n");
  testing::WriteFile(d2 + "/bin/app", "ELF\n");
  auto [o1, o2] = w.TwoDiscMedia(d1, d2);
  json acc = w.Json(w.TwoDiscIntake(o1->path(), o2->path(), {"--accept"}));
  INFO(acc.dump(2));
  CHECK(acc["state"] == "accepted");
  json held = w.Json(w.TwoDiscIntake(o1->path(), o2->path(), {"--hold"}));
  REQUIRE(held["state"] == "held");
  // The re-check of held content finds each README under its disc's folder.
  json decided = w.Json({"decide", std::to_string(held["intake"].get<int64_t>()), "accept"});
  INFO(decided.dump(2));
  CHECK(decided["state"] == "accepted");
  CHECK(w.Deposits() == 2);
  json store = w.Json({"verify-store"}, "auditor1", "auditor1-password-1");
  CHECK(store["ok"] == true);
}

TEST_CASE("acts whose entries are compacted accept - hold - refuse and decide as acts held as values") {
  World w;
  w.env_all = {"QOIMA_ACT_ENTRIES_IN_MEMORY=2"};
  const std::string tmp = w.dir.Sub("state") + "/store/objects/tmp";
  std::string d1 = w.dir.Sub("d1"), d2 = w.dir.Sub("d2");
  for (int i = 0; i < 6; ++i) {
    testing::WriteFile(d1 + "/src/m" + std::to_string(i % 2) + "/F" + std::to_string(i) + ".java", "class F{}\n");
    testing::WriteFile(d2 + "/bin/tool" + std::to_string(i), "ELF " + std::to_string(i) + "\n");
  }
  testing::WriteFile(d2 + "/README.md", "disc two\n");
  testing::WriteFile(d1 + "/README.md", "disc one\n");
  auto [o1, o2] = w.TwoDiscMedia(d1, d2);
  json acc = w.Json(w.TwoDiscIntake(o1->path(), o2->path(), {"--accept"}));
  INFO(acc.dump(2));
  CHECK(acc["state"] == "accepted");
  REQUIRE(acc["media"].size() == 2);
  CHECK(acc["media"][0]["summary"] == "7 matched");
  CHECK(acc["media"][1]["summary"] == "7 matched");
  // The act printed from the entries on disk lists every file.
  w.Must(w.TwoDiscIntake(o1->path(), o2->path(), {"--accept", "--act-out", w.dir.Sub("act.txt")}));
  const std::string act = testing::ReadFile(w.dir.Sub("act.txt"));
  CHECK(act.find("F5.java") != std::string::npos);
  CHECK(act.find("tool3") != std::string::npos);
  CHECK(act.find("(14)") != std::string::npos);  // table 1's row count

  // Held, then accepted on the re-check of the stored content.
  const auto hold = w.TwoDiscIntake(o1->path(), o2->path(), {"--hold"});
  json held = w.Json(hold);
  REQUIRE(held["state"] == "held");
  json decided = w.Json({"decide", std::to_string(held["intake"].get<int64_t>()), "accept"});
  INFO(decided.dump(2));
  CHECK(decided["state"] == "accepted");
  REQUIRE(decided["media"].size() == 1);
  CHECK(decided["media"][0]["summary"] == "14 matched");
  CHECK(decided["media"][0]["clean"] == true);

  // A corrected act that drops a file: the re-check names it, under its disc's folder.
  json both = json::parse(testing::ReadFile(w.dir.Sub("both.json")));
  json fewer = both;
  fewer["files"].erase(fewer["files"].size() - 1);
  testing::WriteFile(w.dir.Sub("fewer.json"), fewer.dump(2));
  json held2 = w.Json(hold);
  REQUIRE(held2["state"] == "held");
  int code = 0;
  json refused = w.Json(
      {"decide", std::to_string(held2["intake"].get<int64_t>()), "accept", "--manifest", w.dir.Sub("fewer.json")},
      "clerk1", kClerkPw, &code);
  CHECK(code != 0);
  CHECK(refused.dump().find("extra") != std::string::npos);
  CHECK(w.Deposits() == 4);  // two accepted, one accepted after its hold, one still held
  // Every scratch file went with its command.
  auto left = RunSubprocess({"/bin/sh", "-c", "test -d '" + tmp + "' && ls -A '" + tmp + "' | wc -l"}, {});
  REQUIRE(left.ok());
  CHECK(left->out == "0\n");
}

TEST_CASE("roles are enforced in appliance/ and repeated wrong passwords lock the account") {
  World w;
  std::string tree = w.MakeTree("tree");
  std::string act = w.ActCreate(tree);
  auto denied = w.Run({"intake", "--application", "IS-0042", "--manifest", act, "--medium", tree}, "auditor1",
                      "auditor1-password-1");
  CHECK(denied.exit_code == 4);
  CHECK(denied.err.find("may not intake") != std::string::npos);
  CHECK(w.Run({"user", "list"}, "clerk1", kClerkPw).exit_code == 4);
  for (int i = 0; i < 5; ++i) CHECK(w.Run({"application", "journal"}, "clerk1", "wrong-password").exit_code == 4);
  // Locked: the right password gets the same answer as a wrong one (docs/security.md).
  auto locked = w.Run({"application", "journal"}, "clerk1", kClerkPw);
  CHECK(locked.exit_code == 4);
  CHECK(locked.err == "qoima: wrong username or password\n");
  // The admin unlocks accounts; a security officer administers none.
  CHECK(w.Run({"user", "unlock", "clerk1"}, "officer1", "officer1-password-1").exit_code == 4);
  w.Must({"user", "unlock", "clerk1"}, "admin", kAdminPw);
  CHECK(w.Run({"application", "journal"}, "clerk1", kClerkPw).exit_code == 0);
  json audit = w.Json({"audit", "list"}, "auditor1", "auditor1-password-1");
  int failures = 0, denials = 0, locked_reason = 0;
  for (const auto& e : audit["entries"]) {
    failures += e["action"] == "user.login" && e["outcome"] == "failure";
    locked_reason +=
        e["action"] == "user.login" && e["reason"].get<std::string>().find("locked until") != std::string::npos;
    denials += e["outcome"] == "denied";
  }
  CHECK(failures >= 6);
  CHECK(locked_reason == 2);  // the fifth wrong password locks; the right one while locked
  CHECK(denials >= 3);
}

TEST_CASE("backup by an officer then restore onto the same keyring verifies - a clerk may not back up") {
  World w;
  std::string tree = w.MakeTree("tree");
  std::string act = w.ActCreate(tree);
  testing::LoopDevice dev(w.Image(tree, testing::FsType::kIso9660));
  w.Must({"intake", "--application", "IS-0042", "--manifest", act, "--medium", dev.path(), "--accept"});
  REQUIRE(w.Deposits() == 1);

  std::string backup = w.dir.Sub("backup-1");
  auto denied = w.Run({"backup", backup});  // clerk1
  CHECK(denied.exit_code != 0);
  CHECK_FALSE(std::filesystem::exists(backup));
  w.Must({"backup", backup}, "officer1", "officer1-password-1");
  REQUIRE(std::filesystem::exists(backup));
  // The backup is recorded in the live log (after the snapshot it copies).
  auto HasAction = [&](const std::string& action, const std::string& actor) {
    json list = w.Json({"audit", "list"}, "auditor1", "auditor1-password-1");
    for (const auto& e : list["entries"])
      if (e["action"] == action && (actor.empty() || e["actor"] == actor)) return true;
    return false;
  };
  CHECK(HasAction("store.backup", "officer1"));

  // Restoring over a live store is refused; with the store moved aside it works.
  auto over = w.Run({"restore", backup});
  CHECK(over.exit_code != 0);
  CHECK(over.err.find("already holds a store") != std::string::npos);
  std::filesystem::rename(w.dir.Sub("state/store"), w.dir.Sub("store-damaged"));
  auto restored = w.Run({"restore", backup});
  INFO(restored.out << restored.err);
  REQUIRE(restored.exit_code == 0);
  CHECK(w.Deposits() == 1);
  json audit = w.Json({"audit", "verify"}, "auditor1", "auditor1-password-1");
  CHECK(audit["ok"] == true);
  CHECK(HasAction("store.restore", ""));
}
