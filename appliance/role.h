// Role and Permission: who may do what on the appliance. The rule table lives
// here, in appliance/, so the CLI and the kiosk cannot disagree: every
// appliance operation asks Require(actor, permission) before it acts.
//
//   clerk            applications, intake, accept/refuse, print acts
//   security officer users, key custody, export/destruction/recovery requests
//                    and approvals (two-person), reads the audit log
//   auditor          reads everything, verifies the store and the audit log;
//                    changes nothing
//   admin            users and appliance set-up (calendar, register
//                    snapshot); no access to deposit content
//
// Thread-safety: immutable data and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace qoima::appliance {

enum class Role { kClerk, kSecurityOfficer, kAuditor, kAdmin };

enum class Permission {
  kApplicationWrite,  // register applications, journal entries, NDA records
  kIntake,            // read media against an act
  kDecide,            // accept or refuse a deposit
  kActPrint,          // print / render acts
  kReadRecords,       // see applications, deposits, decisions
  kReadAudit,         // read the audit log
  kVerify,            // verify-store, audit verify
  kUserAdmin,         // create users, reset passwords, unlock, disable
  kSystemSetup,       // calendar, register snapshot, settings
  kRequestSensitive,  // request export, destruction, recovery
  kApproveSensitive,  // approve someone else's sensitive request
};

std::string_view RoleName(Role r);  // "clerk", "security_officer", "auditor", "admin"
std::optional<Role> ParseRole(std::string_view name);
std::string_view PermissionName(Permission p);
bool RoleHas(Role role, Permission permission);

/// The authenticated person behind an action; every audited event carries it.
struct Actor {
  int64_t user_id = 0;
  std::string username;
  Role role = Role::kClerk;
};

/// OK when `actor`'s role grants `permission`; otherwise PermissionDenied
/// naming the user, the role and what was refused.
Status Require(const Actor& actor, Permission permission);

}  // namespace qoima::appliance
