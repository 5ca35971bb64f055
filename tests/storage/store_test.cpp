#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "storage/store.h"
#include "storage/verify_commands.h"
#include "tests/fixtures/temp_dir.h"
#include "tests/storage/fake_store_keys.h"
#include "tests/storage/store_test_util.h"

using namespace qoima::storage;
using namespace qoima::testing;
using qoima::Code;
namespace fs = std::filesystem;

namespace {

const Actor kClerk{"clerk1", "clerk"};

// Packs and objects: files under objects/ but not in objects/tmp/ (where a
// pending deposit keeps its rows).
size_t CountObjectFiles(const std::string& state_dir) {
  size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(state_dir + "/objects")) {
    if (e.is_regular_file() && e.path().parent_path().filename() != "tmp") ++n;
  }
  return n;
}

// What a pending deposit keeps in objects/tmp/: its rows' scratch database.
/// A pending deposit's scratch rows (objects/tmp/pending-<token>.db).
std::vector<fs::path> PendingRowFiles(const std::string& state_dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(state_dir + "/objects/tmp"))
    if (e.path().filename().string().rfind("pending-", 0) == 0) out.push_back(e.path());
  return out;
}

std::vector<TestFile> SampleFiles() {
  return {{"src/main.c", "int main(void) { return 0; }\n"},
          {"src/қазақ/әріп.txt", std::string(200000, 'x')},
          {"docs/empty.txt", "", "technical_documentation"},
          {"bin/app", std::string(65536, '\x7f'), "executables"}};
}

}  // namespace

TEST_CASE("store commits a deposit whole and reads every file back") {
  TempDir dir;
  FakeStoreKeys keys;
  auto store = OpenOrCreateStore(dir.Sub("state"), keys);
  REQUIRE(store.ok());
  int64_t obj = AddInformatizationObject(**store);
  auto pending = WriteDeposit(**store, obj, SampleFiles(), 1000);
  auto committed = (*store)->CommitDeposit(std::move(pending), kClerk, "accepted per act 17");
  REQUIRE(committed.ok());
  CHECK(committed->file_count == 4);
  CHECK(committed->version_no == 1);
  CHECK(committed->total_bytes == 29 + 200000 + 65536);
  REQUIRE(committed->checkpoint.has_value());
  CHECK(committed->checkpoint->tree_size == committed->audit_index + 1);

  auto files = (*store)->ListFiles(committed->deposit_id);
  REQUIRE(files.ok());
  REQUIRE(files->size() == 4);
  for (const FileInfo& f : *files) {
    std::string want;
    for (const TestFile& t : SampleFiles()) {
      if (t.path == f.display_path) want = t.content;
    }
    qoima::Status s;
    CHECK(ReadAll(**store, f.id, &s) == want);
    CHECK(s.ok());
    CHECK(f.sha256 == qoima::crypto::Sha256::Digest(want));
  }
  // Object names are keyed hashes: no path or content shows in the store.
  for (const auto& e : fs::recursive_directory_iterator(dir.Sub("state/objects"))) {
    if (!e.is_regular_file()) continue;
    CHECK(e.path().filename().string().size() == 64);
    CHECK(ReadFile(e.path()).find("int main") == std::string::npos);
  }
  // Each read is in the audit log before the content went out.
  auto events = (*store)->audit().Entries(0, 100);
  REQUIRE(events.ok());
  size_t reads = 0;
  for (const AuditEvent& e : *events) {
    if (e.action == "file.read") {
      ++reads;
      CHECK(e.actor == "auditor1");
      CHECK(e.reason == "test read");
    }
  }
  CHECK(reads == 4);
  auto verify = (*store)->VerifyStore();
  REQUIRE(verify.ok());
  CHECK(verify->ok());
  CHECK(verify->objects == 4);
  auto audit = (*store)->VerifyAudit();
  REQUIRE(audit.ok());
  CHECK(audit->ok());
}

