// TmuxSession: drives a real terminal program inside a private tmux server
// for end-to-end tests: start it at a given size, type with send-keys, read
// the screen with capture-pane, resize the window, and wait for text by
// polling capture-pane with a deadline (never a fixed sleep).
//
// Each session uses its own server socket in a TempDir and kills that server
// in the destructor. The pane stays after the program exits
// (remain-on-exit) so a test can see that it died and with what status.
// Throws std::runtime_error on tmux failures (tests only).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/fixtures/temp_dir.h"

namespace qoima::testing {

class TmuxSession {
 public:
  /// Starts `argv` (no shell is involved: the pane execs it through env)
  /// with `env` ("NAME=value") in a cols x rows window.
  TmuxSession(const std::vector<std::string>& argv, const std::vector<std::string>& env, int cols = 80, int rows = 24);
  ~TmuxSession();
  TmuxSession(const TmuxSession&) = delete;
  TmuxSession& operator=(const TmuxSession&) = delete;

  /// tmux key names or literal strings, e.g. {"F2"}, {"C-c"}, {"Enter"}.
  void SendKeys(const std::vector<std::string>& keys);
  /// Literal text (send-keys -l), UTF-8.
  void Type(const std::string& text);
  std::string Capture();
  /// Polls until the screen contains `text`; returns false on timeout.
  bool WaitFor(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Polls until `pred(screen)` holds.
  template <typename Pred>
  bool WaitUntil(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred(Capture())) return true;
    }
    return pred(Capture());
  }
  void Resize(int cols, int rows);

  /// Process id of the program in the pane.
  pid_t pid();
  /// True once the program exited (the pane is dead).
  bool dead();
  /// Exit status of the dead pane, or -signal when a signal killed it.
  int dead_status();
  /// Last stdout+stderr of the program's stderr file (for failure messages).
  std::string stderr_text() const;

 private:
  std::string Tmux(const std::vector<std::string>& args);

  TempDir dir_;
  std::string socket_;
};

/// Child processes of `pid` (from /proc/<pid>/task/*/children).
std::vector<pid_t> ChildrenOf(pid_t pid);
/// /proc/<pid>/comm without the newline; "" when the process is gone.
std::string CommOf(pid_t pid);
/// Process state letter from /proc/<pid>/stat ('R', 'S', 'T' stopped, ...); 0 when gone.
char StateOf(pid_t pid);

}  // namespace qoima::testing
