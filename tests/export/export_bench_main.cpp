// qoima-export-bench: drives the real exporter and verifier for
// scripts/bench.d/export.sh (release build). Software signer and a temporary
// SQLCipher audit log: the benchmark measures the bundle path, not the TPM.
//   qoima-export-bench create DIR BUNDLE   (writes BUNDLE and BUNDLE.cert.pem)
//   qoima-export-bench verify BUNDLE CERT
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "appliance/export/bundle_exporter.h"
#include "appliance/export/bundle_verifier.h"
#include "appliance/export/storage_export_audit_log.h"
#include "crypto/signer.h"
#include "storage/audit_log.h"
#include "storage/database.h"
#include "storage/migrations.h"

using namespace qoima;

namespace {

int Fail(const std::string& what) {
  std::fprintf(stderr, "qoima-export-bench: %s\n", what.c_str());
  return 1;
}

int Create(const std::string& dir, const std::string& bundle) {
  auto signer = crypto::SoftwareSigner::Generate("qoima bench");
  if (!signer.ok()) return Fail(signer.status().ToString());
  std::array<uint8_t, 32> key{};
  key.fill(7);
  auto db = storage::Database::Open(bundle + ".audit.db", key);
  if (!db.ok()) return Fail(db.status().ToString());
  if (auto s = storage::ApplyMigrations(*db, "2026-11-26T00:00:00Z"); !s.ok()) return Fail(s.status().ToString());
  auto log = storage::AuditLog::Create(*db);
  if (!log.ok()) return Fail(log.status().ToString());
  exporting::StorageExportAuditLog audit(log->get(), signer->get());
  exporting::FileExportCounter counter(bundle + ".seq");
  exporting::BundleExporter exporter(signer->get(), &audit, &counter);
  auto src = exporting::DirectoryPayloadSource::Create(dir, {"1", "bench", "1", "act-1", "0"});
  if (!src.ok()) return Fail(src.status().ToString());
  exporting::ExportRequest req;
  req.approval = {"officer.a", "security_officer", "officer.b", "security_officer", "approval-1", "benchmark"};
  req.output_path = bundle;
  auto rc = exporter.Export(**src, req);
  if (!rc.ok()) return Fail(rc.status().ToString());
  std::ofstream(bundle + ".cert.pem") << (*signer)->CertificatePem();
  std::printf("created %s: %llu files, %llu payload bytes, %llu bundle bytes\n", bundle.c_str(),
              static_cast<unsigned long long>(rc->bag.payload_files),
              static_cast<unsigned long long>(rc->bag.payload_bytes),
              static_cast<unsigned long long>(rc->bundle_bytes));
  return 0;
}

int Verify(const std::string& bundle, const std::string& cert) {
  std::ifstream in(cert);
  std::stringstream ss;
  ss << in.rdbuf();
  exporting::VerifyOptions o;
  o.trusted_cert_pem = ss.str();
  auto r = exporting::VerifyBundle(bundle, o);
  if (!r.ok()) return Fail(r.status().ToString());
  for (const auto& p : r->problems) std::fprintf(stderr, "PROBLEM %s: %s\n", p.kind.c_str(), p.message.c_str());
  return r->ok() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "create") return Create(argv[2], argv[3]);
  if (argc == 4 && std::string(argv[1]) == "verify") return Verify(argv[2], argv[3]);
  std::fprintf(stderr, "usage: qoima-export-bench create DIR BUNDLE | verify BUNDLE CERT\n");
  return 2;
}
