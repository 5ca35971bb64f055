// The domain's words that the fronts share with it: the kiosk and the CLI
// name roles, tracks, refusal grounds, printed documents, actions that need
// a second officer and kinds of access to a deposit with these enums, never
// with mirrors of their own.
// Only the enums live here (no rules, no names): the rules and the stable
// names are in the headers that own them (role.h, application.h,
// intake_assessment.h, print/document_kinds.h, two_person_approval.h,
// access_register.h), so a front that needs only the words includes this
// small header.
#pragma once

namespace qoima::appliance {

/// Who a user is (role.h: what each may do).
enum class Role { kClerk, kSecurityOfficer, kAuditor, kAdmin };

/// How software comes in (application.h): by an application (Annex 1) or
/// from the trusted register.
enum class Track { kApplication, kRegister };

/// The grounds of a reasoned refusal (001 cl.16; intake_assessment.h). The
/// values are stored: never renumber.
enum class RefusalReason { kNotInRegister = 1, kActMismatch = 2, kMediaMalfunction = 3 };

/// The documents the appliance renders and prints (print/document_kinds.h:
/// one row per kind).
enum class DocumentKind {
  kAct,             // Annex 3 acceptance-transfer act of an accepted deposit
  kApplication,     // Annex 1 application
  kJournal,         // Annex 2 journal of applications
  kNda,             // Annex 4 confidentiality agreement (as recorded)
  kRefusal,         // reasoned refusal (001 cl.16) of a refused intake
  kReturn,          // return act of a lifecycle return case (003 cl.30)
  kDestruction,     // destruction act (003 cl.33)
  kReport,          // half-year report (001 cl.13)
  kNotice,          // notice to the authorized body (notices register)
  kAccessRegister,  // the register of everyone who had access to a deposit (access_register.h)
  kSecurityTest,    // a version's security test: outcome, reports, vulnerabilities, corrections (003 cl.11-18)
};

/// What a row of a deposit's access register records (access_register.h).
enum class AccessKind {
  kRead,    // the deposit, one of its files or a test report was read (deposit.read, file.read, test_report.read)
  kExport,  // it left in a signed export bundle (export.bundle)
  kPrint,   // its act or return act was rendered to PDF or printed (document.render, document.print)
  kIssue,   // it was issued to the owner on request (an export bundle of an issue case)
  kReturn,  // it was handed back to the owner on decommissioning (an export bundle of a return case)
};

/// Actions that need a second security officer's approval (two_person_approval.h).
enum class SensitiveAction { kExport, kDestruction, kRecovery, kUserChange };

}  // namespace qoima::appliance
