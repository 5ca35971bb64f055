#include "appliance/print/pdf_composer.h"

#include <cairo-pdf.h>

#include <algorithm>
#include <deque>
#include <map>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "appliance/print/cairo_handles.h"
#include "appliance/print/qr_code.h"

namespace qoima::print {

struct PdfComposer::Block {
  std::variant<Paragraph, Table, ColumnGroup, PageBreak> v;
};

namespace {

constexpr double kCellPad = 2.0;
constexpr double kFooterGap = 16.0;
constexpr TextStyle kFooterStyle{7, false, false, false};

struct TextOp {
  double x = 0, y = 0, w = 0;
  int style = 0;
  Align align = Align::kLeft;
  std::string_view text;
  bool capped = false;  // table cell: at most kMaxCellLines lines
};
struct LineOp {
  double x1, y1, x2, y2;
};
struct QrOp {
  double x, y, size;
  std::string_view payload;
};
struct PageOps {
  std::vector<TextOp> text;
  std::vector<LineOp> lines;
  std::vector<QrOp> qrs;
};

cairo_status_t AppendToString(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

PangoAlignment ToPango(Align a) {
  switch (a) {
    case Align::kCenter: return PANGO_ALIGN_CENTER;
    case Align::kRight: return PANGO_ALIGN_RIGHT;
    case Align::kLeft: break;
  }
  return PANGO_ALIGN_LEFT;
}

/// Owns one pango layout per text style, measures and draws text with them.
class TextEngine {
 public:
  // A private font map per render: pango's default map is per-thread and
  // never freed, and a document must not depend on another one's state.
  TextEngine(cairo_t* cr, std::string family, std::string mono_family)
      : cr_(cr),
        family_(std::move(family)),
        mono_family_(std::move(mono_family)),
        font_map_(pango_cairo_font_map_new()),
        context_(pango_font_map_create_context(font_map_.get())) {
    pango_cairo_update_context(cr_, context_.get());
  }

  int StyleId(const TextStyle& s) {
    for (size_t i = 0; i < styles_.size(); ++i) {
      const TextStyle& t = styles_[i];
      if (t.size == s.size && t.bold == s.bold && t.italic == s.italic && t.mono == s.mono &&
          t.hyphenate == s.hyphenate)
        return static_cast<int>(i);
    }
    FontDescriptionPtr desc(pango_font_description_new());
    pango_font_description_set_family(desc.get(), s.mono ? mono_family_.c_str() : family_.c_str());
    pango_font_description_set_absolute_size(desc.get(), s.size * PANGO_SCALE);
    pango_font_description_set_weight(desc.get(), s.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_style(desc.get(), s.italic ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL);
    styles_.push_back(s);
    fonts_.push_back(std::move(desc));
    layouts_.push_back(NewLayout(static_cast<int>(styles_.size() - 1)));
    return static_cast<int>(styles_.size() - 1);
  }

  /// Height in points of `text` wrapped at width `w`; fails when the font
  /// lacks a glyph for some character of `text`.
  Result<double> Measure(int style, double w, std::string_view text, bool capped) {
    std::string key = Key(style, w, text, capped);
    if (auto it = measured_.find(key); it != measured_.end()) {
      ++it->second.uses;
      return it->second.height;
    }
    // Short ASCII monospace text (hashes) that clearly fits on one line is
    // one line high: no need to shape it twice.
    const TextStyle& st = styles_[static_cast<size_t>(style)];
    if (st.mono && IsAscii(text)) {
      const MonoMetrics& m = Mono(style);
      if (static_cast<double>(text.size()) * m.advance < w * 0.95) return m.line_height;
    }
    PangoLayout* layout = Prepare(layouts_[static_cast<size_t>(style)].get(), w, Align::kLeft, text, capped);
    if (int unknown = pango_layout_get_unknown_glyphs_count(layout); unknown > 0) {
      return Status::Unsupported("font has no glyph for " + std::to_string(unknown) + " character(s) of \"" +
                                 std::string(text.substr(0, 80)) + "\"");
    }
    int width_pu = 0, height_pu = 0;
    pango_layout_get_size(layout, &width_pu, &height_pu);
    double h = static_cast<double>(height_pu) / PANGO_SCALE;
    measured_.emplace(std::move(key), Measured{h, 1});
    return h;
  }

  /// The form's own wording (TextStyle::hyphenate) laid out in lines of at
  /// most `w` points, as explicit line breaks: words whole, and a word wider
  /// than the column alone broken with a hyphen where it no longer fits.
  /// Pango would otherwise cut such a word anywhere without a hyphen, or break
  /// an abbreviation after its slash ("п/" "п"). Other text is returned as it is.
  std::string Hyphenated(int style, double w, std::string_view text) {
    const TextStyle& st = styles_[static_cast<size_t>(style)];
    if (!st.hyphenate || st.mono || w <= 0) return std::string(text);
    const double fit = w - 0.5;  // pango wraps a line as wide as the column
    std::string out;
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      std::string line;
      size_t at = start;
      while (at < end) {
        size_t stop = text.find(' ', at);
        if (stop == std::string_view::npos || stop > end) stop = end;
        const std::string word(text.substr(at, stop - at));
        at = stop + 1;
        if (word.empty()) continue;
        const std::string joined = line.empty() ? word : line + " " + word;
        if (Width(style, joined) <= fit) {
          line = joined;
          continue;
        }
        if (!line.empty()) out += line + "\n";
        line.clear();
        if (Width(style, word) <= fit) {
          line = word;
          continue;
        }
        // Too wide alone: the longest head that fits with its hyphen, again and again.
        std::vector<size_t> chars;  // byte offsets of the word's characters
        for (size_t k = 0; k < word.size(); ++k)
          if ((static_cast<unsigned char>(word[k]) & 0xC0) != 0x80) chars.push_back(k);
        chars.push_back(word.size());
        size_t from = 0;
        while (from + 1 < chars.size()) {
          const std::string rest = word.substr(chars[from]);
          if (Width(style, rest) <= fit) {
            line = rest;
            break;
          }
          size_t n = 1;  // at least one character a line, however narrow the column
          for (size_t k = from + 2; k + 1 < chars.size(); ++k) {
            const std::string head = word.substr(chars[from], chars[k] - chars[from]);
            if (Width(style, head + "-") > fit) break;
            n = k - from;
          }
          const std::string head = word.substr(chars[from], chars[from + n] - chars[from]);
          out += head + (head.back() == '-' || head.back() == '/' ? "" : "-") + "\n";
          from += n;
        }
      }
      out += line;
      if (end == text.size()) break;
      out += "\n";
      start = end + 1;
    }
    return out;
  }

  void Draw(const TextOp& op) {
    // Text drawn more than once (disc marking, language, dates) keeps its
    // shaped layout; unique text reuses the style's layout.
    if (op.text.size() <= kMaxCachedText) {
      std::string key = Key(op.style, op.w, op.text, op.capped);
      key += static_cast<char>('0' + static_cast<int>(op.align));
      auto it = drawn_.find(key);
      if (it == drawn_.end()) {
        auto m = measured_.find(Key(op.style, op.w, op.text, op.capped));
        if (m != measured_.end() && m->second.uses > 1 && drawn_.size() < kMaxCachedLayouts) {
          PangoLayoutPtr layout = NewLayout(op.style);
          Prepare(layout.get(), op.w, op.align, op.text, op.capped);
          it = drawn_.emplace(std::move(key), std::move(layout)).first;
        }
      }
      if (it != drawn_.end()) {
        cairo_move_to(cr_, op.x, op.y);
        pango_cairo_show_layout(cr_, it->second.get());
        return;
      }
    }
    PangoLayout* layout = Prepare(layouts_[static_cast<size_t>(op.style)].get(), op.w, op.align, op.text, op.capped);
    cairo_move_to(cr_, op.x, op.y);
    pango_cairo_show_layout(cr_, layout);
  }

 private:
  static constexpr size_t kMaxCachedText = 96;
  static constexpr size_t kMaxCachedLayouts = 4096;
  struct Measured {
    double height;
    int uses;
  };
  struct MonoMetrics {
    double advance = 0;
    double line_height = 0;
  };

  static bool IsAscii(std::string_view text) {
    for (char c : text) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) return false;
    }
    return true;
  }

