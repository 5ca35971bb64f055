// End-to-end export through the real `qoima` binary: swtpm, a real intake of
// a FAT32 image on a loop device into the SQLCipher store, the two-person
// approval persisted in the store (request, refusals, approval), `qoima export
// run` writing a TPM-signed bundle, `qoima verify-bundle` and the documented
// stock-tools check on it, and the refusal to reuse, to run a rejected or
// withdrawn request, or to run one that has expired.
#include <catch2/catch.hpp>

#include <ctime>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "appliance/appliance.h"
#include "common/subprocess.h"
#include "tests/export/export_fixture.h"
#include "tests/fixtures/cli_world.h"
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

std::string Pw(const std::string& login) { return testing::CliPassword(login); }

// A provisioned appliance (tests/fixtures/cli_world.h) with a clerk, two
// security officers and an auditor, and one accepted deposit read from a
// FAT32 stick on a loop device.
class World : public testing::CliWorld {
 public:
  World() : CliWorld(kQoima, {true, 256 * 1024}) {}

  // `qoima --json export ...` expecting exit code `want`.
  json Export(std::vector<std::string> args, const std::string& user, int want) {
    args.insert(args.begin(), "export");
    int rc = -1;
    json j = Json(args, user, &rc);
    INFO("export " << args[1] << " by " << user << ": " << j.dump(2));
    CHECK(rc == want);
    return j;
  }
  int64_t Request(const std::string& user, const std::string& reason) {
    json j = Export({"request", std::to_string(deposit), "--reason", reason}, user, 0);
    REQUIRE(j["state"] == "pending");
    return j["id"].get<int64_t>();
  }
  json Listed(int64_t id) {
    json all = Export({"list", "--all"}, "auditor1", 0);
    for (const auto& a : all["approvals"])
      if (a["id"] == id) return a;
    FAIL("approval " << id << " is not listed");
    return {};
  }
};

std::string StockBlock() {
  std::string doc = testing::ReadFile(std::string(QOIMA_SOURCE_DIR) + "/docs/bundle-format.md");
  auto b = doc.find("<!-- stock-verify:begin -->");
  auto e = doc.find("<!-- stock-verify:end -->");
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  std::string block = doc.substr(b, e - b);
  auto s = block.find("```sh\n");
  auto t = block.rfind("```");
  REQUIRE(s != std::string::npos);
  return block.substr(s + 6, t - s - 6);
}

}  // namespace

