#include "hardware/reader_child.h"

#include <fcntl.h>
#include <linux/blkzoned.h>
#include <linux/cdrom.h>
#include <linux/fd.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <poll.h>
#include <sched.h>
#include <scsi/scsi.h>
#include <scsi/scsi_ioctl.h>
#include <scsi/sg.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <clocale>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>

#include "hardware/blkid_probe.h"
#include "hardware/frame_protocol.h"
#include "hardware/fs_readers.h"

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

constexpr int kChildFrameFd = 3;
constexpr const char* kInstalledChild = "/usr/libexec/qoima/qoima-media-child";

std::string HintName(FsHint h) { return std::string(FsHintName(h)); }

FsHint HintFromName(const std::string& s) {
  for (FsHint h :
       {FsHint::kAuto, FsHint::kIso9660, FsHint::kUdf, FsHint::kFat, FsHint::kExfat, FsHint::kNtfs, FsHint::kExt})
    if (FsHintName(h) == s) return h;
  return FsHint::kAuto;
}

class PipeFrameSink : public FrameSink {
 public:
  explicit PipeFrameSink(int fd) : fd_(fd) {}
  Status Write(std::span<const uint8_t> header, std::span<const uint8_t> payload) override {
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

 private:
  int fd_;
};

ProblemClass OpenFailureClass(int err) {
  return (err == ENOENT || err == ENXIO || err == ENODEV || err == ENOMEDIUM) ? ProblemClass::kDeviceRemoved
                                                                              : ProblemClass::kUnreadableSector;
}

}  // namespace

std::string_view FsHintName(FsHint hint) {
  switch (hint) {
    case FsHint::kAuto: return "auto";
    case FsHint::kIso9660: return "iso9660";
    case FsHint::kUdf: return "udf";
    case FsHint::kFat: return "fat";
    case FsHint::kExfat: return "exfat";
    case FsHint::kNtfs: return "ntfs";
    case FsHint::kExt: return "ext";
  }
  return "auto";
}

void RunReader(const std::string& device, const ReadOptions& options, FrameSink& frames) {
  std::setlocale(LC_ALL, "C.UTF-8");  // libarchive converts Joliet names to the locale's charset
  auto src = BlockSource::Open(device, options.set_device_read_only);
  if (!src.ok()) {
    EntryEmitter em(frames, options.limits, nullptr);
    int err = errno;
    (void)em.Problem(OpenFailureClass(err), "cannot open the medium: " + src.status().message(), {}, -1);
    (void)em.Finish("", "");
    return;
  }
  BlockSource& bs = **src;
  EntryEmitter em(frames, options.limits, &bs);
  FsHint hint = options.fs_hint;
  std::string fs_name;
  std::string label;
  auto id = ProbeFd(bs.fd(), device);
  if (id.ok()) {
    label = id->label;
    fs_name = id->fs_type;
    if (hint == FsHint::kAuto) {
      hint = HintForBlkidType(id->fs_type);
      if (hint == FsHint::kAuto && !id->fs_type.empty()) {
        (void)em.Problem(ProblemClass::kUnsupportedFilesystem,
                         "filesystem '" + id->fs_type + "' is not one the appliance reads", {}, -1);
        (void)em.Finish(fs_name, label);
        return;
      }
    }
  }
  Status st;
  switch (hint) {
    case FsHint::kIso9660:
      if (fs_name.empty()) fs_name = "iso9660";
      st = ReadIso(bs, em);
      break;
    case FsHint::kUdf:
      if (fs_name.empty()) fs_name = "udf";
      st = ReadUdf(bs, em);
      break;
    default: {
      std::string tsk_name;
      st = ReadTsk(bs, em, hint, tsk_name);
      if (fs_name.empty()) fs_name = tsk_name;
    }
  }
  if (!st.ok() && !em.fatal()) (void)em.FailWalk(st, ProblemClass::kCorruptFilesystem, {});
  (void)em.Finish(fs_name, label);
}

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
          "--list-archives=" + std::to_string(l.list_archives ? 1 : 0)};
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
  return ok;
}

