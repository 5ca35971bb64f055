#include "common/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/unique_fd.h"

extern char** environ;

namespace qoima {
namespace {

Result<std::pair<UniqueFd, UniqueFd>> MakePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Status::FromErrno(errno, "pipe2");
  return std::make_pair(UniqueFd(fds[0]), UniqueFd(fds[1]));
}

std::string FirstLine(const std::string& s) {
  auto end = s.find('\n');
  return s.substr(0, end == std::string::npos ? std::min<size_t>(s.size(), 400) : std::min<size_t>(end, 400));
}

}  // namespace

std::string SubprocessResult::Describe() const {
  std::string d;
  if (timed_out)
    d = "timed out";
  else if (term_signal)
    d = "killed by signal " + std::to_string(term_signal);
  else
    d = "exit " + std::to_string(exit_code);
  std::string line = FirstLine(err.empty() ? out : err);
  if (!line.empty()) d += ": " + line;
  return d;
}

Result<SubprocessResult> RunSubprocess(const std::vector<std::string>& argv, const SubprocessOptions& options) {
  if (argv.empty()) return Status::InvalidArgument("RunSubprocess: empty argv");
  QOIMA_ASSIGN_OR_RETURN(auto in_pipe, MakePipe());
  QOIMA_ASSIGN_OR_RETURN(auto out_pipe, MakePipe());
  QOIMA_ASSIGN_OR_RETURN(auto err_pipe, MakePipe());
  QOIMA_ASSIGN_OR_RETURN(auto exec_pipe, MakePipe());  // reports exec failure

  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e) env_store.emplace_back(*e);
  for (const auto& e : options.extra_env) env_store.push_back(e);
  std::vector<char*> cenv;
  for (auto& e : env_store) cenv.push_back(e.data());
  cenv.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid < 0) return Status::FromErrno(errno, "fork for " + argv[0]);
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(in_pipe.first.get(), 0);
    ::dup2(out_pipe.second.get(), 1);
    ::dup2(options.merge_stderr ? out_pipe.second.get() : err_pipe.second.get(), 2);
    if (!options.working_dir.empty() && ::chdir(options.working_dir.c_str()) != 0) {
      int e = errno;
      (void)!::write(exec_pipe.second.get(), &e, sizeof e);
      ::_exit(127);
    }
    ::execvpe(cargv[0], cargv.data(), cenv.data());
    int e = errno;
    (void)!::write(exec_pipe.second.get(), &e, sizeof e);
    ::_exit(127);
  }
  in_pipe.first.reset();
  out_pipe.second.reset();
  err_pipe.second.reset();
  exec_pipe.second.reset();

  int exec_errno = 0;
  if (::read(exec_pipe.first.get(), &exec_errno, sizeof exec_errno) == sizeof exec_errno) {
    int st;
    ::waitpid(pid, &st, 0);
    return Status::FromErrno(exec_errno, "start " + argv[0]);
  }

  // Feed stdin and drain stdout/stderr with poll so neither side blocks.
  std::string to_write = options.stdin_data.value_or("");
  size_t written = 0;
  if (to_write.empty())
    in_pipe.second.reset();
  else
    ::fcntl(in_pipe.second.get(), F_SETFL, O_NONBLOCK);

  SubprocessResult result;
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  char buf[65536];
  while (out_pipe.first.valid() || err_pipe.first.valid()) {
    pollfd pfds[3];
    int n = 0;
    int idx_out = -1, idx_err = -1, idx_in = -1;
    if (out_pipe.first.valid()) {
      idx_out = n;
      pfds[n++] = {out_pipe.first.get(), POLLIN, 0};
    }
    if (err_pipe.first.valid()) {
      idx_err = n;
      pfds[n++] = {err_pipe.first.get(), POLLIN, 0};
    }
    if (in_pipe.second.valid()) {
      idx_in = n;
      pfds[n++] = {in_pipe.second.get(), POLLOUT, 0};
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      break;
    }
    int pr = ::poll(pfds, n, static_cast<int>(std::min<long>(left.count(), 1000)));
    if (pr < 0 && errno != EINTR) break;
    if (pr <= 0) continue;
    auto drain = [&](int idx, UniqueFd& fd, std::string& sink) {
      if (idx < 0 || !(pfds[idx].revents & (POLLIN | POLLHUP | POLLERR))) return;
      ssize_t r = ::read(fd.get(), buf, sizeof buf);
      if (r > 0) {
        if (sink.size() < kMaxCapture) sink.append(buf, std::min<size_t>(r, kMaxCapture - sink.size()));
      } else if (r == 0 || errno != EINTR) {
        fd.reset();
      }
    };
    drain(idx_out, out_pipe.first, result.out);
    drain(idx_err, err_pipe.first, result.err);
    if (idx_in >= 0 && (pfds[idx_in].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = ::write(in_pipe.second.get(), to_write.data() + written, to_write.size() - written);
      if (w > 0) written += static_cast<size_t>(w);
      if (w < 0 && errno != EAGAIN && errno != EINTR) in_pipe.second.reset();
      if (written == to_write.size()) in_pipe.second.reset();
    }
  }
  in_pipe.second.reset();
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
  if (WIFEXITED(st)) result.exit_code = WEXITSTATUS(st);
  if (WIFSIGNALED(st)) result.term_signal = WTERMSIG(st);
  return result;
}

Result<SubprocessResult> RunChecked(const std::vector<std::string>& argv, const SubprocessOptions& options) {
  QOIMA_ASSIGN_OR_RETURN(auto r, RunSubprocess(argv, options));
  if (!r.success()) {
    std::string cmd;
    for (const auto& a : argv) {
      if (!cmd.empty()) cmd += ' ';
      cmd += a;
    }
    if (cmd.size() > 300) cmd = cmd.substr(0, 300) + "...";
    Status s = r.timed_out ? Status::Timeout(cmd + ": " + r.Describe()) : Status::IoError(cmd + ": " + r.Describe());
    return s;
  }
  return r;
}

}  // namespace qoima
