#include "kiosk/stderr_log.h"

#include <fcntl.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cerrno>

namespace qoima::kiosk {
namespace {

constexpr char kIdentifier[] = "qoima-kiosk";

}  // namespace

StderrLog::StderrLog(Target target, const std::string& fallback_path)
    : saved_stderr_(::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)) {
  if (target == Target::kJournal) {
    // Lines at warning priority; no "<N>" prefixes are parsed, so a
    // library's text cannot choose its own priority.
    target_.reset(sd_journal_stream_fd(kIdentifier, LOG_WARNING, 0));
    if (target_) {
      ::fcntl(target_.get(), F_SETFD, FD_CLOEXEC);
      to_journal_ = true;
    } else {
      target_.reset(fallback_path.empty()
                        ? ::open("/dev/null", O_WRONLY | O_CLOEXEC)
                        : ::open(fallback_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
      if (!target_) target_.reset(::open("/dev/null", O_WRONLY | O_CLOEXEC));
    }
  } else {
    target_.reset(::fcntl(saved_stderr_.get(), F_DUPFD_CLOEXEC, 3));
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return;  // keep fd 2 as it is
  read_end_.reset(fds[0]);
  ::dup2(fds[1], STDERR_FILENO);  // fd 2 itself stays inheritable
  ::close(fds[1]);
  int in = read_end_.get(), out = target_.get();
  copier_ = std::thread([in, out] {
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(in, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // every writer closed its end
      for (ssize_t off = 0; off < n;) {
        ssize_t w = ::write(out, buf + off, static_cast<size_t>(n - off));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        off += w;
      }
    }
  });
}

StderrLog::~StderrLog() {
  if (!copier_.joinable()) return;
  // Put the original stderr back; that closes our pipe's last write end in
  // this process (children holding it keep the copier alive until they exit).
  ::dup2(saved_stderr_.get(), STDERR_FILENO);
  copier_.join();
}

void JournalInfo(const std::string& message) {
  sd_journal_send("MESSAGE=%s", message.c_str(), "PRIORITY=%i", LOG_INFO, "SYSLOG_IDENTIFIER=%s", kIdentifier, nullptr);
}

}  // namespace qoima::kiosk
