// Crash injection: a child process runs intakes into a store (real keyring on
// swtpm) and dies by SIGKILL at a random point: at a random filesystem call
// of the object store (CrashEnv), after a random delay (which lands anywhere,
// including inside SQLite's commit and TPM signing), or between a
// checkpoint's commit and the advance of the TPM rollback counter. After each
// death the store must open (catching the counter up when the kill fell
// between the two, and saying so in the audit log), verify-store and audit
// verify must pass, the TPM counter must stand where the newest checkpoint
// says, and every deposit must be whole (all its files, byte for byte) or
// absent. Nothing flushes the TPM between trials: the appliance's own start
// flushes what the killed process left (no resource manager on swtpm).
//
// QOIMA_CRASH_TRIALS (compile definition) sets the number of trials: the
// default suite runs a few, the `slow` label runs >= 200.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <random>

#include "common/subprocess.h"
#include "crypto/keyring.h"
#include "storage/store.h"
#include "tests/fixtures/temp_dir.h"
#include "tests/storage/forwarding_store_keys.h"
#include "tests/storage/store_test_util.h"
#include "tests/storage/tpm_store_keys.h"

#ifndef QOIMA_CRASH_TRIALS
#define QOIMA_CRASH_TRIALS 10
#endif

using namespace qoima::storage;
using qoima::Result;
using qoima::Status;
using namespace qoima::testing;
namespace fs = std::filesystem;

namespace {

/// Dies by SIGKILL at the Nth filesystem call (0: never).
class CrashEnv : public EnvWrapper {
 public:
  CrashEnv(Env& target, int crash_at) : EnvWrapper(target), crash_at_(crash_at) {}
  void Tick() {
    if (crash_at_ > 0 && ++count_ == crash_at_) ::kill(::getpid(), SIGKILL);
  }
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    Tick();
    QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> f, target().NewWritableFile(path));
    return std::unique_ptr<WritableFile>(new File(*this, std::move(f)));
  }
  Status Rename(const std::string& from, const std::string& to) override {
    Tick();
    Status s = target().Rename(from, to);
    Tick();
    return s;
  }
  Status SyncDir(const std::string& dir) override {
    Tick();
    return target().SyncDir(dir);
  }
  Status RemoveFile(const std::string& path) override {
    Tick();
    return target().RemoveFile(path);
  }
  Result<std::unique_ptr<FilesystemSync>> NewFilesystemSync(const std::string& dir) override {
    QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<FilesystemSync> s, target().NewFilesystemSync(dir));
    return std::unique_ptr<FilesystemSync>(new Barrier(*this, std::move(s)));
  }

 private:
  // The deposit's durability barrier: a crash just before or after it.
  class Barrier : public FilesystemSync {
   public:
    Barrier(CrashEnv& env, std::unique_ptr<FilesystemSync> s) : env_(env), s_(std::move(s)) {}
    Status Sync() override {
      env_.Tick();
      Status st = s_->Sync();
      env_.Tick();
      return st;
    }

   private:
    CrashEnv& env_;
    std::unique_ptr<FilesystemSync> s_;
  };
  class File : public WritableFile {
   public:
    File(CrashEnv& env, std::unique_ptr<WritableFile> f) : env_(env), f_(std::move(f)) {}
    Status Append(std::span<const uint8_t> d) override {
      env_.Tick();
      return f_->Append(d);
    }
    Status Sync() override {
      env_.Tick();
      return f_->Sync();
    }
    Status Close() override { return f_->Close(); }

   private:
    CrashEnv& env_;
    std::unique_ptr<WritableFile> f_;
  };
  int crash_at_;
  int count_ = 0;
};

/// The files a deposit labelled `label` must hold: derived from the label alone.
std::vector<TestFile> Expected(const std::string& label) {
  auto seed = qoima::crypto::Sha256::Digest(label);
  std::mt19937_64 rng(static_cast<uint64_t>(seed[0]) << 8 | seed[1]);
  size_t n = 1 + rng() % 6;
  std::vector<TestFile> files;
  for (size_t i = 0; i < n; ++i) {
    size_t size = (rng() % 4 == 0) ? 0 : rng() % 40000;
    std::string content(size, '\0');
    for (char& c : content) c = static_cast<char>(rng());
    files.push_back({label + "/file-" + std::to_string(i) + "-ұлы", std::move(content)});
  }
  return files;
}

