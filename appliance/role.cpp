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
    case Permission::kListUsers: return "list_users";
    case Permission::kRequestUserChange: return "request_user_change";
    case Permission::kApproveUserChange: return "approve_user_change";
    case Permission::kOwnPassword: return "own_password";
    case Permission::kSystemSetup: return "system_setup";
    case Permission::kRequestSensitive: return "request_sensitive";
    case Permission::kApproveSensitive: return "approve_sensitive";
    case Permission::kLifecycleRecord: return "lifecycle_record";
    case Permission::kReferenceImport: return "reference_import";
    case Permission::kAccessRegister: return "access_register";
    case Permission::kTestReportRead: return "test_report_read";
  }
  return "?";
}

bool RoleHas(Role role, Permission p) {
  using P = Permission;
  if (p == P::kOwnPassword) return true;
  switch (role) {
    case Role::kClerk:
      return p == P::kApplicationWrite || p == P::kIntake || p == P::kDecide || p == P::kActPrint ||
             p == P::kReadRecords || p == P::kLifecycleRecord || p == P::kReferenceImport;
    case Role::kSecurityOfficer:
      return p == P::kRequestSensitive || p == P::kApproveSensitive || p == P::kRequestUserChange ||
             p == P::kApproveUserChange || p == P::kListUsers || p == P::kReadRecords || p == P::kReadAudit ||
             p == P::kVerify || p == P::kActPrint || p == P::kLifecycleRecord || p == P::kReferenceImport ||
             p == P::kAccessRegister || p == P::kTestReportRead;
    case Role::kAuditor:
      return p == P::kReadRecords || p == P::kReadAudit || p == P::kVerify || p == P::kActPrint || p == P::kListUsers ||
             p == P::kAccessRegister || p == P::kTestReportRead;
    case Role::kAdmin:
      return p == P::kUserAdmin || p == P::kRequestUserChange || p == P::kListUsers || p == P::kSystemSetup ||
             p == P::kVerify || p == P::kReadAudit || p == P::kReferenceImport;
  }
  return false;
}

bool IsPrivileged(Role role) { return role == Role::kSecurityOfficer || role == Role::kAdmin; }

std::string_view UserChangeRuleName(UserChangeRule rule) {
  switch (rule) {
    case UserChangeRule::kRefused: return "refused";
    case UserChangeRule::kDirect: return "direct";
    case UserChangeRule::kSecondOfficer: return "second_officer";
  }
  return "?";
}

UserChangeRule UserChangeRuleFor(Role actor, Role account) {
  if (IsPrivileged(account))
    return RoleHas(actor, Permission::kRequestUserChange) ? UserChangeRule::kSecondOfficer : UserChangeRule::kRefused;
  return RoleHas(actor, Permission::kUserAdmin) ? UserChangeRule::kDirect : UserChangeRule::kRefused;
}

bool MaySeatCommissioningOfficer(Role actor, int64_t officers_ever_seated) {
  return RoleHas(actor, Permission::kUserAdmin) && officers_ever_seated < kCommissioningOfficers;
}

Status Require(const Actor& actor, Permission permission) {
  if (RoleHas(actor.role, permission)) return Status::Ok();
  return Status::PermissionDenied("user '" + actor.username + "' (" + std::string(RoleName(actor.role)) + ") may not " +
                                  std::string(PermissionName(permission)));
}

Status RequireNamedRole(std::string_view login, std::string_view role_name, Permission permission,
                        std::string_view what) {
  if (login.empty()) return Status::PermissionDenied(std::string(what) + ": no user is logged in");
  std::optional<Role> role = ParseRole(role_name);
  if (role && RoleName(*role) == role_name && RoleHas(*role, permission)) return Status::Ok();
  return Status::PermissionDenied(std::string(what) + ": the role '" + std::string(role_name) +
                                  "' may not do this (needs " + std::string(PermissionName(permission)) + ")");
}

}  // namespace qoima::appliance
