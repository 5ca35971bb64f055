// The lifecycle of one informatization object through the real `qoima` CLI,
// on swtpm, the real store (SQLCipher, sealed objects, TPM keyring) and real
// ISO images read by the sandboxed media reader: intake -> temporary ->
// permanent -> new version -> checksum verify -> issue -> return ->
// destruction, with the audit log verifying after every step and nothing
// readable after destruction. Issue and return write real signed export
// bundles (two officers' approvals through `qoima export approve`) that
// `qoima verify-bundle` accepts.
//
// The appliance, users and passwords are made with `qoima init` and
// `qoima user add`. The deposits are committed in-process through
// Appliance::Open + Store::BeginDeposit/CommitDeposit from what the sandboxed
// reader streams off the image (the store path intake uses), because the
// application form needed by `qoima intake` is another area's fixture.
#include <sys/stat.h>

#include <map>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "appliance/appliance.h"
#include "appliance/lifecycle/tree_checksum.h"
#include "common/subprocess.h"
#include "hardware/media_reader.h"
#include "tests/fixtures/appliance_test_peer.h"
#include "tests/fixtures/media_factory.h"
#include "tests/fixtures/swtpm.h"
#include "tests/fixtures/temp_dir.h"

using namespace qoima;

namespace {

storage::Store& StoreOf(appliance::Appliance& app) { return appliance::ApplianceTestPeer::Store(app); }

const std::string kQoima = std::string(QOIMA_BINARY_DIR) + "/cli/qoima";
const std::string kPassword = "Қойма-тест-2026!";

template <typename T>
T Must(Result<T> r) {
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}
void Must(const Status& s) {
  INFO(s.ToString());
  REQUIRE(s.ok());
}

/// Streams every file of an image into a pending deposit (sealed as it reads).
class DepositSink : public hardware::MediaSink {
 public:
  explicit DepositSink(storage::PendingDeposit& p) : pending_(p) {}
  Status OnEntry(const hardware::EntryHeader& h) override {
    if (h.type != hardware::EntryType::kFile) return Status::Ok();
    storage::FileMeta meta;
    meta.path.assign(h.raw_path.begin(), h.raw_path.end());
    meta.display_path = h.display_path;
    meta.category = "executables";
    QOIMA_ASSIGN_OR_RETURN(writer_, pending_.AddFile(meta));
    return Status::Ok();
  }
  Status OnData(std::span<const uint8_t> chunk) override { return writer_ ? writer_->Write(chunk) : Status::Ok(); }
  Status OnEntryEnd(bool complete) override {
    if (!writer_) return Status::Ok();
    if (!complete) return Status::MediaUnreadable("incomplete file");
    auto done = writer_->Finish();
    writer_.reset();
    return done.status();
  }
  Status OnArchiveMember(const hardware::ArchiveMember&) override { return Status::Ok(); }
  Status OnProblem(const hardware::MediaProblem& p) override {
    return hardware::IsFatalProblem(p.cls) ? Status::MediaUnreadable(p.message) : Status::Ok();
  }

