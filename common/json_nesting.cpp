#include "common/json_nesting.h"

namespace qoima {

bool JsonNestingScanner::Feed(std::string_view piece) {
  if (too_deep_) return false;
  for (char ch : piece) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') {
      ++line_;
      column_ = 0;
    } else if ((c & 0xC0) != 0x80) {
      ++column_;  // a character starts here (continuation bytes do not count)
    }
    if (in_string_) {
      if (escaped_)
        escaped_ = false;
      else if (c == '\\')
        escaped_ = true;
      else if (c == '"')
        in_string_ = false;
      continue;
    }
    if (c == '"') {
      in_string_ = true;
    } else if (c == '[' || c == '{') {
      if (++depth_ > max_depth_) {
        too_deep_ = true;
        return false;
      }
    } else if ((c == ']' || c == '}') && depth_ > 0) {
      --depth_;
    }
  }
  return true;
}

std::string JsonNestingScanner::Message() const {
  return "line " + std::to_string(line_) + ", column " + std::to_string(column_) + ": JSON nested deeper than " +
         std::to_string(max_depth_) + (max_depth_ == 1 ? " level" : " levels");
}

Status CheckJsonNesting(std::string_view text, int max_depth, std::string_view what) {
  JsonNestingScanner scanner(max_depth);
  if (scanner.Feed(text)) return Status::Ok();
  return Status::LimitExceeded(std::string(what) + ": " + scanner.Message());
}

}  // namespace qoima
