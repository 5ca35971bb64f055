// VisibleText: the one way qoima shows text it did not write itself (names
// from depositor media, act fields, typed values) on a screen, on paper and on
// a terminal, so that a name cannot look like another.
//
// Characters that are invisible or that change how the text around them is
// drawn are never shown as themselves. Each is written as "\u{XXXX}" (its code
// point in upper-case hex, at least four digits); a byte that is not UTF-8 as
// "\xNN". The hidden characters are:
//   - control characters: C0 (U+0000-U+001F), DEL, C1 (U+0080-U+009F);
//   - bidirectional controls: U+061C, U+200E, U+200F, U+202A-U+202E,
//     U+2066-U+2069 (a file "invoice<U+202E>fdp.exe" would read
//     "invoiceexe.pdf");
//   - line and paragraph separators U+2028, U+2029;
//   - every other format character (Unicode category Cf: zero-width space,
//     ZWNJ, ZWJ, word joiner, invisible operators, BOM, soft hyphen, tags...)
//     and every default-ignorable code point (variation selectors, fillers).
// ZWJ and ZWNJ are part of ordinary text in some scripts (Persian, Indic
// scripts, emoji sequences); at an intake counter a name must read the same
// to everyone, so they are escaped too: the exact bytes stay in the store, the
// evidence and JSON output, only the shown form escapes them.
//
// A backslash is left as it is: the shown form of a medium's name already
// doubles it (hardware/display_name.h), act paths may not hold one, and so
// VisibleText can be applied at every layer (screen, paper, CLI output)
// without escaping twice. The flags that go with the text (unsafe_name, the
// act check's text flags) tell a real hidden character from typed "\u{".
//
// utf8proc gives the categories (utf8proc_get_property).
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace qoima {

enum class HiddenKind : uint8_t {
  kVisible = 0,
  kControl,    // C0, DEL, C1
  kBidi,       // bidirectional formatting controls
  kSeparator,  // U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR
  kInvisible,  // other format characters and default-ignorable code points
};

/// How `cp` is shown: kVisible or the reason it is escaped.
HiddenKind ClassifyCodePoint(char32_t cp);
inline bool IsHiddenCodePoint(char32_t cp) { return ClassifyCodePoint(cp) != HiddenKind::kVisible; }

/// "control character", "bidirectional control", ... (English, for messages
/// and the evidence; the fronts translate by kind).
std::string_view HiddenKindName(HiddenKind kind);

/// Appends "\u{XXXX}" for `cp`.
void AppendCodePointEscape(std::string& out, char32_t cp);
/// Appends "\xNN" for a byte that is not part of valid UTF-8.
void AppendByteEscape(std::string& out, uint8_t byte);

struct VisibleOptions {
  /// Keep '\n' and '\t' as they are (paragraphs on paper, lines of CLI
  /// output); otherwise they are escaped like any control character.
  bool keep_line_breaks = false;
};

/// `text` with every hidden character and every byte that is not UTF-8
/// escaped (see above). Idempotent: VisibleText(VisibleText(t)) ==
/// VisibleText(t). Text without such characters is returned unchanged.
std::string VisibleText(std::string_view text, VisibleOptions options = {});

/// True when VisibleText(text, options) differs from `text`.
bool HasHiddenText(std::string_view text, VisibleOptions options = {});

/// The hidden characters of `text` for a message, e.g.
/// "U+202E (bidirectional control), U+200B (invisible character)": at most
/// four distinct ones, then "..."; "" when there are none. '\n' and '\t'
/// count only when `options` does not keep them.
std::string DescribeHiddenText(std::string_view text, VisibleOptions options = {});

/// Only the code points of DescribeHiddenText: "U+202E, U+200B" (bytes that
/// are not UTF-8 as "0xFF"), for text that is translated around them.
std::string HiddenCodePoints(std::string_view text, VisibleOptions options = {});

}  // namespace qoima
