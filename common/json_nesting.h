// JsonNestingScanner: refuses JSON that nests deeper than a limit before any
// JSON parser allocates for it.
//
// A DOM or SAX parser keeps state for every open array and object; a file of
// 64 MiB of '[' made the act parser's structural scan hold millions of frames
// (hundreds of MiB) before the parse refused it. This scanner holds three
// integers and two flags whatever the input: it follows strings and escapes,
// counts the depth, and stops at the first bracket that opens one level more
// than allowed, naming its line and column. Run it over the text (or feed it
// the pieces of a file) before the parser, and parse only when it passed.
//
// Thread-safety: one scanner per text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace qoima {

class JsonNestingScanner {
 public:
  /// `max_depth`: the deepest nesting accepted (1 = a flat object or array).
  explicit JsonNestingScanner(int max_depth) : max_depth_(max_depth) {}

  /// Feeds the next piece of the text; false once the limit was crossed
  /// (the rest is then ignored).
  bool Feed(std::string_view piece);
  bool too_deep() const { return too_deep_; }
  /// Where the bracket that crossed the limit is: 1-based line and column
  /// (column in characters, not bytes).
  size_t line() const { return line_; }
  size_t column() const { return column_; }
  /// "line 3, column 17: JSON nested deeper than 4 levels".
  std::string Message() const;

 private:
  int max_depth_;
  int depth_ = 0;
  size_t line_ = 1;
  size_t column_ = 0;
  bool in_string_ = false;
  bool escaped_ = false;
  bool too_deep_ = false;
};

/// OK when `text` nests at most `max_depth` levels; else LimitExceeded
/// "<what>: line L, column C: JSON nested deeper than N levels".
Status CheckJsonNesting(std::string_view text, int max_depth, std::string_view what);

}  // namespace qoima
