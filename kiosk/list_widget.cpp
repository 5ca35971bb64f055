#include "kiosk/list_widget.h"

#include <algorithm>

#include "kiosk/i18n.h"
#include "kiosk/terminal_session.h"
#include "kiosk/text_layout.h"

namespace qoima::kiosk {

ListWidget::ListWidget(std::vector<Column> columns) : columns_(std::move(columns)) {}

void ListWidget::SetItems(std::vector<Item> items) {
  items_ = std::move(items);
  keys_.clear();
  keys_.reserve(items_.size());
  problems_ = 0;
  for (const Item& it : items_) {
    std::wstring key;
    for (const std::wstring& c : it.cells) {
      key += c;
      key.push_back(L'\t');
    }
    keys_.push_back(ToLower(key));
    if (it.problem) ++problems_;
  }
  index_.clear();
  cursor_ = 0;
  top_ = 0;
  Refilter(false);
}

void ListWidget::SetFilter(Filter filter) {
  if (filter == filter_) return;
  bool narrow = filter == Filter::kProblemsOnly;
  filter_ = filter;
  Refilter(narrow);
}

void ListWidget::SetSearch(std::wstring needle) {
  std::wstring lowered = ToLower(needle);
  bool narrow = lowered.find(search_) != std::wstring::npos && !search_.empty();
  narrow = narrow || search_.empty();
  search_ = std::move(lowered);
  Refilter(narrow);
}

bool ListWidget::Matches(std::uint32_t i) const {
  if (filter_ == Filter::kProblemsOnly && !items_[i].problem) return false;
  if (!search_.empty() && keys_[i].find(search_) == std::wstring::npos) return false;
  return true;
}

void ListWidget::Refilter(bool narrow_only) {
  const Item* keep = selected();
  std::size_t keep_tag = keep ? static_cast<std::size_t>(keep - items_.data()) : SIZE_MAX;
  std::vector<std::uint32_t> next;
  if (narrow_only && index_.size() <= items_.size()) {
    next.reserve(index_.size());
    for (std::uint32_t i : index_)
      if (Matches(i)) next.push_back(i);
  } else {
    next.reserve(items_.size());
    for (std::uint32_t i = 0; i < items_.size(); ++i)
      if (Matches(i)) next.push_back(i);
  }
  index_ = std::move(next);
  // Keep the selection on the same row when it survived the filter.
  cursor_ = 0;
  if (keep_tag != SIZE_MAX) {
    auto it = std::lower_bound(index_.begin(), index_.end(), static_cast<std::uint32_t>(keep_tag));
    if (it != index_.end()) cursor_ = static_cast<std::size_t>(it - index_.begin());
  }
  top_ = std::min(top_, cursor_);
  ClampCursor();
}

void ListWidget::ClampCursor() {
  if (index_.empty()) {
    cursor_ = top_ = 0;
    return;
  }
  cursor_ = std::min(cursor_, index_.size() - 1);
  if (cursor_ < top_) top_ = cursor_;
  std::size_t page = static_cast<std::size_t>(std::max(page_, 1));
  if (cursor_ >= top_ + page) top_ = cursor_ - page + 1;
}

bool ListWidget::HandleKey(int key) {
  if (index_.empty()) return false;
  std::size_t page = static_cast<std::size_t>(std::max(page_ - 1, 1));
  switch (key) {
    case KEY_UP: cursor_ = cursor_ > 0 ? cursor_ - 1 : 0; break;
    case KEY_DOWN: ++cursor_; break;
    case KEY_PPAGE: cursor_ = cursor_ > page ? cursor_ - page : 0; break;
    case KEY_NPAGE: cursor_ += page; break;
    case KEY_HOME: cursor_ = 0; break;
    case KEY_END: cursor_ = index_.size() - 1; break;
    default: return false;
  }
  ClampCursor();
  return true;
}

const ListWidget::Item* ListWidget::selected() const {
  if (index_.empty() || cursor_ >= index_.size()) return nullptr;
  return &items_[index_[cursor_]];
}

void ListWidget::Draw(WINDOW* win, int y, int x, int height, int width) {
  if (height < 2 || width < 4) return;
  // Column widths: minimums, then the spare cells by weight.
  std::vector<int> widths;
  int fixed = 0, weights = 0;
  for (const Column& c : columns_) {
    widths.push_back(c.min_width);
    fixed += c.min_width + 1;
    weights += c.weight;
  }
  int spare = std::max(0, width - fixed);
  for (std::size_t i = 0; i < columns_.size() && weights > 0; ++i) widths[i] += spare * columns_[i].weight / weights;

  auto draw_line = [&](int row, const std::vector<std::wstring>& cells) {
    std::wstring line;
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      line += FitWidth(i < cells.size() ? std::wstring_view(cells[i]) : std::wstring_view(), widths[i]);
      line.push_back(L' ');
    }
    line = FitWidth(line, width);
    mvwaddnwstr(win, row, x, line.c_str(), static_cast<int>(line.size()));
  };

  std::vector<std::wstring> header;
  for (const Column& c : columns_) header.push_back(Widen(Tr(c.header_msgid)));
  wattron(win, A_BOLD | A_UNDERLINE);
  draw_line(y, header);
  wattroff(win, A_BOLD | A_UNDERLINE);

  page_ = height - 1;
  ClampCursor();
  for (int r = 0; r < page_; ++r) {
    std::size_t pos = top_ + static_cast<std::size_t>(r);
    if (pos >= index_.size()) {
      wmove(win, y + 1 + r, x);
      for (int i = 0; i < width; ++i) waddch(win, ' ');
      continue;
    }
    const Item& it = items_[index_[pos]];
    attr_t attr = A_NORMAL;
    if (pos == cursor_)
      attr = A_REVERSE | A_BOLD;
    else if (it.problem)
      attr = COLOR_PAIR(kPairWarn);
    wattron(win, attr);
    draw_line(y + 1 + r, it.cells);
    wattroff(win, attr);
  }
}

}  // namespace qoima::kiosk
