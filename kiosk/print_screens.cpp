#include "kiosk/print_screens.h"

#include <span>
#include <string>

#include "appliance/print/document_kinds.h"

#include "kiosk/draw.h"
#include "kiosk/form_widget.h"
#include "kiosk/i18n.h"
#include "kiosk/status_messages.h"
#include "kiosk/terminal_session.h"

namespace qoima::kiosk {
namespace {

// The kinds and their words are print/document_kinds.h's table, in its order.
std::span<const appliance::DocumentKindSpec> Printable() { return appliance::DocumentKinds(); }

class PrintDocumentScreen : public Screen {
 public:
  explicit PrintDocumentScreen(AppContext& app) : app_(app), form_({{N_("Number:"), false, 64, {}}}) {}

  std::string Title() const override { return Tr("Print a document"); }
  std::vector<HelpEntry> Help() const override {
    return {{"Up/Down", N_("Kind")}, {"F7", N_("Print")}, {"Esc", N_("Back")}};
  }

  void Draw(WINDOW* win, int top, int height, int width) override {
    (void)height;
    DrawText(win, top, 1, width - 2, Tr("Kind of document (Up/Down):"), A_BOLD);
    const auto kinds = Printable();
    const int count = static_cast<int>(kinds.size());
    for (int i = 0; i < count; ++i)
      DrawText(win, top + 1 + i, 3, width - 6, DocumentKindLabel(kinds[i].kind), i == kind_ ? A_REVERSE : A_NORMAL);
    form_.Draw(win, top + 2 + count, 1, width - 2, 12);
    DrawText(win, top + 3 + count, 14, width - 15, Tr(kinds[kind_].id_hint), A_DIM);
  }

  void HandleKey(const Key& key) override {
    if (key.Is(KEY_UP)) {
      kind_ = kind_ > 0 ? kind_ - 1 : 0;
      return;
    }
    if (key.Is(KEY_DOWN)) {
      kind_ = kind_ + 1 < static_cast<int>(Printable().size()) ? kind_ + 1 : kind_;
      return;
    }
    if (key.Is(KEY_F(7)) || IsEnter(key)) {
      PrintAndReport(app_, Printable()[kind_].kind, form_.Value(0));
      return;
    }
    form_.HandleKey(key);
  }

 private:
  AppContext& app_;
  FormWidget form_;
  int kind_ = 0;
};

}  // namespace

const char* DocumentKindLabel(DocumentKind kind) {
  const appliance::DocumentKindSpec* k = appliance::FindDocumentKind(kind);
  return k != nullptr ? Tr(k->label) : "?";
}

void PrintAndReport(AppContext& app, DocumentKind kind, const std::string& id) {
  auto r = app.backend().Print(kind, id);
  if (!r.ok()) {
    app.ShowError(r.status());
    return;
  }
  if (r->printed) {
    app.ShowInfo(Format(Tr("Printed: %s. The PDF is kept at %s."), r->title.c_str(), r->saved_path.c_str()));
  } else if (r->no_printer) {
    app.ShowProblem(Format(Tr("No printer is configured: %s is saved as a PDF at %s. Ask the administrator to set up "
                              "the printer."),
                           r->title.c_str(), r->saved_path.c_str()));
  } else {
    app.ShowProblem(Format(Tr("%s was not printed (%s). The PDF is saved at %s."), r->title.c_str(),
                           DescribeStatus(r->print_status).c_str(), r->saved_path.c_str()));
  }
}

std::unique_ptr<Screen> MakePrintDocumentScreen(AppContext& app) { return std::make_unique<PrintDocumentScreen>(app); }

}  // namespace qoima::kiosk
