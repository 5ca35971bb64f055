#include "kiosk/domain_labels.h"

#include <string>

#include "appliance/role.h"
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

const char* AccessKindLabel(AccessKind kind, std::string_view action) {
  switch (kind) {
    case AccessKind::kRead: return Tr("content read");
    case AccessKind::kExport: return Tr("exported");
    case AccessKind::kPrint: return action == "document.print" ? Tr("printed") : Tr("electronic copy made");
    case AccessKind::kIssue: return Tr("issued to the owner on request");
    case AccessKind::kReturn: return Tr("returned to the owner");
  }
  return "?";
}

std::string AuditActionLabel(std::string_view action) {
  // Every action the appliance records (appliance/, storage/, lifecycle/),
  // in words; the code stays searchable on the journal screen.
  struct Row {
    std::string_view action;
    const char* label_msgid;
  };
  static constexpr Row kActions[] = {
      {"act.verify", N_("paper act checked")},
      {"appliance.init", N_("appliance provisioned")},
      {"application.register", N_("application registered")},
      {"application.show", N_("application viewed")},
      {"access_register.read", N_("access register read")},
      {"approval.approve", N_("request approved")},
      {"approval.break_glass", N_("break-glass approval")},
      {"approval.cancel", N_("request withdrawn")},
      {"approval.execute", N_("approved request carried out")},
      {"approval.expire", N_("request expired")},
      {"approval.list", N_("requests listed")},
      {"approval.reject", N_("request rejected")},
      {"approval.request", N_("approval requested")},
      {"approval.show", N_("request viewed")},
      {"audit.checkpoint", N_("log checkpoint signed")},
      {"audit.read", N_("audit log read")},
      {"audit.verify", N_("audit log verified")},
      {"calendar.import", N_("calendar imported")},
      {"deposit.commit", N_("deposit sealed")},
      {"deposit.destroy", N_("deposit destroyed")},
      {"deposit.promote", N_("moved to the permanent store")},
      {"deposit.read", N_("deposit content read")},
      {"document.print", N_("document printed")},
      {"document.render", N_("document made")},
      {"export.bundle", N_("export bundle written")},
      {"export.run", N_("export carried out")},
      {"file.read", N_("stored file read")},
      {"intake.accept", N_("deposit accepted")},
      {"intake.act_candidates", N_("act files looked up")},
      {"intake.act_file", N_("act file read")},
      {"intake.hold", N_("read and held")},
      {"intake.refuse", N_("deposit refused")},
      {"intake.show", N_("intake viewed")},
      {"intake.verify", N_("media checked against the act")},
      {"journal.show", N_("journal viewed")},
      {"keyring.open", N_("keys opened")},
      {"keys.recover", N_("keys recovered")},
      {"keys.state", N_("key state viewed")},
      {"lifecycle.destroy", N_("destruction")},
      {"lifecycle.destroy.start", N_("destruction started")},
      {"lifecycle.issue", N_("issue")},
      {"lifecycle.return", N_("return")},
      {"media.refuse", N_("device refused")},
      {"nda.record", N_("NDA recorded")},
      {"notice.record", N_("notice recorded")},
      {"notice.sent", N_("notice sent")},
      {"object.read", N_("stored object read")},
      {"operator.set", N_("operator details set")},
      {"operator.show", N_("operator details viewed")},
      {"printer.set", N_("printer set up")},
      {"printer.show", N_("printer settings viewed")},
      {"printer.test", N_("printer test page printed")},
      {"register.import", N_("register imported")},
      {"store.backup", N_("store backed up")},
      {"store.counter_bind", N_("store bound to the TPM counter")},
      {"store.counter_recover", N_("TPM counter caught up")},
      {"store.create", N_("store created")},
      {"store.open", N_("store opened")},
      {"store.quarantine", N_("unknown files set aside")},
      {"store.recover", N_("interrupted work cleaned up")},
      {"store.restore", N_("store restored")},
      {"store.seal_reports", N_("test reports sealed with their versions")},
      {"store.verify", N_("store verified")},
      {"test_report.read", N_("test report read")},
      {"tpm.flush", N_("TPM cleaned up")},
      {"user.change", N_("account changed")},
      {"user.create", N_("account created")},
      {"user.disable", N_("account disabled")},
      {"user.enable", N_("account enabled")},
      {"user.history", N_("account history viewed")},
      {"user.list", N_("accounts listed")},
      {"user.login", N_("login")},
      {"user.password", N_("password set")},
      {"user.role", N_("role changed")},
      {"user.unlock", N_("account unlocked")},
      {"version.test_outcome", N_("test outcome recorded")},
  };
  for (const Row& r : kActions)
    if (r.action == action) return Tr(r.label_msgid);
  // lifecycle.<step>.<phase> and actions added after this table: the code.
  return std::string(action);
}

const char* AuditOutcomeLabel(std::string_view outcome) {
  if (outcome == "success" || outcome == "ok") return Tr("done");
  if (outcome == "denied") return Tr("refused");
  if (outcome == "failure") return Tr("failed");
  return Tr("failed");
}

std::string AuditRoleLabel(std::string_view role) {
  for (Role r : {Role::kClerk, Role::kSecurityOfficer, Role::kAuditor, Role::kAdmin})
    if (appliance::RoleName(r) == role) return RoleLabel(r);
  if (role == "system") return Tr("the appliance");
  return std::string(role);
}

}  // namespace qoima::kiosk
