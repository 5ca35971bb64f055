// Tampering with a store at rest: each change is detected by verify-store
// (scrub) with a message that names what changed. Real keyring on swtpm.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "storage/store.h"
#include "tests/fixtures/temp_dir.h"
#include "tests/storage/store_test_util.h"
#include "tests/storage/tpm_store_keys.h"

using namespace qoima::storage;
using namespace qoima::testing;
namespace fs = std::filesystem;

namespace {

struct TamperFixture {
  TpmStoreKeys tpm;
  TempDir dir;
  std::string state = dir.Sub("state");
  std::unique_ptr<Store> store;
  CommittedDeposit deposit;
  std::vector<FileInfo> files;

  TamperFixture() {
    store = std::move(OpenOrCreateStore(state, tpm.keys()).value());
    int64_t obj = AddInformatizationObject(*store);
    auto c = store->CommitDeposit(
        WriteDeposit(
            *store, obj,
            {{"a.c", std::string(70000, 'a')}, {"b.c", std::string(300, 'b')}, {"c.c", std::string(140000, 'c')}}),
        Actor{"clerk1", "clerk"});
    REQUIRE(c.ok());
    deposit = *c;
    files = *store->ListFiles(deposit.deposit_id);
    REQUIRE(store->VerifyStore()->ok());
  }

  /// Where a file's sealed object is: its pack file, offset and length.
  struct Place {
    std::string pack_path;
    int64_t offset = 0;
    int64_t size = 0;
  };
  Place PlaceOf(const FileInfo& f) {
    std::string id = std::to_string(f.object_id);
    auto pack =
        store->db().QueryText("SELECT p.name FROM objects o JOIN packs p ON p.id = o.pack_id WHERE o.id = " + id);
    REQUIRE(pack.ok());
    return {state + "/objects/" + pack->substr(0, 2) + "/" + *pack,
            *store->db().QueryInt("SELECT pack_offset FROM objects WHERE id = " + id),
            *store->db().QueryInt("SELECT sealed_size FROM objects WHERE id = " + id)};
  }

  /// The single problem the scrub reports.
  std::string Problem() {
    auto r = store->VerifyStore();
    REQUIRE(r.ok());
    REQUIRE_FALSE(r->ok());
    INFO(r->problems[0].message);
    return r->problems[0].message;
  }
};

std::string ReadRange(const std::string& path, int64_t offset, int64_t size) {
  std::ifstream f(path, std::ios::binary);
  f.seekg(offset);
  std::string out(static_cast<size_t>(size), '\0');
  f.read(out.data(), size);
  return out;
}

void WriteRange(const std::string& path, int64_t offset, const std::string& bytes) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(offset);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void FlipByte(const std::string& path, std::streamoff offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(offset);
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x01);
  f.seekp(offset);
  f.write(&c, 1);
}

}  // namespace

TEST_CASE("scrub detects a changed object byte") {
  TamperFixture t;
  auto a = t.PlaceOf(t.files[0]);
  FlipByte(a.pack_path, a.offset + 40 + 1000);
  std::string p = t.Problem();
  CHECK(p.find("file a.c") != std::string::npos);
  CHECK(p.find("does not authenticate") != std::string::npos);
}

TEST_CASE("scrub detects a removed pack") {
  TamperFixture t;
  fs::remove(t.PlaceOf(t.files[1]).pack_path);
  auto r = t.store->VerifyStore();
  REQUIRE(r.ok());
  REQUIRE(r->problems.size() == 3);  // the pack held all three files
  for (const char* name : {"file a.c", "file b.c", "file c.c"}) {
    bool named = false;
    for (const auto& p : r->problems)
      named = named || (p.message.find(name) != std::string::npos && p.message.find("is missing") != std::string::npos);
    CHECK(named);
  }
}

TEST_CASE("scrub detects a truncated object") {
  TamperFixture t;
  std::string path = t.PlaceOf(t.files[2]).pack_path;  // c.c is the pack's last object
  fs::resize_file(path, fs::file_size(path) - 100);
  std::string p = t.Problem();
  CHECK(p.find("file c.c") != std::string::npos);
  CHECK(p.find("truncated") != std::string::npos);
}

