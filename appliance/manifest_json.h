// Our JSON act format (qoima act create, and the appliance's own record of
// an act), internal to the manifest parsers: the first pass's structural
// scan, which the second pass's streaming parse uses for line numbers and
// duplicate keys. See manifest_format.h and docs/act-manifest.md.
//
// Thread-safety: none (one object per parse).
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "appliance/manifest_parser.h"
#include "common/json_nesting.h"
#include "common/status.h"

namespace qoima::appliance::act_format {

// Structural scan of JSON text: line of each object in the top-level
// "files" array, and duplicate keys (nlohmann would keep the last silently).
struct JsonScan {
  std::vector<size_t> file_lines;
  size_t duplicate_key_line = 0;
  std::string duplicate_key;
};

// Fed the text, or the pieces of a file read in chunks: the same result.
// Nesting deeper than kMaxJsonDepth stops it at that bracket (too_deep()),
// before a frame is pushed for it: the scan holds at most kMaxJsonDepth
// frames, each with at most kMaxScannedKeys keys of at most
// kMaxScannedStringBytes, whatever the input.
class JsonScanner {
 public:
  // Keys of one object remembered for the duplicate check: no object of the
  // format has more than 13, so one with more is refused anyway (unknown field).
  static constexpr size_t kMaxScannedKeys = 64;
  // Longer strings are not keys of the format (unknown field if they are).
  static constexpr size_t kMaxScannedStringBytes = 256;

  void Feed(std::string_view t);
  JsonScan Take() { return std::move(scan_); }
  /// The text nests deeper than kMaxJsonDepth; nesting() says where.
  bool too_deep() const { return nesting_.too_deep(); }
  const JsonNestingScanner& nesting() const { return nesting_; }

 private:
  void Append(char c) {
    if (string_.size() < kMaxScannedStringBytes)
      string_ += c;
    else
      string_cut_ = true;
  }
  struct Frame {
    bool object;
    bool expect_key;
    bool is_files_array;
    std::set<std::string> keys;
    std::string last_key;
  };
  void EndString();

  JsonScan scan_;
  JsonNestingScanner nesting_{kMaxJsonDepth};
  std::vector<Frame> stack_;
  std::string string_;
  bool string_cut_ = false;
  size_t line_ = 1;
  bool in_string_ = false;
  bool escaped_ = false;
};

/// The refusal of a text JsonScanner found too deep: "act.json:3:17: JSON
/// nested deeper than 4 levels".
Status TooDeep(const std::string& file, const JsonNestingScanner& n);

}  // namespace qoima::appliance::act_format
