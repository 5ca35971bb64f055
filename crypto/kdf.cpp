#include "crypto/kdf.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <stdexcept>

namespace qoima::crypto {
namespace {
struct MdDeleter {
  void operator()(EVP_MD* m) const { EVP_MD_free(m); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

/// SHA-256 fetched from the provider once: EVP_sha256() makes every
/// EVP_DigestInit_ex look the implementation up again.
const EVP_MD* Sha256Md() {
  static const std::unique_ptr<EVP_MD, MdDeleter> md(EVP_MD_fetch(nullptr, "SHA256", nullptr));
  if (!md) throw std::runtime_error("OpenSSL has no SHA-256");
  return md.get();
}

/// One digest context per thread, initialised again for every hash: an
/// HKDF is four SHA-256 runs over a few blocks, where allocating contexts
/// (or EVP_MAC's duplicated HMAC contexts) cost more than the hashing.
EVP_MD_CTX* ThreadMdCtx() {
  thread_local const std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx) throw std::bad_alloc();
  return ctx.get();
}

void Digest(EVP_MD_CTX* ctx, std::initializer_list<std::span<const uint8_t>> parts, uint8_t out[32]) {
  unsigned int len = 0;
  if (EVP_DigestInit_ex(ctx, Sha256Md(), nullptr) != 1) throw std::runtime_error("SHA-256 failed");
  for (std::span<const uint8_t> p : parts)
    if (!p.empty() && EVP_DigestUpdate(ctx, p.data(), p.size()) != 1) throw std::runtime_error("SHA-256 failed");
  if (EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != 32) throw std::runtime_error("SHA-256 failed");
}

/// HMAC-SHA256(key, a || b || c) into out (32 bytes), RFC 2104:
/// H((K0 ^ opad) || H((K0 ^ ipad) || text)), K0 the key (hashed first when
/// longer than the 64-byte block) padded with zeros.
void HmacInto(std::span<const uint8_t> key, std::span<const uint8_t> a, std::span<const uint8_t> b,
              std::span<const uint8_t> c, uint8_t out[32]) {
  constexpr size_t kBlock = 64;
  EVP_MD_CTX* ctx = ThreadMdCtx();
  uint8_t k0[kBlock] = {};
  if (key.size() > kBlock) {
    Digest(ctx, {key}, k0);
  } else if (!key.empty()) {
    std::memcpy(k0, key.data(), key.size());
  }
  uint8_t pad[kBlock];
  for (size_t i = 0; i < kBlock; ++i) pad[i] = static_cast<uint8_t>(k0[i] ^ 0x36);
  uint8_t inner[32];
  Digest(ctx, {{pad, kBlock}, a, b, c}, inner);
  for (size_t i = 0; i < kBlock; ++i) pad[i] = static_cast<uint8_t>(k0[i] ^ 0x5c);
  Digest(ctx, {{pad, kBlock}, {inner, sizeof inner}}, out);
  OPENSSL_cleanse(k0, sizeof k0);
  OPENSSL_cleanse(pad, sizeof pad);
  OPENSSL_cleanse(inner, sizeof inner);
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
