// The independence rule of an approval's two persons (person_independence.h)
// and the role table's rule for changes to accounts (role.h).
#include <catch2/catch.hpp>

#include <vector>

#include "appliance/civil_time.h"
#include "appliance/person_independence.h"
#include "appliance/role.h"

using namespace qoima;
using namespace qoima::appliance;

namespace {

constexpr int64_t kNow = 1'800'000'000;
constexpr int64_t kDay = 86400;
const Person kAlice{1, "alice"};
const Person kBob{2, "bob"};
const Person kCarol{3, "carol"};

UserChange Change(UserChangeKind kind, const Person& account, int64_t requested_by, int64_t approved_by, int64_t at,
                  bool break_glass = false) {
  UserChange c;
  c.kind = kind;
  c.user_id = account.user_id;
  c.login = account.login;
  c.requested_by = requested_by;
  c.approved_by = approved_by;
  c.break_glass = break_glass;
  c.at = at;
  return c;
}

}  // namespace

TEST_CASE("independence: two different accounts with no history between them are independent") {
  CHECK(CheckIndependence({}, kAlice, kBob, kNow).ok());
  std::vector<UserChange> unrelated = {Change(UserChangeKind::kCreate, kCarol, kAlice.user_id, 0, kNow - kDay),
                                       Change(UserChangeKind::kPassword, kAlice, kCarol.user_id, 0, kNow - kDay),
                                       Change(UserChangeKind::kCreate, kBob, 0, 0, kNow - kDay)};  // the system
  CHECK(CheckIndependence(unrelated, kAlice, kBob, kNow).ok());
}

TEST_CASE("independence: one account is never two persons") {
  Status s = CheckIndependence({}, kAlice, Person{1, "alice"}, kNow);
  CHECK(s.code() == Code::kPermissionDenied);
  CHECK(s.message() == "'alice' cannot be both persons of a two-person approval");
}

TEST_CASE("independence: an account its maker created is bound to the maker for the window either way round") {
  std::vector<UserChange> made = {Change(UserChangeKind::kCreate, kBob, kAlice.user_id, 0, kNow - 2 * kDay)};
  Status s = CheckIndependence(made, kAlice, kBob, kNow);
  CHECK(s.code() == Code::kPermissionDenied);
  CHECK(s.message().find("'alice' and 'bob' are not two independent persons: 'alice' carried out the creation of "
                         "'bob' on " +
                         FormatUtc(kNow - 2 * kDay)) == 0);
  CHECK(s.message().find("in the last 30 days (until " + FormatUtc(kNow - 2 * kDay + kIndependenceWindowSeconds) +
                         ")") != std::string::npos);
  Status reversed = CheckIndependence(made, kBob, kAlice, kNow);
  CHECK(reversed.code() == Code::kPermissionDenied);
  CHECK(reversed.message().find("'alice' carried out the creation of 'bob'") != std::string::npos);
  // The window is closed at its start: a change exactly the window ago still binds, one second more does not.
  CHECK_FALSE(CheckIndependence(made, kAlice, kBob, kNow - 2 * kDay + kIndependenceWindowSeconds).ok());
  CHECK(CheckIndependence(made, kAlice, kBob, kNow - 2 * kDay + kIndependenceWindowSeconds + 1).ok());
  // A change dated after `now` (a clock set back) binds all the same.
  CHECK_FALSE(CheckIndependence(made, kAlice, kBob, kNow - 3 * kDay).ok());
}

