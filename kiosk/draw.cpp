#include "kiosk/draw.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>

#include "kiosk/text_layout.h"

namespace qoima::kiosk {

void DrawText(WINDOW* win, int y, int x, int width, const std::string& utf8, attr_t attr) {
  if (width <= 0) return;
  std::wstring line = FitWidth(utf8, width);
  wattron(win, attr);
  mvwaddnwstr(win, y, x, line.c_str(), static_cast<int>(line.size()));
  wattroff(win, attr);
}

std::vector<std::string> WrapText(const std::string& utf8, int width, int max_lines) {
  std::vector<std::string> lines;
  std::wstring rest = Widen(utf8);
  while (!rest.empty() && static_cast<int>(lines.size()) < max_lines) {
    if (DisplayWidth(rest) <= width || static_cast<int>(lines.size()) + 1 == max_lines) {
      lines.push_back(Narrow(FitWidth(rest, std::min(width, DisplayWidth(rest)))));
      break;
    }
    // The longest prefix that fits, cut at its last space when there is one.
    std::size_t fit = 0;
    int used = 0;
    while (fit < rest.size() && used + DisplayWidth(std::wstring_view(&rest[fit], 1)) <= width) {
      used += DisplayWidth(std::wstring_view(&rest[fit], 1));
      ++fit;
    }
    std::size_t cut = rest.rfind(L' ', fit);
    if (cut == std::wstring::npos || cut == 0) cut = fit;
    lines.push_back(Narrow(rest.substr(0, cut)));
    rest.erase(0, cut);
    while (!rest.empty() && rest[0] == L' ') rest.erase(0, 1);
  }
  return lines;
}

std::string Format(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return buf;
}

}  // namespace qoima::kiosk
