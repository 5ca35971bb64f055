#include "kiosk/list_widget.h"

#include <algorithm>
#include <cwchar>

#include "kiosk/i18n.h"
#include "kiosk/terminal_session.h"
#include "kiosk/text_layout.h"

namespace qoima::kiosk {

ListWidget::ListWidget(std::vector<Column> columns) : columns_(std::move(columns)) {}

void ListWidget::SetItems(std::vector<Item> items) {
  items_ = std::move(items);
  haystack_.clear();
  offsets_.clear();
  offsets_.reserve(items_.size() + 1);
  problem_index_.clear();
  for (std::uint32_t i = 0; i < items_.size(); ++i) {
    const Item& it = items_[i];
    offsets_.push_back(haystack_.size());
    for (const std::wstring& c : it.cells) {
      haystack_ += c;
      haystack_.push_back(L'\t');
    }
    if (it.problem) problem_index_.push_back(i);
  }
  // Control characters (from untrusted file names) never match a typed
  // search and must not act as the row separator.
  for (wchar_t& c : haystack_)
    if (c == L'\n') c = L' ';
  haystack_ = ToLower(haystack_);
  offsets_.push_back(haystack_.size());
  problems_ = problem_index_.size();
  index_.clear();
  cursor_ = 0;
  top_ = 0;
  if (!search_.empty()) search_rows_ = Scan(search_);
  Refilter();
}

void ListWidget::SetFilter(Filter filter) {
  if (filter == filter_) return;
  filter_ = filter;
  Refilter();
}

void ListWidget::SetSearch(std::wstring needle) {
  std::wstring lowered = ToLower(needle);
  if (lowered == search_) return;
  search_ = std::move(lowered);
  if (!search_.empty()) search_rows_ = Scan(search_);
  Refilter();
}

std::vector<std::uint32_t> ListWidget::Scan(const std::wstring& needle) const {
  // One pass over the contiguous lower-cased text of all rows: wmemchr jumps
  // to the next candidate, wmemcmp confirms it, and the row of a hit is found
  // by walking the sorted offsets forward. Raw pointers keep this fast even
  // in the unoptimised sanitizer build the tests use.
  const std::uint32_t n = static_cast<std::uint32_t>(items_.size());
  std::vector<std::uint32_t> rows(n);
  if (n == 0 || needle.empty()) return {};
  std::uint32_t* out = rows.data();
  std::uint32_t found = 0;
  const wchar_t* base = haystack_.data();
  const std::size_t total = haystack_.size();
  const std::size_t* off = offsets_.data();
  const wchar_t first = needle[0];
  const std::size_t m = needle.size();
  std::size_t pos = 0;
  std::uint32_t row = 0;
  while (row < n && pos < total) {
    const wchar_t* p = std::wmemchr(base + pos, first, total - pos);
    if (!p) break;
    std::size_t hit = static_cast<std::size_t>(p - base);
    while (off[row + 1] <= hit) ++row;
    std::size_t row_end = off[row + 1];
    if (hit + m <= row_end && (m == 1 || std::wmemcmp(p + 1, needle.data() + 1, m - 1) == 0)) {
      out[found++] = row;
      ++row;
      pos = row_end;
    } else {
      pos = hit + 1;  // no match here (or it would straddle two rows)
    }
  }
  rows.resize(found);
  return rows;
}

void ListWidget::Refilter() {
  const Item* keep = selected();
  std::size_t keep_pos = keep ? static_cast<std::size_t>(keep - items_.data()) : SIZE_MAX;
  if (search_.empty()) {
    if (filter_ == Filter::kAll) {
      index_.resize(items_.size());
      std::uint32_t* out = index_.data();
      const std::uint32_t n = static_cast<std::uint32_t>(items_.size());
      for (std::uint32_t i = 0; i < n; ++i) out[i] = i;
    } else {
      index_ = problem_index_;
    }
  } else if (filter_ == Filter::kAll) {
    index_ = search_rows_;
  } else {
    index_.clear();
    for (std::uint32_t i : search_rows_)
      if (items_[i].problem) index_.push_back(i);
  }
  // Keep the selection on the same row when it survived the filter.
  cursor_ = 0;
  if (keep_pos != SIZE_MAX) {
    auto it = std::lower_bound(index_.begin(), index_.end(), static_cast<std::uint32_t>(keep_pos));
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

  auto draw_line = [&](int row, const std::vector<std::wstring>& cells, const Item* item) {
    std::wstring line;
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      if (item && columns_[i].render)
        line += FitWidth(Widen(columns_[i].render(item->tag)), widths[i]);
      else
        line += FitWidth(i < cells.size() ? std::wstring_view(cells[i]) : std::wstring_view(), widths[i]);
      line.push_back(L' ');
    }
    line = FitWidth(line, width);
    mvwaddnwstr(win, row, x, line.c_str(), static_cast<int>(line.size()));
  };

  std::vector<std::wstring> header;
  for (const Column& c : columns_) header.push_back(Widen(Tr(c.header_msgid)));
  wattron(win, A_BOLD | A_UNDERLINE);
  draw_line(y, header, nullptr);
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
    draw_line(y + 1 + r, it.cells, &it);
    wattroff(win, attr);
  }
}

}  // namespace qoima::kiosk
