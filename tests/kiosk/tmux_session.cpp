#include "tests/kiosk/tmux_session.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/subprocess.h"

namespace qoima::testing {
namespace {

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

}  // namespace

TmuxSession::TmuxSession(const std::vector<std::string>& argv, const std::vector<std::string>& env, int cols, int rows)
    : dir_("qoima-tmux"), socket_(dir_.Sub("tmux.sock")) {
  // tmux hands the command to /bin/sh -c; `exec env ...` replaces that shell,
  // so the pane's process is the program itself and no shell remains.
  std::string cmd = "exec env";
  for (const auto& e : env) cmd += " " + ShellQuote(e);
  for (const auto& a : argv) cmd += " " + ShellQuote(a);
  cmd += " 2>" + ShellQuote(dir_.Sub("stderr"));
  Tmux({"-f", "/dev/null", "new-session", "-d", "-x", std::to_string(cols), "-y", std::to_string(rows), "-s", "kiosk",
        cmd});
  Tmux({"set-option", "-t", "kiosk", "remain-on-exit", "on"});
  Tmux({"set-option", "-g", "window-size", "manual"});
}

TmuxSession::~TmuxSession() {
  auto r = RunSubprocess({"tmux", "-S", socket_, "kill-server"});
  (void)r;
}

std::string TmuxSession::Tmux(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"tmux", "-u", "-S", socket_};
  argv.insert(argv.end(), args.begin(), args.end());
  SubprocessOptions opt;
  opt.timeout = std::chrono::seconds(10);
  opt.extra_env = {"LANG=C.UTF-8", "LC_ALL=C.UTF-8", "TERM=xterm-256color"};
  auto r = RunSubprocess(argv, opt);
  if (!r.ok()) throw std::runtime_error("tmux: " + r.status().ToString());
  if (!r->success()) throw std::runtime_error("tmux " + args[0] + ": " + r->Describe());
  return r->out;
}

void TmuxSession::SendKeys(const std::vector<std::string>& keys) {
  std::vector<std::string> args = {"send-keys", "-t", "kiosk"};
  args.insert(args.end(), keys.begin(), keys.end());
  Tmux(args);
}

void TmuxSession::Type(const std::string& text) { Tmux({"send-keys", "-t", "kiosk", "-l", text}); }

std::string TmuxSession::Capture() { return Tmux({"capture-pane", "-p", "-t", "kiosk"}); }

bool TmuxSession::WaitFor(const std::string& text, std::chrono::milliseconds timeout) {
  return WaitUntil([&](const std::string& s) { return s.find(text) != std::string::npos; }, timeout);
}

void TmuxSession::Resize(int cols, int rows) {
  Tmux({"resize-window", "-t", "kiosk", "-x", std::to_string(cols), "-y", std::to_string(rows)});
}

pid_t TmuxSession::pid() {
  return static_cast<pid_t>(std::stol(Tmux({"display", "-p", "-t", "kiosk", "#{pane_pid}"})));
}

bool TmuxSession::dead() { return Tmux({"display", "-p", "-t", "kiosk", "#{pane_dead}"}).rfind("1", 0) == 0; }

int TmuxSession::dead_status() {
  // tmux marks the pane dead slightly before it records the status: poll.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::string s;
  do {
    s = Tmux({"display", "-p", "-t", "kiosk", "#{pane_dead_status}:#{pane_dead_signal}"});
    auto colon = s.find(':');
    if (colon == std::string::npos) continue;
    if (colon > 0) return std::stoi(s.substr(0, colon));
    std::string sig = s.substr(colon + 1);
    if (!sig.empty() && sig != "\n") return -std::stoi(sig);
  } while (std::chrono::steady_clock::now() < deadline);
  return -1000;  // never recorded
}

std::string TmuxSession::stderr_text() const {
  std::ifstream in(dir_.Sub("stderr"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<pid_t> ChildrenOf(pid_t pid) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream in(task.path() / "children");
    pid_t child;
    while (in >> child) out.push_back(child);
  }
  return out;
}

std::string CommOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string s;
  std::getline(in, s);
  return s;
}

char StateOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = all.rfind(')');
  if (close == std::string::npos || close + 2 >= all.size()) return 0;
  return all[close + 2];
}

}  // namespace qoima::testing
