// Custody against the insider with the disk: a store put back from an older
// copy is refused (the TPM NV counter says it is older), a missing database
// is never silently re-created, and files the store cannot account for are
// moved aside, never deleted. Real keyring and TPM counter on swtpm, real
// SQLCipher store.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>

#include "common/subprocess.h"
#include "crypto/keyring.h"
#include "storage/checkpoint_witness.h"
#include "storage/migrations.h"
#include "storage/store.h"
#include "tests/fixtures/temp_dir.h"
#include "tests/storage/fake_store_keys.h"
#include "tests/storage/forwarding_store_keys.h"
#include "tests/storage/store_test_util.h"
#include "tests/storage/tpm_store_keys.h"

using namespace qoima::storage;
using namespace qoima::testing;
using qoima::Code;
using qoima::Status;
namespace fs = std::filesystem;

namespace {

const Actor kClerk{"clerk1", "clerk"};

/// Every file under objects/ (packs) and quarantine/, by path relative to
/// the state directory, with its bytes' SHA-256.
std::map<std::string, std::string> FilesUnder(const std::string& state) {
  std::map<std::string, std::string> out;
  for (const char* top : {"objects", "quarantine"}) {
    if (!fs::exists(state + "/" + top)) continue;
    for (const auto& e : fs::recursive_directory_iterator(state + "/" + top))
      if (e.is_regular_file())
        out[fs::relative(e.path(), state).string()] =
            qoima::crypto::Hex(qoima::crypto::Sha256::Digest(ReadFile(e.path())));
  }
  return out;
}

/// Files in the fan-out directories of objects/ (packs).
size_t CountObjectFiles(const std::string& state) {
  size_t n = 0;
  for (const auto& d : fs::directory_iterator(state + "/objects"))
    if (d.path().filename() != "tmp")
      for (const auto& f : fs::directory_iterator(d.path())) n += f.is_regular_file() ? 1 : 0;
  return n;
}

std::string FileSha(const std::string& path) {
  return qoima::crypto::Hex(qoima::crypto::Sha256::Digest(ReadFile(path)));
}

int64_t Commit(Store& store, int64_t obj, const std::string& label, size_t bytes) {
  auto c = store.CommitDeposit(WriteDeposit(store, obj, {{label + "/data.bin", std::string(bytes, label[0])}}), kClerk);
  REQUIRE(c.ok());
  REQUIRE(c->checkpoint_status.ok());
  return c->deposit_id;
}

bool Recorded(Store& store, const std::string& action, const std::string& in_reason = "") {
  auto events = store.audit().Entries(0, 100000);
  REQUIRE(events.ok());
  for (const AuditEvent& e : *events)
    if (e.action == action && e.reason.find(in_reason) != std::string::npos) return true;
  return false;
}

/// "0x0130abcd" from "TPM NV counter 0x0130abcd".
std::string CounterHandle(qoima::crypto::MonotonicCounter& c) { return c.Name().substr(c.Name().rfind(' ') + 1); }

}  // namespace

