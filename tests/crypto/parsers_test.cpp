// Damaged-input tests for the crypto parsers of on-disk bytes: key blobs,
// keyring.meta, recovery shares and the AEAD header. Deterministic mutations
// (fixed seed); every mutation must give an error Status, never a crash.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "crypto/aead.h"
#include "crypto/key_blob.h"
#include "crypto/recovery.h"
#include "crypto/secret.h"

using namespace qoima;

namespace {
crypto::tpm::ObjectBlob SampleBlob() {
  crypto::tpm::ObjectBlob b;
  b.pcrs = crypto::tpm::PcrSelection({0, 2, 4, 7});
  b.pub.publicArea.type = TPM2_ALG_KEYEDHASH;
  b.pub.publicArea.nameAlg = TPM2_ALG_SHA256;
  b.pub.publicArea.parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL;
  b.pub.publicArea.authPolicy.size = 32;
  b.priv.size = 100;
  for (int i = 0; i < 100; ++i) b.priv.buffer[i] = static_cast<uint8_t>(i * 13);
  return b;
}
}  // namespace

TEST_CASE("key blob: round trip, every byte flip and every truncation is refused") {
  auto bytes = crypto::EncodeKeyBlob(crypto::KeyBlobKind::kSealedMaster, SampleBlob());
  auto ok = crypto::DecodeKeyBlob(crypto::KeyBlobKind::kSealedMaster, bytes, "master.sealed");
  REQUIRE(ok.ok());
  CHECK(ok->priv.size == 100);
  CHECK(ok->pcrs.pcrSelections[0].pcrSelect[0] == 0x95);
  CHECK(crypto::DecodeKeyBlob(crypto::KeyBlobKind::kSigningKey, bytes, "signing.key").status().code() ==
        Code::kCorrupt);
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto bad = bytes;
    bad[i] ^= 0x20;
    auto r = crypto::DecodeKeyBlob(crypto::KeyBlobKind::kSealedMaster, bad, "master.sealed");
    CAPTURE(i);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("master.sealed") != std::string::npos);
  }
  for (size_t n = 0; n < bytes.size(); ++n) {
    CAPTURE(n);
    REQUIRE_FALSE(crypto::DecodeKeyBlob(crypto::KeyBlobKind::kSealedMaster, std::span<const uint8_t>(bytes.data(), n),
                                        "master.sealed")
                      .ok());
  }
  std::vector<uint8_t> huge(crypto::KeyBlobFormat::kMaxFileSize + 1);
  CHECK(crypto::DecodeKeyBlob(crypto::KeyBlobKind::kSealedMaster, huge, "x").status().code() == Code::kLimitExceeded);
}

TEST_CASE("keyring.meta: round trip and damaged lines are named") {
  crypto::KeyringMeta m;
  m.device_name = "Qoima №1 Астана";
  m.pcrs = {0, 7};
  m.threshold = 2;
  m.shares = 3;
  m.key_check = "0badf00d";
  m.fingerprint = std::string(64, 'a');
  auto back = crypto::KeyringMeta::Decode(m.Encode(), "keyring.meta");
  REQUIRE(back.ok());
  CHECK(back->device_name == m.device_name);
  CHECK(back->pcrs == m.pcrs);
  CHECK(back->fingerprint == m.fingerprint);
  std::string text = m.Encode();
  std::mt19937 rng(1234);
  for (int i = 0; i < 2000; ++i) {
    std::string bad = text;
    size_t pos = rng() % bad.size();
    bad[pos] = static_cast<char>(rng() % 256);
    auto r = crypto::KeyringMeta::Decode(bad, "keyring.meta");
    if (!r.ok()) CHECK(r.status().message().find("keyring.meta") != std::string::npos);
  }
  CHECK(crypto::KeyringMeta::Decode("", "keyring.meta").status().code() == Code::kCorrupt);
  CHECK(crypto::KeyringMeta::Decode("qoima-keyring 1\n", "keyring.meta").status().message().find("missing") !=
        std::string::npos);
}

TEST_CASE("recovery share parser survives random damage") {
  auto shares = crypto::SplitSecret(crypto::SecretBytes::Random(32), 2, 3);
  REQUIRE(shares.ok());
  const std::string good = (*shares)[0];
  std::mt19937 rng(99);
  int refused = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string bad = good;
    switch (rng() % 3) {
      case 0: bad[rng() % bad.size()] = "0123456789ABCDEF-Zz \n"[rng() % 21]; break;
      case 1: bad.erase(rng() % bad.size(), 1 + rng() % 5); break;
      default: bad.insert(rng() % bad.size(), 1, "0123456789ABCDEF-"[rng() % 17]); break;
    }
    auto r = crypto::ParseShare(bad);
    if (!r.ok()) {
      ++refused;
      CHECK(r.status().code() == Code::kInvalidArgument);
    } else {
      // Accepted only if it normalises to the same share (whitespace/case).
      CHECK(r->payload == crypto::ParseShare(good)->payload);
    }
  }
  CHECK(refused > 2500);
  CHECK(crypto::ParseShare(std::string(600, 'A')).status().code() == Code::kInvalidArgument);
}

TEST_CASE("aead opener survives random header and body damage") {
  auto key = crypto::DataKey::Generate();
  std::vector<uint8_t> plain(3000, 0x61);
  auto ct = crypto::SealBytes(key, "obj", plain, 1024);
  REQUIRE(ct.ok());
  std::mt19937 rng(7);
  for (int i = 0; i < 500; ++i) {
    auto bad = *ct;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    if (rng() % 4 == 0) bad.resize(rng() % bad.size());
    if (bad == *ct) continue;  // two flips of one byte cancelled out
    auto r = crypto::OpenBytes(key, "obj", bad);
    REQUIRE_FALSE(r.ok());
  }
}

TEST_CASE("SecretBytes moves, compares and zeroes") {
  auto a = crypto::SecretBytes::Random(32);
  CHECK(a.size() == 32);
  auto b = a.Clone();
  CHECK(a.Equals(b));
  crypto::SecretBytes c = std::move(b);
  CHECK(b.empty());  // NOLINT(bugprone-use-after-move): moved-from state is specified
  CHECK(c.Equals(a));
  c.data()[0] ^= 1;
  CHECK_FALSE(c.Equals(a));
  CHECK_FALSE(crypto::SecretBytes(16).Equals(a));
  CHECK(crypto::SecretBytes(4).span()[3] == 0);
}
