// Destruction by crypto-shredding and backup/restore, with the real keyring
// on swtpm.
#include <catch2/catch.hpp>

#include <filesystem>

#include "crypto/recovery.h"
#include "storage/store.h"
#include "tests/fixtures/temp_dir.h"
#include "tests/storage/store_test_util.h"
#include "tests/storage/tpm_store_keys.h"

using namespace qoima::storage;
using namespace qoima::testing;
using qoima::Code;
namespace fs = std::filesystem;

namespace {
const Actor kOfficer{"officer1", "security_officer"};

}  // namespace

TEST_CASE("destruction shreds the key, removes the objects and leaves a tombstone") {
  TpmStoreKeys tpm;
  TempDir dir;
  auto store = OpenOrCreateStore(dir.Sub("state"), tpm.keys());
  REQUIRE(store.ok());
  int64_t obj = AddInformatizationObject(**store);
  auto keep = (*store)->CommitDeposit(WriteDeposit(**store, obj, {{"keep.c", "keep me"}}), kOfficer);
  auto gone = (*store)->CommitDeposit(
      WriteDeposit(**store, obj, {{"secret.c", "top secret"}, {"more.c", std::string(100000, 'm')}}), kOfficer);
  REQUIRE(keep.ok());
  REQUIRE(gone.ok());
  int64_t secret_file = (*(*store)->ListFiles(gone->deposit_id))[1].id;
  std::vector<uint8_t> wrapped;
  {
    auto st = (*store)->db().Prepare("SELECT wrapped_key, token FROM deposits WHERE id = ?");
    REQUIRE(st.ok());
    st->Bind(1, gone->deposit_id);
    REQUIRE(*st->Step());
    wrapped = st->ColumnBlob(0);
  }
  REQUIRE_FALSE(wrapped.empty());
  REQUIRE(CountFiles(dir.Sub("state/objects")) == 2);  // one pack per deposit

  CHECK((*store)->DestroyDeposit(gone->deposit_id, kOfficer, "").status().code() == Code::kInvalidArgument);
  auto t = (*store)->DestroyDeposit(gone->deposit_id, kOfficer, "003 cl.33: archive notice 12, act 9");
  REQUIRE(t.ok());
  CHECK(t->file_count == 2);
  CHECK(t->objects_removed == 2);
  CHECK(CountFiles(dir.Sub("state/objects")) == 1);

  auto d = (*store)->GetDeposit(gone->deposit_id);
  REQUIRE(d.ok());
  CHECK(d->state == "destroyed");
  CHECK(*(*store)->db().QueryInt("SELECT count(*) FROM deposits WHERE wrapped_key IS NULL") == 1);
  CHECK(*(*store)->db().QueryInt("SELECT count(*) FROM files WHERE deposit_id = " + std::to_string(gone->deposit_id)) ==
        0);
  CHECK(*(*store)->db().QueryInt("SELECT count(*) FROM tombstones") == 1);
  // The destroyed files' digests went with them; the kept file's stayed.
  CHECK(*(*store)->db().QueryInt("SELECT count(*) FROM file_digests") == 1);
  CHECK((*store)->FindFilesBySha256(qoima::crypto::Sha256::Digest(std::string_view("top secret")))->empty());
  CHECK((*store)->FindFilesBySha256(qoima::crypto::Sha256::Digest(std::string_view("keep me")))->size() == 1);
  CHECK(*(*store)->db().QueryInt("SELECT count(*) FROM packs WHERE deposit_id = " + std::to_string(gone->deposit_id)) ==
        0);
  // The WAL was checkpointed and truncated: no old page with the key lingers there.
  CHECK(fs::file_size(dir.Sub("state/meta.db-wal")) == 0);
  qoima::Status read;
  ReadAll(**store, secret_file, &read);
  CHECK(read.code() == Code::kNotFound);
  auto reader = (*store)->OpenDeposit(gone->deposit_id, kOfficer, "try");
  REQUIRE_FALSE(reader.ok());
  CHECK(reader.status().message().find("destroyed") != std::string::npos);
  CHECK((*store)->DestroyDeposit(gone->deposit_id, kOfficer, "again").status().code() == Code::kFailedPrecondition);
  // The other deposit is untouched; the store and the log verify.
  CHECK(ReadAll(**store, (*(*store)->ListFiles(keep->deposit_id))[0].id) == "keep me");
  auto scrub = (*store)->VerifyStore();
  REQUIRE(scrub.ok());
  CHECK(scrub->ok());
  auto audit = (*store)->VerifyAudit();
  REQUIRE(audit.ok());
  CHECK(audit->ok());
  auto events = (*store)->audit().Entries(0, 1000);
  bool destroyed_event = false;
  for (const auto& e : *events) destroyed_event = destroyed_event || e.action == "deposit.destroy";
  CHECK(destroyed_event);
}