TEST_CASE("rollback: an older meta.db put back over current objects is refused as tampering and nothing changes") {
  TpmStoreKeys tpm;
  TempDir dir;
  const std::string state = dir.Sub("state");
  int64_t first = 0, second = 0;
  {
    auto store = Store::Create(state, tpm.keys());
    REQUIRE(store.ok());
    first = Commit(**store, AddInformatizationObject(**store), "first", 50000);
  }
  fs::copy_file(state + "/meta.db", dir.Sub("old-meta.db"));  // the insider's copy
  {
    auto store = Store::Open(state, tpm.keys());
    REQUIRE(store.ok());
    second = Commit(**store, 1, "second", 1 << 20);
  }
  fs::copy_file(state + "/meta.db", dir.Sub("current-meta.db"));
  const auto files_before = FilesUnder(state);
  REQUIRE(files_before.size() == 2);  // one pack per deposit
  fs::copy_file(dir.Sub("old-meta.db"), state + "/meta.db", fs::copy_options::overwrite_existing);
  const std::string old_sha = FileSha(state + "/meta.db");

  for (int attempt = 0; attempt < 2; ++attempt) {
    auto refused = Store::Open(state, tpm.keys());
    REQUIRE_FALSE(refused.ok());
    INFO(refused.status().message());
    CHECK(refused.status().code() == Code::kTampered);
    CHECK(refused.status().message().find("ROLLBACK") != std::string::npos);
    CHECK(refused.status().message().find("older copy of meta.db was put back") != std::string::npos);
    CHECK(refused.status().message().find(tpm.keys().rollback_counter().Name()) != std::string::npos);
    // Not modified: the same database bytes, every pack (the second deposit's
    // too, which this database does not know), nothing quarantined.
    CHECK(FileSha(state + "/meta.db") == old_sha);
    CHECK_FALSE(fs::exists(state + "/meta.db-wal"));
    CHECK(FilesUnder(state) == files_before);
    CHECK(fs::is_empty(state + "/objects/tmp"));
  }

  // The current database back: everything is there and verifies.
  fs::copy_file(dir.Sub("current-meta.db"), state + "/meta.db", fs::copy_options::overwrite_existing);
  auto store = Store::Open(state, tpm.keys());
  REQUIRE(store.ok());
  CHECK_FALSE((*store)->open_report().counter_caught_up);
  CHECK((*store)->VerifyStore()->ok());
  CHECK((*store)->VerifyAudit()->ok());
  CHECK(ReadAll(**store, (*(*store)->ListFiles(first))[0].id) == std::string(50000, 'f'));
  CHECK(ReadAll(**store, (*(*store)->ListFiles(second))[0].id) == std::string(1 << 20, 's'));
}

TEST_CASE("rollback: every checkpoint carries the TPM counter value it was signed with and the counter follows") {
  TpmStoreKeys tpm;
  TempDir dir;
  auto store = Store::Create(dir.Sub("state"), tpm.keys());
  REQUIRE(store.ok());
  CHECK((*store)->open_report().counter_bound == false);  // Create bound it; the Open after found it in step
  CHECK(Recorded(**store, "store.create", "bound to " + tpm.keys().rollback_counter().Name()));
  int64_t obj = AddInformatizationObject(**store);
  for (int i = 0; i < 3; ++i) Commit(**store, obj, "d" + std::to_string(i), 1000);
  REQUIRE((*store)->Record(kClerk, "session.end", "session", "success", "").ok());
  REQUIRE((*store)->SignCheckpoint().ok());
  auto checkpoints = (*store)->audit().Checkpoints();
  REQUIRE(checkpoints.ok());
  REQUIRE(checkpoints->size() >= 5);
  std::optional<uint64_t> previous;
  for (const AuditCheckpoint& c : *checkpoints) {
    REQUIRE(c.counter.has_value());
    if (previous) CHECK(*c.counter == *previous + 1);  // one step per checkpoint
    previous = c.counter;
    // The counter is in the signed text: changing it breaks the signature.
    AuditCheckpoint forged = c;
    *forged.counter += 1;
    CHECK_FALSE(qoima::crypto::VerifySignature(c.public_key_pem, CheckpointDigest(forged), c.signature).ok());
    CHECK(qoima::crypto::VerifySignature(c.public_key_pem, CheckpointDigest(c), c.signature).ok());
  }
  auto tpm_value = tpm.keys().rollback_counter().Read();
  REQUIRE(tpm_value.ok());
  CHECK(**tpm_value == *previous);
  CHECK((*store)->VerifyAudit()->ok());
}

TEST_CASE("rollback: a deleted TPM counter or one defined again by someone else is refused") {
  TpmStoreKeys tpm;
  TempDir dir;
  const std::string state = dir.Sub("state");
  {
    auto store = Store::Create(state, tpm.keys());
    REQUIRE(store.ok());
    Commit(**store, AddInformatizationObject(**store), "kept", 1000);
  }
  const std::string handle = CounterHandle(tpm.keys().rollback_counter());
  const std::string tcti = tpm.tpm().tcti();
  tpm.Close();  // the swtpm serves one connection at a time
  // Someone with the TPM's owner hierarchy deletes the counter...
  REQUIRE(qoima::RunChecked({"tpm2_nvundefine", "-T", tcti, "-C", "o", handle}).ok());
  tpm.Reopen();
  auto missing = Store::Open(state, tpm.keys());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Code::kTampered);
  CHECK(missing.status().message().find("the TPM has no such counter") != std::string::npos);
  // ...and defines it again with an authValue of their own, advanced to
  // whatever they like: it no longer answers to this appliance's key.
  tpm.Close();
  REQUIRE(qoima::RunChecked({"tpm2_nvdefine", "-T", tcti, "-C", "o", "-s", "8", "-a",
                             "nt=counter|authwrite|authread|ownerread|no_da", "-p", "insider", handle})
              .ok());
  REQUIRE(qoima::RunChecked({"tpm2_nvincrement", "-T", tcti, "-C", handle, "-P", "insider", handle}).ok());
  tpm.Reopen();
  auto replaced = Store::Open(state, tpm.keys());
  REQUIRE_FALSE(replaced.ok());
  CHECK(replaced.status().code() == Code::kTampered);
  CHECK(replaced.status().message().find("does not answer to this appliance's key") != std::string::npos);
}

