#include <catch2/catch.hpp>

#include "appliance/print/template_set.h"

namespace qoima::print {
namespace {

TEST_CASE("the built-in template set of Order 146/НҚ carries every language") {
  auto ids = TemplateSet::BuiltinIds();
  REQUIRE(std::find(ids.begin(), ids.end(), std::string(TemplateSet::kDefaultId)) != ids.end());
  auto set = TemplateSet::Builtin(TemplateSet::kDefaultId);
  REQUIRE(set.ok());
  CHECK(set->Source(Language::kKk).find("146/НҚ") != std::string::npos);
  CHECK(set->Source(Language::kRu).find("146/НҚ") != std::string::npos);
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