// SCMP_CMP is a C compound literal; this is the C++ spelling.
scmp_arg_cmp Cmp(unsigned arg, scmp_compare op, scmp_datum_t a, scmp_datum_t b = 0) {
  scmp_arg_cmp c{};
  c.arg = arg;
  c.op = op;
  c.datum_a = a;
  c.datum_b = b;
  return c;
}

void OnSigsys(int, siginfo_t* info, void*) {
  // Async-signal-safe report of the forbidden call, then a distinct death.
  char msg[64] = "seccomp: forbidden system call ";
  size_t len = std::strlen(msg);
  int nr = info->si_syscall;
  char digits[16];
  int d = 0;
  do {
    digits[d++] = static_cast<char>('0' + nr % 10);
    nr /= 10;
  } while (nr > 0 && d < 15);
  while (d > 0 && len < sizeof msg - 2) msg[len++] = digits[--d];
  msg[len++] = '\n';
  (void)!::write(2, msg, len);
  signal(SIGSYS, SIG_DFL);
  raise(SIGSYS);
}

}  // namespace

Status InstallReaderSeccomp() {
  struct SeccompRelease {
    void operator()(void* c) const { seccomp_release(c); }
  };
  std::unique_ptr<void, SeccompRelease> ctx(seccomp_init(SCMP_ACT_TRAP));
  if (!ctx) return Status::Internal("seccomp_init failed");
  // Plain allow-list: what libarchive, libtsk, libudf, libblkid, glibc's
  // allocator and (in test builds) ASan need to read a medium and write frames.
  const int allowed[] = {
      SCMP_SYS(read),          SCMP_SYS(pread64),
      SCMP_SYS(readv),         SCMP_SYS(preadv),
      SCMP_SYS(write),         SCMP_SYS(writev),
      SCMP_SYS(lseek),         SCMP_SYS(close),
      SCMP_SYS(fstat),         SCMP_SYS(newfstatat),
      SCMP_SYS(statx),         SCMP_SYS(stat),
      SCMP_SYS(lstat),         SCMP_SYS(fadvise64),
      SCMP_SYS(mmap),          SCMP_SYS(munmap),
      SCMP_SYS(mremap),        SCMP_SYS(mprotect),
      SCMP_SYS(madvise),       SCMP_SYS(brk),
      SCMP_SYS(futex),         SCMP_SYS(exit),
      SCMP_SYS(exit_group),    SCMP_SYS(rt_sigreturn),
      SCMP_SYS(rt_sigaction),  SCMP_SYS(rt_sigprocmask),
      SCMP_SYS(sigaltstack),   SCMP_SYS(getrandom),
      SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
      SCMP_SYS(getpid),        SCMP_SYS(gettid),
      SCMP_SYS(tgkill),        SCMP_SYS(sched_yield),
      SCMP_SYS(getdents64),    SCMP_SYS(readlink),
      SCMP_SYS(uname),         SCMP_SYS(fcntl),
      SCMP_SYS(prlimit64),     SCMP_SYS(getrlimit),
      SCMP_SYS(dup),           SCMP_SYS(sched_getaffinity),
      SCMP_SYS(getuid),        SCMP_SYS(geteuid),
      SCMP_SYS(getgid),        SCMP_SYS(getegid),
      SCMP_SYS(faccessat),     SCMP_SYS(access),
      SCMP_SYS(rseq),          SCMP_SYS(set_robust_list),
      SCMP_SYS(nanosleep),     SCMP_SYS(clock_nanosleep),
      SCMP_SYS(getcwd),        SCMP_SYS(sysinfo),
      SCMP_SYS(pipe2),         SCMP_SYS(faccessat2),
      SCMP_SYS(readlinkat),
  };
  for (int nr : allowed)
    if (seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, nr, 0) != 0)
      return Status::Internal("seccomp_rule_add " + std::to_string(nr));
  // open/openat only without write access or creation.
  for (int nr : {SCMP_SYS(openat), SCMP_SYS(open)}) {
    unsigned arg = nr == SCMP_SYS(openat) ? 2 : 1;
    if (seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, nr, 1,
                         Cmp(arg, SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND, O_RDONLY)) != 0)
      return Status::Internal("seccomp_rule_add open");
  }
  // ioctl: only read-only size, sector and drive-status queries.
  for (unsigned long req :
       {static_cast<unsigned long>(BLKGETSIZE64), static_cast<unsigned long>(BLKSSZGET),
        static_cast<unsigned long>(BLKGETSIZE), static_cast<unsigned long>(BLKIOMIN),
        static_cast<unsigned long>(BLKIOOPT), static_cast<unsigned long>(BLKPBSZGET),
        static_cast<unsigned long>(BLKALIGNOFF), static_cast<unsigned long>(TCGETS),
        static_cast<unsigned long>(CDROM_GET_CAPABILITY), static_cast<unsigned long>(CDROM_DRIVE_STATUS),
        static_cast<unsigned long>(CDROM_DISC_STATUS), static_cast<unsigned long>(CDROM_CHANGER_NSLOTS),
        static_cast<unsigned long>(CDROM_LAST_WRITTEN), static_cast<unsigned long>(CDROMMULTISESSION),
        static_cast<unsigned long>(CDROMREADTOCHDR), static_cast<unsigned long>(CDROMREADTOCENTRY),
        static_cast<unsigned long>(CDROM_GET_MCN), static_cast<unsigned long>(BLKGETZONESZ),
        static_cast<unsigned long>(BLKGETNRZONES)})
    if (seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                         Cmp(1, SCMP_CMP_EQ, static_cast<scmp_datum_t>(req))) != 0)
      return Status::Internal("seccomp_rule_add ioctl");
  // Probing ioctls libblkid tries on any block device (floppy, loop): answered
  // "not a tty/unsupported" so the probe moves on without the information.
  for (unsigned long req :
       {static_cast<unsigned long>(FDGETFDCSTAT), static_cast<unsigned long>(FDGETPRM),
        static_cast<unsigned long>(FDGETDRVTYP), static_cast<unsigned long>(LOOP_GET_STATUS64),
        static_cast<unsigned long>(LOOP_GET_STATUS),
        // libcdio's Linux driver probes SCSI pass-through; refusing it
        // makes libudf fall back to plain reads. SG_IO is never allowed.
        static_cast<unsigned long>(SCSI_IOCTL_GET_BUS_NUMBER), static_cast<unsigned long>(SCSI_IOCTL_GET_IDLUN),
        static_cast<unsigned long>(SG_IO), static_cast<unsigned long>(SG_GET_VERSION_NUM),
        static_cast<unsigned long>(CDROM_SEND_PACKET), static_cast<unsigned long>(SG_EMULATED_HOST)})
    if (seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(ENOTTY), SCMP_SYS(ioctl), 1,
                         Cmp(1, SCMP_CMP_EQ, static_cast<scmp_datum_t>(req))) != 0)
      return Status::Internal("seccomp_rule_add ioctl errno");
  struct sigaction sa {};
  sa.sa_sigaction = OnSigsys;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSYS, &sa, nullptr);
  if (seccomp_load(ctx.get()) != 0) return Status::Internal("seccomp_load failed");
  return Status::Ok();
}

