// Display names: how raw name bytes from untrusted media are shown and checked.
//
// DisplayName() turns raw bytes into NFC-normalized UTF-8, the name every
// later step (the act comparison, the collision check, the store's display
// path) uses: bytes that are not valid UTF-8 are shown as "\xNN", control
// characters (C0, DEL, C1) as "\u{XXXX}" (common/visible_text.h), a backslash
// as "\\", so distinct raw names never display the same unless they are
// canonically equivalent Unicode (NFC/NFD twins), which is exactly the
// collision the appliance must report.
//
// Bidirectional controls, invisible format characters and line separators
// stay in the name (an act may list the same name, and the store keeps it
// exactly) but are flagged (`format`): the reader reports them as unsafe_name
// and every front shows them escaped through VisibleText.
// CheckPathSafety() flags path traversal shapes: absolute paths, "..", ".",
// empty components.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace qoima::hardware {

/// Limit on the raw bytes DisplayName() normalizes (longer input is cut and
/// marked with "..." so a hostile name cannot cost unbounded work).
inline constexpr size_t kMaxDisplayInputBytes = 64 * 1024;

struct DisplayResult {
  std::string text;       // NFC UTF-8 with escapes
  bool non_utf8 = false;  // some bytes were not valid UTF-8
  bool control = false;   // control characters (including NUL) were escaped
  bool format = false;    // bidi controls, invisible format characters or separators (kept, flagged)
};

DisplayResult DisplayName(std::string_view raw);

/// Returns an empty string when `raw_path` ('/'-separated) is a safe relative
/// path, else the reason ("absolute path", "'..' component", ...).
std::string CheckPathSafety(std::string_view raw_path);

}  // namespace qoima::hardware