TEST_CASE("independence: asking for and approving and break-glass all bind") {
  std::vector<UserChange> asked = {Change(UserChangeKind::kCreate, kBob, kAlice.user_id, kCarol.user_id, kNow - kDay)};
  Status by_requester = CheckIndependence(asked, kAlice, kBob, kNow);
  CHECK(by_requester.message().find("'alice' asked for the creation of 'bob'") != std::string::npos);
  Status by_approver = CheckIndependence(asked, kCarol, kBob, kNow);
  CHECK(by_approver.message().find("'carol' approved the creation of 'bob'") != std::string::npos);
  CHECK(CheckIndependence(asked, kAlice, kCarol, kNow).ok());  // requester and approver stay two persons
  std::vector<UserChange> glass = {
      Change(UserChangeKind::kPassword, kBob, kAlice.user_id, 0, kNow - kDay, /*break_glass=*/true)};
  Status by_glass = CheckIndependence(glass, kAlice, kBob, kNow);
  CHECK(by_glass.message().find("'alice' asked for the new password of 'bob'") != std::string::npos);
}

TEST_CASE("independence: a puppet's puppet is bound to its first maker") {
  // alice asks for an admin account x (carol approves); x asks for an officer
  // account bob (carol approves again). alice never touched bob's account.
  const Person kX{4, "x"};
  std::vector<UserChange> h = {Change(UserChangeKind::kCreate, kX, kAlice.user_id, kCarol.user_id, kNow - 9 * kDay),
                               Change(UserChangeKind::kCreate, kBob, kX.user_id, kCarol.user_id, kNow - 2 * kDay)};
  h[1].requested_by_login = "x";
  Status s = CheckIndependence(h, kAlice, kBob, kNow);
  CHECK(s.code() == Code::kPermissionDenied);
  CHECK(s.message().find("'alice' asked for the creation of 'x' on " + FormatUtc(kNow - 9 * kDay) +
                         "; then 'x' asked for the creation of 'bob' on " + FormatUtc(kNow - 2 * kDay)) !=
        std::string::npos);
  // The chain lapses with its oldest link.
  CHECK(s.message().find("until " + FormatUtc(kNow - 9 * kDay + kIndependenceWindowSeconds)) != std::string::npos);
  CHECK(CheckIndependence(h, kBob, kAlice, kNow).code() == Code::kPermissionDenied);
  CHECK(CheckIndependence(h, kAlice, kBob, kNow - 9 * kDay + kIndependenceWindowSeconds + 1).ok());
  // Two accounts made by the same third person are not made by each other.
  std::vector<UserChange> siblings = {Change(UserChangeKind::kCreate, kAlice, kCarol.user_id, 0, kNow - kDay),
                                      Change(UserChangeKind::kCreate, kBob, kCarol.user_id, 0, kNow - kDay)};
  CHECK(CheckIndependence(siblings, kAlice, kBob, kNow).ok());
  // One's own new password binds nobody.
  std::vector<UserChange> own = {Change(UserChangeKind::kPassword, kBob, kBob.user_id, 0, kNow - kDay)};
  CHECK(CheckIndependence(own, kAlice, kBob, kNow).ok());
}

TEST_CASE("independence: create and enable and role and password bind but disable and unlock do not") {
  for (auto kind :
       {UserChangeKind::kCreate, UserChangeKind::kEnable, UserChangeKind::kRole, UserChangeKind::kPassword}) {
    INFO(UserChangeKindName(kind));
    CHECK(BindsMakers(kind));
    std::vector<UserChange> h = {Change(kind, kBob, kAlice.user_id, 0, kNow - kDay)};
    CHECK(CheckIndependence(h, kAlice, kBob, kNow).code() == Code::kPermissionDenied);
  }
  for (auto kind : {UserChangeKind::kDisable, UserChangeKind::kUnlock}) {
    INFO(UserChangeKindName(kind));
    CHECK_FALSE(BindsMakers(kind));
    std::vector<UserChange> h = {Change(kind, kBob, kAlice.user_id, 0, kNow - kDay)};
    CHECK(CheckIndependence(h, kAlice, kBob, kNow).ok());
  }
}

