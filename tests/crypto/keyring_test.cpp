// Keyring against a fresh swtpm per test: provisioning, unsealing, PCR policy,
// absent TPM, damaged state files, signatures checked by the openssl CLI,
// wrapped data keys, lockout, and no leaked transient handles.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/subprocess.h"
#include "crypto/keyring.h"
#include "tests/fixtures/swtpm.h"
#include "tests/fixtures/temp_dir.h"

using namespace qoima;
using crypto::Keyring;

namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}
void WriteAll(const std::string& path, std::string_view bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}
void WriteAll(const std::string& path, std::span<const uint8_t> bytes) {
  WriteAll(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

crypto::ProvisionOptions Options(std::vector<int> pcrs) {
  crypto::ProvisionOptions o;
  o.pcrs = std::move(pcrs);
  o.device_name = "qoima test appliance";
  return o;
}

}  // namespace

TEST_CASE("keyring provision then open round trip without leaking transient handles") {
  testing::Swtpm tpm;
  testing::TempDir dir;
  const std::string state = dir.Sub("keys");
  const int before = tpm.TransientObjectCount();
  auto prov = Keyring::Provision(tpm.tcti(), state, Options({7}));
  REQUIRE(prov.ok());
  CHECK(prov->signing_key_fingerprint.size() == 64);
  CHECK(prov->recovery_shares.size() == 3);
  CHECK(prov->recovery_qr_payloads.size() == 3);
  CHECK(prov->warning.empty());
  CHECK(prov->certificate_pem.find("BEGIN CERTIFICATE") != std::string::npos);
  CHECK(tpm.TransientObjectCount() == before);
  for (const char* f : {"keyring.meta", "master.sealed", "signing.key", "device.crt"})
    CHECK(std::filesystem::exists(state + "/" + f));

  std::string sql_key_hex;
  {
    auto kr = Keyring::Open(tpm.tcti(), state);
    REQUIRE(kr.ok());
    CHECK(tpm.TransientObjectCount() == before + 1);  // the loaded signing key
    auto k = (*kr)->SqlcipherKey();
    CHECK(k.size() == 32);
    sql_key_hex = crypto::Hex(k.span());
    CHECK((*kr)->signer().Fingerprint() == prov->signing_key_fingerprint);
    CHECK((*kr)->pcrs() == std::vector<int>{7});
    auto name = (*kr)->ObjectName("file contents");
    CHECK(name.size() == 64);
    CHECK(name == (*kr)->ObjectName("file contents"));
    CHECK(name != (*kr)->ObjectName("file contents."));
    CHECK(name != crypto::Hex(crypto::Sha256::Digest("file contents")));
  }
  CHECK(tpm.TransientObjectCount() == before);
  // A second open (after a reboot of the TPM) derives the same keys.
  tpm.Stop();
  tpm.Start();
  auto again = Keyring::Open(tpm.tcti(), state);
  REQUIRE(again.ok());
  CHECK(crypto::Hex((*again)->SqlcipherKey().span()) == sql_key_hex);
}

TEST_CASE("recovery shares are checked against the unsealed master key for break-glass") {
  testing::Swtpm tpm;
  testing::TempDir dir;
  auto prov = Keyring::Provision(tpm.tcti(), dir.Sub("keys"), Options({}));
  REQUIRE(prov.ok());
  auto other = Keyring::Provision(tpm.tcti(), dir.Sub("other"), Options({}));
  REQUIRE(other.ok());
  auto ring = Keyring::Open(tpm.tcti(), dir.Sub("keys"));
  REQUIRE(ring.ok());
  const auto& shares = prov->recovery_shares;
  REQUIRE(shares.size() == 3);
  CHECK((*ring)->CheckRecoveryShares({shares[0], shares[2]}).ok());
  CHECK((*ring)->CheckRecoveryShares(shares).ok());
  Status one = (*ring)->CheckRecoveryShares({shares[1]});
  CHECK(one.code() == Code::kAuthFailed);
  CHECK(one.message().find("need 2 different recovery shares") != std::string::npos);
  // Two shares of another appliance rebuild its key, not this one's.
  Status foreign = (*ring)->CheckRecoveryShares({other->recovery_shares[0], other->recovery_shares[1]});
  CHECK(foreign.code() == Code::kAuthFailed);
  CHECK(foreign.message() == "the recovery shares do not rebuild this appliance's master key");
  std::string mistyped = shares[1];
  mistyped[mistyped.size() - 12] = mistyped[mistyped.size() - 12] == 'A' ? 'B' : 'A';
  CHECK((*ring)->CheckRecoveryShares({shares[0], mistyped}).code() == Code::kInvalidArgument);
  CHECK((*ring)->CheckRecoveryShares({}).code() == Code::kAuthFailed);
}

TEST_CASE("keyring refuses to unseal after a bound PCR was extended") {
  testing::Swtpm tpm;
  testing::TempDir dir;
  const std::string state = dir.Sub("keys");
  REQUIRE(Keyring::Provision(tpm.tcti(), state, Options({7, 14})).ok());
  const int before = tpm.TransientObjectCount();
  tpm.ExtendPcr(14);
  auto kr = Keyring::Open(tpm.tcti(), state);
  REQUIRE_FALSE(kr.ok());
  CHECK(kr.status().code() == Code::kPolicyMismatch);
  CHECK(kr.status().message().find("the system state changed since provisioning") != std::string::npos);
  CHECK(kr.status().message().find("7,14") != std::string::npos);
  CHECK(tpm.TransientObjectCount() == before);
  // An unbound PCR does not matter; a reboot restores the measured state.
  tpm.Stop();
  tpm.Start();
  tpm.ExtendPcr(15);
  CHECK(Keyring::Open(tpm.tcti(), state).ok());
}

TEST_CASE("keyring without PCRs says so and ignores PCR changes") {
  testing::Swtpm tpm;
  testing::TempDir dir;
  auto prov = Keyring::Provision(tpm.tcti(), dir.Sub("keys"), Options({}));
  REQUIRE(prov.ok());
  CHECK(prov->warning.find("NOT bound to PCRs") != std::string::npos);
  tpm.ExtendPcr(7);
  auto kr = Keyring::Open(tpm.tcti(), dir.Sub("keys"));
  REQUIRE(kr.ok());
  CHECK((*kr)->pcrs().empty());
}

TEST_CASE("keyring open with the TPM absent is a clear TPM error") {
  testing::Swtpm tpm;
  testing::TempDir dir;
  REQUIRE(Keyring::Provision(tpm.tcti(), dir.Sub("keys"), Options({})).ok());
  tpm.Stop();
  auto kr = Keyring::Open(tpm.tcti(), dir.Sub("keys"));
  REQUIRE_FALSE(kr.ok());
  CHECK(kr.status().code() == Code::kTpmError);
  CHECK(kr.status().message().find(tpm.socket_path()) != std::string::npos);
  CHECK(kr.status().message().find("TPM absent or not running") != std::string::npos);
}

TEST_CASE("keyring refuses a second provisioning and an unprovisioned directory") {
  testing::Swtpm tpm;
  testing::TempDir dir;
  auto none = Keyring::Open(tpm.tcti(), dir.Sub("nothing"));
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().code() == Code::kNotFound);
  REQUIRE(Keyring::Provision(tpm.tcti(), dir.Sub("keys"), Options({})).ok());
  std::string meta = ReadAll(dir.Sub("keys/keyring.meta"));
  auto twice = Keyring::Provision(tpm.tcti(), dir.Sub("keys"), Options({}));
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.status().code() == Code::kAlreadyExists);
  CHECK(ReadAll(dir.Sub("keys/keyring.meta")) == meta);
  auto bad = Options({});
  bad.threshold = 4;
  CHECK(Keyring::Provision(tpm.tcti(), dir.Sub("other"), bad).status().code() == Code::kInvalidArgument);
  bad = Options({24});
  CHECK(Keyring::Provision(tpm.tcti(), dir.Sub("other"), bad).status().code() == Code::kInvalidArgument);
}

