// End-to-end: `qoima recover` re-seals the master key from 2 of 3 recovery
// shares onto a second swtpm (the old TPM is "lost"), under dual control by
// two security officers checked against the store, with the refusals (one
// share, a corrupted share, one officer twice, a clerk as custodian, a wrong
// password) changing nothing and the recovery recorded in the audit log.
#include <catch2/catch.hpp>

#include <filesystem>
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

const std::string kQoima = std::string(QOIMA_BINARY_DIR) + "/cli/qoima";

class RecoveryWorld {
 public:
  SubprocessResult Run(const std::string& tcti, std::vector<std::string> args, std::vector<std::string> env) {
    args.insert(args.begin(), kQoima);
    SubprocessOptions o;
    o.extra_env = {"QOIMA_TCTI=" + tcti, "QOIMA_STATE=" + dir.Sub("state"), "QOIMA_TEST_MEDIA=1"};
    for (auto& e : env) o.extra_env.push_back(e);
    auto r = RunSubprocess(args, o);
    if (!r.ok()) throw std::runtime_error(r.status().ToString());
    return *r;
  }
  SubprocessResult As(const std::string& tcti, const std::string& user, std::vector<std::string> args) {
    return Run(tcti, std::move(args), {"QOIMA_USER=" + user, "QOIMA_PASSWORD=" + user + "-password-1"});
  }
  // `qoima recover` on the new TPM with the given share files and custodians.
  SubprocessResult Recover(const std::vector<std::string>& share_files, const std::string& first,
                           const std::string& second, const std::string& second_password = "") {
    std::vector<std::string> args = {"recover", "--officer", first, "--second-officer", second};
    for (const auto& f : share_files) {
      args.push_back("--share-file");
      args.push_back(f);
    }
    return Run(new_tpm.tcti(), args,
               {"QOIMA_PASSWORD=" + first + "-password-1",
                "QOIMA_SECOND_PASSWORD=" + (second_password.empty() ? second + "-password-1" : second_password)});
  }
  std::string ShareFile(const std::string& name, const std::string& text) {
    testing::WriteFile(dir.Sub(name), text + "\n");
    return dir.Sub(name);
  }
  bool AuditHas(const std::string& tcti, const std::string& action, const std::string& actor,
                const std::string& outcome) {
    auto r = As(tcti, "auditor1", {"--json", "audit", "list", "--count", "1000"});
    if (r.exit_code != 0) throw std::runtime_error("audit list: " + r.Describe() + r.out + r.err);
    const json list = json::parse(r.out);
    for (const auto& e : list["entries"])
      if (e["action"] == action && e["actor"] == actor && e["outcome"] == outcome) return true;
    return false;
  }

  testing::Swtpm old_tpm;
  testing::Swtpm new_tpm;
  testing::TempDir dir;
};

}  // namespace

