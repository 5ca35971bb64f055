#include "kiosk/form_widget.h"

#include <algorithm>
#include <cwctype>

#include "kiosk/i18n.h"
#include "kiosk/terminal_session.h"
#include "kiosk/text_layout.h"

namespace qoima::kiosk {

bool IsTextInput(const Key& key) {
  if (key.function) return false;
  wint_t c = key.code;
  return c >= 0x20 && c != 0x7F && !(c >= 0x80 && c < 0xA0) && std::iswprint(c);
}

bool IsEnter(const Key& key) { return key.IsChar(L'\r') || key.IsChar(L'\n') || key.Is(KEY_ENTER); }

void HandleSearchKey(ListWidget& list, const Key& key, bool* searching) {
  if (IsEnter(key) || key.IsChar(27)) {
    *searching = false;
  } else if (key.Is(KEY_BACKSPACE) || key.IsChar(0x7F) || key.IsChar(0x08)) {
    std::wstring s = list.search();
    if (!s.empty()) s.pop_back();
    list.SetSearch(s);
  } else if (IsTextInput(key)) {
    list.SetSearch(list.search() + static_cast<wchar_t>(key.code));
  } else if (key.function) {
    list.HandleKey(static_cast<int>(key.code));
  }
}

FormWidget::FormWidget(std::vector<Field> fields) : fields_(std::move(fields)) {}

bool FormWidget::HandleKey(const Key& key) {
  if (fields_.empty()) return false;
  Field& f = fields_[focus_];
  if (key.Is(KEY_DOWN) || key.IsChar(L'\t')) {
    focus_ = (focus_ + 1) % fields_.size();
    return true;
  }
  if (key.Is(KEY_UP) || key.Is(KEY_BTAB)) {
    focus_ = (focus_ + fields_.size() - 1) % fields_.size();
    return true;
  }
  if (key.Is(KEY_BACKSPACE) || key.IsChar(0x7F) || key.IsChar(0x08)) {
    if (!f.value.empty()) f.value.pop_back();
    return true;
  }
  if (IsTextInput(key)) {
    if (f.value.size() < f.max_chars) f.value.push_back(static_cast<wchar_t>(key.code));
    return true;
  }
  return false;
}

void FormWidget::HandleKeyEnterAdvances(const Key& key) { HandleKey(IsEnter(key) ? Key{false, L'\t'} : key); }

void FormWidget::Draw(WINDOW* win, int top, int left, int width, int label_width) const {
  // The label column grows to the longest label in the current language
  // (Russian and Kazakh labels are longer than English ones), leaving the
  // fields at least two fifths of the width: a label is cut only when even
  // that does not hold it.
  int longest = 0;
  for (const Field& f : fields_) longest = std::max(longest, DisplayWidth(Widen(Tr(f.label_msgid))));
  label_width = std::max(label_width, std::min(longest + 1, width * 3 / 5));
  int field_width = width - label_width - 3;
  if (field_width < 4) return;
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    const Field& f = fields_[i];
    int y = top + static_cast<int>(i);
    std::wstring label = FitWidth(Tr(f.label_msgid), label_width);
    mvwaddnwstr(win, y, left, label.c_str(), static_cast<int>(label.size()));
    std::wstring shown = f.secret ? std::wstring(f.value.size(), L'*') : f.value;
    // Keep the end of a long value visible while typing.
    while (DisplayWidth(shown) > field_width - 1) shown.erase(0, 1);
    if (i == focus_) shown.push_back(L'_');
    std::wstring cell = FitWidth(shown, field_width);
    attr_t attr = i == focus_ ? (A_REVERSE | A_BOLD) : A_UNDERLINE;
    mvwaddnwstr(win, y, left + label_width + 1, L"[", 1);
    wattron(win, attr);
    waddnwstr(win, cell.c_str(), static_cast<int>(cell.size()));
    wattroff(win, attr);
    waddnwstr(win, L"]", 1);
  }
}

std::string FormWidget::Value(std::size_t i) const { return Narrow(fields_[i].value); }

void FormWidget::SetValue(std::size_t i, const std::string& utf8) {
  fields_[i].value = Widen(utf8);
  if (fields_[i].value.size() > fields_[i].max_chars) fields_[i].value.resize(fields_[i].max_chars);
}

}  // namespace qoima::kiosk