TEST_CASE("scrub detects two swapped objects") {
  TamperFixture t;
  // Same size and key so that only the binding of the object name can tell
  // them apart.
  int64_t obj = *t.store->db().QueryInt("SELECT object_id FROM deposits LIMIT 1");
  auto c2 = t.store->CommitDeposit(
      WriteDeposit(*t.store, obj, {{"x.c", std::string(500, 'x')}, {"y.c", std::string(500, 'y')}}),
      Actor{"clerk1", "clerk"});
  REQUIRE(c2.ok());
  auto files = *t.store->ListFiles(c2->deposit_id);
  auto x = t.PlaceOf(files[0]), y = t.PlaceOf(files[1]);
  REQUIRE(x.size == y.size);
  std::string cx = ReadRange(x.pack_path, x.offset, x.size), cy = ReadRange(y.pack_path, y.offset, y.size);
  WriteRange(x.pack_path, x.offset, cy);
  WriteRange(y.pack_path, y.offset, cx);
  auto r = t.store->VerifyStore();
  REQUIRE(r.ok());
  REQUIRE(r->problems.size() == 2);
  for (const auto& p : r->problems) {
    CHECK(p.deposit_id == c2->deposit_id);
    bool named = p.message.find("file x.c") != std::string::npos || p.message.find("file y.c") != std::string::npos;
    CHECK(named);
    CHECK(p.message.find("does not authenticate") != std::string::npos);
  }
}

TEST_CASE("scrub detects a swapped object of equal size") {
  TamperFixture t;
  // Two deposits with a same-sized file: move one object over the other.
  int64_t obj = *t.store->db().QueryInt("SELECT object_id FROM deposits LIMIT 1");
  auto c2 =
      t.store->CommitDeposit(WriteDeposit(*t.store, obj, {{"z.c", std::string(300, 'z')}}), Actor{"clerk1", "clerk"});
  REQUIRE(c2.ok());
  FileInfo z = (*t.store->ListFiles(c2->deposit_id))[0];
  auto pb = t.PlaceOf(t.files[1]);
  auto pz = t.PlaceOf(z);
  REQUIRE(pb.size == pz.size);
  WriteRange(pb.pack_path, pb.offset, ReadRange(pz.pack_path, pz.offset, pz.size));
  std::string p = t.Problem();
  CHECK(p.find("file b.c") != std::string::npos);
  CHECK(p.find("does not authenticate") != std::string::npos);
}

TEST_CASE("scrub detects an edited file row") {
  TamperFixture t;
  REQUIRE(t.store->db().Exec("UPDATE files SET size = size + 1 WHERE id = " + std::to_string(t.files[1].id)).ok());
  auto r = t.store->VerifyStore();
  REQUIRE(r.ok());
  REQUIRE_FALSE(r->ok());
  bool manifest = false, row = false;
  for (const auto& p : r->problems) {
    manifest = manifest || p.message.find("manifest digest") != std::string::npos;
    row = row ||
          (p.message.find("file b.c") != std::string::npos && p.message.find("row was edited") != std::string::npos);
  }
  CHECK(manifest);
  CHECK(row);
}

