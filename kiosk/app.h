// App: the kiosk's event loop and frame. Owns the screen stack and draws the
// frame every screen shares: title bar, message line, status line (user,
// role, device state, language, time) and the F-key help line. Handles the
// keys that work everywhere:
//   F2  next language (kk -> ru -> en), at any time, also before login
//   F9  lock now (password of the same user unlocks; another user starts fresh)
//   F10 log out
//   Esc back to the previous screen
//   Ctrl-L redraw; Ctrl-C, Ctrl-Z, Ctrl-\ and other control keys do nothing
// and locks after `idle_lock_seconds` without a key. The loop waits in poll()
// on the keyboard and the backend's media-event descriptor together, so an
// inserted stick shows at once while the keyboard stays responsive. Below 80x24 it shows
// only a "terminal too small" notice until the terminal grows.
//
// Ownership: borrows the Backend; owns the screens. Thread-safety: UI thread.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kiosk/backend.h"
#include "kiosk/screen.h"

namespace qoima::kiosk {

struct AppOptions {
  int idle_lock_seconds = 300;
  /// When set: first a line "start_ms <ms>" (process start to the first
  /// screen), then one line "<microseconds>" per handled key: time from
  /// reading the key to the end of the screen update (the e2e harness reads it).
  std::FILE* timing_log = nullptr;
};

class App : public AppContext {
 public:
  App(Backend& backend, AppOptions options);
  ~App() override;

  /// Starts on `first` (normally the login screen). Returns when SIGTERM/SIGHUP
  /// arrives; there is deliberately no key that leaves the kiosk.
  void Run(std::unique_ptr<Screen> first);

  /// Test driving: handle one key and redraw into stdscr (no blocking read).
  void Feed(const Key& key);
  void Start(std::unique_ptr<Screen> first);
  /// Lets the top screen poll its background work.
  void Poll();
  void Render();

  // AppContext
  Backend& backend() override { return backend_; }
  const UserInfo* user() const override { return user_ ? &*user_ : nullptr; }
  void Push(std::unique_ptr<Screen> screen) override;
  void Pop() override;
  void Replace(std::unique_ptr<Screen> screen) override;
  void ShowError(const Status& status) override;
  void ShowInfo(const std::string& text) override;
  void ShowInfoMsgid(const char* msgid) override;
  void ShowProblem(const std::string& text) override;
  void OnLogin(const UserInfo& user) override;

  bool locked() const { return lock_screen_ != nullptr; }

 private:
  void Lock();
  void Logout();
  /// Blocks up to the poll interval for a key or a media event (applied to the backend).
  void WaitForInput();
  void DrawFrame(int rows, int cols);
  Screen& Top();
  std::unique_ptr<Screen> HomeScreenFor(const UserInfo& user);

  Backend& backend_;
  AppOptions options_;
  std::optional<UserInfo> user_;
  std::vector<std::unique_ptr<Screen>> stack_;
  std::unique_ptr<Screen> lock_screen_;           // shown over the stack while locked
  std::vector<std::unique_ptr<Screen>> retired_;  // popped during HandleKey, freed after it
  std::function<std::string()> message_;          // formatted at draw time: follows F2
  bool message_is_error_ = false;
  DeviceState device_;
  std::chrono::steady_clock::time_point last_key_;
  bool media_events_broken_ = false;  // the media descriptor reported an error
};

}  // namespace qoima::kiosk
