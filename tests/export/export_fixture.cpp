#include "tests/export/export_fixture.h"

#include <catch2/catch.hpp>

#include <array>
#include <filesystem>

#include "common/subprocess.h"
#include "storage/migrations.h"

namespace qoima::testing {
namespace {
std::array<uint8_t, 32> DbKey() {
  std::array<uint8_t, 32> k{};
  k.fill(0x42);
  return k;
}

}  // namespace

ExportFixture::ExportFixture(uint64_t large_bytes) {
  payload_dir = dir.Sub("deposit");
  files = MakeSampleTree(payload_dir, large_bytes);
  crypto::ProvisionOptions po;
  po.device_name = "qoima export test appliance";
  po.pcrs = {};
  auto prov = crypto::Keyring::Provision(tpm.tcti(), dir.Sub("keys"), po);
  REQUIRE(prov.ok());
  auto kr = crypto::Keyring::Open(tpm.tcti(), dir.Sub("keys"));
  REQUIRE(kr.ok());
  keyring = std::move(kr).value();
  cert_pem_ = keyring->signer().CertificatePem();
  WriteFile(cert_path(), cert_pem_);
  auto d = storage::Database::Open(dir.Sub("meta.db"), DbKey());
  REQUIRE(d.ok());
  db = std::move(d).value();
  REQUIRE(storage::ApplyMigrations(db, "2026-11-26T04:00:00Z").ok());
  auto l = storage::AuditLog::Create(db);
  REQUIRE(l.ok());
  log = std::move(l).value();
  audit = std::make_unique<exporting::StorageExportAuditLog>(log.get(), &keyring->signer());
  counter = std::make_unique<exporting::FileExportCounter>(dir.Sub("export.seq"));
  exporter = std::make_unique<exporting::BundleExporter>(&keyring->signer(), audit.get(), counter.get());
}

exporting::ExportApproval ExportFixture::Approval() const {
  return {"aigerim.officer",  "security_officer", "nurlan.officer",
          "security_officer", "approval-7",       "issue on request of the owner, letter 12/345"};
}

exporting::ExportReceipt ExportFixture::Export(const std::string& name) {
  exporting::DepositMetadata md{"17", "Электрондық үкімет порталы", "2.4.1", "act-2026-0042",
                                "5e1f0c0ffee0000000000000000000000000000000000000000000000000000a"};
  auto src = exporting::DirectoryPayloadSource::Create(payload_dir, md);
  REQUIRE(src.ok());
  exporting::ExportRequest req;
  req.approval = Approval();
  req.output_path = dir.Sub(name);
  auto r = exporter->Export(**src, req);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return *r;
}

exporting::VerifyReport ExportFixture::Verify(const std::string& bundle, const std::string& ledger) {
  exporting::VerifyOptions o;
  o.trusted_cert_pem = cert_pem_;
  o.ledger_path = ledger;
  o.record_in_ledger = !ledger.empty();
  auto r = exporting::VerifyBundle(bundle, o);
  REQUIRE(r.ok());
  return *r;
}

int Bash(const std::string& script, const std::string& cwd, std::string* out, const std::vector<std::string>& env) {
  SubprocessOptions o;
  o.working_dir = cwd;
  o.merge_stderr = true;
  o.extra_env = env;
  o.timeout = std::chrono::seconds(60);
  auto r = RunSubprocess({"bash", "-euo", "pipefail", "-c", script}, o);
  REQUIRE(r.ok());
  if (out) *out = r->out;
  return r->exit_code;
}

std::string Unpack(const std::string& bundle, const std::string& dir) {
  std::filesystem::create_directories(dir);
  auto r = RunChecked({"tar", "-xf", bundle, "-C", dir});
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  for (const auto& e : std::filesystem::directory_iterator(dir)) return e.path().string();
  FAIL("empty bundle");
  return "";
}

void Repack(const std::string& bag_path, const std::string& bundle) {
  std::filesystem::path p(bag_path);
  std::filesystem::remove(bundle);
  auto r = RunChecked({"tar", "--format=pax", "-cf", bundle, "-C", p.parent_path().string(), p.filename().string()});
  INFO(r.status().ToString());
  REQUIRE(r.ok());
}

std::string Describe(const exporting::VerifyReport& r) {
  std::string s;
  for (const auto& p : r.problems) s += p.kind + ": " + p.message + "\n";
  return s.empty() ? "(no problems)" : s;
}

}  // namespace qoima::testing
