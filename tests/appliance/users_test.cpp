#include <catch2/catch.hpp>

#include "appliance/authenticator.h"
#include "appliance/password_hasher.h"
#include "appliance/print/document_kinds.h"
#include "appliance/role.h"
#include "storage/clock.h"

using namespace qoima;
using namespace qoima::appliance;

TEST_CASE("roles grant exactly their duties") {
  CHECK(RoleHas(Role::kClerk, Permission::kIntake));
  CHECK(RoleHas(Role::kClerk, Permission::kDecide));
  CHECK_FALSE(RoleHas(Role::kClerk, Permission::kUserAdmin));
  CHECK_FALSE(RoleHas(Role::kClerk, Permission::kApproveSensitive));
  CHECK(RoleHas(Role::kSecurityOfficer, Permission::kApproveSensitive));
  CHECK_FALSE(RoleHas(Role::kSecurityOfficer, Permission::kDecide));
  for (auto p : {Permission::kApplicationWrite, Permission::kIntake, Permission::kDecide, Permission::kUserAdmin,
                 Permission::kSystemSetup, Permission::kRequestSensitive, Permission::kApproveSensitive})
    CHECK_FALSE(RoleHas(Role::kAuditor, p));
  CHECK(RoleHas(Role::kAuditor, Permission::kVerify));
  CHECK(RoleHas(Role::kAdmin, Permission::kUserAdmin));
  CHECK_FALSE(RoleHas(Role::kAdmin, Permission::kReadRecords));
  Status s = Require({7, "aigerim", Role::kAuditor}, Permission::kDecide);
  CHECK(s.code() == Code::kPermissionDenied);
  CHECK(s.message() == "user 'aigerim' (auditor) may not decide");
  CHECK(ParseRole("security_officer") == Role::kSecurityOfficer);
  CHECK_FALSE(ParseRole("root"));
}

TEST_CASE("lifecycle records and reference imports follow the role table") {
  for (Role r : {Role::kClerk, Role::kSecurityOfficer}) CHECK(RoleHas(r, Permission::kLifecycleRecord));
  for (Role r : {Role::kAuditor, Role::kAdmin}) CHECK_FALSE(RoleHas(r, Permission::kLifecycleRecord));
  for (Role r : {Role::kClerk, Role::kSecurityOfficer, Role::kAdmin}) CHECK(RoleHas(r, Permission::kReferenceImport));
  CHECK_FALSE(RoleHas(Role::kAuditor, Permission::kReferenceImport));
  // The access register: who had access to a deposit (auditor and security officer only).
  for (Role r : {Role::kAuditor, Role::kSecurityOfficer}) CHECK(RoleHas(r, Permission::kAccessRegister));
  for (Role r : {Role::kClerk, Role::kAdmin}) CHECK_FALSE(RoleHas(r, Permission::kAccessRegister));
  for (Role r : {Role::kClerk, Role::kSecurityOfficer, Role::kAuditor, Role::kAdmin})
    CHECK(MayPrint(r, DocumentKind::kAccessRegister) == RoleHas(r, Permission::kAccessRegister));
  CHECK(RequireNamedRole("so1", "security_officer", Permission::kApproveSensitive, "approve").ok());
  Status s = RequireNamedRole("aud1", "auditor", Permission::kLifecycleRecord, "record a sent notice");
  CHECK(s.code() == Code::kPermissionDenied);
  CHECK(s.message() == "record a sent notice: the role 'auditor' may not do this (needs lifecycle_record)");
  // Only a role's exact name counts (not the CLI's aliases), and only a logged-in user.
  CHECK_FALSE(RequireNamedRole("so1", "officer", Permission::kApproveSensitive, "approve").ok());
  CHECK(RequireNamedRole("", "security_officer", Permission::kApproveSensitive, "approve").message() ==
        "approve: no user is logged in");
}

TEST_CASE("Argon2id hashes verify and carry their parameters") {
  PasswordHasher h(kArgon2TestOnly);
  auto enc = h.Hash("дұрыс құпиясөз");
  REQUIRE(enc.ok());
  CHECK(enc->rfind("$argon2id$v=19$", 0) == 0);
  CHECK(h.Verify(*enc, "дұрыс құпиясөз").ok());
  CHECK(h.Verify(*enc, "wrong password").code() == Code::kAuthFailed);
  CHECK(h.Verify("$2y$10$bcrypt", "x").code() == Code::kCorrupt);
  CHECK_FALSE(h.NeedsRehash(*enc));
  CHECK(PasswordHasher(kArgon2Production).NeedsRehash(*enc));
  auto again = h.Hash("дұрыс құпиясөз");
  REQUIRE(again.ok());
  CHECK(*again != *enc);  // random salt
}

