#include "kiosk/text_layout.h"

#include <algorithm>

#include <climits>
#include <cstdio>
#include <cwchar>
#include <cwctype>

#include "common/visible_text.h"

namespace qoima::kiosk {
namespace {

constexpr wchar_t kReplacement = 0xFFFD;
constexpr wchar_t kEllipsis = 0x2026;

bool IsHidden(wchar_t c) { return IsHiddenCodePoint(static_cast<char32_t>(c)); }

// "\u{XXXX}" for a hidden character (common/visible_text.h), as wide text.
std::wstring Escape(wchar_t c) {
  std::string e;
  AppendCodePointEscape(e, static_cast<char32_t>(c));
  return std::wstring(e.begin(), e.end());  // ASCII
}

int CellWidth(wchar_t c) {
  if (IsHidden(c)) return static_cast<int>(Escape(c).size());
  int w = wcwidth(c);
  return w < 0 ? 1 : w;
}

}  // namespace

std::wstring Widen(std::string_view utf8) {
  // A direct decoder: mbrtowc per character is too slow for 100k-row lists.
  // Rejects overlong forms, surrogates and values above U+10FFFF.
  std::wstring out;
  out.reserve(utf8.size());
  const auto* p = reinterpret_cast<const unsigned char*>(utf8.data());
  const size_t n = utf8.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      out.push_back(static_cast<wchar_t>(c));
      ++i;
      continue;
    }
    int len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
    if (c >= 0xF5) len = 0;
    if (len == 0 || i + static_cast<size_t>(len) > n) {
      out.push_back(kReplacement);
      ++i;
      continue;
    }
    std::uint32_t cp = c & (0xFF >> (len + 1));
    bool ok = true;
    for (int k = 1; k < len; ++k) {
      unsigned char cc = p[i + static_cast<size_t>(k)];
      if ((cc & 0xC0) != 0x80) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr std::uint32_t kMinForLen[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (!ok || cp < kMinForLen[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      out.push_back(kReplacement);
      ++i;
      continue;
    }
    out.push_back(static_cast<wchar_t>(cp));
    i += static_cast<size_t>(len);
  }
  return out;
}

std::string Narrow(std::wstring_view wide) {
  std::string out;
  out.reserve(wide.size());
  std::mbstate_t state{};
  char buf[MB_LEN_MAX];
  for (wchar_t wc : wide) {
    size_t n = std::wcrtomb(buf, wc, &state);
    if (n == static_cast<size_t>(-1)) {
      out.push_back('?');
      state = std::mbstate_t{};
      continue;
    }
    out.append(buf, n);
  }
  return out;
}

int DisplayWidth(std::wstring_view text) {
  int w = 0;
  for (wchar_t c : text) w += CellWidth(c);
  return w;
}

std::wstring FitWidth(std::wstring_view raw, int cols) {
  std::wstring out;
  if (cols <= 0) return out;
  // Hidden characters become their escapes first: cut where it may, a name
  // never reaches the screen with a character that hides or reorders text.
  std::wstring shown;
  shown.reserve(raw.size());
  for (wchar_t c : raw) {
    if (IsHidden(c))
      shown += Escape(c);
    else
      shown.push_back(c);
  }
  std::wstring_view text(shown);
  int total = DisplayWidth(text);
  int budget = total > cols ? cols - 1 : cols;  // leave a cell for the ellipsis
  int used = 0;
  for (wchar_t c : text) {
    int w = CellWidth(c);
    if (used + w > budget) break;
    out.push_back(c);
    used += w;
  }
  if (total > cols) {
    out.push_back(kEllipsis);
    ++used;
  }
  while (used < cols) {
    out.push_back(L' ');
    ++used;
  }
  return out;
}

std::wstring FitWidth(std::string_view utf8, int cols) { return FitWidth(Widen(utf8), cols); }

std::string FormatBytes(std::uint64_t bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000.0 && u < 4) {
    v /= 1000.0;
    ++u;
  }
  char buf[32];
  if (u == 0)
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  else
    std::snprintf(buf, sizeof buf, v < 10 ? "%.1f %s" : "%.0f %s", v, units[u]);
  return buf;
}

std::string FormatDuration(std::uint64_t seconds) {
  char buf[32];
  unsigned long long h = seconds / 3600, m = (seconds / 60) % 60, s = seconds % 60;
  if (h > 0)
    std::snprintf(buf, sizeof buf, "%llu:%02llu:%02llu", h, m, s);
  else
    std::snprintf(buf, sizeof buf, "%llu:%02llu", m, s);
  return buf;
}

std::string TimeLeft(double fraction, double elapsed_seconds) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  if (fraction <= 0.0 || elapsed_seconds <= 0.5) return "?";
  return FormatDuration(static_cast<std::uint64_t>(elapsed_seconds * (1.0 - fraction) / fraction));
}

std::string ProgressBar(double fraction, int width) {
  const int bar = std::max(width - 2, 0);
  const int filled = std::clamp(static_cast<int>(std::clamp(fraction, 0.0, 1.0) * bar), 0, bar);
  std::string line = "[";
  line.append(static_cast<std::size_t>(filled), '#');
  line.append(static_cast<std::size_t>(bar - filled), '.');
  return line + "]";
}

std::wstring ToLower(std::wstring_view text) {
  std::wstring out(text);
  for (wchar_t& c : out) {
    if (c < 0x80) {
      if (c >= L'A' && c <= L'Z') c = static_cast<wchar_t>(c + 0x20);
    } else if (c >= 0x410 && c <= 0x42F) {  // basic Cyrillic capitals
      c = static_cast<wchar_t>(c + 0x20);
    } else {
      c = static_cast<wchar_t>(std::towlower(static_cast<wint_t>(c)));
    }
  }
  return out;
}

}  // namespace qoima::kiosk
