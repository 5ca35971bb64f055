#include "appliance/password_hasher.h"

#include <sodium.h>

#include "appliance/sha256_digest.h"
#include "appliance/unicode_path.h"

namespace qoima::appliance {

PasswordHasher::PasswordHasher(Argon2Params params) : params_(params) { EnsureSodium(); }

Result<std::string> PasswordHasher::Hash(std::string_view password) const {
  if (password.size() > kMaxPasswordBytes) return Status::InvalidArgument("password is too long");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), params_.ops_limit, params_.mem_limit_bytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    return Status::Internal("Argon2id hashing failed (out of memory?)");
  return std::string(out);
}

Status PasswordHasher::Verify(std::string_view encoded, std::string_view password) const {
  if (encoded.rfind("$argon2id$", 0) != 0) return Status::Corrupt("stored password hash is not Argon2id");
  if (password.size() > kMaxPasswordBytes) return Status::AuthFailed("wrong username or password");
  std::string enc(encoded);  // NUL-terminated copy
  if (crypto_pwhash_str_verify(enc.c_str(), password.data(), password.size()) != 0)
    return Status::AuthFailed("wrong username or password");
  return Status::Ok();
}

bool PasswordHasher::NeedsRehash(std::string_view encoded) const {
  std::string enc(encoded);
  return crypto_pwhash_str_needs_rehash(enc.c_str(), params_.ops_limit, params_.mem_limit_bytes) != 0;
}

Status CheckPasswordPolicy(std::string_view username, std::string_view password) {
  QOIMA_RETURN_IF_ERROR(ValidateUtf8(password).WithContext("password"));
  size_t chars = 0;
  for (unsigned char c : password) chars += (c & 0xC0) != 0x80;
  if (chars < kMinPasswordChars)
    return Status::InvalidArgument("password must have at least " + std::to_string(kMinPasswordChars) + " characters");
  if (password.size() > kMaxPasswordBytes)
    return Status::InvalidArgument("password must be at most " + std::to_string(kMaxPasswordBytes) + " bytes");
  if (password == username) return Status::InvalidArgument("password must not be the username");
  if (password.find_first_not_of(password[0]) == std::string_view::npos)
    return Status::InvalidArgument("password must not repeat one character");
  return Status::Ok();
}

}  // namespace qoima::appliance
