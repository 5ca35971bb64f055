// ListWidget: a scrollable, filterable table for the kiosk (the diff of act
// versus media, the journal, applications, approvals).
//
// Built for 100k+ rows on a slow terminal: the rows' text is kept once,
// lower-cased, in one contiguous buffer; a search is one scan of that buffer;
// "problems only" is an index prepared up front; drawing formats the visible
// rows only. Cells are fitted to the column widths in display
// cells, so Kazakh, Russian and Latin text align.
//
// Ownership: owns its rows. Thread-safety: UI thread only.
#pragma once

#include <ncursesw/curses.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace qoima::kiosk {

class ListWidget {
 public:
  struct Column {
    const char* header_msgid;  // translated at draw time
    int min_width;             // cells
    int weight;                // share of the spare width; 0 keeps min_width
    /// When set, the cell is drawn from render(item.tag) at draw time (a
    /// translated label that follows F2 without rebuilding 100k rows); the
    /// stored cell is then only what search matches.
    std::function<std::string(std::size_t tag)> render = nullptr;
  };
  struct Item {
    std::vector<std::wstring> cells;  // one per column
    bool problem = false;             // shown in "problems only" and highlighted
    std::size_t tag = 0;              // caller's index back into its own data
  };
  enum class Filter { kAll, kProblemsOnly };

  explicit ListWidget(std::vector<Column> columns);

  void SetItems(std::vector<Item> items);
  void SetFilter(Filter filter);
  Filter filter() const { return filter_; }
  /// Case-insensitive substring over all cells.
  void SetSearch(std::wstring needle);
  const std::wstring& search() const { return search_; }

  /// Handles navigation keys (arrows, PgUp/PgDn, Home/End). Returns true when used.
  bool HandleKey(int key);
  /// Draws header + rows into `win` at (y, x) with `height` lines (header included).
  void Draw(WINDOW* win, int y, int x, int height, int width);

  std::size_t total() const { return items_.size(); }
  std::size_t visible() const { return index_.size(); }
  std::size_t problems() const { return problems_; }
  /// The selected item, if any row is visible.
  const Item* selected() const;
  std::size_t selected_position() const { return cursor_; }

 private:
  void Refilter();
  /// Rows whose text contains `needle` (lower-cased), ascending.
  std::vector<std::uint32_t> Scan(const std::wstring& needle) const;
  void ClampCursor();

  std::vector<Column> columns_;
  std::vector<Item> items_;
  std::wstring haystack_;             // all rows' cells, lower-cased, '\t' after each cell
  std::vector<std::size_t> offsets_;  // row i's text is [offsets_[i], offsets_[i+1])
  std::vector<std::uint32_t> problem_index_;
  std::vector<std::uint32_t> search_rows_;  // Scan(search_) while search_ is set
  std::vector<std::uint32_t> index_;        // rows shown, ascending
  Filter filter_ = Filter::kAll;
  std::wstring search_;
  std::size_t problems_ = 0;
  std::size_t cursor_ = 0;
  std::size_t top_ = 0;
  int page_ = 10;  // rows shown at the last Draw, for PgUp/PgDn
};

}  // namespace qoima::kiosk
