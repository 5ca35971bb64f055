#include "hardware/reader_child.h"

#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "common/visible_text.h"
#include "hardware/blkid_probe.h"
#include "hardware/frame_protocol.h"
#include "hardware/fs_readers.h"
#include "hardware/read_only_guard.h"
#include "hardware/reader_sandbox.h"

#ifndef QOIMA_MEDIA_CHILD_BUILD_PATH
#define QOIMA_MEDIA_CHILD_BUILD_PATH ""
#endif

#if defined(__SANITIZE_ADDRESS__)
#define QOIMA_CHILD_UNDER_ASAN 1
#else
#define QOIMA_CHILD_UNDER_ASAN 0
#endif

namespace qoima::hardware {
namespace {

constexpr const char* kInstalledChild = "/usr/libexec/qoima/qoima-media-child";

std::string HintName(FsHint h) { return std::string(FsHintName(h)); }

FsHint HintFromName(const std::string& s) {
  const Filesystem* fs = FindFilesystemByName(s);
  return fs != nullptr ? fs->hint : FsHint::kAuto;
}

// The child's end of the frame pipe. Frames of small files are gathered and
// written together (a file of a few hundred bytes is three frames: three
// writes and three wake-ups of the parent each); a large payload goes out
// at once. What is gathered leaves at the latest kMaxHoldNs after the first
// of it, so a slow medium delays the parent's view by no more than that
// (its stall timeout is seconds).
class PipeFrameSink : public FrameSink {
 public:
  explicit PipeFrameSink(int fd) : fd_(fd) { pending_.reserve(kGatherBytes); }
  Status Write(std::span<const uint8_t> header, std::span<const uint8_t> payload) override {
    if (header.size() + payload.size() > kGatherBytes - pending_.size()) QOIMA_RETURN_IF_ERROR(Flush());
    if (header.size() + payload.size() >= kGatherBytes) return WriteAll(header, payload);
    if (pending_.empty()) first_pending_ns_ = NowNs();
    pending_.insert(pending_.end(), header.begin(), header.end());
    pending_.insert(pending_.end(), payload.begin(), payload.end());
    if (NowNs() - first_pending_ns_ >= kMaxHoldNs) return Flush();
    return Status::Ok();
  }
  /// Writes what is gathered: before the end of the walk, and by Write.
  Status Flush() {
    if (pending_.empty()) return Status::Ok();
    Status s = WriteAll(pending_, {});
    pending_.clear();
    return s;
  }

 private:
  static constexpr size_t kGatherBytes = 64 * 1024;
  static constexpr int64_t kMaxHoldNs = 20'000'000;  // 20 ms
  static int64_t NowNs() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
  }
  Status WriteAll(std::span<const uint8_t> header, std::span<const uint8_t> payload) {
    iovec iov[2] = {{const_cast<uint8_t*>(header.data()), header.size()},
                    {const_cast<uint8_t*>(payload.data()), payload.size()}};
    int idx = 0;
    while (idx < 2) {
      ssize_t n = ::writev(fd_, iov + idx, 2 - idx);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::FromErrno(errno, "write frame");
      }
      size_t left = static_cast<size_t>(n);
      while (idx < 2 && left >= iov[idx].iov_len) {
        left -= iov[idx].iov_len;
        ++idx;
      }
      if (idx < 2) {
        iov[idx].iov_base = static_cast<uint8_t*>(iov[idx].iov_base) + left;
        iov[idx].iov_len -= left;
      }
    }
    return Status::Ok();
  }

  int fd_;
  std::vector<uint8_t> pending_;
  int64_t first_pending_ns_ = 0;
};

ProblemClass OpenFailureClass(int err) {
  return (err == ENOENT || err == ENXIO || err == ENODEV || err == ENOMEDIUM) ? ProblemClass::kDeviceRemoved
                                                                              : ProblemClass::kUnreadableSector;
}

}  // namespace

