// Checkpoint witness: a signed audit checkpoint as a small text an outside
// witness keeps (on paper or in a file), and its parser. `qoima audit
// checkpoint` writes one; `qoima audit verify --since FILE` proves that the
// log of today extends that head (RFC 6962 consistency proof), so a log that
// was rolled back or rewritten after the witness saw it fails.
//
// Format (docs/storage.md, "Checkpoint witness"): the checkpoint's signed
// text, version 2, then its signature:
//
//   qoima-audit-checkpoint-v2
//   size 1234
//   root <64 hex>
//   time 2026-11-26T09:15:00Z
//   counter 42
//   key <64 hex: fingerprint of the signing key>
//   signature <hex: DER ECDSA over SHA-256 of the six lines above>
//
// The first six lines are exactly the bytes signed (CheckpointText), so
// `head -n 6` and `openssl dgst -sha256 -verify` check it without qoima.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "storage/audit_log.h"

namespace qoima::storage {

/// What `audit verify --since` found: the witnessed head, the log's newest
/// signed head, and the first problem (empty when the log extends the
/// witnessed head).
struct WitnessVerifyReport {
  AuditCheckpoint witness;
  uint64_t head_size = 0;
  Hash head_root{};
  std::string head_time;
  size_t proof_hashes = 0;  // length of the RFC 6962 consistency proof checked
  std::string problem;
  bool ok() const { return problem.empty(); }
};

/// Largest witness file accepted (it is ~400 bytes).
inline constexpr size_t kMaxWitnessBytes = 4096;
/// Largest DER signature accepted in a witness.
inline constexpr size_t kMaxWitnessSignatureBytes = 256;

/// The witness text of `c`. kFailedPrecondition for a checkpoint without a
/// counter (version 1): those are not exported.
Result<std::string> FormatCheckpointWitness(const AuditCheckpoint& c);

/// Parses a witness; kInvalidArgument naming `where` and the line for
/// anything that is not exactly the format above. The signature is not
/// checked here (Store::VerifyAuditSince does). public_key_pem stays empty.
Result<AuditCheckpoint> ParseCheckpointWitness(std::string_view text, std::string_view where);

}  // namespace qoima::storage
