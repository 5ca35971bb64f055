// Damaged, vanishing and hostile media: every failure is a classified problem
// in the sink and a non-OK Status, never a crash of this process.
#include <dirent.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "hardware/reader_child.h"
#include "tests/hardware/media_test_util.h"

using namespace qoima;
using namespace qoima::hardware;
using namespace qoima::testing;

namespace {

// The reader of this process's read (qoima-media-child's reader process,
// under its launcher and its PID namespace's init), or -1.
pid_t FindReaderChild() {
  std::map<pid_t, pid_t> parent;
  std::set<pid_t> children;
  std::unique_ptr<DIR, int (*)(DIR*)> d(opendir("/proc"), closedir);
  while (dirent* e = readdir(d.get())) {
    if (!isdigit(static_cast<unsigned char>(e->d_name[0]))) continue;
    std::ifstream st(std::string("/proc/") + e->d_name + "/stat");
    std::string pid, comm, state;
    long ppid = 0;
    if (!(st >> pid >> comm >> state >> ppid)) continue;
    if (comm != "(qoima-media-chi)") continue;
    parent[static_cast<pid_t>(std::stol(pid))] = static_cast<pid_t>(ppid);
  }
  for (auto [pid, ppid] : parent) {
    auto init = parent.find(ppid);
    if (init == parent.end()) continue;
    auto launcher = parent.find(init->second);
    if (launcher != parent.end() && launcher->second == getpid()) return pid;
  }
  return -1;
}

void FlipBytes(const std::string& image, uint32_t seed, uint64_t span, int flips) {
  std::fstream f(image, std::ios::in | std::ios::out | std::ios::binary);
  std::mt19937 rng(seed);
  for (int i = 0; i < flips; ++i) {
    uint64_t off = rng() % span;
    f.seekg(static_cast<std::streamoff>(off));
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ static_cast<char>(1 + rng() % 255));
    f.seekp(static_cast<std::streamoff>(off));
    f.write(&c, 1);
  }
}

bool AcceptableFailure(Code c) {
  return c == Code::kCorrupt || c == Code::kMediaUnreadable || c == Code::kUnsupported || c == Code::kLimitExceeded;
}

void ByteFlipsOn(FsType type) {
  TempDir dir("qoima-hw");
  MakeSampleTree(dir.Sub("tree"), 200000);
  BuildImage(type, dir.Sub("tree"), dir.Sub("clean"));
  uint64_t size = std::filesystem::file_size(dir.Sub("clean"));
  int failures = 0;
  for (uint32_t seed = 1; seed <= 12; ++seed) {
    std::filesystem::copy_file(dir.Sub("clean"), dir.Sub("img"), std::filesystem::copy_options::overwrite_existing);
    FlipBytes(dir.Sub("img"), seed, std::min<uint64_t>(size, 1 << 20), 48);
    LoopDevice loop(dir.Sub("img"));
    CollectingSink sink;
    auto opt = TestReadOptions();
    opt.sandbox.timeout = std::chrono::seconds(30);
    auto r = ReadMedia(loop.path(), opt, sink);
    INFO(FsTypeName(type) << " seed " << seed << ": " << r.status().ToString());
    CHECK(sink.contract_violation.empty());
    if (!r.ok()) {
      ++failures;
      CHECK(AcceptableFailure(r.status().code()));
      CHECK_FALSE(sink.problems.empty());
      for (auto& e : sink.entries) CHECK(e.ended);
    }
  }
  INFO(failures << " of 12 corrupted images were refused");
}

}  // namespace

TEST_CASE("byte flips in an iso9660 image are reported, never crash the appliance") { ByteFlipsOn(FsType::kIso9660); }
TEST_CASE("byte flips in a udf image are reported, never crash the appliance") { ByteFlipsOn(FsType::kUdf); }
TEST_CASE("byte flips in a fat16 image are reported, never crash the appliance") { ByteFlipsOn(FsType::kFat16); }
TEST_CASE("byte flips in an exfat image are reported, never crash the appliance") { ByteFlipsOn(FsType::kExfat); }
TEST_CASE("byte flips in an ext4 image are reported, never crash the appliance") { ByteFlipsOn(FsType::kExt4); }
TEST_CASE("byte flips in an ntfs image are reported, never crash the appliance") { ByteFlipsOn(FsType::kNtfs); }

