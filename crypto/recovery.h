// Recovery: M-of-N secret sharing of the master key (libgfshare, GF(2^8)
// Shamir), text and QR encodings of a share, and re-sealing the master key to
// a new TPM after the old one (or its motherboard) is lost.
//
// Share text (docs/crypto.md, "Recovery shares"):
//   QOIMA-RS1-<threshold>OF<shares>-<index>-<8 hex key check>-<64 hex share in
//   8 groups of 8>-<8 hex checksum>   (upper case; parsing ignores case and
//   whitespace; the same string is the QR payload, alphanumeric mode)
// The checksum catches a mistyped share on its own (kInvalidArgument naming
// the share); the key check catches shares from different provisionings and
// a combination that does not rebuild the key (kAuthFailed).
//
// Dual control and audit logging are the appliance's job: Recover() does the
// cryptography only, and returns the old and new fingerprints for the audit
// record.
//
// Thread-safety: free functions; no shared state.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "crypto/keyring.h"
#include "crypto/secret.h"

namespace qoima::crypto {

struct ParsedShare {
  int threshold = 0;
  int shares = 0;
  int index = 0;          // 1..shares
  std::string key_check;  // 8 hex digits
  std::vector<uint8_t> payload;
};

/// Parses one share (text or QR payload form; whitespace and case ignored).
Result<ParsedShare> ParseShare(std::string_view text);

/// Splits `secret` into `shares` shares, any `threshold` of which rebuild it.
/// REQUIRES 2 <= threshold <= shares <= 255.
Result<std::vector<std::string>> SplitSecret(const SecretBytes& secret, int threshold, int shares);
/// The QR payload form of a share text: the text without whitespace, upper
/// case (QR alphanumeric mode).
std::string ShareQrPayload(std::string_view share_text);
/// Rebuilds the secret; kInvalidArgument naming the share ("share #2
/// entered: ...") when one does not parse or its checksum fails; kAuthFailed
/// with fewer than threshold distinct shares, with shares of different
/// provisionings, or when the rebuilt key fails the key check.
Result<SecretBytes> CombineShares(const std::vector<std::string>& shares);

struct RecoveryResult {
  std::string old_fingerprint;  // empty if the old certificate was missing
  std::string new_fingerprint;
  std::string certificate_pem;
};

/// Rebuilds the master key from `shares`, checks it against the key check
/// value in `state_dir`, and re-seals it to the TPM behind `tcti` (with the
/// PCR list recorded at provisioning) with a NEW signing key (the old one
/// cannot leave the old TPM); the old certificate moves to old-certs/ so past
/// signatures stay verifiable. SqlcipherKey(), wrapped data keys and object
/// names are unchanged. On failure the state dir is left as it was.
Result<RecoveryResult> Recover(const std::string& tcti, const std::string& state_dir,
                               const std::vector<std::string>& shares);

}  // namespace qoima::crypto