  static std::string Key(int style, double w, std::string_view text, bool capped) {
    std::string key;
    key.reserve(text.size() + 24);
    key += std::to_string(style);
    key += capped ? 'c' : 'f';
    key += std::to_string(static_cast<int>(w * 64));
    key += '\x1f';
    key += text;
    return key;
  }

  const MonoMetrics& Mono(int style) {
    auto it = mono_.find(style);
    if (it != mono_.end()) return it->second;
    PangoLayout* layout =
        Prepare(layouts_[static_cast<size_t>(style)].get(), 1e5, Align::kLeft, std::string(100, '0'), false);
    int w = 0, h = 0;
    pango_layout_get_size(layout, &w, &h);
    MonoMetrics m{static_cast<double>(w) / PANGO_SCALE / 100.0, static_cast<double>(h) / PANGO_SCALE};
    return mono_.emplace(style, m).first->second;
  }

  PangoLayoutPtr NewLayout(int style) {
    const TextStyle& s = styles_[static_cast<size_t>(style)];
    PangoLayoutPtr layout(pango_layout_new(context_.get()));
    pango_layout_set_font_description(layout.get(), fonts_[static_cast<size_t>(style)].get());
    // Monospace text is hashes and payloads: break anywhere. No hyphens in
    // values: a hyphen added inside a hash or file name would change it; the
    // form's own wording (column headers) is hyphenated where a word breaks.
    pango_layout_set_wrap(layout.get(), s.mono ? PANGO_WRAP_CHAR : PANGO_WRAP_WORD_CHAR);
    PangoAttrList* attrs = pango_attr_list_new();
    pango_attr_list_insert(attrs, pango_attr_insert_hyphens_new(s.hyphenate && !s.mono ? TRUE : FALSE));
    pango_layout_set_attributes(layout.get(), attrs);
    pango_attr_list_unref(attrs);
    return layout;
  }

