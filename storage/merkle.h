// Merkle tree hashing of RFC 6962 (Certificate Transparency), section 2.1:
//   leaf hash  = SHA-256(0x00 || leaf data)
//   node hash  = SHA-256(0x01 || left || right)
//   MTH of n > 1 leaves splits at k, the largest power of two < n.
// Plus inclusion and consistency proofs (RFC 6962 2.1.1 / 2.1.2) and their
// verification (the algorithms of RFC 9162 2.1.3.2 / 2.1.4.2), and
// MerkleAccumulator, the O(log n) state that yields the root after every
// append.
//
// Pure functions over hashes; no I/O. Thread-safety: stateless functions;
// a MerkleAccumulator is a plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "crypto/hash.h"

namespace qoima::storage {

using Hash = crypto::Sha256Digest;

Hash MerkleLeafHash(std::span<const uint8_t> leaf_data);
Hash MerkleLeafHash(std::string_view leaf_data);
Hash MerkleNodeHash(const Hash& left, const Hash& right);
/// The root of an empty tree: SHA-256 of the empty string.
Hash MerkleEmptyRoot();

/// MTH(D[n]) over leaf hashes (already hashed with MerkleLeafHash).
Hash MerkleRoot(std::span<const Hash> leaf_hashes);

/// PATH(index, D[n]) for n = leaf_hashes.size(). REQUIRES index < n.
std::vector<Hash> MerkleInclusionProof(std::span<const Hash> leaf_hashes, uint64_t index);
/// PROOF(m, D[n]) for n = leaf_hashes.size(). REQUIRES 0 < m <= n.
std::vector<Hash> MerkleConsistencyProof(std::span<const Hash> leaf_hashes, uint64_t m);

/// OK when `proof` shows leaf `leaf_hash` at `index` in the tree of `size`
/// with `root`; kCorrupt otherwise.
Status VerifyMerkleInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash, std::span<const Hash> proof,
                             const Hash& root);
/// OK when `proof` shows the tree of size `m` with `root_m` is a prefix of the
/// tree of size `n` with `root_n`; kCorrupt otherwise.
Status VerifyMerkleConsistency(uint64_t m, uint64_t n, const Hash& root_m, const Hash& root_n,
                               std::span<const Hash> proof);

/// The roots of the perfect subtrees covering the leaves so far (one per set
/// bit of size(), largest first): enough to append and to compute the root.
class MerkleAccumulator {
 public:
  MerkleAccumulator() = default;
  /// Restores a saved state; kCorrupt when `peaks` does not fit `size`.
  static Result<MerkleAccumulator> FromPeaks(uint64_t size, std::vector<Hash> peaks);

  void Append(const Hash& leaf_hash);
  Hash Root() const;
  uint64_t size() const { return size_; }
  const std::vector<Hash>& peaks() const { return peaks_; }

  /// Peaks as one blob (32 bytes each) for persistence, and back.
  std::vector<uint8_t> SerializePeaks() const;
  static Result<MerkleAccumulator> Deserialize(uint64_t size, std::span<const uint8_t> blob);

 private:
  uint64_t size_ = 0;
  std::vector<Hash> peaks_;
};

}  // namespace qoima::storage