TEST_CASE("keyring reports a corrupted sealed blob clearly") {
  testing::Swtpm tpm;
  testing::TempDir dir;
  const std::string state = dir.Sub("keys");
  REQUIRE(Keyring::Provision(tpm.tcti(), state, Options({7})).ok());
  const std::string path = state + "/master.sealed";
  const std::string good = ReadAll(path);
  const int before = tpm.TransientObjectCount();

  SECTION("flipped byte is caught by the file checksum") {
    std::string bad = good;
    bad[bad.size() / 2] ^= 0x40;
    WriteAll(path, bad);
    auto kr = Keyring::Open(tpm.tcti(), state);
    REQUIRE_FALSE(kr.ok());
    CHECK(kr.status().code() == Code::kCorrupt);
    CHECK(kr.status().message().find("master.sealed") != std::string::npos);
    CHECK(kr.status().message().find("checksum") != std::string::npos);
  }
  SECTION("truncated file") {
    WriteAll(path, good.substr(0, 30));
    auto kr = Keyring::Open(tpm.tcti(), state);
    REQUIRE_FALSE(kr.ok());
    CHECK(kr.status().code() == Code::kCorrupt);
    CHECK(kr.status().message().find("master.sealed") != std::string::npos);
  }
  SECTION("damaged private part with a recomputed checksum is refused by the TPM") {
    std::string bad = good.substr(0, good.size() - 32);
    bad[bad.size() - 5] ^= 0x01;  // inside TPM2B_PRIVATE (the last field)
    auto sum = crypto::Sha256::Digest(bad);
    bad.append(reinterpret_cast<const char*>(sum.data()), sum.size());
    WriteAll(path, bad);
    auto kr = Keyring::Open(tpm.tcti(), state);
    REQUIRE_FALSE(kr.ok());
    CHECK(kr.status().code() == Code::kCorrupt);
    CHECK(kr.status().message().find("master.sealed") != std::string::npos);
  }
  SECTION("damaged metadata names the line") {
    std::string meta = ReadAll(state + "/keyring.meta");
    meta.replace(meta.find("threshold="), 11, "threshold=x");
    WriteAll(state + "/keyring.meta", meta);
    auto kr = Keyring::Open(tpm.tcti(), state);
    REQUIRE_FALSE(kr.ok());
    CHECK(kr.status().code() == Code::kCorrupt);
    CHECK(kr.status().message().find("keyring.meta line") != std::string::npos);
  }
  SECTION("metadata claiming other PCRs than the sealed blob") {
    std::string meta = ReadAll(state + "/keyring.meta");
    meta.replace(meta.find("pcrs=7"), 6, "pcrs=8");
    WriteAll(state + "/keyring.meta", meta);
    auto kr = Keyring::Open(tpm.tcti(), state);
    REQUIRE_FALSE(kr.ok());
    CHECK(kr.status().code() == Code::kCorrupt);
    CHECK(kr.status().message().find("PCR selection disagrees") != std::string::npos);
  }
  CHECK(tpm.TransientObjectCount() == before);
}