TEST_CASE("password policy and usernames") {
  CHECK(CheckPasswordPolicy("clerk1", "short").code() == Code::kInvalidArgument);
  CHECK(CheckPasswordPolicy("clerk1", "aaaaaaaaaaaa").code() == Code::kInvalidArgument);
  CHECK(CheckPasswordPolicy("clerk1-long", "clerk1-long").code() == Code::kInvalidArgument);
  CHECK(CheckPasswordPolicy("clerk1", "қойма-құпия-сөз").ok());
  CHECK(CheckUsername("aigerim.s").ok());
  CHECK_FALSE(CheckUsername("Root").ok());
  CHECK_FALSE(CheckUsername("a b").ok());
  CHECK_FALSE(CheckUsername("ab").ok());
}

TEST_CASE("lockout after repeated failures, expiring with the injected clock") {
  storage::ManualClock clock(1'800'000'000);
  PasswordHasher h(kArgon2TestOnly);
  Authenticator auth(clock, h);
  UserRecord u;
  u.username = "clerk1";
  u.password_hash = *h.Hash("correct horse battery");
  for (int i = 1; i < kMaxFailedLogins; ++i) {
    Status s = auth.Authenticate(u, "nope");
    CHECK(s.code() == Code::kAuthFailed);
    CHECK(u.failed_logins == i);
    CHECK_FALSE(auth.IsLocked(u));
  }
  Status last = auth.Authenticate(u, "nope");
  CHECK(last.code() == Code::kAuthFailed);
  CHECK(last.message().find("now locked") != std::string::npos);
  CHECK(auth.IsLocked(u));
  // Even the right password is refused while locked.
  Status locked = auth.Authenticate(u, "correct horse battery");
  CHECK(locked.code() == Code::kLockout);
  clock.Advance(kLockoutSeconds - 1);
  CHECK(auth.Authenticate(u, "correct horse battery").code() == Code::kLockout);
  clock.Advance(1);
  CHECK(auth.Authenticate(u, "correct horse battery").ok());
  CHECK(u.failed_logins == 0);
  CHECK(u.last_login == clock.NowUnix());
}

TEST_CASE("a success resets the counter - unlock and disable work") {
  storage::ManualClock clock(1'800'000'000);
  PasswordHasher h(kArgon2TestOnly);
  Authenticator auth(clock, h);
  UserRecord u;
  u.username = "officer";
  u.password_hash = *h.Hash("correct horse battery");
  CHECK(auth.Authenticate(u, "x").code() == Code::kAuthFailed);
  CHECK(auth.Authenticate(u, "correct horse battery").ok());
  CHECK(u.failed_logins == 0);
  for (int i = 0; i < kMaxFailedLogins; ++i) (void)auth.Authenticate(u, "x");
  CHECK(auth.IsLocked(u));
  Authenticator::Unlock(u);
  CHECK(auth.Authenticate(u, "correct horse battery").ok());
  u.disabled = true;
  CHECK(auth.Authenticate(u, "correct horse battery").code() == Code::kPermissionDenied);
}

TEST_CASE("a refused login is told one thing and the reason is kept for the audit log") {
  CHECK(LoginRefused().code() == Code::kAuthFailed);
  CHECK(LoginRefused().message() == "wrong username or password");
  storage::ManualClock clock(1'800'000'000);
  PasswordHasher h(kArgon2TestOnly);
  Authenticator auth(clock, h);
  UserRecord u;
  u.username = "officer";
  u.password_hash = *h.Hash("correct horse battery");
  for (int i = 0; i < kMaxFailedLogins; ++i) (void)auth.Authenticate(u, "x");
  // The reasons differ (for the audit log) and say whether the password was right.
  Status locked_right = auth.Authenticate(u, "correct horse battery");
  CHECK(locked_right.code() == Code::kLockout);
  CHECK(locked_right.message().find("(the password was right)") != std::string::npos);
  Status locked_wrong = auth.Authenticate(u, "x");
  CHECK(locked_wrong.code() == Code::kLockout);
  CHECK(locked_wrong.message().find("the password was right") == std::string::npos);
  u.disabled = true;
  Status disabled = auth.Authenticate(u, "x");
  CHECK(disabled.code() == Code::kPermissionDenied);
  CHECK(disabled.message() == "account 'officer' is disabled");
}
