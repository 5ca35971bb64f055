// The reader's sandbox against a reader taken over by a hostile medium
// (qoima-hostile-reader: the real sandbox start, then attacks), run as the
// appliance runs it: started by root (the reader drops to an unprivileged
// uid) and started by an unprivileged uid (user namespaces only). Also: a
// sandbox that cannot be set up is the appliance's fault, and a medium a
// killed reader left read-only gets its flag back.
#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/fs.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "common/subprocess.h"
#include "hardware/read_only_guard.h"
#include "hardware/reader_child.h"
#include "tests/hardware/media_test_util.h"

using namespace qoima;
using namespace qoima::hardware;
using namespace qoima::testing;

namespace {

const std::string kHostile = std::string(QOIMA_BINARY_DIR) + "/tests/hardware/qoima-hostile-reader";
const std::string kNoUserns = std::string(QOIMA_BINARY_DIR) + "/tests/hardware/qoima-test-no-userns";
const std::string kQoimaRead = std::string(QOIMA_BINARY_DIR) + "/hardware/qoima-read";
constexpr uid_t kUnprivileged = 4242;  // an appliance user: owns nothing here, no passwd entry needed

// The uid a reader started by root runs as.
uid_t ReaderUid() {
  passwd* pw = ::getpwnam(kReaderAccount);
  return pw != nullptr ? pw->pw_uid : 65534;
}

struct HostileRun {
  Result<ReadSummary> result = Status::Internal("not run");
  CollectingSink sink;
  /// The reader's reports: the paths of its entries.
  std::vector<std::string> reports() const {
    std::vector<std::string> out;
    for (const auto& e : sink.entries) out.push_back(e.header.display_path);
    return out;
  }
  std::string Report() const { return reports().empty() ? "" : reports().front(); }
};

// A "medium" whose first line names the attack.
std::string Medium(const TempDir& dir, const std::string& script) {
  std::string path = dir.Sub("medium-" + std::to_string(std::hash<std::string>{}(script)));
  WriteFile(path, script + "\n");
  ::chmod(path.c_str(), 0644);
  return path;
}

ReadOptions HostileOptions(bool seccomp) {
  ReadOptions opt = TestReadOptions();
  opt.sandbox.child_binary = kHostile;
  opt.sandbox.use_seccomp = seccomp;
  return opt;
}

void RunHostile(const std::string& medium, bool seccomp, HostileRun& run) {
  run.result = ReadMedia(medium, HostileOptions(seccomp), run.sink);
}

// The same read from a process of an unprivileged uid (as the appliance's
// `qoima` user): forked, uid dropped, result written back through a pipe.
std::string ReportAsUnprivileged(const std::string& medium, bool seccomp) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    if (::setgroups(0, nullptr) != 0 || ::setresgid(kUnprivileged, kUnprivileged, kUnprivileged) != 0 ||
        ::setresuid(kUnprivileged, kUnprivileged, kUnprivileged) != 0)
      ::_exit(3);
    HostileRun run;
    RunHostile(medium, seccomp, run);
    std::string out = run.result.ok() ? run.Report() : "failed: " + run.result.status().ToString();
    (void)!::write(fds[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int ws = 0;
  ::waitpid(pid, &ws, 0);
  INFO("unprivileged run exit status " << ws);
  CHECK((WIFEXITED(ws) && WEXITSTATUS(ws) == 0));
  return out;
}

// A world-readable scratch directory (the unprivileged reader opens it).
void OpenToAll(const TempDir& dir) { ::chmod(dir.path().c_str(), 0755); }

// A process of `uid` that only waits to be killed.
pid_t StartVictim(uid_t uid) {
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::setresgid(uid, uid, uid) != 0 || ::setresuid(uid, uid, uid) != 0) ::_exit(3);
    for (;;) ::pause();
  }
  return pid;
}

