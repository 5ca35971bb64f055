#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <vector>

#include "common/subprocess.h"
#include "crypto/tpm_context.h"
#include "crypto/tpm_ops.h"
#include "tests/fixtures/swtpm.h"
#include "tests/fixtures/temp_dir.h"

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

TEST_CASE("tpm context knows which transports have no resource manager") {
  CHECK(crypto::TctiHasNoResourceManager("swtpm:path=/run/qoima/swtpm.sock"));
  CHECK(crypto::TctiHasNoResourceManager("mssim:host=localhost,port=2321"));
  CHECK(crypto::TctiHasNoResourceManager("device:/dev/tpm0"));
  CHECK(crypto::TctiHasNoResourceManager("device"));
  CHECK_FALSE(crypto::TctiHasNoResourceManager("device:/dev/tpmrm0"));
  CHECK_FALSE(crypto::TctiHasNoResourceManager("tabrmd:bus_name=com.intel.tss2.Tabrmd"));
  CHECK_FALSE(crypto::TctiHasNoResourceManager(""));
}

TEST_CASE("a process killed with the TPM's slots full does not exhaust it: the next open flushes what it left") {
  testing::Swtpm tpm;
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Loads primary keys and starts sessions until the TPM has no room
    // left, then dies by SIGKILL: nothing is flushed on the way out.
    ::close(pipe_fds[0]);
    auto ctx = crypto::TpmContext::Open(tpm.tcti());
    if (!ctx.ok()) ::_exit(10);
    auto* objects = new std::vector<crypto::TpmObject>();  // never freed: the process is killed
    for (int i = 0; i < 64; ++i) {
      auto srk = crypto::tpm::CreateSrk(**ctx);
      if (!srk.ok()) break;
      objects->push_back(std::move(*srk));
    }
    int sessions = 0;
    for (int i = 0; i < 64; ++i) {
      auto s = crypto::tpm::StartSession(**ctx, TPM2_SE_HMAC, ESYS_TR_NONE, 0, "fill");
      if (!s.ok()) break;
      objects->push_back(std::move(*s));
      ++sessions;
    }
    int counts[2] = {static_cast<int>(objects->size()) - sessions, sessions};
    if (::write(pipe_fds[1], counts, sizeof counts) != sizeof counts) ::_exit(11);
    ::kill(::getpid(), SIGKILL);
  }
  ::close(pipe_fds[1]);
  int counts[2] = {0, 0};
  REQUIRE(::read(pipe_fds[0], counts, sizeof counts) == sizeof counts);
  ::close(pipe_fds[0]);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));
  INFO("the killed process left " << counts[0] << " objects and " << counts[1] << " sessions");
  REQUIRE(counts[0] >= 3);
  REQUIRE(counts[1] >= 3);
  CHECK(tpm.TransientObjectCount() == counts[0]);
  // Exhausted: another program without the flush cannot load anything.
  testing::TempDir dir;
  CHECK_FALSE(RunChecked({"tpm2_createprimary", "-T", tpm.tcti(), "-C", "o", "-c", dir.Sub("p.ctx")}).ok());
  {
    auto ctx = crypto::TpmContext::Open(tpm.tcti());
    REQUIRE(ctx.ok());
    CHECK((*ctx)->stale_handles_flushed() == counts[0] + counts[1]);
    auto srk = crypto::tpm::CreateSrk(**ctx);  // room again
    CHECK(srk.ok());
  }
  CHECK(tpm.TransientObjectCount() == 0);
}
