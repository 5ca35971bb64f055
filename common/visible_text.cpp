#include "common/visible_text.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace qoima {
namespace {

bool IsBidiControl(char32_t cp) {
  return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

bool IsLineBreak(char32_t cp) { return cp == '\n' || cp == '\t'; }

// One step over `text` at `i`: the code point, or -1 for a byte that does not
// start valid UTF-8; `len` is how many bytes it took.
char32_t Next(std::string_view text, size_t i, size_t& len) {
  const auto c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) {
    len = 1;
    return c;
  }
  utf8proc_int32_t cp = -1;
  utf8proc_ssize_t n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + i),
                                        static_cast<utf8proc_ssize_t>(text.size() - i), &cp);
  if (n <= 0 || cp < 0) {
    len = 1;
    return static_cast<char32_t>(-1);
  }
  len = static_cast<size_t>(n);
  return static_cast<char32_t>(cp);
}

constexpr char32_t kInvalid = static_cast<char32_t>(-1);

bool Shown(char32_t cp, const VisibleOptions& options) {
  if (cp == kInvalid) return false;
  if (options.keep_line_breaks && IsLineBreak(cp)) return true;
  return !IsHiddenCodePoint(cp);
}

}  // namespace

HiddenKind ClassifyCodePoint(char32_t cp) {
  if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) return HiddenKind::kControl;
  if (cp < 0x80) return HiddenKind::kVisible;
  if (cp > 0x10FFFF) return HiddenKind::kControl;  // not a code point at all
  if (IsBidiControl(cp)) return HiddenKind::kBidi;
  const utf8proc_property_t* p = utf8proc_get_property(static_cast<utf8proc_int32_t>(cp));
  switch (p->category) {
    case UTF8PROC_CATEGORY_CC: return HiddenKind::kControl;
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP: return HiddenKind::kSeparator;
    case UTF8PROC_CATEGORY_CF: return HiddenKind::kInvisible;
    default: break;
  }
  return p->ignorable ? HiddenKind::kInvisible : HiddenKind::kVisible;
}

std::string_view HiddenKindName(HiddenKind kind) {
  switch (kind) {
    case HiddenKind::kVisible: return "visible character";
    case HiddenKind::kControl: return "control character";
    case HiddenKind::kBidi: return "bidirectional control";
    case HiddenKind::kSeparator: return "line or paragraph separator";
    case HiddenKind::kInvisible: return "invisible character";
  }
  return "hidden character";
}

void AppendCodePointEscape(std::string& out, char32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\u{%04X}", static_cast<unsigned>(cp));
  out += buf;
}

void AppendByteEscape(std::string& out, uint8_t byte) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", byte);
  out += buf;
}

bool HasHiddenText(std::string_view text, VisibleOptions options) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {  // printable ASCII: the common case, no lookup
      ++i;
      continue;
    }
    size_t len = 1;
    if (!Shown(Next(text, i, len), options)) return true;
    i += len;
  }
  return false;
}

std::string VisibleText(std::string_view text, VisibleOptions options) {
  if (!HasHiddenText(text, options)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 16);
  size_t i = 0;
  while (i < text.size()) {
    size_t len = 1;
    char32_t cp = Next(text, i, len);
    if (cp == kInvalid)
      AppendByteEscape(out, static_cast<uint8_t>(text[i]));
    else if (!Shown(cp, options))
      AppendCodePointEscape(out, cp);
    else
      out.append(text.substr(i, len));
    i += len;
  }
  return out;
}

namespace {

// The hidden characters of `text` in order of first appearance, at most
// `limit` distinct ones; `more` says whether there were others.
struct HiddenList {
  std::vector<char32_t> code_points;
  std::vector<uint8_t> bytes;  // not UTF-8
  std::vector<bool> is_byte;   // order of first appearance: byte or code point
  bool more = false;
};

HiddenList ListHidden(std::string_view text, VisibleOptions options, size_t limit) {
  HiddenList l;
  size_t i = 0;
  while (i < text.size()) {
    size_t len = 1;
    char32_t cp = Next(text, i, len);
    const uint8_t byte = static_cast<uint8_t>(text[i]);
    i += len;
    if (Shown(cp, options)) continue;
    const bool is_byte = cp == kInvalid;
    if (is_byte ? std::find(l.bytes.begin(), l.bytes.end(), byte) != l.bytes.end()
                : std::find(l.code_points.begin(), l.code_points.end(), cp) != l.code_points.end())
      continue;
    if (l.is_byte.size() >= limit) {
      l.more = true;
      break;
    }
    if (is_byte)
      l.bytes.push_back(byte);
    else
      l.code_points.push_back(cp);
    l.is_byte.push_back(is_byte);
  }
  return l;
}

constexpr size_t kListed = 4;

// "U+202E (bidirectional control)" or "U+202E" (`kinds` false); "byte 0xFF
// (not UTF-8)" or "0xFF".
std::string Join(const HiddenList& l, bool kinds) {
  std::string out;
  size_t b = 0, c = 0;
  for (bool is_byte : l.is_byte) {
    if (!out.empty()) out += ", ";
    char buf[48];
    if (is_byte) {
      std::snprintf(buf, sizeof buf, kinds ? "byte 0x%02X (not UTF-8)" : "0x%02X", l.bytes[b++]);
      out += buf;
      continue;
    }
    const char32_t cp = l.code_points[c++];
    std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
    out += buf;
    if (kinds) {
      out += " (";
      out += HiddenKindName(ClassifyCodePoint(cp));
      out += ')';
    }
  }
  if (l.more) out += ", ...";
  return out;
}

}  // namespace

std::string HiddenCodePoints(std::string_view text, VisibleOptions options) {
  return Join(ListHidden(text, options, kListed), false);
}

std::string DescribeHiddenText(std::string_view text, VisibleOptions options) {
  return Join(ListHidden(text, options, kListed), true);
}

}  // namespace qoima