int ReaderChildMain(int argc, char** argv) {
  std::string device;
  ReadOptions o;
  if (!ParseChildArgs(argc, argv, device, o)) return kChildExitBadArgs;
  if (o.sandbox.use_seccomp && !InstallReaderSeccomp().ok()) return kChildExitSeccomp;
  PipeFrameSink sink(kChildFrameFd);
  RunReader(device, o, sink);
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
    case kChildExitNamespace: return "could not enter a new network namespace";
    case kChildExitRlimit: return "could not set resource limits";
    case kChildExitExec: return "could not execute the reader";
    case kChildExitSeccomp: return "could not install the seccomp filter";
    case kChildExitPipe: return "could not set up the frame pipe";
    default: return "exit status " + std::to_string(code);
  }
}

// Waits for `pid` up to `grace_ms`, then kills it. Returns the wait status.
int Reap(pid_t pid, int grace_ms) {
  int status = 0;
  for (int waited = 0;; waited += 10) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return 0;
    if (waited >= grace_ms) {
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
      return status;
    }
    ::usleep(10'000);
  }
}

[[noreturn]] void ExecChild(const std::string& binary, const std::vector<std::string>& args, int write_fd,
                            const SandboxLimits& sb) {
  // Only async-signal-safe calls from here to execve.
  if (::dup2(write_fd, kChildFrameFd) < 0) ::_exit(kChildExitPipe);
  ::close_range(kChildFrameFd + 1, ~0u, 0);
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull >= 0) ::dup2(devnull, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (sb.new_network_namespace && ::unshare(CLONE_NEWNET | CLONE_NEWIPC) != 0) ::_exit(kChildExitNamespace);
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
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(binary.c_str()));
  for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  char env0[] = "LC_ALL=C.UTF-8";
  char env1[] = "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1";
  char* envp[] = {env0, env1, nullptr};
  ::execve(binary.c_str(), argv.data(), envp);
  ::_exit(kChildExitExec);
}

}  // namespace

