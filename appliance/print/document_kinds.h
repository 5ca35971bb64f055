// The documents the appliance prints: one table, one row per DocumentKind,
// from which every list and switch about them is derived: the name the CLI
// and the audit log use, what the id names (CLI help), who may print it, and
// what the kiosk offers (its menu label and the hint under the number field,
// English msgids the kiosk translates). Adding a printed form is an enum
// value in vocabulary.h, one row here, its builder (appliance_print.cpp's
// dispatch, the one place that builds a document from the store) and its
// template in print/templates; tests/print/document_kinds_test.cpp checks
// the table is complete.
//
// Thread-safety: the table is constant.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "appliance/vocabulary.h"

namespace qoima::appliance {

/// A set of roles, one bit each.
class RoleSet {
 public:
  constexpr RoleSet(std::initializer_list<Role> roles) {
    for (Role r : roles) bits_ |= Bit(r);
  }
  constexpr bool Has(Role r) const { return (bits_ & Bit(r)) != 0; }

 private:
  static constexpr uint8_t Bit(Role r) { return static_cast<uint8_t>(1u << static_cast<unsigned>(r)); }
  uint8_t bits_ = 0;
};

struct DocumentKindSpec {
  DocumentKind kind;
  /// "act": the CLI's KIND, the audit object's prefix ("act:A-17").
  std::string_view name;
  /// What the id names, as the CLI's help shows it ("A-N").
  std::string_view id_grammar;
  /// True when no id is an id (the journal: every entry).
  bool id_optional;
  /// Who may render and print it (checked in the domain, audited either way).
  RoleSet printed_by;
  /// The kiosk's menu label and its hint for the id: English msgids the
  /// kiosk passes to Tr() (string literals, so Tr may return them as they are).
  const char* label;
  const char* id_hint;
};

/// Every kind, in the order the kiosk offers them.
std::span<const DocumentKindSpec> DocumentKinds();
/// The row of `kind`; nullptr only for a value outside the enum.
const DocumentKindSpec* FindDocumentKind(DocumentKind kind);

/// "act", "application", "journal", "nda", "refusal", "return", "destruction", "report", "notice",
/// "access-register", "security-test".
std::string_view DocumentKindName(DocumentKind kind);
std::optional<DocumentKind> ParseDocumentKind(std::string_view name);
/// True when `role` may render and print documents of `kind`.
bool MayPrint(Role role, DocumentKind kind);
/// "act A-N | refusal INTAKE | ...": every kind with what its id names.
std::string DocumentKindsUsage();

}  // namespace qoima::appliance
