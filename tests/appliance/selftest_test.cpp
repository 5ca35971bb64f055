#include <catch2/catch.hpp>

#include "appliance/selftest.h"
#include "common/subprocess.h"
#include "tests/fixtures/swtpm.h"

using namespace qoima;

namespace {
const std::string kQoima = std::string(QOIMA_BINARY_DIR) + "/cli/qoima";
}

TEST_CASE("selftest passes against swtpm") {
  testing::Swtpm tpm;
  testing::TempDir dir;
  auto checks = appliance::RunSelfTest({tpm.tcti(), dir.path()});
  REQUIRE(checks.size() >= 6);
  for (const auto& c : checks) {
    INFO(c.name << ": " << c.status.ToString());
    CHECK(c.status.ok());
  }
}

TEST_CASE("selftest names the missing TPM") {
  testing::TempDir dir;
  auto checks = appliance::RunSelfTest({"swtpm:path=/nonexistent/sock", dir.path()});
  REQUIRE(checks[0].name == "tpm");
  CHECK(checks[0].status.code() == Code::kTpmError);
}

TEST_CASE("qoima CLI prints its version and runs selftest") {
  auto v = RunChecked({kQoima, "version"});
  REQUIRE(v.ok());
  CHECK(v->out == std::string("qoima ") + QOIMA_VERSION + "\n");

  testing::Swtpm tpm;
  testing::TempDir dir;
  auto ok = RunSubprocess({kQoima, "--tcti", tpm.tcti(), "--state", dir.path(), "selftest"});
  REQUIRE(ok.ok());
  CHECK(ok->exit_code == 0);
  CHECK(ok->out.find("selftest: all checks passed") != std::string::npos);

  tpm.Stop();
  auto bad = RunSubprocess({kQoima, "--tcti", tpm.tcti(), "--state", dir.path(), "--json", "selftest"});
  REQUIRE(bad.ok());
  CHECK(bad->exit_code == 1);
  CHECK(bad->out.find("\"name\":\"tpm\",\"ok\":false") != std::string::npos);

  auto usage = RunSubprocess({kQoima, "frobnicate"});
  REQUIRE(usage.ok());
  CHECK(usage->exit_code == 2);
}
