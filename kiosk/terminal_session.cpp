#include "kiosk/terminal_session.h"

#include <ncursesw/curses.h>
#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <exception>
#include <stdexcept>

namespace qoima::kiosk {
namespace {

volatile sig_atomic_t g_terminate = 0;
struct termios g_saved_termios;
bool g_have_saved = false;
bool g_active = false;

void OnTerminate(int) { g_terminate = 1; }

void OnFatal(int sig) {
  // Only async-signal-safe calls: put the tty back, leave the alternate
  // screen, show the cursor, then die with the original signal.
  if (g_have_saved) tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_termios);
  static const char kReset[] = "\033[0m\033[?1049l\033[?25h\r\n";
  ssize_t ignored = write(STDOUT_FILENO, kReset, sizeof kReset - 1);
  (void)ignored;
  signal(sig, SIG_DFL);
  raise(sig);
}

void Install(int sig, void (*handler)(int)) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: getch returns so the loop sees the flag
  sigaction(sig, &sa, nullptr);
}

void OnStdTerminate() {
  if (g_active) endwin();
  std::abort();
}

}  // namespace

TerminalSession::TerminalSession() {
  if (g_active) throw std::logic_error("TerminalSession: only one may exist");
  if (!isatty(STDIN_FILENO)) throw std::runtime_error("qoima-kiosk: standard input is not a terminal");
  g_have_saved = tcgetattr(STDIN_FILENO, &g_saved_termios) == 0;

  for (int sig : {SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE}) Install(sig, SIG_IGN);
  for (int sig : {SIGTERM, SIGHUP}) Install(sig, OnTerminate);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) Install(sig, OnFatal);
  std::set_terminate(OnStdTerminate);

  if (!initscr()) throw std::runtime_error("qoima-kiosk: cannot initialise the terminal");
  g_active = true;
  raw();  // Ctrl-C/Z/\ and XON/XOFF come in as keys
  noecho();
  nonl();
  keypad(stdscr, TRUE);
  meta(stdscr, TRUE);
  set_escdelay(25);
  curs_set(0);
  colors_ = has_colors();
  if (colors_) {
    start_color();
    use_default_colors();
    init_pair(kPairTitle, COLOR_WHITE, COLOR_BLUE);
    init_pair(kPairStatus, COLOR_BLACK, COLOR_CYAN);
    init_pair(kPairError, COLOR_WHITE, COLOR_RED);
    init_pair(kPairOk, COLOR_GREEN, -1);
    init_pair(kPairSelected, COLOR_BLACK, COLOR_YELLOW);
    init_pair(kPairWarn, COLOR_RED, -1);
    init_pair(kPairHelpKey, COLOR_BLACK, COLOR_WHITE);
  }
}

TerminalSession::~TerminalSession() {
  endwin();
  g_active = false;
  if (g_have_saved) tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_termios);
}

bool TerminalSession::TerminationRequested() { return g_terminate != 0; }

}  // namespace qoima::kiosk
