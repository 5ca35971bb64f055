// Export of a real deposit: sealed in storage's Store on a swtpm keyring,
// approved through appliance/'s two-person state machine, streamed out of the
// store (decrypt -> hash -> tar), verified, and traced in the audit log.
#include <catch2/catch.hpp>

#include <map>

#include "appliance/export/bundle_exporter.h"
#include "appliance/export/bundle_verifier.h"
#include "appliance/export/deposit_export.h"
#include "appliance/export/export_approval.h"
#include "appliance/export/storage_export_audit_log.h"
#include "appliance/export/store_payload_source.h"
#include "crypto/keyring.h"
#include "storage/store.h"
#include "storage/store_keys.h"
#include "tests/export/export_fixture.h"

using namespace qoima;
using namespace qoima::testing;

namespace {

constexpr int64_t kNow = 1795000000;

struct StoreFixture {
  Swtpm tpm;
  TempDir dir;
  std::unique_ptr<crypto::Keyring> keyring;
  std::unique_ptr<storage::KeyringStoreKeys> keys;
  std::unique_ptr<storage::Store> store;
  int64_t deposit_id = 0;
  std::map<int64_t, appliance::Actor> users = {
      {1, {1, "aigerim.officer", appliance::Role::kSecurityOfficer}},
      {2, {2, "nurlan.officer", appliance::Role::kSecurityOfficer}},
      {3, {3, "dana.clerk", appliance::Role::kClerk}},
  };
  std::vector<std::pair<std::string, std::string>> files = {
      {"бастапқы код/негізгі.cpp", "int main() { return 0; }\n"},
      {"құжаттар/Техникалық құжаттама.txt", "техникалық құжаттама\n"},
      {"Қаза\xd0\xb8\xcc\x86.txt", "nfd name\n"},
      {"build/app.bin", std::string(300000, '\x5a')},
  };

  StoreFixture() {
    crypto::ProvisionOptions po;
    po.device_name = "qoima export store test";
    REQUIRE(crypto::Keyring::Provision(tpm.tcti(), dir.Sub("keys"), po).ok());
    keyring = std::move(crypto::Keyring::Open(tpm.tcti(), dir.Sub("keys")).value());
    keys = std::make_unique<storage::KeyringStoreKeys>(*keyring);
    auto s = storage::Store::Create(dir.Sub("store"), *keys);
    REQUIRE(s.ok());
    store = std::move(s).value();
    auto st = store->db().Prepare(
        "INSERT INTO informatization_objects(name, track, created_at) VALUES(?, 'application', '2026-11-26')");
    REQUIRE(st.ok());
    REQUIRE(st->Bind(1, "e-Өтініш жүйесі").Run().ok());
    storage::DepositSpec spec;
    spec.object_id = store->db().LastInsertRowid();
    spec.version_label = "3.1";
    auto pending = store->BeginDeposit(spec);
    REQUIRE(pending.ok());
    for (const auto& [path, content] : files) {
      storage::FileMeta meta{std::vector<uint8_t>(path.begin(), path.end()), path, 1700000000, "source_code",
                             std::nullopt};
      auto w = (*pending)->AddFile(meta);
      REQUIRE(w.ok());
      REQUIRE((*w)->Write({reinterpret_cast<const uint8_t*>(content.data()), content.size()}).ok());
      REQUIRE((*w)->Finish().ok());
    }
    auto c = store->CommitDeposit(std::move(*pending), storage::Actor{"dana.clerk", "clerk"});
    REQUIRE(c.ok());
    deposit_id = c->deposit_id;
  }

  exporting::ActorLookup Lookup() {
    return [this](int64_t id) -> Result<appliance::Actor> {
      auto it = users.find(id);
      if (it == users.end()) return Status::NotFound("user " + std::to_string(id));
      return it->second;
    };
  }

  appliance::ApprovalRequest ApprovedRequest(const std::string& object) {
    auto r = appliance::RequestApproval(users[1], appliance::SensitiveAction::kExport, object,
                                        "return to the owner, letter 7/89", kNow);
    REQUIRE(r.ok());
    REQUIRE(appliance::Approve(*r, users[2], kNow + 60).ok());
    return *r;
  }
};

}  // namespace

