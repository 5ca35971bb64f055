// TerminalSession: owns the ncurses screen and the process's signal
// disposition for the kiosk's lifetime, and restores the terminal on every
// exit path.
//
// - raw mode: Ctrl-C, Ctrl-Z, Ctrl-\, Ctrl-S/Ctrl-Q arrive as ordinary keys
//   (the screens ignore them) instead of signals or flow control;
// - SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU and SIGPIPE are ignored, so even
//   a signal sent from outside the terminal does not stop or suspend us;
// - SIGTERM and SIGHUP set a flag the event loop polls (TerminationRequested)
//   so the destructor runs endwin() normally;
// - fatal signals (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) restore the saved
//   termios and leave the alternate screen with async-signal-safe calls, then
//   re-raise; std::terminate does the same through endwin().
//
// Only one TerminalSession may exist. Thread-safety: UI thread only.
#pragma once

#include <termios.h>

namespace qoima::kiosk {

class TerminalSession {
 public:
  /// Starts curses on the controlling terminal (stdin/stdout). Throws
  /// std::runtime_error when stdin is not a terminal or curses fails.
  TerminalSession();
  ~TerminalSession();
  TerminalSession(const TerminalSession&) = delete;
  TerminalSession& operator=(const TerminalSession&) = delete;

  /// True once SIGTERM or SIGHUP arrived.
  static bool TerminationRequested();

  bool has_colors() const { return colors_; }

 private:
  bool colors_ = false;
};

/// Color pairs set up by TerminalSession (0 is the default pair).
enum ColorPair : short { kPairTitle = 1, kPairStatus, kPairError, kPairOk, kPairSelected, kPairWarn, kPairHelpKey };

}  // namespace qoima::kiosk
