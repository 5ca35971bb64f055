// The rollback counter on a swtpm: created once, advanced one step at a
// time, kept across a power cycle, never set back, and recognised as not
// ours when someone defines it again with an authValue of their own.
#include <catch2/catch.hpp>

#include "common/subprocess.h"
#include "crypto/keyring.h"
#include "crypto/secret.h"
#include "crypto/tpm_context.h"
#include "crypto/tpm_nv_counter.h"
#include "tests/fixtures/swtpm.h"
#include "tests/fixtures/temp_dir.h"

using namespace qoima;

namespace {

crypto::SecretBytes Auth(uint8_t fill) {
  crypto::SecretBytes a(32);
  for (size_t i = 0; i < a.size(); ++i) a.data()[i] = fill;
  return a;
}

std::string Hex32(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", v);
  return b;
}

}  // namespace

TEST_CASE("TPM NV counter: created once - advanced one step at a time - kept across a power cycle") {
  testing::Swtpm tpm;
  const uint32_t handle = crypto::TpmNvCounter::HandleFor("a1b2c3d4");
  CHECK(handle == 0x0130a1b2u);
  uint64_t first = 0;
  {
    auto ctx = crypto::TpmContext::Open(tpm.tcti());
    REQUIRE(ctx.ok());
    crypto::TpmNvCounter counter(**ctx, handle, Auth(7));
    CHECK(counter.Name() == "TPM NV counter 0x0130a1b2");
    auto none = counter.Read();
    REQUIRE(none.ok());
    CHECK_FALSE(none->has_value());
    CHECK(counter.Increment().status().code() == Code::kNotFound);
    REQUIRE(counter.Create().ok());
    REQUIRE(counter.Create().ok());            // idempotent
    CHECK_FALSE(counter.Read()->has_value());  // defined, never advanced
    auto v = counter.Increment();
    REQUIRE(v.ok());
    first = *v;
    CHECK(*counter.Increment() == first + 1);
    CHECK(*counter.Read() == std::optional<uint64_t>(first + 1));
  }
  CHECK(tpm.TransientObjectCount() == 0);  // no session or handle left behind
  tpm.Stop();
  tpm.Start();
  auto ctx = crypto::TpmContext::Open(tpm.tcti());
  REQUIRE(ctx.ok());
  crypto::TpmNvCounter counter(**ctx, handle, Auth(7));
  CHECK(*counter.Read() == std::optional<uint64_t>(first + 1));
  // With another authValue it cannot be read or advanced, and it says why.
  crypto::TpmNvCounter wrong(**ctx, handle, Auth(8));
  CHECK(wrong.Read().status().code() == Code::kTampered);
  CHECK(wrong.Increment().status().code() == Code::kTampered);
  CHECK(*counter.Read() == std::optional<uint64_t>(first + 1));
}

TEST_CASE("TPM NV counter: deleted and defined again it never comes back lower - and is not taken for ours") {
  testing::Swtpm tpm;
  const uint32_t handle = crypto::TpmNvCounter::HandleFor("00ff0000");
  uint64_t reached = 0;
  {
    auto ctx = crypto::TpmContext::Open(tpm.tcti());
    REQUIRE(ctx.ok());
    crypto::TpmNvCounter counter(**ctx, handle, Auth(1));
    REQUIRE(counter.Create().ok());
    for (int i = 0; i < 5; ++i) reached = *counter.Increment();
  }
  // An insider with the owner hierarchy (no owner password on this TPM)
  // deletes the index and defines it again with the same attributes.
  REQUIRE(RunChecked({"tpm2_nvundefine", "-T", tpm.tcti(), "-C", "o", Hex32(handle)}).ok());
  REQUIRE(RunChecked({"tpm2_nvdefine", "-T", tpm.tcti(), "-C", "o", "-s", "8", "-a",
                      "nt=counter|authwrite|authread|ownerread|no_da", "-p", "insider", Hex32(handle)})
              .ok());
  REQUIRE(RunChecked({"tpm2_nvincrement", "-T", tpm.tcti(), "-C", Hex32(handle), "-P", "insider", Hex32(handle)}).ok());
  auto read = RunChecked({"tpm2_nvread", "-T", tpm.tcti(), "-C", "o", "-s", "8", Hex32(handle)});
  REQUIRE(read.ok());
  REQUIRE(read->out.size() == 8);
  uint64_t again = 0;
  for (unsigned char c : read->out) again = again << 8 | c;
  CHECK(again > reached);  // the TPM starts a new counter above every counter it had
  auto ctx = crypto::TpmContext::Open(tpm.tcti());
  REQUIRE(ctx.ok());
  crypto::TpmNvCounter counter(**ctx, handle, Auth(1));
  auto r = counter.Read();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kTampered);
  CHECK(r.status().message().find("defined again by someone else") != std::string::npos);
}

TEST_CASE("TPM NV counter: another kind of index at its handle is refused and left alone") {
  testing::Swtpm tpm;
  const uint32_t handle = crypto::TpmNvCounter::HandleFor("12340000");
  REQUIRE(
      RunChecked({"tpm2_nvdefine", "-T", tpm.tcti(), "-C", "o", "-s", "8", "-a", "ownerread|ownerwrite", Hex32(handle)})
          .ok());
  auto ctx = crypto::TpmContext::Open(tpm.tcti());
  REQUIRE(ctx.ok());
  crypto::TpmNvCounter counter(**ctx, handle, Auth(1));
  CHECK(counter.Create().code() == Code::kTampered);
  CHECK(counter.Read().status().code() == Code::kTampered);
  CHECK(counter.Increment().status().code() == Code::kTampered);
}

TEST_CASE("keyring: the rollback counter's handle follows the key check and its auth the master key") {
  testing::Swtpm tpm;
  testing::TempDir dir;
  crypto::ProvisionOptions o;
  o.device_name = "qoima counter test";
  REQUIRE(crypto::Keyring::Provision(tpm.tcti(), dir.Sub("keys"), o).ok());
  std::string meta = testing::ReadFile(dir.Sub("keys/keyring.meta"));
  std::string key_check = meta.substr(meta.find("key_check=") + 10, 8);
  auto kr = crypto::Keyring::Open(tpm.tcti(), dir.Sub("keys"));
  REQUIRE(kr.ok());
  crypto::MonotonicCounter& c = (*kr)->rollback_counter();
  CHECK(c.Name() == "TPM NV counter " + Hex32(crypto::TpmNvCounter::HandleFor(key_check)));
  REQUIRE(c.Create().ok());
  uint64_t v = *c.Increment();
  kr->reset();
  auto again = crypto::Keyring::Open(tpm.tcti(), dir.Sub("keys"));
  REQUIRE(again.ok());
  CHECK(*(*again)->rollback_counter().Read() == std::optional<uint64_t>(v));
}
