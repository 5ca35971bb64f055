#include "kiosk/domain_labels.h"

#include "kiosk/i18n.h"

namespace qoima::kiosk {

const char* RoleLabel(Role role) {
  switch (role) {
    case Role::kClerk: return Tr("clerk");
    case Role::kSecurityOfficer: return Tr("security officer");
    case Role::kAuditor: return Tr("auditor");
    case Role::kAdmin: return Tr("administrator");
  }
  return "?";
}

const char* DiffKindName(DiffKind kind) {
  switch (kind) {
    case DiffKind::kMatch: return Tr("match");
    case DiffKind::kMissing: return Tr("missing on media");
    case DiffKind::kExtra: return Tr("not in act");
    case DiffKind::kSizeMismatch: return Tr("size differs");
    case DiffKind::kHashMismatch: return Tr("checksum differs");
    case DiffKind::kDateMismatch: return Tr("date differs");
    case DiffKind::kUnreadable: return Tr("unreadable");
    case DiffKind::kNameCollision: return Tr("name collision");
    case DiffKind::kUnsafeName: return Tr("hidden characters");
    case DiffKind::kMediumProblem: return Tr("medium fault");
    case DiffKind::kUnsafePath: return Tr("unsafe path");
    case DiffKind::kNonUtf8Name: return Tr("name not UTF-8");
    case DiffKind::kEncryptedMember: return Tr("encrypted member");
    case DiffKind::kArchiveUnreadable: return Tr("archive unreadable");
    case DiffKind::kArchiveListingStopped: return Tr("archive listing stopped");
    case DiffKind::kNotShown: return Tr("more, not shown");
  }
  return "?";
}

const char* RefusalReasonLabel(RefusalReason reason) {
  switch (reason) {
    case RefusalReason::kNotInRegister: return Tr("software is not in the trusted register");
    case RefusalReason::kActMismatch: return Tr("the act does not match the media");
    case RefusalReason::kMediaMalfunction: return Tr("the media does not work");
  }
  return "?";
}

const char* SensitiveActionLabel(SensitiveAction kind) {
  switch (kind) {
    case SensitiveAction::kExport: return Tr("export");
    case SensitiveAction::kDestruction: return Tr("destruction");
    case SensitiveAction::kRecovery: return Tr("key recovery");
    case SensitiveAction::kUserChange: return Tr("account change");
  }
  return "?";
}

}  // namespace qoima::kiosk