TEST_CASE("qoima export: two officers approve - run writes a bundle that verify-bundle and stock tools accept once") {
  World w;
  const std::string reason = "return to the owner, letter 7/89 of 2026-11-20";

  // A clerk may not ask for an export; the refusal is audited.
  json denied = w.Export({"request", std::to_string(w.deposit), "--reason", reason}, "clerk1", 4);
  CHECK(denied["error"] == "permission_denied");
  // An unknown deposit is named.
  json missing = w.Export({"request", "999", "--reason", reason}, "officer1", 7);
  CHECK(missing["message"].get<std::string>().find("999") != std::string::npos);

  int64_t id = w.Request("officer1", reason);
  json pending = w.Export({"list"}, "officer2", 0);
  REQUIRE(pending["approvals"].size() == 1);
  CHECK(pending["approvals"][0]["id"] == id);
  CHECK(pending["approvals"][0]["reason"] == reason);
  CHECK(pending["approvals"][0]["requested_by"] == "officer1");

  // The requester can neither approve nor run their own request.
  json own = w.Export({"approve", std::to_string(id)}, "officer1", 4);
  CHECK(own["message"].get<std::string>().find("cannot also approve") != std::string::npos);
  json early = w.Export({"run", std::to_string(id), "--out", w.dir.Sub("early.tar")}, "officer1", 6);
  CHECK(early["message"].get<std::string>().find("pending") != std::string::npos);
  CHECK_FALSE(fs::exists(w.dir.Sub("early.tar")));
  // A clerk may not approve either.
  w.Export({"approve", std::to_string(id)}, "clerk1", 4);

  json approved = w.Export({"approve", std::to_string(id)}, "officer2", 0);
  CHECK(approved["state"] == "approved");
  REQUIRE(approved["approvals"].size() == 1);
  CHECK(approved["approvals"][0]["user"] == "officer2");

  // --device formats the whole device: on the appliance (no test media) a
  // loop device is not a USB export stick, so it is refused and left untouched.
  {
    testing::WriteFile(w.dir.Sub("notastick.img"), std::string(4 << 20, 'q'));
    testing::LoopDevice loop(w.dir.Sub("notastick.img"), /*read_only=*/false);
    auto run = w.Run({"--json", "export", "run", std::to_string(id), "--device", loop.path()}, "officer1",
                     {"QOIMA_TEST_MEDIA=0"});
    CHECK(run.exit_code == 6);
    json refused = json::parse(run.out);
    CHECK(refused["message"].get<std::string>().find("not a USB export stick") != std::string::npos);
    CHECK(testing::ReadFile(w.dir.Sub("notastick.img")) == std::string(4 << 20, 'q'));
  }

  const std::string bundle = w.dir.Sub("out/bundle.tar");
  fs::create_directories(w.dir.Sub("out"));
  json run =
      w.Export({"run", std::to_string(id), "--out", bundle, "--cert-out", w.dir.Sub("out/device.pem")}, "officer1", 0);
  CHECK(run["requested_by"] == "officer1");
  CHECK(run["approved_by"] == "officer2");
  CHECK(run["deposit"] == w.deposit);
  CHECK(run["payload_files"].get<uint64_t>() > 5);
  REQUIRE(fs::exists(bundle));
  CHECK(run["bundle_sha256"] == RunChecked({"sha256sum", bundle})->out.substr(0, 64));

  // The appliance's own verifier, against the device certificate it handed out.
  auto verify = w.Run({"--json", "verify-bundle", bundle, "--cert", w.dir.Sub("out/device.pem")}, "auditor1");
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
  json v = json::parse(verify.out);
  CHECK(v["ok"] == true);
  CHECK(v["trusted_certificate"] == true);
  CHECK(v["payload_files"] == run["payload_files"]);

  // The documented check with stock tar, sha256sum, sha512sum and openssl.
  std::string stock_out;
  int stock = testing::Bash(StockBlock(), w.dir.Sub("out"), &stock_out);
  INFO(stock_out);
  CHECK(stock == 0);
  // Both officers and the reason are in bag-info.txt.
  std::string bag_info;
  REQUIRE(testing::Bash("tar -xOf bundle.tar --wildcards '*/bag-info.txt'", w.dir.Sub("out"), &bag_info) == 0);
  CHECK(bag_info.find("officer1") != std::string::npos);
  CHECK(bag_info.find("officer2") != std::string::npos);
  CHECK(bag_info.find(reason) != std::string::npos);

  // Executed: the approval cannot be used for a second bundle.
  json again = w.Export({"run", std::to_string(id), "--out", w.dir.Sub("out/again.tar")}, "officer2", 6);
  CHECK(again["message"].get<std::string>().find("executed") != std::string::npos);
  CHECK_FALSE(fs::exists(w.dir.Sub("out/again.tar")));
  CHECK(w.Listed(id)["state"] == "executed");
  CHECK(w.Export({"list"}, "auditor1", 0)["approvals"].empty());

  // Everything is in the audit log, refusals included, and the log verifies.
  json audit = w.Json({"audit", "list"}, "auditor1");
  std::map<std::string, int> seen;
  for (const auto& e : audit["entries"])
    seen[e["action"].get<std::string>() + "/" + e["outcome"].get<std::string>() + "/" +
         e["actor"].get<std::string>()]++;
  CHECK(seen["approval.request/denied/clerk1"] == 1);
  CHECK(seen["approval.request/success/officer1"] == 1);
  CHECK(seen["approval.approve/denied/officer1"] == 1);
  CHECK(seen["approval.approve/denied/clerk1"] == 1);
  CHECK(seen["approval.approve/success/officer2"] == 1);
  CHECK(seen["export.run/failure/officer1"] == 2);  // before approval; the loop device
  CHECK(seen["export.bundle/success/officer1"] == 1);
  CHECK(seen["approval.execute/success/officer1"] == 1);
  CHECK(seen["export.run/failure/officer2"] == 1);
  CHECK(w.Json({"audit", "verify"}, "auditor1")["ok"] == true);
}

