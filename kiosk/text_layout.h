// Text layout helpers for a character-cell screen: UTF-8 <-> wide strings and
// display widths (a Kazakh letter is one cell, a CJK ideograph two, a
// combining mark zero), so columns line up whatever the language.
//
// Requires a UTF-8 LC_CTYPE (InitI18n sets one). Invalid UTF-8 (a depositor's
// file name is untrusted) becomes U+FFFD per bad byte, never an exception.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace qoima::kiosk {

std::wstring Widen(std::string_view utf8);
std::string Narrow(std::wstring_view wide);

/// Display width in cells; a hidden character (control, bidirectional,
/// invisible: common/visible_text.h) counts as its escape "\u{XXXX}".
int DisplayWidth(std::wstring_view text);

/// Exactly `cols` cells: truncated with "…" when too long, padded with spaces
/// when short. Hidden characters are shown as "\u{XXXX}" (VisibleText's
/// notation), never drawn as themselves.
std::wstring FitWidth(std::wstring_view text, int cols);
std::wstring FitWidth(std::string_view utf8, int cols);

/// "1.5 MB", "312 KB", "17 B" (decimal units, as on the act).
std::string FormatBytes(std::uint64_t bytes);
/// "1:05:09" or "4:02".
std::string FormatDuration(std::uint64_t seconds);
/// The time left of a job `fraction` (0..1) done after `elapsed_seconds`,
/// as FormatDuration; "?" before there is anything to go by.
std::string TimeLeft(double fraction, double elapsed_seconds);
/// "[####....]": `width` cells in all, `fraction` (clamped to 0..1) filled.
std::string ProgressBar(double fraction, int width);

std::wstring ToLower(std::wstring_view text);

}  // namespace qoima::kiosk
