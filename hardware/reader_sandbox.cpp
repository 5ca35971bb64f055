#include "hardware/reader_sandbox.h"

#include <fcntl.h>
#include <iconv.h>
#include <linux/blkzoned.h>
#include <linux/capability.h>
#include <linux/cdrom.h>
#include <linux/fd.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <linux/securebits.h>
#include <sched.h>
#include <scsi/scsi.h>
#include <scsi/scsi_ioctl.h>
#include <scsi/sg.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <clocale>
#include <cstring>
#include <ctime>
#include <memory>

#include "common/unique_fd.h"

namespace qoima::hardware {
namespace {

// Where the empty root is mounted before pivot_root makes it "/". Any
// directory of the host's root serves (the mount exists only in the reader's
// mount namespace); /tmp is there on every system qoima runs on.
constexpr const char* kNewRootMountPoint = "/tmp";

// Namespaces of the reader. The user namespace comes first in the kernel's
// order, so the others are created by (and owned by) it, unprivileged.
constexpr int kReaderNamespaces =
    CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;

Status Errno(const std::string& what) {
  int err = errno;
  return Status::IoError(what + ": " + std::strerror(err));
}

Status WriteProcFile(const char* path, const std::string& text) {
  UniqueFd fd(::open(path, O_WRONLY | O_CLOEXEC));
  if (!fd) return Errno(std::string("open ") + path);
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    return Errno(std::string("write ") + path);
  return Status::Ok();
}

// What the libraries would otherwise open from the host's root once they
// need it: loaded now, while that root is still there. Measured with strace
// over the hardware tests: the C.UTF-8 locale (libarchive converts member
// names to the locale's charset), the time zone (libudf and TSK convert
// times with the C library), and the iconv modules libarchive opens for
// archives that name their charset (zip's CP437, 7z's and Joliet-style
// UTF-16, tar's hdrcharset). Each iconv descriptor is kept open: glibc keeps a
// gconv module loaded while a descriptor uses it.
void LoadRuntimeFiles() {
  std::setlocale(LC_ALL, "C.UTF-8");
  ::tzset();
  for (const char* from : {"CP437", "UTF-16LE", "UTF-16BE", "ISO-8859-1", "CP1251", "CP866"}) {
    iconv_t cd = ::iconv_open("UTF-8", from);
    if (cd != reinterpret_cast<iconv_t>(-1)) {
      // Never closed: the descriptor keeps its module loaded for the reader.
      static_cast<void>(cd);
    }
  }
}

// An empty, read-only tmpfs becomes the root; the host's root is detached.
// After this no path names anything but "/" itself.
Status EnterEmptyRoot() {
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    return Errno("make the reader's mounts private");
  if (::mount("qoima-reader", kNewRootMountPoint, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
              "size=4k,nr_inodes=2,mode=0555") != 0)
    return Errno(std::string("mount an empty tmpfs on ") + kNewRootMountPoint);
  if (::chdir(kNewRootMountPoint) != 0) return Errno(std::string("chdir ") + kNewRootMountPoint);
  // pivot_root(".", ".") stacks the old root on the new one; detaching it
  // leaves the empty tmpfs as "/" (pivot_root(2), "NOTES").
  if (::syscall(SYS_pivot_root, ".", ".") != 0) return Errno("pivot_root into the empty root");
  if (::umount2(".", MNT_DETACH) != 0) return Errno("detach the host's root");
  if (::chdir("/") != 0) return Errno("chdir /");
  if (::access("/proc", F_OK) == 0 || ::access("/tmp", F_OK) == 0)
    return Status::Internal("the host's root is still visible after pivot_root");
  return Status::Ok();
}

// Waits for `pid`, retrying on EINTR. Returns its wait status.
int WaitFor(pid_t pid) {
  int ws = 0;
  while (::waitpid(pid, &ws, 0) < 0) {
    if (errno != EINTR) return 0;
  }
  return ws;
}

// Ends the calling process as `ws` ended: the same exit code, or death by the
// same signal.
[[noreturn]] void EndAs(int ws) {
  int sig = 0;
  if (WIFEXITED(ws)) {
    int code = WEXITSTATUS(ws);
    // The namespace's init relays a signal death as 128 + signal.
    if (code <= 128 || code > 128 + 64) ::_exit(code);
    sig = code - 128;
  } else {
    sig = WIFSIGNALED(ws) ? WTERMSIG(ws) : SIGKILL;
  }
  ::signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
  ::raise(sig);
  ::_exit(128 + sig);  // a signal that does not end a process
}

// The launcher's child, the namespace's init: killed when the parent asks
// the launcher to stop (SIGTERM). The init's death ends the namespace: the
// kernel kills the reader and the init reaps it before the launcher's wait
// returns, so when the parent has reaped the launcher, nothing of the reader
// is left.
volatile sig_atomic_t g_init_pid = 0;

void OnTerminate(int) {
  if (g_init_pid > 0) ::kill(g_init_pid, SIGKILL);
}

// The parts of C and G that are not the reader keep only the diagnostics
// descriptor: the parent waits for it to close in every process of the tree,
// so when a read is over, none of them holds the medium any more.
void CloseAllButDiagnostics() {
  for (int fd : {0, 1, kChildFrameFd, kChildDeviceFd, kChildStatusFd}) ::close(fd);
  ::close_range(kChildStatusFd + 1, ~0u, 0);
}

}  // namespace

Status DropAllCapabilities() {
  // Securebits first (needs CAP_SETPCAP): no capability comes back through
  // uid 0 semantics, setuid fix-ups or the ambient set.
  unsigned long bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
                       SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
  if (::prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) != 0) return Errno("lock the securebits");
  for (unsigned long cap = 0; cap < 64; ++cap) {
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      if (errno == EINVAL) break;  // past the kernel's last capability
      return Errno("drop capability " + std::to_string(cap) + " from the bounding set");
    }
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) return Errno("clear the ambient capabilities");
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (::syscall(SYS_capset, &header, data) != 0) return Errno("capset");
  __user_cap_data_struct now[_LINUX_CAPABILITY_U32S_3] = {};
  if (::syscall(SYS_capget, &header, now) != 0) return Errno("capget");
  for (const auto& d : now)
    if (d.effective != 0 || d.permitted != 0 || d.inheritable != 0)
      return Status::Internal("capabilities remain after dropping them all");
  return Status::Ok();
}