bool Alive(pid_t pid) {
  int ws = 0;
  return ::waitpid(pid, &ws, WNOHANG) == 0;
}

void StopVictim(pid_t pid) {
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

bool DiedOfSeccomp(const HostileRun& run) {
  return !run.result.ok() && run.sink.HasProblem(ProblemClass::kParserCrash) &&
         run.result.status().message().find("SIGSYS") != std::string::npos;
}

int ReadOnlyFlag(const std::string& device) {
  UniqueFd fd(::open(device.c_str(), O_RDONLY | O_CLOEXEC));
  int ro = -1;
  if (!fd || ::ioctl(fd.get(), BLKROGET, &ro) != 0) return -1;
  return ro;
}

}  // namespace

TEST_CASE("the reader runs under an unprivileged uid without capabilities in its own namespaces and an empty root") {
  TempDir dir("qoima-sandbox");
  OpenToAll(dir);
  std::string medium = Medium(dir, "status");
  // Without the seccomp filter (it refuses some of the probes): the
  // namespaces, uid and capabilities hold on their own.
  HostileRun run;
  RunHostile(medium, false, run);
  INFO(run.result.status().ToString());
  REQUIRE(run.result.ok());
  std::string report = run.Report();
  INFO(report);
  const std::string uid = std::to_string(ReaderUid());
  CHECK(report.find("uid=" + uid + " ") != std::string::npos);
  CHECK(report.find("caps=0 ") != std::string::npos);
  CHECK(report.find(" pid=2 ppid=1 ") != std::string::npos);  // its own PID namespace, under its own init
  CHECK(report.find("fds=1,2,3,4, ") != std::string::npos);   // diagnostics, frames, the medium: nothing else
  CHECK(report.find("nofile=64 fsize=0 ") != std::string::npos);
  CHECK(report.find("nonewprivs=1 dumpable=0 ") != std::string::npos);
  CHECK(report.find("root_entries=0 ") != std::string::npos);  // an empty root
  CHECK(report.find("interfaces=lo,") != std::string::npos);   // a network namespace of its own: loopback only
  CHECK(report.find("interfaces=lo,") + std::string("interfaces=lo,").size() == report.size());

  // Started by an unprivileged uid, as the appliance's `qoima` user.
  std::string unprivileged = ReportAsUnprivileged(medium, false);
  INFO(unprivileged);
  CHECK(unprivileged.find("uid=" + std::to_string(kUnprivileged) + " ") != std::string::npos);
  CHECK(unprivileged.find("caps=0 ") != std::string::npos);
  CHECK(unprivileged.find(" pid=2 ppid=1 ") != std::string::npos);
  CHECK(unprivileged.find("root_entries=0 ") != std::string::npos);
  CHECK(unprivileged.find("interfaces=lo,") != std::string::npos);
}

TEST_CASE("a hostile reader cannot open the appliance's files") {
  TempDir dir("qoima-sandbox");
  OpenToAll(dir);
  for (const std::string& path :
       std::vector<std::string>{"/etc/shadow", "/proc/self/environ", dir.Sub("medium-secret")}) {
    WriteFile(dir.Sub("medium-secret"), "the appliance's own file");
    std::string medium = Medium(dir, "open " + path);
    std::string expect = "open " + path + ": No such file or directory";
    for (char& c : expect)
      if (c == '/') c = '|';
    for (bool seccomp : {true, false}) {  // the filter, and the empty root on its own
      HostileRun run;
      RunHostile(medium, seccomp, run);
      INFO(path << " seccomp " << seccomp << ": " << run.result.status().ToString());
      REQUIRE(run.result.ok());
      CHECK(run.Report() == expect);
    }
    CHECK(ReportAsUnprivileged(medium, true) == expect);
  }
}

