#include "appliance/print/template_set.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "appliance/print/templates_embedded.h"

namespace qoima::print {

std::string_view LanguageCode(Language language) {
  switch (language) {
    case Language::kKk: return "kk";
    case Language::kRu: return "ru";
    case Language::kEn: return "en";
  }
  return "kk";
}

Result<Language> ParseLanguage(std::string_view code) {
  if (code == "kk") return Language::kKk;
  if (code == "ru") return Language::kRu;
  if (code == "en") return Language::kEn;
  return Status::InvalidArgument("language '" + std::string(code) + "': expected kk, ru or en");
}

Result<TemplateSet> TemplateSet::Parse(std::string_view json, std::string_view origin) {
  const std::string where(origin);
  if (json.size() > kMaxTemplateBytes) {
    return Status::LimitExceeded(where + ": template is " + std::to_string(json.size()) + " bytes, limit " +
                                 std::to_string(kMaxTemplateBytes));
  }
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::InvalidArgument(where + ": not valid JSON");
  if (!doc.is_object() || !doc.contains("id") || !doc["id"].is_string()) {
    return Status::InvalidArgument(where + ": missing string field \"id\"");
  }
  if (!doc.contains("strings") || !doc["strings"].is_object()) {
    return Status::InvalidArgument(where + ": missing object field \"strings\"");
  }
  TemplateSet set;
  set.id_ = doc["id"].get<std::string>();
  auto read_lang = [&](const nlohmann::json& value, std::string_view key, Language lang,
                       std::vector<std::string>& out) -> Status {
    const std::string code(LanguageCode(lang));
    if (!value.contains(code))
      return Status::InvalidArgument(where + ": " + std::string(key) + ": no \"" + code + "\"");
    const nlohmann::json& v = value[code];
    if (v.is_string()) {
      out.push_back(v.get<std::string>());
      return Status::Ok();
    }
    if (v.is_array()) {
      for (const auto& p : v) {
        if (!p.is_string()) return Status::InvalidArgument(where + ": " + std::string(key) + "." + code + ": not text");
        out.push_back(p.get<std::string>());
      }
      return Status::Ok();
    }
    return Status::InvalidArgument(where + ": " + std::string(key) + "." + code + ": not text");
  };
  for (Language lang : {Language::kKk, Language::kRu, Language::kEn}) {
    if (doc.contains("source") && doc["source"].is_object()) {
      std::vector<std::string> src;
      QOIMA_RETURN_IF_ERROR(read_lang(doc["source"], "source", lang, src));
      if (!src.empty()) set.source_[static_cast<size_t>(lang)] = src.front();
    }
  }
  for (const auto& [key, value] : doc["strings"].items()) {
    if (!value.is_object()) return Status::InvalidArgument(where + ": " + key + ": expected {kk, ru, en}");
    auto& entry = set.strings_[key];
    for (Language lang : {Language::kKk, Language::kRu, Language::kEn}) {
      QOIMA_RETURN_IF_ERROR(read_lang(value, key, lang, entry[static_cast<size_t>(lang)]));
    }
  }
  return set;
}

Result<TemplateSet> TemplateSet::Builtin(std::string_view id) {
  for (const EmbeddedTemplate& t : EmbeddedTemplates()) {
    if (t.id == id) return Parse(t.json, "built-in template " + std::string(t.id));
  }
  return Status::NotFound("template set '" + std::string(id) + "' is not built in");
}

std::vector<std::string> TemplateSet::BuiltinIds() {
  std::vector<std::string> ids;
  for (const EmbeddedTemplate& t : EmbeddedTemplates()) ids.emplace_back(t.id);
  return ids;
}

std::string TemplateSet::Source(Language language) const { return source_[static_cast<size_t>(language)]; }

Result<std::string> TemplateSet::Text(std::string_view key, Language language,
                                      const std::vector<std::pair<std::string, std::string>>& values) const {
  QOIMA_ASSIGN_OR_RETURN(std::vector<std::string> paragraphs, Paragraphs(key, language));
  std::string text;
  for (size_t i = 0; i < paragraphs.size(); ++i) {
    if (i) text += '\n';
    text += paragraphs[i];
  }
  if (values.empty()) return text;
  std::string out;
  out.reserve(text.size() + 64);
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '{') {
      size_t close = text.find('}', i);
      if (close != std::string::npos) {
        std::string_view name(text.data() + i + 1, close - i - 1);
        auto it = std::find_if(values.begin(), values.end(), [&](const auto& v) { return v.first == name; });
        if (it != values.end()) {
          out += it->second;
          i = close + 1;
          continue;
        }
      }
    }
    out += text[i++];
  }
  return out;
}

Result<std::vector<std::string>> TemplateSet::Paragraphs(std::string_view key, Language language) const {
  auto it = strings_.find(key);
  if (it == strings_.end()) {
    return Status::NotFound("template " + id_ + ": no text for \"" + std::string(key) + "\"");
  }
  return it->second[static_cast<size_t>(language)];
}

}  // namespace qoima::print