  /// The natural width of `text` on one line, in points.
  double Width(int style, std::string_view text) {
    PangoLayout* layout = layouts_[static_cast<size_t>(style)].get();
    pango_layout_set_width(layout, -1);
    pango_layout_set_height(layout, -1);
    pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_NONE);
    pango_layout_set_text(layout, text.data(), static_cast<int>(text.size()));
    int width_pu = 0, height_pu = 0;
    pango_layout_get_size(layout, &width_pu, &height_pu);
    return static_cast<double>(width_pu) / PANGO_SCALE;
  }

  static PangoLayout* Prepare(PangoLayout* layout, double w, Align align, std::string_view text, bool capped) {
    pango_layout_set_width(layout, static_cast<int>(w * PANGO_SCALE));
    pango_layout_set_alignment(layout, ToPango(align));
    if (capped) {
      pango_layout_set_height(layout, -static_cast<int>(kMaxCellLines));
      pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_MIDDLE);
    } else {
      pango_layout_set_height(layout, -1);
      pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_NONE);
    }
    pango_layout_set_text(layout, text.data(), static_cast<int>(text.size()));
    return layout;
  }

  cairo_t* cr_;
  std::string family_;
  std::string mono_family_;
  std::unique_ptr<PangoFontMap, GObjectDeleter> font_map_;
  std::unique_ptr<PangoContext, GObjectDeleter> context_;
  std::vector<TextStyle> styles_;
  std::vector<FontDescriptionPtr> fonts_;
  std::vector<PangoLayoutPtr> layouts_;
  std::unordered_map<std::string, Measured> measured_;
  std::unordered_map<std::string, PangoLayoutPtr> drawn_;
  std::unordered_map<int, MonoMetrics> mono_;
};

/// First pass: assigns every block to pages as draw operations.
class Layouter {
 public:
  Layouter(TextEngine& engine, double left, double top, double width, double bottom)
      : engine_(engine), left_(left), top_(top), width_(width), bottom_(bottom) {
    NewPage();
  }

  std::vector<PageOps>& pages() { return pages_; }

  Status Place(const Paragraph& p) {
    int style = engine_.StyleId(p.style);
    double w = width_ - p.indent;
    QOIMA_ASSIGN_OR_RETURN(double h, engine_.Measure(style, w, p.text, false));
    double space = AtTop() ? 0 : p.space_before;
    if (y_ + space + h > bottom_ && !AtTop()) {
      NewPage();
      space = 0;
    }
    y_ += space;
    Page().text.push_back({left_ + p.indent, y_, w, style, p.align, p.text, false});
    y_ += h;
    return Status::Ok();
  }

