// Keys that survive signed updates: a master key sealed under
// TPM2_PolicyAuthorize to an update-signing RSA key, unsealed with signed PCR
// policies (systemd-measure's signature files), on a fresh swtpm per test.
// Signatures are made with the openssl command line and by systemd-measure
// itself; PCR 11 is read and extended with tpm2-tools, as systemd-stub would.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/subprocess.h"
#include "crypto/hash.h"
#include "crypto/keyring.h"
#include "crypto/recovery.h"
#include "crypto/signed_pcr_policy.h"
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
std::string AsString(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }

// An RSA-2048 update-signing key pair made by openssl; returns the private key path.
std::string MakeKey(const testing::TempDir& dir, const std::string& name) {
  std::string key = dir.Sub(name + ".key");
  REQUIRE(
      RunChecked({"openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key}).ok());
  REQUIRE(RunChecked({"openssl", "pkey", "-in", key, "-pubout", "-out", dir.Sub(name + ".pem")}).ok());
  return key;
}

std::vector<uint8_t> ReadPcr(const testing::Swtpm& tpm, const testing::TempDir& dir, int pcr) {
  std::string out = dir.Sub("pcr.bin");
  REQUIRE(RunChecked({"tpm2_pcrread", "-T", tpm.tcti(), "sha256:" + std::to_string(pcr), "-o", out}).ok());
  std::string bytes = ReadAll(out);
  REQUIRE(bytes.size() == 32);
  return {bytes.begin(), bytes.end()};
}

// One signature-file entry for `pcr` holding `value`, signed by `key` with the
// openssl command line, claiming to be made by the key whose PEM is `claimed_pem`.
std::string SignedEntry(const testing::TempDir& dir, const std::string& key, const std::string& claimed_pem, int pcr,
                        const std::vector<uint8_t>& value) {
  std::vector<uint8_t> pol = crypto::PcrPolicyDigest({pcr}, {value});
  WriteAll(dir.Sub("pol.bin"), AsString(pol));
  REQUIRE(
      RunChecked({"openssl", "dgst", "-sha256", "-sign", key, "-out", dir.Sub("sig.bin"), dir.Sub("pol.bin")}).ok());
  auto b64 = RunChecked({"openssl", "base64", "-A", "-in", dir.Sub("sig.bin")});
  REQUIRE(b64.ok());
  auto fp = crypto::PolicyKeyFingerprint(ReadAll(claimed_pem));
  REQUIRE(fp.ok());
  return "{\"pcrs\":[" + std::to_string(pcr) + "],\"pkfp\":\"" + *fp + "\",\"pol\":\"" + crypto::Hex(pol) +
         "\",\"sig\":\"" + b64->out + "\"}";
}

void WriteSignatures(const std::string& path, const std::vector<std::string>& entries) {
  std::string json = "{\"sha256\":[";
  for (size_t i = 0; i < entries.size(); ++i) json += (i ? "," : "") + entries[i];
  WriteAll(path, json + "]}");
}

crypto::ProvisionOptions SignedOptions(const std::string& pem_path) {
  crypto::ProvisionOptions o;
  o.pcrs = {11};
  o.device_name = "qoima test appliance";
  o.pcr_policy_key_pem = ReadAll(pem_path);
  return o;
}

crypto::OpenOptions WithSignatures(const std::string& path) {
  crypto::OpenOptions o;
  o.pcr_signature_path = path;
  return o;
}

}  // namespace

TEST_CASE("the PolicyPCR digest computed in software equals tpm2_createpolicy on the TPM") {
  testing::Swtpm tpm;
  testing::TempDir dir;
  tpm.ExtendPcr(11);
  std::vector<uint8_t> value = ReadPcr(tpm, dir, 11);
  REQUIRE(RunChecked(
              {"tpm2_createpolicy", "-T", tpm.tcti(), "--policy-pcr", "-l", "sha256:11", "-L", dir.Sub("policy.bin")})
              .ok());
  std::string tpm_policy = ReadAll(dir.Sub("policy.bin"));
  CHECK(AsString(crypto::PcrPolicyDigest({11}, {value})) == tpm_policy);
}

TEST_CASE("systemd-measure signature files parse and their signatures verify over the policy digest") {
  testing::Swtpm tpm;  // systemd 252's systemd-measure computes policy digests in a TPM
  testing::TempDir dir;
  std::string key = MakeKey(dir, "update");
  // The UKI sections systemd-measure hashes: stand-ins of the right kind.
  WriteAll(dir.Sub("linux"), std::string(4096, 'k'));
  WriteAll(dir.Sub("initrd"), std::string(2048, 'i'));
  WriteAll(dir.Sub("osrel"), "ID=debian\nIMAGE_ID=qoima\n");
  WriteAll(dir.Sub("cmdline"), "root=/dev/mapper/root ro");
  std::vector<std::string> sections = {"--linux=" + dir.Sub("linux"),        "--initrd=" + dir.Sub("initrd"),
                                       "--osrel=" + dir.Sub("osrel"),        "--cmdline=" + dir.Sub("cmdline"),
                                       "--pcrpkey=" + dir.Sub("update.pem"), "--bank=sha256"};
  std::vector<std::string> sign = {"/usr/lib/systemd/systemd-measure", "sign", "--tpm2-device=" + tpm.tcti(),
                                   "--private-key=" + key, "--public-key=" + dir.Sub("update.pem")};
  sign.insert(sign.end(), sections.begin(), sections.end());
  auto r = RunChecked(sign);
  REQUIRE(r.ok());
  auto sigs = crypto::ParsePcrSignatures(r->out, "systemd-measure output");
  REQUIRE(sigs.ok());
  // One signed policy per boot phase (enter-initrd ... ready) ...
  REQUIRE(sigs->size() == 4);
  // ... each the PolicyPCR digest of the PCR 11 value systemd-measure
  // calculates for that phase, as PcrPolicyDigest computes it.
  std::vector<std::string> calc = {"/usr/lib/systemd/systemd-measure", "calculate", "--json=short"};
  calc.insert(calc.end(), sections.begin(), sections.end());
  auto values = RunChecked(calc);
  REQUIRE(values.ok());
  std::vector<std::string> expected;
  for (size_t at = 0; (at = values->out.find("\"hash\":\"", at)) != std::string::npos;) {
    at += 8;
    std::string hex = values->out.substr(at, 64), raw;
    REQUIRE(crypto::FromHex(hex, raw));
    expected.push_back(crypto::Hex(crypto::PcrPolicyDigest({11}, {std::vector<uint8_t>(raw.begin(), raw.end())})));
  }
  REQUIRE(expected.size() == 4);
  for (size_t i = 0; i < 4; ++i) CHECK(crypto::Hex((*sigs)[i].policy) == expected[i]);
  auto fp = crypto::PolicyKeyFingerprint(ReadAll(dir.Sub("update.pem")));
  REQUIRE(fp.ok());
  for (const auto& s : *sigs) {
    CHECK(s.pcrs == std::vector<int>{11});
    CHECK(s.key_fingerprint == *fp);
    CHECK(s.policy.size() == 32);
    WriteAll(dir.Sub("pol.bin"), AsString(s.policy));
    WriteAll(dir.Sub("sig.bin"), AsString(s.signature));
    auto v = RunSubprocess({"openssl", "dgst", "-sha256", "-verify", dir.Sub("update.pem"), "-signature",
                            dir.Sub("sig.bin"), dir.Sub("pol.bin")});
    REQUIRE(v.ok());
    CHECK(v->out.find("Verified OK") != std::string::npos);
  }
}

TEST_CASE("a master key sealed to the update key unseals with this boot's signed policy and leaks no handle") {
  testing::Swtpm tpm;
  testing::TempDir dir;
  std::string key = MakeKey(dir, "update");
  const std::string state = dir.Sub("keys");
  const int before = tpm.TransientObjectCount();
  auto prov = Keyring::Provision(tpm.tcti(), state, SignedOptions(dir.Sub("update.pem")));
  REQUIRE(prov.ok());
  CHECK(prov->warning.empty());
  CHECK(std::filesystem::exists(state + "/pcr-policy-key.pem"));
  CHECK(ReadAll(state + "/keyring.meta").find("pcr_policy_key=") != std::string::npos);
  WriteSignatures(dir.Sub("sig.json"), {SignedEntry(dir, key, dir.Sub("update.pem"), 11, ReadPcr(tpm, dir, 11))});
  {
    auto kr = Keyring::Open(tpm.tcti(), state, WithSignatures(dir.Sub("sig.json")));
    REQUIRE(kr.ok());
    CHECK((*kr)->pcr_policy_key() == *crypto::PolicyKeyFingerprint(ReadAll(dir.Sub("update.pem"))));
    CHECK((*kr)->pcrs() == std::vector<int>{11});
  }
  CHECK(tpm.TransientObjectCount() == before);
}

TEST_CASE("a boot that measures differently without a new signature cannot unseal") {
  testing::Swtpm tpm;
  testing::TempDir dir;
  std::string key = MakeKey(dir, "update");
  const std::string state = dir.Sub("keys");
  REQUIRE(Keyring::Provision(tpm.tcti(), state, SignedOptions(dir.Sub("update.pem"))).ok());
  WriteSignatures(dir.Sub("sig.json"), {SignedEntry(dir, key, dir.Sub("update.pem"), 11, ReadPcr(tpm, dir, 11))});
  tpm.ExtendPcr(11);  // e.g. another kernel command line in the UKI
  auto kr = Keyring::Open(tpm.tcti(), state, WithSignatures(dir.Sub("sig.json")));
  REQUIRE_FALSE(kr.ok());
  CHECK(kr.status().code() == Code::kPolicyMismatch);
  CHECK_THAT(kr.status().message(), Catch::Contains("not signed by the update key"));
  CHECK_THAT(kr.status().message(), Catch::Contains("system state changed"));
}

TEST_CASE("a signed update unseals the same master key without the recovery shares") {
  testing::Swtpm tpm;
  testing::TempDir dir;
  std::string key = MakeKey(dir, "update");
  const std::string state = dir.Sub("keys");
  REQUIRE(Keyring::Provision(tpm.tcti(), state, SignedOptions(dir.Sub("update.pem"))).ok());
  std::string before_key;
  WriteSignatures(dir.Sub("old.json"), {SignedEntry(dir, key, dir.Sub("update.pem"), 11, ReadPcr(tpm, dir, 11))});
  {
    auto kr = Keyring::Open(tpm.tcti(), state, WithSignatures(dir.Sub("old.json")));
    REQUIRE(kr.ok());
    before_key = crypto::Hex((*kr)->SqlcipherKey().span());
  }
  tpm.ExtendPcr(11);  // the updated image measures differently ...
  // ... and carries the vendor's signature over its own PCR 11 value.
  WriteSignatures(dir.Sub("new.json"), {SignedEntry(dir, key, dir.Sub("update.pem"), 11, ReadPcr(tpm, dir, 11))});
  auto kr = Keyring::Open(tpm.tcti(), state, WithSignatures(dir.Sub("new.json")));
  REQUIRE(kr.ok());
  CHECK(crypto::Hex((*kr)->SqlcipherKey().span()) == before_key);
  // The old image's signature no longer fits this boot.
  CHECK(Keyring::Open(tpm.tcti(), state, WithSignatures(dir.Sub("old.json"))).status().code() == Code::kPolicyMismatch);
}

TEST_CASE("a policy signed by another key is refused whether or not it claims the update key") {
  testing::Swtpm tpm;
  testing::TempDir dir;
  MakeKey(dir, "update");
  std::string forger = MakeKey(dir, "forger");
  const std::string state = dir.Sub("keys");
  REQUIRE(Keyring::Provision(tpm.tcti(), state, SignedOptions(dir.Sub("update.pem"))).ok());
  std::vector<uint8_t> pcr = ReadPcr(tpm, dir, 11);

  SECTION("honestly named: no entry of the update key") {
    WriteSignatures(dir.Sub("sig.json"), {SignedEntry(dir, forger, dir.Sub("forger.pem"), 11, pcr)});
    auto kr = Keyring::Open(tpm.tcti(), state, WithSignatures(dir.Sub("sig.json")));
    CHECK(kr.status().code() == Code::kPolicyMismatch);
    CHECK_THAT(kr.status().message(), Catch::Contains("not signed by the update key"));
  }
  SECTION("claiming the update key's fingerprint: the TPM refuses the signature") {
    WriteSignatures(dir.Sub("sig.json"), {SignedEntry(dir, forger, dir.Sub("update.pem"), 11, pcr)});
    auto kr = Keyring::Open(tpm.tcti(), state, WithSignatures(dir.Sub("sig.json")));
    CHECK(kr.status().code() == Code::kPolicyMismatch);
    CHECK_THAT(kr.status().message(), Catch::Contains("TPM refuses the signature"));
  }
  SECTION("a swapped pcr-policy-key.pem is caught against keyring.meta") {
    WriteSignatures(dir.Sub("sig.json"), {SignedEntry(dir, forger, dir.Sub("forger.pem"), 11, pcr)});
    WriteAll(state + "/pcr-policy-key.pem", ReadAll(dir.Sub("forger.pem")));
    auto kr = Keyring::Open(tpm.tcti(), state, WithSignatures(dir.Sub("sig.json")));
    CHECK(kr.status().code() == Code::kCorrupt);
    CHECK_THAT(kr.status().message(), Catch::Contains("pcr-policy-key.pem"));
  }
}

TEST_CASE("without a signature file the keyring says the system was not started from a signed image") {
  testing::Swtpm tpm;
  testing::TempDir dir;
  MakeKey(dir, "update");
  const std::string state = dir.Sub("keys");
  REQUIRE(Keyring::Provision(tpm.tcti(), state, SignedOptions(dir.Sub("update.pem"))).ok());
  auto kr = Keyring::Open(tpm.tcti(), state, WithSignatures(dir.Sub("absent.json")));
  CHECK(kr.status().code() == Code::kPolicyMismatch);
  CHECK_THAT(kr.status().message(), Catch::Contains("not started from a signed qoima boot image"));
}

TEST_CASE("recovery onto a new TPM seals under the same update key") {
  testing::Swtpm old_tpm;
  testing::Swtpm new_tpm;
  testing::TempDir dir;
  std::string key = MakeKey(dir, "update");
  const std::string state = dir.Sub("keys");
  auto prov = Keyring::Provision(old_tpm.tcti(), state, SignedOptions(dir.Sub("update.pem")));
  REQUIRE(prov.ok());
  auto rec = crypto::Recover(new_tpm.tcti(), state, {prov->recovery_shares[0], prov->recovery_shares[2]});
  REQUIRE(rec.ok());
  WriteSignatures(dir.Sub("sig.json"), {SignedEntry(dir, key, dir.Sub("update.pem"), 11, ReadPcr(new_tpm, dir, 11))});
  auto kr = Keyring::Open(new_tpm.tcti(), state, WithSignatures(dir.Sub("sig.json")));
  REQUIRE(kr.ok());
  CHECK_FALSE((*kr)->pcr_policy_key().empty());
}

TEST_CASE("signature files that are not what systemd-measure writes are refused naming the entry") {
  auto bad = [](const std::string& json) { return crypto::ParsePcrSignatures(json, "sig.json"); };
  CHECK(bad("not json").status().code() == Code::kCorrupt);
  CHECK(bad("{\"sha256\":{}}").status().code() == Code::kCorrupt);
  auto r = bad("{\"sha256\":[{\"pcrs\":[11],\"pkfp\":\"zz\",\"pol\":\"00\",\"sig\":\"AA==\"}]}");
  CHECK(r.status().code() == Code::kCorrupt);
  CHECK_THAT(r.status().message(), Catch::Contains("sig.json: sha256 entry 0") && Catch::Contains("pkfp"));
  std::string fp(64, 'a'), pol(64, 'b');
  CHECK_THAT(bad("{\"sha256\":[{\"pcrs\":[24],\"pkfp\":\"" + fp + "\",\"pol\":\"" + pol + "\",\"sig\":\"AA==\"}]}")
                 .status()
                 .message(),
             Catch::Contains("0..23"));
  CHECK_THAT(bad("{\"sha256\":[{\"pcrs\":[11],\"pkfp\":\"" + fp + "\",\"pol\":\"" + pol + "\",\"sig\":\"A\"}]}")
                 .status()
                 .message(),
             Catch::Contains("base64"));
  std::string many = "{\"sha256\":[";
  for (int i = 0; i < 65; ++i) many += std::string(i ? "," : "") + "{}";
  CHECK(bad(many + "]}").status().code() == Code::kLimitExceeded);
  CHECK(bad(std::string(crypto::SignedPcrPolicyFormat::kMaxFileSize + 1, ' ')).status().code() == Code::kLimitExceeded);
  // Another bank only: no entry, no error (the keyring then finds no match).
  auto other = bad("{\"sha1\":[]}");
  REQUIRE(other.ok());
  CHECK(other->empty());
  auto good = bad("{\"sha256\":[{\"pcrs\":[11],\"pkfp\":\"" + fp + "\",\"pol\":\"" + pol + "\",\"sig\":\"AAEC\"}]}");
  REQUIRE(good.ok());
  REQUIRE(good->size() == 1);
  CHECK((*good)[0].signature == std::vector<uint8_t>{0, 1, 2});
}