void RunReader(const std::string& device, const ReadOptions& options, FrameSink& frames) {
  UniqueFd fd(::open(device.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd) {
    int err = errno;
    EntryEmitter em(frames, options.limits, nullptr);
    (void)em.Problem(OpenFailureClass(err),
                     "cannot open the medium: " + Status::FromErrno(err, "open " + device).message(), {}, -1);
    (void)em.Finish("", "");
    return;
  }
  RunReader(std::move(fd), device, options, frames);
}

void RunReader(UniqueFd device_fd, const std::string& device, const ReadOptions& options, FrameSink& frames) {
  auto src = BlockSource::Adopt(std::move(device_fd), device);
  if (!src.ok()) {
    EntryEmitter em(frames, options.limits, nullptr);
    (void)em.Problem(ProblemClass::kUnreadableSector, "cannot read the medium: " + src.status().message(), {}, -1);
    (void)em.Finish("", "");
    return;
  }
  BlockSource& bs = **src;
  EntryEmitter em(frames, options.limits, &bs, options.select);
  FsHint hint = options.fs_hint;
  std::string fs_name;
  std::string label;
  auto id = ProbeFd(bs.fd(), device);
  if (id.ok()) {
    label = id->label;
    fs_name = id->fs_type;
    if (hint == FsHint::kAuto) {
      const Filesystem* probed = FindFilesystemByBlkidType(id->fs_type);
      if (probed != nullptr) hint = probed->hint;
      if (probed == nullptr && !id->fs_type.empty()) {
        (void)em.Problem(ProblemClass::kUnsupportedFilesystem,
                         "filesystem '" + id->fs_type + "' is not one the appliance reads", {}, -1);
        (void)em.Finish(fs_name, label);
        return;
      }
    }
  }
  // No row (blkid found nothing): The Sleuth Kit detects what it can open.
  const Filesystem* row = FindFilesystem(hint);
  std::string read_name;
  Status st = row != nullptr ? row->read(bs, em, hint, read_name) : ReadTsk(bs, em, FsHint::kAuto, read_name);
  if (fs_name.empty()) fs_name = read_name;
  if (!st.ok() && !em.fatal()) (void)em.FailWalk(st, ProblemClass::kCorruptFilesystem, {});
  (void)em.Finish(fs_name, label);
}

namespace {

// Suffixes travel as one argument separated by '/', which no file name
// component holds.
std::string JoinSuffixes(const std::vector<std::string>& suffixes) {
  std::string out;
  for (const auto& s : suffixes) out += (out.empty() ? "" : "/") + s;
  return out;
}

bool SplitSuffixes(const std::string& text, std::vector<std::string>& out) {
  out.clear();
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('/', start);
    if (end == std::string::npos) end = text.size();
    std::string s = text.substr(start, end - start);
    if (s.empty() || s.size() > kMaxSelectionSuffixBytes || out.size() >= kMaxSelectionSuffixes) return false;
    out.push_back(std::move(s));
    start = end + 1;
  }
  return true;
}

}  // namespace

std::vector<std::string> ChildArguments(const std::string& device, const ReadOptions& o) {
  const auto& l = o.limits;
  return {"--device=" + device,
          "--fs=" + HintName(o.fs_hint),
          "--set-ro=" + std::to_string(o.set_device_read_only ? 1 : 0),
          "--seccomp=" + std::to_string(o.sandbox.use_seccomp ? 1 : 0),
          "--max-entries=" + std::to_string(l.max_entries),
          "--max-depth=" + std::to_string(l.max_depth),
          "--max-path=" + std::to_string(l.max_path_bytes),
          "--chunk=" + std::to_string(l.chunk_bytes),
          "--ar-depth=" + std::to_string(l.archive_max_depth),
          "--ar-members=" + std::to_string(l.archive_max_members),
          "--ar-bytes=" + std::to_string(l.archive_max_bytes),
          "--ar-ratio=" + std::to_string(l.archive_max_ratio),
          "--medium-ar-members=" + std::to_string(l.medium_archive_max_members),
          "--medium-ar-bytes=" + std::to_string(l.medium_archive_max_bytes),
          "--list-archives=" + std::to_string(l.list_archives ? 1 : 0),
          "--select=" + std::to_string(static_cast<int>(o.select.mode)),
          "--select-path=" + o.select.path,
          "--select-suffixes=" + JoinSuffixes(o.select.suffixes),
          "--select-max-bytes=" + std::to_string(o.select.max_file_bytes),
          "--select-head=" + std::to_string(o.select.head_bytes),
          "--select-files=" + std::to_string(o.select.max_files)};
}

