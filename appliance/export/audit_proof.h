// The audit side of an export: the event the exporter appends to the Merkle
// audit log, the inclusion proof that travels in the bag
// (qoima-audit-proof.json), and the RFC 6962 / RFC 9162 proof check.
//
// ExportAuditLog is the seam to storage/'s audit log; the proof format is
// documented in docs/bundle-format.md. Thread-safety: plain values; the
// interface's implementations decide.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace qoima::exporting {

/// Limits on the proof file (untrusted on the verifying side).
inline constexpr size_t kMaxProofFileBytes = 1 << 20;
inline constexpr size_t kMaxAuditPathLength = 64;
inline constexpr size_t kMaxLeafBytes = 64 * 1024;
/// The proof is an object holding one array (audit_path): deeper JSON is
/// refused before it is parsed.
inline constexpr int kMaxProofJsonDepth = 2;

/// What the audit log records for one export.
struct ExportEvent {
  std::string export_id;
  uint64_t sequence = 0;
  std::string deposit_id;
  std::string requested_by;
  std::string approved_by;
  std::string approval_id;
  std::string reason;
  std::string manifest_sha256;  // hex SHA-256 of manifest-sha256.txt as written
  std::string time;             // RFC 3339 UTC

  /// The canonical "export-id=...;sequence=...;manifest-sha256=..." detail
  /// string. The audit leaf must contain it verbatim: the verifier ties the
  /// proof to this bag by finding it in the leaf.
  std::string Detail() const;
};

/// Where the export event sits in the log, with everything needed offline.
struct AuditInclusion {
  uint64_t leaf_index = 0;
  uint64_t tree_size = 0;
  std::string leaf;                           // exact leaf bytes (hashed as 0x00 || leaf)
  std::vector<std::string> audit_path;        // 32-byte node hashes, leaf to root
  std::string root_hash;                      // 32 bytes
  std::string checkpoint_body;                // the signed checkpoint bytes (empty if none)
  std::vector<uint8_t> checkpoint_signature;  // DER, by the device key
};

class ExportAuditLog {
 public:
  virtual ~ExportAuditLog() = default;
  /// Appends the event as one leaf, commits it durably, and returns its proof
  /// against a tree that contains it.
  virtual Result<AuditInclusion> AppendExportEvent(const ExportEvent& event) = 0;
};

/// RFC 6962 hashes.
std::string LeafHash(std::string_view leaf);
std::string NodeHash(std::string_view left, std::string_view right);
/// RFC 9162 section 2.1.3.2: true when `path` leads from leaf_hash at index to root.
bool VerifyInclusion(uint64_t index, uint64_t tree_size, std::string_view leaf_hash,
                     const std::vector<std::string>& path, std::string_view root);

std::string SerializeProof(const AuditInclusion& proof);
/// Parses qoima-audit-proof.json; errors name the field.
Result<AuditInclusion> ParseProof(std::string_view json);

}  // namespace qoima::exporting
