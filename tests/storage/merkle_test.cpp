#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "crypto/hash.h"
#include "storage/merkle.h"

using namespace qoima::storage;

namespace {
std::vector<Hash> Leaves(size_t n) {
  std::vector<Hash> out;
  for (size_t i = 0; i < n; ++i) out.push_back(MerkleLeafHash("leaf " + std::to_string(i)));
  return out;
}
std::string HexOf(const Hash& h) { return qoima::crypto::Hex(h); }
}  // namespace

TEST_CASE("merkle roots match the RFC 6962 reference vectors") {
  // The eight test leaves and expected roots of the certificate-transparency reference tests.
  const std::vector<std::string> data = {
      std::string(),
      std::string("\x00", 1),
      std::string("\x10", 1),
      std::string("\x20\x21", 2),
      std::string("\x30\x31", 2),
      std::string("\x40\x41\x42\x43", 4),
      std::string("\x50\x51\x52\x53\x54\x55\x56\x57", 8),
      std::string("\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f", 16)};
  const std::vector<std::string> roots = {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                                          "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                                          "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
                                          "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                                          "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
                                          "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
                                          "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
                                          "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
  std::vector<Hash> leaves;
  MerkleAccumulator acc;
  for (size_t i = 0; i < data.size(); ++i) {
    leaves.push_back(MerkleLeafHash(data[i]));
    acc.Append(leaves.back());
    CHECK(HexOf(MerkleRoot(leaves)) == roots[i]);
    CHECK(HexOf(acc.Root()) == roots[i]);
  }
  CHECK(HexOf(MerkleEmptyRoot()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("merkle accumulator agrees with the recursive root and survives serialization") {
  std::vector<Hash> leaves = Leaves(130);
  MerkleAccumulator acc;
  for (size_t n = 0; n < leaves.size(); ++n) {
    acc.Append(leaves[n]);
    std::span<const Hash> prefix(leaves.data(), n + 1);
    REQUIRE(acc.Root() == MerkleRoot(prefix));
    auto back = MerkleAccumulator::Deserialize(acc.size(), acc.SerializePeaks());
    REQUIRE(back.ok());
    REQUIRE(back->Root() == acc.Root());
  }
  CHECK_FALSE(MerkleAccumulator::Deserialize(5, std::vector<uint8_t>(32)).ok());  // 5 needs 2 peaks
}

TEST_CASE("merkle inclusion proofs verify for every leaf and fail when altered") {
  std::vector<Hash> all = Leaves(33);
  for (size_t n = 1; n <= all.size(); ++n) {
    std::span<const Hash> d(all.data(), n);
    Hash root = MerkleRoot(d);
    for (size_t i = 0; i < n; ++i) {
      auto proof = MerkleInclusionProof(d, i);
      REQUIRE(VerifyMerkleInclusion(i, n, d[i], proof, root).ok());
      if (!proof.empty()) {
        auto bad = proof;
        bad[0][0] ^= 1;
        CHECK_FALSE(VerifyMerkleInclusion(i, n, d[i], bad, root).ok());
        bad = proof;
        bad.pop_back();
        CHECK_FALSE(VerifyMerkleInclusion(i, n, d[i], bad, root).ok());
      }
      CHECK_FALSE(VerifyMerkleInclusion(i, n, MerkleLeafHash("other"), proof, root).ok());
    }
    CHECK_FALSE(VerifyMerkleInclusion(n, n, d[0], {}, root).ok());
  }
}

TEST_CASE("merkle consistency proofs verify for every prefix and fail when altered") {
  std::vector<Hash> all = Leaves(33);
  for (size_t n = 1; n <= all.size(); ++n) {
    std::span<const Hash> d(all.data(), n);
    Hash root_n = MerkleRoot(d);
    for (size_t m = 1; m <= n; ++m) {
      Hash root_m = MerkleRoot(d.subspan(0, m));
      auto proof = MerkleConsistencyProof(d, m);
      REQUIRE(VerifyMerkleConsistency(m, n, root_m, root_n, proof).ok());
      if (m < n) {
        auto bad = proof;
        bad.back()[5] ^= 0x80;
        CHECK_FALSE(VerifyMerkleConsistency(m, n, root_m, root_n, bad).ok());
        Hash other = root_m;
        other[0] ^= 1;
        CHECK_FALSE(VerifyMerkleConsistency(m, n, other, root_n, proof).ok());
      }
    }
  }
  // A rewritten history (leaf 3 changed) is not consistent with the old root.
  std::vector<Hash> rewritten = all;
  rewritten[3] = MerkleLeafHash("forged");
  std::span<const Hash> old_tree(all.data(), 8);
  auto proof = MerkleConsistencyProof(rewritten, 8);
  CHECK_FALSE(VerifyMerkleConsistency(8, rewritten.size(), MerkleRoot(old_tree), MerkleRoot(rewritten), proof).ok());
}
