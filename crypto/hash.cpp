#include "crypto/hash.h"

#include <openssl/evp.h>

#include <stdexcept>
#include <string>

namespace qoima::crypto {
namespace internal {

void EvpMdCtxDeleter::operator()(void* ctx) const { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx)); }

namespace {
/// The digest fetched from the provider once: EVP_sha256() makes every
/// EVP_DigestInit_ex look the implementation up again (a hasher per file).
const EVP_MD* FetchedMd(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr) throw std::runtime_error(std::string("OpenSSL has no ") + name);
  return md;  // kept for the process's life
}
}  // namespace

EvpHasher::EvpHasher(Kind kind) : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_) throw std::bad_alloc();
  static const EVP_MD* const sha256 = FetchedMd("SHA256");
  static const EVP_MD* const sha512 = FetchedMd("SHA512");
  const EVP_MD* md = kind == Kind::kSha256 ? sha256 : sha512;
  if (EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_.get()), md, nullptr) != 1)
    throw std::runtime_error("OpenSSL refused to initialise a digest");
}

void EvpHasher::Update(std::span<const uint8_t> data) {
  if (finished_) throw std::logic_error("hash Update() after Finish()");
  if (data.empty()) return;
  if (EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_.get()), data.data(), data.size()) != 1)
    throw std::runtime_error("OpenSSL digest update failed");
}

void EvpHasher::Finish(uint8_t* out, size_t len) {
  if (finished_) throw std::logic_error("hash Finish() called twice");
  finished_ = true;
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_.get()), out, &n) != 1 || n != len)
    throw std::runtime_error("OpenSSL digest final failed");
}

}  // namespace internal

std::string Hex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    s.push_back(kDigits[b >> 4]);
    s.push_back(kDigits[b & 0xf]);
  }
  return s;
}

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

bool FromHex(std::string_view hex, std::string& out) {
  if (hex.size() % 2) return false;
  std::string r;
  r.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = HexValue(hex[i]), lo = HexValue(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    r.push_back(static_cast<char>(hi << 4 | lo));
  }
  out = std::move(r);
  return true;
}

}  // namespace qoima::crypto