/// The child: intakes until killed. Exit codes name what went wrong otherwise.
/// `kill_at_increment` > 0: dies at that advance of the TPM counter, after
/// its checkpoint committed and before the counter moved.
[[noreturn]] void ChildMain(const std::string& tcti, const std::string& key_dir, const std::string& state, int trial,
                            int crash_at, int kill_at_increment, int ready_fd) {
  auto kr = qoima::crypto::Keyring::Open(tcti, key_dir);
  if (!kr.ok()) ::_exit(10);
  KeyringStoreKeys real_keys(**kr);
  HookedCounterKeys keys(real_keys);
  keys.counter().before_increment = [kill_at_increment](int n) {
    if (n == kill_at_increment) ::kill(::getpid(), SIGKILL);
    return Status::Ok();
  };
  CrashEnv env(Env::Default(), crash_at);
  StoreOptions options;
  options.env = &env;
  auto store = Store::Open(state, keys, options);
  if (!store.ok()) ::_exit(11);
  int64_t obj = 1;
  if (*(*store)->db().QueryInt("SELECT count(*) FROM informatization_objects") == 0) {
    if (!(*store)
             ->db()
             .Exec("INSERT INTO informatization_objects(id, name, track, created_at) "
                   "VALUES(1, 'crash', 'application', 't')")
             .ok()) {
      ::_exit(12);
    }
  }
  if (::write(ready_fd, "r", 1) != 1) ::_exit(13);
  for (int seq = 0; seq < 1000; ++seq) {
    std::string label = "t" + std::to_string(trial) + "-s" + std::to_string(seq);
    DepositSpec spec;
    spec.object_id = obj;
    spec.version_label = label;
    auto pending = (*store)->BeginDeposit(spec);
    if (!pending.ok()) ::_exit(14);
    for (const TestFile& f : Expected(label)) {
      auto w = (*pending)->AddFile({Bytes(f.path), f.path, 1700000000, f.category, std::nullopt});
      if (!w.ok()) ::_exit(15);
      for (size_t off = 0; off < f.content.size(); off += 16384) {
        if (!(*w)->Write(Bytes(std::string_view(f.content).substr(off, 16384))).ok()) ::_exit(16);
      }
      if (!(*w)->Finish().ok()) ::_exit(17);
    }
    if (!(*store)->CommitDeposit(std::move(*pending), Actor{"clerk1", "clerk"}).ok()) ::_exit(18);
  }
  ::_exit(0);
}

}  // namespace

