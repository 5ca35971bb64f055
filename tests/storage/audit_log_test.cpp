#include <catch2/catch.hpp>

#include <array>
#include <memory>
#include <vector>

#include "crypto/signer.h"
#include "storage/audit_log.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "tests/fixtures/temp_dir.h"

using namespace qoima::storage;
using qoima::Code;

namespace {

std::array<uint8_t, 32> TestKey() {
  std::array<uint8_t, 32> k{};
  k.fill(0x5a);
  return k;
}

struct Fixture {
  qoima::testing::TempDir dir;
  Database db;
  std::unique_ptr<AuditLog> log;
  std::unique_ptr<qoima::crypto::SoftwareSigner> signer;

  Fixture() {
    db = std::move(Database::Open(dir.Sub("meta.db"), TestKey()).value());
    REQUIRE(ApplyMigrations(db, "2026-11-26T04:00:00Z").ok());
    log = std::move(AuditLog::Create(db).value());
    signer = std::move(qoima::crypto::SoftwareSigner::Generate().value());
  }

  AuditEvent Event(int i) {
    return AuditEvent{"2026-11-26T04:" + std::string(i % 60 < 10 ? "0" : "") + std::to_string(i % 60) + ":00Z",
                      "clerk" + std::to_string(i % 3),
                      "clerk",
                      "deposit.commit",
                      "deposit:" + std::to_string(i),
                      "success",
                      i % 2 ? "line one\nline two \\ done" : ""};
  }

  void AppendN(int n) {
    for (int i = 0; i < n; ++i) REQUIRE(log->Append(Event(i)).ok());
  }

  AuditVerifyReport Verify() {
    AuditVerifyOptions opts;
    opts.trusted_keys_pem.push_back(signer->PublicKeyPem());
    auto r = log->Verify(opts);
    REQUIRE(r.ok());
    return *r;
  }

  void Sql(const std::string& sql) { REQUIRE(db.Exec(sql).ok()); }
  void DropTriggers() { Sql("DROP TRIGGER audit_entries_no_update; DROP TRIGGER audit_entries_no_delete;"); }
};

}  // namespace

TEST_CASE("audit leaf data is canonical and escapes newlines and backslashes") {
  AuditEvent e{"2026-11-26T04:00:00Z", "aigerim", "clerk", "object.read", "deposit:1/file:2", "success", "a\nb\\c"};
  CHECK(AuditLeafData(e) ==
        "qoima-audit-v1\ntime=2026-11-26T04:00:00Z\nactor=aigerim\nrole=clerk\naction=object.read\n"
        "object=deposit:1/file:2\noutcome=success\nreason=a\\nb\\\\c\n");
}

TEST_CASE("audit events with a bad field are refused, naming the field") {
  Fixture f;
  AuditEvent e = f.Event(1);
  e.outcome = "maybe";
  auto r = f.log->Append(e);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("outcome") != std::string::npos);
  e = f.Event(1);
  e.time = "yesterday";
  CHECK(f.log->Append(e).status().message().find("time") != std::string::npos);
  e = f.Event(1);
  e.actor.clear();
  CHECK(f.log->Append(e).status().message().find("actor") != std::string::npos);
  e = f.Event(1);
  e.reason.assign(kMaxAuditFieldBytes + 1, 'x');
  CHECK(f.log->Append(e).status().code() == Code::kInvalidArgument);
  CHECK(*f.log->Size() == 0);
}

TEST_CASE("audit log appends, checkpoints and verifies a clean history") {
  Fixture f;
  f.AppendN(10);
  auto cp = f.log->Checkpoint(*f.signer, "2026-11-26T05:00:00Z");
  REQUIRE(cp.ok());
  CHECK(cp->tree_size == 10);
  CHECK(cp->root == *f.log->Root());
  f.AppendN(7);
  REQUIRE(f.log->Checkpoint(*f.signer, "2026-11-26T05:01:00Z").ok());
  // A second checkpoint at the same size returns the stored one.
  auto again = f.log->Checkpoint(*f.signer, "2026-11-26T05:02:00Z");
  REQUIRE(again.ok());
  CHECK(again->time == "2026-11-26T05:01:00Z");
  CHECK(f.log->Entry(12)->object == "deposit:2");
  AuditVerifyReport r = f.Verify();
  CHECK(r.ok());
  CHECK(r.entries == 17);
  CHECK(r.checkpoints == 2);
}

TEST_CASE("audit append joins an enclosing transaction and rolls back with it") {
  Fixture f;
  f.AppendN(2);
  {
    auto tx = Transaction::Begin(f.db);
    REQUIRE(tx.ok());
    REQUIRE(f.log->Append(f.Event(5)).ok());
    CHECK(*f.log->Size() == 3);
  }  // rolled back
  CHECK(*f.log->Size() == 2);
  CHECK(f.Verify().ok());
}