TEST_CASE("TPM signatures verify with the openssl command line and VerifySignature") {
  testing::Swtpm tpm;
  testing::TempDir dir;
  const std::string state = dir.Sub("keys");
  REQUIRE(Keyring::Provision(tpm.tcti(), state, Options({})).ok());
  auto kr = Keyring::Open(tpm.tcti(), state);
  REQUIRE(kr.ok());
  crypto::Signer& signer = (*kr)->signer();
  const std::string message = "audit checkpoint: root 5f1c... seq 42\n";
  auto digest = crypto::Sha256::Digest(message);
  auto sig = signer.SignDigest(digest);
  REQUIRE(sig.ok());
  CHECK(crypto::VerifySignature(signer.PublicKeyPem(), digest, *sig).ok());
  CHECK(crypto::VerifySignature(ReadAll(state + "/device.crt"), digest, *sig).ok());
  CHECK(crypto::VerifySignature(signer.PublicKeyPem(), crypto::Sha256::Digest("other"), *sig).code() == Code::kCorrupt);

  WriteAll(dir.Sub("msg"), message);
  WriteAll(dir.Sub("digest.bin"), std::span<const uint8_t>(digest));
  WriteAll(dir.Sub("sig.der"), *sig);
  // Public key taken from the certificate by openssl itself, not by our code.
  auto pub = RunChecked({"openssl", "x509", "-in", state + "/device.crt", "-pubkey", "-noout"});
  REQUIRE(pub.ok());
  WriteAll(dir.Sub("pub.pem"), pub->out);
  auto dgst = RunSubprocess(
      {"openssl", "dgst", "-sha256", "-verify", dir.Sub("pub.pem"), "-signature", dir.Sub("sig.der"), dir.Sub("msg")});
  REQUIRE(dgst.ok());
  CHECK(dgst->success());
  CHECK(dgst->out.find("Verified OK") != std::string::npos);
  auto pkeyutl = RunSubprocess({"openssl", "pkeyutl", "-verify", "-pubin", "-inkey", dir.Sub("pub.pem"), "-in",
                                dir.Sub("digest.bin"), "-sigfile", dir.Sub("sig.der")});
  REQUIRE(pkeyutl.ok());
  CHECK(pkeyutl->success());
  CHECK(pkeyutl->out.find("Signature Verified Successfully") != std::string::npos);
  // A tampered message fails under openssl too.
  WriteAll(dir.Sub("msg"), message + "x");
  auto tampered = RunSubprocess(
      {"openssl", "dgst", "-sha256", "-verify", dir.Sub("pub.pem"), "-signature", dir.Sub("sig.der"), dir.Sub("msg")});
  REQUIRE(tampered.ok());
  CHECK_FALSE(tampered->success());
  // The certificate is self-signed by the TPM key; the fingerprint is SHA-256 of the SPKI DER.
  auto verify =
      RunSubprocess({"openssl", "verify", "-CAfile", state + "/device.crt", "-partial_chain", state + "/device.crt"});
  REQUIRE(verify.ok());
  CHECK(verify->success());
  auto spki = RunChecked({"sh", "-c", "openssl pkey -pubin -in '" + dir.Sub("pub.pem") + "' -outform DER | sha256sum"});
  REQUIRE(spki.ok());
  CHECK(spki->out.substr(0, 64) == signer.Fingerprint());
}