 private:
  storage::PendingDeposit& pending_;
  std::unique_ptr<storage::ObjectWriter> writer_;
};

std::unique_ptr<appliance::Appliance> OpenAppliance(const testing::Swtpm& tpm, const std::string& state) {
  appliance::ApplianceOptions o;
  o.tcti = tpm.tcti();
  o.state_dir = state;
  return Must(appliance::Appliance::Open(o));
}

int64_t Intake(const testing::Swtpm& tpm, const std::string& state, int64_t object_id, const std::string& image) {
  auto app = OpenAppliance(tpm, state);
  auto clerk = Must(app->Login("clerk1", kPassword));
  storage::DepositSpec spec;
  spec.object_id = object_id;
  spec.kind = "executable";
  spec.created_by = clerk.user_id;
  auto pending = Must(StoreOf(*app).BeginDeposit(spec));
  DepositSink sink(*pending);
  hardware::SandboxedMediaReader reader;
  Must(reader.Read(image, hardware::ReadOptions{}, sink).status());
  auto done = Must(StoreOf(*app).CommitDeposit(std::move(pending), {"clerk1", "clerk"}, "accepted from " + image));
  Must(app->EndSession());
  return done.deposit_id;
}

SubprocessResult Qoima(const testing::Swtpm& tpm, const std::string& state, std::vector<std::string> args,
                       const std::string& user = "") {
  std::vector<std::string> argv = {kQoima, "--tcti", tpm.tcti(), "--state", state};
  argv.insert(argv.end(), args.begin(), args.end());
  SubprocessOptions opt;
  opt.extra_env = {"QOIMA_PASSWORD=" + kPassword, "QOIMA_NEW_PASSWORD=" + kPassword};
  if (!user.empty()) opt.extra_env.push_back("QOIMA_USER=" + user);
  auto r = RunSubprocess(argv, opt);
  REQUIRE(r.ok());
  return *r;
}

void AuditVerifies(const testing::Swtpm& tpm, const std::string& state) {
  auto r = Qoima(tpm, state, {"--json", "audit", "verify", "--user", "aud1"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
}

/// so1 asks for an export of each version of `case_id` (`extra`: e.g. --version N);
/// so2 approves each through `qoima export approve` (its refusals are the export
/// area's tests; the lifecycle's are in lifecycle_store_test). Returns "ID,ID".
std::string ApprovedExports(const testing::Swtpm& tpm, const std::string& state, const std::string& kind,
                            const std::string& case_id, std::vector<std::string> extra, size_t want) {
  std::vector<std::string> args = {"--json", kind, "ask-approval", case_id, "--user", "so1"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto ask = Qoima(tpm, state, args);
  INFO(ask.out << ask.err);
  REQUIRE(ask.exit_code == 0);
  auto j = nlohmann::json::parse(ask.out);
  REQUIRE(j["approvals"].size() == want);
  std::string ids;
  for (const auto& a : j["approvals"]) {
    std::string id = std::to_string(a["approval_id"].get<int64_t>());
    auto ok = Qoima(tpm, state, {"export", "approve", id}, "so2");
    INFO(ok.out << ok.err);
    CHECK(ok.exit_code == 0);
    ids += (ids.empty() ? "" : ",") + id;
  }
  return ids;
}

/// `qoima verify-bundle` accepts the bundle against the appliance's device
/// certificate: signature, manifests, payload, inclusion proof.
void BundleVerifies(const testing::Swtpm& tpm, const std::string& state, const std::string& bundle,
                    uint64_t want_files) {
  auto v = Qoima(tpm, state, {"--json", "verify-bundle", bundle, "--cert", state + "/keyring/device.crt"});
  INFO(bundle << "\n" << v.out << v.err);
  REQUIRE(v.exit_code == 0);
  auto j = nlohmann::json::parse(v.out);
  CHECK(j["ok"] == true);
  CHECK(j["trusted_certificate"] == true);
  CHECK(j["signature_valid"] == true);
  CHECK(j["payload_files"] == want_files);
}

/// What a person is shown never cites the repealed Order 146/НҚ as a basis:
/// no "001 cl." (its seed's clause notation) and 146/НҚ only as the former
/// basis of the operator's practice.
void CitesNoRepealedBasis(const std::string& shown) {
  INFO(shown);
  CHECK(shown.find("001 cl.") == std::string::npos);
  const std::string marker = "operator's practice, based on the former 146/НҚ";
  size_t cited = 0, as_practice = 0;
  for (size_t at = shown.find("146/НҚ"); at != std::string::npos; at = shown.find("146/НҚ", at + 1)) ++cited;
  for (size_t at = shown.find(marker); at != std::string::npos; at = shown.find(marker, at + 1)) ++as_practice;
  CHECK(cited == as_practice);
}

}  // namespace

TEST_CASE("an object's whole lifecycle through the CLI on swtpm and real images") {
  testing::Swtpm tpm;
  testing::TempDir work("qoima-lifecycle-e2e");
  std::string state = work.Sub("state");

  // Two releases of the deployed executables, as ISO images.
  testing::WriteFile(work.Sub("v1/bin/қойма-сервер"), std::string(70000, 'x') + "release 1");
  testing::WriteFile(work.Sub("v1/conf/әкімшілік.conf"), "port=8443\n");
  testing::WriteFile(work.Sub("v1/lib/libqz.so"), "ELF library 1");
  testing::BuildImage(testing::FsType::kIso9660, work.Sub("v1"), work.Sub("v1.iso"));
  testing::WriteFile(work.Sub("v2/bin/қойма-сервер"), std::string(70000, 'x') + "release 2");
  testing::WriteFile(work.Sub("v2/conf/әкімшілік.conf"), "port=8443\n");
  testing::WriteFile(work.Sub("v2/lib/libqz2.so"), "ELF library 2");
  testing::BuildImage(testing::FsType::kIso9660, work.Sub("v2"), work.Sub("v2.iso"));

  auto init = Qoima(tpm, state, {"init", "--admin", "admin", "--surname", "Әкімшіұлы", "--name", "Бақыт"});
  INFO(init.err);
  REQUIRE(init.exit_code == 0);
  for (auto [login, role] : std::vector<std::pair<std::string, std::string>>{
           {"clerk1", "clerk"}, {"so1", "security_officer"}, {"so2", "security_officer"}, {"aud1", "auditor"}}) {
    auto add =
        Qoima(tpm, state,
              {"user", "add", login, "--role", role, "--surname", "Сейітов", "--name", "Ерлан", "--user", "admin"});
    INFO(add.err);
    REQUIRE(add.exit_code == 0);
  }
  int64_t object_id = 0;
  {
    auto app = OpenAppliance(tpm, state);
    Must(
        StoreOf(*app).db().Exec("INSERT INTO informatization_objects(name, architecture_code, track, created_at) "
                                "VALUES ('Е-лицензиялау', 'ARCH-0042', 'application', '2026-11-02T08:00:00Z')"));
    object_id = StoreOf(*app).db().LastInsertRowid();
  }
  Intake(tpm, state, object_id, work.Sub("v1.iso"));
  AuditVerifies(tpm, state);

  // Temporary -> permanent on a positive security test; refusals change nothing.
  auto show = Qoima(tpm, state, {"object", "show", "ARCH-0042", "--user", "aud1"});
  INFO(show.err);
  CHECK(show.exit_code == 0);
  CHECK(show.out.find("temporary") != std::string::npos);
  auto denied =
      Qoima(tpm, state, {"object", "test-outcome", "ARCH-0042", "1", "positive", "--report", "ST-1", "--user", "aud1"});
  CHECK(denied.exit_code == 4);
  // The one error shape of every command: "qoima: " and the refusal, which names what was refused.
  CHECK(denied.err.rfind("qoima: ", 0) == 0);
  CHECK(denied.err.find("record a security-test outcome") != std::string::npos);
  // The lab's report and its findings: a positive outcome without its report,
  // or with a vulnerability the comparison table leaves open, moves nothing.
  testing::WriteFile(work.Sub("static.pdf"), "%PDF-1.4 static analysis of ARCH-0042 v1");
  testing::WriteFile(work.Sub("open.json"),
                     R"({"vulnerabilities": [{"description": "SQL injection", "path": "src/q.c", "risk": "high"}],
                         "remediation": [{"vulnerability": 1, "correction": "not yet", "fixed": false}]})");
  testing::WriteFile(work.Sub("fixed.json"),
                     R"({"vulnerabilities": [{"description": "SQL injection", "path": "src/q.c", "risk": "high"}],
                         "remediation": [{"vulnerability": 1, "correction": "prepared statements", "fixed": true}]})");
  testing::WriteFile(work.Sub("bad.json"),
                     R"({"vulnerabilities": [{"description": "x", "path": "p", "risk": "severe"}]})");
  auto no_report = Qoima(
      tpm, state, {"object", "test-outcome", "ARCH-0042", "1", "positive", "--report", "ST-1", "--user", "clerk1"});
  CHECK(no_report.exit_code == 6);
  CHECK(no_report.err.find("needs the test report(s) attached") != std::string::npos);
  auto open = Qoima(tpm, state,
                    {"object", "test-outcome", "ARCH-0042", "1", "positive", "--report", "ST-1", "--report-file",
                     work.Sub("static.pdf"), "--findings", work.Sub("open.json"), "--user", "clerk1"});
  CHECK(open.exit_code == 6);
  CHECK(open.err.find("vulnerability 1 (high, src/q.c) is not") != std::string::npos);
  auto bad = Qoima(tpm, state,
                   {"object", "test-outcome", "ARCH-0042", "1", "negative", "--report", "ST-1", "--findings",
                    work.Sub("bad.json"), "--user", "clerk1"});
  CHECK(bad.exit_code != 0);
  CHECK(bad.err.find("bad.json: vulnerabilities[1].risk: 'severe' is not high, medium or low") != std::string::npos);
  show = Qoima(tpm, state, {"--json", "object", "show", "ARCH-0042", "--user", "aud1"});
  REQUIRE(show.exit_code == 0);
  CHECK(nlohmann::json::parse(show.out)["versions"][0]["tier"] == "temporary");
  CHECK(nlohmann::json::parse(show.out)["security_tests"].empty());
  auto moved =
      Qoima(tpm, state,
            {"--json", "object", "test-outcome", "ARCH-0042", "1", "positive", "--report", "ST-1", "--report-file",
             work.Sub("static.pdf"), "--findings", work.Sub("fixed.json"), "--user", "clerk1"});
  INFO(moved.err);
  REQUIRE(moved.exit_code == 0);
  auto moved_json = nlohmann::json::parse(moved.out);
  CHECK(moved_json["tier"] == "permanent");
  CHECK(moved_json["reports"] == 1);
  CHECK(moved_json["vulnerabilities"] == 1);
  auto twice = Qoima(tpm, state,
                     {"object", "test-outcome", "ARCH-0042", "1", "positive", "--report", "ST-2", "--user", "clerk1"});
  CHECK(twice.exit_code == 6);
  CHECK(twice.err.find("not the temporary store") != std::string::npos);
  // The report comes back byte-exact from where it is sealed with version 1,
  // for an auditor with a reason; a clerk may not read it.
  const std::string test_id = std::to_string(moved_json["test"].get<int64_t>());
  auto clerk_reads = Qoima(
      tpm, state,
      {"object", "test-report", test_id, "1", "--out", work.Sub("clerk.pdf"), "--reason", "look", "--user", "clerk1"});
  CHECK(clerk_reads.exit_code != 0);
  CHECK(clerk_reads.err.find("read a security-test report") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(work.Sub("clerk.pdf")));
  auto read = Qoima(tpm, state,
                    {"--json", "object", "test-report", test_id, "1", "--out", work.Sub("back.pdf"), "--reason",
                     "half-year audit", "--user", "aud1"});
  INFO(read.err);
  REQUIRE(read.exit_code == 0);
  CHECK(testing::ReadFile(work.Sub("back.pdf")) == "%PDF-1.4 static analysis of ARCH-0042 v1");
  CHECK(nlohmann::json::parse(read.out)["name"] == "static.pdf");
  auto log = Qoima(tpm, state, {"--json", "audit", "list", "--user", "aud1"});
  REQUIRE(log.exit_code == 0);
  CHECK(log.out.find("test_report.read") != std::string::npos);
  AuditVerifies(tpm, state);

  // A new version arrives in the temporary store; version 1 stays as it was.
  Intake(tpm, state, object_id, work.Sub("v2.iso"));
  show = Qoima(tpm, state, {"--json", "object", "show", "ARCH-0042", "--user", "aud1"});
  REQUIRE(show.exit_code == 0);
  auto j = nlohmann::json::parse(show.out);
  CHECK(j["versions"][0]["tier"] == "permanent");
  CHECK(j["versions"][1]["tier"] == "temporary");
  CHECK(j["tier_moves"].size() == 1);
  REQUIRE(j["security_tests"].size() == 1);
  CHECK(j["security_tests"][0]["outcome"] == "positive");
  CHECK(j["security_tests"][0]["reports"][0]["name"] == "static.pdf");
  CHECK(j["security_tests"][0]["reports"][0]["sha256"].get<std::string>().size() == 64);
  CHECK(j["security_tests"][0]["vulnerabilities"][0]["risk"] == "high");
  CHECK(j["security_tests"][0]["remediation"][0]["fixed"] == true);
  AuditVerifies(tpm, state);

  // Immutability: the v1 image and directory match version 1; the v2 image does not.
  auto same =
      Qoima(tpm, state,
            {"checksum", "verify", work.Sub("v1.iso"), "--object", "ARCH-0042", "--version", "1", "--user", "aud1"});
  INFO(same.out << same.err);
  CHECK(same.exit_code == 0);
  CHECK(same.out.find("IDENTICAL") != std::string::npos);
  CHECK(same.err.find("differs") == std::string::npos);  // the store's root equals the file list's
  CHECK(Qoima(tpm, state,
              {"checksum", "verify", work.Sub("v1"), "--object", "ARCH-0042", "--version", "1", "--user", "aud1"})
            .exit_code == 0);
  auto differs =
      Qoima(tpm, state,
            {"checksum", "verify", work.Sub("v2.iso"), "--object", "ARCH-0042", "--version", "1", "--user", "aud1"});
  CHECK(differs.exit_code == 3);
  CHECK(differs.out.find("changed    bin/қойма-сервер") != std::string::npos);
  CHECK(differs.out.find("missing    lib/libqz.so") != std::string::npos);
  CHECK(differs.out.find("extra      lib/libqz2.so") != std::string::npos);
  CHECK(differs.out.find("3 DIFFERENCE(S)") != std::string::npos);

  // Issue on request (003 cl.29): 3 working days after Monday 2 Nov 2026 is 5 Nov.
  auto req =
      Qoima(tpm, state, {"request", "ARCH-0042", "--received", "2026-11-02", "--ref", "вх-1", "--user", "clerk1"});
  INFO(req.err);
  CHECK(req.exit_code == 0);
  CHECK(req.out.find("due 2026-11-05") != std::string::npos);
  CHECK(Qoima(tpm, state, {"request", "ARCH-9999", "--received", "2026-11-02", "--ref", "x", "--user", "clerk1"})
            .exit_code == 7);
  // The code leaves only as signed bundles: an approved export per version, by two security officers.
  std::string out = work.Sub("out");
  REQUIRE(::mkdir(out.c_str(), 0700) == 0);
  CHECK(Qoima(tpm, state, {"request", "ask-approval", "1", "--user", "clerk1"}).exit_code == 4);
  auto pending = Qoima(tpm, state, {"--json", "request", "ask-approval", "1", "--version", "2", "--user", "so1"});
  REQUIRE(pending.exit_code == 0);
  std::string pending_id =
      std::to_string(nlohmann::json::parse(pending.out)["approvals"][0]["approval_id"].get<int64_t>());
  auto unapproved = Qoima(tpm, state, {"request", "run", "1", "--approval", pending_id, "--to", out, "--user", "so1"});
  CHECK(unapproved.exit_code == 4);
  CHECK(unapproved.err.find("second security officer") != std::string::npos);
  std::string issue_ids = ApprovedExports(tpm, state, "request", "1", {"--version", "2"}, 1);
  auto issued =
      Qoima(tpm, state, {"--json", "request", "run", "1", "--approval", issue_ids, "--to", out, "--user", "so1"});
  INFO(issued.out << issued.err);
  REQUIRE(issued.exit_code == 0);
  auto ij = nlohmann::json::parse(issued.out);
  CHECK(ij["case"]["state"] == "done");
  CHECK(ij["case"]["result_ref"].get<std::string>().rfind("bundle ", 0) == 0);
  REQUIRE(ij["bundles"].size() == 1);
  CHECK(ij["bundles"][0]["location"] == out + "/qoima-issue-case1-v2.tar");
  CHECK(ij["bundles"][0]["requested_by"] == "so1");
  CHECK(ij["bundles"][0]["approved_by"] == "so2");
  BundleVerifies(tpm, state, out + "/qoima-issue-case1-v2.tar", 3);
  AuditVerifies(tpm, state);

  // Return on decommissioning (003 cl.30; 001 cl.11).
  auto ret =
      Qoima(tpm, state, {"return", "ARCH-0042", "--received", "2026-11-03", "--ref", "вх-2", "--user", "clerk1"});
  CHECK(ret.exit_code == 0);
  CHECK(ret.out.find("due 2026-11-06") != std::string::npos);
  // Every version goes back, each in its own signed bundle, with the return act (001 cl.11).
  std::string return_ids = ApprovedExports(tpm, state, "return", "2", {}, 2);
  auto returned = Qoima(tpm, state, {"return", "run", "2", "--approval", return_ids, "--to", out, "--user", "so2"});
  INFO(returned.out << returned.err);
  REQUIRE(returned.exit_code == 0);
  CHECK(returned.out.find("return act RET-2") != std::string::npos);
  CHECK(returned.out.find("lib/libqz.so") != std::string::npos);
  CHECK(returned.out.find("lib/libqz2.so") != std::string::npos);
  CHECK(returned.out.find("approved by so1 and so2") != std::string::npos);
  BundleVerifies(tpm, state, out + "/qoima-return-case2-v1.tar", 3);
  BundleVerifies(tpm, state, out + "/qoima-return-case2-v2.tar", 3);
  {
    auto app = OpenAppliance(tpm, state);
    auto act = Must(StoreOf(*app).db().QueryText("SELECT manifest_json FROM acts WHERE kind = 'return'"));
    auto aj = nlohmann::json::parse(act);
    CHECK(aj["act_number"] == "RET-2");
    CHECK(aj["versions"].size() == 2);
    CHECK(aj["versions"][0]["files"].size() == 3);
    CHECK(aj["audit_checkpoint"]["tree_size"].get<uint64_t>() > 0);
  }
  AuditVerifies(tpm, state);

  // Destruction (003 cl.33): notice; refused without two officers; done once.
  auto notice =
      Qoima(tpm, state,
            {"destroy", "notice", "ARCH-0042", "--received", "2026-11-04", "--ref", "arch-1", "--user", "clerk1"});
  INFO(notice.err);
  CHECK(notice.exit_code == 0);
  CHECK(notice.out.find("due 2026-11-18") != std::string::npos);
  CHECK(Qoima(tpm, state, {"destroy", "3", "--approval", "1", "--user", "so1"}).exit_code == 4);
  auto asked = Qoima(tpm, state, {"destroy", "request", "3", "--user", "so1"});
  INFO(asked.err);
  REQUIRE(asked.exit_code == 0);
  std::string ap = asked.out.substr(std::string("destruction approval ").size());
  ap = ap.substr(0, ap.find(' '));
  auto one_person = Qoima(tpm, state, {"destroy", "3", "--approval", ap, "--user", "so1"});
  CHECK(one_person.exit_code == 4);
  CHECK(one_person.err.find("second security officer") != std::string::npos);
  auto self = Qoima(tpm, state, {"destroy", "approve", ap, "--user", "so1"});
  CHECK(self.exit_code == 4);
  CHECK(self.err.find("two-person rule") != std::string::npos);
  CHECK(Qoima(tpm, state, {"destroy", "approve", ap, "--user", "so2"}).exit_code == 0);
  auto destroyed = Qoima(tpm, state, {"destroy", "3", "--approval", ap, "--user", "so1"});
  INFO(destroyed.err);
  REQUIRE(destroyed.exit_code == 0);
  CHECK(destroyed.out.find("lib/libqz.so") != std::string::npos);
  CHECK(destroyed.out.find("lib/libqz2.so") != std::string::npos);
  CHECK(destroyed.out.find("approved by so1 and so2") != std::string::npos);
  CHECK(destroyed.out.find("audit checkpoint") != std::string::npos);
  auto again = Qoima(tpm, state, {"destroy", "3", "--approval", ap, "--user", "so1"});
  CHECK(again.exit_code == 6);
  CHECK(again.err.find("already destroyed") != std::string::npos);
  auto after =
      Qoima(tpm, state, {"request", "ARCH-0042", "--received", "2026-11-05", "--ref", "вх-3", "--user", "clerk1"});
  CHECK(after.exit_code == 6);
  CHECK(after.err.find("has been destroyed") != std::string::npos);
  AuditVerifies(tpm, state);

  // Nothing readable: no wrapped key, no object, no file row; the store refuses to read.
  {
    auto app = OpenAppliance(tpm, state);
    auto& db = StoreOf(*app).db();
    CHECK(Must(db.QueryInt("SELECT count(*) FROM deposits WHERE wrapped_key IS NOT NULL")) == 0);
    CHECK(Must(db.QueryInt("SELECT count(*) FROM deposits WHERE state = 'destroyed'")) == 2);
    CHECK(Must(db.QueryInt("SELECT count(*) FROM objects")) == 0);
    CHECK(Must(db.QueryInt("SELECT count(*) FROM tombstones")) == 2);
    CHECK_FALSE(StoreOf(*app).OpenDeposit(1, {"so1", "security_officer"}, "test").ok());
    CHECK_FALSE(StoreOf(*app).OpenDeposit(2, {"so1", "security_officer"}, "test").ok());
  }
  auto verify_store = Qoima(tpm, state, {"verify-store", "--user", "aud1"});
  INFO(verify_store.out << verify_store.err);
  CHECK(verify_store.exit_code == 0);

  // The notices register and `due`: three notices to the authorized body, none sent yet.
  auto due = Qoima(tpm, state, {"--json", "due", "--today", "2026-11-10", "--user", "aud1"});
  INFO(due.err);
  REQUIRE(due.exit_code == 0);
  auto dj = nlohmann::json::parse(due.out);
  REQUIRE(dj["items"].size() == 3);
  CHECK(dj["items"][0]["status"] == "overdue");  // the issue notice, due 5 Nov
  CHECK(dj["items"][2]["status"] == "open");     // the destruction notice, due 18 Nov
  CHECK(dj["items"][0]["clause"] == "003 cl.29");
  CHECK(dj["items"][1]["clause"] == "003 cl.30; act form: operator's practice, based on the former 146/НҚ cl.11");
  CHECK(dj["items"][2]["clause"] == "003 cl.33");
  CitesNoRepealedBasis(due.out);
  auto due_text = Qoima(tpm, state, {"due", "--today", "2026-11-10", "--user", "aud1"});
  REQUIRE(due_text.exit_code == 0);
  CitesNoRepealedBasis(due_text.out);
  CHECK(Qoima(tpm, state, {"notices", "sent", "1", "--date", "2026-11-05", "--export", "EXP-1", "--user", "clerk1"})
            .exit_code == 0);
  auto info = Qoima(tpm, state, {"report", "information", "--ref", "REQ-1", "--user", "aud1"});
  REQUIRE(info.exit_code == 0);
  CHECK(nlohmann::json::parse(info.out)["totals"]["versions_destroyed"] == 2);
  CitesNoRepealedBasis(info.out);

  // The half-year report is the operator's practice (the former 146/НҚ cl.13), due 11 Jan 2027 (10 Jan is a Sunday).
  auto half_due = Qoima(tpm, state, {"--json", "due", "--today", "2027-01-05", "--user", "aud1"});
  REQUIRE(half_due.exit_code == 0);
  bool report_listed = false;
  const auto half_items = nlohmann::json::parse(half_due.out)["items"];
  for (const auto& item : half_items)
    if (item["ref"] == "report:2026/2") {
      report_listed = true;
      CHECK(item["due_on"] == "2027-01-11");
      CHECK(item["clause"] == "operator's practice, based on the former 146/НҚ cl.13");
    }
  CHECK(report_listed);
  CitesNoRepealedBasis(half_due.out);
  auto report =
      Qoima(tpm, state, {"report", "half-year", "2026", "2", "--record", "--today", "2027-01-05", "--user", "clerk1"});
  INFO(report.err);
  REQUIRE(report.exit_code == 0);
  CitesNoRepealedBasis(report.out);
  auto notices = Qoima(tpm, state, {"--json", "notices", "--user", "aud1"});
  REQUIRE(notices.exit_code == 0);
  CitesNoRepealedBasis(notices.out);
  auto after_record = Qoima(tpm, state, {"--json", "due", "--today", "2027-01-05", "--user", "aud1"});
  REQUIRE(after_record.exit_code == 0);
  CitesNoRepealedBasis(after_record.out);
  AuditVerifies(tpm, state);
}

TEST_CASE(
    "the owner's change notices (003 cl.27-28) through the CLI: due 2 working days after the change, in `due` "
    "until received, audited") {
  testing::Swtpm tpm;
  testing::TempDir work("qoima-change-e2e");
  std::string state = work.Sub("state");
  REQUIRE(Qoima(tpm, state, {"init", "--admin", "admin", "--surname", "Әкімшіұлы", "--name", "Бақыт"}).exit_code == 0);
  for (auto [login, role] : std::vector<std::pair<std::string, std::string>>{{"clerk1", "clerk"}, {"aud1", "auditor"}})
    REQUIRE(Qoima(tpm, state,
                  {"user", "add", login, "--role", role, "--surname", "Сейітов", "--name", "Ерлан", "--user", "admin"})
                .exit_code == 0);
  {
    auto app = OpenAppliance(tpm, state);
    Must(
        StoreOf(*app).db().Exec("INSERT INTO informatization_objects(name, architecture_code, track, created_at) "
                                "VALUES ('Е-лицензиялау', 'ARCH-0042', 'application', '2026-11-02T08:00:00Z')"));
  }

  // The operator learns of a code change made on Friday 6 Nov 2026: the owner's notice is due Tuesday 10 Nov.
  auto expect = Qoima(tpm, state,
                      {"--json", "change", "expect", "ARCH-0042", "--kind", "code", "--changed", "2026-11-06",
                       "--learned-from", "SYNAQ орналастыру журналы", "--user", "clerk1"});
  INFO(expect.out << expect.err);
  REQUIRE(expect.exit_code == 0);
  auto ej = nlohmann::json::parse(expect.out);
  CHECK(ej["due_on"] == "2026-11-10");
  CHECK(ej["state"] == "expected");
  CHECK(ej["kind"] == "source_code");
  const std::string id = std::to_string(ej["id"].get<int64_t>());

  auto due_item = [&](const std::string& today) {
    auto due = Qoima(tpm, state, {"--json", "due", "--today", today, "--user", "aud1"});
    REQUIRE(due.exit_code == 0);
    const auto items = nlohmann::json::parse(due.out)["items"];
    for (const auto& item : items)
      if (item["ref"] == "change:" + id) return item;
    return nlohmann::json();
  };
  auto soon = due_item("2026-11-09");
  REQUIRE_FALSE(soon.is_null());
  CHECK(soon["status"] == "due-soon");
  CHECK(soon["due_on"] == "2026-11-10");
  CHECK(soon["clause"] == "003 cl.27-28");
  CHECK(soon["what"].get<std::string>().find("ARCH-0042") != std::string::npos);
  CHECK(due_item("2026-11-12")["status"] == "overdue");

  // Who may record it, and what is refused: nothing is written by a refusal.
  CHECK(Qoima(tpm, state,
              {"change", "received", id, "--received", "2026-11-11", "--ref", "вх-5", "--description", "x", "--user",
               "aud1"})
            .exit_code == 4);
  auto no_words =
      Qoima(tpm, state, {"change", "received", id, "--received", "2026-11-11", "--ref", "вх-5", "--user", "clerk1"});
  CHECK(no_words.exit_code == 5);
  CHECK(no_words.err.find("describes the change") != std::string::npos);
  auto before = Qoima(tpm, state,
                      {"change", "received", id, "--received", "2026-11-05", "--ref", "вх-5", "--description", "x",
                       "--user", "clerk1"});
  CHECK(before.exit_code == 5);
  CHECK(before.err.find("before the change") != std::string::npos);
  CHECK(Qoima(tpm, state,
              {"change", "expect", "ARCH-0042", "--kind", "code", "--changed", "2999-01-04", "--learned-from", "x",
               "--user", "clerk1"})
            .exit_code == 5);
  CHECK(Qoima(tpm, state,
              {"change", "expect", "ARCH-0042", "--kind", "hardware", "--changed", "2026-11-06", "--learned-from", "x",
               "--user", "clerk1"})
            .exit_code == 2);
  CHECK(Qoima(tpm, state,
              {"change", "expect", "ARCH-9999", "--kind", "code", "--changed", "2026-11-06", "--learned-from", "x",
               "--user", "clerk1"})
            .exit_code == 7);
  CHECK(due_item("2026-11-12")["status"] == "overdue");

  // The notice arrives a day late; then it leaves `due`, and cannot be received twice.
  auto received = Qoima(tpm, state,
                        {"--json", "change", "received", id, "--received", "2026-11-11", "--ref", "вх-5",
                         "--description", "авторизация модулі жаңартылды", "--user", "clerk1"});
  INFO(received.out << received.err);
  REQUIRE(received.exit_code == 0);
  auto rj = nlohmann::json::parse(received.out);
  CHECK(rj["state"] == "received");
  CHECK(rj["on_time"] == false);
  CHECK(rj["received_by"] == "clerk1");
  CHECK(due_item("2026-11-12").is_null());
  CHECK(Qoima(tpm, state,
              {"change", "received", id, "--received", "2026-11-11", "--ref", "вх-5", "--description", "again",
               "--user", "clerk1"})
            .exit_code == 6);

  // Server work on Friday 13 Nov, the owner's notice on Monday 16 Nov: in time (due Tuesday 17 Nov).
  auto direct =
      Qoima(tpm, state,
            {"--json", "change", "notice", "ARCH-0042", "--kind", "server", "--changed", "2026-11-13", "--received",
             "2026-11-16", "--ref", "вх-6", "--description", "сервердің ОЖ жаңартылды", "--user", "clerk1"});
  INFO(direct.out << direct.err);
  REQUIRE(direct.exit_code == 0);
  auto dj = nlohmann::json::parse(direct.out);
  CHECK(dj["kind"] == "server_work");
  CHECK(dj["due_on"] == "2026-11-17");
  CHECK(dj["on_time"] == true);
  auto list = Qoima(tpm, state, {"--json", "change", "list", "ARCH-0042", "--user", "aud1"});
  REQUIRE(list.exit_code == 0);
  CHECK(nlohmann::json::parse(list.out).size() == 2);

  // Audited, each with the object, the dates and whether it came in time.
  auto audit = Qoima(tpm, state, {"--json", "audit", "list", "--user", "aud1"});
  REQUIRE(audit.exit_code == 0);
  std::map<std::string, std::string> logged;
  const auto entries = nlohmann::json::parse(audit.out)["entries"];
  for (const auto& e : entries)
    if (e["action"].get<std::string>().rfind("change.notice.", 0) == 0)
      logged[e["action"].get<std::string>()] = e["object"].get<std::string>() + " " + e["reason"].get<std::string>();
  REQUIRE(logged.size() == 3);
  CHECK(logged["change.notice.expect"].find("object:1/change:" + id) == 0);
  CHECK(logged["change.notice.receive"].find("LATE") != std::string::npos);
  CHECK(logged["change.notice.record"].find("in time") != std::string::npos);
  CHECK(logged["change.notice.record"].find("003 cl.27-28") != std::string::npos);
  AuditVerifies(tpm, state);
}

TEST_CASE("calendar check and checksum compute work on files without a store") {
  testing::TempDir dir;
  testing::WriteFile(dir.Sub("bad.cal"), "qoima-calendar | 1\nyear | 2026 | s\nholiday | 2026-02-30 | x\nend | 2026\n");
  auto bad = RunSubprocess({kQoima, "calendar", "check", dir.Sub("bad.cal")});
  REQUIRE(bad.ok());
  CHECK(bad->exit_code == 5);
  CHECK(bad->err.find("bad.cal: line 3, field 2 (date)") != std::string::npos);
  auto good = RunSubprocess(
      {kQoima, "calendar", "check", std::string(QOIMA_SOURCE_DIR) + "/appliance/lifecycle/calendars/kz-default.cal"});
  REQUIRE(good.ok());
  CHECK(good->exit_code == 0);
  CHECK(good->out.find("2026-03-24  day off   day off carried from Nauryz") != std::string::npos);
  // The expected Kurban Ait of 2027 is listed as provisional with its source; 2026 has none.
  CHECK(good->out.find("PROVISIONAL  2027-05-16 Sun  religious: Kurban Ait") != std::string::npos);
  CHECK(good->out.find("(source: Labour Code of the RK art. 84 para 5; expected date") != std::string::npos);
  CHECK(good->out.find("1 PROVISIONAL entry") != std::string::npos);
  CHECK(good->out.find("no provisional entries") != std::string::npos);  // 2026

  testing::WriteFile(dir.Sub("tree/a.txt"), "a");
  auto list = RunSubprocess({kQoima, "checksum", "compute", dir.Sub("tree")});
  REQUIRE(list.ok());
  CHECK(list->exit_code == 0);
  testing::WriteFile(dir.Sub("list"), list->out);
  auto ok = RunSubprocess({kQoima, "checksum", "verify", dir.Sub("tree"), "--list", dir.Sub("list")});
  CHECK(ok->exit_code == 0);
  testing::WriteFile(dir.Sub("tree/b.txt"), "b");
  auto extra = RunSubprocess({kQoima, "checksum", "verify", dir.Sub("tree"), "--list", dir.Sub("list")});
  CHECK(extra->exit_code == 3);
  CHECK(extra->out.find("extra      b.txt") != std::string::npos);
}
