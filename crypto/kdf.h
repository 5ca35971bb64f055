// HKDF-SHA256 and HMAC-SHA256: the key derivations of the keyring and the
// AEAD subkeys. Internal to crypto/. HKDF's HMAC is RFC 2104 over OpenSSL's
// SHA-256 (one AEAD subkey per stored object: EVP_MAC's per-call context
// cost more than the hashing).
//
// Thread-safety: free functions; each thread hashes in a digest context of
// its own, the SHA-256 implementation is fetched once and only read.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "crypto/hash.h"
#include "crypto/secret.h"

namespace qoima::crypto {

/// HKDF-SHA256 (RFC 5869) of `ikm` with `salt` and `info`, `length` bytes.
/// Throws std::runtime_error if OpenSSL fails (not an expected failure).
SecretBytes HkdfSha256(std::span<const uint8_t> ikm, std::span<const uint8_t> salt, std::span<const uint8_t> info,
                       size_t length);
/// The same into `out` (out.size() bytes): for a short-lived subkey the
/// caller cleanses at once, without a locked allocation per call.
void HkdfSha256Into(std::span<const uint8_t> ikm, std::span<const uint8_t> salt, std::span<const uint8_t> info,
                    std::span<uint8_t> out);
inline std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

/// HMAC-SHA256 of `data` under `key`.
Sha256Digest HmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> data);

}  // namespace qoima::crypto
