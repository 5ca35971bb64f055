// PdfComposer: a small page-layout engine over cairo + pango that turns a flow
// of blocks (paragraphs, tables with repeated headers, side-by-side column
// groups such as signature blocks, a QR code) into an A4 PDF with a footer
// "page N of M" on every page.
//
// Layout is two passes: the first measures every block and assigns it to a
// page (so the total page count M is known), the second draws. Text is drawn
// with pango (real text in the PDF, so pdftotext and screen readers see it);
// every text run is checked for glyphs the font lacks, and a missing glyph is
// an error rather than a box on paper. Every text added is shown through
// common/visible_text.h: a bidirectional control, an invisible character or a
// control character in a name or field is printed as "\u{XXXX}", never
// as itself (pango would apply it); escaped_texts() counts those texts so the
// document can explain the notation.
//
// Ownership: the composer owns the blocks added to it; Render() reads them.
// Thread-safety: one composer per thread (pango layouts are not shared).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/visible_text.h"

namespace qoima::print {

/// A4 in PostScript points.
inline constexpr double kA4Width = 595.2756;
inline constexpr double kA4Height = 841.8898;
/// Longest text one table cell shows before it is cut with an ellipsis (a
/// directory name on depositor media may be 4096 bytes; the row's hash still
/// identifies the file).
inline constexpr size_t kMaxCellLines = 12;
/// Page count above which Render() refuses (a runaway table, not an act).
inline constexpr int kMaxPages = 20000;

enum class Align { kLeft, kCenter, kRight };

struct TextStyle {
  double size = 10;
  bool bold = false;
  bool italic = false;
  bool mono = false;
  /// Words may break with a hyphen (the form's own wording, e.g. column
  /// headers); never for values, where a hyphen would alter a name or hash.
  bool hyphenate = false;
};

struct Paragraph {
  std::string text;
  TextStyle style;
  Align align = Align::kLeft;
  double indent = 0;        // points from the left margin
  double space_before = 0;  // points
};

struct TableColumn {
  double width = 0;  // points
  Align align = Align::kLeft;
};

struct TableRow {
  std::vector<std::string> cells;
  /// Optional line under the cells spanning columns span_from..end (used for
  /// the SHA-256 of each file row).
  std::string span;
};

struct Table {
  std::vector<TableColumn> columns;
  std::vector<std::vector<std::string>> header_rows;  // repeated on every page
  std::vector<TableRow> rows;
  TextStyle header_style{7, true, false, false, true};
  TextStyle body_style{7, false, false, false};
  TextStyle span_style{6.5, false, false, true};
  size_t span_from = 1;
  double space_before = 6;
};

/// Side-by-side columns kept together on one page (signature blocks,
/// verification block). A column may start with a QR symbol.
struct ColumnGroup {
  struct Column {
    double width = 0;        // points
    std::string qr_payload;  // when non-empty, a QR symbol of qr_size points heads the column
    double qr_size = 100;
    std::vector<Paragraph> paragraphs;
  };
  std::vector<Column> columns;
  double space_before = 10;
};

struct PageBreak {};

struct PdfMetadata {
  std::string title;
  std::string subject;
};

class PdfComposer {
 public:
  /// Font families: proportional and monospace. Both must carry Kazakh
  /// Cyrillic (ә ғ қ ң ө ұ ү һ і); Render() fails otherwise.
  PdfComposer(std::string family = "DejaVu Sans", std::string mono_family = "DejaVu Sans Mono");

  double content_width() const { return kA4Width - left_margin_ - right_margin_; }

  void Add(Paragraph p);
  void Add(Table t);
  void Add(ColumnGroup g);
  void Add(PageBreak);

  /// Footer drawn on every page; receives the 1-based page number and total.
  void SetFooter(std::function<std::string(int page, int total)> left,
                 std::function<std::string(int page, int total)> right);
  void SetMetadata(PdfMetadata metadata) { metadata_ = std::move(metadata); }
  /// How many texts added so far had hidden characters shown escaped.
  size_t escaped_texts() const { return escaped_texts_; }

  /// Lays out and draws all blocks; returns the PDF bytes.
  Result<std::string> Render() const;

 private:
  struct Block;
  /// Paper keeps a text's line breaks and tabs; everything hidden is escaped.
  static constexpr VisibleOptions kOnPaper{.keep_line_breaks = true};
  void Show(std::string& text);
  std::string family_;
  std::string mono_family_;
  double left_margin_ = 42;
  double right_margin_ = 42;
  double top_margin_ = 42;
  double bottom_margin_ = 48;
  std::vector<Block> blocks_;
  std::function<std::string(int, int)> footer_left_;
  std::function<std::string(int, int)> footer_right_;
  PdfMetadata metadata_;
  size_t escaped_texts_ = 0;

 public:
  ~PdfComposer();
  PdfComposer(PdfComposer&&) noexcept;
  PdfComposer& operator=(PdfComposer&&) noexcept;
};

}  // namespace qoima::print