Status EnterReaderSandbox() {
  LoadRuntimeFiles();
  const uid_t uid = ::getuid();
  const gid_t gid = ::getgid();
  if (::unshare(kReaderNamespaces) != 0)
    return Errno(
        "create the reader's user, mount, PID, network and IPC namespaces (unprivileged user namespaces "
        "must be enabled: user.max_user_namespaces > 0)");
  // The reader keeps its own ids inside (a uid that owns nothing it can
  // reach) and no supplementary groups.
  QOIMA_RETURN_IF_ERROR(WriteProcFile("/proc/self/setgroups", "deny"));
  QOIMA_RETURN_IF_ERROR(WriteProcFile("/proc/self/uid_map", std::to_string(uid) + " " + std::to_string(uid) + " 1"));
  QOIMA_RETURN_IF_ERROR(WriteProcFile("/proc/self/gid_map", std::to_string(gid) + " " + std::to_string(gid) + " 1"));
  QOIMA_RETURN_IF_ERROR(EnterEmptyRoot());
  // No core dump of depositor data, even through a piped core_pattern
  // (which RLIMIT_CORE 0 does not stop).
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return Errno("PR_SET_DUMPABLE");

  // [C] -> [G]: the first child in the new PID namespace is its pid 1.
  pid_t init = ::fork();
  if (init < 0) return Errno("fork the reader's init");
  if (init > 0) {
    g_init_pid = init;
    struct sigaction sa {};
    sa.sa_handler = OnTerminate;
    ::sigaction(SIGTERM, &sa, nullptr);
    CloseAllButDiagnostics();
    (void)DropAllCapabilities();
    EndAs(WaitFor(init));
  }
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) return Errno("PR_SET_PDEATHSIG");
  // [G] -> [H]
  pid_t reader = ::fork();
  if (reader < 0) return Errno("fork the reader");
  if (reader > 0) {
    CloseAllButDiagnostics();
    (void)DropAllCapabilities();
    // pid 1 reaps whatever ends in its namespace; it relays the reader's end
    // as an exit code (an init cannot re-raise a signal on itself).
    for (;;) {
      int ws = 0;
      pid_t p = ::waitpid(-1, &ws, 0);
      if (p < 0 && errno == EINTR) continue;
      if (p < 0) ::_exit(kChildExitSandbox);
      if (p != reader) continue;
      ::_exit(WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + (WIFSIGNALED(ws) ? WTERMSIG(ws) : SIGKILL));
    }
  }
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) return Errno("PR_SET_PDEATHSIG");
  QOIMA_RETURN_IF_ERROR(DropAllCapabilities());
  // Anything a library opened while loading (above) is closed: the reader
  // holds the diagnostics, frame, medium and set-up descriptors only.
  if (::close_range(kChildStatusFd + 1, ~0u, 0) != 0) return Errno("close_range");
  ::close(0);
  return Status::Ok();
}

