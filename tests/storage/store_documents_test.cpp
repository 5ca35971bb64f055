// Documents sealed with a deposit (a security test's reports): byte-exact
// behind an audited read, re-read by verify-store, whole or absent when the
// recording fails or the process dies, shredded with the deposit, and the
// reports a store before schema 15 kept in its database sealed at open. With
// the real keyring on swtpm and the real SQLCipher store.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "crypto/hash.h"
#include "storage/store.h"
#include "tests/fixtures/temp_dir.h"
#include "tests/storage/store_test_util.h"
#include "tests/storage/tpm_store_keys.h"

using namespace qoima;
using namespace qoima::storage;
using namespace qoima::testing;
namespace fs = std::filesystem;

namespace {

const Actor kOfficer{"officer1", "security_officer"};

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Every regular file under `dir` holding `needle` as plain bytes.
std::vector<std::string> FilesHolding(const std::string& dir, const std::string& needle) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && Slurp(e.path().string()).find(needle) != std::string::npos)
      out.push_back(e.path().string());
  return out;
}

/// A security test of `deposit_id` (the row the reports hang from).
int64_t AddTest(Store& store, int64_t deposit_id) {
  auto st = store.db().Prepare(
      "INSERT INTO security_tests(deposit_id, outcome, reference, tested_on, recorded_by, recorded_at) "
      "VALUES(?, 'negative', 'ST-1', '2026-12-01', 'officer1', '2026-12-01T10:00:00Z')");
  REQUIRE(st.ok());
  REQUIRE(st->Bind(1, deposit_id).Run().ok());
  return store.db().LastInsertRowid();
}

/// Seals `docs` with `deposit_id` as reports of test `test_id`, their rows
/// written by the hook (as LifecycleService::RecordTestOutcome does).
Status SealReports(Store& store, int64_t deposit_id, int64_t test_id, const std::vector<std::string>& docs) {
  std::vector<std::span<const uint8_t>> spans;
  for (const std::string& d : docs) spans.emplace_back(reinterpret_cast<const uint8_t*>(d.data()), d.size());
  return store.SealDocuments(deposit_id, spans, [&](const std::vector<SealedDocument>& sealed) -> Status {
    QOIMA_ASSIGN_OR_RETURN(Statement st, store.db().Prepare("INSERT INTO security_test_reports(test_id, name, size, "
                                                            "sha256, object_id) VALUES(?,?,?,?,?)"));
    for (size_t i = 0; i < sealed.size(); ++i) {
      QOIMA_RETURN_IF_ERROR(st.Bind(1, test_id)
                                .Bind(2, "report-" + std::to_string(i + 1) + ".pdf")
                                .Bind(3, static_cast<int64_t>(sealed[i].size))
                                .Bind(4, crypto::Hex(sealed[i].sha256))
                                .Bind(5, sealed[i].object_id)
                                .Run());
    }
    return Status::Ok();
  });
}

struct ReportRow {
  int64_t id = 0;
  int64_t object_id = 0;
};

std::vector<ReportRow> Reports(Store& store) {
  std::vector<ReportRow> out;
  auto st = store.db().Prepare("SELECT id, coalesce(object_id, 0) FROM security_test_reports ORDER BY id");
  REQUIRE(st.ok());
  while (*st->Step()) out.push_back({st->ColumnInt(0), st->ColumnInt(1)});
  return out;
}

Result<std::string> ReadReport(Store& store, int64_t deposit_id, int64_t object_id) {
  std::string out;
  Status s = store.ReadDocument(deposit_id, object_id, kOfficer, "test_report.read",
                                "deposit:" + std::to_string(deposit_id) + "/test-report:1", "audit of the test",
                                [&](std::span<const uint8_t> b) {
                                  out.append(reinterpret_cast<const char*>(b.data()), b.size());
                                  return Status::Ok();
                                });
  if (!s.ok()) return s;
  return out;
}

std::string Problems(const ScrubReport& r) {
  std::string all;
  for (const auto& p : r.problems) all += p.message + "\n";
  return all;
}

/// A store on swtpm with one committed deposit of one file.
struct OneDeposit {
  TpmStoreKeys tpm;
  TempDir dir;
  std::unique_ptr<Store> store;
  int64_t obj = 0;
  CommittedDeposit dep;

