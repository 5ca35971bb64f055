#include "crypto/secret.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/mman.h>

#include <cstring>
#include <new>
#include <stdexcept>

namespace qoima::crypto {

SecretBytes::SecretBytes(size_t size) {
  if (size == 0) return;
  data_ = new uint8_t[size]();
  size_ = size;
  locked_ = mlock(data_, size_) == 0;
}

SecretBytes::SecretBytes(std::span<const uint8_t> bytes) : SecretBytes(bytes.size()) {
  if (!bytes.empty()) std::memcpy(data_, bytes.data(), bytes.size());
}

SecretBytes::~SecretBytes() { Release(); }

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(other.data_), size_(other.size_), locked_(other.locked_) {
  other.data_ = nullptr;
  other.size_ = 0;
  other.locked_ = false;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Release();
    data_ = other.data_;
    size_ = other.size_;
    locked_ = other.locked_;
    other.data_ = nullptr;
    other.size_ = 0;
    other.locked_ = false;
  }
  return *this;
}

void SecretBytes::Release() {
  if (!data_) return;
  OPENSSL_cleanse(data_, size_);
  if (locked_) munlock(data_, size_);
  delete[] data_;
  data_ = nullptr;
  size_ = 0;
  locked_ = false;
}

SecretBytes SecretBytes::Random(size_t size) {
  SecretBytes s(size);
  if (size && RAND_bytes(s.data_, static_cast<int>(size)) != 1)
    throw std::runtime_error("the OpenSSL random generator failed");
  return s;
}

bool SecretBytes::Equals(const SecretBytes& other) const {
  if (size_ != other.size_) return false;
  if (size_ == 0) return true;
  return CRYPTO_memcmp(data_, other.data_, size_) == 0;
}

}  // namespace qoima::crypto