TEST_CASE("audit inclusion and consistency proofs verify against checkpoints") {
  Fixture f;
  f.AppendN(5);
  auto old_cp = f.log->Checkpoint(*f.signer, "2026-11-26T05:00:00Z");
  REQUIRE(old_cp.ok());
  f.AppendN(8);
  auto new_cp = f.log->Checkpoint(*f.signer, "2026-11-26T05:05:00Z");
  REQUIRE(new_cp.ok());
  for (uint64_t i = 0; i < 13; ++i) {
    auto p = f.log->ProveInclusion(i);
    REQUIRE(p.ok());
    CHECK(p->root == new_cp->root);
    CHECK(p->leaf_hash == MerkleLeafHash(AuditLeafData(*f.log->Entry(i))));
    CHECK(VerifyMerkleInclusion(p->index, p->tree_size, p->leaf_hash, p->path, new_cp->root).ok());
  }
  auto c = f.log->ProveConsistency(5, 13);
  REQUIRE(c.ok());
  CHECK(VerifyMerkleConsistency(5, 13, old_cp->root, new_cp->root, *c).ok());
  CHECK(f.log->ProveInclusion(13).status().code() == Code::kInvalidArgument);
}

TEST_CASE("audit verify names an edited entry") {
  Fixture f;
  f.AppendN(20);
  REQUIRE(f.log->Checkpoint(*f.signer, "2026-11-26T05:00:00Z").ok());
  f.DropTriggers();
  f.Sql("UPDATE audit_entries SET outcome = 'failure' WHERE idx = 7;");
  AuditVerifyReport r = f.Verify();
  REQUIRE_FALSE(r.ok());
  CHECK(r.first_bad_index == 7u);
  CHECK(r.problem.find("audit entry 7") != std::string::npos);
  CHECK(r.problem.find("edited") != std::string::npos);
}

TEST_CASE("a reader visiting the verified log sees each entry once, in order, up to the first bad one") {
  Fixture f;
  f.AppendN(12);
  REQUIRE(f.log->Checkpoint(*f.signer, "2026-11-26T05:00:00Z").ok());
  std::vector<uint64_t> seen;
  AuditVerifyOptions opts;
  opts.trusted_keys_pem.push_back(f.signer->PublicKeyPem());
  opts.visit = [&](uint64_t index, const AuditEvent& e) {
    CHECK(e == f.Event(static_cast<int>(index)));
    seen.push_back(index);
    return qoima::Status::Ok();
  };
  auto whole = f.log->Verify(opts);
  REQUIRE(whole.ok());
  CHECK(whole->ok());
  CHECK(seen == std::vector<uint64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});

  // An edited entry is never handed to the reader, and the report says the log is broken.
  f.DropTriggers();
  f.Sql("UPDATE audit_entries SET actor = 'someone' WHERE idx = 5;");
  seen.clear();
  opts.visit = [&](uint64_t index, const AuditEvent&) {
    seen.push_back(index);
    return qoima::Status::Ok();
  };
  auto broken = f.log->Verify(opts);
  REQUIRE(broken.ok());
  CHECK_FALSE(broken->ok());
  CHECK(broken->first_bad_index == 5u);
  CHECK(seen == std::vector<uint64_t>{0, 1, 2, 3, 4});

  // A reader's own failure stops the walk and is returned.
  opts.visit = [](uint64_t index, const AuditEvent&) {
    return index == 2 ? qoima::Status::Internal("reader gave up") : qoima::Status::Ok();
  };
  auto stopped = f.log->Verify(opts);
  REQUIRE_FALSE(stopped.ok());
  CHECK(stopped.status().message() == "reader gave up");
}

TEST_CASE("audit verify names a removed entry") {
  Fixture f;
  f.AppendN(20);
  f.DropTriggers();
  f.Sql("DELETE FROM audit_entries WHERE idx = 4;");
  AuditVerifyReport r = f.Verify();
  REQUIRE_FALSE(r.ok());
  CHECK(r.first_bad_index == 4u);
  CHECK(r.problem.find("audit entry 4 is missing") != std::string::npos);
}

TEST_CASE("audit verify detects reordered entries") {
  Fixture f;
  f.AppendN(20);
  f.DropTriggers();
  // Swap rows 3 and 9 wholesale (contents and stored hashes move together).
  f.Sql(
      "UPDATE audit_entries SET idx = 1000 WHERE idx = 3; UPDATE audit_entries SET idx = 3 WHERE idx = 9;"
      "UPDATE audit_entries SET idx = 9 WHERE idx = 1000;");
  AuditVerifyReport r = f.Verify();
  REQUIRE_FALSE(r.ok());
  CHECK(r.first_bad_index == 3u);
  CHECK(r.problem.find("reordered") != std::string::npos);
}