TEST_CASE("a wiped iso9660 volume descriptor is a corrupt or unsupported medium") {
  TempDir dir("qoima-hw");
  MakeSampleTree(dir.Sub("tree"), 1000);
  BuildImage(FsType::kIso9660, dir.Sub("tree"), dir.Sub("img"));
  Sh("dd if=/dev/zero of='" + dir.Sub("img") + "' bs=2048 seek=16 count=4 conv=notrunc status=none");
  LoopDevice loop(dir.Sub("img"));
  CollectingSink sink;
  auto r = ReadMedia(loop.path(), TestReadOptions(), sink);
  REQUIRE_FALSE(r.ok());
  CHECK((r.status().code() == Code::kUnsupported || r.status().code() == Code::kCorrupt));
  CHECK(sink.entries.empty());
}

TEST_CASE("truncated images are reported as truncated with the offset") {
  for (FsType type : {FsType::kExt4, FsType::kIso9660, FsType::kFat32}) {
    TempDir dir("qoima-hw");
    MakeSampleTree(dir.Sub("tree"), 6 << 20);
    BuildImage(type, dir.Sub("tree"), dir.Sub("img"));
    uint64_t size = std::filesystem::file_size(dir.Sub("img"));
    // Keep the metadata, cut the large file's data (it lies behind the first megabytes).
    std::filesystem::resize_file(dir.Sub("img"), type == FsType::kIso9660 ? size / 2
                                                 : type == FsType::kFat32 ? 3 << 20
                                                                          : size / 5);
    LoopDevice loop(dir.Sub("img"));
    CollectingSink sink;
    auto r = ReadMedia(loop.path(), TestReadOptions(), sink);
    INFO(FsTypeName(type) << ": " << r.status().ToString() << "\n" << sink.ProblemsText());
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kCorrupt);
    CHECK(sink.HasProblem(ProblemClass::kTruncatedImage));
    bool has_offset = false;
    for (auto& p : sink.problems) has_offset |= p.cls == ProblemClass::kTruncatedImage && p.offset >= 0;
    CHECK(has_offset);
    CHECK(sink.contract_violation.empty());
  }
}

TEST_CASE("a device that shrinks away during the read is reported as removed") {
  TempDir dir("qoima-hw");
  MakeSampleTree(dir.Sub("tree"), 24 << 20);
  BuildImage(FsType::kExt4, dir.Sub("tree"), dir.Sub("img"));
  LoopDevice loop(dir.Sub("img"));
  CollectingSink sink;
  sink.keep_data = false;
  bool pulled = false;
  sink.on_data = [&](uint64_t total) {
    if (!pulled && total > (1 << 20)) {
      pulled = true;
      // The stick is pulled: the backing store shrinks to 1 MiB and the loop
      // device's capacity follows (a read-only loop cannot be detached while open).
      std::filesystem::resize_file(dir.Sub("img"), 1 << 20);
      UniqueFd fd(::open(loop.path().c_str(), O_RDONLY | O_CLOEXEC));
      if (!fd || ::ioctl(fd.get(), LOOP_SET_CAPACITY, 0) != 0) return Status::Internal("LOOP_SET_CAPACITY failed");
    }
    return Status::Ok();
  };
  auto r = ReadMedia(loop.path(), TestReadOptions(), sink);
  INFO(r.status().ToString() << "\n" << sink.ProblemsText());
  REQUIRE(pulled);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kMediaUnreadable);
  CHECK(sink.HasProblem(ProblemClass::kDeviceRemoved));
  REQUIRE_FALSE(sink.entries.empty());
  CHECK_FALSE(sink.entries.back().complete);
}

TEST_CASE("a reader child killed mid-stream is a parser crash, the entry left incomplete") {
  TempDir dir("qoima-hw");
  MakeSampleTree(dir.Sub("tree"), 16 << 20);
  BuildImage(FsType::kIso9660, dir.Sub("tree"), dir.Sub("img"));
  LoopDevice loop(dir.Sub("img"));
  CollectingSink sink;
  sink.keep_data = false;
  pid_t killed = -1;
  sink.on_data = [&](uint64_t total) {
    if (killed < 0 && total > (1 << 20)) {
      killed = FindReaderChild();
      if (killed > 0) ::kill(killed, SIGKILL);
    }
    return Status::Ok();
  };
  auto r = ReadMedia(loop.path(), TestReadOptions(), sink);
  INFO(r.status().ToString() << "\n" << sink.ProblemsText());
  REQUIRE(killed > 0);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kMediaUnreadable);
  CHECK(sink.HasProblem(ProblemClass::kParserCrash));
  CHECK(r.status().message().find("SIGKILL") != std::string::npos);
  CHECK_FALSE(sink.entries.back().complete);
  CHECK(sink.entries.back().ended);
}