namespace {

bool ParseChildArgs(int argc, char** argv, std::string& device, ReadOptions& o) {
  std::map<std::string, std::string> kv;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto eq = a.find('=');
    if (a.rfind("--", 0) != 0 || eq == std::string::npos) return false;
    kv[a.substr(2, eq - 2)] = a.substr(eq + 1);
  }
  auto num = [&](const char* k, auto& out) -> bool {
    auto it = kv.find(k);
    if (it == kv.end()) return false;
    char* end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(it->second.c_str(), &end, 10);
    if (errno != 0 || end == it->second.c_str() || *end != '\0') return false;
    out = static_cast<std::remove_reference_t<decltype(out)>>(v);
    return true;
  };
  auto& l = o.limits;
  int set_ro = 1, sec = 1, list = 1;
  if (!kv.count("device") || !kv.count("fs")) return false;
  device = kv["device"];
  o.fs_hint = HintFromName(kv["fs"]);
  bool ok = num("set-ro", set_ro) && num("seccomp", sec) && num("max-entries", l.max_entries) &&
            num("max-depth", l.max_depth) && num("max-path", l.max_path_bytes) && num("chunk", l.chunk_bytes) &&
            num("ar-depth", l.archive_max_depth) && num("ar-members", l.archive_max_members) &&
            num("ar-bytes", l.archive_max_bytes) && num("ar-ratio", l.archive_max_ratio) &&
            num("medium-ar-members", l.medium_archive_max_members) &&
            num("medium-ar-bytes", l.medium_archive_max_bytes) && num("list-archives", list);
  o.set_device_read_only = set_ro != 0;
  o.sandbox.use_seccomp = sec != 0;
  l.list_archives = list != 0;
  if (l.chunk_bytes == 0 || l.chunk_bytes > kMaxFramePayload) return false;
  int mode = 0;
  auto& sel = o.select;
  ok = ok && num("select", mode) && num("select-max-bytes", sel.max_file_bytes) && num("select-head", sel.head_bytes) &&
       num("select-files", sel.max_files) && kv.count("select-path") && kv.count("select-suffixes") &&
       SplitSuffixes(kv["select-suffixes"], sel.suffixes);
  if (!ok || mode > static_cast<int>(EntrySelection::Mode::kPath) || sel.head_bytes > kMaxSelectionHeadBytes ||
      sel.max_files > kMaxSelectionFiles)
    return false;
  sel.mode = static_cast<EntrySelection::Mode>(mode);
  sel.path = kv["select-path"];
  return ok;
}

}  // namespace

void StartSandboxedReader(int argc, char** argv, std::string& device, ReadOptions& options) {
  if (!ParseChildArgs(argc, argv, device, options))
    FailSandbox(Status::InvalidArgument("the reader was started with arguments it does not understand"));
  Status s = EnterReaderSandbox();
  if (!s.ok()) FailSandbox(s);
  if (options.sandbox.use_seccomp) {
    s = InstallReaderSeccomp();
    if (!s.ok()) FailSandbox(s.WithContext("install the seccomp filter"));
  }
  // From here on the medium may be read: any failure is the medium's.
  if (!ReportSandboxReady().ok()) ::_exit(kChildExitPipe);
}

int ReaderChildMain(int argc, char** argv) {
  std::string device;
  ReadOptions o;
  StartSandboxedReader(argc, argv, device, o);
  PipeFrameSink sink(kChildFrameFd);
  RunReader(UniqueFd(kChildDeviceFd), device, o, sink);
  (void)sink.Flush();  // a parent that is gone has nothing to read it
  ::close(kChildFrameFd);
  // _exit: no atexit work (LeakSanitizer's tracer would violate the filter).
  ::_exit(0);
}

std::string ResolveChildBinary(const ReadOptions& options) {
  if (!options.sandbox.child_binary.empty()) return options.sandbox.child_binary;
  if (const char* env = std::getenv("QOIMA_MEDIA_CHILD"); env && *env) return env;
  std::string built = QOIMA_MEDIA_CHILD_BUILD_PATH;
  if (!built.empty() && ::access(built.c_str(), X_OK) == 0) return built;
  return kInstalledChild;
}

