#include "storage/merkle.h"

#include <bit>
#include <cstring>
#include <string>

namespace qoima::storage {
namespace {

uint64_t LargestPowerOfTwoBelow(uint64_t n) {  // REQUIRES n > 1
  return std::bit_floor(n - 1);
}

void SubProof(std::span<const Hash> d, uint64_t m, bool b, std::vector<Hash>& out) {
  uint64_t n = d.size();
  if (m == n) {
    if (!b) out.push_back(MerkleRoot(d));
    return;
  }
  uint64_t k = LargestPowerOfTwoBelow(n);
  if (m <= k) {
    SubProof(d.subspan(0, k), m, b, out);
    out.push_back(MerkleRoot(d.subspan(k)));
  } else {
    SubProof(d.subspan(k), m - k, false, out);
    out.push_back(MerkleRoot(d.subspan(0, k)));
  }
}

}  // namespace

Hash MerkleLeafHash(std::span<const uint8_t> leaf_data) {
  crypto::Sha256 h;
  const uint8_t prefix = 0x00;
  h.Update(std::span<const uint8_t>(&prefix, 1));
  h.Update(leaf_data);
  return h.Finish();
}

Hash MerkleLeafHash(std::string_view leaf_data) {
  return MerkleLeafHash(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(leaf_data.data()), leaf_data.size()));
}

Hash MerkleNodeHash(const Hash& left, const Hash& right) {
  crypto::Sha256 h;
  const uint8_t prefix = 0x01;
  h.Update(std::span<const uint8_t>(&prefix, 1));
  h.Update(left);
  h.Update(right);
  return h.Finish();
}

Hash MerkleEmptyRoot() { return crypto::Sha256::Digest(std::string_view()); }

Hash MerkleRoot(std::span<const Hash> leaf_hashes) {
  uint64_t n = leaf_hashes.size();
  if (n == 0) return MerkleEmptyRoot();
  if (n == 1) return leaf_hashes[0];
  uint64_t k = LargestPowerOfTwoBelow(n);
  return MerkleNodeHash(MerkleRoot(leaf_hashes.subspan(0, k)), MerkleRoot(leaf_hashes.subspan(k)));
}

std::vector<Hash> MerkleInclusionProof(std::span<const Hash> leaf_hashes, uint64_t index) {
  std::vector<Hash> path;
  std::span<const Hash> d = leaf_hashes;
  // Iterative PATH(m, D[n]): collect top-down, then reverse (the proof is bottom-up).
  std::vector<Hash> top_down;
  while (d.size() > 1) {
    uint64_t k = LargestPowerOfTwoBelow(d.size());
    if (index < k) {
      top_down.push_back(MerkleRoot(d.subspan(k)));
      d = d.subspan(0, k);
    } else {
      top_down.push_back(MerkleRoot(d.subspan(0, k)));
      d = d.subspan(k);
      index -= k;
    }
  }
  path.assign(top_down.rbegin(), top_down.rend());
  return path;
}

std::vector<Hash> MerkleConsistencyProof(std::span<const Hash> leaf_hashes, uint64_t m) {
  std::vector<Hash> out;
  if (m == 0 || m > leaf_hashes.size()) return out;
  SubProof(leaf_hashes, m, true, out);
  return out;
}

Status VerifyMerkleInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash, std::span<const Hash> proof,
                             const Hash& root) {
  if (index >= size) {
    return Status::Corrupt("inclusion proof: index " + std::to_string(index) + " is not below tree size " +
                           std::to_string(size));
  }
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) return Status::Corrupt("inclusion proof: too many hashes");
    if ((fn & 1) == 1 || fn == sn) {
      r = MerkleNodeHash(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = MerkleNodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Status::Corrupt("inclusion proof: too few hashes");
  if (r != root) return Status::Corrupt("inclusion proof: computed root does not match");
  return Status::Ok();
}

Status VerifyMerkleConsistency(uint64_t m, uint64_t n, const Hash& root_m, const Hash& root_n,
                               std::span<const Hash> proof) {
  if (m == 0 || m > n) {
    return Status::Corrupt("consistency proof: sizes " + std::to_string(m) + " and " + std::to_string(n) +
                           " are not 0 < m <= n");
  }
  if (m == n) {
    if (!proof.empty()) return Status::Corrupt("consistency proof: must be empty for equal sizes");
    if (root_m != root_n) return Status::Corrupt("consistency proof: equal sizes with different roots");
    return Status::Ok();
  }
  if (proof.empty()) return Status::Corrupt("consistency proof: empty");
  // A power-of-two old tree is itself a node of the new one: its root leads the path.
  std::vector<Hash> path;
  path.reserve(proof.size() + 1);
  if (std::has_single_bit(m)) path.push_back(root_m);
  for (const Hash& h : proof) path.push_back(h);
  uint64_t fn = m - 1;
  uint64_t sn = n - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0];
  Hash sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return Status::Corrupt("consistency proof: too many hashes");
    if ((fn & 1) == 1 || fn == sn) {
      fr = MerkleNodeHash(c, fr);
      sr = MerkleNodeHash(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = MerkleNodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Status::Corrupt("consistency proof: too few hashes");
  if (fr != root_m) return Status::Corrupt("consistency proof: old root does not match");
  if (sr != root_n) return Status::Corrupt("consistency proof: new root does not match");
  return Status::Ok();
}

Result<MerkleAccumulator> MerkleAccumulator::FromPeaks(uint64_t size, std::vector<Hash> peaks) {
  if (static_cast<uint64_t>(std::popcount(size)) != peaks.size()) {
    return Status::Corrupt("merkle state: " + std::to_string(peaks.size()) + " peaks for size " + std::to_string(size) +
                           " (expected " + std::to_string(std::popcount(size)) + ")");
  }
  MerkleAccumulator acc;
  acc.size_ = size;
  acc.peaks_ = std::move(peaks);
  return acc;
}

void MerkleAccumulator::Append(const Hash& leaf_hash) {
  Hash carry = leaf_hash;
  // Each trailing 1-bit of size_ is a peak of equal height to merge with.
  for (uint64_t s = size_; (s & 1) == 1; s >>= 1) {
    carry = MerkleNodeHash(peaks_.back(), carry);
    peaks_.pop_back();
  }
  peaks_.push_back(carry);
  ++size_;
}

Hash MerkleAccumulator::Root() const {
  if (peaks_.empty()) return MerkleEmptyRoot();
  // RFC 6962 splits left-heavy, so the root folds the peaks from the right.
  Hash r = peaks_.back();
  for (size_t i = peaks_.size() - 1; i-- > 0;) r = MerkleNodeHash(peaks_[i], r);
  return r;
}

std::vector<uint8_t> MerkleAccumulator::SerializePeaks() const {
  std::vector<uint8_t> out;
  out.reserve(peaks_.size() * 32);
  for (const Hash& p : peaks_) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Result<MerkleAccumulator> MerkleAccumulator::Deserialize(uint64_t size, std::span<const uint8_t> blob) {
  if (blob.size() % 32 != 0) return Status::Corrupt("merkle state: blob of " + std::to_string(blob.size()) + " bytes");
  std::vector<Hash> peaks(blob.size() / 32);
  for (size_t i = 0; i < peaks.size(); ++i) std::memcpy(peaks[i].data(), blob.data() + i * 32, 32);
  return FromPeaks(size, std::move(peaks));
}

}  // namespace qoima::storage
