// End-to-end custody of the store against the insider with the disk: the real
// `qoima` binary, swtpm (the TPM rollback counter), a real SQLCipher store
// and real deposits from filesystem images on loop devices. An older meta.db
// put back, a missing meta.db with a failed login, an unknown pack dropped
// into the store, stale TPM handles of a dead process, and the outside
// witness of a checkpoint.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "common/subprocess.h"
#include "tests/fixtures/loop_device.h"
#include "tests/fixtures/media_factory.h"
#include "tests/fixtures/nda_step.h"
#include "tests/fixtures/swtpm.h"
#include "tests/fixtures/temp_dir.h"

using namespace qoima;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kQoima = std::string(QOIMA_BINARY_DIR) + "/cli/qoima";

// A provisioned appliance: an admin, a clerk, an officer, an auditor, one
// application, and deposits made by real intakes.
class Appliance {
 public:
  Appliance() {
    Must({"init", "--admin", "admin", "--surname", "Әлиев", "--name", "Ерлан", "--pcr", "none"}, "admin");
    for (auto [login, role] : {std::pair{"clerk1", "clerk"}, {"officer1", "security_officer"}, {"auditor1", "auditor"}})
      Must({"user", "add", login, "--role", role, "--surname", "Сейітова", "--name", "Әйгерім"}, "admin", "",
           {"QOIMA_NEW_PASSWORD=" + std::string(login) + "-password-1"});
    json form = {{"portal_code", "IS-0042"},
                 {"track", "application"},
                 {"applicant", "«Ақпарат» АҚ"},
                 {"software_name", "Е-Қойма"},
                 {"items", {{{"name", "CD-1"}, {"serial_number", "SN1"}, {"original", true}}}},
                 {"owner", {{"full_name", "Цифрлық даму министрлігі"}}}};
    testing::WriteFile(dir.Sub("form.json"), form.dump());
    Must({"application", "add", "--form", dir.Sub("form.json"), "--number", "15/2026", "--received", "2026-01-05",
          "--state-body", "Министрлік", "--head", "Ахметов А."});
    Must(testing::NdaCommand("IS-0042"));
  }

  SubprocessResult Run(std::vector<std::string> args, const std::string& user = "clerk1", std::string password = "",
                       std::vector<std::string> env = {}) {
    if (password.empty()) password = user + "-password-1";
    args.insert(args.begin(), kQoima);
    SubprocessOptions o;
    o.extra_env = {"QOIMA_TCTI=" + tpm.tcti(), "QOIMA_STATE=" + state(), "QOIMA_USER=" + user,
                   "QOIMA_PASSWORD=" + password, "QOIMA_TEST_MEDIA=1"};
    for (auto& e : env) o.extra_env.push_back(e);
    auto r = RunSubprocess(args, o);
    if (!r.ok()) throw std::runtime_error(r.status().ToString());
    return *r;
  }
  SubprocessResult Must(std::vector<std::string> args, const std::string& user = "clerk1",
                        const std::string& password = "", std::vector<std::string> env = {}) {
    auto r = Run(args, user, password, env);
    if (r.exit_code != 0) throw std::runtime_error("qoima " + args[0] + ": " + r.Describe() + r.out);
    return r;
  }
  json Json(std::vector<std::string> args, const std::string& user = "auditor1", int* exit_code = nullptr) {
    args.insert(args.begin(), "--json");
    auto r = Run(args, user);
    if (exit_code) *exit_code = r.exit_code;
    INFO(r.out << r.err);
    return json::parse(r.out);
  }

  /// Accepts a deposit of a fresh sample tree of `bytes`, read from an ISO
  /// image on a loop device.
  void Deposit(const std::string& name, size_t bytes) {
    std::string tree = dir.Sub(name);
    testing::MakeSampleTree(tree, bytes);
    std::string act = tree + ".act.json";
    Must({"act", "create", tree, "--application", "IS-0042", "--software", "Е-Қойма", "--version", name, "--out", act});
    std::string img = tree + ".iso";
    testing::BuildImage(testing::FsType::kIso9660, tree, img);
    testing::LoopDevice dev(img);
    Must({"intake", "--application", "IS-0042", "--manifest", act, "--medium", dev.path(), "--accept"});
  }

