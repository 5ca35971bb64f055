// VerificationLine: the values printed on every act (as text and as a QR code)
// that let anyone check a paper act against the appliance's store and audit log:
// act id, deposit root hash, manifest digest, audit checkpoint (size and root)
// and the device key fingerprint.
//
// Payload format (version 1, documented in docs/printing.md):
//   QOIMA-ACT1;act=<id>;root=<64 hex>;manifest=<64 hex>;cp=<size>:<64 hex>;key=<64 hex>
// The parser takes untrusted text (a scanned QR or a clerk's typing), so it
// has named limits, ignores whitespace and line breaks (the printed line
// wraps), accepts upper-case hex, and names the offending field on error.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace qoima::print {

inline constexpr std::string_view kVerificationMagic = "QOIMA-ACT1";
/// Longest payload the parser reads; a v1 payload is about 330 bytes.
inline constexpr size_t kMaxVerificationPayload = 1024;
/// Act ids are [A-Za-z0-9._/-], at most this long.
inline constexpr size_t kMaxActIdLength = 64;
inline constexpr size_t kSha256HexLength = 64;

struct VerificationLine {
  std::string act_id;
  std::string deposit_root;      // SHA-256, 64 lowercase hex
  std::string manifest_digest;   // SHA-256, 64 lowercase hex
  uint64_t checkpoint_size = 0;  // audit log size at the checkpoint
  std::string checkpoint_root;   // audit Merkle root, 64 lowercase hex
  std::string key_fingerprint;   // SHA-256 of the device signing key, 64 lowercase hex

  bool operator==(const VerificationLine&) const = default;
};

/// Checks that every field is well formed (act id alphabet, hex lengths).
Status ValidateVerificationLine(const VerificationLine& line);

/// The QR payload and the printed line (identical text, so the printed line
/// can be typed instead of scanned). REQUIRES: ValidateVerificationLine ok.
std::string EncodeVerificationPayload(const VerificationLine& line);

/// Parses a payload from a scan or typed text. Whitespace is ignored, hex is
/// lower-cased. Errors are kInvalidArgument/kLimitExceeded naming the field.
Result<VerificationLine> ParseVerificationPayload(std::string_view text);

/// Compares what the paper says with what the store and audit log hold.
/// Returns kCorrupt naming every field that differs ("manifest digest:
/// paper 3f.. , store 9a.."), OK when all match.
Status CompareVerification(const VerificationLine& paper, const VerificationLine& expected);

/// Parse + compare in one step for `qoima act verify`.
Status VerifyPayload(std::string_view text, const VerificationLine& expected);

}  // namespace qoima::print