TEST_CASE("store numbers versions per object and finds files by SHA-256") {
  TempDir dir;
  FakeStoreKeys keys;
  auto store = OpenOrCreateStore(dir.Sub("state"), keys);
  REQUIRE(store.ok());
  int64_t obj = AddInformatizationObject(**store);
  auto c1 = (*store)->CommitDeposit(WriteDeposit(**store, obj, {{"a.c", "same bytes"}}), kClerk);
  auto c2 = (*store)->CommitDeposit(WriteDeposit(**store, obj, {{"b.c", "same bytes"}, {"c.c", "other"}}), kClerk);
  REQUIRE(c1.ok());
  REQUIRE(c2.ok());
  CHECK(c1->version_no == 1);
  CHECK(c2->version_no == 2);
  auto found = (*store)->FindFilesBySha256(qoima::crypto::Sha256::Digest(std::string_view("same bytes")));
  REQUIRE(found.ok());
  REQUIRE(found->size() == 2);
  CHECK((*found)[0].deposit_id == c1->deposit_id);
  CHECK((*found)[1].deposit_id == c2->deposit_id);
}

TEST_CASE("store refuses bad file metadata before writing bytes") {
  TempDir dir;
  FakeStoreKeys keys;
  auto store = OpenOrCreateStore(dir.Sub("state"), keys);
  REQUIRE(store.ok());
  int64_t obj = AddInformatizationObject(**store);
  DepositSpec spec;
  spec.object_id = obj;
  auto pending = (*store)->BeginDeposit(spec);
  REQUIRE(pending.ok());
  auto bad_cat = (*pending)->AddFile({Bytes("x"), "x", std::nullopt, "poetry", std::nullopt});
  REQUIRE_FALSE(bad_cat.ok());
  CHECK(bad_cat.status().message().find("poetry") != std::string::npos);
  auto too_long = (*pending)->AddFile(
      {std::vector<uint8_t>(kMaxPathBytes + 1, 'a'), "long", std::nullopt, "source_code", std::nullopt});
  CHECK(too_long.status().code() == Code::kLimitExceeded);
  {
    auto w = (*pending)->AddFile({Bytes("a"), "a", std::nullopt, "source_code", std::nullopt});
    REQUIRE(w.ok());
    REQUIRE((*w)->Finish().ok());
  }
  auto dup = (*pending)->AddFile({Bytes("a"), "a", std::nullopt, "source_code", std::nullopt});
  CHECK(dup.status().code() == Code::kAlreadyExists);
  spec.object_id = 999;
  CHECK((*store)->BeginDeposit(spec).status().code() == Code::kFailedPrecondition);
  spec.object_id = obj;
  spec.tier = "forever";
  CHECK((*store)->BeginDeposit(spec).status().code() == Code::kInvalidArgument);
}

TEST_CASE("store abandons a pending deposit without a trace") {
  TempDir dir;
  FakeStoreKeys keys;
  auto store = OpenOrCreateStore(dir.Sub("state"), keys);
  REQUIRE(store.ok());
  int64_t obj = AddInformatizationObject(**store);
  uint64_t audit_before = *(*store)->audit().Size();
  SECTION("explicitly") {
    auto pending = WriteDeposit(**store, obj, SampleFiles());
    CHECK(CountObjectFiles(dir.Sub("state")) == 1);  // one pack holds the four objects
    REQUIRE((*store)->AbandonDeposit(std::move(pending)).ok());
  }
  SECTION("by dropping it, with a file half written") {
    auto pending = WriteDeposit(**store, obj, SampleFiles());
    auto w = pending->AddFile({Bytes("half"), "half", std::nullopt, "source_code", std::nullopt});
    REQUIRE(w.ok());
    REQUIRE((*w)->Write(Bytes(std::string(100000, 'h'))).ok());
    w->reset();
    pending.reset();
  }
  CHECK(CountObjectFiles(dir.Sub("state")) == 0);
  CHECK(PendingRowFiles(dir.Sub("state")).empty());
  CHECK(fs::is_empty(dir.Sub("state/objects/tmp")));  // its journal went with its packs
  CHECK(*(*store)->db().QueryInt("SELECT count(*) FROM deposits") == 0);
  CHECK(*(*store)->audit().Size() == audit_before);
}

