// PasswordHasher: Argon2id password hashes through libsodium's crypto_pwhash
// (the encoded "$argon2id$v=19$m=...,t=...,p=1$salt$hash" string is what the
// users table stores), and the password policy for new passwords.
//
// Thread-safety: const methods; libsodium is initialized once on first use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace qoima::appliance {

/// Shortest password accepted for a new or reset account (characters, UTF-8).
inline constexpr size_t kMinPasswordChars = 10;
/// Longest password accepted (bytes): bounds the hashing work per attempt.
inline constexpr size_t kMaxPasswordBytes = 1024;

struct Argon2Params {
  uint64_t ops_limit;  // passes over memory
  size_t mem_limit_bytes;
};
/// Production cost: 3 passes over 64 MiB (about a third of a second here).
inline constexpr Argon2Params kArgon2Production{3, size_t{64} << 20};
/// libsodium's minimum, for unit tests only (never written by the CLI).
inline constexpr Argon2Params kArgon2TestOnly{1, size_t{8} << 10};

class PasswordHasher {
 public:
  explicit PasswordHasher(Argon2Params params = kArgon2Production);

  /// Returns the encoded Argon2id string for `password`.
  Result<std::string> Hash(std::string_view password) const;
  /// OK when `password` matches `encoded`; AuthFailed when it does not;
  /// Corrupt when `encoded` is not an Argon2id string.
  Status Verify(std::string_view encoded, std::string_view password) const;
  /// True when `encoded` was made with other parameters than this hasher's.
  bool NeedsRehash(std::string_view encoded) const;

 private:
  Argon2Params params_;
};

/// OK when `password` may be set: length limits, not all one character, not
/// equal to the username.
Status CheckPasswordPolicy(std::string_view username, std::string_view password);

}  // namespace qoima::appliance
