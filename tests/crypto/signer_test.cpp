#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "common/subprocess.h"
#include "crypto/signer.h"
#include "tests/fixtures/temp_dir.h"

using namespace qoima;

namespace {
void WriteFile(const std::string& path, std::span<const uint8_t> bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}
void WriteFile(const std::string& path, std::string_view text) {
  WriteFile(path, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}
}  // namespace

TEST_CASE("software signer signatures verify with VerifySignature and the openssl CLI") {
  auto signer = crypto::SoftwareSigner::Generate();
  REQUIRE(signer.ok());
  std::string message = "audit checkpoint 42";
  auto digest = crypto::Sha256::Digest(message);
  auto sig = (*signer)->SignDigest(digest);
  REQUIRE(sig.ok());
  CHECK(crypto::VerifySignature((*signer)->PublicKeyPem(), digest, *sig).ok());
  CHECK(crypto::VerifySignature((*signer)->CertificatePem(), digest, *sig).ok());
  auto fp = crypto::PublicKeyFingerprint((*signer)->CertificatePem());
  REQUIRE(fp.ok());
  CHECK(*fp == (*signer)->Fingerprint());
  CHECK(fp->size() == 64);

  testing::TempDir dir;
  WriteFile(dir.Sub("msg"), message);
  WriteFile(dir.Sub("sig.der"), *sig);
  WriteFile(dir.Sub("pub.pem"), (*signer)->PublicKeyPem());
  WriteFile(dir.Sub("cert.pem"), (*signer)->CertificatePem());
  auto r = RunSubprocess(
      {"openssl", "dgst", "-sha256", "-verify", dir.Sub("pub.pem"), "-signature", dir.Sub("sig.der"), dir.Sub("msg")});
  REQUIRE(r.ok());
  CHECK(r->success());
  CHECK(r->out.find("Verified OK") != std::string::npos);
  // The self-signed certificate verifies against itself.
  auto v = RunSubprocess({"openssl", "verify", "-CAfile", dir.Sub("cert.pem"), "-partial_chain", dir.Sub("cert.pem")});
  REQUIRE(v.ok());
  CHECK(v->success());
}

TEST_CASE("VerifySignature rejects a wrong digest, a flipped signature and another key") {
  auto a = crypto::SoftwareSigner::Generate();
  auto b = crypto::SoftwareSigner::Generate();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  auto digest = crypto::Sha256::Digest("x");
  auto sig = (*a)->SignDigest(digest);
  REQUIRE(sig.ok());
  CHECK(crypto::VerifySignature((*a)->PublicKeyPem(), crypto::Sha256::Digest("y"), *sig).code() == Code::kCorrupt);
  CHECK(crypto::VerifySignature((*b)->PublicKeyPem(), digest, *sig).code() == Code::kCorrupt);
  auto bad = *sig;
  bad[bad.size() - 1] ^= 1;
  CHECK(crypto::VerifySignature((*a)->PublicKeyPem(), digest, bad).code() == Code::kCorrupt);
  CHECK(crypto::VerifySignature("not a pem", digest, *sig).code() == Code::kInvalidArgument);
}
