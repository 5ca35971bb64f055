#include "kiosk/app.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "kiosk/auditor_screens.h"
#include "kiosk/clerk_screens.h"
#include "kiosk/domain_labels.h"
#include "kiosk/draw.h"
#include "kiosk/i18n.h"
#include "kiosk/local_time.h"
#include "kiosk/login_screen.h"
#include "kiosk/officer_screens.h"
#include "kiosk/status_messages.h"
#include "kiosk/terminal_session.h"
#include "kiosk/text_layout.h"

namespace qoima::kiosk {
namespace {

constexpr int kMinRows = 24;
constexpr int kMinCols = 80;
constexpr int kPollMs = 250;
constexpr wint_t kCtrlL = 12;

void PutLine(int y, const std::wstring& text, int cols, attr_t attr) {
  std::wstring line = FitWidth(text, cols);
  attron(attr);
  mvaddnwstr(y, 0, line.c_str(), static_cast<int>(line.size()));
  attroff(attr);
}

// -1 when /proc is unreadable.
long long MillisecondsSinceProcessStart() {
  std::FILE* f = std::fopen("/proc/self/stat", "r");
  if (!f) return -1;
  char buf[1024];
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  const char* p = std::strrchr(buf, ')');
  if (!p) return -1;
  // Fields after the command: state is field 3; starttime is field 22.
  int field = 2;
  unsigned long long start_ticks = 0;
  for (const char* c = p + 1; *c; ++c) {
    if (*c == ' ') {
      ++field;
      if (field == 22) {
        start_ticks = std::strtoull(c + 1, nullptr, 10);
        break;
      }
    }
  }
  struct timespec ts {};
  clock_gettime(CLOCK_BOOTTIME, &ts);
  long hz = sysconf(_SC_CLK_TCK);
  if (hz <= 0 || start_ticks == 0) return -1;
  long long now_ms = static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
  return now_ms - static_cast<long long>(start_ticks * 1000ULL / static_cast<unsigned long long>(hz));
}

}  // namespace

App::App(Backend& backend, AppOptions options) : backend_(backend), options_(options) {
  last_key_ = std::chrono::steady_clock::now();
}

App::~App() = default;

Screen& App::Top() { return lock_screen_ ? *lock_screen_ : *stack_.back(); }

void App::Push(std::unique_ptr<Screen> screen) {
  message_ = nullptr;
  stack_.push_back(std::move(screen));
}

void App::Pop() {
  if (stack_.size() <= 1) return;
  message_ = nullptr;
  retired_.push_back(std::move(stack_.back()));
  stack_.pop_back();
  stack_.back()->OnReturn();
}

void App::Replace(std::unique_ptr<Screen> screen) {
  message_ = nullptr;
  if (lock_screen_) {
    retired_.push_back(std::move(lock_screen_));
    lock_screen_ = std::move(screen);
    return;
  }
  retired_.push_back(std::move(stack_.back()));
  stack_.back() = std::move(screen);
}

void App::ShowError(const Status& status) {
  message_ = [status] { return DescribeStatus(status); };
  message_is_error_ = !status.ok();
}

void App::ShowInfo(const std::string& text) {
  message_ = [text] { return text; };
  message_is_error_ = false;
}

void App::ShowProblem(const std::string& text) {
  message_ = [text] { return text; };
  message_is_error_ = true;
}

void App::ShowInfoMsgid(const char* msgid) {
  message_ = [msgid] { return std::string(Tr(msgid)); };
  message_is_error_ = false;
}

std::unique_ptr<Screen> App::HomeScreenFor(const UserInfo& user) {
  switch (user.role) {
    case Role::kClerk: return MakeClerkHome(*this);
    case Role::kSecurityOfficer:
    case Role::kAdmin: return MakeOfficerHome(*this);
    case Role::kAuditor: return MakeAuditorHome(*this);
  }
  return MakeClerkHome(*this);
}

void App::OnLogin(const UserInfo& user) {
  bool same = user_ && user_->login == user.login;
  if (lock_screen_ && same) {
    retired_.push_back(std::move(lock_screen_));
    message_ = nullptr;
    return;
  }
  if (lock_screen_) retired_.push_back(std::move(lock_screen_));
  user_ = user;
  for (auto& s : stack_) retired_.push_back(std::move(s));
  stack_.clear();
  stack_.push_back(HomeScreenFor(user));
  message_ = nullptr;
}

void App::Lock() {
  if (!user_ || lock_screen_) return;
  if (!stack_.empty() && stack_.back()->Busy()) return;  // never lock over a running read
  lock_screen_ = MakeLoginScreen(*this, user_->login);
  ShowInfoMsgid(N_("Screen locked. Enter your password to continue."));
}

void App::Logout() {
  if (!user_) return;
  if (!stack_.empty() && stack_.back()->Busy()) {
    ShowInfoMsgid(stack_.back()->BusyMsgid());
    return;
  }
  backend_.Logout();
  user_.reset();
  if (lock_screen_) retired_.push_back(std::move(lock_screen_));
  for (auto& s : stack_) retired_.push_back(std::move(s));
  stack_.clear();
  stack_.push_back(MakeLoginScreen(*this, ""));
  ShowInfoMsgid(N_("You have logged out."));
}

void App::DrawFrame(int rows, int cols) {
  // Title bar.
  std::string title = std::string("qoima  ") + Tr("Software repository intake") + "  |  " + Top().Title();
  PutLine(0, Widen(title), cols, COLOR_PAIR(kPairTitle) | A_BOLD);

  // Status line: who on the left (truncated if need be); device state,
  // language and time on the right (never truncated).
  std::string who;
  if (user_) {
    who = user_->full_name.empty() ? user_->login : user_->full_name;
    who += " (" + std::string(RoleLabel(user_->role)) + ")";
  } else {
    who = Tr("not logged in");
  }
  auto state = [this](bool ok) { return !device_.checked ? Tr("checking") : ok ? Tr("ok") : Tr("FAULT"); };
  std::string right = std::string("TPM: ") + state(device_.tpm_ok) + "  " + Tr("Store:") + " " +
                      (device_.store_busy ? Tr("busy") : state(device_.store_ok)) + "  " + Tr("Media:") + " " +
                      (device_.media.empty() ? Tr("none") : device_.media);
  right += "  [" + std::string(LanguageCode(CurrentLanguage())) + "] " + CounterClock(std::time(nullptr));
  std::wstring rightw = Widen(right);
  int room = cols - DisplayWidth(rightw) - 2;
  std::wstring line = FitWidth(Widen(who), room > 0 ? room : 0) + L"  " + rightw;
  PutLine(rows - 2, line, cols, COLOR_PAIR(kPairStatus));

  // F-key help line: the global keys always show, at the right; the
  // screen's keys fill the left as far as they fit.
  std::vector<HelpEntry> global = {{"F2", N_("Language")}};
  if (user_) {
    if (!lock_screen_) global.push_back({"F9", N_("Lock")});
    global.push_back({"F10", N_("Log out")});
  }
  auto width_of = [](const HelpEntry& h) {
    return DisplayWidth(Widen(h.key)) + 1 + DisplayWidth(Widen(Tr(h.action_msgid))) + 2;
  };
  int global_width = 0;
  for (const HelpEntry& h : global) global_width += width_of(h);
  move(rows - 1, 0);
  clrtoeol();
  auto draw = [&](const HelpEntry& h, int x) {
    std::wstring key = Widen(h.key);
    std::wstring label = Widen(Tr(h.action_msgid));
    attron(COLOR_PAIR(kPairHelpKey) | A_BOLD);
    mvaddnwstr(rows - 1, x, key.c_str(), static_cast<int>(key.size()));
    attroff(COLOR_PAIR(kPairHelpKey) | A_BOLD);
    x += DisplayWidth(key) + 1;
    mvaddnwstr(rows - 1, x, label.c_str(), static_cast<int>(label.size()));
    return x + DisplayWidth(label) + 2;
  };
  int x = 0;
  for (const HelpEntry& h : Top().Help()) {
    if (x + width_of(h) > cols - global_width) break;
    x = draw(h, x);
  }
  x = std::max(x, cols - global_width + 2);
  for (const HelpEntry& h : global) x = draw(h, x);
}

void App::Render() {
  int rows = LINES, cols = COLS;
  erase();
  if (rows < kMinRows || cols < kMinCols) {
    char buf[160];
    std::snprintf(buf, sizeof buf, Tr("Terminal too small: %dx%d, need at least %dx%d."), cols, rows, kMinCols,
                  kMinRows);
    std::wstring w = Widen(buf);
    int width = DisplayWidth(w);
    if (width > cols) width = cols;
    std::wstring fitted = FitWidth(w, width);
    mvaddnwstr(rows / 2, (cols - width) / 2, fitted.c_str(), static_cast<int>(fitted.size()));
    wnoutrefresh(stdscr);
    doupdate();
    return;
  }
  DrawFrame(rows, cols);
  Top().Draw(stdscr, 1, rows - 4, cols);
  // The message line, drawn over the body's last lines when it needs more
  // than one (up to three): nothing a person needs is cut at the edge.
  if (message_) {
    std::vector<std::string> lines = WrapText(message_(), cols, 3);
    int y = rows - 2 - static_cast<int>(lines.size());
    for (const std::string& line : lines)
      PutLine(y++, Widen(line), cols, message_is_error_ ? (COLOR_PAIR(kPairError) | A_BOLD) : A_BOLD);
  }
  wnoutrefresh(stdscr);
  doupdate();
}

void App::Start(std::unique_ptr<Screen> first) {
  device_ = backend_.QueryDevice();
  stack_.clear();
  stack_.push_back(std::move(first));
  last_key_ = std::chrono::steady_clock::now();
}

void App::Feed(const Key& key) {
  last_key_ = std::chrono::steady_clock::now();
  if (key.Is(KEY_RESIZE)) return;  // the next Render lays out for the new size
  if (!key.function && key.code == kCtrlL) {
    clearok(curscr, TRUE);
    return;
  }
  if (key.Is(KEY_F(2))) {
    SetLanguage(NextLanguage(CurrentLanguage()));
    return;
  }
  if (LINES < kMinRows || COLS < kMinCols) return;  // nothing else until the screen is big enough
  if (key.Is(KEY_F(9))) {
    Lock();
    return;
  }
  if (key.Is(KEY_F(10))) {
    Logout();
    return;
  }
  message_ = nullptr;
  if (key.IsChar(27) && !lock_screen_ && stack_.size() > 1 && !stack_.back()->Busy() && !stack_.back()->Asking()) {
    Pop();
    return;
  }
  Top().HandleKey(key);
  retired_.clear();
}

void App::Poll() {
  Top().Tick();
  retired_.clear();
}

void App::WaitForInput() {
  // Nothing buffered by curses: sleep until a key, a media event, a signal
  // (SIGWINCH arrives as KEY_RESIZE on the next read) or the poll interval.
  pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {media_events_broken_ ? -1 : backend_.MediaEventFd(), POLLIN, 0}};
  int n = fds[1].fd >= 0 ? 2 : 1;
  if (::poll(fds, static_cast<nfds_t>(n), kPollMs) <= 0 || n < 2) return;
  if (fds[1].revents & POLLIN) (void)backend_.UpdateMedia();  // screens see the new list in their next Tick
  // A descriptor in error would wake poll() at once forever: stop watching it
  // (the typed path still works).
  if (fds[1].revents & (POLLERR | POLLHUP | POLLNVAL)) media_events_broken_ = true;
}

