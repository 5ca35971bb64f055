// Role and Permission: who may do what on the appliance. The rule table lives
// here, in appliance/, so the CLI and the kiosk cannot disagree: every
// appliance operation asks Require(actor, permission) before it acts.
//
//   clerk            applications, intake, accept/refuse, print acts, lifecycle records
//   security officer key custody, export/destruction/recovery requests and
//                    approvals (two-person), issue/return hand-overs,
//                    lifecycle records, approves changes to privileged
//                    accounts, reads the audit log; administers no account
//   auditor          reads everything, verifies the store and the audit log,
//                    reads the deposits' access registers; changes nothing
//   admin            clerk and auditor accounts, asks for changes to
//                    privileged accounts, appliance set-up (calendar,
//                    register snapshot, printer); no access to deposit
//                    content, approves nothing
//
// Separation of duties (docs/security.md, "One officer acting alone"): the
// person who administers accounts never approves, and an account that can
// approve (a security officer) or administer (an admin) is "privileged": it
// is created, enabled, disabled, re-roled or given a password by someone else
// only through a second security officer's approval (UserChangeRuleFor). Each
// person may always set their own password.
//
// Thread-safety: immutable data and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "appliance/vocabulary.h"
#include "common/status.h"

namespace qoima::appliance {

enum class Permission {
  kApplicationWrite,   // register applications, journal entries, NDA records
  kIntake,             // read media against an act
  kDecide,             // accept or refuse a deposit
  kActPrint,           // print / render acts
  kReadRecords,        // see applications, deposits, decisions
  kReadAudit,          // read the audit log
  kVerify,             // verify-store, audit verify
  kUserAdmin,          // clerk and auditor accounts: create, password, disable, enable; unlock anyone
  kListUsers,          // see the list of accounts
  kRequestUserChange,  // ask for a change to a privileged account (a second officer approves)
  kApproveUserChange,  // approve or reject someone else's request to change a privileged account
  kOwnPassword,        // set one's own password
  kSystemSetup,        // calendar, register snapshot, settings
  kRequestSensitive,   // request export, destruction, recovery
  kApproveSensitive,   // approve someone else's sensitive request
  kLifecycleRecord,    // record what happens after intake: security-test outcomes, issue/return/destruction
                       // cases, notices sent, the half-year report
  kReferenceImport,    // import the working-day calendar and the trusted-register snapshot
  kAccessRegister,     // read and print a deposit's access register (who read, exported, printed, issued it)
  kTestReportRead,     // read a security test's report files sealed with the version (audited)
};

std::string_view RoleName(Role r);  // "clerk", "security_officer", "auditor", "admin"
std::optional<Role> ParseRole(std::string_view name);
std::string_view PermissionName(Permission p);
bool RoleHas(Role role, Permission permission);

/// A security officer or an admin: an account that approves or administers.
/// Changes to such an account by anyone else need a second officer.
bool IsPrivileged(Role role);

/// How an account holding (or about to hold) `account` may be created,
/// enabled, disabled, re-roled or given a new password by someone in role
/// `actor` (not by its owner: see kOwnPassword).
enum class UserChangeRule {
  kRefused,        // this role may not change such an account at all
  kDirect,         // done at once, audited
  kSecondOfficer,  // recorded as a request; done when a second security officer approves
};
std::string_view UserChangeRuleName(UserChangeRule rule);
/// The table: kDirect when `actor` administers users and `account` is not
/// privileged; kSecondOfficer when `actor` may request user changes and
/// `account` is privileged; kRefused otherwise. A re-role is judged by the
/// stricter of the old and the new role.
UserChangeRule UserChangeRuleFor(Role actor, Role account);

/// Commissioning: until kCommissioningOfficers security officers have ever
/// been seated (created as or re-roled to security officer) there is no
/// second officer to approve, so an admin seats them directly (audited as
/// commissioning). Never again after that, even when officers leave: then a
/// remaining officer approves, or the recovery shares stand in (break-glass).
inline constexpr int64_t kCommissioningOfficers = 2;
bool MaySeatCommissioningOfficer(Role actor, int64_t officers_ever_seated);

/// The authenticated person behind an action; every audited event carries it.
struct Actor {
  int64_t user_id = 0;
  std::string username;
  Role role = Role::kClerk;
};

/// OK when `actor`'s role grants `permission`; otherwise PermissionDenied
/// naming the user, the role and what was refused.
Status Require(const Actor& actor, Permission permission);

/// The same table for an actor known by login and role name (the
/// lifecycle's LifecycleActor). OK when `role_name` is a role's exact name
/// and it grants `permission`; otherwise PermissionDenied "<what>: the role
/// '<role>' may not do this (needs <permission>)", or "<what>: no user is
/// logged in" when `login` is empty.
Status RequireNamedRole(std::string_view login, std::string_view role_name, Permission permission,
                        std::string_view what);

}  // namespace qoima::appliance
