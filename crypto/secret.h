// SecretBytes: a move-only buffer for key material.
//
// The bytes are mlock()ed where the kernel allows it (so they are not written
// to swap; failure to lock is tolerated, e.g. under a low RLIMIT_MEMLOCK) and
// are overwritten with zeros (OPENSSL_cleanse, which the compiler cannot elide)
// before the memory is released. Not copyable: a copy of a key is a decision,
// made explicitly with Clone().
//
// Ownership: owns its heap buffer. Thread-safety: plain value type; one object
// per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace qoima::crypto {

class SecretBytes {
 public:
  SecretBytes() = default;
  /// `size` zero bytes.
  explicit SecretBytes(size_t size);
  /// A copy of `bytes` (the caller remains responsible for its own copy).
  explicit SecretBytes(std::span<const uint8_t> bytes);
  ~SecretBytes();

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  /// `size` bytes from the OpenSSL CSPRNG; throws std::runtime_error if the
  /// generator fails (a start-up fatal condition, not an expected failure).
  static SecretBytes Random(size_t size);

  SecretBytes Clone() const { return SecretBytes(span()); }

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<uint8_t> span() { return {data_, size_}; }
  std::span<const uint8_t> span() const { return {data_, size_}; }

  /// Constant-time comparison (sizes are not secret).
  bool Equals(const SecretBytes& other) const;

 private:
  void Release();
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  bool locked_ = false;
};

}  // namespace qoima::crypto