TEST_CASE("rollback: a crash between a checkpoint's commit and the counter's advance is caught up and recorded") {
  TpmStoreKeys tpm;
  TempDir dir;
  const std::string state = dir.Sub("state");
  int64_t deposit = 0;
  uint64_t committed_counter = 0;
  { REQUIRE(Store::Create(state, tpm.keys()).ok()); }
  tpm.Close();
  // The child commits a deposit; its checkpoint row commits, and the process
  // is killed just before the TPM counter is advanced.
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto kr = qoima::crypto::Keyring::Open(tpm.tpm().tcti(), tpm.key_dir());
    if (!kr.ok()) ::_exit(10);
    KeyringStoreKeys real(**kr);
    HookedCounterKeys keys(real);
    auto store = Store::Open(state, keys);
    if (!store.ok()) ::_exit(11);
    int64_t obj = AddInformatizationObject(**store);
    keys.counter().before_increment = [](int) -> Status {
      ::kill(::getpid(), SIGKILL);
      return Status::Ok();
    };
    (void)(*store)->CommitDeposit(WriteDeposit(**store, obj, {{"crash.c", std::string(30000, 'c')}}), kClerk);
    ::_exit(12);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));
  REQUIRE(WTERMSIG(status) == SIGKILL);
  tpm.Reopen();
  auto before = tpm.keys().rollback_counter().Read();
  REQUIRE(before.ok());
  auto store = Store::Open(state, tpm.keys());
  REQUIRE(store.ok());
  const OpenReport& r = (*store)->open_report();
  CHECK(r.counter_caught_up);
  REQUIRE(r.counter.has_value());
  CHECK(*r.counter == **before + 1);
  CHECK(Recorded(**store, "store.counter_recover", "the appliance stopped between the two"));
  auto latest = (*store)->audit().LatestCheckpoint();
  REQUIRE(latest.ok());
  committed_counter = *(*latest)->counter;
  CHECK(committed_counter > *r.counter);  // and a checkpoint after the recovery event
  CHECK(**tpm.keys().rollback_counter().Read() == committed_counter);
  auto deposits = (*store)->db().QueryInt("SELECT count(*) FROM deposits");
  CHECK(*deposits == 1);
  deposit = *(*store)->db().QueryInt("SELECT id FROM deposits");
  CHECK(ReadAll(**store, (*(*store)->ListFiles(deposit))[0].id) == std::string(30000, 'c'));
  CHECK((*store)->VerifyStore()->ok());
  CHECK((*store)->VerifyAudit()->ok());
}

TEST_CASE("rollback: a counter advance that fails leaves the checkpoint standing and the next one catches up") {
  TpmStoreKeys tpm;
  TempDir dir;
  HookedCounterKeys keys(tpm.keys());
  auto store = Store::Create(dir.Sub("state"), keys);
  REQUIRE(store.ok());
  int64_t obj = AddInformatizationObject(**store);
  keys.counter().before_increment = [](int) { return Status::TpmError("injected fault: TPM busy"); };
  auto c = (*store)->CommitDeposit(WriteDeposit(**store, obj, {{"a.c", "a"}}), kClerk);
  REQUIRE(c.ok());  // the deposit is committed; its checkpoint is, too
  CHECK(c->checkpoint_status.code() == Code::kTpmError);
  CHECK(c->checkpoint_status.message().find("could not be advanced") != std::string::npos);
  keys.counter().before_increment = nullptr;
  Commit(**store, obj, "b", 10);
  CHECK(Recorded(**store, "store.counter_recover"));
  auto latest = (*store)->audit().LatestCheckpoint();
  CHECK(**tpm.keys().rollback_counter().Read() == *(*latest)->counter);
  CHECK((*store)->VerifyAudit()->ok());
}