TEST_CASE("a hostile reader cannot signal pid 1 or the appliance or another process of its uid") {
  TempDir dir("qoima-sandbox");
  OpenToAll(dir);
  pid_t victim = StartVictim(ReaderUid());
  REQUIRE(victim > 0);
  for (pid_t target : {pid_t{1}, ::getpid(), victim}) {
    std::string medium = Medium(dir, "kill " + std::to_string(target));
    HostileRun run;
    RunHostile(medium, true, run);
    INFO("kill " << target << ": " << run.result.status().ToString());
    CHECK(DiedOfSeccomp(run));  // the filter allows signals to itself only
    CHECK(Alive(victim));
    if (target == 1) continue;  // without the filter, pid 1 is the reader's own init
    // Without the filter the PID namespace still hides every process outside.
    HostileRun bare;
    RunHostile(medium, false, bare);
    INFO(bare.result.status().ToString());
    REQUIRE(bare.result.ok());
    CHECK(bare.Report() == "kill " + std::to_string(target) + ": No such process");
    CHECK(Alive(victim));
  }
  StopVictim(victim);
}

TEST_CASE("a hostile reader's writes to stderr reach the appliance as escaped data never the terminal") {
  TempDir dir("qoima-sandbox");
  std::string medium = Medium(dir, "stderr");
  // This process's stderr stands for the terminal qoima runs on.
  std::string captured = dir.Sub("terminal");
  UniqueFd terminal(::open(captured.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  REQUIRE(terminal);
  UniqueFd saved(::fcntl(2, F_DUPFD_CLOEXEC, 10));
  REQUIRE(::dup2(terminal.get(), 2) == 2);
  HostileRun run;
  RunHostile(medium, true, run);
  ::dup2(saved.get(), 2);
  std::string message = run.result.status().message();
  INFO(message);
  REQUIRE_FALSE(run.result.ok());
  CHECK(run.sink.HasProblem(ProblemClass::kParserCrash));
  CHECK(message.find("\\u{001B}]52;c;cXdvaW1h\\u{0007}") != std::string::npos);  // quoted as data
  CHECK(message.find('\x1b') == std::string::npos);
  std::string terminal_saw = ReadFile(captured);
  CHECK(terminal_saw.find('\x1b') == std::string::npos);
  CHECK(terminal_saw.find("reader taken over") == std::string::npos);
}

TEST_CASE("a hostile reader cannot write to the medium or reach the network") {
  TempDir dir("qoima-sandbox");
  // A listener on this host's loopback and an abstract UNIX socket: what a
  // reader would reach without a network namespace of its own.
  UniqueFd tcp(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(tcp.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(tcp.get(), 4) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(tcp.get(), reinterpret_cast<sockaddr*>(&a), &len) == 0);
  const int port = ntohs(a.sin_port);
  UniqueFd unix_listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  sockaddr_un ua{};
  ua.sun_family = AF_UNIX;
  std::string name = "qoima-hostile-test-" + std::to_string(port);
  std::memcpy(ua.sun_path + 1, name.data(), name.size());
  REQUIRE(::bind(unix_listener.get(), reinterpret_cast<sockaddr*>(&ua),
                 static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size())) == 0);
  REQUIRE(::listen(unix_listener.get(), 4) == 0);

  std::string socket_medium = Medium(dir, "socket 127.0.0.1 " + std::to_string(port));
  HostileRun run;
  RunHostile(socket_medium, true, run);
  INFO(run.result.status().ToString());
  CHECK(DiedOfSeccomp(run));  // no socket() at all
  HostileRun bare;
  RunHostile(socket_medium, false, bare);
  INFO(bare.result.status().ToString());
  REQUIRE(bare.result.ok());
  CHECK(bare.Report() == "tcp connect 127.0.0.1:" + std::to_string(port) +
                             ": Network is unreachable; abstract unix connect: Connection refused");
  CHECK(::accept(tcp.get(), nullptr, nullptr) < 0);  // nothing ever connected
  CHECK(::accept(unix_listener.get(), nullptr, nullptr) < 0);

  std::string write_medium = Medium(dir, "write-medium");
  HostileRun w;
  RunHostile(write_medium, true, w);
  INFO(w.result.status().ToString());
  CHECK(DiedOfSeccomp(w));  // writes go only to its pipes
  HostileRun wbare;
  RunHostile(write_medium, false, wbare);
  REQUIRE(wbare.result.ok());
  CHECK(wbare.Report() == "write medium: Bad file descriptor");  // opened read-only by the appliance
  CHECK(ReadFile(write_medium) == "write-medium\n");
}

TEST_CASE("a reader sandbox that cannot be set up is the appliance's fault not the medium's") {
  TempDir dir("qoima-sandbox");
  OpenToAll(dir);
  MakeSampleTree(dir.Sub("tree"), 64 * 1024);
  BuildImage(FsType::kFat32, dir.Sub("tree"), dir.Sub("fat32.img"));
  ::chmod(dir.Sub("fat32.img").c_str(), 0644);

  // No user namespaces (a kernel with them disabled): as root and as the
  // appliance's unprivileged user.
  for (bool unprivileged : {false, true}) {
    std::vector<std::string> argv = {kNoUserns, kQoimaRead, dir.Sub("fat32.img")};
    if (unprivileged)
      argv.insert(argv.begin(), {"setpriv", "--reuid=" + std::to_string(kUnprivileged),
                                 "--regid=" + std::to_string(kUnprivileged), "--clear-groups"});
    auto r = RunSubprocess(argv);
    REQUIRE(r.ok());
    INFO(r->out << r->err);
    CHECK(r->exit_code == 1);
    CHECK(r->err.find("the reader sandbox could not be set up: create the reader's user, mount, PID, network and IPC "
                      "namespaces") != std::string::npos);
    CHECK(r->err.find("Operation not permitted") != std::string::npos);
    CHECK(r->err.find("parser_crash") == std::string::npos);
    CHECK(r->err.find("problem") == std::string::npos);  // nothing reported against the medium
  }

  // No reader binary, and a reader that ends before it is ready.
  WriteFile(dir.Sub("quits"), "#!/bin/sh\nexit 0\n");
  ::chmod(dir.Sub("quits").c_str(), 0755);
  for (const std::string& binary : {dir.Sub("missing"), dir.Sub("quits")}) {
    ReadOptions opt = TestReadOptions();
    opt.sandbox.child_binary = binary;
    CollectingSink sink;
    auto r = ReadMedia(dir.Sub("fat32.img"), opt, sink);
    INFO(binary << ": " << r.status().ToString());
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kIoError);
    CHECK_FALSE(IsMediumFault(r.status()));
    CHECK(r.status().message().rfind("the reader sandbox could not be set up: ", 0) == 0);
    CHECK(sink.problems.empty());
  }
}

TEST_CASE("the reader run as an unprivileged uid reads fat32 iso9660 and ext4 images byte for byte") {
  TempDir dir("qoima-sandbox");
  OpenToAll(dir);
  auto files = MakeSampleTree(dir.Sub("tree"), 256 * 1024);
  for (FsType type : {FsType::kFat32, FsType::kIso9660, FsType::kExt4}) {
    std::string image = dir.Sub(std::string(FsTypeName(type)) + ".img");
    BuildImage(type, dir.Sub("tree"), image);
    LoopDevice loop(image);
    // The device is the unprivileged user's to read, as the image's udev
    // rule makes a depositor's stick readable by the appliance's user.
    OwnedBy device(loop.path(), kUnprivileged);
    auto r = RunSubprocess({"setpriv", "--reuid=" + std::to_string(kUnprivileged),
                            "--regid=" + std::to_string(kUnprivileged), "--clear-groups", kQoimaRead, "--list",
                            loop.path()});
    REQUIRE(r.ok());
    INFO(FsTypeName(type) << ": " << r->out << r->err);
    CHECK(r->exit_code == 0);
    for (const auto& f : files) CHECK(r->out.find(" " + f.path) != std::string::npos);
    // The bytes, through the same sandbox started by an unprivileged process.
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      if (::setgroups(0, nullptr) != 0 || ::setresgid(kUnprivileged, kUnprivileged, kUnprivileged) != 0 ||
          ::setresuid(kUnprivileged, kUnprivileged, kUnprivileged) != 0)
        ::_exit(3);
      CollectingSink sink;
      auto read = ReadMedia(loop.path(), TestReadOptions(), sink);
      std::string out = read.ok() ? CompareWithTree(sink, files) : read.status().ToString();
      (void)!::write(fds[1], out.data(), out.size());
      ::_exit(0);
    }
    ::close(fds[1]);
    std::string mismatch;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) mismatch.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
    int ws = 0;
    ::waitpid(pid, &ws, 0);
    CHECK((WIFEXITED(ws) && WEXITSTATUS(ws) == 0));
    CHECK(mismatch.empty());
  }
}