  OneDeposit() {
    auto opened = OpenOrCreateStore(dir.Sub("state"), tpm.keys());
    REQUIRE(opened.ok());
    store = std::move(*opened);
    obj = AddInformatizationObject(*store);
    auto committed = store->CommitDeposit(WriteDeposit(*store, obj, {{"main.c", "int main() {}"}}), kOfficer);
    REQUIRE(committed.ok());
    dep = *committed;
  }
};

const std::string kReport1 = "%PDF-1.4 static analysis: SQL injection in src/search.c line 120 (high)";
const std::string kReport2 = std::string("dependency report\0\xff binary", 26) + std::string(200000, 'd');

}  // namespace

TEST_CASE(
    "reports sealed with a deposit read back byte-exact through an audited read and verify-store re-reads "
    "them") {
  OneDeposit w;
  Store& s = *w.store;
  TempDir& dir = w.dir;
  const CommittedDeposit* dep = &w.dep;
  const size_t files_before = CountFiles(dir.Sub("state/objects"));
  const int64_t test = AddTest(s, dep->deposit_id);
  REQUIRE(SealReports(s, dep->deposit_id, test, {kReport1, kReport2}).ok());

  // Two packs of their own, no journal left, and the bytes nowhere in plain.
  CHECK(CountFiles(dir.Sub("state/objects")) == files_before + 2);
  CHECK(fs::is_empty(dir.Sub("state/objects/tmp")));
  CHECK(FilesHolding(dir.Sub("state"), "SQL injection in src/search.c").empty());
  auto rows = Reports(s);
  REQUIRE(rows.size() == 2);
  CHECK(*s.db().QueryInt("SELECT count(*) FROM security_test_reports WHERE content IS NOT NULL") == 0);

  const uint64_t audit_before = *s.audit().Size();
  auto back = ReadReport(s, dep->deposit_id, rows[1].object_id);
  REQUIRE(back.ok());
  CHECK(*back == kReport2);
  // Recorded before the bytes left.
  REQUIRE(*s.audit().Size() == audit_before + 1);
  auto ev = s.audit().Entry(audit_before);
  REQUIRE(ev.ok());
  CHECK(ev->action == "test_report.read");
  CHECK(ev->object == "deposit:" + std::to_string(dep->deposit_id) + "/test-report:1");
  CHECK(ev->outcome == "success");
  CHECK(ev->actor == "officer1");
  // An object of another deposit is not read through this one.
  auto other = s.CommitDeposit(WriteDeposit(s, w.obj, {{"b.c", "b"}}), kOfficer);
  REQUIRE(other.ok());
  CHECK(ReadReport(s, other->deposit_id, rows[0].object_id).status().code() == Code::kCorrupt);

  auto scrub = s.VerifyStore();
  REQUIRE(scrub.ok());
  CHECK(Problems(*scrub).empty());
  CHECK(scrub->objects == 4);  // main.c, b.c and the two reports
}

TEST_CASE("a recording that fails leaves no pack, no row and no journal") {
  OneDeposit w;
  Store& s = *w.store;
  TempDir& dir = w.dir;
  const CommittedDeposit* dep = &w.dep;
  const size_t files_before = CountFiles(dir.Sub("state/objects"));
  const uint64_t audit_before = *s.audit().Size();
  std::vector<std::span<const uint8_t>> docs{{reinterpret_cast<const uint8_t*>(kReport1.data()), kReport1.size()}};
  Status failed = s.SealDocuments(dep->deposit_id, docs, [&](const std::vector<SealedDocument>&) -> Status {
    (void)s.audit().Append(
        {"2026-12-01T10:00:00Z", "officer1", "security_officer", "version.test_outcome", "x", "success", "recorded"});
    return Status::InvalidArgument("the test row is refused");
  });
  CHECK(failed.code() == Code::kInvalidArgument);
  CHECK(failed.message().find("seal documents with deposit:") != std::string::npos);
  CHECK(CountFiles(dir.Sub("state/objects")) == files_before);
  CHECK(*s.db().QueryInt("SELECT count(*) FROM objects") == 1);
  CHECK(*s.db().QueryInt("SELECT count(*) FROM packs") == 1);
  CHECK(*s.audit().Size() == audit_before);

  // A deposit that does not exist, and one past the limits, are refused first.
  CHECK(s.SealDocuments(999, docs, [](const auto&) { return Status::Ok(); }).code() == Code::kNotFound);
  std::vector<std::span<const uint8_t>> many(kMaxSealedDocuments + 1, docs[0]);
  CHECK(s.SealDocuments(dep->deposit_id, many, [](const auto&) { return Status::Ok(); }).code() ==
        Code::kLimitExceeded);
  CHECK(CountFiles(dir.Sub("state/objects")) == files_before);
  auto scrub = s.VerifyStore();
  REQUIRE(scrub.ok());
  CHECK(Problems(*scrub).empty());
}

