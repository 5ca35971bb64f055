// PendingSecurityLog: failures before the store opens are kept, bounded, and
// survive a damaged line.
#include <catch2/catch.hpp>

#include <fstream>

#include "appliance/pending_security_log.h"
#include "tests/fixtures/temp_dir.h"

using qoima::appliance::PendingSecurityEvent;
using qoima::appliance::PendingSecurityLog;

TEST_CASE("pending security log: append, read back in order, clear") {
  qoima::testing::TempDir dir;
  PendingSecurityLog log(dir.path());
  REQUIRE(log.ReadAll()->empty());
  REQUIRE(log.Append({"2026-11-26T07:00:00Z", "keyring.open", "policy_mismatch", "PCRs 7 differ"}).ok());
  REQUIRE(log.Append({"2026-11-26T07:01:00Z", "keys.recover", "auth_failed", "need 2 shares"}).ok());
  auto events = log.ReadAll();
  REQUIRE(events.ok());
  REQUIRE(events->size() == 2);
  CHECK((*events)[0].action == "keyring.open");
  CHECK((*events)[0].code == "policy_mismatch");
  CHECK((*events)[1].message == "need 2 shares");
  REQUIRE(log.Clear().ok());
  CHECK(log.ReadAll()->empty());
}

TEST_CASE("pending security log: a damaged line is reported by number and the count is bounded") {
  qoima::testing::TempDir dir;
  PendingSecurityLog log(dir.path());
  REQUIRE(log.Append({"t", "keyring.open", "tpm_error", "no TPM"}).ok());
  {
    std::ofstream out(log.path(), std::ios::app);
    out << "{not json\n";
  }
  auto events = log.ReadAll();
  REQUIRE(events->size() == 2);
  CHECK((*events)[1].action == "pending-log.unreadable");
  CHECK((*events)[1].message.find("line 2") != std::string::npos);

  PendingSecurityLog small(dir.path(), 8);
  for (size_t i = 0; i < 20; ++i) REQUIRE(small.Append({"t", "keyring.open", "lockout", std::string(5000, 'x')}).ok());
  events = small.ReadAll();
  REQUIRE(events.ok());
  CHECK(events->size() == 9);
  CHECK(events->back().action == "pending-log.dropped");
  CHECK((*events)[2].message.size() <= PendingSecurityLog::kMaxLineBytes);
}
