// BagWriter: streams one BagIt bag into a TarWriter: bagit.txt, every payload
// file under data/ (read -> SHA-256 + SHA-512 -> tar, one pass, no staging),
// then the tag files: manifests, bag-info.txt, qoima-names.txt, the audit
// inclusion proof of the export event, the device certificate, the tag
// manifests and the TPM signature over tagmanifest-sha256.txt.
//
// The export event is appended to the audit log after the payload is written
// and before bag-info, so its leaf binds the payload manifest's digest.
// Ownership: borrows the signer, the audit log and the tar writer.
// Thread-safety: none.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "appliance/export/audit_proof.h"
#include "appliance/export/payload_source.h"
#include "appliance/export/tar_writer.h"
#include "crypto/signer.h"

namespace qoima::exporting {

/// Who asked for the export and who approved it (appliance/'s two-person rule).
struct ExportApproval {
  std::string requested_by;
  std::string requester_role;
  std::string approved_by;
  std::string approver_role;
  std::string approval_id;  // the approval record in the appliance's DB
  std::string reason;       // e.g. "issue on request of the owner, letter 12/345"
};

/// Fails with kPermissionDenied naming the rule that is not met.
Status CheckApproval(const ExportApproval& approval);

struct BundleIdentity {
  std::string export_id;  // random UUID, unique per export
  uint64_t sequence = 0;  // strictly increasing per appliance
  int64_t time = 0;       // unix seconds (UTC)
};

struct BagSummary {
  std::string bag_dir;
  uint64_t payload_files = 0;
  uint64_t payload_bytes = 0;
  std::string manifest_sha256;     // hex digest of manifest-sha256.txt
  std::string tagmanifest_sha256;  // hex digest of tagmanifest-sha256.txt (what was signed)
  std::string device_fingerprint;  // crypto::Signer::Fingerprint(): SHA-256 of the SPKI
  AuditInclusion audit;
};

class BagWriter {
 public:
  BagWriter(crypto::Signer* signer, ExportAuditLog* audit) : signer_(signer), audit_(audit) {}

  /// `encrypted_for` is the recipient certificate fingerprint when the tar is
  /// enveloped (recorded in bag-info.txt), empty otherwise.
  Result<BagSummary> Write(PayloadSource& source, const ExportApproval& approval, const BundleIdentity& id,
                           const std::string& encrypted_for, TarWriter* tar);

 private:
  crypto::Signer* signer_;
  ExportAuditLog* audit_;
};

/// RFC 3339 UTC ("2026-11-26T04:05:30Z").
std::string Rfc3339(int64_t unix_seconds);

}  // namespace qoima::exporting