TEST_CASE("independence: the newest binding change says when the two are free again") {
  std::vector<UserChange> h = {Change(UserChangeKind::kCreate, kBob, kAlice.user_id, 0, kNow - 20 * kDay),
                               Change(UserChangeKind::kPassword, kBob, kAlice.user_id, 0, kNow - 3 * kDay),
                               Change(UserChangeKind::kRole, kBob, kAlice.user_id, 0, kNow - 10 * kDay)};
  Status s = CheckIndependence(h, kAlice, kBob, kNow);
  CHECK(s.message().find("the new password of 'bob' on " + FormatUtc(kNow - 3 * kDay)) != std::string::npos);
  CHECK(s.message().find("until " + FormatUtc(kNow - 3 * kDay + kIndependenceWindowSeconds)) != std::string::npos);
}

TEST_CASE("independence: change kinds round-trip through their stored names") {
  for (auto kind : {UserChangeKind::kCreate, UserChangeKind::kEnable, UserChangeKind::kDisable, UserChangeKind::kRole,
                    UserChangeKind::kPassword, UserChangeKind::kUnlock})
    CHECK(ParseUserChangeKind(UserChangeKindName(kind)) == kind);
  CHECK_FALSE(ParseUserChangeKind("delete"));
}

TEST_CASE("role table: who may change which account and how") {
  using R = Role;
  using U = UserChangeRule;
  // The admin manages clerks and auditors directly; a privileged account only
  // through a second officer.
  CHECK(UserChangeRuleFor(R::kAdmin, R::kClerk) == U::kDirect);
  CHECK(UserChangeRuleFor(R::kAdmin, R::kAuditor) == U::kDirect);
  CHECK(UserChangeRuleFor(R::kAdmin, R::kSecurityOfficer) == U::kSecondOfficer);
  CHECK(UserChangeRuleFor(R::kAdmin, R::kAdmin) == U::kSecondOfficer);
  // An officer administers no account, but may ask for a change to a privileged one.
  CHECK(UserChangeRuleFor(R::kSecurityOfficer, R::kClerk) == U::kRefused);
  CHECK(UserChangeRuleFor(R::kSecurityOfficer, R::kAuditor) == U::kRefused);
  CHECK(UserChangeRuleFor(R::kSecurityOfficer, R::kSecurityOfficer) == U::kSecondOfficer);
  CHECK(UserChangeRuleFor(R::kSecurityOfficer, R::kAdmin) == U::kSecondOfficer);
  for (R actor : {R::kClerk, R::kAuditor})
    for (R account : {R::kClerk, R::kSecurityOfficer, R::kAuditor, R::kAdmin})
      CHECK(UserChangeRuleFor(actor, account) == U::kRefused);
  // The one who administers never approves; the one who approves never administers.
  CHECK_FALSE(RoleHas(R::kAdmin, Permission::kApproveUserChange));
  CHECK_FALSE(RoleHas(R::kAdmin, Permission::kApproveSensitive));
  CHECK_FALSE(RoleHas(R::kAdmin, Permission::kRequestSensitive));
  CHECK_FALSE(RoleHas(R::kSecurityOfficer, Permission::kUserAdmin));
  CHECK(RoleHas(R::kSecurityOfficer, Permission::kApproveUserChange));
  for (R r : {R::kClerk, R::kSecurityOfficer, R::kAuditor, R::kAdmin}) CHECK(RoleHas(r, Permission::kOwnPassword));
  CHECK(IsPrivileged(R::kSecurityOfficer));
  CHECK(IsPrivileged(R::kAdmin));
  CHECK_FALSE(IsPrivileged(R::kClerk));
  CHECK_FALSE(IsPrivileged(R::kAuditor));
  // Commissioning: the admin seats the first two officers, and never more.
  CHECK(MaySeatCommissioningOfficer(R::kAdmin, 0));
  CHECK(MaySeatCommissioningOfficer(R::kAdmin, 1));
  CHECK_FALSE(MaySeatCommissioningOfficer(R::kAdmin, 2));
  CHECK_FALSE(MaySeatCommissioningOfficer(R::kSecurityOfficer, 0));
}