TEST_CASE("rollback: a store from before the counter binds itself once and a copy from before that is refused") {
  TpmStoreKeys tpm;
  TempDir dir;
  const std::string state = dir.Sub("state");
  fs::create_directories(state + "/objects/tmp");
  {
    // A store as schema 7 left it: no counter column, checkpoints without one.
    auto key = tpm.keys().SqlcipherKey();
    auto db = Database::Open(state + "/meta.db", key.span());
    REQUIRE(db.ok());
    for (const Migration& m : AllMigrations()) {
      if (m.version > 7) break;
      REQUIRE(db->Exec(m.sql).ok());
    }
    REQUIRE(db->Exec("PRAGMA user_version = 7;").ok());
    auto log = AuditLog::Create(*db);
    REQUIRE(log.ok());
    REQUIRE((*log)->Append({"2026-01-05T09:00:00Z", "admin", "admin", "user.login", "user:admin", "success", ""}).ok());
  }
  fs::copy_file(state + "/meta.db", dir.Sub("pre-binding.db"));
  {
    auto store = Store::Open(state, tpm.keys());
    REQUIRE(store.ok());
    CHECK((*store)->open_report().counter_bound);
    CHECK(Recorded(**store, "store.counter_bind", "created by an earlier version"));
    CHECK((*store)->VerifyAudit()->ok());
  }
  REQUIRE(Store::Open(state, tpm.keys()).ok());  // bound: opens as any store
  fs::copy_file(dir.Sub("pre-binding.db"), state + "/meta.db", fs::copy_options::overwrite_existing);
  auto refused = Store::Open(state, tpm.keys());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == Code::kTampered);
  CHECK(refused.status().message().find("never been bound") != std::string::npos);
}

TEST_CASE("a missing meta.db is never re-created by an open: nothing is created and no pack is deleted") {
  TpmStoreKeys tpm;
  TempDir dir;
  const std::string state = dir.Sub("state");
  {
    auto store = Store::Create(state, tpm.keys());
    REQUIRE(store.ok());
    Commit(**store, AddInformatizationObject(**store), "kept", 20000);
  }
  fs::rename(state + "/meta.db", dir.Sub("meta.db.away"));
  const auto files = FilesUnder(state);
  std::set<std::string> entries;
  for (const auto& e : fs::directory_iterator(state)) entries.insert(e.path().filename().string());
  auto opened = Store::Open(state, tpm.keys());
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.status().code() == Code::kNotFound);
  CHECK(opened.status().message().find("meta.db is missing") != std::string::npos);
  CHECK(opened.status().message().find("nothing was created and nothing was removed") != std::string::npos);
  CHECK_FALSE(fs::exists(state + "/meta.db"));
  CHECK(FilesUnder(state) == files);
  std::set<std::string> after;
  for (const auto& e : fs::directory_iterator(state)) after.insert(e.path().filename().string());
  CHECK(after == entries);
  // Nor does creating a new store over the packs of one whose database is missing.
  auto created = Store::Create(state, tpm.keys());
  REQUIRE_FALSE(created.ok());
  CHECK(created.status().code() == Code::kFailedPrecondition);
  CHECK_FALSE(fs::exists(state + "/meta.db"));
  CHECK(FilesUnder(state) == files);
  fs::rename(dir.Sub("meta.db.away"), state + "/meta.db");
  auto back = Store::Open(state, tpm.keys());
  REQUIRE(back.ok());
  CHECK((*back)->VerifyStore()->ok());
}