TEST_CASE("store keeps a pending deposit's rows on disk encrypted and removes them at the commit") {
  TempDir dir;
  FakeStoreKeys keys;
  auto store = OpenOrCreateStore(dir.Sub("state"), keys);
  REQUIRE(store.ok());
  int64_t obj = AddInformatizationObject(**store);
  std::vector<TestFile> files;
  for (int i = 0; i < 30000; ++i)  // ~3.6 MB of rows: more than the scratch cache holds
    files.push_back({"src/secret-name-" + std::to_string(i) + ".c", "int x" + std::to_string(i) + ";"});
  auto pending = WriteDeposit(**store, obj, files);
  CHECK(pending->file_count() == files.size());
  auto rows = PendingRowFiles(dir.Sub("state"));
  REQUIRE(rows.size() == 1);
  // SQLCipher spills the rows to the file as its cache fills; nothing of
  // them is readable there.
  std::string bytes = ReadFile(rows[0].string());
  CHECK(bytes.size() > (1u << 20));
  CHECK(bytes.find("secret-name-") == std::string::npos);
  CHECK(bytes.find("CREATE TABLE") == std::string::npos);
  CHECK(bytes.find("SQLite format 3") == std::string::npos);
  // A second file under a pending path is refused before it is written.
  auto again = pending->AddFile(
      {Bytes("src/secret-name-7.c"), "src/secret-name-7.c", std::nullopt, "source_code", std::nullopt});
  CHECK(again.status().code() == Code::kAlreadyExists);
  auto c = (*store)->CommitDeposit(std::move(pending), kClerk);
  REQUIRE(c.ok());
  CHECK(c->file_count == files.size());
  CHECK(PendingRowFiles(dir.Sub("state")).empty());
  CHECK(fs::is_empty(dir.Sub("state/objects/tmp")));  // rows and journal: the rows name the pack now
  auto listed = (*store)->ListFiles(c->deposit_id);
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == files.size());
  size_t checked = 0;
  for (const auto& f : *listed) {
    if (f.display_path != "src/secret-name-1234.c" && f.display_path != "src/secret-name-0.c") continue;
    CHECK(ReadAll(**store, f.id) == (f.display_path == "src/secret-name-0.c" ? "int x0;" : "int x1234;"));
    ++checked;
  }
  CHECK(checked == 2);
  CHECK(*(*store)->db().QueryInt("SELECT count(*) FROM objects o JOIN files f ON f.object_id = o.id WHERE "
                                 "o.sha256 = f.sha256 AND o.plain_size = f.size") == 30000);
  CHECK((*store)->VerifyStore()->ok());
}

TEST_CASE("store start-up removes what a dead intake's journal names and quarantines the rest") {
  TempDir dir;
  FakeStoreKeys keys;
  int64_t kept_file = 0;
  const std::string foreign = "ab" + std::string(62, '7');
  {
    auto store = OpenOrCreateStore(dir.Sub("state"), keys);
    REQUIRE(store.ok());
    int64_t obj = AddInformatizationObject(**store);
    auto c = (*store)->CommitDeposit(WriteDeposit(**store, obj, {{"kept.c", "kept"}}), kClerk);
    REQUIRE(c.ok());
    kept_file = (*(*store)->ListFiles(c->deposit_id))[0].id;
    // An intake that never committed: a child process writes the objects and
    // dies without running any destructor (as in a crash).
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      auto pending = WriteDeposit(**store, obj, SampleFiles());
      ::_exit(CountObjectFiles(dir.Sub("state")) == 2 ? 0 : 1);  // two packs
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    // Files no deposit, journal or scratch name accounts for.
    WriteFile(dir.Sub("state/objects/tmp/abc.tmp"), "partial");
    WriteFile(dir.Sub("state/objects/ab/" + foreign), "a pack this database does not know");
  }
  auto store = OpenOrCreateStore(dir.Sub("state"), keys);
  REQUIRE(store.ok());
  const OpenReport& r = (*store)->open_report();
  CHECK(r.orphan_objects_removed == 1);  // the dead intake's pack, named by its journal
  CHECK(r.temp_files_removed == 2);      // its pending rows and its journal
  CHECK(r.quarantined_files == 2);
  CHECK(PendingRowFiles(dir.Sub("state")).empty());
  CHECK(fs::is_empty(dir.Sub("state/objects/tmp")));
  CHECK(CountObjectFiles(dir.Sub("state")) == 1);
  CHECK(ReadAll(**store, kept_file) == "kept");
  // Moved, not deleted, under the paths they had.
  REQUIRE(r.quarantine_dir.rfind("quarantine/", 0) == 0);
  CHECK(ReadFile(dir.Sub("state/" + r.quarantine_dir + "/objects/tmp/abc.tmp")) == "partial");
  CHECK(ReadFile(dir.Sub("state/" + r.quarantine_dir + "/objects/ab/" + foreign)) ==
        "a pack this database does not know");
  auto events = (*store)->audit().Entries(0, 100);
  REQUIRE(events.ok());
  bool recovered = false, quarantined = false;
  for (const AuditEvent& e : *events) {
    recovered = recovered || e.action == "store.recover";
    if (e.action == "store.quarantine") {
      quarantined = true;
      CHECK(e.reason.find("objects/ab/" + foreign) != std::string::npos);
      CHECK(e.reason.find("objects/tmp/abc.tmp") != std::string::npos);
    }
  }
  CHECK(recovered);
  CHECK(quarantined);
  // verify-store names each until someone removes it by hand.
  auto scrub = (*store)->VerifyStore();
  REQUIRE(scrub.ok());
  REQUIRE(scrub->problems.size() == 2);
  std::string all = scrub->problems[0].message + "\n" + scrub->problems[1].message;
  CHECK(all.find(r.quarantine_dir + "/objects/ab/" + foreign) != std::string::npos);
  CHECK(all.find(r.quarantine_dir + "/objects/tmp/abc.tmp") != std::string::npos);
}

