#include <catch2/catch.hpp>

#include <fcntl.h>

#include <cerrno>

#include "common/result.h"
#include "common/status.h"
#include "common/unique_fd.h"

using qoima::Code;
using qoima::Result;
using qoima::Status;

TEST_CASE("status carries code, message and context") {
  Status s = Status::MediaUnreadable("read at offset 4096: Input/output error");
  CHECK_FALSE(s.ok());
  Status c = s.WithContext("probe /dev/sdb1");
  CHECK(c.code() == Code::kMediaUnreadable);
  CHECK(c.message() == "probe /dev/sdb1: read at offset 4096: Input/output error");
  CHECK(c.ToString() == "media_unreadable: probe /dev/sdb1: read at offset 4096: Input/output error");
  CHECK(Status::Ok().WithContext("anything").ok());
}

TEST_CASE("errno maps to status codes in one place") {
  CHECK(Status::FromErrno(ENOENT, "open x").code() == Code::kNotFound);
  CHECK(Status::FromErrno(ENOSPC, "write x").code() == Code::kNoSpace);
  CHECK(Status::FromErrno(EIO, "read x").code() == Code::kIoError);
  CHECK(Status::FromErrno(ENOMEDIUM, "read x").code() == Code::kMediaUnreadable);
  CHECK(Status::FromErrno(EIO, "read /dev/sr0").message().find("read /dev/sr0: ") == 0);
}

namespace {
Result<int> Half(int v) {
  if (v % 2) return Status::InvalidArgument("odd: " + std::to_string(v));
  return v / 2;
}
Result<int> Quarter(int v) {
  QOIMA_ASSIGN_OR_RETURN(int h, Half(v));
  QOIMA_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}
}  // namespace

TEST_CASE("result propagates the first failure") {
  CHECK(*Quarter(8) == 2);
  auto r = Quarter(6);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() == "odd: 3");
  CHECK_THROWS_WITH(r.value(), Catch::Contains("odd: 3"));
}

TEST_CASE("result refuses an OK status without a value") {
  Result<int> r{Status::Ok()};
  CHECK_FALSE(r.ok());
  CHECK(r.status().code() == Code::kInternal);
}

TEST_CASE("unique fd closes and moves") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  qoima::UniqueFd a(fds[0]);
  { qoima::UniqueFd w(fds[1]); }
  CHECK(::fcntl(fds[1], F_GETFD) == -1);  // closed by the destructor
  qoima::UniqueFd b = std::move(a);
  CHECK_FALSE(a.valid());
  CHECK(b.get() == fds[0]);
}
