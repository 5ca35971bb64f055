#include "kiosk/i18n.h"

#include <langinfo.h>
#include <libintl.h>

#include <clocale>
#include <cstdlib>
#include <cstring>

// glibc bumps this counter when catalogues change; incrementing it drops the
// per-message cache so a LANGUAGE change takes effect (GNU gettext manual,
// "Being a gettext grok").
extern "C" int _nl_msg_cat_cntr;  // NOLINT: glibc's exported name

namespace qoima::kiosk {
namespace {

constexpr const char* kDomain = "qoima-kiosk";
Language g_language = Language::kKazakh;

bool LocaleIsUtf8() {
  const char* cs = nl_langinfo(CODESET);
  return cs && (std::strcmp(cs, "UTF-8") == 0 || std::strcmp(cs, "utf8") == 0);
}

}  // namespace

const char* Tr(const char* msgid) { return dgettext(kDomain, msgid); }

const char* TrN(const char* singular, const char* plural, unsigned long n) {
  return dngettext(kDomain, singular, plural, n);
}

bool InitI18n(const std::string& locale_dir) {
  std::setlocale(LC_ALL, "");
  if (!LocaleIsUtf8() || std::strcmp(std::setlocale(LC_MESSAGES, nullptr), "C") == 0 ||
      std::strcmp(std::setlocale(LC_MESSAGES, nullptr), "POSIX") == 0) {
    // gettext ignores LANGUAGE under the plain "C" locale; C.UTF-8 is always present.
    if (!std::setlocale(LC_ALL, "C.UTF-8")) return false;
  }
  if (!LocaleIsUtf8()) return false;
  bindtextdomain(kDomain, locale_dir.c_str());
  bind_textdomain_codeset(kDomain, "UTF-8");
  textdomain(kDomain);
  SetLanguage(Language::kKazakh);
  return true;
}

void SetLanguage(Language language) {
  g_language = language;
  setenv("LANGUAGE", std::string(LanguageCode(language)).c_str(), 1);
  ++_nl_msg_cat_cntr;
}

Language CurrentLanguage() { return g_language; }

Language NextLanguage(Language language) {
  switch (language) {
    case Language::kKazakh: return Language::kRussian;
    case Language::kRussian: return Language::kEnglish;
    case Language::kEnglish: return Language::kKazakh;
  }
  return Language::kKazakh;
}

std::string_view LanguageCode(Language language) {
  switch (language) {
    case Language::kKazakh: return "kk";
    case Language::kRussian: return "ru";
    case Language::kEnglish: return "en";
  }
  return "kk";
}

bool ParseLanguage(std::string_view code, Language* out) {
  for (Language l : {Language::kKazakh, Language::kRussian, Language::kEnglish}) {
    if (LanguageCode(l) == code) {
      *out = l;
      return true;
    }
  }
  return false;
}

}  // namespace qoima::kiosk
