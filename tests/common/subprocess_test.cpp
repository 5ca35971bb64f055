#include <catch2/catch.hpp>

#include "common/subprocess.h"

using namespace qoima;

TEST_CASE("subprocess captures output and exit code") {
  auto r = RunSubprocess({"sh", "-c", "echo out; echo err >&2; exit 3"});
  REQUIRE(r.ok());
  CHECK(r->exit_code == 3);
  CHECK(r->out == "out\n");
  CHECK(r->err == "err\n");
  CHECK_FALSE(r->success());
}

TEST_CASE("subprocess feeds stdin larger than a pipe buffer") {
  SubprocessOptions o;
  o.stdin_data = std::string(1 << 20, 'x');
  auto r = RunSubprocess({"wc", "-c"}, o);
  REQUIRE(r.ok());
  CHECK(r->out.find("1048576") != std::string::npos);
}

TEST_CASE("subprocess times out and kills") {
  SubprocessOptions o;
  o.timeout = std::chrono::milliseconds(200);
  auto r = RunSubprocess({"sleep", "30"}, o);
  REQUIRE(r.ok());
  CHECK(r->timed_out);
}

TEST_CASE("subprocess names a missing program") {
  auto r = RunSubprocess({"qoima-no-such-program"});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kNotFound);
  CHECK(r.status().message().find("qoima-no-such-program") != std::string::npos);
}

TEST_CASE("checked run quotes stderr of a failing command") {
  auto r = RunChecked({"sh", "-c", "echo broken disc >&2; exit 1"});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("broken disc") != std::string::npos);
}