TEST_CASE("backup and restore bring back the same store, verified") {
  TpmStoreKeys tpm;
  TempDir dir;
  std::string state = dir.Sub("state");
  std::string backup = dir.Sub("backup-1");
  int64_t file_id = 0;
  uint64_t audit_size = 0;
  {
    auto store = OpenOrCreateStore(state, tpm.keys());
    REQUIRE(store.ok());
    int64_t obj = AddInformatizationObject(**store);
    auto c = (*store)->CommitDeposit(
        WriteDeposit(**store, obj, {{"main.c", "int main;"}, {"big.bin", std::string(300000, 'q'), "executables"}}),
        kOfficer);
    REQUIRE(c.ok());
    file_id = (*(*store)->ListFiles(c->deposit_id))[1].id;
    REQUIRE((*store)->Backup(backup, kOfficer).ok());
    CHECK((*store)->Backup(backup, kOfficer).code() == Code::kAlreadyExists);
    audit_size = *(*store)->audit().Size();
  }
  CHECK(fs::exists(backup + "/backup.manifest"));
  CHECK_FALSE(fs::exists(backup + ".partial"));
  CHECK(ReadFile(backup + "/backup.manifest").find("qoima-backup-v1\n") == 0);

  SECTION("restore into an empty place") {
    std::string restored = dir.Sub("restored");
    REQUIRE(Store::Restore(backup, restored, tpm.keys()).ok());
    auto store = OpenOrCreateStore(restored, tpm.keys());
    REQUIRE(store.ok());
    CHECK(ReadAll(**store, file_id) == "int main;");
    CHECK((*store)->VerifyStore()->ok());
    CHECK((*store)->VerifyAudit()->ok());
    // The backup event itself is recorded after the snapshot; the restore adds its own.
    CHECK(*(*store)->audit().Size() >= audit_size);
    CHECK(Store::Restore(backup, restored, tpm.keys()).code() == Code::kFailedPrecondition);
  }
  SECTION("a damaged backup is refused and nothing is installed") {
    std::string obj_file;
    for (const auto& e : fs::recursive_directory_iterator(backup + "/objects")) {
      if (e.is_regular_file()) obj_file = e.path();
    }
    std::string bytes = ReadFile(obj_file);
    bytes[bytes.size() / 2] ^= 1;
    fs::remove(obj_file);
    WriteFile(obj_file, bytes);
    qoima::Status s = Store::Restore(backup, dir.Sub("restored"), tpm.keys());
    REQUIRE_FALSE(s.ok());
    CHECK(s.code() == Code::kCorrupt);
    CHECK(s.message().find("differs from the manifest") != std::string::npos);
    CHECK_FALSE(fs::exists(dir.Sub("restored")));
    CHECK_FALSE(fs::exists(dir.Sub("restored.restore-partial")));
  }
  SECTION("an edited manifest is refused") {
    std::string m = ReadFile(backup + "/backup.manifest");
    m.replace(m.find("schema"), 6, "schemA");
    fs::remove(backup + "/backup.manifest");
    WriteFile(backup + "/backup.manifest", m);
    qoima::Status s = Store::Restore(backup, dir.Sub("restored"), tpm.keys());
    CHECK(s.message().find("signature does not verify") != std::string::npos);
  }
  SECTION("restore with the recovery shares onto a new TPM") {
    Swtpm new_tpm;
    TempDir new_dir;
    std::string new_keys = new_dir.Sub("keys");
    fs::copy(tpm.key_dir(), new_keys, fs::copy_options::recursive);
    std::vector<std::string> two{tpm.recovery_shares()[0], tpm.recovery_shares()[2]};
    auto rec = qoima::crypto::Recover(new_tpm.tcti(), new_keys, two);
    REQUIRE(rec.ok());
    auto kr = qoima::crypto::Keyring::Open(new_tpm.tcti(), new_keys);
    REQUIRE(kr.ok());
    KeyringStoreKeys keys(**kr);
    std::string restored = new_dir.Sub("state");
    REQUIRE(Store::Restore(backup, restored, keys).ok());
    auto store = OpenOrCreateStore(restored, keys);
    REQUIRE(store.ok());
    CHECK(ReadAll(**store, file_id) == "int main;");
    // Old checkpoints were signed by the old TPM's key: trusted through the backup's key.
    auto audit = (*store)->VerifyAudit({ReadFile(backup + "/backup.pub.pem")});
    REQUIRE(audit.ok());
    CHECK(audit->ok());
  }
}