TEST_CASE("verify-store lists the first problems and counts the rest, so its report stays bounded") {
  TempDir dir;
  FakeStoreKeys keys;
  const size_t strays = kMaxListedScrubProblems + 7;
  auto store = OpenOrCreateStore(dir.Sub("state"), keys);
  REQUIRE(store.ok());
  // Put there while the store is open: each is a problem of its own.
  for (size_t i = 0; i < strays; ++i) WriteFile(dir.Sub("state/objects/cd/stray" + std::to_string(i)), "?");
  auto scrub = (*store)->VerifyStore();
  REQUIRE(scrub.ok());
  CHECK_FALSE(scrub->ok());
  CHECK(scrub->problems.size() == kMaxListedScrubProblems);
  CHECK(scrub->problems_unlisted == 7);
  CHECK(scrub->problem_count() == strays);
  const std::string text = ScrubReportText(*scrub);
  CHECK(text.find("... and 7 more, not listed\n") != std::string::npos);
  CHECK(text.find("verify-store: " + std::to_string(strays) + " problem(s)") != std::string::npos);
  const nlohmann::json j = ScrubReportJson(*scrub);
  CHECK(j["problems"].size() == kMaxListedScrubProblems);
  CHECK(j["problems_unlisted"] == 7);
  CHECK(j["ok"] == false);
}

TEST_CASE("store cuts a half-written file out of the pack and packs the rest back to back") {
  TempDir dir;
  FakeStoreKeys keys;
  auto store = OpenOrCreateStore(dir.Sub("state"), keys);
  REQUIRE(store.ok());
  int64_t obj = AddInformatizationObject(**store);
  auto pending = WriteDeposit(**store, obj, {{"before.c", "before"}});
  {
    // Bigger than the pack buffer, so part of it reaches the file first.
    auto w = pending->AddFile({Bytes("half"), "half", std::nullopt, "source_code", std::nullopt});
    REQUIRE(w.ok());
    REQUIRE((*w)->Write(Bytes(std::string(3 * 1024 * 1024, 'h'))).ok());
  }  // dropped unfinished
  {
    auto w = pending->AddFile({Bytes("after.c"), "after.c", std::nullopt, "source_code", std::nullopt});
    REQUIRE(w.ok());
    REQUIRE((*w)->Write(Bytes("after")).ok());
    REQUIRE((*w)->Finish().ok());
  }
  auto c = (*store)->CommitDeposit(std::move(pending), kClerk);
  REQUIRE(c.ok());
  CHECK(c->file_count == 2);
  REQUIRE(*(*store)->db().QueryInt("SELECT count(DISTINCT pack_id) FROM objects") == 1);
  std::string pack = *(*store)->db().QueryText("SELECT name FROM packs LIMIT 1");
  int64_t extent = *(*store)->db().QueryInt("SELECT max(pack_offset + sealed_size) FROM objects");
  int64_t sealed = *(*store)->db().QueryInt("SELECT sum(sealed_size) FROM objects");
  CHECK(extent == sealed);  // back to back, nothing of "half" between them
  CHECK(static_cast<int64_t>(fs::file_size(dir.Sub("state/objects/" + pack.substr(0, 2) + "/" + pack))) == extent);
  auto files = (*store)->ListFiles(c->deposit_id);
  REQUIRE(files.ok());
  for (const auto& f : *files) { CHECK(ReadAll(**store, f.id) == (f.display_path == "before.c" ? "before" : "after")); }
  CHECK((*store)->VerifyStore()->ok());
}

