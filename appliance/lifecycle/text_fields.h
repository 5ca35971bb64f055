// TextFields: the small line/field helpers shared by the lifecycle's
// line-based file formats (calendar, register snapshot), and a lowercase fold
// for Latin, Russian and Kazakh Cyrillic used by look-ups.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace qoima::appliance::lifecycle {

/// Strips spaces, tabs and a trailing CR.
std::string_view TrimField(std::string_view s);
/// Splits on '|' and trims each field.
std::vector<std::string_view> SplitBarFields(std::string_view line);
/// Lowercases ASCII and Cyrillic (incl. ә ғ қ ң ө ұ ү һ і) in UTF-8; other bytes unchanged.
std::string FoldCase(std::string_view utf8);

}  // namespace qoima::appliance::lifecycle