TEST_CASE("recover: 2 of 3 shares onto a second TPM under two officers - refusals change nothing") {
  RecoveryWorld w;
  const std::string old_tcti = w.old_tpm.tcti();
  auto init =
      w.Run(old_tcti, {"--json", "init", "--admin", "admin", "--surname", "Әлиев", "--name", "Ерлан", "--pcr", "7"},
            {"QOIMA_PASSWORD=admin-password-1"});
  INFO(init.out << init.err);
  REQUIRE(init.exit_code == 0);
  json provisioned = json::parse(init.out);
  std::vector<std::string> shares = provisioned["recovery_shares"];
  REQUIRE(shares.size() == 3);
  const std::string old_fp = provisioned["device_fingerprint"];
  for (auto [login, role] : {std::pair{"clerk1", "clerk"},
                             {"officer1", "security_officer"},
                             {"officer2", "security_officer"},
                             {"auditor1", "auditor"}}) {
    auto r = w.Run(old_tcti, {"user", "add", login, "--role", role, "--surname", "Сейітова", "--name", "Әйгерім"},
                   {"QOIMA_USER=admin", "QOIMA_PASSWORD=admin-password-1",
                    "QOIMA_NEW_PASSWORD=" + std::string(login) + "-password-1"});
    REQUIRE(r.exit_code == 0);
  }
  // A deposit sealed under the old TPM, so there is content to stay readable.
  json form = {{"portal_code", "IS-0042"},
               {"track", "application"},
               {"applicant", "«Ақпарат» АҚ"},
               {"software_name", "Е-Қойма"},
               {"items", {{{"name", "CD-1"}, {"serial_number", "SN1"}, {"original", true}}}},
               {"owner", {{"full_name", "Цифрлық даму министрлігі"}}}};
  testing::WriteFile(w.dir.Sub("form.json"), form.dump());
  auto app = w.As(old_tcti, "clerk1",
                  {"application", "add", "--form", w.dir.Sub("form.json"), "--number", "15/2026", "--received",
                   "2026-01-05", "--state-body", "Министрлік", "--head", "Ахметов А."});
  INFO(app.out << app.err);
  REQUIRE(app.exit_code == 0);
  REQUIRE(w.As(old_tcti, "clerk1", testing::NdaCommand("IS-0042")).exit_code == 0);
  std::string tree = w.dir.Sub("tree");
  testing::MakeSampleTree(tree, 64 * 1024);
  REQUIRE(
      w.As(old_tcti, "clerk1",
           {"act", "create", tree, "--application", "IS-0042", "--software", "Е-Қойма", "--out", w.dir.Sub("act.json")})
          .exit_code == 0);
  testing::BuildImage(testing::FsType::kIso9660, tree, w.dir.Sub("tree.iso"));
  testing::LoopDevice dev(w.dir.Sub("tree.iso"));
  auto intake = w.As(
      old_tcti, "clerk1",
      {"intake", "--application", "IS-0042", "--manifest", w.dir.Sub("act.json"), "--medium", dev.path(), "--accept"});
  INFO(intake.out << intake.err);
  REQUIRE(intake.exit_code == 0);

  // The old TPM is lost: the keyring does not open on the new one.
  auto before = w.As(w.new_tpm.tcti(), "auditor1", {"verify-store"});
  CHECK(before.exit_code != 0);
  CHECK(before.err.find("recover with the recovery shares") != std::string::npos);

  const std::string s1 = w.ShareFile("share1.txt", shares[0]);
  const std::string s3 = w.ShareFile("share3.txt", shares[2]);
  const auto keyring_meta = w.dir.Sub("state/keyring/keyring.meta");
  const std::string meta_before = testing::ReadFile(keyring_meta);

  SECTION("refusals leave the keyring as it was") {
    auto one = w.Recover({s1}, "officer1", "officer2");
    CHECK(one.exit_code == 4);
    CHECK(one.err.find("need 2 different recovery shares") != std::string::npos);

    std::string bad = shares[2];
    bad[bad.size() - 12] = bad[bad.size() - 12] == 'A' ? 'B' : 'A';  // a mistyped share
    auto corrupted = w.Recover({s1, w.ShareFile("bad.txt", bad)}, "officer1", "officer2");
    CHECK(corrupted.exit_code == 5);
    CHECK(corrupted.err.find("share #2") != std::string::npos);

    auto same = w.Recover({s1, s3}, "officer1", "officer1");
    CHECK(same.exit_code == 4);
    CHECK(same.err.find("two different security officers") != std::string::npos);

    auto clerk = w.Recover({s1, s3}, "officer1", "clerk1");
    CHECK(clerk.exit_code == 4);
    CHECK(clerk.err.find("clerk") != std::string::npos);

    auto wrong_pw = w.Recover({s1, s3}, "officer1", "officer2", "not-the-password");
    CHECK(wrong_pw.exit_code == 4);

    CHECK(testing::ReadFile(keyring_meta) == meta_before);
    CHECK_FALSE(std::filesystem::exists(w.dir.Sub("state/keyring.recovering")));
    // Still the old appliance: opens on the old TPM, and the refusals that
    // got past the shares are in its audit log.
    CHECK(w.As(old_tcti, "auditor1", {"verify-store"}).exit_code == 0);
    CHECK(w.AuditHas(old_tcti, "keys.recover", "clerk1", "denied"));
    // Refusals before any key existed (too few or mistyped shares) and the
    // failed open on the new TPM were kept aside and imported on this open.
    CHECK(w.AuditHas(old_tcti, "keys.recover", "system", "failure"));
    CHECK(w.AuditHas(old_tcti, "keyring.open", "system", "failure"));
    CHECK_FALSE(std::filesystem::exists(w.dir.Sub("state/pending-security-events.jsonl")));
    CHECK_FALSE(w.AuditHas(old_tcti, "keys.recover", "officer1", "success"));
  }

  SECTION("two officers and 2 of 3 shares recover; the store, deposits and audit log carry over") {
    auto ok = w.Recover({s1, s3}, "officer1", "officer2");
    INFO(ok.out << ok.err);
    REQUIRE(ok.exit_code == 0);
    CHECK(ok.out.find(old_fp) != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(w.dir.Sub("state/keyring.recovering")));
    CHECK(testing::ReadFile(keyring_meta) != meta_before);

    const std::string new_tcti = w.new_tpm.tcti();
    auto store = w.As(new_tcti, "auditor1", {"--json", "verify-store"});
    INFO(store.out << store.err);
    REQUIRE(store.exit_code == 0);
    CHECK(json::parse(store.out)["deposits"] == 1);
    // Checkpoints signed by the old key stay trusted (old-certs/), new ones
    // are signed by the new key.
    auto audit = w.As(new_tcti, "auditor1", {"--json", "audit", "verify"});
    INFO(audit.out << audit.err);
    REQUIRE(audit.exit_code == 0);
    CHECK(json::parse(audit.out)["ok"] == true);
    CHECK(w.AuditHas(new_tcti, "keys.recover", "officer1", "success"));
    CHECK(w.AuditHas(new_tcti, "keyring.open", "system", "failure"));
    // The old TPM no longer opens this state directory.
    CHECK(w.As(old_tcti, "auditor1", {"verify-store"}).exit_code != 0);
  }
}