TEST_CASE("store spreads a deposit over several packs and reads scrubs backs up and destroys them all") {
  TempDir dir;
  FakeStoreKeys keys;
  StoreOptions options;
  options.pack_target_bytes = 64 * 1024;
  std::vector<TestFile> files;
  for (int i = 0; i < 12; ++i) files.push_back({"f" + std::to_string(i), std::string(20000, char('a' + i))});
  files.push_back({"big", std::string(200000, 'B')});  // larger than a pack's target: never split
  files.push_back({"after-big", "small"});
  int64_t deposit = 0;
  {
    auto store = OpenOrCreateStore(dir.Sub("state"), keys, options);
    REQUIRE(store.ok());
    int64_t obj = AddInformatizationObject(**store);
    SECTION("abandoned: every pack goes") {
      auto pending = WriteDeposit(**store, obj, files);
      CHECK(CountObjectFiles(dir.Sub("state")) >= 4);
      REQUIRE((*store)->AbandonDeposit(std::move(pending)).ok());
      CHECK(CountObjectFiles(dir.Sub("state")) == 0);
      return;
    }
    auto c = (*store)->CommitDeposit(WriteDeposit(**store, obj, files), kClerk);
    REQUIRE(c.ok());
    deposit = c->deposit_id;
    int64_t packs = *(*store)->db().QueryInt("SELECT count(DISTINCT pack_id) FROM objects");
    CHECK(packs >= 4);
    CHECK(CountObjectFiles(dir.Sub("state")) == static_cast<size_t>(packs));
    CHECK(*(*store)->db().QueryInt("SELECT count(*) FROM packs WHERE deposit_id = " + std::to_string(deposit)) ==
          packs);
    // No object starts at or past the target: a new pack is begun instead.
    CHECK(*(*store)->db().QueryInt("SELECT count(*) FROM objects WHERE pack_offset >= 65536") == 0);
    CHECK(*(*store)->db().QueryInt("SELECT max(sealed_size) FROM objects") > 65536);  // "big" was not split
    REQUIRE((*store)->Backup(dir.Sub("backup"), kClerk).ok());
    auto listed = (*store)->ListFiles(deposit);
    REQUIRE(listed.ok());
    REQUIRE(listed->size() == files.size());
    for (const auto& f : *listed) {
      for (const auto& t : files)
        if (t.path == f.display_path) CHECK(ReadAll(**store, f.id) == t.content);
    }
    CHECK((*store)->VerifyStore()->ok());
    auto t = (*store)->DestroyDeposit(deposit, kClerk, "test: destroy a multi-pack deposit");
    REQUIRE(t.ok());
    CHECK(t->objects_removed == files.size());
    CHECK(CountObjectFiles(dir.Sub("state")) == 0);
  }
  // The backup taken before the destruction restores whole.
  REQUIRE(Store::Restore(dir.Sub("backup"), dir.Sub("restored"), keys, options).ok());
  auto restored = OpenOrCreateStore(dir.Sub("restored"), keys, options);
  REQUIRE(restored.ok());
  auto listed = (*restored)->ListFiles(deposit);
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == files.size());
  for (const auto& f : *listed)
    if (f.display_path == "big") CHECK(ReadAll(**restored, f.id) == std::string(200000, 'B'));
  CHECK((*restored)->VerifyStore()->ok());
}

