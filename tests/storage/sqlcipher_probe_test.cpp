#include <catch2/catch.hpp>

#include "storage/sqlcipher_probe.h"
#include "tests/fixtures/temp_dir.h"

TEST_CASE("sqlcipher probe round-trips an encrypted database") {
  qoima::testing::TempDir dir;
  auto v = qoima::storage::ProbeSqlcipher(dir.path());
  REQUIRE(v.ok());
  CHECK(v->find("SQLCipher 3.4") == 0);
}

TEST_CASE("sqlcipher probe names an unusable directory") {
  auto v = qoima::storage::ProbeSqlcipher("/nonexistent/qoima-dir");
  REQUIRE_FALSE(v.ok());
  CHECK(v.status().message().find("/nonexistent/qoima-dir") != std::string::npos);
}