TEST_CASE("an unknown pack is quarantined at open - reported by verify-store - audited - never deleted") {
  TpmStoreKeys tpm;
  TempDir dir;
  const std::string state = dir.Sub("state");
  std::string real_pack;
  {
    auto store = Store::Create(state, tpm.keys());
    REQUIRE(store.ok());
    Commit(**store, AddInformatizationObject(**store), "kept", 20000);
    real_pack = *(*store)->db().QueryText("SELECT name FROM packs");
  }
  // A pack-shaped file nothing names (e.g. a newer deposit's pack under an
  // older database), one in the wrong fan-out directory, and a stray
  // journal that does not belong to this store's keys.
  const std::string unknown = "5e" + std::string(62, 'a');
  WriteFile(state + "/objects/5e/" + unknown, std::string(4096, 'U'));
  // The pack name is random: the wrong directory must differ from its own.
  const std::string wrong_dir = real_pack.substr(0, 2) == "00" ? "01" : "00";
  WriteFile(state + "/objects/" + wrong_dir + "/" + real_pack, "a copy in the wrong place");
  const std::string forged_journal = "deposit-" + std::string(32, '1') + ".journal";
  WriteFile(state + "/objects/tmp/" + forged_journal,
            "qoima-deposit-journal-v1 " + std::string(32, '1') + "\npack 0 " + unknown + "\n");
  auto store = Store::Open(state, tpm.keys());
  REQUIRE(store.ok());
  const OpenReport& r = (*store)->open_report();
  CHECK(r.orphan_objects_removed == 0);  // the forged journal accounts for nothing
  CHECK(r.quarantined_files == 3);
  const std::string q = state + "/" + r.quarantine_dir;
  CHECK(ReadFile(q + "/objects/5e/" + unknown) == std::string(4096, 'U'));
  CHECK(ReadFile(q + "/objects/" + wrong_dir + "/" + real_pack) == "a copy in the wrong place");
  CHECK(fs::exists(q + "/objects/tmp/" + forged_journal));
  CHECK_FALSE(fs::exists(state + "/objects/5e/" + unknown));
  CHECK(fs::exists(state + "/objects/" + real_pack.substr(0, 2) + "/" + real_pack));  // the real one stays
  CHECK(Recorded(**store, "store.quarantine", "objects/5e/" + unknown + " (4096 bytes)"));
  auto scrub = (*store)->VerifyStore();
  REQUIRE(scrub.ok());
  REQUIRE(scrub->problems.size() == 3);
  for (const ScrubProblem& p : scrub->problems) {
    INFO(p.message);
    CHECK(p.message.find(r.quarantine_dir) == 0);
    CHECK(p.message.find("remove it by hand") != std::string::npos);
  }
  CHECK((*store)->VerifyAudit()->ok());
  // The next open finds nothing new: the quarantine is not moved again.
  store->reset();
  auto again = Store::Open(state, tpm.keys());
  REQUIRE(again.ok());
  CHECK((*again)->open_report().quarantined_files == 0);
  CHECK((*again)->VerifyStore()->problems.size() == 3);
}

TEST_CASE("a destruction interrupted after its commit leaves packs its journal names: removed at the next open") {
  TempDir dir;
  FakeStoreKeys keys;
  const std::string state = dir.Sub("state");
  StoreOptions options;
  options.pack_target_bytes = 16 * 1024;  // one object per pack
  pid_t child = 0;
  {
    auto store = Store::Create(state, keys, options);
    REQUIRE(store.ok());
    int64_t obj = AddInformatizationObject(**store);
    std::vector<TestFile> files;
    for (int i = 0; i < 4; ++i) files.push_back({"f" + std::to_string(i), std::string(30000, char('a' + i))});
    auto c = (*store)->CommitDeposit(WriteDeposit(**store, obj, files), kClerk);
    REQUIRE(c.ok());
    REQUIRE(CountObjectFiles(state) == 4);
    // The child destroys it and dies at the first pack removal after the commit.
    struct DieAtRemove : EnvWrapper {
      using EnvWrapper::EnvWrapper;
      Status RemoveFile(const std::string& path) override {
        if (path.find("/objects/tmp/") == std::string::npos) ::kill(::getpid(), SIGKILL);
        return target().RemoveFile(path);
      }
    };
    store->reset();
    child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      DieAtRemove env(Env::Default());
      StoreOptions o = options;
      o.env = &env;
      auto s = Store::Open(state, keys, o);
      if (!s.ok()) ::_exit(11);
      (void)(*s)->DestroyDeposit(c->deposit_id, kClerk, "test: destroy, then die");
      ::_exit(12);
    }
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));
  auto store = Store::Open(state, keys, options);
  REQUIRE(store.ok());
  CHECK((*store)->open_report().orphan_objects_removed == 4);
  CHECK((*store)->open_report().quarantined_files == 0);
  CHECK(CountObjectFiles(state) == 0);
  CHECK(fs::is_empty(state + "/objects/tmp"));
  CHECK((*store)->VerifyStore()->ok());
}

