// ApprovalRepository on a real SQLCipher database migrated to the latest
// schema: round trips of every state, the stale-update guard, and rows the
// lifecycle writes without the migration-5 columns.
#include <catch2/catch.hpp>

#include <array>

#include "appliance/approval_repository.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "tests/fixtures/temp_dir.h"

using namespace qoima;
using namespace qoima::appliance;

namespace {

constexpr int64_t kNow = 1795000000;  // 2026-11-18T...Z

struct Db {
  testing::TempDir dir;
  storage::Database db;
  Actor officer1{1, "officer1", Role::kSecurityOfficer};
  Actor officer2{2, "officer2", Role::kSecurityOfficer};

  Db() {
    std::array<uint8_t, 32> key{};
    key.fill(3);
    auto d = storage::Database::Open(dir.Sub("meta.db"), key);
    REQUIRE(d.ok());
    db = std::move(d).value();
    REQUIRE(storage::ApplyMigrations(db, "2026-11-26T00:00:00Z").ok());
    REQUIRE(db.Exec("INSERT INTO users(id, login, surname, given_name, password_hash, created_at) VALUES "
                    "(1, 'officer1', 'A', 'B', 'x', '2026-01-01T00:00:00Z'), "
                    "(2, 'officer2', 'C', 'D', 'x', '2026-01-01T00:00:00Z')")
                .ok());
  }
};

}  // namespace

TEST_CASE("approval requests round-trip through the approvals and approval_votes tables") {
  Db t;
  ApprovalRepository repo(t.db);
  auto r = RequestApproval(t.officer1, SensitiveAction::kExport, "deposit:7", "return to the owner", kNow);
  REQUIRE(r.ok());
  auto id = repo.Insert(*r);
  REQUIRE(id.ok());
  auto loaded = repo.Load(*id);
  REQUIRE(loaded.ok());
  CHECK(loaded->state == ApprovalState::kPending);
  CHECK(loaded->object == "deposit:7");
  CHECK(loaded->reason == "return to the owner");
  CHECK(loaded->requested_by_name == "officer1");
  CHECK(loaded->created_at == kNow);
  CHECK(loaded->expires_at == kNow + 24 * 3600);

  ApprovalRequest a = *loaded;
  REQUIRE(Approve(a, t.officer2, kNow + 60).ok());
  REQUIRE(repo.Update(a, ApprovalState::kPending).ok());
  // A second writer holding the old (pending) copy is refused.
  ApprovalRequest stale = *loaded;
  REQUIRE(Reject(stale, t.officer2, "changed my mind", kNow + 61).ok());
  CHECK(repo.Update(stale, ApprovalState::kPending).code() == Code::kFailedPrecondition);

  auto approved = repo.Load(*id);
  REQUIRE(approved.ok());
  CHECK(approved->state == ApprovalState::kApproved);
  REQUIRE(approved->approvals.size() == 1);
  CHECK(approved->approvals[0].username == "officer2");
  CHECK(approved->approvals[0].at == kNow + 60);
  CHECK(*t.db.QueryInt("SELECT approved_by FROM approvals WHERE id = " + std::to_string(*id)) == 2);

  REQUIRE(MarkExecuted(*approved, t.officer1, kNow + 120).ok());
  REQUIRE(repo.Update(*approved, ApprovalState::kApproved).ok());
  auto used = repo.Load(*id);
  REQUIRE(used.ok());
  CHECK(used->state == ApprovalState::kExecuted);
  CHECK(*t.db.QueryText("SELECT state FROM approvals WHERE id = " + std::to_string(*id)) == "used");
  CHECK(used->closed_at == kNow + 120);
  CHECK(used->decided_by == 1);

  auto pending = repo.List(ApprovalListFilter::kPending);
  REQUIRE(pending.ok());
  CHECK(pending->empty());
  auto all = repo.List(ApprovalListFilter::kAll);
  REQUIRE(all.ok());
  CHECK(all->size() == 1);
}

TEST_CASE("a withdrawn request is stored as rejected with withdrawn = 1 and reads back as cancelled") {
  Db t;
  ApprovalRepository repo(t.db);
  auto r = RequestApproval(t.officer1, SensitiveAction::kExport, "deposit:7", "by mistake", kNow);
  REQUIRE(r.ok());
  r->id = repo.Insert(*r).value();
  REQUIRE(Cancel(*r, t.officer1, kNow + 5).ok());
  r->note = "withdrawn by the requester";
  REQUIRE(repo.Update(*r, ApprovalState::kPending).ok());
  CHECK(*t.db.QueryText("SELECT state FROM approvals") == "rejected");
  CHECK(*t.db.QueryInt("SELECT withdrawn FROM approvals") == 1);
  auto back = repo.Load(r->id);
  REQUIRE(back.ok());
  CHECK(back->state == ApprovalState::kCancelled);
  CHECK(back->note == "withdrawn by the requester");
}

TEST_CASE("a destruction approval written by the lifecycle without reason or expiry loads and never lapses") {
  Db t;
  REQUIRE(t.db.Exec("INSERT INTO approvals(action, target, requested_by, requested_at, approved_by, approved_at, "
                    "state) VALUES('destroy', 'object:3', 1, '2026-11-20T10:00:00Z', 2, '2026-11-20T11:00:00Z', "
                    "'approved')")
              .ok());
  REQUIRE(t.db.Exec("INSERT INTO approvals(action, target, requested_by, requested_at, state) VALUES('issue', "
                    "'object:3', 1, '2026-11-20T10:00:00Z', 'requested')")
              .ok());
  ApprovalRepository repo(t.db);
  auto r = repo.Load(1);
  REQUIRE(r.ok());
  CHECK(r->action == SensitiveAction::kDestruction);
  CHECK(r->state == ApprovalState::kApproved);
  CHECK(r->expires_at == kNeverExpires);
  CHECK(EffectiveState(*r, kNow + 365 * 24 * 3600) == ApprovalState::kApproved);
  REQUIRE(r->approvals.size() == 1);
  CHECK(r->approvals[0].username == "officer2");
  CHECK(repo.Load(2).status().code() == Code::kUnsupported);
  CHECK(repo.Load(99).status().code() == Code::kNotFound);
  auto all = repo.List(ApprovalListFilter::kAll);
  REQUIRE(all.ok());
  CHECK(all->size() == 1);  // the 'issue' row is not one of ours
}

TEST_CASE("export objects parse only as deposit:<digits>") {
  CHECK(ExportDepositId("deposit:17") == 17);
  CHECK(ExportDepositId("deposit 17") == 17);
  CHECK_FALSE(ExportDepositId("deposit:").has_value());
  CHECK_FALSE(ExportDepositId("deposit:1x").has_value());
  CHECK_FALSE(ExportDepositId("object:17").has_value());
  CHECK_FALSE(ExportDepositId("deposit:-1").has_value());
}