  Status Place(const Table& t) {
    if (t.columns.empty()) return Status::InvalidArgument("table without columns");
    std::vector<double> xs{left_};
    for (const TableColumn& c : t.columns) xs.push_back(xs.back() + c.width);
    const int hstyle = engine_.StyleId(t.header_style);
    const int bstyle = engine_.StyleId(t.body_style);
    const int sstyle = engine_.StyleId(t.span_style);
    const size_t span_from = std::min(t.span_from, t.columns.size() - 1);

    // Headers are the form's wording: laid out here, hyphenated where a word must break.
    // Kept by the layouter: the draw operations point into them.
    std::vector<std::vector<std::string>>& headers = laid_out_headers_.emplace_back(t.header_rows);
    for (auto& row : headers)
      for (size_t c = 0; c < row.size() && c < t.columns.size(); ++c)
        row[c] = engine_.Hyphenated(hstyle, t.columns[c].width - 2 * kCellPad, row[c]);
    std::vector<double> header_heights;
    double header_h = 0;
    for (const auto& row : headers) {
      QOIMA_ASSIGN_OR_RETURN(double h, RowHeight(t, row, hstyle));
      header_heights.push_back(h);
      header_h += h;
    }
    auto emit_header = [&]() {
      Page().lines.push_back({xs.front(), y_, xs.back(), y_});
      for (size_t r = 0; r < headers.size(); ++r) {
        EmitCells(t, xs, headers[r], hstyle, header_heights[r], Align::kCenter);
        for (double x : xs) Page().lines.push_back({x, y_, x, y_ + header_heights[r]});
        y_ += header_heights[r];
        Page().lines.push_back({xs.front(), y_, xs.back(), y_});
      }
    };

    double first_h = 0;
    if (!t.rows.empty()) { QOIMA_ASSIGN_OR_RETURN(first_h, RowHeight(t, t.rows.front().cells, bstyle)); }
    double space = AtTop() ? 0 : t.space_before;
    if (y_ + space + header_h + first_h > bottom_ && !AtTop()) {
      NewPage();
      space = 0;
    }
    y_ += space;
    emit_header();

    for (const TableRow& row : t.rows) {
      QOIMA_ASSIGN_OR_RETURN(double cells_h, RowHeight(t, row.cells, bstyle));
      double span_h = 0;
      const double span_w = xs.back() - xs[span_from] - 2 * kCellPad;
      if (!row.span.empty()) {
        QOIMA_ASSIGN_OR_RETURN(double h, engine_.Measure(sstyle, span_w, row.span, true));
        span_h = h + 2 * kCellPad;
      }
      if (y_ + cells_h + span_h > bottom_) {
        NewPage();
        emit_header();
      }
      EmitCells(t, xs, row.cells, bstyle, cells_h, Align::kLeft);
      const double row_bottom = y_ + cells_h + span_h;
      for (size_t c = 0; c < xs.size(); ++c) {
        const bool full = c <= span_from || c == xs.size() - 1 || row.span.empty();
        Page().lines.push_back({xs[c], y_, xs[c], full ? row_bottom : y_ + cells_h});
      }
      if (!row.span.empty()) {
        Page().lines.push_back({xs[span_from], y_ + cells_h, xs.back(), y_ + cells_h});
        Page().text.push_back(
            {xs[span_from] + kCellPad, y_ + cells_h + kCellPad, span_w, sstyle, Align::kLeft, row.span, true});
      }
      y_ = row_bottom;
      Page().lines.push_back({xs.front(), y_, xs.back(), y_});
    }
    return Status::Ok();
  }

  Status Place(const ColumnGroup& g) {
    std::vector<double> heights;
    double group_h = 0;
    for (const auto& col : g.columns) {
      double h = col.qr_payload.empty() ? 0 : col.qr_size + 4;
      for (const Paragraph& p : col.paragraphs) {
        int style = engine_.StyleId(p.style);
        QOIMA_ASSIGN_OR_RETURN(double ph, engine_.Measure(style, col.width - p.indent, p.text, false));
        h += p.space_before + ph;
      }
      heights.push_back(h);
      group_h = std::max(group_h, h);
    }
    double space = AtTop() ? 0 : g.space_before;
    if (y_ + space + group_h > bottom_ && !AtTop()) {
      NewPage();
      space = 0;
    }
    y_ += space;
    double x = left_;
    for (const auto& col : g.columns) {
      double cy = y_;
      if (!col.qr_payload.empty()) {
        Page().qrs.push_back({x, cy, col.qr_size, col.qr_payload});
        cy += col.qr_size + 4;
      }
      for (const Paragraph& p : col.paragraphs) {
        int style = engine_.StyleId(p.style);
        QOIMA_ASSIGN_OR_RETURN(double ph, engine_.Measure(style, col.width - p.indent, p.text, false));
        cy += p.space_before;
        Page().text.push_back({x + p.indent, cy, col.width - p.indent, style, p.align, p.text, false});
        cy += ph;
      }
      x += col.width;
    }
    y_ += group_h;
    return Status::Ok();
  }

