// ExportFixture: everything a real export needs, per test: a fresh swtpm with
// a provisioned keyring (the TPM-resident device signer), a SQLCipher
// database with storage's Merkle audit log, the export counter, the exporter,
// and a depositor-like sample tree as the payload.
//
// Also shell helpers for tampering with a bundle the way an attacker would,
// with the stock tools (tar, openssl).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "appliance/export/bundle_exporter.h"
#include "appliance/export/bundle_verifier.h"
#include "appliance/export/storage_export_audit_log.h"
#include "crypto/keyring.h"
#include "storage/audit_log.h"
#include "storage/database.h"
#include "tests/fixtures/media_factory.h"
#include "tests/fixtures/swtpm.h"
#include "tests/fixtures/temp_dir.h"

namespace qoima::testing {

class ExportFixture {
 public:
  /// `large_bytes`: size of the sample tree's large file.
  explicit ExportFixture(uint64_t large_bytes = 256 * 1024);

  exporting::ExportApproval Approval() const;
  /// Exports the sample tree to dir/<name>; REQUIREs success.
  exporting::ExportReceipt Export(const std::string& name);
  exporting::VerifyReport Verify(const std::string& bundle, const std::string& ledger = "");

  const std::string& cert_pem() const { return cert_pem_; }
  std::string cert_path() const { return dir.Sub("device.pem"); }

  Swtpm tpm;
  TempDir dir;
  std::string payload_dir;
  std::vector<SampleFile> files;
  std::unique_ptr<crypto::Keyring> keyring;
  storage::Database db;
  std::unique_ptr<storage::AuditLog> log;
  std::unique_ptr<exporting::StorageExportAuditLog> audit;
  std::unique_ptr<exporting::FileExportCounter> counter;
  std::unique_ptr<exporting::BundleExporter> exporter;

 private:
  std::string cert_pem_;
};

/// Runs `script` with bash -euo pipefail in `cwd`; returns exit code, and
/// stdout+stderr in *out.
int Bash(const std::string& script, const std::string& cwd, std::string* out, const std::vector<std::string>& env = {});

/// Extracts `bundle` into `dir` (stock tar) and returns the bag directory path.
std::string Unpack(const std::string& bundle, const std::string& dir);
/// Packs bag directory `bag_path` back into `bundle` with stock GNU tar (pax).
void Repack(const std::string& bag_path, const std::string& bundle);

/// Problems of `r` as "kind: message" lines, for failure messages.
std::string Describe(const exporting::VerifyReport& r);

}  // namespace qoima::testing