TEST_CASE("packs a process left between sealing and recording are removed by the next open, by their journal") {
  TpmStoreKeys tpm;
  TempDir dir;
  const std::string state = dir.Sub("state");
  const std::string aside = dir.Sub("aside");
  fs::create_directories(aside);
  int64_t deposit = 0;
  size_t files_before = 0;
  {
    auto store = OpenOrCreateStore(state, tpm.keys());
    REQUIRE(store.ok());
    Store& s = **store;
    int64_t obj = AddInformatizationObject(s);
    auto dep = s.CommitDeposit(WriteDeposit(s, obj, {{"main.c", "int main() {}"}}), kOfficer);
    REQUIRE(dep.ok());
    deposit = dep->deposit_id;
    files_before = CountFiles(state + "/objects");
    std::vector<std::span<const uint8_t>> docs{{reinterpret_cast<const uint8_t*>(kReport1.data()), kReport1.size()},
                                               {reinterpret_cast<const uint8_t*>(kReport2.data()), kReport2.size()}};
    // What the disk holds at the moment the rows would commit: copied aside,
    // then put back after the call failed, as a process killed there leaves it.
    Status s2 = s.SealDocuments(deposit, docs, [&](const std::vector<SealedDocument>&) -> Status {
      fs::copy(state + "/objects", aside + "/objects", fs::copy_options::recursive);
      return Status::Internal("killed");
    });
    REQUIRE(s2.code() == Code::kInternal);
  }
  fs::copy(aside + "/objects", state + "/objects", fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  REQUIRE(CountFiles(state + "/objects") == files_before + 3);  // two packs and the journal
  auto store = OpenOrCreateStore(state, tpm.keys());
  REQUIRE(store.ok());
  CHECK((*store)->open_report().orphan_objects_removed == 2);
  CHECK((*store)->open_report().quarantined_files == 0);
  CHECK(CountFiles(state + "/objects") == files_before);
  auto scrub = (*store)->VerifyStore();
  REQUIRE(scrub.ok());
  CHECK(Problems(*scrub).empty());
  // And the deposit takes its reports afterwards.
  CHECK(SealReports(**store, deposit, AddTest(**store, deposit), {kReport1}).ok());
}

TEST_CASE("an insider with the disk: a changed report, a removed or edited row are caught") {
  OneDeposit w;
  Store& s = *w.store;
  TempDir& dir = w.dir;
  const CommittedDeposit* dep = &w.dep;
  const int64_t test = AddTest(s, dep->deposit_id);
  REQUIRE(SealReports(s, dep->deposit_id, test, {kReport1, kReport2}).ok());
  auto rows = Reports(s);
  REQUIRE(rows.size() == 2);

  SECTION("a byte of the sealed report changed on disk") {
    auto st = s.db().Prepare("SELECT p.name FROM objects o JOIN packs p ON p.id = o.pack_id WHERE o.id = ?");
    REQUIRE(st.ok());
    st->Bind(1, rows[0].object_id);
    REQUIRE(*st->Step());
    const std::string pack = st->ColumnText(0);
    const std::string path = dir.Sub("state/objects/" + pack.substr(0, 2) + "/" + pack);
    std::string bytes = Slurp(path);
    bytes[bytes.size() / 2] ^= 0x01;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    const uint64_t before = *s.audit().Size();
    auto read = ReadReport(s, dep->deposit_id, rows[0].object_id);
    CHECK(read.status().code() == Code::kCorrupt);
    CHECK(read.status().message().find("does not authenticate") != std::string::npos);
    // The access and its failure are both recorded.
    REQUIRE(*s.audit().Size() == before + 2);
    CHECK(s.audit().Entry(before + 1)->outcome == "failure");
    auto scrub = s.VerifyStore();
    REQUIRE(scrub.ok());
    CHECK(Problems(*scrub).find("security-test report report-1.pdf") != std::string::npos);
  }
  // The insider drops the trigger that guards the rows, edits them, and
  // verify-store names what they did.
  auto edited = [&](const std::string& trigger, const std::string& sql) {
    REQUIRE(s.db().Exec("DROP TRIGGER " + trigger + "; " + sql).ok());
    auto scrub = s.VerifyStore();
    REQUIRE(scrub.ok());
    return Problems(*scrub);
  };
  SECTION("the report's size edited in its row") {
    CHECK(edited("security_test_reports_never_change",
                 "UPDATE security_test_reports SET size = 5 WHERE id = " + std::to_string(rows[0].id))
              .find("report-1.pdf: size or SHA-256 in its row differs from its object row") != std::string::npos);
  }
  SECTION("the report's row removed, its object left") {
    CHECK(edited("security_test_reports_never_removed",
                 "DELETE FROM security_test_reports WHERE id = " + std::to_string(rows[1].id))
              .find("is neither a file's nor a security-test report's (a row was removed)") != std::string::npos);
  }
  SECTION("the records refuse a change and a removal") {
    CHECK_FALSE(s.db().Exec("UPDATE security_test_reports SET object_id = NULL").ok());
    CHECK_FALSE(s.db().Exec("UPDATE security_test_reports SET sha256 = 'x'").ok());
    CHECK_FALSE(s.db().Exec("DELETE FROM security_test_reports").ok());
    CHECK(Reports(s).size() == 2);
  }
}

TEST_CASE("destroying the version shreds its reports with it, their names stay accounted for") {
  TpmStoreKeys tpm;
  TempDir dir;
  auto store = OpenOrCreateStore(dir.Sub("state"), tpm.keys());
  REQUIRE(store.ok());
  Store& s = **store;
  int64_t obj = AddInformatizationObject(s);
  auto keep = s.CommitDeposit(WriteDeposit(s, obj, {{"keep.c", "keep"}}), kOfficer);
  auto gone = s.CommitDeposit(WriteDeposit(s, obj, {{"gone.c", "gone"}}), kOfficer);
  REQUIRE(keep.ok());
  REQUIRE(gone.ok());
  REQUIRE(SealReports(s, gone->deposit_id, AddTest(s, gone->deposit_id), {kReport1, kReport2}).ok());
  REQUIRE(CountFiles(dir.Sub("state/objects")) == 4);
  auto rows = Reports(s);
  auto t = s.DestroyDeposit(gone->deposit_id, kOfficer, "003 cl.33: act 4");
  REQUIRE(t.ok());
  CHECK(t->objects_removed == 3);
  CHECK(CountFiles(dir.Sub("state/objects")) == 1);  // only the kept deposit's pack
  CHECK(fs::is_empty(dir.Sub("state/objects/tmp")));
  // The rows stay (name, size, SHA-256); the bytes cannot be read any more.
  CHECK(Reports(s).size() == 2);
  const uint64_t before = *s.audit().Size();
  auto read = ReadReport(s, gone->deposit_id, rows[0].object_id);
  CHECK(read.status().code() == Code::kFailedPrecondition);
  CHECK(read.status().message().find("destroyed") != std::string::npos);
  REQUIRE(*s.audit().Size() == before + 1);
  CHECK(s.audit().Entry(before)->outcome == "failure");
  // Nothing can be sealed with a destroyed version.
  CHECK(SealReports(s, gone->deposit_id, 1, {kReport1}).code() == Code::kFailedPrecondition);
  auto scrub = s.VerifyStore();
  REQUIRE(scrub.ok());
  CHECK(Problems(*scrub).empty());
}

TEST_CASE(
    "reports a store before schema 15 kept in its database are sealed at open, a destroyed version's are "
    "cleared") {
  TpmStoreKeys tpm;
  TempDir dir;
  const std::string state = dir.Sub("state");
  int64_t kept_deposit = 0, gone_deposit = 0;
  {
    auto store = OpenOrCreateStore(state, tpm.keys());
    REQUIRE(store.ok());
    Store& s = **store;
    int64_t obj = AddInformatizationObject(s);
    auto kept = s.CommitDeposit(WriteDeposit(s, obj, {{"a.c", "a"}}), kOfficer);
    auto gone = s.CommitDeposit(WriteDeposit(s, obj, {{"b.c", "b"}}), kOfficer);
    REQUIRE(kept.ok());
    REQUIRE(gone.ok());
    kept_deposit = kept->deposit_id;
    gone_deposit = gone->deposit_id;
    const int64_t t1 = AddTest(s, kept_deposit), t2 = AddTest(s, gone_deposit);
    REQUIRE(s.DestroyDeposit(gone_deposit, kOfficer, "003 cl.33").ok());
    // The store as schema 14 left it: migration 15 undone, the reports'
    // bytes in the database (as RecordTestOutcome wrote them then).
    const char* v14 = R"sql(
DROP TABLE security_test_reports;
CREATE TABLE security_test_reports (
  id      INTEGER PRIMARY KEY,
  test_id INTEGER NOT NULL REFERENCES security_tests(id),
  name    TEXT NOT NULL,
  size    INTEGER NOT NULL CHECK (size >= 0),
  sha256  TEXT NOT NULL,
  content BLOB NOT NULL
);
CREATE INDEX security_test_reports_test ON security_test_reports(test_id);
DELETE FROM schema_migrations WHERE version = 15;
PRAGMA user_version = 14;
)sql";
    REQUIRE(s.db().Exec(v14).ok());
    auto ins = s.db().Prepare(
        "INSERT INTO security_test_reports(test_id, name, size, sha256, content) "
        "VALUES(?,?,?,?,?)");
    REQUIRE(ins.ok());
    for (auto [test, name, bytes] : {std::tuple{t1, "kept.pdf", kReport1}, std::tuple{t2, "gone.pdf", kReport1},
                                     std::tuple{t1, "deps.bin", kReport2}}) {
      REQUIRE(ins->Bind(1, test)
                  .Bind(2, std::string(name))
                  .Bind(3, static_cast<int64_t>(bytes.size()))
                  .Bind(4, crypto::Hex(crypto::Sha256::Digest(bytes)))
                  .BindBlob(5, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()))
                  .Run()
                  .ok());
    }
  }
  auto store = OpenOrCreateStore(state, tpm.keys());
  REQUIRE(store.ok());
  Store& s = **store;
  CHECK((*store)->open_report().schema_version_before == 14);
  CHECK(*s.db().QueryInt("PRAGMA user_version;") == 15);
  CHECK(*s.db().QueryInt("SELECT count(*) FROM security_test_reports WHERE content IS NOT NULL") == 0);
  CHECK(*s.db().QueryInt("SELECT count(*) FROM security_test_reports WHERE object_id IS NOT NULL") == 2);
  // What open did is in the audit log.
  bool recorded = false;
  for (uint64_t i = 0; i < *s.audit().Size(); ++i) {
    auto e = s.audit().Entry(i);
    if (e.ok() && e->action == "store.seal_reports") {
      recorded = true;
      CHECK(e->outcome == "success");
      CHECK(e->reason.find("sealed 2 security-test report file(s)") != std::string::npos);
      CHECK(e->reason.find("cleared 1 of versions already destroyed") != std::string::npos);
    }
  }
  CHECK(recorded);
  // The sealed ones read back byte-exact; the store verifies.
  auto st = s.db().Prepare("SELECT object_id FROM security_test_reports WHERE name = 'deps.bin'");
  REQUIRE(st.ok());
  REQUIRE(*st->Step());
  const int64_t object = st->ColumnInt(0);
  st->Reset();
  auto back = ReadReport(s, kept_deposit, object);
  REQUIRE(back.ok());
  CHECK(*back == kReport2);
  auto scrub = s.VerifyStore();
  REQUIRE(scrub.ok());
  CHECK(Problems(*scrub).empty());
}