TEST_CASE("a hung reader child is killed at the stall timeout and at the wall-clock limit") {
  TempDir dir("qoima-hw");
  MakeSampleTree(dir.Sub("tree"), 8 << 20);
  BuildImage(FsType::kFat32, dir.Sub("tree"), dir.Sub("img"));
  LoopDevice loop(dir.Sub("img"));
  for (bool wall : {false, true}) {
    CollectingSink sink;
    sink.keep_data = false;
    pid_t stopped = -1;
    sink.on_data = [&](uint64_t) {
      if (stopped < 0) {
        stopped = FindReaderChild();
        if (stopped > 0) ::kill(stopped, SIGSTOP);  // a parser stuck in a loop
      }
      return Status::Ok();
    };
    auto opt = TestReadOptions();
    if (wall)
      opt.sandbox.timeout = std::chrono::milliseconds(1500);
    else
      opt.sandbox.stall_timeout = std::chrono::milliseconds(500);
    auto started = std::chrono::steady_clock::now();
    auto r = ReadMedia(loop.path(), opt, sink);
    auto took = std::chrono::steady_clock::now() - started;
    INFO((wall ? "wall: " : "stall: ") << r.status().ToString());
    REQUIRE(stopped > 0);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kTimeout);
    CHECK(sink.HasProblem(ProblemClass::kParserTimeout));
    CHECK(took < std::chrono::seconds(20));
    CHECK(::kill(stopped, 0) != 0);  // reaped, not left behind
  }
}

TEST_CASE("a child that writes garbage or dies is a media error, not an appliance crash") {
  TempDir dir("qoima-hw");
  // Once a reader said its sandbox is ready it may have read the medium:
  // whatever it does then is the medium's doing.
  const std::string kReady = "#!/bin/sh\nprintf 'ready\\n' >&5\nexec 5>&-\n";
  Sh("head -c 1048576 /dev/zero > '" + dir.Sub("img") + "'");
  struct Case {
    std::string script;
    ProblemClass expect;
  };
  for (const auto& c : std::vector<Case>{
           {kReady + "printf 'this is not a frame at all' >&3\n", ProblemClass::kMalformedFrame},
           {kReady + "printf 'QMF1\\001\\000\\000\\000\\377\\377\\377\\377' >&3\nsleep 5\n",
            ProblemClass::kMalformedFrame},
           {kReady + "kill -SEGV $$\n", ProblemClass::kParserCrash},
           {kReady + "exit 0\n", ProblemClass::kParserCrash},
       }) {
    WriteFile(dir.Sub("fake-child"), c.script);
    // Started by root, it runs as the reader's unprivileged uid.
    ::chmod(dir.path().c_str(), 0755);
    ::chmod(dir.Sub("fake-child").c_str(), 0755);
    auto opt = TestReadOptions();
    opt.sandbox.child_binary = dir.Sub("fake-child");
    CollectingSink sink;
    auto r = ReadMedia(dir.Sub("img"), opt, sink);
    INFO(c.script << " -> " << r.status().ToString() << "\n" << sink.ProblemsText());
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kMediaUnreadable);
    CHECK(sink.HasProblem(c.expect));
  }
}

TEST_CASE("the seccomp filter kills a reader that opens a socket or writes a file or signals another process") {
  for (int attempt : {0, 1, 2}) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      if (!InstallReaderSeccomp().ok()) ::_exit(3);
      if (attempt == 0) (void)::syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
      if (attempt == 1) (void)::syscall(SYS_openat, AT_FDCWD, "/tmp/qoima-seccomp-probe", O_WRONLY | O_CREAT, 0600);
      if (attempt == 2) (void)::syscall(SYS_kill, ::getppid(), 0);
      ::_exit(0);
    }
    int ws = 0;
    REQUIRE(::waitpid(pid, &ws, 0) == pid);
    INFO("attempt " << attempt << " wait status " << ws);
    CHECK(WIFSIGNALED(ws));
    CHECK(WTERMSIG(ws) == SIGSYS);
  }
}

TEST_CASE("the seccomp filter answers every open of a path with no such file") {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (!InstallReaderSeccomp().ok()) ::_exit(3);
    // A file every Linux has: the filter, not the filesystem, says it is not there.
    long fd = ::syscall(SYS_openat, AT_FDCWD, "/proc/self/status", O_RDONLY);
    ::_exit(fd < 0 && errno == ENOENT ? 0 : 4);
  }
  int ws = 0;
  REQUIRE(::waitpid(pid, &ws, 0) == pid);
  INFO("wait status " << ws);
  CHECK(WIFEXITED(ws));
  CHECK(WEXITSTATUS(ws) == 0);
}