TEST_CASE("PCR mismatch: a clear refusal, audited once the boot state is back") {
  RecoveryWorld w;
  const std::string tcti = w.old_tpm.tcti();
  auto init = w.Run(tcti, {"init", "--admin", "admin", "--surname", "Әлиев", "--name", "Ерлан", "--pcr", "7"},
                    {"QOIMA_PASSWORD=admin-password-1"});
  REQUIRE(init.exit_code == 0);
  auto add = w.Run(tcti, {"user", "add", "auditor1", "--role", "auditor", "--surname", "С", "--name", "Ә"},
                   {"QOIMA_USER=admin", "QOIMA_PASSWORD=admin-password-1", "QOIMA_NEW_PASSWORD=auditor1-password-1"});
  REQUIRE(add.exit_code == 0);

  w.old_tpm.ExtendPcr(7);  // the firmware or boot loader changed
  auto refused = w.As(tcti, "auditor1", {"verify-store"});
  CHECK(refused.exit_code != 0);
  CHECK(refused.err.find("the system state changed since provisioning") != std::string::npos);
  CHECK(std::filesystem::exists(w.dir.Sub("state/pending-security-events.jsonl")));

  w.old_tpm.Stop();  // reboot into the provisioned state: PCRs reset
  w.old_tpm.Start();
  REQUIRE(w.As(tcti, "auditor1", {"verify-store"}).exit_code == 0);
  CHECK(w.AuditHas(tcti, "keyring.open", "system", "failure"));
  CHECK_FALSE(std::filesystem::exists(w.dir.Sub("state/pending-security-events.jsonl")));
}