TEST_CASE("scrub detects a deposit row edited together with its file rows") {
  TamperFixture t;
  // The attacker keeps the rows consistent with each other; the signed audit
  // record of the commit still disagrees.
  auto& db = t.store->db();
  REQUIRE(db.Exec("DELETE FROM files WHERE id = " + std::to_string(t.files[1].id)).ok());
  REQUIRE(db.Exec("DELETE FROM objects WHERE id = " + std::to_string(t.files[1].object_id)).ok());
  std::vector<FileInfo> rest = *t.store->ListFiles(t.deposit.deposit_id);
  std::vector<std::tuple<std::vector<uint8_t>, uint64_t, std::string>> lines;
  uint64_t bytes = 0;
  for (const auto& f : rest) {
    lines.emplace_back(f.path, f.size, qoima::crypto::Hex(f.sha256));
    bytes += f.size;
  }
  std::sort(lines.begin(), lines.end());
  qoima::crypto::Sha256 h;
  for (auto& [path, size, sha] : lines)
    h.Update(sha + " " + std::to_string(size) + " " + qoima::crypto::Hex(path) + "\n");
  auto digest = h.Finish();
  auto st = db.Prepare("UPDATE deposits SET file_count = ?, total_bytes = ?, manifest_sha256 = ? WHERE id = ?");
  REQUIRE(st.ok());
  REQUIRE(st->Bind(1, int64_t(rest.size()))
              .Bind(2, int64_t(bytes))
              .BindBlob(3, digest)
              .Bind(4, t.deposit.deposit_id)
              .Run()
              .ok());
  auto report = t.store->VerifyStore();
  REQUIRE(report.ok());
  std::string all;
  for (const auto& p : report->problems) all += p.message + "\n";
  INFO(all);
  CHECK(all.find("differs from what audit entry") != std::string::npos);
  CHECK(all.find("row was edited") != std::string::npos);
  // The bytes of b.c's object, left in the pack, are reported too.
  CHECK(all.find("belong to no object row") != std::string::npos);
}

TEST_CASE("scrub detects an object row whose SHA-256 was edited") {
  TamperFixture t;
  REQUIRE(t.store->db()
              .Exec("UPDATE objects SET sha256 = zeroblob(32) WHERE id = " + std::to_string(t.files[0].object_id))
              .ok());
  auto report = t.store->VerifyStore();
  REQUIRE(report.ok());
  std::string all;
  for (const auto& p : report->problems) all += p.message + "\n";
  CHECK(all.find("SHA-256 differs from the database") != std::string::npos);
}

TEST_CASE("scrub detects a damaged wrapped key and a foreign file in the object store") {
  TamperFixture t;
  SECTION("wrapped key") {
    REQUIRE(t.store->db().Exec("UPDATE deposits SET wrapped_key = x'00' || wrapped_key").ok());
    // Reopen so that no cached key hides the damage.
    t.store.reset();
    t.store = std::move(OpenOrCreateStore(t.state, t.tpm.keys()).value());
    std::string p = t.Problem();
    CHECK(p.find("unwrap data key") != std::string::npos);
  }
  SECTION("foreign file") {
    WriteFile(t.state + "/objects/zz-notes.txt", "hello");
    std::string p = t.Problem();
    CHECK(p.find("objects/zz-notes.txt") != std::string::npos);
  }
}

TEST_CASE("scrub detects a removed, an edited and an added file digest row") {
  TamperFixture t;
  auto all = [&]() {
    auto r = t.store->VerifyStore();
    REQUIRE(r.ok());
    std::string text;
    for (const auto& p : r->problems) text += p.message + "\n";
    return text;
  };
  const std::string b = std::to_string(t.files[1].id);
  SECTION("removed: the file can no longer be found by its digest") {
    REQUIRE(t.store->db().Exec("DELETE FROM file_digests WHERE file_id = " + b).ok());
    CHECK(t.store->FindFilesBySha256(t.files[1].sha256)->empty());
    CHECK(all().find("file b.c has no row in file_digests under its SHA-256") != std::string::npos);
  }
  SECTION("edited: the digest row moved to another SHA-256") {
    REQUIRE(t.store->db().Exec("UPDATE file_digests SET sha256 = zeroblob(32) WHERE file_id = " + b).ok());
    std::string p = all();
    CHECK(p.find("file b.c has no row in file_digests") != std::string::npos);
    CHECK(p.find("file_digests names file " + b + " under SHA-256 " + std::string(64, '0') +
                 ", which is not that file's SHA-256") != std::string::npos);
  }
  SECTION("added: a digest row for no file") {
    REQUIRE(t.store->db().Exec("INSERT INTO file_digests(sha256, file_id) VALUES(zeroblob(32), 9999)").ok());
    CHECK(all().find("file_digests names file 9999 under SHA-256 " + std::string(64, '0') +
                     ", a file that does not exist") != std::string::npos);
  }
}