TEST_CASE("store still reads scrubs backs up and destroys an object in a file of its own - as written before packs") {
  TempDir dir;
  FakeStoreKeys keys;
  int64_t deposit = 0;
  int64_t file_id = 0;
  std::string name, bytes;
  {
    auto store = OpenOrCreateStore(dir.Sub("state"), keys);
    REQUIRE(store.ok());
    int64_t obj = AddInformatizationObject(**store);
    auto c = (*store)->CommitDeposit(WriteDeposit(**store, obj, {{"old.c", std::string(70000, 'o')}}), kClerk);
    REQUIRE(c.ok());
    deposit = c->deposit_id;
    file_id = (*(*store)->ListFiles(deposit))[0].id;
    // Turn the packed object into the pre-pack layout: a file of its own,
    // named like the object (its name is still its associated data), and a
    // row without pack.
    Database& db = (*store)->db();
    name = *db.QueryText("SELECT name FROM objects");
    std::string pack = *db.QueryText("SELECT name FROM packs");
    int64_t offset = *db.QueryInt("SELECT pack_offset FROM objects");
    int64_t sealed = *db.QueryInt("SELECT sealed_size FROM objects");
    std::string pack_path = dir.Sub("state/objects/" + pack.substr(0, 2) + "/" + pack);
    bytes = ReadFile(pack_path).substr(static_cast<size_t>(offset), static_cast<size_t>(sealed));
    WriteFile(dir.Sub("state/objects/" + name.substr(0, 2) + "/" + name), bytes);
    fs::remove(pack_path);
    REQUIRE(db.Exec("UPDATE objects SET pack_id = NULL, pack_offset = NULL; DELETE FROM packs;").ok());
  }
  auto store = OpenOrCreateStore(dir.Sub("state"), keys);
  REQUIRE(store.ok());
  CHECK((*store)->open_report().orphan_objects_removed == 0);
  CHECK(ReadAll(**store, file_id) == std::string(70000, 'o'));
  CHECK((*store)->VerifyStore()->ok());
  // The backup copies the object's own file byte for byte.
  REQUIRE((*store)->Backup(dir.Sub("backup"), kClerk).ok());
  CHECK(ReadFile(dir.Sub("backup/objects/" + name.substr(0, 2) + "/" + name)) == bytes);
  REQUIRE((*store)->DestroyDeposit(deposit, kClerk, "test: destroy a pre-pack deposit").ok());
  CHECK(CountObjectFiles(dir.Sub("state")) == 0);
  CHECK((*store)->VerifyStore()->ok());
}

TEST_CASE("store is locked against a second opener") {
  TempDir dir;
  FakeStoreKeys keys;
  auto first = OpenOrCreateStore(dir.Sub("state"), keys);
  REQUIRE(first.ok());
  auto second = OpenOrCreateStore(dir.Sub("state"), keys);
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().message().find("in use") != std::string::npos);
}

TEST_CASE("store commit hook writes extra rows in the same transaction") {
  TempDir dir;
  FakeStoreKeys keys;
  auto store = OpenOrCreateStore(dir.Sub("state"), keys);
  REQUIRE(store.ok());
  int64_t obj = AddInformatizationObject(**store);
  SECTION("hook succeeds") {
    auto c =
        (*store)->CommitDeposit(WriteDeposit(**store, obj, {{"a", "a"}}), kClerk, "", [](Database& db, int64_t id) {
          return db.Exec("INSERT INTO store_meta VALUES('last_deposit', '" + std::to_string(id) + "')");
        });
    REQUIRE(c.ok());
    CHECK(*(*store)->db().QueryText("SELECT value FROM store_meta WHERE key='last_deposit'") ==
          std::to_string(c->deposit_id));
  }
  SECTION("hook fails: nothing is committed and the objects are gone") {
    uint64_t audit_before = *(*store)->audit().Size();
    const int64_t cache_before = *(*store)->db().QueryInt("PRAGMA main.cache_size;");
    auto c = (*store)->CommitDeposit(WriteDeposit(**store, obj, {{"a", "a"}}), kClerk, "",
                                     [](Database&, int64_t) { return qoima::Status::Cancelled("operator said no"); });
    REQUIRE_FALSE(c.ok());
    CHECK(c.status().code() == Code::kCancelled);
    CHECK(*(*store)->db().QueryInt("SELECT count(*) FROM deposits") == 0);
    CHECK(*(*store)->db().QueryInt("SELECT count(*) FROM files") == 0);
    CHECK(*(*store)->db().QueryInt("SELECT count(*) FROM file_digests") == 0);
    // The commit's smaller page cache is given back to the store.
    CHECK(*(*store)->db().QueryInt("PRAGMA main.cache_size;") == cache_before);
    CHECK(*(*store)->audit().Size() == audit_before);
    CHECK(CountObjectFiles(dir.Sub("state")) == 0);
  }
}