  Status Place(const PageBreak&) {
    if (!AtTop()) NewPage();
    return Status::Ok();
  }

 private:
  PageOps& Page() { return pages_.back(); }
  bool AtTop() const { return y_ <= top_; }
  void NewPage() {
    pages_.emplace_back();
    y_ = top_;
  }

  Result<double> RowHeight(const Table& t, const std::vector<std::string>& cells, int style) {
    double h = 0;
    for (size_t c = 0; c < cells.size() && c < t.columns.size(); ++c) {
      QOIMA_ASSIGN_OR_RETURN(double ch, engine_.Measure(style, t.columns[c].width - 2 * kCellPad, cells[c], true));
      h = std::max(h, ch);
    }
    return h + 2 * kCellPad;
  }

  void EmitCells(const Table& t, const std::vector<double>& xs, const std::vector<std::string>& cells, int style,
                 double, Align default_align) {
    for (size_t c = 0; c < cells.size() && c < t.columns.size(); ++c) {
      Align a = default_align == Align::kCenter ? Align::kCenter : t.columns[c].align;
      Page().text.push_back(
          {xs[c] + kCellPad, y_ + kCellPad, t.columns[c].width - 2 * kCellPad, style, a, cells[c], true});
    }
  }

  TextEngine& engine_;
  double left_, top_, width_, bottom_;
  double y_ = 0;
  std::vector<PageOps> pages_;
  std::deque<std::vector<std::vector<std::string>>> laid_out_headers_;  // stable addresses
};

void DrawQr(cairo_t* cr, const QrOp& op, const QrCode& code) {
  const int quiet = 4;
  const double module = op.size / (code.size() + 2 * quiet);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_rectangle(cr, op.x, op.y, op.size, op.size);
  cairo_fill(cr);
  cairo_set_source_rgb(cr, 0, 0, 0);
  for (int yy = 0; yy < code.size(); ++yy) {
    for (int xx = 0; xx < code.size(); ++xx) {
      if (code.dark(xx, yy)) {
        cairo_rectangle(cr, op.x + (xx + quiet) * module, op.y + (yy + quiet) * module, module, module);
      }
    }
  }
  cairo_fill(cr);
}

}  // namespace

PdfComposer::PdfComposer(std::string family, std::string mono_family)
    : family_(std::move(family)), mono_family_(std::move(mono_family)) {}
PdfComposer::~PdfComposer() = default;
PdfComposer::PdfComposer(PdfComposer&&) noexcept = default;
PdfComposer& PdfComposer::operator=(PdfComposer&&) noexcept = default;

// Blocks are built in place: moving a variant of vectors trips g++ 12's
// -Wmaybe-uninitialized false positive at -O3.
void PdfComposer::Show(std::string& text) {
  if (!HasHiddenText(text, kOnPaper)) return;
  text = VisibleText(text, kOnPaper);
  ++escaped_texts_;
}

void PdfComposer::Add(Paragraph p) {
  Show(p.text);
  blocks_.emplace_back().v.emplace<Paragraph>(std::move(p));
}

void PdfComposer::Add(Table t) {
  for (auto& row : t.header_rows)
    for (auto& cell : row) Show(cell);
  for (auto& row : t.rows) {
    for (auto& cell : row.cells) Show(cell);
    Show(row.span);
  }
  blocks_.emplace_back().v.emplace<Table>(std::move(t));
}

void PdfComposer::Add(ColumnGroup g) {
  for (auto& column : g.columns)
    for (auto& p : column.paragraphs) Show(p.text);
  blocks_.emplace_back().v.emplace<ColumnGroup>(std::move(g));
}
void PdfComposer::Add(PageBreak b) { blocks_.emplace_back().v.emplace<PageBreak>(b); }