TEST_CASE("audit verify --since passes for a true witness and fails for a forged - rolled-back or forked one") {
  TpmStoreKeys tpm;
  TempDir dir;
  const std::string state = dir.Sub("state");
  auto store = Store::Create(state, tpm.keys());
  REQUIRE(store.ok());
  int64_t obj = AddInformatizationObject(**store);
  Commit(**store, obj, "w1", 1000);
  auto cp1 = (*store)->SignCheckpoint();
  REQUIRE(cp1.ok());
  auto text1 = FormatCheckpointWitness(*cp1);
  REQUIRE(text1.ok());
  CHECK(text1->rfind("qoima-audit-checkpoint-v2\nsize " + std::to_string(cp1->tree_size) + "\n", 0) == 0);
  auto witness1 = ParseCheckpointWitness(*text1, "w1.txt");
  REQUIRE(witness1.ok());

  // The log grows: the witnessed head is a prefix of it.
  for (int i = 0; i < 5; ++i) Commit(**store, obj, "more" + std::to_string(i), 100);
  auto ok = (*store)->VerifyAuditSince(*witness1);
  REQUIRE(ok.ok());
  INFO(ok->problem);
  CHECK(ok->ok());
  CHECK(ok->head_size > witness1->tree_size);
  CHECK(ok->proof_hashes > 0);

  // A witness whose root was altered (one hex digit): the signature fails.
  std::string altered = *text1;
  size_t root_at = altered.find("root ") + 5;
  altered[root_at] = altered[root_at] == '0' ? '1' : '0';
  auto forged = (*store)->VerifyAuditSince(*ParseCheckpointWitness(altered, "forged.txt"));
  REQUIRE(forged.ok());
  CHECK(forged->problem.find("signature does not verify") != std::string::npos);

  // A witness signed by another appliance's key: not trusted.
  FakeStoreKeys other;
  AuditCheckpoint foreign = *witness1;
  foreign.key_fingerprint = other.signer().Fingerprint();
  foreign.signature = *other.signer().SignDigest(CheckpointDigest(foreign));
  auto untrusted = (*store)->VerifyAuditSince(foreign);
  REQUIRE(untrusted.ok());
  CHECK(untrusted->problem.find("neither this appliance's device key") != std::string::npos);

  // Back in time: a backup restored (recorded, bound anew). A head witnessed
  // after the backup is no longer in the log: rolled back, then forked.
  REQUIRE((*store)->Backup(dir.Sub("backup"), kClerk).ok());
  for (int i = 0; i < 6; ++i) Commit(**store, obj, "after-backup" + std::to_string(i), 100);
  auto cp2 = (*store)->SignCheckpoint();
  REQUIRE(cp2.ok());
  auto witness2 = ParseCheckpointWitness(*FormatCheckpointWitness(*cp2), "w2.txt");
  REQUIRE(witness2.ok());
  store->reset();
  REQUIRE(Store::Restore(dir.Sub("backup"), dir.Sub("restored"), tpm.keys()).ok());
  auto restored = Store::Open(dir.Sub("restored"), tpm.keys());
  REQUIRE(restored.ok());
  auto behind = (*restored)->VerifyAuditSince(*witness2);
  REQUIRE(behind.ok());
  INFO(behind->problem);
  CHECK(behind->problem.find("rolled back") != std::string::npos);
  // The restored log goes on with other events: now a fork of the witnessed one.
  for (int i = 0; i < 8; ++i) Commit(**restored, obj, "fork" + std::to_string(i), 100);
  auto fork = (*restored)->VerifyAuditSince(*witness2);
  REQUIRE(fork.ok());
  INFO(fork->problem);
  CHECK(fork->head_size > witness2->tree_size);
  CHECK(fork->problem.find("does not extend") != std::string::npos);
  // What was witnessed before the backup still holds.
  auto still = (*restored)->VerifyAuditSince(*witness1);
  REQUIRE(still.ok());
  CHECK(still->ok());
  // And the original store, now behind the counter the restore advanced, is refused.
  auto original = Store::Open(state, tpm.keys());
  REQUIRE_FALSE(original.ok());
  CHECK(original.status().code() == Code::kTampered);
}

