// The printed documents' table (appliance/print/document_kinds.h): every
// DocumentKind is a row, its name round-trips, and who may print what is the
// rule the counter works by (001, 003 and the role table of docs/roles).
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

#include "appliance/print/document_kinds.h"

namespace qoima::testing {
namespace {

using appliance::DocumentKind;
using appliance::Role;

// The last value of the enum: a new kind is added before this test passes.
constexpr int kLastKind = static_cast<int>(DocumentKind::kSecurityTest);

}  // namespace

TEST_CASE("every document kind is one row whose name round-trips") {
  REQUIRE(appliance::DocumentKinds().size() == static_cast<size_t>(kLastKind) + 1);
  std::set<std::string_view> names;
  for (int v = 0; v <= kLastKind; ++v) {
    auto kind = static_cast<DocumentKind>(v);
    const appliance::DocumentKindSpec* k = appliance::FindDocumentKind(kind);
    INFO("kind " << v);
    REQUIRE(k != nullptr);
    CHECK(k->kind == kind);
    CHECK(names.insert(k->name).second);
    CHECK(appliance::DocumentKindName(kind) == k->name);
    CHECK(appliance::ParseDocumentKind(k->name) == kind);
    CHECK_FALSE(k->id_grammar.empty());
    CHECK(std::string(k->label).size() > 0);
    CHECK(std::string(k->id_hint).size() > 0);
    CHECK(appliance::DocumentKindsUsage().find(std::string(k->name) + " " + std::string(k->id_grammar)) !=
          std::string::npos);
  }
  CHECK_FALSE(appliance::ParseDocumentKind("Act").has_value());
  CHECK_FALSE(appliance::ParseDocumentKind("").has_value());
  CHECK(appliance::DocumentKindName(static_cast<DocumentKind>(kLastKind + 1)) == "?");
}

TEST_CASE("who may print each document kind") {
  // The clerk prints the counter's documents, the security officer the
  // lifecycle's, the auditor every kind, the admin none.
  const std::map<std::string, std::set<Role>> expected = {
      {"act", {Role::kClerk, Role::kSecurityOfficer, Role::kAuditor}},
      {"application", {Role::kClerk, Role::kAuditor}},
      {"journal", {Role::kClerk, Role::kAuditor}},
      {"nda", {Role::kClerk, Role::kAuditor}},
      {"refusal", {Role::kClerk, Role::kAuditor}},
      {"return", {Role::kSecurityOfficer, Role::kAuditor}},
      {"destruction", {Role::kSecurityOfficer, Role::kAuditor}},
      {"report", {Role::kSecurityOfficer, Role::kAuditor}},
      {"notice", {Role::kSecurityOfficer, Role::kAuditor}},
      {"access-register", {Role::kSecurityOfficer, Role::kAuditor}},
      {"security-test", {Role::kClerk, Role::kSecurityOfficer, Role::kAuditor}},
  };
  REQUIRE(expected.size() == appliance::DocumentKinds().size());
  for (const auto& k : appliance::DocumentKinds()) {
    const auto& allowed = expected.at(std::string(k.name));
    for (Role r : {Role::kClerk, Role::kSecurityOfficer, Role::kAuditor, Role::kAdmin}) {
      INFO(k.name << " role " << static_cast<int>(r));
      CHECK(appliance::MayPrint(r, k.kind) == (allowed.count(r) == 1));
    }
  }
  CHECK_FALSE(appliance::MayPrint(Role::kAuditor, static_cast<DocumentKind>(kLastKind + 1)));
}

TEST_CASE("only the journal may be printed without an id") {
  for (const auto& k : appliance::DocumentKinds()) {
    INFO(k.name);
    CHECK(k.id_optional == (k.kind == DocumentKind::kJournal));
  }
}

}  // namespace qoima::testing