TEST_CASE("store survives SIGKILL at random points: whole or absent, verified") {
  TpmStoreKeys tpm;
  TempDir dir;
  std::mt19937 rng(20261126);
  const int trials = QOIMA_CRASH_TRIALS;
  int env_crashes = 0, timed_crashes = 0, counter_crashes = 0, deposits_seen = 0, caught_up = 0, flushes = 0;
  std::string state;
  for (int trial = 0; trial < trials; ++trial) {
    if (trial % 20 == 0) {  // a fresh store now and then: bounded re-verify cost
      state = dir.Sub("state-" + std::to_string(trial));
      REQUIRE(Store::Create(state, tpm.keys()).ok());  // as `qoima init` does; the child only opens
    }
    INFO("trial " << trial);
    // Three kinds of death, in turn: at a filesystem call, after a delay,
    // between a checkpoint's commit and the counter's advance.
    const int kind = trial % 3;
    bool by_env = kind == 0;
    bool by_counter = kind == 2;
    int crash_at = by_env ? 1 + static_cast<int>(rng() % 80) : 0;
    int delay_ms = static_cast<int>(rng() % 400);
    int kill_at_increment = by_counter ? 1 + static_cast<int>(rng() % 4) : 0;
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    tpm.Close();
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::close(pipe_fds[0]);
      ChildMain(tpm.tpm().tcti(), tpm.key_dir(), state, trial, crash_at, kill_at_increment, pipe_fds[1]);
    }
    ::close(pipe_fds[1]);
    // Wait until the child runs intakes (not a sleep: a readiness byte).
    pollfd p{pipe_fds[0], POLLIN, 0};
    REQUIRE(::poll(&p, 1, 60000) == 1);
    char c = 0;
    bool ready = ::read(pipe_fds[0], &c, 1) == 1;
    ::close(pipe_fds[0]);
    if (ready && kind == 1) {
      // The injected fault itself: SIGKILL after a random delay.
      ::usleep(static_cast<useconds_t>(delay_ms) * 1000);
      ::kill(child, SIGKILL);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    INFO("child exit " << (WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status)));
    REQUIRE(WIFSIGNALED(status));
    REQUIRE(WTERMSIG(status) == SIGKILL);
    (by_env ? env_crashes : by_counter ? counter_crashes : timed_crashes)++;

    tpm.Reopen();  // the keyring's TPM connection flushes what the dead child left
    flushes += tpm.keyring().stale_tpm_handles_flushed() > 0 ? 1 : 0;
    auto store = Store::Open(state, tpm.keys());
    INFO((store.ok() ? "" : store.status().ToString()));
    REQUIRE(store.ok());
    const OpenReport& report = (*store)->open_report();
    if (by_counter) {
      // Killed with the checkpoint committed and the counter not advanced:
      // the open caught it up and recorded it.
      CHECK(report.counter_caught_up);
    }
    if (report.counter_caught_up) {
      ++caught_up;
      auto events = (*store)->audit().Entries(0, 1u << 20);
      REQUIRE(events.ok());
      bool recorded = false;
      for (const AuditEvent& e : *events) recorded = recorded || e.action == "store.counter_recover";
      CHECK(recorded);
    }
    auto latest = (*store)->audit().LatestCheckpoint();
    REQUIRE(latest.ok());
    REQUIRE(latest->has_value());
    CHECK((*latest)->counter == *tpm.keys().rollback_counter().Read());
    CHECK(fs::is_empty(state + "/objects/tmp"));
    auto scrub = (*store)->VerifyStore();
    REQUIRE(scrub.ok());
    if (!scrub->ok()) FAIL(scrub->problems[0].message);
    auto audit = (*store)->VerifyAudit();
    REQUIRE(audit.ok());
    if (!audit->ok()) FAIL(audit->problem);
    // Every deposit present is whole: exactly the files its label implies.
    auto st = (*store)->db().Prepare("SELECT id, version_label FROM deposits ORDER BY id");
    REQUIRE(st.ok());
    std::vector<std::pair<int64_t, std::string>> deposits;
    while (*st->Step()) deposits.emplace_back(st->ColumnInt(0), st->ColumnText(1));
    for (const auto& [id, label] : deposits) {
      std::vector<TestFile> want = Expected(label);
      auto files = (*store)->ListFiles(id);
      REQUIRE(files.ok());
      REQUIRE(files->size() == want.size());
      auto reader = (*store)->OpenDeposit(id, Actor{"auditor1", "auditor"}, "crash test check");
      REQUIRE(reader.ok());
      for (const FileInfo& f : *files) {
        auto it = std::find_if(want.begin(), want.end(), [&](const TestFile& t) { return t.path == f.display_path; });
        REQUIRE(it != want.end());
        std::string got;
        REQUIRE((*reader)
                    ->ReadFile(f.id,
                               [&](std::span<const uint8_t> b) {
                                 got.append(reinterpret_cast<const char*>(b.data()), b.size());
                                 return qoima::Status::Ok();
                               })
                    .ok());
        REQUIRE(got == it->content);
      }
    }
    deposits_seen += static_cast<int>(deposits.size());
  }
  WARN("crash trials: " << trials << " (" << env_crashes << " at a filesystem call, " << timed_crashes
                        << " after a random delay, " << counter_crashes
                        << " between a checkpoint's commit and the counter's advance); counter caught up at open: "
                        << caught_up << "; opens that flushed stale TPM handles: " << flushes
                        << "; deposits checked whole: " << deposits_seen);
  CHECK(env_crashes + timed_crashes + counter_crashes == trials);
  CHECK(caught_up >= counter_crashes);
}
