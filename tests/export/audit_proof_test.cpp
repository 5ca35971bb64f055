#include <catch2/catch.hpp>

#include <functional>

#include "appliance/export/audit_proof.h"
#include "appliance/export/replay_ledger.h"
#include "tests/fixtures/temp_dir.h"

using namespace qoima;
using namespace qoima::exporting;

namespace {

// RFC 6962 section 2.1: MTH and PATH, written from the definitions.
std::string Mth(const std::vector<std::string>& leaves, size_t lo, size_t hi) {
  if (hi - lo == 1) return LeafHash(leaves[lo]);
  size_t k = 1;
  while (k * 2 < hi - lo) k *= 2;
  return NodeHash(Mth(leaves, lo, lo + k), Mth(leaves, lo + k, hi));
}

void Path(const std::vector<std::string>& leaves, size_t m, size_t lo, size_t hi, std::vector<std::string>* out) {
  if (hi - lo == 1) return;
  size_t k = 1;
  while (k * 2 < hi - lo) k *= 2;
  if (m < k) {
    Path(leaves, m, lo, lo + k, out);
    out->push_back(Mth(leaves, lo + k, hi));
  } else {
    Path(leaves, m - k, lo + k, hi, out);
    out->push_back(Mth(leaves, lo, lo + k));
  }
}

}  // namespace

TEST_CASE("inclusion proofs verify for every leaf of trees of 1 to 33 leaves, and fail when altered") {
  for (size_t n = 1; n <= 33; ++n) {
    std::vector<std::string> leaves;
    for (size_t i = 0; i < n; ++i) leaves.push_back("event " + std::to_string(i));
    const std::string root = Mth(leaves, 0, n);
    for (size_t m = 0; m < n; ++m) {
      std::vector<std::string> path;
      Path(leaves, m, 0, n, &path);
      INFO("n=" << n << " m=" << m);
      REQUIRE(VerifyInclusion(m, n, LeafHash(leaves[m]), path, root));
      CHECK_FALSE(VerifyInclusion(m, n, LeafHash("forged"), path, root));
      if (n > 1) {
        CHECK_FALSE(VerifyInclusion((m + 1) % n, n, LeafHash(leaves[m]), path, root));
        auto bad = path;
        bad[0][0] ^= 1;
        CHECK_FALSE(VerifyInclusion(m, n, LeafHash(leaves[m]), bad, root));
      }
    }
  }
  CHECK_FALSE(VerifyInclusion(3, 3, LeafHash("x"), {}, LeafHash("x")));
}

TEST_CASE("proof file round-trips and bad fields are named") {
  AuditInclusion p;
  p.leaf_index = 2;
  p.tree_size = 5;
  p.leaf = std::string("qoima-audit-v1\nreason=export-id=x;\n\x00\xff", 35);
  p.audit_path = {std::string(32, 'a'), std::string(32, 'b')};
  p.root_hash = std::string(32, 'r');
  p.checkpoint_body = "qoima-audit-checkpoint-v1\n5\n...\n";
  p.checkpoint_signature = {0x30, 0x01, 0x02};
  auto back = ParseProof(SerializeProof(p));
  REQUIRE(back.ok());
  CHECK(back->leaf == p.leaf);
  CHECK(back->audit_path == p.audit_path);
  CHECK(back->root_hash == p.root_hash);
  CHECK(back->checkpoint_signature == p.checkpoint_signature);

  CHECK(ParseProof("not json").status().code() == Code::kCorrupt);
  std::string s = SerializeProof(p);
  auto swap = [&](const std::string& from, const std::string& to) {
    std::string t = s;
    t.replace(t.find(from), from.size(), to);
    return ParseProof(t).status().message();
  };
  CHECK(swap("\"leaf_index\": 2", "\"leaf_index\": -2").find("leaf_index") != std::string::npos);
  CHECK(swap("qoima-audit-inclusion-proof/1", "other/9").find("other/9") != std::string::npos);
  const std::string root_hex = "\"root_hash\": \"" + std::string("7272");
  CHECK(swap(root_hex, "\"root_hash\": \"zz72").find("root_hash") != std::string::npos);
  std::string long_path = "[";
  for (size_t i = 0; i <= kMaxAuditPathLength; ++i)
    long_path += std::string(i ? "," : "") + "\"" + std::string(64, '0') + "\"";
  long_path += "]";
  std::string t = s;
  auto b = t.find("\"audit_path\": [");
  auto e = t.find("]", b);
  t.replace(b, e - b + 1, "\"audit_path\": " + long_path);
  CHECK(ParseProof(t).status().code() == Code::kLimitExceeded);
}

TEST_CASE("replay ledger: a repeated id and a non-increasing sequence are replays, and state survives reopening") {
  testing::TempDir dir;
  const std::string path = dir.Sub("ledger");
  const std::string fp(64, 'a');
  {
    auto l = ReplayLedger::Open(path);
    REQUIRE(l.ok());
    CHECK_FALSE(l->Check(fp, 5, "id-5"));
    REQUIRE(l->Record(fp, 5, "id-5", "2026-11-26T04:00:00Z").ok());
  }
  auto l = ReplayLedger::Open(path);
  REQUIRE(l.ok());
  auto again = l->Check(fp, 5, "id-5");
  REQUIRE(again);
  CHECK(again->find("already accepted at 2026-11-26T04:00:00Z") != std::string::npos);
  auto older = l->Check(fp, 4, "id-4");
  REQUIRE(older);
  CHECK(older->find("sequence 4 is not newer than sequence 5") != std::string::npos);
  CHECK_FALSE(l->Check(fp, 6, "id-6"));
  CHECK_FALSE(l->Check(std::string(64, 'b'), 1, "other-device"));
  testing::WriteFile(dir.Sub("bad"), "something else\n");
  CHECK(ReplayLedger::Open(dir.Sub("bad")).status().code() == Code::kCorrupt);
}