namespace {

std::string SignalName(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGKILL: return "SIGKILL";
    case SIGSYS: return "SIGSYS (seccomp: forbidden system call)";
    case SIGXCPU: return "SIGXCPU (CPU time limit)";
    case SIGXFSZ: return "SIGXFSZ (file size limit)";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    default: return "signal " + std::to_string(sig);
  }
}

std::string ExitReason(int code) {
  switch (code) {
    case kChildExitBadArgs: return "bad arguments";
    case kChildExitIdentity: return "could not take the reader's unprivileged uid";
    case kChildExitRlimit: return "could not set resource limits";
    case kChildExitExec: return "could not execute the reader";
    case kChildExitSeccomp: return "could not install the seccomp filter";
    case kChildExitPipe: return "could not use its pipes";
    case kChildExitSandbox: return "could not set up its sandbox";
    default: return "exit status " + std::to_string(code);
  }
}

std::string EndReason(int ws) {
  if (WIFSIGNALED(ws)) return "killed by " + SignalName(WTERMSIG(ws));
  if (WIFEXITED(ws)) return ExitReason(WEXITSTATUS(ws));
  return "ended";
}

// What the child wrote on stderr or its set-up pipe, as data: at most
// `max_bytes` of it, lines joined with "; ", every hidden character (escape
// sequences, controls, bidi) and every byte that is not UTF-8 shown escaped
// (VisibleText). It never reaches a terminal as it was written.
std::string Printable(std::string_view raw, size_t max_bytes) {
  bool cut = raw.size() > max_bytes;
  std::string text(raw.substr(0, max_bytes));
  while (!text.empty() && text.back() == '\n') text.pop_back();
  std::string joined;
  for (char c : text) {
    if (c == '\n')
      joined += "; ";
    else
      joined += c;
  }
  return VisibleText(joined) + (cut ? "..." : "");
}

/// The unprivileged account a reader started by root runs as.
struct ReaderIdentity {
  uid_t uid = 65534;
  gid_t gid = 65534;
};