Result<ReadSummary> RunSandboxed(const std::string& device, const ReadOptions& options, MediaSink& sink) {
  std::string binary = ResolveChildBinary(options);
  if (::access(binary.c_str(), X_OK) != 0)
    return Status::FailedPrecondition("reader child " + binary + " is not executable");
  std::optional<ReadOnlyGuard> ro;
  if (options.set_device_read_only) ro.emplace(device);
  ReadOptions child_options = options;
  child_options.set_device_read_only = false;  // done here, in the parent
  std::vector<std::string> args = ChildArguments(device, child_options);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Status::FromErrno(errno, "pipe");
  UniqueFd rd(fds[0]), wr(fds[1]);
  (void)::fcntl(rd.get(), F_SETPIPE_SZ, 1 << 20);
  pid_t pid = ::fork();
  if (pid < 0) return Status::FromErrno(errno, "fork reader child");
  if (pid == 0) ExecChild(binary, args, wr.get(), options.sandbox);
  wr.reset();

  FrameDecoder dec(sink, options.limits);
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + options.sandbox.timeout;
  std::vector<uint8_t> buf(kParentReadBytes);
  Status stop;  // the sink's own error: returned as is
  bool killed_by_us = false;
  for (;;) {
    auto now = Clock::now();
    if (now >= deadline) {
      ::kill(pid, SIGKILL);
      killed_by_us = true;
      stop =
          dec.ParentProblem(ProblemClass::kParserTimeout, "reader of " + device + " exceeded its wall-clock limit of " +
                                                              std::to_string(options.sandbox.timeout.count()) + " ms");
      break;
    }
    auto wait =
        std::min(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now), options.sandbox.stall_timeout);
    pollfd p{rd.get(), POLLIN, 0};
    int pr = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(wait.count(), 1)));
    if (pr < 0 && errno == EINTR) continue;
    if (pr == 0) {
      if (Clock::now() < deadline) {
        ::kill(pid, SIGKILL);
        killed_by_us = true;
        stop = dec.ParentProblem(ProblemClass::kParserTimeout,
                                 "reader of " + device + " produced nothing for " +
                                     std::to_string(options.sandbox.stall_timeout.count()) + " ms (hung)");
        break;
      }
      continue;
    }
    ssize_t n = ::read(rd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF (or error): the child is done or dead
    Status st = dec.Feed(std::span<const uint8_t>(buf.data(), static_cast<size_t>(n)));
    if (!st.ok()) {
      ::kill(pid, SIGKILL);
      killed_by_us = true;
      if (st.code() == Code::kCorrupt && st.message().rfind("malformed frame", 0) == 0)
        stop = dec.ParentProblem(ProblemClass::kMalformedFrame, "reader of " + device + " sent a " + st.message());
      else
        stop = st.WithContext("read " + device);
      if (stop.ok()) stop = Status::Ok();
      break;
    }
  }
  rd.reset();
  int ws = Reap(pid, killed_by_us ? 0 : kChildExitGraceMs);
  Status abort = dec.AbortOpenEntry();
  if (!stop.ok()) return stop;
  if (!abort.ok()) return abort;
  if (!killed_by_us) {
    std::string why;
    if (WIFSIGNALED(ws))
      why = "reader child was killed by " + SignalName(WTERMSIG(ws));
    else if (WIFEXITED(ws) && WEXITSTATUS(ws) != 0)
      why = "reader child failed: " + ExitReason(WEXITSTATUS(ws));
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
