// Recovery shares: splitting and combining (unit), and re-sealing the master
// key onto a second swtpm (integration).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "crypto/keyring.h"
#include "crypto/recovery.h"
#include "tests/fixtures/swtpm.h"
#include "tests/fixtures/temp_dir.h"

using namespace qoima;
using crypto::Keyring;

namespace {
std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}
// Replaces one hex digit of the share body (after the key check group).
std::string Mistype(std::string share) {
  size_t pos = share.find('-', share.find("-", 16) + 1);  // inside the body groups
  pos = share.find('-', pos + 1) + 3;
  share[pos] = share[pos] == 'A' ? 'B' : 'A';
  return share;
}
}  // namespace

TEST_CASE("recovery shares: any 2 of 3 rebuild the secret, 1 does not") {
  auto secret = crypto::SecretBytes::Random(32);
  auto shares = crypto::SplitSecret(secret, 2, 3);
  REQUIRE(shares.ok());
  REQUIRE(shares->size() == 3);
  for (const auto& s : *shares) {
    CHECK(s.rfind("QOIMA-RS1-2OF3-", 0) == 0);
    CHECK(crypto::ShareQrPayload(s).find_first_not_of("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-") == std::string::npos);
  }
  for (auto [a, b] : {std::pair{0, 1}, std::pair{0, 2}, std::pair{1, 2}, std::pair{2, 0}}) {
    auto r = crypto::CombineShares({(*shares)[a], (*shares)[b]});
    REQUIRE(r.ok());
    CHECK(r->Equals(secret));
  }
  auto all = crypto::CombineShares(*shares);
  REQUIRE(all.ok());
  CHECK(all->Equals(secret));
  // Lower case and extra spaces, as a clerk might type it.
  std::string typed = (*shares)[1];
  for (char& c : typed) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  typed = "  " + typed.substr(0, 20) + " \n" + typed.substr(20);
  CHECK(crypto::CombineShares({(*shares)[0], typed}).ok());

  auto one = crypto::CombineShares({(*shares)[0]});
  REQUIRE_FALSE(one.ok());
  CHECK(one.status().code() == Code::kAuthFailed);
  CHECK(one.status().message().find("need 2") != std::string::npos);
  auto same_twice = crypto::CombineShares({(*shares)[0], (*shares)[0]});
  CHECK(same_twice.status().code() == Code::kAuthFailed);
}

TEST_CASE("recovery shares: mistyped, foreign and forged shares are refused") {
  auto secret = crypto::SecretBytes::Random(32);
  auto shares = crypto::SplitSecret(secret, 2, 3);
  auto other = crypto::SplitSecret(crypto::SecretBytes::Random(32), 2, 3);
  REQUIRE(shares.ok());
  REQUIRE(other.ok());
  auto typo = crypto::CombineShares({(*shares)[0], Mistype((*shares)[1])});
  REQUIRE_FALSE(typo.ok());
  CHECK(typo.status().code() == Code::kInvalidArgument);
  CHECK(typo.status().message().find("checksum") != std::string::npos);
  auto foreign = crypto::CombineShares({(*shares)[0], (*other)[1]});
  REQUIRE_FALSE(foreign.ok());
  CHECK(foreign.status().code() == Code::kAuthFailed);
  CHECK(crypto::ParseShare("hello").status().code() == Code::kInvalidArgument);
  CHECK(crypto::ParseShare((*shares)[0].substr(0, 40)).status().code() == Code::kInvalidArgument);
  // A forged body whose checksum was recomputed still fails the key check: build
  // it from another secret's share but with this key check value.
  auto p = crypto::ParseShare((*other)[1]);
  auto q = crypto::ParseShare((*shares)[1]);
  REQUIRE(p.ok());
  REQUIRE(q.ok());
  std::string forged = (*other)[1];
  forged.replace(forged.find(p->key_check), 8, q->key_check);
  // Recompute the checksum the way the format defines it (docs/crypto.md).
  std::string body;
  for (size_t i = 0, dash = 0; i < forged.size(); ++i) {
    if (forged[i] == '-')
      ++dash;
    else if (dash >= 5 && dash < 13)
      body.push_back(forged[i]);
  }
  std::string canonical = "QOIMARS12OF3I2K" + q->key_check + "P" + body;
  auto d = crypto::Sha256::Digest(canonical);
  std::string sum = crypto::Hex(std::span<const uint8_t>(d.data(), 4));
  for (char& c : sum) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  forged = forged.substr(0, forged.rfind('-') + 1) + sum;
  REQUIRE(crypto::ParseShare(forged).ok());
  auto r = crypto::CombineShares({(*shares)[0], forged});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kAuthFailed);
  CHECK(r.status().message().find("do not rebuild") != std::string::npos);
}

