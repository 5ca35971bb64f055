// The output streams of `qoima`: everything any command prints goes through
// here, so no name or field can reach a terminal with characters that hide or
// reorder text (docs/security.md, "Names that lie").
//
// InstallVisibleOutput() replaces stdout and stderr with streams that pass
// the bytes through common/visible_text.h on their way to fds 1 and 2:
//   - text output: every hidden character becomes "\u{XXXX}" and every byte
//     that is not UTF-8 "\xNN"; '\n' and '\t' stay;
//   - JSON output (--json, stdout only): a hidden character becomes the JSON
//     escape "\uXXXX" (a surrogate pair above U+FFFF), so the document parses
//     to exactly the same strings while its text shows no hidden character.
// A character split across two writes is held until its last byte arrives.
//
// Thread-safety: call once, at the start of main, before anything is printed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace qoima::appliance::cli {

enum class OutputMode { kText, kJson };

/// Installs the filtering stdout (in `stdout_mode`) and stderr (always text).
/// Returns false when the streams could not be replaced (output then goes out
/// unfiltered; the caller reports it).
bool InstallVisibleOutput(OutputMode stdout_mode);

/// The filter itself, for tests: `bytes` as InstallVisibleOutput writes them
/// (complete characters only; `carry` receives an incomplete last one).
std::string FilterOutput(std::string_view bytes, OutputMode mode, std::string* carry);

}  // namespace qoima::appliance::cli