void App::Run(std::unique_ptr<Screen> first) {
  Start(std::move(first));
  timeout(0);  // get_wch never blocks: the loop waits in poll() on the keyboard and the media events
  Render();    // first screen before anything slow
  if (options_.timing_log) {
    // Process start (exec, loader, sanitizer start-up included) to this
    // first screen, from /proc/self/stat's start time on the boot clock.
    long long ms = MillisecondsSinceProcessStart();
    if (ms >= 0) std::fprintf(options_.timing_log, "start_ms %lld\n", ms);
    std::fflush(options_.timing_log);
  }
  while (!TerminalSession::TerminationRequested()) {
    device_ = backend_.QueryDevice();  // cheap by contract: a cached value
    wint_t ch = 0;
    int r = get_wch(&ch);
    auto key_time = std::chrono::steady_clock::now();
    if (r == ERR) {
      WaitForInput();
      if (user_ && !lock_screen_ &&
          std::chrono::steady_clock::now() - last_key_ >= std::chrono::seconds(options_.idle_lock_seconds))
        Lock();
      Poll();
      Render();
      continue;
    }
    Feed(Key{r == KEY_CODE_YES, ch});
    Poll();
    Render();
    if (options_.timing_log) {
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - key_time);
      std::fprintf(options_.timing_log, "%lld\n", static_cast<long long>(us.count()));
      std::fflush(options_.timing_log);
    }
  }
}

}  // namespace qoima::kiosk
