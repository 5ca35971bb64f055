// Every Code appliance/ can return has a clerk-facing explanation in each
// language, and the catalogues were compiled into the build tree.
#include "kiosk/status_messages.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "appliance/print/document_kinds.h"
#include "kiosk/i18n.h"
#include "kiosk/print_screens.h"

namespace qoima::testing {

TEST_CASE("Every status code is explained in kk, ru and en", "[kiosk][unit]") {
  REQUIRE(kiosk::InitI18n(std::string(QOIMA_BINARY_DIR) + "/kiosk/locale"));
  for (int c = static_cast<int>(Code::kOk); c <= static_cast<int>(Code::kTampered); ++c) {
    Code code = static_cast<Code>(c);
    INFO("code " << CodeName(code));
    kiosk::SetLanguage(kiosk::Language::kEnglish);
    std::string en = kiosk::ExplainCode(code);
    kiosk::SetLanguage(kiosk::Language::kKazakh);
    std::string kk = kiosk::ExplainCode(code);
    kiosk::SetLanguage(kiosk::Language::kRussian);
    std::string ru = kiosk::ExplainCode(code);
    CHECK_FALSE(en.empty());
    CHECK(kk != en);
    CHECK(ru != en);
    CHECK(kk != ru);
  }
  // Distinct codes read differently (a clerk can tell a lockout from a media error).
  kiosk::SetLanguage(kiosk::Language::kKazakh);
  std::set<std::string> seen;
  for (int c = static_cast<int>(Code::kOk); c <= static_cast<int>(Code::kTampered); ++c)
    seen.insert(kiosk::ExplainCode(static_cast<Code>(c)));
  CHECK(seen.size() == static_cast<size_t>(Code::kTampered) + 1);
}

// The printed documents' labels and id hints are rows of the domain's table
// (appliance/print/document_kinds.h); the kiosk's catalogues must hold them.
TEST_CASE("Every printable document kind is labelled in kk and ru", "[kiosk][unit]") {
  REQUIRE(kiosk::InitI18n(std::string(QOIMA_BINARY_DIR) + "/kiosk/locale"));
  for (const auto& k : appliance::DocumentKinds()) {
    INFO(k.name);
    for (const char* msgid : {k.label, k.id_hint}) {
      INFO(msgid);
      kiosk::SetLanguage(kiosk::Language::kKazakh);
      std::string kk = kiosk::Tr(msgid);
      kiosk::SetLanguage(kiosk::Language::kRussian);
      std::string ru = kiosk::Tr(msgid);
      CHECK(kk != msgid);
      CHECK(ru != msgid);
      CHECK(kk != ru);
    }
    kiosk::SetLanguage(kiosk::Language::kEnglish);
    CHECK(std::string(kiosk::DocumentKindLabel(k.kind)) == k.label);
  }
  kiosk::SetLanguage(kiosk::Language::kKazakh);
}

}  // namespace qoima::testing