Status ReportSandboxReady() {
  ssize_t n = ::write(kChildStatusFd, kSandboxReady.data(), kSandboxReady.size());
  int err = errno;
  ::close(kChildStatusFd);
  if (n != static_cast<ssize_t>(kSandboxReady.size()))
    return Status::IoError(std::string("report ready: ") + std::strerror(err));
  return Status::Ok();
}

void FailSandbox(const Status& why) {
  std::string text = why.message();
  if (text.size() > 1024) text.resize(1024);
  (void)!::write(kChildStatusFd, text.data(), text.size());
  ::_exit(kChildExitSandbox);
}

Status SandboxSetupFailure(const std::string& why) {
  return Status::IoError("the reader sandbox could not be set up: " + why);
}

namespace {

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
  // Async-signal-safe report of the forbidden call (to the parent, as data),
  // then a distinct death.
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
  (void)!::write(kChildDiagFd, msg, len);
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
  auto add = [&](uint32_t action, int nr, std::initializer_list<scmp_arg_cmp> args) -> Status {
    if (seccomp_rule_add_array(ctx.get(), action, nr, static_cast<unsigned>(args.size()), args.begin()) != 0)
      return Status::Internal("seccomp_rule_add " + std::to_string(nr));
    return Status::Ok();
  };
  // Plain allow-list: what libarchive, libtsk, libudf, libblkid, glibc's
  // allocator and (in test builds) ASan need to read a medium and write frames.
  const int allowed[] = {
      SCMP_SYS(read),
      SCMP_SYS(pread64),
      SCMP_SYS(readv),
      SCMP_SYS(preadv),
      SCMP_SYS(lseek),
      SCMP_SYS(close),
      SCMP_SYS(fstat),
      SCMP_SYS(newfstatat),
      SCMP_SYS(statx),
      SCMP_SYS(stat),
      SCMP_SYS(lstat),
      SCMP_SYS(fadvise64),
      SCMP_SYS(mmap),
      SCMP_SYS(munmap),
      SCMP_SYS(mremap),
      SCMP_SYS(mprotect),
      SCMP_SYS(madvise),
      SCMP_SYS(brk),
      SCMP_SYS(futex),
      SCMP_SYS(exit),
      SCMP_SYS(exit_group),
      SCMP_SYS(rt_sigreturn),
      SCMP_SYS(rt_sigaction),
      SCMP_SYS(rt_sigprocmask),
      SCMP_SYS(sigaltstack),
      SCMP_SYS(getrandom),
      SCMP_SYS(clock_gettime),
      SCMP_SYS(gettimeofday),
      SCMP_SYS(getpid),
      SCMP_SYS(gettid),
      SCMP_SYS(sched_yield),
      SCMP_SYS(getdents64),
      SCMP_SYS(readlink),
      SCMP_SYS(uname),
      SCMP_SYS(fcntl),
      SCMP_SYS(prlimit64),
      SCMP_SYS(getrlimit),
      SCMP_SYS(dup),
      SCMP_SYS(sched_getaffinity),
      SCMP_SYS(getuid),
      SCMP_SYS(geteuid),
      SCMP_SYS(getgid),
      SCMP_SYS(getegid),
      SCMP_SYS(faccessat),
      SCMP_SYS(access),
      SCMP_SYS(rseq),
      SCMP_SYS(set_robust_list),
      SCMP_SYS(nanosleep),
      SCMP_SYS(clock_nanosleep),
      SCMP_SYS(getcwd),
      SCMP_SYS(sysinfo),
      SCMP_SYS(pipe2),
      SCMP_SYS(faccessat2),
      SCMP_SYS(readlinkat),
  };
  for (int nr : allowed) QOIMA_RETURN_IF_ERROR(add(SCMP_ACT_ALLOW, nr, {}));
  // Writes only to stdout/stderr (the diagnostics pipe), the frame pipe and
  // the set-up pipe (for "ready", right after this filter is loaded).
  for (int nr : {SCMP_SYS(write), SCMP_SYS(writev)})
    for (int fd : {1, kChildDiagFd, kChildFrameFd, kChildStatusFd})
      QOIMA_RETURN_IF_ERROR(add(SCMP_ACT_ALLOW, nr, {Cmp(0, SCMP_CMP_EQ, static_cast<scmp_datum_t>(fd))}));
  // Signals only to itself: a reader taken over cannot signal the appliance
  // or anything else, whatever its PID namespace lets it name.
  const auto self = static_cast<scmp_datum_t>(::getpid());
  const auto self_thread = static_cast<scmp_datum_t>(::gettid());
  QOIMA_RETURN_IF_ERROR(add(SCMP_ACT_ALLOW, SCMP_SYS(kill), {Cmp(0, SCMP_CMP_EQ, self)}));
  QOIMA_RETURN_IF_ERROR(add(SCMP_ACT_ALLOW, SCMP_SYS(tgkill), {Cmp(0, SCMP_CMP_EQ, self)}));
  QOIMA_RETURN_IF_ERROR(add(SCMP_ACT_ALLOW, SCMP_SYS(tkill), {Cmp(0, SCMP_CMP_EQ, self_thread)}));
  // No path is opened: the medium is descriptor 4. A library probing for a
  // file (libblkid's sysfs, a locale) gets "no such file", as the empty root
  // would answer; an open for writing or creating is a violation.
  const scmp_datum_t write_flags = O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND;
  QOIMA_RETURN_IF_ERROR(
      add(SCMP_ACT_ERRNO(ENOENT), SCMP_SYS(openat), {Cmp(2, SCMP_CMP_MASKED_EQ, write_flags, O_RDONLY)}));
  QOIMA_RETURN_IF_ERROR(
      add(SCMP_ACT_ERRNO(ENOENT), SCMP_SYS(open), {Cmp(1, SCMP_CMP_MASKED_EQ, write_flags, O_RDONLY)}));
  QOIMA_RETURN_IF_ERROR(add(SCMP_ACT_ERRNO(ENOENT), SCMP_SYS(openat2), {}));
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
    QOIMA_RETURN_IF_ERROR(add(SCMP_ACT_ALLOW, SCMP_SYS(ioctl), {Cmp(1, SCMP_CMP_EQ, static_cast<scmp_datum_t>(req))}));
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
    QOIMA_RETURN_IF_ERROR(
        add(SCMP_ACT_ERRNO(ENOTTY), SCMP_SYS(ioctl), {Cmp(1, SCMP_CMP_EQ, static_cast<scmp_datum_t>(req))}));
  struct sigaction sa {};
  sa.sa_sigaction = OnSigsys;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSYS, &sa, nullptr);
  if (seccomp_load(ctx.get()) != 0) return Status::Internal("seccomp_load failed");
  return Status::Ok();
}

}  // namespace qoima::hardware
