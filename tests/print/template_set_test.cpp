#include <catch2/catch.hpp>

#include "appliance/print/template_set.h"

namespace qoima::print {
namespace {

TEST_CASE("the built-in template set cites Order 110/НҚ as amended by 606/НҚ and never the repealed 146/НҚ") {
  auto ids = TemplateSet::BuiltinIds();
  REQUIRE(std::find(ids.begin(), ids.end(), std::string(TemplateSet::kDefaultId)) != ids.end());
  auto set = TemplateSet::Builtin(TemplateSet::kDefaultId);
  REQUIRE(set.ok());
  CHECK(set->id() == "003-110-606");
  for (Language lang : {Language::kKk, Language::kRu}) {
    CHECK(set->Source(lang).find("110/НҚ") != std::string::npos);
    CHECK(set->Source(lang).find("606/НҚ") != std::string::npos);
    CHECK(set->Source(lang).find("146/НҚ") == std::string::npos);
    // Every header cites the rules in force; the forms of the repealed order are "based on the former Annex N".
    for (const char* key : {"annex1.rules_ref", "annex2.rules_ref", "annex3.rules_ref", "annex4.rules_ref",
                            "refusal.basis", "return.basis", "destruction.basis", "report.basis", "notice.basis"}) {
      INFO(key);
      const std::string text = *set->Text(key, lang);
      CHECK(text.find("110/НҚ") != std::string::npos);
      CHECK(text.find("146/НҚ") == std::string::npos);
      CHECK(text.find("171/НҚ") == std::string::npos);
    }
    CHECK(set->Text("annex3.rules_ref", lang)
              ->find(lang == Language::kKk ? "бұрынғы 3-қосымшасы" : "бывшего приложения 3") != std::string::npos);
  }
  // The NDA names the operator from its details, never a built-in organization.
  CHECK(set->Text("annex4.intro", Language::kKk)->find("Ұлттық ақпараттық технологиялар") == std::string::npos);
  CHECK(set->Text("annex4.intro", Language::kRu)->find("{operator}") != std::string::npos);
  // Reason 3 says the medium does not work, in Kazakh as in Russian.
  CHECK(set->Text("refusal.reason3", Language::kKk)->find("жарамсыз") != std::string::npos);
  CHECK(set->Text("refusal.reason3", Language::kRu)->find("неработоспособность") != std::string::npos);
  CHECK(*set->Text("annex3.title", Language::kKk) == "Қабылдау-тапсыру актісі");
  CHECK(*set->Text("annex3.title", Language::kRu) == "Акт приема-передачи");
  auto body = set->Paragraphs("annex4.body", Language::kKk);
  REQUIRE(body.ok());
  CHECK(body->size() > 20);
  CHECK(body->front() == "1-тарау. Жалпы ережелер");
  CHECK(set->Paragraphs("annex4.body", Language::kRu)->size() == body->size());
}

TEST_CASE("placeholders are filled and unknown ones left visible") {
  auto set = TemplateSet::Parse(
      R"({"id":"t","strings":{"a":{"kk":"{city} қ. {x}","ru":"г. {city}","en":"{city} city"}}})", "test.json");
  REQUIRE(set.ok());
  CHECK(*set->Text("a", Language::kKk, {{"city", "Астана"}}) == "Астана қ. {x}");
  CHECK(*set->Text("a", Language::kRu, {{"city", "Астана"}}) == "г. Астана");
}

TEST_CASE("template errors name the file and key and language") {
  auto missing_lang = TemplateSet::Parse(R"({"id":"t","strings":{"a":{"kk":"x","en":"y"}}})", "orders/new.json");
  REQUIRE_FALSE(missing_lang.ok());
  CHECK(missing_lang.status().message() == "orders/new.json: a: no \"ru\"");
  CHECK(TemplateSet::Parse("{", "x.json").status().message() == "x.json: not valid JSON");
  CHECK(TemplateSet::Parse(R"({"strings":{}})", "x.json").status().message().find("\"id\"") != std::string::npos);
  auto set = TemplateSet::Parse(R"({"id":"t","strings":{}})", "x.json");
  REQUIRE(set.ok());
  auto text = set->Text("annex9.title", Language::kKk);
  CHECK(text.status().code() == Code::kNotFound);
  CHECK(text.status().message().find("annex9.title") != std::string::npos);
  CHECK(TemplateSet::Builtin("999-none").status().code() == Code::kNotFound);
  CHECK(ParseLanguage("de").status().code() == Code::kInvalidArgument);
  CHECK(*ParseLanguage("kk") == Language::kKk);
}

}  // namespace
}  // namespace qoima::print
