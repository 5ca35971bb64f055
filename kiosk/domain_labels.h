// Translated names of the domain enums the screens show (roles, diff kinds,
// refusal reasons, approval kinds). Thread-safety: pure functions over gettext.
#pragma once

#include <string>
#include <string_view>

#include "kiosk/backend.h"

namespace qoima::kiosk {

const char* RoleLabel(Role role);
const char* DiffKindName(DiffKind kind);
const char* RefusalReasonLabel(RefusalReason reason);
const char* SensitiveActionLabel(SensitiveAction kind);
/// What an access to a deposit was, in words ("printed", "басып шығару");
/// `action` is the audit action, which tells a paper copy
/// ("document.print") from a PDF made ("document.render").
const char* AccessKindLabel(AccessKind kind, std::string_view action);
/// An audit log action ("user.login") in words ("login", "жүйеге кіру");
/// an action the table does not know is returned as its code.
std::string AuditActionLabel(std::string_view action);
/// An audit outcome ("success", "denied", "failure") in words.
const char* AuditOutcomeLabel(std::string_view outcome);
/// A role as the audit log names it ("security_officer", "system") in words.
std::string AuditRoleLabel(std::string_view role);

}  // namespace qoima::kiosk
