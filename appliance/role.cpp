#include "appliance/role.h"

namespace qoima::appliance {

std::string_view RoleName(Role r) {
  switch (r) {
    case Role::kClerk: return "clerk";
    case Role::kSecurityOfficer: return "security_officer";
    case Role::kAuditor: return "auditor";
    case Role::kAdmin: return "admin";
  }
  return "?";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role r : {Role::kClerk, Role::kSecurityOfficer, Role::kAuditor, Role::kAdmin})
    if (RoleName(r) == name) return r;
  if (name == "officer" || name == "security-officer") return Role::kSecurityOfficer;
  return std::nullopt;
}

std::string_view PermissionName(Permission p) {
  switch (p) {
    case Permission::kApplicationWrite: return "application_write";
    case Permission::kIntake: return "intake";
    case Permission::kDecide: return "decide";
    case Permission::kActPrint: return "act_print";
    case Permission::kReadRecords: return "read_records";
    case Permission::kReadAudit: return "read_audit";
    case Permission::kVerify: return "verify";
    case Permission::kUserAdmin: return "user_admin";
    case Permission::kSystemSetup: return "system_setup";
    case Permission::kRequestSensitive: return "request_sensitive";
    case Permission::kApproveSensitive: return "approve_sensitive";
  }
  return "?";
}

bool RoleHas(Role role, Permission p) {
  using P = Permission;
  switch (role) {
    case Role::kClerk:
      return p == P::kApplicationWrite || p == P::kIntake || p == P::kDecide || p == P::kActPrint ||
             p == P::kReadRecords;
    case Role::kSecurityOfficer:
      return p == P::kUserAdmin || p == P::kRequestSensitive || p == P::kApproveSensitive || p == P::kReadRecords ||
             p == P::kReadAudit || p == P::kVerify || p == P::kActPrint;
    case Role::kAuditor: return p == P::kReadRecords || p == P::kReadAudit || p == P::kVerify || p == P::kActPrint;
    case Role::kAdmin: return p == P::kUserAdmin || p == P::kSystemSetup || p == P::kVerify || p == P::kReadAudit;
  }
  return false;
}

Status Require(const Actor& actor, Permission permission) {
  if (RoleHas(actor.role, permission)) return Status::Ok();
  return Status::PermissionDenied("user '" + actor.username + "' (" + std::string(RoleName(actor.role)) + ") may not " +
                                  std::string(PermissionName(permission)));
}

}  // namespace qoima::appliance