  /// Every pack under objects/ (path relative to the store) and its SHA-256.
  std::map<std::string, std::string> Packs() {
    std::map<std::string, std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(store() + "/objects"))
      if (e.is_regular_file() && e.path().parent_path().filename() != "tmp")
        out[fs::relative(e.path(), store()).string()] = Sha256File(e.path().string());
    return out;
  }
  static std::string Sha256File(const std::string& path) {
    auto r = RunChecked({"sha256sum", path});
    return r.ok() ? r->out.substr(0, 64) : "";
  }
  /// Audit events with this action (read as the auditor).
  std::vector<json> Events(const std::string& action) {
    std::vector<json> out;
    json list = Json({"audit", "list", "--count", "100000"});
    for (const auto& e : list["entries"])
      if (e["action"] == action) out.push_back(e);
    return out;
  }

  std::string state() const { return dir.Sub("state"); }
  std::string store() const { return dir.Sub("state/store"); }

  testing::Swtpm tpm;
  testing::TempDir dir;
};

}  // namespace

TEST_CASE("an older meta.db put back is refused as tampering - exit 9 - audited once the current one is back") {
  Appliance a;
  a.Deposit("first", 64 * 1024);
  fs::copy_file(a.store() + "/meta.db", a.dir.Sub("old-meta.db"));  // the insider's copy
  a.Deposit("second", 2 * 1024 * 1024);
  fs::copy_file(a.store() + "/meta.db", a.dir.Sub("current-meta.db"));
  const auto packs = a.Packs();
  REQUIRE(packs.size() == 2);
  fs::copy_file(a.dir.Sub("old-meta.db"), a.store() + "/meta.db", fs::copy_options::overwrite_existing);
  const std::string old_sha = Appliance::Sha256File(a.store() + "/meta.db");

  auto refused = a.Run({"verify-store"}, "auditor1");
  INFO(refused.out << refused.err);
  CHECK(refused.exit_code == 9);
  CHECK(refused.err.find("ROLLBACK") != std::string::npos);
  CHECK(refused.err.find("An older copy of meta.db was put back over the current one") != std::string::npos);
  CHECK(refused.err.find("nothing in the store was changed or removed") != std::string::npos);
  int code = 0;
  json as_json = a.Json({"audit", "verify"}, "auditor1", &code);
  CHECK(code == 9);
  CHECK(as_json["error"] == "tampered");
  // A wrong password makes no difference: the store is not opened at all.
  CHECK(a.Run({"audit", "list"}, "auditor1", "wrong-password-1").exit_code == 9);
  CHECK(Appliance::Sha256File(a.store() + "/meta.db") == old_sha);
  CHECK(a.Packs() == packs);  // the second deposit's pack too
  CHECK_FALSE(fs::exists(a.store() + "/quarantine"));
  std::string pending = testing::ReadFile(a.state() + "/pending-security-events.jsonl");
  CHECK(pending.find("tampered") != std::string::npos);

  fs::copy_file(a.dir.Sub("current-meta.db"), a.store() + "/meta.db", fs::copy_options::overwrite_existing);
  json store = a.Json({"verify-store"});
  CHECK(store["ok"] == true);
  CHECK(store["deposits"] == 2);
  std::vector<json> refusals = a.Events("store.open");
  REQUIRE(refusals.size() == 3);
  for (const json& e : refusals) {
    CHECK(e["outcome"] == "failure");
    CHECK(e["reason"].get<std::string>().find("tampered: ROLLBACK") != std::string::npos);
  }
  CHECK_FALSE(fs::exists(a.state() + "/pending-security-events.jsonl"));
  CHECK(a.Json({"audit", "verify"})["ok"] == true);
}