TEST_CASE("checkpoint witness text: limits and every malformed field named by line") {
  AuditCheckpoint c;
  c.tree_size = 3;
  c.root.fill(0xab);
  c.time = "2026-11-26T09:15:00Z";
  c.counter = 42;
  c.key_fingerprint = std::string(64, 'c');
  c.signature = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
  auto text = FormatCheckpointWitness(c);
  REQUIRE(text.ok());
  CHECK(*text == "qoima-audit-checkpoint-v2\nsize 3\nroot " + qoima::crypto::Hex(c.root) +
                     "\ntime 2026-11-26T09:15:00Z\ncounter 42\nkey " + std::string(64, 'c') +
                     "\nsignature 3006020101020101\n");
  auto back = ParseCheckpointWitness(*text, "w.txt");
  REQUIRE(back.ok());
  CHECK(back->tree_size == 3);
  CHECK(back->root == c.root);
  CHECK(back->counter == c.counter);
  CHECK(back->signature == c.signature);
  CHECK(CheckpointText(*back) + "signature 3006020101020101\n" == *text);
  // CRLF line ends (a witness typed on another system) are accepted.
  std::string crlf;
  for (char ch : *text) crlf += ch == '\n' ? std::string("\r\n") : std::string(1, ch);
  CHECK(ParseCheckpointWitness(crlf, "w.txt").ok());
  struct Bad {
    std::string from, to, names;
  };
  for (const Bad& b : std::vector<Bad>{{"size 3", "size 03", "line 2"},
                                       {"size 3", "size x", "line 2"},
                                       {"root a", "root A", "line 3"},
                                       {"time 2026-11-26T", "time 2026/11/26T", "line 4"},
                                       {"counter 42", "counter -1", "line 5"},
                                       {"key c", "key g", "line 6"},
                                       {"signature 30", "signature zz", "line 7"},
                                       {"qoima-audit-checkpoint-v2", "qoima-audit-checkpoint-v1", "line 1"}}) {
    std::string t = *text;
    t.replace(t.find(b.from), b.from.size(), b.to);
    auto r = ParseCheckpointWitness(t, "w.txt");
    INFO(b.to);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidArgument);
    CHECK(r.status().message().find("w.txt " + b.names) != std::string::npos);
  }
  CHECK_FALSE(ParseCheckpointWitness(std::string(kMaxWitnessBytes + 1, 'x'), "big").ok());
  CHECK_FALSE(ParseCheckpointWitness(*text + "extra line\n", "w.txt").ok());
  AuditCheckpoint v1 = c;
  v1.counter.reset();
  CHECK(FormatCheckpointWitness(v1).status().code() == Code::kFailedPrecondition);
}

TEST_CASE("old certificates: trusted only as the audit log records them - one dropped into old-certs is not") {
  TempDir dir;
  FakeStoreKeys keys;
  auto store = Store::Create(dir.Sub("state"), keys);
  REQUIRE(store.ok());
  Commit(**store, AddInformatizationObject(**store), "a", 100);  // checkpoints signed by key A
  const std::string cert_a = keys.signer().CertificatePem();
  const std::string fp_a = keys.signer().Fingerprint();
  // A new signing key (a new TPM) and A's certificate in old-certs/, but no
  // recovery in the log: A's checkpoints are not trusted.
  auto a = keys.SwapSigner(std::move(qoima::crypto::SoftwareSigner::Generate("key B").value()));
  keys.previous_certs = {cert_a};
  REQUIRE((*store)->Record(kClerk, "session.start", "session", "success", "").ok());
  REQUIRE((*store)->SignCheckpoint().ok());
  auto dropped = (*store)->VerifyAudit();
  REQUIRE(dropped.ok());
  CHECK_FALSE(dropped->ok());
  CHECK(dropped->problem.find("signed by untrusted key " + fp_a) != std::string::npos);
  bool noted = false;
  for (const std::string& n : dropped->notes) noted = noted || n.find("which no key recovery") != std::string::npos;
  CHECK(noted);
  // A recovery the log records names the replaced key: now it is trusted,
  // for the checkpoints before the recovery only.
  REQUIRE((*store)
              ->Record({"officer1", "security_officer"}, "keys.recover", "keyring", "success",
                       "master key re-sealed to a new TPM; old device key " + fp_a + ", new device key " +
                           keys.signer().Fingerprint())
              .ok());
  REQUIRE((*store)->SignCheckpoint().ok());
  auto recorded = (*store)->VerifyAudit();
  REQUIRE(recorded.ok());
  INFO(recorded->problem);
  CHECK(recorded->ok());
  // Key A signing after the recovery that retired it is refused.
  auto b = keys.SwapSigner(std::move(a));
  REQUIRE((*store)->Record(kClerk, "session.start", "session", "success", "").ok());
  REQUIRE((*store)->SignCheckpoint().ok());
  a = keys.SwapSigner(std::move(b));  // B is the device key again
  auto late = (*store)->VerifyAudit();
  REQUIRE(late.ok());
  CHECK(late->problem.find("after the key recovery that replaced it") != std::string::npos);
}