TEST_CASE("wrapped data keys unwrap, and deleting the wrapped key makes the data unreadable") {
  testing::Swtpm tpm;
  testing::TempDir dir;
  const std::string state = dir.Sub("keys");
  REQUIRE(Keyring::Provision(tpm.tcti(), state, Options({})).ok());
  std::vector<uint8_t> wrapped, ciphertext;
  const std::string plain = "deposit 2026-017: source tree";
  {
    auto kr = Keyring::Open(tpm.tcti(), state);
    REQUIRE(kr.ok());
    auto nk = (*kr)->NewDataKey("deposit-17");
    REQUIRE(nk.ok());
    wrapped = nk->wrapped;
    auto ct = crypto::SealBytes(nk->key, "obj-1",
                                std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(plain.data()), plain.size()));
    REQUIRE(ct.ok());
    ciphertext = *ct;
  }
  auto kr = Keyring::Open(tpm.tcti(), state);
  REQUIRE(kr.ok());
  auto key = (*kr)->UnwrapDataKey(wrapped, "deposit-17");
  REQUIRE(key.ok());
  auto back = crypto::OpenBytes(*key, "obj-1", ciphertext);
  REQUIRE(back.ok());
  CHECK(std::string(back->begin(), back->end()) == plain);

  CHECK((*kr)->UnwrapDataKey(wrapped, "deposit-18").status().code() == Code::kCorrupt);
  auto damaged = wrapped;
  damaged[20] ^= 1;
  CHECK((*kr)->UnwrapDataKey(damaged, "deposit-17").status().code() == Code::kCorrupt);
  CHECK((*kr)->UnwrapDataKey(std::span<const uint8_t>(wrapped.data(), 10), "deposit-17").status().code() ==
        Code::kCorrupt);

  // Crypto-shredding: with every copy of the wrapped key gone, the keyring can
  // only make new, unrelated keys; none opens the object.
  wrapped.clear();
  for (int i = 0; i < 3; ++i) {
    auto fresh = (*kr)->NewDataKey("deposit-17");
    REQUIRE(fresh.ok());
    auto r = crypto::OpenBytes(fresh->key, "obj-1", ciphertext);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kCorrupt);
  }
}

TEST_CASE("signing during TPM dictionary-attack lockout is a clear lockout error") {
  testing::Swtpm tpm;
  testing::TempDir dir;
  const std::string state = dir.Sub("keys");
  REQUIRE(Keyring::Provision(tpm.tcti(), state, Options({})).ok());
  // One failed authorization on a DA-protected key locks this TPM out.
  REQUIRE(RunChecked({"tpm2_dictionarylockout", "-T", tpm.tcti(), "-s", "-n", "1", "-t", "600", "-l", "600"}).ok());
  REQUIRE(RunChecked({"tpm2_createprimary", "-T", tpm.tcti(), "-C", "o", "-p", "right", "-c", dir.Sub("p.ctx")}).ok());
  auto wrong = RunSubprocess({"tpm2_create", "-T", tpm.tcti(), "-C", dir.Sub("p.ctx"), "-P", "wrong", "-u",
                              dir.Sub("k.pub"), "-r", dir.Sub("k.priv")});
  REQUIRE(wrong.ok());
  REQUIRE_FALSE(wrong->success());
  // swtpm has no resource manager: drop what the tools left loaded.
  REQUIRE(RunChecked({"tpm2_flushcontext", "-T", tpm.tcti(), "-t"}).ok());
  const int before = tpm.TransientObjectCount();

  // The store stays readable during lockout (the sealed key is noDA and
  // policy-authorized); signing is refused until the lockout clears.
  auto kr = Keyring::Open(tpm.tcti(), state);
  INFO(kr.status().ToString());
  REQUIRE(kr.ok());
  CHECK((*kr)->SqlcipherKey().size() == 32);
  auto sig = (*kr)->signer().SignDigest(crypto::Sha256::Digest("x"));
  REQUIRE_FALSE(sig.ok());
  CHECK(sig.status().code() == Code::kLockout);
  CHECK(sig.status().message().find("dictionary-attack lockout") != std::string::npos);
  kr = Status::Cancelled("closed");
  CHECK(tpm.TransientObjectCount() == before);
}