TEST_CASE("meta.db missing: a failed login creates no database and deletes no pack") {
  Appliance a;
  a.Deposit("kept", 256 * 1024);
  const auto packs = a.Packs();
  fs::rename(a.store() + "/meta.db", a.dir.Sub("meta.db.away"));
  auto failed = a.Run({"audit", "list"}, "auditor1", "wrong-password-1");
  INFO(failed.out << failed.err);
  CHECK(failed.exit_code == 7);
  CHECK(failed.err.find("meta.db is missing") != std::string::npos);
  CHECK(failed.err.find("nothing was created and nothing was removed") != std::string::npos);
  CHECK(a.Run({"verify-store"}, "auditor1").exit_code == 7);  // the right password: the same
  CHECK_FALSE(fs::exists(a.store() + "/meta.db"));
  CHECK(a.Packs() == packs);
  // `init` does not build a new store over it either.
  CHECK(
      a.Run({"init", "--admin", "admin2", "--surname", "А", "--name", "Б"}, "admin2", "admin2-password-1").exit_code !=
      0);
  CHECK_FALSE(fs::exists(a.store() + "/meta.db"));

  fs::rename(a.dir.Sub("meta.db.away"), a.store() + "/meta.db");
  CHECK(a.Json({"verify-store"})["ok"] == true);
  CHECK(a.Events("store.open").size() == 2);
}

TEST_CASE("an unknown pack is quarantined by the next command - verify-store names it - audited - kept") {
  Appliance a;
  a.Deposit("kept", 128 * 1024);
  const std::string name = "c0" + std::string(62, 'f');
  fs::create_directories(a.store() + "/objects/c0");
  testing::WriteFile(a.store() + "/objects/c0/" + name, std::string(100000, 'Z'));
  auto scrub = a.Run({"verify-store"}, "auditor1");
  INFO(scrub.out << scrub.err);
  CHECK(scrub.exit_code == 3);
  CHECK(scrub.out.find("PROBLEM: quarantine/") != std::string::npos);
  CHECK(scrub.out.find("/objects/c0/" + name + " (100000 bytes)") != std::string::npos);
  CHECK_FALSE(fs::exists(a.store() + "/objects/c0/" + name));
  size_t kept = 0;
  for (const auto& e : fs::recursive_directory_iterator(a.store() + "/quarantine"))
    if (e.is_regular_file() && e.path().filename() == name) {
      CHECK(testing::ReadFile(e.path().string()) == std::string(100000, 'Z'));
      ++kept;
    }
  CHECK(kept == 1);
  std::vector<json> moved = a.Events("store.quarantine");
  REQUIRE(moved.size() == 1);
  CHECK(moved[0]["reason"].get<std::string>().find("objects/c0/" + name + " (100000 bytes)") != std::string::npos);
  CHECK(a.Json({"audit", "verify"})["ok"] == true);
}

TEST_CASE("stale TPM handles of programs that died are flushed by the next command - which succeeds and says so") {
  Appliance a;
  // Without a resource manager nothing flushes what a process leaves in the
  // TPM when it ends without doing so (tpm2_createprimary exits that way;
  // qoima's own killed processes are tested in crypto_tpm_context_test):
  // fill every transient slot.
  for (int i = 0; i < 3; ++i)
    REQUIRE(RunChecked({"tpm2_createprimary", "-T", a.tpm.tcti(), "-C", "o", "-c", a.dir.Sub("p.ctx")}).ok());
  REQUIRE(a.tpm.TransientObjectCount() == 3);
  CHECK_FALSE(RunChecked({"tpm2_createprimary", "-T", a.tpm.tcti(), "-C", "o", "-c", a.dir.Sub("p.ctx")}).ok());
  json list = a.Json({"audit", "list", "--count", "100000"});
  bool flushed = false;
  for (const auto& e : list["entries"])
    flushed = flushed || (e["action"] == "tpm.flush" &&
                          e["reason"].get<std::string>().find("flushed 3 transient objects") != std::string::npos);
  CHECK(flushed);
  CHECK(a.tpm.TransientObjectCount() == 0);
}

