// StreamDigest: incremental SHA-256 / SHA-512 over OpenSSL's EVP, and hex
// helpers, for the bag's manifests and the verifier.
//
// TODO(crypto merge): switch to crypto/hash.h once it lands; the interface here
// is deliberately the same shape (Update, Final).
// Thread-safety: one object per thread.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace qoima::exporting {

enum class DigestAlgo { kSha256, kSha512 };

struct EvpMdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

class StreamDigest {
 public:
  explicit StreamDigest(DigestAlgo algo);
  void Update(std::span<const uint8_t> data);
  void Update(std::string_view data);
  /// Raw digest bytes; the object is reset and may be reused.
  std::vector<uint8_t> Final();
  /// Lower-case hex of Final().
  std::string FinalHex();

  static std::string HexOf(DigestAlgo algo, std::string_view data);

 private:
  DigestAlgo algo_;
  std::unique_ptr<EVP_MD_CTX, EvpMdCtxDeleter> ctx_;
};

std::string ToHex(std::span<const uint8_t> bytes);
/// Parses lower- or upper-case hex; false on odd length or a non-hex digit.
bool FromHex(std::string_view hex, std::vector<uint8_t>* out);

}  // namespace qoima::exporting
