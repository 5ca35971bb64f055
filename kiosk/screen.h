// Screen: one full-body view of the kiosk (login, application list, intake,
// diff, approvals, journal). The App draws the title, message, status and
// F-key lines around it; a screen draws only its body and reacts to keys.
//
// Screens hold no domain rule: they collect input, call the Backend through
// the AppContext and show what it answered.
// Thread-safety: UI thread only (a screen with background work polls it in Tick).
#pragma once

#include <ncursesw/curses.h>

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "kiosk/backend.h"

namespace qoima::kiosk {

/// A key from get_wch: either a character or a curses KEY_* code.
struct Key {
  bool function = false;  // true: `code` is KEY_*; false: a character
  wint_t code = 0;
  bool Is(int key_code) const { return function && code == static_cast<wint_t>(key_code); }
  bool IsChar(wchar_t c) const { return !function && code == static_cast<wint_t>(c); }
};

/// One entry of the F-key help line: key label ("F3") and msgid of its action.
struct HelpEntry {
  const char* key;
  const char* action_msgid;
};

class Screen;

/// What a screen may ask of the application around it.
class AppContext {
 public:
  virtual ~AppContext() = default;
  virtual Backend& backend() = 0;
  virtual const UserInfo* user() const = 0;
  virtual void Push(std::unique_ptr<Screen> screen) = 0;
  /// Removes the top screen (never the last one).
  virtual void Pop() = 0;
  /// Replaces the top screen.
  virtual void Replace(std::unique_ptr<Screen> screen) = 0;
  virtual void ShowError(const Status& status) = 0;
  /// `text` is already translated (it will not follow a language switch).
  virtual void ShowInfo(const std::string& text) = 0;
  /// Translated at draw time, so it follows a language switch.
  virtual void ShowInfoMsgid(const char* msgid) = 0;
  /// An already translated problem, shown in the error colour.
  virtual void ShowProblem(const std::string& text) = 0;
  virtual void OnLogin(const UserInfo& user) = 0;
};

class Screen {
 public:
  virtual ~Screen() = default;
  /// Translated title for the title bar.
  virtual std::string Title() const = 0;
  /// Draws the body: lines [top, top + height) of `win`, `width` cells wide.
  virtual void Draw(WINDOW* win, int top, int height, int width) = 0;
  virtual void HandleKey(const Key& key) = 0;
  /// Screen-specific F-keys for the help line.
  virtual std::vector<HelpEntry> Help() const { return {}; }
  /// Called about four times a second and after every key: poll background work.
  virtual void Tick() {}
  /// Called when the screen above it was closed and it is on top again.
  virtual void OnReturn() {}
  /// False while background work must not be interrupted by Esc/logout.
  virtual bool Busy() const { return false; }
  /// Msgid of what a person is told when they try to leave while Busy().
  virtual const char* BusyMsgid() const {
    return "Wait until the media has been read, or press Esc to cancel reading.";
  }
  /// True while the screen asks a yes/no question: Esc answers it (no)
  /// instead of leaving the screen.
  virtual bool Asking() const { return false; }
};

}  // namespace qoima::kiosk
