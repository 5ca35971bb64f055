// JsonNestingScanner: refuses at the bracket that crosses the limit, naming
// its line and column, and is not fooled by brackets inside strings.
#include "common/json_nesting.h"

#include <catch2/catch.hpp>
#include <string>

using namespace qoima;

TEST_CASE("nesting up to the limit passes and one level more is refused at its bracket") {
  CHECK(CheckJsonNesting(R"({"a":[{"b":1}]})", 3, "x").ok());
  Status s = CheckJsonNesting(R"({"a":[{"b":[1]}]})", 3, "act.json");
  REQUIRE(s.code() == Code::kLimitExceeded);
  CHECK(s.message() == "act.json: line 1, column 12: JSON nested deeper than 3 levels");
}

TEST_CASE("line and column count characters, not bytes") {
  JsonNestingScanner n(2);
  CHECK_FALSE(n.Feed("{\n  \"қазақ\": [[1]]}"));
  CHECK(n.too_deep());
  CHECK(n.line() == 2);
  CHECK(n.column() == 13);  // two spaces, the quoted five letters, ':', ' ', '[' and the second '['
}

TEST_CASE("brackets and escaped quotes inside strings do not count") {
  CHECK(CheckJsonNesting(R"({"a":"[[[[{{{{\"[[[["})", 1, "x").ok());
  CHECK(CheckJsonNesting(R"(["\\", [1]])", 1, "x").code() == Code::kLimitExceeded);  // the string ended at \\"
}

TEST_CASE("a text fed in pieces gives the same answer and stops taking pieces") {
  const std::string deep(1000, '[');
  JsonNestingScanner n(4);
  CHECK(n.Feed("{\"files\": "));
  CHECK(n.Feed("[\"a\\"));        // a piece ending inside an escape
  CHECK(n.Feed("\"[\", {}], "));  // the escaped quote, then the string closes
  CHECK_FALSE(n.Feed(deep));
  CHECK(n.line() == 1);
  // {"files": ["a\"[", {}],  (24 characters, back at level 1), then levels
  // 2, 3 and 4 at columns 25-27: the fifth '[' at column 28 crosses the limit.
  CHECK(n.column() == 28);
  CHECK_FALSE(n.Feed("]"));
}
