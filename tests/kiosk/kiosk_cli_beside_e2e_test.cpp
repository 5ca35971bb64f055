// The `qoima` command beside the running kiosk: the kiosk opens the
// appliance only while it acts, so the real CLI works while the kiosk waits
// at its login screen or on a screen; while the kiosk acts (a media read), the
// CLI is refused with a clear message; and an action of the kiosk that finds
// another process acting waits, then says the store is busy in the person's
// language, and the next try succeeds. Real binaries, real swtpm, tmux.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <string>
#include <vector>

#include "common/subprocess.h"
#include "common/unique_fd.h"
#include "tests/kiosk/kiosk_e2e_state.h"

namespace qoima::testing {
namespace {

const std::string kCli = std::string(QOIMA_BINARY_DIR) + "/cli/qoima";

SubprocessResult RunCli(const ProvisionedState& p, const std::vector<std::string>& args, const std::string& user,
                        const std::string& password) {
  std::vector<std::string> argv = {kCli};
  argv.insert(argv.end(), args.begin(), args.end());
  SubprocessOptions o;
  o.timeout = std::chrono::minutes(2);
  o.extra_env = p.Env();
  o.extra_env.push_back("QOIMA_USER=" + user);
  o.extra_env.push_back("QOIMA_PASSWORD=" + password);
  auto r = RunSubprocess(argv, o);
  REQUIRE(r.ok());
  INFO("qoima " << args.front() << ": exit " << r->exit_code << "\nstdout: " << r->out << "\nstderr: " << r->err);
  REQUIRE_FALSE(r->timed_out);
  return *r;
}

// Every process below `pid` (the sandboxed reader and what it forks).
std::vector<pid_t> DescendantsOf(pid_t pid) {
  std::vector<pid_t> out;
  for (pid_t child : ChildrenOf(pid)) {
    out.push_back(child);
    for (pid_t grandchild : DescendantsOf(child)) out.push_back(grandchild);
  }
  return out;
}

// The audit entries of refused opens ("store.open" failures), read after the kiosk ended.
int RefusedOpens(const ProvisionedState& p) {
  appliance::ApplianceOptions opt;
  opt.tcti = p.tpm.tcti();
  opt.state_dir = p.state.Sub("state");
  opt.argon2 = appliance::kArgon2TestOnly;
  auto app = appliance::Appliance::Open(opt);
  INFO(app.status().ToString());
  REQUIRE(app.ok());
  auto auditor = (*app)->Login("auditor1", kAuditorPassword);
  REQUIRE(auditor.ok());
  auto events = (*app)->AuditEntries(*auditor, 0, 10000);
  REQUIRE(events.ok());
  int refused = 0;
  for (const auto& e : *events)
    if (e.action == "store.open" && e.outcome == "failure" &&
        e.reason.find(appliance::kInUseByAnotherProcess) != std::string::npos)
      ++refused;
  return refused;
}

// True when another process holds the appliance's lock (probed without waiting).
bool HeldByAnotherProcess(const std::string& lock_path) {
  UniqueFd fd(::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return false;
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) return false;  // free (released with fd)
  return errno == EWOULDBLOCK;
}

void WaitForExit(pid_t pid) {
  for (int i = 0; i < 4000 && ::kill(pid, 0) == 0; ++i) ::usleep(5000);
}

}  // namespace

TEST_CASE("The qoima command runs while the kiosk waits, and is refused clearly while the kiosk reads media",
          "[kiosk][e2e]") {
  ProvisionedState p;
  DepositMedia m(96u << 20);  // a read long enough to be caught in the middle
  ActStick stick(m, false);
  pid_t kiosk_pid = 0;
  {
    TmuxSession t({kKiosk, "--lang", "en"}, p.Env());
    kiosk_pid = t.pid();
    Expect(t, "Password:");
    Expect(t, "TPM: ok  Store: ok", milliseconds(30000));  // the first check is done and closed again
    // The kiosk waits at its login screen: the auditor's CLI reads the log.
    SubprocessResult listed = RunCli(p, {"audit", "list"}, "auditor1", kAuditorPassword);
    CHECK(listed.exit_code == 0);
    CHECK(listed.out.find("user.create") != std::string::npos);

    // A clerk logged in, looking at the applications: still nobody locked out.
    LogIn(t, "clerk1", kClerkPassword);
    Expect(t, "Applications: 1 shown of 1.", milliseconds(20000));
    listed = RunCli(p, {"audit", "list"}, "auditor1", kAuditorPassword);
    CHECK(listed.exit_code == 0);
    CHECK(listed.out.find("user.login") != std::string::npos);

    // The kiosk acts: a media read. Its reader is held still so the read is
    // surely under way while the CLI tries.
    t.SendKeys({"Enter"});
    Expect(t, "Media device:");
    t.Type(m.loop->path());
    t.SendKeys({"F7"});
    PickAct(t, m.loop->path(), stick.loop->path(), "Акт.sha256", PaperDigest(m.ActDigest(false)));
    Expect(t, "Reading " + m.loop->path(), milliseconds(60000));
    // Once the kiosk holds the appliance for the read and its sandboxed
    // reader runs, the reader (and what it forks) is stopped: the read then
    // surely lasts while the CLI tries. (A reader left from the act's walk
    // may linger as a zombie: only live ones count.)
    const std::string lock_path = p.state.Sub("state") + appliance::kApplianceLockFile;
    std::vector<pid_t> readers;
    auto live_readers = [&] {
      std::vector<pid_t> out;
      for (pid_t d : DescendantsOf(kiosk_pid)) {
        char state = StateOf(d);
        if (CommOf(d).rfind("qoima-media", 0) == 0 && state != 'Z' && state != 0) out.push_back(d);
      }
      return out;
    };
    REQUIRE(t.WaitUntil(
        [&](const std::string& screen) {
          if (screen.find("Act versus media") != std::string::npos) return true;  // too late: fails below
          if (!HeldByAnotherProcess(lock_path) || live_readers().empty()) return false;
          for (pid_t r : live_readers())
            if (::kill(r, SIGSTOP) == 0) readers.push_back(r);
          for (pid_t r : live_readers())  // forked meanwhile
            if (::kill(r, SIGSTOP) == 0) readers.push_back(r);
          return true;
        },
        milliseconds(60000)));
    INFO(t.Capture());
    REQUIRE_FALSE(readers.empty());  // the read had not finished
    REQUIRE(HeldByAnotherProcess(lock_path));
    SubprocessResult refused = RunCli(p, {"audit", "list"}, "auditor1", kAuditorPassword);
    CHECK(refused.exit_code == 6);
    CHECK(refused.err.find("in use by another process") != std::string::npos);
    CHECK(refused.err.find("the kiosk carrying out an action") != std::string::npos);
    CHECK(refused.out.find("user.create") == std::string::npos);
    for (pid_t r : readers) ::kill(r, SIGCONT);
    Expect(t, "Act versus media", milliseconds(120000));
    Expect(t, "4 files, 0 problems.");

    // The comparison is on the screen and the kiosk waits for the clerk: the CLI works again.
    listed = RunCli(p, {"audit", "list"}, "auditor1", kAuditorPassword);
    CHECK(listed.exit_code == 0);
    INFO(listed.out);
    CHECK(listed.out.find("deposit.commit") != std::string::npos);             // the held read
    CHECK(listed.out.find("in use by another process") != std::string::npos);  // the refusal, once
    CHECK_FALSE(t.dead());
  }
  WaitForExit(kiosk_pid);
  CHECK(RefusedOpens(p) == 1);  // one refused open, one audit entry
}

TEST_CASE("An action of the kiosk while another process acts on the appliance: the store is busy, nothing done",
          "[kiosk][e2e]") {
  ProvisionedState p;
  pid_t kiosk_pid = 0;
  {
    TmuxSession t({kKiosk, "--lang", "en"}, p.Env());
    kiosk_pid = t.pid();
    Expect(t, "Password:");
    Expect(t, "TPM: ok  Store: ok", milliseconds(30000));
    {
      // Another process (here this test, as a qoima command would) has the appliance.
      const std::string lock_path = p.state.Sub("state") + appliance::kApplianceLockFile;
      UniqueFd lock(::open(lock_path.c_str(), O_RDWR | O_CLOEXEC));
      REQUIRE(lock.valid());
      REQUIRE(::flock(lock.get(), LOCK_EX | LOCK_NB) == 0);
      LogIn(t, "clerk1", kClerkPassword);
      Expect(t, "The store is busy: a qoima command is using it.", milliseconds(30000));
      Expect(t, "Store: busy");
      Snap(t, "store-busy-en");
      CHECK(t.Capture().find("Applications") == std::string::npos);  // not logged in
      t.SendKeys({"F2"});                                            // kk
      Expect(t, "Қойма бос емес");
      Snap(t, "store-busy-kk");
      t.SendKeys({"F2"});  // ru
      Expect(t, "Хранилище занято");
      t.SendKeys({"F2"});  // en
    }                      // released
    t.Type(kClerkPassword);
    t.SendKeys({"Enter"});
    Expect(t, "Applications: 1 shown of 1.", milliseconds(20000));
    Expect(t, "TPM: ok  Store: ok");
  }
  WaitForExit(kiosk_pid);
  CHECK(RefusedOpens(p) == 1);
}

}  // namespace qoima::testing
