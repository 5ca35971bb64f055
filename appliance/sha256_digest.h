// Sha256Digest: SHA-256 for the appliance's own small needs (manifest
// digests, `qoima act create` on the depositor's machine), through libsodium.
// The intake path hashes through storage's object writer instead.
//
// Thread-safety: a Sha256Digest object is used by one thread at a time.
#pragma once

#include <sodium.h>

#include <string>
#include <string_view>

#include "common/result.h"

namespace qoima::appliance {

/// Calls sodium_init() once; aborts start-up (throws) if libsodium cannot start.
void EnsureSodium();

class Sha256Digest {
 public:
  Sha256Digest();
  void Update(std::string_view bytes);
  /// Lowercase hex of the digest; the object must not be used afterwards.
  std::string FinishHex();

 private:
  crypto_hash_sha256_state state_;
};

std::string Sha256Hex(std::string_view bytes);

/// Hashes a whole file by streaming it (bounded memory).
Result<std::string> Sha256FileHex(const std::string& path);

/// Lowercase hex of arbitrary bytes.
std::string ToHex(std::string_view bytes);

}  // namespace qoima::appliance
