// I18n: the kiosk's languages (kk default, ru, en) over GNU gettext.
//
// Every user-visible string goes through Tr() (xgettext --keyword=Tr) and
// is looked up in the "qoima-kiosk" catalogue compiled by msgfmt at build time
// (kiosk/po/*.po -> <build>/kiosk/locale/<lang>/LC_MESSAGES/qoima-kiosk.mo).
// English is the msgid language. Switching sets LANGUAGE and invalidates
// gettext's cache, so the next Tr() call answers in the new language.
//
// Thread-safety: SetLanguage must be called from the UI thread only; Tr() may be
// called from any thread but answers in whichever language was set last.
#pragma once

#include <string>
#include <string_view>

namespace qoima::kiosk {

enum class Language { kKazakh, kRussian, kEnglish };

/// Marks a string for extraction without translating it (tables of msgids).
constexpr const char* N_(const char* msgid) { return msgid; }

/// Translates `msgid` in the current language.
const char* Tr(const char* msgid) __attribute__((format_arg(1)));
/// The form of a counted phrase for `n` in the current language (gettext's
/// ngettext: Russian has three forms, "1 файл", "2 файла", "8 файлов").
/// Extracted with `--keyword=TrN:1,2`.
const char* TrN(const char* singular, const char* plural, unsigned long n) __attribute__((format_arg(1)))
__attribute__((format_arg(2)));

/// Sets up the locale (a UTF-8 LC_CTYPE, falling back to C.UTF-8) and binds the
/// catalogue directory. Returns false when no UTF-8 locale is available.
bool InitI18n(const std::string& locale_dir);

void SetLanguage(Language language);
Language CurrentLanguage();
/// kk -> ru -> en -> kk.
Language NextLanguage(Language language);
/// "kk", "ru", "en".
std::string_view LanguageCode(Language language);
/// Parses "kk"/"ru"/"en"; false for anything else.
bool ParseLanguage(std::string_view code, Language* out);

}  // namespace qoima::kiosk
