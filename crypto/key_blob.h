// Keyring state files (internal to crypto/): the key blob format that holds a
// TPM object's public and private halves (master.sealed, signing.key), the
// keyring.meta text file, and the small-file I/O they need (bounded reads,
// atomic replace with fsync). Formats: docs/crypto.md.
//
// Every parser here reads bytes from disk that may be damaged: each field is
// length-checked against the named limits and failures name the file and the
// byte offset or line.
//
// Thread-safety: free functions and plain values.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "crypto/tpm_ops.h"

namespace qoima::crypto {

enum class KeyBlobKind : uint8_t { kSealedMaster = 1, kSigningKey = 2 };

struct KeyBlobFormat {
  static constexpr char kMagic[8] = {'Q', 'O', 'I', 'M', 'A', 'K', 'B', '1'};
  static constexpr uint8_t kVersion = 1;
  static constexpr size_t kHeaderSize = 16;
  static constexpr size_t kChecksumSize = 32;
  static constexpr size_t kMaxFileSize = 8192;
};

std::vector<uint8_t> EncodeKeyBlob(KeyBlobKind kind, const tpm::ObjectBlob& blob);
/// `name` (the file name) prefixes every error; kCorrupt on damage.
Result<tpm::ObjectBlob> DecodeKeyBlob(KeyBlobKind kind, std::span<const uint8_t> bytes, const std::string& name);

struct KeyringMeta {
  static constexpr size_t kMaxFileSize = 16 * 1024;
  static constexpr size_t kMaxDeviceName = 200;
  std::string device_name;
  std::vector<int> pcrs;
  int threshold = 0;
  int shares = 0;
  std::string key_check;    // 8 hex
  std::string fingerprint;  // 64 hex, current signing key
  /// 64 hex: fingerprint of the update-signing key the master key is sealed
  /// to under TPM2_PolicyAuthorize (signed PCR policies); empty when it is
  /// sealed to literal PCR values. Written only when set.
  std::string pcr_policy_key{};

  std::string Encode() const;
  static Result<KeyringMeta> Decode(const std::string& text, const std::string& name);
};

/// Whole file, refusing files larger than `max_size` (kLimitExceeded) and
/// reporting a missing file as kNotFound.
Result<std::string> ReadSmallFile(const std::string& path, size_t max_size);
/// Writes `path`.tmp, fsyncs, renames over `path`, fsyncs the directory.
Status WriteFileAtomic(const std::string& path, std::string_view bytes, mode_t mode = 0600);

}  // namespace qoima::crypto
