// qoima-hostile-reader (tests only): a reader child taken over by a hostile
// medium. It starts exactly as qoima-media-child does (StartSandboxedReader:
// the same sandbox, the same seccomp filter), then, instead of parsing,
// carries out the attack the "medium" (descriptor 4) names on its first line:
//
//   status            report what the reader is and holds (run with
//                     --seccomp=0: the filter refuses some of the probes)
//   open PATH         openat(PATH, O_RDONLY)
//   kill PID          kill(PID, SIGKILL)  (1, the appliance, another process)
//   stderr            write terminal escape sequences to descriptor 2, then fail
//   write-medium      write to the medium's descriptor
//   socket HOST PORT  connect a TCP socket; then an abstract UNIX socket
//   hang              never answer (a hung parser)
//
// Each result is reported as the path of an empty file entry, so it reaches
// the test through the real frame protocol and the real parent (ReadMedia,
// qoima-read --list, qoima scan --json). An attack the seccomp filter stops
// never reports: the reader dies of SIGSYS.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <sstream>
#include <string>
#include <vector>

#include "hardware/entry_emitter.h"
#include "hardware/reader_child.h"

namespace {

using namespace qoima;
using namespace qoima::hardware;

class FdFrameSink : public FrameSink {
 public:
  Status Write(std::span<const uint8_t> header, std::span<const uint8_t> payload) override {
    iovec iov[2] = {{const_cast<uint8_t*>(header.data()), header.size()},
                    {const_cast<uint8_t*>(payload.data()), payload.size()}};
    ssize_t want = static_cast<ssize_t>(header.size() + payload.size());
    if (::writev(kChildFrameFd, iov, 2) != want) return Status::IoError("short frame write");
    return Status::Ok();
  }
};

std::string Errno(int rc) { return rc == 0 ? "ok" : std::strerror(errno); }

std::string Describe() {
  std::ostringstream o;
  o << "uid=" << ::getuid() << " gid=" << ::getgid() << " pid=" << ::getpid() << " ppid=" << ::getppid();
  __user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {};
  unsigned long caps = 0;
  if (::syscall(SYS_capget, &h, d) == 0)
    for (auto& x : d) caps |= x.effective | x.permitted | x.inheritable;
  o << " caps=" << caps;
  // The rest needs system calls the seccomp filter refuses: the tests ask
  // for it with --seccomp=0, to see the namespaces on their own.
  o << " fds=";
  for (int fd = 0; fd < 64; ++fd)
    if (::fcntl(fd, F_GETFD) >= 0) o << fd << ",";
  rlimit r{};
  ::getrlimit(RLIMIT_NOFILE, &r);
  o << " nofile=" << r.rlim_cur;
  ::getrlimit(RLIMIT_FSIZE, &r);
  o << " fsize=" << r.rlim_cur;
  o << " nonewprivs=" << ::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
  o << " dumpable=" << ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
  int root_entries = -1;
  int dfd = ::open("/", O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    char buf[4096];
    root_entries = 0;
    for (;;) {
      long n = ::syscall(SYS_getdents64, dfd, buf, sizeof buf);
      if (n <= 0) break;
      for (long off = 0; off < n;) {
        auto* rec = reinterpret_cast<char*>(buf + off);
        unsigned short reclen = 0;
        std::memcpy(&reclen, rec + 16, sizeof reclen);
        const char* name = rec + 19;
        if (std::strcmp(name, ".") != 0 && std::strcmp(name, "..") != 0) ++root_entries;
        off += reclen;
      }
    }
    ::close(dfd);
  }
  o << " root_entries=" << root_entries;
  o << " interfaces=";
  if (struct if_nameindex* ifs = ::if_nameindex()) {
    for (auto* i = ifs; i->if_index != 0; ++i) o << i->if_name << ",";
    ::if_freenameindex(ifs);
  }
  return o.str();
}

std::string Socket(const std::string& host, int port) {
  std::ostringstream o;
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return "socket: " + std::string(std::strerror(errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, host.c_str(), &a.sin_addr);
  int rc = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  o << "tcp connect " << host << ":" << port << ": " << Errno(rc);
  ::close(s);
  int u = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un ua{};
  ua.sun_family = AF_UNIX;
  std::string name = "qoima-hostile-test-" + std::to_string(port);
  std::memcpy(ua.sun_path + 1, name.data(), name.size());
  rc = ::connect(u, reinterpret_cast<sockaddr*>(&ua),
                 static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size()));
  o << "; abstract unix connect: " << Errno(rc);
  ::close(u);
  return o.str();
}

}  // namespace

int main(int argc, char** argv) {
  std::string device;
  ReadOptions options;
  StartSandboxedReader(argc, argv, device, options);

  char script[256] = {};
  ssize_t n = ::pread(kChildDeviceFd, script, sizeof script - 1, 0);
  std::istringstream in(std::string(script, n > 0 ? static_cast<size_t>(n) : 0));
  std::string attack, arg;
  in >> attack >> arg;

  std::vector<std::string> results;
  if (attack == "status") {
    results.push_back(Describe());
  } else if (attack == "open") {
    int fd = static_cast<int>(::syscall(SYS_openat, AT_FDCWD, arg.c_str(), O_RDONLY));
    results.push_back("open " + arg + ": " + (fd >= 0 ? "opened" : std::strerror(errno)));
  } else if (attack == "kill") {
    int rc = static_cast<int>(::syscall(SYS_kill, std::atoi(arg.c_str()), SIGKILL));
    results.push_back("kill " + arg + ": " + Errno(rc));
  } else if (attack == "stderr") {
    // OSC 52 (set the clipboard) and OSC 0 (set the window title).
    const char escapes[] = "\x1b]52;c;cXdvaW1h\x07\x1b]0;pwned\x07 reader taken over\n";
    (void)!::write(2, escapes, sizeof escapes - 1);
    ::_exit(1);
  } else if (attack == "write-medium") {
    int rc = static_cast<int>(::syscall(SYS_write, kChildDeviceFd, "x", 1));
    results.push_back("write medium: " + Errno(rc < 0 ? -1 : 0));
  } else if (attack == "socket") {
    std::string port;
    in >> port;
    results.push_back(Socket(arg, std::atoi(port.c_str())));
  } else if (attack == "hang") {
    for (;;) {
      timespec t{3600, 0};
      ::nanosleep(&t, nullptr);
    }
  } else {
    results.push_back("unknown attack '" + attack + "'");
  }

  FdFrameSink frames;
  ReadLimits limits;
  EntryEmitter em(frames, limits, nullptr);
  for (auto& r : results) {
    for (char& c : r)
      if (c == '/') c = '|';  // one path component
    EntryHeader h;
    h.raw_path = r;
    h.type = EntryType::kFile;
    (void)em.Emit(std::move(h), nullptr);
  }
  (void)em.Finish("hostile", "");
  ::_exit(0);
}