ReaderIdentity ResolveReaderIdentity() {
  ReaderIdentity id;
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(16384);
  if (::getpwnam_r(kReaderAccount, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr &&
      found->pw_uid != 0 && found->pw_gid != 0) {
    id.uid = found->pw_uid;
    id.gid = found->pw_gid;
  }
  return id;
}

// Everything the forked child needs before exec, prepared before the fork:
// after it only async-signal-safe calls are made (the appliance has threads).
struct LaunchPlan {
  std::string binary;
  std::vector<std::string> args;
  std::vector<char*> argv;
  char env_locale[16] = "LC_ALL=C.UTF-8";
  char env_asan[64] = "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1";
  char* envp[3] = {env_locale, env_asan, nullptr};
  int diag = -1, frames = -1, device = -1, status = -1;  // write ends / the medium, in the parent's numbering
  bool drop_identity = false;
  ReaderIdentity identity;
  SandboxLimits limits;
  pid_t parent = 0;
};

// Moves `fd` above the child's fixed descriptors (0-5) so dup2 onto them can
// never overwrite a source still needed.
int Above(int fd) { return fd > kChildStatusFd ? fd : ::fcntl(fd, F_DUPFD, kChildStatusFd + 1); }

[[noreturn]] void Launch(const LaunchPlan& p) {
  // Only async-signal-safe calls from here to execve.
  int diag = Above(p.diag), frames = Above(p.frames), device = Above(p.device), status = Above(p.status);
  if (diag < 0 || frames < 0 || device < 0 || status < 0) ::_exit(kChildExitPipe);
  if (::dup2(diag, 1) < 0 || ::dup2(diag, kChildDiagFd) < 0 || ::dup2(frames, kChildFrameFd) < 0 ||
      ::dup2(device, kChildDeviceFd) < 0 || ::dup2(status, kChildStatusFd) < 0)
    ::_exit(kChildExitPipe);
  ::close(0);
  ::close_range(kChildStatusFd + 1, ~0u, 0);
  (void)::setsid();  // no controlling terminal; a process group of its own
  if (p.drop_identity) {
    // Raw system calls: after fork only this thread exists, and glibc's
    // wrappers would try to reach the parent's other threads.
    if (::syscall(SYS_setgroups, 0, nullptr) != 0 ||
        ::syscall(SYS_setresgid, p.identity.gid, p.identity.gid, p.identity.gid) != 0 ||
        ::syscall(SYS_setresuid, p.identity.uid, p.identity.uid, p.identity.uid) != 0)
      ::_exit(kChildExitIdentity);
    if (::getuid() != p.identity.uid || ::geteuid() != p.identity.uid || ::getegid() != p.identity.gid)
      ::_exit(kChildExitIdentity);
  }
  // Ambient capabilities would survive exec (a unit may grant them to the
  // appliance's user); the reader starts with none.
  (void)::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  // After the uid change, which clears it.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != p.parent) ::_exit(kChildExitPipe);
  const SandboxLimits& sb = p.limits;
  rlimit r{};
  r = {0, 0};
  if (::setrlimit(RLIMIT_CORE, &r) != 0 || ::setrlimit(RLIMIT_FSIZE, &r) != 0) ::_exit(kChildExitRlimit);
  r = {sb.cpu_seconds, sb.cpu_seconds + 1};
  if (::setrlimit(RLIMIT_CPU, &r) != 0) ::_exit(kChildExitRlimit);
  r = {sb.max_open_files, sb.max_open_files};
  if (::setrlimit(RLIMIT_NOFILE, &r) != 0) ::_exit(kChildExitRlimit);
  if (!QOIMA_CHILD_UNDER_ASAN && sb.address_space_bytes > 0) {
    r = {sb.address_space_bytes, sb.address_space_bytes};
    if (::setrlimit(RLIMIT_AS, &r) != 0) ::_exit(kChildExitRlimit);
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(kChildExitRlimit);
  ::execve(p.binary.c_str(), p.argv.data(), p.envp);
  ::_exit(kChildExitExec);
}

// The parent's view of one reader: its launcher's pid and the read ends of
// its three pipes. The diagnostics pipe is written by every process of the
// reader's tree (launcher, init, reader): its end of file means none of them
// is left, and none holds the medium any more.
class ReaderProcess {
 public:
  ReaderProcess(pid_t pid, UniqueFd frames, UniqueFd diag, UniqueFd status)
      : pid_(pid), frames_(std::move(frames)), diag_(std::move(diag)), status_(std::move(status)) {}
  ~ReaderProcess() {
    if (!reaped_) {
      Stop();
      (void)Reap(kChildExitGraceMs);
    }
  }
  ReaderProcess(const ReaderProcess&) = delete;
  ReaderProcess& operator=(const ReaderProcess&) = delete;

  /// Asks the launcher to end the reader now: it kills the namespace's init,
  /// which takes the reader with it, and exits once both are gone.
  void Stop() { ::kill(pid_, SIGTERM); }
  int frames() const { return frames_.get(); }
  void CloseFrames() { frames_.reset(); }

  /// Waits (up to `timeout`) for the set-up pipe's end of file. Returns what
  /// the child wrote there; nullopt when it said nothing in time.
  std::optional<std::string> WaitForSetUp(std::chrono::milliseconds timeout) {
    std::string text;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p[2] = {{status_.get(), POLLIN, 0}, {diag_.get(), POLLIN, 0}};
      int n = ::poll(p, diag_ ? 2 : 1, static_cast<int>(left.count()));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return std::nullopt;
      if (diag_ && p[1].revents) ReadDiagnostics();
      if (p[0].revents) {
        char buf[512];
        ssize_t r = ::read(status_.get(), buf, sizeof buf);
        if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (r <= 0) {
          status_.reset();
          return text;
        }
        if (text.size() < 4096) text.append(buf, static_cast<size_t>(r));
      }
    }
  }

  /// Reads whatever the diagnostics pipe holds now (kept up to 4 KiB).
  void ReadDiagnostics() {
    char buf[4096];
    for (;;) {
      ssize_t r = ::read(diag_.get(), buf, sizeof buf);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return;  // EAGAIN: nothing more now
      if (r == 0) {
        diag_.reset();
        return;
      }
      size_t keep = std::min(static_cast<size_t>(r), kMaxDiagnostics - std::min(kMaxDiagnostics, diag_text_.size()));
      diag_text_.append(buf, keep);
    }
  }
  int diag() const { return diag_.get(); }

  /// Reaps the launcher (killing it and its process group after
  /// `grace_ms`), then waits for every other process of the tree to end.
  /// Returns the launcher's wait status: the reader's own end, relayed.
  int Reap(int grace_ms) {
    // The launcher is waited for without being reaped: while it is a zombie
    // its pid, its process group's id, cannot be taken by another process,
    // so the group can be killed safely afterwards.
    siginfo_t info{};
    for (int waited = 0;; waited += 10) {
      info.si_pid = 0;
      int r = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT);
      if (r == 0 && info.si_pid == pid_) break;
      if (r < 0 && errno != EINTR) break;
      if (waited >= grace_ms) {
        ::kill(pid_, SIGKILL);
        while (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {}
        break;
      }
      ::usleep(10'000);
    }
    ::kill(-pid_, SIGKILL);  // whatever is left of its process group (setsid made it the leader)
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {}
    reaped_ = true;
    // The init and the reader die with the launcher (PR_SET_PDEATHSIG, and
    // the PID namespace ends with its init); wait until they have.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kChildExitGraceMs);
    while (diag_) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{diag_.get(), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
      ReadDiagnostics();
    }
    return status;
  }

  /// " (the reader said: ...)" or "".
  std::string Said() const {
    if (diag_text_.empty()) return "";
    return " (the reader said: " + Printable(diag_text_, 512) + ")";
  }

 private:
  static constexpr size_t kMaxDiagnostics = 4096;
  pid_t pid_;
  UniqueFd frames_, diag_, status_;
  std::string diag_text_;
  bool reaped_ = false;
};

Result<std::array<UniqueFd, 2>> Pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Status::FromErrno(errno, "pipe");
  return std::array<UniqueFd, 2>{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

}  // namespace

Result<ReadSummary> RunSandboxed(const std::string& device, const ReadOptions& options, MediaSink& sink) {
  std::string binary = ResolveChildBinary(options);
  if (::access(binary.c_str(), X_OK) != 0) return SandboxSetupFailure("the reader " + binary + " is not executable");
  FrameDecoder dec(sink, options.limits);
  // The medium is opened here, by the appliance, and handed to the reader:
  // the reader opens nothing.
  UniqueFd medium(::open(device.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!medium) {
    int err = errno;
    if (err == EACCES || err == EPERM)
      return Status::IoError("cannot open the medium " + device + ": " + std::strerror(err) +
                             " (the appliance's user may not read this device)");
    QOIMA_RETURN_IF_ERROR(
        dec.ParentProblem(OpenFailureClass(err), "cannot open the medium " + device + ": " + std::strerror(err)));
    return FinishDecoding(dec, device);
  }
  std::optional<ReadOnlyGuard> ro;
  if (options.set_device_read_only) ro.emplace(medium.get(), device);

  LaunchPlan plan;
  plan.binary = binary;
  ReadOptions child_options = options;
  child_options.set_device_read_only = false;  // done here, in the parent
  plan.args = ChildArguments(device, child_options);
  plan.argv.push_back(plan.binary.data());
  for (auto& a : plan.args) plan.argv.push_back(a.data());
  plan.argv.push_back(nullptr);
  plan.drop_identity = ::geteuid() == 0;
  if (plan.drop_identity) plan.identity = ResolveReaderIdentity();
  plan.limits = options.sandbox;
  plan.parent = ::getpid();
  QOIMA_ASSIGN_OR_RETURN(auto frames, Pipe());
  QOIMA_ASSIGN_OR_RETURN(auto diag, Pipe());
  QOIMA_ASSIGN_OR_RETURN(auto status, Pipe());
  (void)::fcntl(frames[0].get(), F_SETPIPE_SZ, 1 << 20);
  (void)::fcntl(diag[0].get(), F_SETFL, O_NONBLOCK);
  plan.diag = diag[1].get();
  plan.frames = frames[1].get();
  plan.device = medium.get();
  plan.status = status[1].get();
  pid_t pid = ::fork();
  if (pid < 0) return SandboxSetupFailure(Status::FromErrno(errno, "fork").message());
  if (pid == 0) Launch(plan);
  frames[1].reset();
  diag[1].reset();
  status[1].reset();
  medium.reset();
  ReaderProcess child(pid, std::move(frames[0]), std::move(diag[0]), std::move(status[0]));

  // Until the reader says its sandbox holds, it has not read a byte of the
  // medium: whatever goes wrong is the appliance's fault.
  auto setup_wait = std::min(options.sandbox.stall_timeout, options.sandbox.timeout);
  std::optional<std::string> said = child.WaitForSetUp(setup_wait);
  if (!said || *said != kSandboxReady) {
    if (!said) child.Stop();
    int ws = child.Reap(kChildExitGraceMs);
    std::string why;
    if (!said)
      why = "the reader did not start within " + std::to_string(setup_wait.count()) + " ms";
    else if (!said->empty())
      why = Printable(*said, 1024);
    else
      why = "the reader ended before its sandbox was ready: " + EndReason(ws);
    return SandboxSetupFailure(why + child.Said());
  }

  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + options.sandbox.timeout;
  std::vector<uint8_t> buf(kParentReadBytes);
  Status stop;  // the sink's own error: returned as is
  bool killed_by_us = false;
  for (;;) {
    auto now = Clock::now();
    if (now >= deadline) {
      child.Stop();
      killed_by_us = true;
      stop =
          dec.ParentProblem(ProblemClass::kParserTimeout, "reader of " + device + " exceeded its wall-clock limit of " +
                                                              std::to_string(options.sandbox.timeout.count()) + " ms");
      break;
    }
    auto wait =
        std::min(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now), options.sandbox.stall_timeout);
    pollfd p[2] = {{child.frames(), POLLIN, 0}, {child.diag(), POLLIN, 0}};
    int pr = ::poll(p, child.diag() >= 0 ? 2 : 1, static_cast<int>(std::max<int64_t>(wait.count(), 1)));
    if (pr < 0 && errno == EINTR) continue;
    if (pr > 0 && child.diag() >= 0 && p[1].revents) {
      child.ReadDiagnostics();
      if (!p[0].revents) continue;
    }
    if (pr == 0) {
      if (Clock::now() < deadline) {
        child.Stop();
        killed_by_us = true;
        stop = dec.ParentProblem(ProblemClass::kParserTimeout,
                                 "reader of " + device + " produced nothing for " +
                                     std::to_string(options.sandbox.stall_timeout.count()) + " ms (hung)");
        break;
      }
      continue;
    }
    ssize_t n = ::read(child.frames(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF (or error): the child is done or dead
    Status st = dec.Feed(std::span<const uint8_t>(buf.data(), static_cast<size_t>(n)));
    if (!st.ok()) {
      child.Stop();
      killed_by_us = true;
      if (st.code() == Code::kCorrupt && st.message().rfind("malformed frame", 0) == 0)
        stop = dec.ParentProblem(ProblemClass::kMalformedFrame, "reader of " + device + " sent a " + st.message());
      else
        stop = st.WithContext("read " + device);
      if (stop.ok()) stop = Status::Ok();
      break;
    }
  }
  child.CloseFrames();
  int ws = child.Reap(kChildExitGraceMs);
  Status abort = dec.AbortOpenEntry();
  if (!stop.ok()) return stop;
  if (!abort.ok()) return abort;
  if (!killed_by_us) {
    std::string why;
    if (WIFSIGNALED(ws) || (WIFEXITED(ws) && WEXITSTATUS(ws) != 0))
      why = "reader child " + std::string(WIFSIGNALED(ws) ? "was " : "failed: ") + EndReason(ws) + child.Said();
    else if (!dec.finished())
      why = "reader child ended without an end frame" +
            std::string(dec.pending() ? " (" + std::to_string(dec.pending()) + " bytes of a partial frame)" : "");
    if (!why.empty()) {
      if (dec.pending() && WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
        QOIMA_RETURN_IF_ERROR(dec.ParentProblem(ProblemClass::kMalformedFrame, "reader of " + device + ": " + why));
      else
        QOIMA_RETURN_IF_ERROR(dec.ParentProblem(ProblemClass::kParserCrash, "reader of " + device + ": " + why));
    }
  }
  return FinishDecoding(dec, device);
}

}  // namespace qoima::hardware