TEST_CASE("basis keys: a store from before them keeps its audit log as written and maps its refusal keys") {
  TpmStoreKeys tpm;
  TempDir dir;
  const std::string state = dir.Sub("state");
  fs::create_directories(state + "/objects/tmp");
  // A store as schema 11 left it, with a refusal audited under the key of
  // the repealed order's clause, as older versions wrote it.
  const AuditEvent refusal{"2026-01-05T09:01:00Z",
                           "clerk1",
                           "clerk",
                           "intake.refuse",
                           "application:IS-0042",
                           "success",
                           "001 cl.16(2) Актіде көрсетілген мәліметтер жеткізгіштегі ақпаратқа сәйкес келмейді"};
  std::string leaves_before;
  Hash root_before{};
  {
    auto key = tpm.keys().SqlcipherKey();
    auto db = Database::Open(state + "/meta.db", key.span());
    REQUIRE(db.ok());
    for (const Migration& m : AllMigrations()) {
      if (m.version > 11) break;
      REQUIRE(db->Exec(m.sql).ok());
    }
    REQUIRE(db->Exec("PRAGMA user_version = 11;").ok());
    auto log = AuditLog::Create(*db);
    REQUIRE(log.ok());
    REQUIRE((*log)->Append({"2026-01-05T09:00:00Z", "admin", "admin", "user.login", "user:admin", "success", ""}).ok());
    REQUIRE((*log)->Append(refusal).ok());
    auto written = (*log)->Entries(0, 2);
    REQUIRE(written.ok());
    for (const AuditEvent& e : *written) leaves_before += AuditLeafData(e);
    root_before = *(*log)->Root();
  }
  auto store = Store::Open(state, tpm.keys());
  INFO(store.status().ToString());
  REQUIRE(store.ok());
  CHECK(*(*store)->db().QueryInt("PRAGMA user_version;") == LatestSchemaVersion());
  // The entries are as they were appended: same leaves, same root, and the log verifies.
  auto entries = (*store)->audit().Entries(0, 2);
  REQUIRE(entries.ok());
  std::string leaves_after;
  for (const AuditEvent& e : *entries) leaves_after += AuditLeafData(e);
  CHECK(leaves_after == leaves_before);
  CHECK((*entries)[1] == refusal);
  CHECK(*(*store)->audit().RootAt(2) == root_before);
  auto verified = (*store)->VerifyAudit();
  REQUIRE(verified.ok());
  CHECK(verified->ok());
  // The map from the old key to the operator's practice key, one row per ground.
  auto st = (*store)->db().Prepare("SELECT stored_key, key FROM basis_keys ORDER BY stored_key");
  REQUIRE(st.ok());
  std::vector<std::pair<std::string, std::string>> rows;
  while (*st->Step()) rows.emplace_back(st->ColumnText(0), st->ColumnText(1));
  CHECK(rows == std::vector<std::pair<std::string, std::string>>{{"001 cl.16(1)", "practice:refusal-1"},
                                                                 {"001 cl.16(2)", "practice:refusal-2"},
                                                                 {"001 cl.16(3)", "practice:refusal-3"}});
  // The map never changes.
  CHECK_FALSE((*store)->db().Exec("UPDATE basis_keys SET key = 'x';").ok());
  CHECK_FALSE((*store)->db().Exec("DELETE FROM basis_keys;").ok());
}
