// FormWidget: labelled single-line text fields (login, Annex 1 application,
// refusal reason, second-officer confirmation). Accepts any printable wide
// character (Kazakh, Russian, Latin); Backspace deletes, Tab/Down and
// Shift-Tab/Up move between fields. Secret fields show '*'. Each field has a
// length limit in characters so a stuck key cannot grow it without bound.
//
// Validation is not here: the appliance answers kInvalidArgument naming the
// field, and the screen shows it. Thread-safety: UI thread only.
#pragma once

#include <ncursesw/curses.h>

#include <cstddef>
#include <string>
#include <vector>

#include "kiosk/list_widget.h"
#include "kiosk/screen.h"

namespace qoima::kiosk {

class FormWidget {
 public:
  struct Field {
    const char* label_msgid;
    bool secret = false;
    std::size_t max_chars = 120;
    std::wstring value;
  };

  explicit FormWidget(std::vector<Field> fields);

  /// Editing and focus keys; returns true when used (Enter is left to the screen).
  bool HandleKey(const Key& key);
  /// HandleKey, with Enter moving to the next field: for screens that submit
  /// on a function key.
  void HandleKeyEnterAdvances(const Key& key);
  /// Draws one field per line from `top`; labels in a column at least
  /// `label_width` wide, wider when a translated label needs it.
  void Draw(WINDOW* win, int top, int left, int width, int label_width) const;

  std::string Value(std::size_t i) const;
  void SetValue(std::size_t i, const std::string& utf8);
  void Clear(std::size_t i) { fields_[i].value.clear(); }
  std::size_t focus() const { return focus_; }
  void SetFocus(std::size_t i) { focus_ = i < fields_.size() ? i : focus_; }
  bool last_focused() const { return focus_ + 1 == fields_.size(); }
  std::size_t size() const { return fields_.size(); }

 private:
  std::vector<Field> fields_;
  std::size_t focus_ = 0;
};

/// True for characters a form accepts: printable, not a control key.
bool IsTextInput(const Key& key);

/// Enter in any of its encodings (CR, LF, KEY_ENTER).
bool IsEnter(const Key& key);

/// One key while a list's search line is open: text extends the search,
/// Backspace shortens it, Enter or Esc closes it (`*searching` = false), and
/// function keys still move in the list.
void HandleSearchKey(ListWidget& list, const Key& key, bool* searching);

}  // namespace qoima::kiosk
