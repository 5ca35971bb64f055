#include "appliance/print/document_kinds.h"

#include <array>

namespace qoima::appliance {
namespace {

// Marks a msgid for xgettext (the kiosk's `--keyword=N_`, docs/kiosk.md); the
// kiosk translates it when it draws.
constexpr const char* N_(const char* msgid) { return msgid; }

constexpr Role kClerk = Role::kClerk;
constexpr Role kOfficer = Role::kSecurityOfficer;
constexpr Role kAuditor = Role::kAuditor;

// The auditor may print every kind; the admin none (no access to deposit
// records); the clerk the counter's documents, the security officer the
// lifecycle's and the access register (Permission::kAccessRegister's roles);
// a security test record those who record it (Permission::kLifecycleRecord).
// clang-format off
constexpr std::array<DocumentKindSpec, 11> kDocumentKinds{{
  {DocumentKind::kAct, "act", "A-N", false,
   {kClerk, kOfficer, kAuditor},
   N_("acceptance act"), N_("act number (A-17) or deposit number")},
  {DocumentKind::kRefusal, "refusal", "INTAKE", false,
   {kClerk, kAuditor},
   N_("reasoned refusal"), N_("intake number of the refused intake")},
  {DocumentKind::kJournal, "journal", "[all|N|N-M]", true,
   {kClerk, kAuditor},
   N_("journal of applications (Annex 2)"), N_("entry number, range N-M, or empty for all")},
  {DocumentKind::kApplication, "application", "CODE", false,
   {kClerk, kAuditor},
   N_("application (Annex 1)"), N_("portal code of the application")},
  {DocumentKind::kNda, "nda", "CODE", false,
   {kClerk, kAuditor},
   N_("non-disclosure agreement (Annex 4)"), N_("portal code of the application")},
  {DocumentKind::kReport, "report", "YEAR H1|H2", false,
   {kOfficer, kAuditor},
   N_("half-year report"), N_("year and half, e.g. 2026 H2")},
  {DocumentKind::kNotice, "notice", "N", false,
   {kOfficer, kAuditor},
   N_("notice to the authorized body"), N_("notice number")},
  {DocumentKind::kReturn, "return", "CASE", false,
   {kOfficer, kAuditor},
   N_("return act"), N_("return case number")},
  {DocumentKind::kDestruction, "destruction", "ACT|CASE", false,
   {kOfficer, kAuditor},
   N_("destruction act"), N_("destruction act or case number")},
  {DocumentKind::kAccessRegister, "access-register", "DEPOSIT", false,
   {kOfficer, kAuditor},
   N_("access register of a deposit"), N_("deposit number (3) or its act (A-3)")},
  {DocumentKind::kSecurityTest, "security-test", "TEST", false,
   {kClerk, kOfficer, kAuditor},
   N_("security test record"), N_("security test number (qoima object show)")},
}};
// clang-format on

}  // namespace

std::span<const DocumentKindSpec> DocumentKinds() { return kDocumentKinds; }

const DocumentKindSpec* FindDocumentKind(DocumentKind kind) {
  for (const auto& k : kDocumentKinds)
    if (k.kind == kind) return &k;
  return nullptr;
}

std::string_view DocumentKindName(DocumentKind kind) {
  const DocumentKindSpec* k = FindDocumentKind(kind);
  return k != nullptr ? k->name : "?";
}

std::optional<DocumentKind> ParseDocumentKind(std::string_view name) {
  for (const auto& k : kDocumentKinds)
    if (k.name == name) return k.kind;
  return std::nullopt;
}

std::string DocumentKindsUsage() {
  std::string out;
  for (const auto& k : kDocumentKinds)
    out += (out.empty() ? "" : " | ") + std::string(k.name) + " " + std::string(k.id_grammar);
  return out;
}

bool MayPrint(Role role, DocumentKind kind) {
  const DocumentKindSpec* k = FindDocumentKind(kind);
  return k != nullptr && k->printed_by.Has(role);
}

}  // namespace qoima::appliance