TEST_CASE("qoima export: rejected, withdrawn and expired approvals are refused and say why") {
  World w;
  // Rejected by the second officer, with a note: it cannot run.
  int64_t rejected = w.Request("officer1", "central repository transfer");
  CHECK(w.Run({"export", "reject", std::to_string(rejected)}, "officer2").exit_code == 2);  // a note is required
  json rj = w.Export({"reject", std::to_string(rejected), "--note", "no letter from the owner"}, "officer2", 0);
  CHECK(rj["state"] == "rejected");
  CHECK(rj["note"] == "no letter from the owner");
  w.Export({"run", std::to_string(rejected), "--out", w.dir.Sub("r.tar")}, "officer1", 6);
  w.Export({"approve", std::to_string(rejected)}, "officer2", 6);

  // Withdrawn by the requester (only by them): shown as cancelled, cannot be approved.
  int64_t withdrawn = w.Request("officer1", "sent by mistake");
  w.Export({"cancel", std::to_string(withdrawn)}, "officer2", 4);
  json cj = w.Export({"cancel", std::to_string(withdrawn)}, "officer1", 0);
  CHECK(cj["state"] == "cancelled");
  CHECK(w.Listed(withdrawn)["note"] == "withdrawn by the requester");
  w.Export({"approve", std::to_string(withdrawn)}, "officer2", 6);

  // Approved, then left lying for longer than its 24 hours: the appliance,
  // with its clock a day and a minute on, refuses to run it and stores it as
  // expired; the CLI then refuses it too.
  int64_t lapsed = w.Request("officer1", "return on request");
  w.Export({"approve", std::to_string(lapsed)}, "officer2", 0);
  {
    storage::ManualClock later(static_cast<int64_t>(std::time(nullptr)) + 24 * 3600 + 60);
    appliance::ApplianceOptions o;
    o.tcti = w.tpm.tcti();
    o.state_dir = w.state();
    o.clock = &later;
    auto app = appliance::Appliance::Open(o);
    REQUIRE(app.ok());
    auto officer = (*app)->Login("officer2", Pw("officer2"));
    REQUIRE(officer.ok());
    appliance::ExportOptions eo;
    eo.output_path = w.dir.Sub("late.tar");
    auto out = (*app)->Export(*officer, lapsed, eo);
    REQUIRE_FALSE(out.ok());
    CHECK(out.status().code() == Code::kFailedPrecondition);
    CHECK(out.status().message().find("expired") != std::string::npos);
    CHECK_FALSE(fs::exists(w.dir.Sub("late.tar")));
    REQUIRE((*app)->EndSession().ok());
  }
  json late = w.Export({"run", std::to_string(lapsed), "--out", w.dir.Sub("late.tar")}, "officer2", 6);
  CHECK(late["message"].get<std::string>().find("expired") != std::string::npos);
  CHECK(w.Listed(lapsed)["state"] == "expired");
  CHECK_FALSE(fs::exists(w.dir.Sub("late.tar")));
  CHECK(w.Export({"list"}, "officer1", 0)["approvals"].empty());
  CHECK(w.Json({"audit", "verify"}, "auditor1")["ok"] == true);
}
