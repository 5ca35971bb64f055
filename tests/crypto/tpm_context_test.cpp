#include <catch2/catch.hpp>

#include "crypto/tpm_context.h"
#include "tests/fixtures/swtpm.h"

using namespace qoima;

TEST_CASE("tpm context opens swtpm and reads the manufacturer") {
  testing::Swtpm tpm;
  auto ctx = crypto::TpmContext::Open(tpm.tcti());
  REQUIRE(ctx.ok());
  auto m = (*ctx)->Describe();
  REQUIRE(m.ok());
  CHECK(*m == "IBM");
}

TEST_CASE("tpm context reports an absent TPM clearly") {
  auto ctx = crypto::TpmContext::Open("swtpm:path=/nonexistent/qoima-tpm.sock");
  REQUIRE_FALSE(ctx.ok());
  CHECK(ctx.status().code() == Code::kTpmError);
  CHECK(ctx.status().message().find("/nonexistent/qoima-tpm.sock") != std::string::npos);
}
