#include "hardware/name_set.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace qoima::hardware {
namespace {

constexpr size_t kInitialSlots = 1024;

uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

// SipHash-2-4 (Aumasson and Bernstein): a keyed 64-bit hash.
uint64_t SipHash(uint64_t k0, uint64_t k1, std::string_view in) {
  uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
  uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
  auto round = [&] {
    v0 += v1;
    v1 = Rotl(v1, 13);
    v1 ^= v0;
    v0 = Rotl(v0, 32);
    v2 += v3;
    v3 = Rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = Rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = Rotl(v1, 17);
    v1 ^= v2;
    v2 = Rotl(v2, 32);
  };
  const size_t whole = in.size() / 8 * 8;
  for (size_t i = 0; i < whole; i += 8) {
    uint64_t m = 0;
    std::memcpy(&m, in.data() + i, 8);  // little-endian host (x86-64, arm64)
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  uint64_t b = static_cast<uint64_t>(in.size()) << 56;
  for (size_t i = whole; i < in.size(); ++i)
    b |= static_cast<uint64_t>(static_cast<uint8_t>(in[i])) << (8 * (i - whole));
  v3 ^= b;
  round();
  round();
  v0 ^= b;
  v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

}  // namespace

NameSet::NameSet() {
  size_t got = 0;
  auto* bytes = reinterpret_cast<uint8_t*>(seed_.data());
  while (got < sizeof(seed_)) {
    ssize_t n = ::getrandom(bytes + got, sizeof(seed_) - got, 0);
    if (n < 0 && errno != EINTR) std::abort();  // no kernel randomness: nothing here can go on safely
    if (n > 0) got += static_cast<size_t>(n);
  }
  slots_.assign(kInitialSlots, 0);
}

uint64_t NameSet::Hash(std::string_view name) const {
  uint64_t h = SipHash(seed_[0], seed_[1], name);
  return h == 0 ? 1 : h;  // 0 marks an empty slot
}

bool NameSet::Insert(std::string_view name) {
  if ((size_ + 1) * 4 > slots_.size() * 3) Grow();
  const uint64_t k = Hash(name);
  const size_t mask = slots_.size() - 1;
  for (size_t i = k & mask;; i = (i + 1) & mask) {
    if (slots_[i] == k) return false;
    if (slots_[i] == 0) {
      slots_[i] = k;
      ++size_;
      return true;
    }
  }
}

void NameSet::Grow() {
  std::vector<uint64_t> old(slots_.size() * 2, 0);
  old.swap(slots_);
  const size_t mask = slots_.size() - 1;
  for (uint64_t k : old) {
    if (k == 0) continue;
    size_t i = k & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = k;
  }
}

}  // namespace qoima::hardware
