// The filter every `qoima` output passes: hidden characters escaped in text,
// JSON escapes in JSON (which parse back to the exact text), characters split
// between two writes handled whole.
#include "cli/cli_output.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace qoima::appliance::cli;

namespace {
const std::string kName =
    "invoice\xE2\x80\xAE"
    "fdp.exe";
}

TEST_CASE("text output shows hidden characters escaped and keeps lines") {
  std::string carry;
  CHECK(FilterOutput("file " + kName + "\n\tnext\n", OutputMode::kText, &carry) ==
        "file invoice\\u{202E}fdp.exe\n\tnext\n");
  CHECK(carry.empty());
  CHECK(FilterOutput("\x1b]0;title\x07 Қазақ\n", OutputMode::kText, &carry) == "\\u{001B}]0;title\\u{0007} Қазақ\n");
}

TEST_CASE("a character split between two writes is escaped whole") {
  std::string carry;
  std::string a = FilterOutput("x\xE2\x80", OutputMode::kText, &carry);
  CHECK(a == "x");
  CHECK(carry == "\xE2\x80");
  std::string b = FilterOutput("\xAEy", OutputMode::kText, &carry);
  CHECK(b == "\\u{202E}y");
  CHECK(carry.empty());
  // A Kazakh letter split the same way comes through unchanged.
  CHECK(FilterOutput("\xD2", OutputMode::kText, &carry).empty());
  CHECK(FilterOutput("\x9B", OutputMode::kText, &carry) == "\xD2\x9B");  // қ
}

TEST_CASE("JSON output keeps the exact name as JSON escapes") {
  nlohmann::json j = {{"path", kName}, {"tag", "tag\xF3\xA0\x81\x81"}, {"kk", "Қазақ"}};
  std::string carry;
  std::string shown = FilterOutput(j.dump(2) + "\n", OutputMode::kJson, &carry);
  CHECK(shown.find("\xE2\x80\xAE") == std::string::npos);
  CHECK(shown.find("invoice\\u202efdp.exe") != std::string::npos);
  CHECK(shown.find("tag\\udb40\\udc41") != std::string::npos);  // above U+FFFF: a surrogate pair
  CHECK(shown.find("Қазақ") != std::string::npos);              // visible text is left as it is
  CHECK(nlohmann::json::parse(shown) == j);
  // A literal backslash-u in a value is not mistaken for an escape.
  nlohmann::json lit = {{"v", "\\u{202E} typed"}};
  CHECK(nlohmann::json::parse(FilterOutput(lit.dump(), OutputMode::kJson, &carry)) == lit);
}
