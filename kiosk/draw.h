// Small drawing helpers shared by the screens: UTF-8 text fitted to a width
// in display cells. Thread-safety: UI thread only (they write to a WINDOW).
#pragma once

#include <ncursesw/curses.h>

#include <string>
#include <vector>

namespace qoima::kiosk {

/// Writes `utf8` at (y, x), fitted (truncated with "…" or padded) to `width` cells.
void DrawText(WINDOW* win, int y, int x, int width, const std::string& utf8, attr_t attr = A_NORMAL);
/// Splits `utf8` into lines of at most `width` cells, breaking at spaces
/// where possible; at most `max_lines` lines (the last one ends in "…" when cut).
std::vector<std::string> WrapText(const std::string& utf8, int width, int max_lines);
/// printf-style formatting into a std::string (for translated formats).
std::string Format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace qoima::kiosk