void PdfComposer::SetFooter(std::function<std::string(int, int)> left, std::function<std::string(int, int)> right) {
  footer_left_ = std::move(left);
  footer_right_ = std::move(right);
}

Result<std::string> PdfComposer::Render() const {
  std::string out;
  CairoSurfacePtr surface(cairo_pdf_surface_create_for_stream(AppendToString, &out, kA4Width, kA4Height));
  QOIMA_RETURN_IF_ERROR(CairoStatusToStatus(cairo_surface_status(surface.get()), "create PDF surface"));
  cairo_pdf_surface_restrict_to_version(surface.get(), CAIRO_PDF_VERSION_1_5);
  if (!metadata_.title.empty()) {
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, VisibleText(metadata_.title).c_str());
  }
  if (!metadata_.subject.empty()) {
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_SUBJECT, VisibleText(metadata_.subject).c_str());
  }
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "qoima " QOIMA_VERSION);
  CairoPtr cr(cairo_create(surface.get()));
  QOIMA_RETURN_IF_ERROR(CairoStatusToStatus(cairo_status(cr.get()), "create cairo context"));

  TextEngine engine(cr.get(), family_, mono_family_);
  const double bottom = kA4Height - bottom_margin_;
  Layouter layouter(engine, left_margin_, top_margin_, content_width(), bottom);
  for (size_t i = 0; i < blocks_.size(); ++i) {
    Status placed = std::visit([&](const auto& b) { return layouter.Place(b); }, blocks_[i].v);
    if (!placed.ok()) return placed.WithContext("lay out block " + std::to_string(i + 1));
    if (layouter.pages().size() > static_cast<size_t>(kMaxPages)) {
      return Status::LimitExceeded("document exceeds " + std::to_string(kMaxPages) + " pages");
    }
  }
  std::vector<PageOps>& pages = layouter.pages();
  const int total = static_cast<int>(pages.size());

  const int footer_style = engine.StyleId(kFooterStyle);
  std::vector<std::pair<std::string_view, QrCode>> qr_cache;
  for (int n = 1; n <= total; ++n) {
    const PageOps& page = pages[static_cast<size_t>(n - 1)];
    cairo_set_source_rgb(cr.get(), 0, 0, 0);
    cairo_set_line_width(cr.get(), 0.5);
    for (const LineOp& l : page.lines) {
      cairo_move_to(cr.get(), l.x1, l.y1);
      cairo_line_to(cr.get(), l.x2, l.y2);
    }
    cairo_stroke(cr.get());
    for (const TextOp& t : page.text) engine.Draw(t);
    for (const QrOp& q : page.qrs) {
      auto it = std::find_if(qr_cache.begin(), qr_cache.end(), [&](const auto& e) { return e.first == q.payload; });
      if (it == qr_cache.end()) {
        QOIMA_ASSIGN_OR_RETURN(QrCode code, QrCode::Encode(q.payload));
        qr_cache.emplace_back(q.payload, std::move(code));
        it = qr_cache.end() - 1;
      }
      DrawQr(cr.get(), q, it->second);
      cairo_set_source_rgb(cr.get(), 0, 0, 0);
    }
    const double fy = bottom + kFooterGap;
    cairo_move_to(cr.get(), left_margin_, fy - 4);
    cairo_line_to(cr.get(), kA4Width - right_margin_, fy - 4);
    cairo_stroke(cr.get());
    std::string left = VisibleText(footer_left_ ? footer_left_(n, total) : std::string(), kOnPaper);
    std::string right = VisibleText(
        footer_right_ ? footer_right_(n, total) : std::to_string(n) + " / " + std::to_string(total), kOnPaper);
    const double half = content_width() / 2;
    engine.Draw({left_margin_, fy, half + 60, footer_style, Align::kLeft, left, false});
    engine.Draw({left_margin_ + half + 60, fy, half - 60, footer_style, Align::kRight, right, false});
    cairo_show_page(cr.get());
  }
  QOIMA_RETURN_IF_ERROR(CairoStatusToStatus(cairo_status(cr.get()), "draw PDF"));
  cr.reset();
  cairo_surface_finish(surface.get());
  QOIMA_RETURN_IF_ERROR(CairoStatusToStatus(cairo_surface_status(surface.get()), "finish PDF"));
  surface.reset();
  return out;
}

}  // namespace qoima::print