TEST_CASE("a medium left read-only by a killed reader gets its flag back at the next start") {
  TempDir dir("qoima-sandbox");
  OpenToAll(dir);
  // A writable stick whose reader hangs: the read is under way, the flag set.
  std::string image = dir.Sub("stick.img");
  WriteFile(image, "hang\n" + std::string(1 << 20, '\0'));
  LoopDevice loop(image, /*read_only=*/false);
  REQUIRE(ReadOnlyFlag(loop.path()) == 0);
  // The test's own record directory: parallel readers' sweeps of the
  // default one cannot put the flag back before this test looks.
  const std::string runtime = dir.Sub("run");
  pid_t reader = ::fork();
  REQUIRE(reader >= 0);
  if (reader == 0) {
    ::setenv("RUNTIME_DIRECTORY", runtime.c_str(), 1);
    ::setenv("QOIMA_MEDIA_CHILD", kHostile.c_str(), 1);
    ::execl(kQoimaRead.c_str(), kQoimaRead.c_str(), loop.path().c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (ReadOnlyFlag(loop.path()) != 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(ReadOnlyFlag(loop.path()) == 1);
  struct stat st;
  REQUIRE(::stat(loop.path().c_str(), &st) == 0);
  std::string record =
      runtime + "/readonly/" + std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
  CHECK(std::filesystem::exists(record));

  ::kill(reader, SIGKILL);  // kill -9: no destructor runs
  int ws = 0;
  REQUIRE(::waitpid(reader, &ws, 0) == reader);
  REQUIRE(WIFSIGNALED(ws));
  CHECK(ReadOnlyFlag(loop.path()) == 1);  // the kernel kept it

  // The next start of a reader (here: the sweep every read and every qoima
  // start runs) puts it back.
  CHECK(RestoreStaleReadOnlyFlags(runtime + "/readonly") == 1);
  CHECK(ReadOnlyFlag(loop.path()) == 0);
  CHECK_FALSE(std::filesystem::exists(record));
}

TEST_CASE("a read puts back the read-only flag it set and leaves a read-only medium read-only") {
  TempDir dir("qoima-sandbox");
  MakeSampleTree(dir.Sub("tree"), 64 * 1024);
  BuildImage(FsType::kExt4, dir.Sub("tree"), dir.Sub("img"));
  for (bool read_only : {false, true}) {
    LoopDevice loop(dir.Sub("img"), read_only);
    int during = -1;
    CollectingSink sink;
    sink.on_data = [&](uint64_t) {
      if (during < 0) during = ReadOnlyFlag(loop.path());
      return Status::Ok();
    };
    auto r = ReadMedia(loop.path(), TestReadOptions(), sink);
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    CHECK(during == 1);
    CHECK(ReadOnlyFlag(loop.path()) == (read_only ? 1 : 0));
  }
}
