// Sha256Digest: hex SHA-256 helpers for the appliance (manifest digests,
// `qoima act create`, intake), over crypto::Sha256 (OpenSSL EVP). Also the
// one-time libsodium start-up used by the password hasher.
//
// Thread-safety: a Sha256Digest object is used by one thread at a time.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "crypto/hash.h"

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
  crypto::Sha256 hasher_;
};

std::string Sha256Hex(std::string_view bytes);

/// Hashes a whole file by streaming it (bounded memory).
Result<std::string> Sha256FileHex(const std::string& path);

/// Lowercase hex of arbitrary bytes.
std::string ToHex(std::string_view bytes);

}  // namespace qoima::appliance