TEST_CASE("a commit files every digest in file_digests, found by SHA-256 whatever the write order") {
  TempDir dir;
  FakeStoreKeys keys;
  auto store = OpenOrCreateStore(dir.Sub("state"), keys);
  REQUIRE(store.ok());
  int64_t obj = AddInformatizationObject(**store);
  // Written in path order, which is not the digests' order.
  std::vector<TestFile> files;
  for (int i = 0; i < 200; ++i)
    files.push_back({"d/f" + std::to_string(1000 + i), "content " + std::to_string(i % 150)});
  auto first = (*store)->CommitDeposit(WriteDeposit(**store, obj, files), kClerk);
  REQUIRE(first.ok());
  auto second = (*store)->CommitDeposit(WriteDeposit(**store, obj, {{"x", "content 7"}}), kClerk);
  REQUIRE(second.ok());
  Database& db = (*store)->db();
  CHECK(*db.QueryInt("SELECT count(*) FROM file_digests") == 201);
  CHECK(*db.QueryInt("SELECT count(*) FROM files f JOIN file_digests g ON g.file_id = f.id AND g.sha256 = f.sha256") ==
        201);
  auto found = (*store)->FindFilesBySha256(qoima::crypto::Sha256::Digest(std::string_view("content 7")));
  REQUIRE(found.ok());
  REQUIRE(found->size() == 3);  // files 7 and 157 of the first deposit, x of the second
  CHECK((*found)[0].display_path == "d/f1007");
  CHECK((*found)[1].display_path == "d/f1157");
  CHECK((*found)[2].deposit_id == second->deposit_id);
  auto scrub = (*store)->VerifyStore();
  REQUIRE(scrub.ok());
  CHECK(scrub->ok());
}

TEST_CASE("store promotes a deposit to the permanent tier with history") {
  TempDir dir;
  FakeStoreKeys keys;
  auto store = OpenOrCreateStore(dir.Sub("state"), keys);
  REQUIRE(store.ok());
  int64_t obj = AddInformatizationObject(**store);
  auto c = (*store)->CommitDeposit(WriteDeposit(**store, obj, {{"a", "a"}}), kClerk);
  REQUIRE(c.ok());
  CHECK((*store)->PromoteToPermanent(c->deposit_id, kClerk, "").code() == Code::kInvalidArgument);
  REQUIRE((*store)->PromoteToPermanent(c->deposit_id, kClerk, "security testing passed, report 5").ok());
  CHECK((*store)->GetDeposit(c->deposit_id)->tier == "permanent");
  CHECK(*(*store)->db().QueryInt("SELECT count(*) FROM tier_changes") == 1);
  CHECK((*store)->PromoteToPermanent(c->deposit_id, kClerk, "again").code() == Code::kFailedPrecondition);
}

TEST_CASE("verify-store and audit verify commands report, record and set the exit code") {
  TempDir dir;
  FakeStoreKeys keys;
  auto store = OpenOrCreateStore(dir.Sub("state"), keys);
  REQUIRE(store.ok());
  int64_t obj = AddInformatizationObject(**store);
  auto c = (*store)->CommitDeposit(WriteDeposit(**store, obj, {{"a.c", "aaa"}}), kClerk);
  REQUIRE(c.ok());
  Actor auditor{"auditor1", "auditor"};
  auto ok = RunVerifyStore(**store, auditor);
  REQUIRE(ok.ok());
  CHECK(ok->exit_code == 0);
  CHECK(ok->text.find("verify-store: OK") != std::string::npos);
  CHECK(ok->json["ok"] == true);
  auto audit = RunAuditVerify(**store, auditor);
  REQUIRE(audit.ok());
  CHECK(audit->exit_code == 0);
  CHECK(audit->text.find("latest checkpoint: size") != std::string::npos);
  CHECK(audit->json["latest_checkpoint"]["tree_size"].get<uint64_t>() >= 1);

  REQUIRE((*store)->db().Exec("UPDATE files SET size = 4").ok());
  auto bad = RunVerifyStore(**store, auditor);
  REQUIRE(bad.ok());
  CHECK(bad->exit_code == 1);
  CHECK(bad->text.find("PROBLEM: deposit " + std::to_string(c->deposit_id)) != std::string::npos);
  CHECK(bad->json["problems"].size() >= 1);
  auto events = (*store)->audit().Entries(0, 100);
  REQUIRE(events.ok());
  CHECK(events->back().action == "store.verify");
  CHECK(events->back().outcome == "failure");
  CHECK(events->back().actor == "auditor1");
}
