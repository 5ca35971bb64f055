// Sha256 / Sha512: streaming message digests over OpenSSL 3 EVP, plus Hex().
//
// Used for file fingerprints in acts, the Merkle audit log, object names'
// inputs and signature digests. Feed any number of Update() calls, then one
// Finish(); a hasher is single-use (Finish() twice or Update() after Finish()
// is a bug and throws std::logic_error). Digest() is the one-shot helper.
//
// Ownership: each hasher owns its EVP_MD_CTX (RAII). Thread-safety: one object
// per thread; distinct objects are independent.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace qoima::crypto {

using Sha256Digest = std::array<uint8_t, 32>;
using Sha512Digest = std::array<uint8_t, 64>;

namespace internal {
struct EvpMdCtxDeleter {
  void operator()(void* ctx) const;  // EVP_MD_CTX_free
};
/// Shared streaming implementation; `kind` selects the algorithm.
class EvpHasher {
 public:
  enum class Kind { kSha256, kSha512 };
  explicit EvpHasher(Kind kind);
  void Update(std::span<const uint8_t> data);
  void Finish(uint8_t* out, size_t len);

 private:
  std::unique_ptr<void, EvpMdCtxDeleter> ctx_;
  bool finished_ = false;
};
}  // namespace internal

class Sha256 {
 public:
  Sha256() : h_(internal::EvpHasher::Kind::kSha256) {}
  void Update(std::span<const uint8_t> data) { h_.Update(data); }
  void Update(std::string_view data) { h_.Update({reinterpret_cast<const uint8_t*>(data.data()), data.size()}); }
  Sha256Digest Finish() {
    Sha256Digest d;
    h_.Finish(d.data(), d.size());
    return d;
  }
  static Sha256Digest Digest(std::span<const uint8_t> data) {
    Sha256 h;
    h.Update(data);
    return h.Finish();
  }
  static Sha256Digest Digest(std::string_view data) {
    Sha256 h;
    h.Update(data);
    return h.Finish();
  }

 private:
  internal::EvpHasher h_;
};

class Sha512 {
 public:
  Sha512() : h_(internal::EvpHasher::Kind::kSha512) {}
  void Update(std::span<const uint8_t> data) { h_.Update(data); }
  void Update(std::string_view data) { h_.Update({reinterpret_cast<const uint8_t*>(data.data()), data.size()}); }
  Sha512Digest Finish() {
    Sha512Digest d;
    h_.Finish(d.data(), d.size());
    return d;
  }
  static Sha512Digest Digest(std::span<const uint8_t> data) {
    Sha512 h;
    h.Update(data);
    return h.Finish();
  }
  static Sha512Digest Digest(std::string_view data) {
    Sha512 h;
    h.Update(data);
    return h.Finish();
  }

 private:
  internal::EvpHasher h_;
};

/// Lower-case hex of `bytes` ("9f86d0...").
std::string Hex(std::span<const uint8_t> bytes);
template <size_t N>
std::string Hex(const std::array<uint8_t, N>& a) {
  return Hex(std::span<const uint8_t>(a.data(), a.size()));
}

/// Parses lower- or upper-case hex; false (and `out` unchanged) on odd length
/// or a non-hex character.
bool FromHex(std::string_view hex, std::string& out);

}  // namespace qoima::crypto