TEST_CASE("a sealed deposit is exported from the store under a two-person approval and verifies") {
  StoreFixture f;
  auto req = f.ApprovedRequest("deposit:" + std::to_string(f.deposit_id));
  auto approval = exporting::ExportApprovalFrom(req, f.deposit_id, kNow + 120, f.Lookup());
  INFO(approval.status().ToString());
  REQUIRE(approval.ok());
  CHECK(approval->requested_by == "aigerim.officer");
  CHECK(approval->approved_by == "nurlan.officer");

  auto src =
      exporting::StorePayloadSource::Open(*f.store, f.deposit_id, storage::Actor{"aigerim.officer", "security_officer"},
                                          "export under approval " + std::to_string(req.id), "act-2026-0042");
  INFO(src.status().ToString());
  REQUIRE(src.ok());
  CHECK((*src)->metadata().object_name == "e-Өтініш жүйесі");
  CHECK((*src)->metadata().version == "3.1");
  CHECK((*src)->metadata().root_hash.size() == 64);

  exporting::StorageExportAuditLog audit(&f.store->audit(), &f.keyring->signer());
  exporting::FileExportCounter counter(f.dir.Sub("export.seq"));
  exporting::BundleExporter exporter(&f.keyring->signer(), &audit, &counter);
  exporting::ExportRequest er;
  er.approval = *approval;
  er.output_path = f.dir.Sub("bundle.tar");
  auto rc = exporter.Export(**src, er);
  INFO(rc.status().ToString());
  REQUIRE(rc.ok());

  exporting::VerifyOptions vo;
  vo.trusted_cert_pem = f.keyring->signer().CertificatePem();
  auto r = exporting::VerifyBundle(er.output_path, vo);
  REQUIRE(r.ok());
  INFO(Describe(*r));
  REQUIRE(r->ok());
  CHECK(r->bag_info["Qoima-Approval-Id"] == std::to_string(req.id));
  CHECK(r->bag_info["Qoima-Act-Id"] == "act-2026-0042");
  CHECK(r->bag_info["Qoima-Deposit-Id"] == std::to_string(f.deposit_id));

  std::string bag = Unpack(er.output_path, f.dir.Sub("x"));
  CHECK(ReadFile(bag + "/data/Қазай.txt") == "nfd name\n");
  CHECK(ReadFile(bag + "/data/build/app.bin") == f.files[3].second);

  // The audit log holds the read and the export, and still verifies.
  auto size = f.store->audit().Size();
  REQUIRE(size.ok());
  auto events = f.store->audit().Entries(0, *size);
  REQUIRE(events.ok());
  bool read = false, exported = false;
  for (const auto& e : *events) {
    if (e.action == "deposit.read" && e.actor == "aigerim.officer") read = true;
    if (e.action == "export.bundle" && e.reason.find("approved-by=nurlan.officer") != std::string::npos)
      exported = true;
  }
  CHECK(read);
  CHECK(exported);
  auto v = f.store->VerifyAudit();
  REQUIRE(v.ok());
  CHECK(v->ok());
}

TEST_CASE("export approval: pending, foreign-deposit, non-export and expired requests are refused") {
  StoreFixture f;
  const std::string target = "deposit:" + std::to_string(f.deposit_id);
  auto pending = appliance::RequestApproval(f.users[1], appliance::SensitiveAction::kExport, target, "why", kNow);
  REQUIRE(pending.ok());
  auto a = exporting::ExportApprovalFrom(*pending, f.deposit_id, kNow, f.Lookup());
  CHECK(a.status().code() == Code::kFailedPrecondition);
  CHECK(a.status().message().find("not approved") != std::string::npos);

  auto other = f.ApprovedRequest("deposit:" + std::to_string(f.deposit_id + 1));
  a = exporting::ExportApprovalFrom(other, f.deposit_id, kNow + 120, f.Lookup());
  CHECK(a.status().message().find("not deposit " + std::to_string(f.deposit_id)) != std::string::npos);

  auto ok = f.ApprovedRequest(target);
  a = exporting::ExportApprovalFrom(ok, f.deposit_id, ok.expires_at + 1, f.Lookup());
  CHECK(a.status().message().find("expired") != std::string::npos);

  auto destroy = appliance::RequestApproval(f.users[1], appliance::SensitiveAction::kDestruction, target, "why", kNow);
  REQUIRE(destroy.ok());
  REQUIRE(appliance::Approve(*destroy, f.users[2], kNow + 1).ok());
  a = exporting::ExportApprovalFrom(*destroy, f.deposit_id, kNow + 2, f.Lookup());
  CHECK(a.status().message().find("not export") != std::string::npos);

  // The state machine itself refuses self-approval and a clerk approver.
  auto self = appliance::RequestApproval(f.users[1], appliance::SensitiveAction::kExport, target, "why", kNow);
  REQUIRE(self.ok());
  CHECK(appliance::Approve(*self, f.users[1], kNow + 1).code() == Code::kPermissionDenied);
  CHECK(appliance::Approve(*self, f.users[3], kNow + 1).code() == Code::kPermissionDenied);
}

TEST_CASE("ExportDeposit runs the whole export and records a failed one in the audit log") {
  StoreFixture f;
  exporting::DepositExportRequest r;
  r.deposit_id = f.deposit_id;
  r.approval = f.ApprovedRequest("deposit:" + std::to_string(f.deposit_id));
  r.lookup = f.Lookup();
  r.act_id = "act-7";
  r.counter_path = f.dir.Sub("export.seq");
  r.now = kNow + 300;
  exporting::FileExportTarget target(f.dir.Sub("bundle.tar"));
  r.target = &target;
  auto rc = exporting::ExportDeposit(*f.store, f.keyring->signer(), r);
  INFO(rc.status().ToString());
  REQUIRE(rc.ok());
  exporting::VerifyOptions vo;
  vo.trusted_cert_pem = f.keyring->signer().CertificatePem();
  auto v = exporting::VerifyBundle(f.dir.Sub("bundle.tar"), vo);
  REQUIRE(v.ok());
  INFO(Describe(*v));
  CHECK(v->ok());
  CHECK(v->bag_info["Qoima-Export-Time"] == exporting::Rfc3339(kNow + 300));

  // Same target again: refused (never overwritten), and the refusal is logged.
  auto again = exporting::ExportDeposit(*f.store, f.keyring->signer(), r);
  CHECK(again.status().code() == Code::kAlreadyExists);
  auto n = f.store->audit().Size();
  REQUIRE(n.ok());
  auto last = f.store->audit().Entry(*n - 1);
  REQUIRE(last.ok());
  CHECK(last->action == "export.bundle");
  CHECK(last->outcome == "failure");
  CHECK(last->reason.find("already_exists") != std::string::npos);
}
