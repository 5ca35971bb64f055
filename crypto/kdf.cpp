#include "crypto/kdf.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace qoima::crypto {
namespace {
struct MacDeleter {
  void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
};
struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};
using MacCtx = std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter>;

/// An HMAC-SHA256 context with its digest already set, copied for each use:
/// OpenSSL 3's HKDF (EVP_KDF) fetches HMAC and SHA-256 by name on every
/// derivation, which cost more than the derivation itself (5 us of the
/// ~40 us an intake spends on a small file, one derivation per object).
const EVP_MAC_CTX* HmacSha256Template() {
  static const std::unique_ptr<EVP_MAC, MacDeleter> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  static const MacCtx ctx = [] {
    if (!mac) throw std::runtime_error("OpenSSL has no HMAC");
    MacCtx c(EVP_MAC_CTX_new(mac.get()));
    if (!c) throw std::bad_alloc();
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    if (EVP_MAC_CTX_set_params(c.get(), params) != 1) throw std::runtime_error("OpenSSL refused HMAC-SHA256");
    return c;
  }();
  return ctx.get();
}

/// HMAC-SHA256(key, a || b || c) into out (32 bytes).
void HmacInto(std::span<const uint8_t> key, std::span<const uint8_t> a, std::span<const uint8_t> b,
              std::span<const uint8_t> c, uint8_t out[32]) {
  MacCtx ctx(EVP_MAC_CTX_dup(HmacSha256Template()));
  if (!ctx) throw std::bad_alloc();
  // An empty key is HMAC's all-zero key (RFC 2104 pads it with zeros).
  static const uint8_t kZero[1] = {0};
  size_t len = 0;
  if (EVP_MAC_init(ctx.get(), key.empty() ? kZero : key.data(), key.empty() ? 1 : key.size(), nullptr) != 1 ||
      (!a.empty() && EVP_MAC_update(ctx.get(), a.data(), a.size()) != 1) ||
      (!b.empty() && EVP_MAC_update(ctx.get(), b.data(), b.size()) != 1) ||
      (!c.empty() && EVP_MAC_update(ctx.get(), c.data(), c.size()) != 1) ||
      EVP_MAC_final(ctx.get(), out, &len, 32) != 1 || len != 32)
    throw std::runtime_error("HMAC-SHA256 failed");
}
}  // namespace

// RFC 5869: PRK = HMAC(salt, IKM); T(i) = HMAC(PRK, T(i-1) || info || i).
void HkdfSha256Into(std::span<const uint8_t> ikm, std::span<const uint8_t> salt, std::span<const uint8_t> info,
                    std::span<uint8_t> out) {
  if (out.size() > 255 * 32) throw std::runtime_error("HKDF output longer than 255 blocks");
  uint8_t prk[32];
  uint8_t t[32];
  HmacInto(salt, ikm, {}, {}, prk);
  size_t done = 0;
  for (uint8_t i = 1; done < out.size(); ++i) {
    const uint8_t counter[1] = {i};
    HmacInto(prk, i == 1 ? std::span<const uint8_t>() : std::span<const uint8_t>(t, 32), info, counter, t);
    const size_t n = std::min<size_t>(32, out.size() - done);
    std::memcpy(out.data() + done, t, n);
    done += n;
  }
  OPENSSL_cleanse(prk, sizeof prk);
  OPENSSL_cleanse(t, sizeof t);
}

SecretBytes HkdfSha256(std::span<const uint8_t> ikm, std::span<const uint8_t> salt, std::span<const uint8_t> info,
                       size_t length) {
  SecretBytes out(length);
  HkdfSha256Into(ikm, salt, info, {out.data(), out.size()});
  return out;
}

Sha256Digest HmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> data) {
  Sha256Digest out;
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(), &len) ||
      len != out.size())
    throw std::runtime_error("HMAC-SHA256 failed");
  return out;
}

}  // namespace qoima::crypto