TEST_CASE(
    "audit checkpoint for an outside witness: openssl verifies it - verify --since passes - fails after a restore") {
  Appliance a;
  a.Deposit("first", 64 * 1024);
  const std::string w1 = a.dir.Sub("witness-1.txt");
  auto made = a.Run({"audit", "checkpoint", "--out", w1}, "auditor1");
  REQUIRE(made.exit_code == 0);
  std::string text = testing::ReadFile(w1);
  INFO(text);
  CHECK(text.rfind("qoima-audit-checkpoint-v2\nsize ", 0) == 0);
  CHECK(a.Run({"audit", "checkpoint", "--out", w1}, "auditor1").exit_code == 6);  // never overwritten

  // Anyone checks it with stock tools and the device certificate.
  std::string script = "head -n 6 '" + w1 + "' > signed.txt && sed -n 's/^signature //p' '" + w1 +
                       "' | xxd -r -p > sig.der && openssl x509 -in '" + a.state() +
                       "/keyring/device.crt' -pubkey -noout > pub.pem && "
                       "openssl dgst -sha256 -verify pub.pem -signature sig.der signed.txt";
  SubprocessOptions in_dir;
  in_dir.working_dir = a.dir.path();
  auto openssl = RunSubprocess({"bash", "-euo", "pipefail", "-c", script}, in_dir);
  REQUIRE(openssl.ok());
  INFO(openssl->out << openssl->err);
  CHECK(openssl->exit_code == 0);
  CHECK(openssl->out.find("Verified OK") != std::string::npos);

  a.Deposit("second", 64 * 1024);
  auto since = a.Run({"audit", "verify", "--since", w1}, "auditor1");
  INFO(since.out << since.err);
  CHECK(since.exit_code == 0);
  CHECK(since.out.find("consistency proof") != std::string::npos);

  // A witness taken after a backup no longer holds once the backup is
  // restored: the log was taken back in time, and says so.
  const std::string backup = a.dir.Sub("backup");
  a.Must({"backup", backup}, "officer1");
  a.Deposit("third", 64 * 1024);
  const std::string w2 = a.dir.Sub("witness-2.txt");
  a.Must({"audit", "checkpoint", "--out", w2}, "auditor1");
  fs::rename(a.store(), a.dir.Sub("store-aside"));
  a.Must({"restore", backup}, "officer1");
  auto after = a.Run({"audit", "verify", "--since", w2}, "auditor1");
  INFO(after.out << after.err);
  CHECK(after.exit_code == 3);
  CHECK(after.out.find("NOT CONSISTENT") != std::string::npos);
  CHECK(a.Run({"audit", "verify", "--since", w1}, "auditor1").exit_code == 0);  // from before the backup: holds
  bool bound = false;
  for (const json& e : a.Events("store.counter_bind"))
    bound = bound || e["reason"].get<std::string>().find("restored from the backup") != std::string::npos;
  CHECK(bound);

  // An altered witness fails its signature; a malformed one is bad input.
  std::string altered = text;
  altered.replace(altered.find("size ") + 5, 1, altered[altered.find("size ") + 5] == '9' ? "8" : "9");
  testing::WriteFile(a.dir.Sub("altered.txt"), altered);
  auto forged = a.Run({"audit", "verify", "--since", a.dir.Sub("altered.txt")}, "auditor1");
  CHECK(forged.exit_code == 3);
  CHECK(forged.out.find("signature does not verify") != std::string::npos);
  testing::WriteFile(a.dir.Sub("garbage.txt"), "qoima-audit-checkpoint-v2\nsize many\n");
  auto garbage = a.Run({"audit", "verify", "--since", a.dir.Sub("garbage.txt")}, "auditor1");
  CHECK(garbage.exit_code == 5);
  CHECK(garbage.err.find("garbage.txt line 2") != std::string::npos);
}
