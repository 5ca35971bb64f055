#include "kiosk/draw.h"

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

void DrawCentered(WINDOW* win, int y, int width, const std::string& utf8, attr_t attr) {
  std::wstring w = Widen(utf8);
  int tw = DisplayWidth(w);
  if (tw > width) tw = width;
  std::wstring line = FitWidth(w, tw);
  wattron(win, attr);
  mvwaddnwstr(win, y, (width - tw) / 2, line.c_str(), static_cast<int>(line.size()));
  wattroff(win, attr);
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