TEST_CASE("recovery from 2 of 3 shares onto a second TPM keeps every derived key") {
  testing::TempDir dir;
  const std::string state = dir.Sub("keys");
  std::vector<std::string> shares;
  std::string old_fp, sql_key, object_name;
  std::vector<uint8_t> wrapped;
  {
    testing::Swtpm first;
    auto prov = Keyring::Provision(first.tcti(), state, crypto::ProvisionOptions{.pcrs = {7}});
    REQUIRE(prov.ok());
    shares = prov->recovery_shares;
    old_fp = prov->signing_key_fingerprint;
    auto kr = Keyring::Open(first.tcti(), state);
    REQUIRE(kr.ok());
    sql_key = crypto::Hex((*kr)->SqlcipherKey().span());
    object_name = (*kr)->ObjectName("payload");
    auto nk = (*kr)->NewDataKey("deposit-1");
    REQUIRE(nk.ok());
    wrapped = nk->wrapped;
  }  // the first TPM is gone (motherboard replaced)

  testing::Swtpm second;
  auto before = Keyring::Open(second.tcti(), state);
  REQUIRE_FALSE(before.ok());
  CHECK(before.status().code() == Code::kCorrupt);
  CHECK(before.status().message().find("recovery shares") != std::string::npos);

  const int transients = second.TransientObjectCount();
  auto rec = crypto::Recover(second.tcti(), state, {shares[2], shares[0]});
  REQUIRE(rec.ok());
  CHECK(rec->old_fingerprint == old_fp);
  CHECK(rec->new_fingerprint != old_fp);
  CHECK(std::filesystem::exists(state + "/old-certs/" + old_fp + ".crt"));
  CHECK(second.TransientObjectCount() == transients);

  auto kr = Keyring::Open(second.tcti(), state);
  REQUIRE(kr.ok());
  CHECK(crypto::Hex((*kr)->SqlcipherKey().span()) == sql_key);
  CHECK((*kr)->ObjectName("payload") == object_name);
  CHECK((*kr)->UnwrapDataKey(wrapped, "deposit-1").ok());
  CHECK((*kr)->signer().Fingerprint() == rec->new_fingerprint);
  CHECK((*kr)->pcrs() == std::vector<int>{7});
  // Old signatures stay verifiable with the kept certificate.
  CHECK(crypto::PublicKeyFingerprint(ReadAll(state + "/old-certs/" + old_fp + ".crt")).value() == old_fp);
}

TEST_CASE("recovery refuses one share and a corrupted share and leaves the state as it was") {
  testing::TempDir dir;
  const std::string state = dir.Sub("keys");
  testing::Swtpm first;
  auto prov = Keyring::Provision(first.tcti(), state, crypto::ProvisionOptions{});
  REQUIRE(prov.ok());
  const auto& shares = prov->recovery_shares;
  const std::string meta = ReadAll(state + "/keyring.meta");
  const std::string sealed = ReadAll(state + "/master.sealed");

  testing::Swtpm second;
  auto one = crypto::Recover(second.tcti(), state, {shares[1]});
  REQUIRE_FALSE(one.ok());
  CHECK(one.status().code() == Code::kAuthFailed);
  auto bad = crypto::Recover(second.tcti(), state, {shares[0], Mistype(shares[1])});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == Code::kInvalidArgument);
  CHECK(bad.status().message().find("share #2") != std::string::npos);
  // Shares of another appliance's keyring.
  auto foreign = crypto::SplitSecret(crypto::SecretBytes::Random(32), 2, 3);
  REQUIRE(foreign.ok());
  auto other = crypto::Recover(second.tcti(), state, {(*foreign)[0], (*foreign)[1]});
  REQUIRE_FALSE(other.ok());
  CHECK(other.status().code() == Code::kAuthFailed);
  CHECK(ReadAll(state + "/keyring.meta") == meta);
  CHECK(ReadAll(state + "/master.sealed") == sealed);
  CHECK(Keyring::Open(first.tcti(), state).ok());
}
