#include "appliance/export/stream_digest.h"

#include <stdexcept>

namespace qoima::exporting {
namespace {
const EVP_MD* Md(DigestAlgo a) { return a == DigestAlgo::kSha256 ? EVP_sha256() : EVP_sha512(); }
}  // namespace

StreamDigest::StreamDigest(DigestAlgo algo) : algo_(algo), ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), Md(algo_), nullptr) != 1)
    throw std::runtime_error("EVP_DigestInit_ex failed");  // out of memory: fatal
}

void StreamDigest::Update(std::span<const uint8_t> data) {
  if (!data.empty()) EVP_DigestUpdate(ctx_.get(), data.data(), data.size());
}

void StreamDigest::Update(std::string_view data) {
  if (!data.empty()) EVP_DigestUpdate(ctx_.get(), data.data(), data.size());
}

std::vector<uint8_t> StreamDigest::Final() {
  std::vector<uint8_t> out(EVP_MAX_MD_SIZE);
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx_.get(), out.data(), &n);
  out.resize(n);
  EVP_DigestInit_ex(ctx_.get(), Md(algo_), nullptr);
  return out;
}

std::string StreamDigest::FinalHex() { return ToHex(Final()); }

std::string StreamDigest::HexOf(DigestAlgo algo, std::string_view data) {
  StreamDigest d(algo);
  d.Update(data);
  return d.FinalHex();
}

std::string ToHex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

bool FromHex(std::string_view hex, std::vector<uint8_t>* out) {
  if (hex.size() % 2) return false;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  out->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nib(hex[i]), lo = nib(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<uint8_t>(hi << 4 | lo));
  }
  return true;
}

}  // namespace qoima::exporting
