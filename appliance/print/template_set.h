// TemplateSet: the wording of the printed forms, as data tied to the legal act
// it comes from (one JSON file per act in appliance/print/templates/, compiled
// into the binary). A new order means a new template file, not new code.
//
// A template file maps keys ("annex3.title") to text per language (kk, ru, en);
// a value is a string or, for multi-paragraph bodies, an array of strings.
// Text may hold {placeholders} that the renderer fills. See docs/printing.md.
//
// Thread-safety: immutable after construction; share freely.
#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace qoima::print {

enum class Language { kKk = 0, kRu = 1, kEn = 2 };

/// "kk", "ru", "en".
std::string_view LanguageCode(Language language);
Result<Language> ParseLanguage(std::string_view code);

/// Languages a document is printed in, in order: {kk, ru} is the default
/// (Kazakh first, Russian alongside); a single language is allowed.
using LanguageMode = std::vector<Language>;
inline LanguageMode Bilingual() { return {Language::kKk, Language::kRu}; }

/// Largest template file accepted.
inline constexpr size_t kMaxTemplateBytes = 1 << 20;

class TemplateSet {
 public:
  /// Parses a template file; `origin` names it in errors.
  static Result<TemplateSet> Parse(std::string_view json, std::string_view origin);
  /// A template set compiled into the binary, by id (e.g. "003-110-606").
  static Result<TemplateSet> Builtin(std::string_view id);
  /// Ids of the compiled-in template sets.
  static std::vector<std::string> BuiltinIds();
  /// The template set used when the caller names none.
  static constexpr std::string_view kDefaultId = "003-110-606";

  const std::string& id() const { return id_; }
  /// Human-readable legal source in `language`.
  std::string Source(Language language) const;

  /// Text for `key` in `language` with {name} placeholders replaced. Fails
  /// naming the template, key and language when the text is missing.
  Result<std::string> Text(std::string_view key, Language language,
                           const std::vector<std::pair<std::string, std::string>>& values = {}) const;
  /// Paragraphs of a multi-paragraph value (a plain string gives one).
  Result<std::vector<std::string>> Paragraphs(std::string_view key, Language language) const;

 private:
  std::string id_;
  std::array<std::string, 3> source_;
  std::map<std::string, std::array<std::vector<std::string>, 3>, std::less<>> strings_;
};

}  // namespace qoima::print