TEST_CASE("audit verify catches a rewritten history at the signed checkpoint") {
  Fixture f;
  f.AppendN(6);
  REQUIRE(f.log->Checkpoint(*f.signer, "2026-11-26T05:00:00Z").ok());
  f.AppendN(6);
  REQUIRE(f.log->Checkpoint(*f.signer, "2026-11-26T05:01:00Z").ok());
  // An attacker with the database key rewrites entry 8 and recomputes every stored hash.
  f.DropTriggers();
  std::vector<AuditEvent> events = *f.log->Entries(0, 12);
  events[8].actor = "nobody";
  MerkleAccumulator acc;
  for (size_t i = 0; i < events.size(); ++i) {
    Hash leaf = MerkleLeafHash(AuditLeafData(events[i]));
    acc.Append(leaf);
    auto st = f.db.Prepare("UPDATE audit_entries SET actor = ?, leaf_hash = ?, root_after = ? WHERE idx = ?");
    REQUIRE(st.ok());
    Hash root = acc.Root();
    REQUIRE(st->Bind(1, events[i].actor).BindBlob(2, leaf).BindBlob(3, root).Bind(4, int64_t(i)).Run().ok());
  }
  auto st = f.db.Prepare("UPDATE audit_state SET peaks = ? WHERE id = 1");
  REQUIRE(st.ok());
  REQUIRE(st->BindBlob(1, acc.SerializePeaks()).Run().ok());
  AuditVerifyReport r = f.Verify();
  REQUIRE_FALSE(r.ok());
  CHECK(r.first_bad_index == 6u);
  CHECK(r.problem.find("checkpoint at size 12") != std::string::npos);
  CHECK(r.problem.find("rewritten") != std::string::npos);
}

TEST_CASE("audit verify detects entries removed from the end") {
  Fixture f;
  f.AppendN(8);
  REQUIRE(f.log->Checkpoint(*f.signer, "2026-11-26T05:00:00Z").ok());
  f.DropTriggers();
  f.Sql("DELETE FROM audit_entries WHERE idx >= 6;");
  AuditVerifyReport r = f.Verify();
  REQUIRE_FALSE(r.ok());
  CHECK(r.problem.find("removed") != std::string::npos);
}

TEST_CASE("audit verify rejects a forged checkpoint signature and an untrusted key") {
  Fixture f;
  f.AppendN(4);
  REQUIRE(f.log->Checkpoint(*f.signer, "2026-11-26T05:00:00Z").ok());
  SECTION("signature altered") {
    f.Sql("DROP TRIGGER audit_checkpoints_no_update;");
    f.Sql("UPDATE audit_checkpoints SET time = '2026-11-26T06:00:00Z';");
    AuditVerifyReport r = f.Verify();
    REQUIRE_FALSE(r.ok());
    CHECK(r.problem.find("signature does not verify") != std::string::npos);
  }
  SECTION("checkpoint signed by another key") {
    auto other = qoima::crypto::SoftwareSigner::Generate("intruder");
    REQUIRE(other.ok());
    AuditVerifyOptions opts;
    opts.trusted_keys_pem.push_back((*other)->PublicKeyPem());
    auto r = f.log->Verify(opts);
    REQUIRE(r.ok());
    REQUIRE_FALSE(r->ok());
    CHECK(r->problem.find("untrusted key") != std::string::npos);
  }
}

TEST_CASE("audit log matches the worked example of docs/storage.md") {
  // The same three events and hashes as the shell example in docs/storage.md.
  Fixture f;
  REQUIRE(f.log->Append({"2026-11-26T09:00:00Z", "aigerim", "clerk", "session.start", "session", "success", ""}).ok());
  REQUIRE(f.log
              ->Append({"2026-11-26T09:05:00Z", "aigerim", "clerk", "deposit.commit", "deposit:1", "success",
                        "accepted per act 17"})
              .ok());
  REQUIRE(f.log
              ->Append({"2026-11-26T09:10:00Z", "daniyar", "auditor", "file.read", "deposit:1/file:2", "success",
                        "owner request of 2026-11-20"})
              .ok());
  auto p = f.log->ProveInclusion(2);
  REQUIRE(p.ok());
  CHECK(qoima::crypto::Hex(p->leaf_hash) == "3bd0f71de005ee140f22b32b874afab744c44f9fc646026906f45d86fc94fa07");
  REQUIRE(p->path.size() == 1);
  CHECK(qoima::crypto::Hex(p->path[0]) == "ae00de39b99cfe79b5071d1f9c0a00f430e829064503a3effca3834208df6a19");
  CHECK(qoima::crypto::Hex(*f.log->Root()) == "9bed27be04bf6a91a5e3ad616fb0d9b8d0ae8fba41c495add82a9e91ada3d971");
  CHECK(qoima::crypto::Hex(*f.log->RootAt(1)) == "9b065ec54573c671d83edc0f05cf662428c860885ace26a9f0ebdbb00eefa349");
  auto c = f.log->ProveConsistency(2, 3);
  REQUIRE(c.ok());
  REQUIRE(c->size() == 1);
  CHECK(qoima::crypto::Hex((*c)[0]) == "3bd0f71de005ee140f22b32b874afab744c44f9fc646026906f45d86fc94fa07");
  CHECK(CheckpointText(3, *f.log->Root(), "2026-11-26T09:15:00Z") ==
        "qoima-audit-checkpoint-v1\n3\n9bed27be04bf6a91a5e3ad616fb0d9b8d0ae8fba41c495add82a9e91ada3d971\n"
        "2026-11-26T09:15:00Z\n");
}
