#include "kiosk/print_screens.h"

#include "kiosk/draw.h"
#include "kiosk/form_widget.h"
#include "kiosk/i18n.h"
#include "kiosk/status_messages.h"
#include "kiosk/terminal_session.h"

namespace qoima::kiosk {
namespace {

constexpr DocumentKind kPrintable[] = {DocumentKind::kAct,         DocumentKind::kRefusal, DocumentKind::kJournal,
                                       DocumentKind::kApplication, DocumentKind::kNda,     DocumentKind::kReport,
                                       DocumentKind::kNotice,      DocumentKind::kReturn,  DocumentKind::kDestruction};
constexpr int kPrintableCount = static_cast<int>(sizeof kPrintable / sizeof kPrintable[0]);

// What the number field holds for each kind (appliance_print.h).
const char* IdHint(DocumentKind kind) {
  switch (kind) {
    case DocumentKind::kAct: return Tr("act number (A-17) or deposit number");
    case DocumentKind::kApplication: return Tr("portal code of the application");
    case DocumentKind::kJournal: return Tr("entry number, range N-M, or empty for all");
    case DocumentKind::kNda: return Tr("portal code of the application");
    case DocumentKind::kRefusal: return Tr("intake number of the refused intake");
    case DocumentKind::kReturn: return Tr("return case number");
    case DocumentKind::kDestruction: return Tr("destruction act or case number");
    case DocumentKind::kReport: return Tr("year and half, e.g. 2026 H2");
    case DocumentKind::kNotice: return Tr("notice number");
  }
  return "";
}

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
    for (int i = 0; i < kPrintableCount; ++i)
      DrawText(win, top + 1 + i, 3, width - 6, DocumentKindLabel(kPrintable[i]), i == kind_ ? A_REVERSE : A_NORMAL);
    form_.Draw(win, top + 2 + kPrintableCount, 1, width - 2, 12);
    DrawText(win, top + 3 + kPrintableCount, 14, width - 15, IdHint(kPrintable[kind_]), A_DIM);
  }

  void HandleKey(const Key& key) override {
    if (key.Is(KEY_UP)) {
      kind_ = kind_ > 0 ? kind_ - 1 : 0;
      return;
    }
    if (key.Is(KEY_DOWN)) {
      kind_ = kind_ + 1 < kPrintableCount ? kind_ + 1 : kind_;
      return;
    }
    if (key.Is(KEY_F(7)) || IsEnter(key)) {
      PrintAndReport(app_, kPrintable[kind_], form_.Value(0));
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
  switch (kind) {
    case DocumentKind::kAct: return Tr("acceptance act");
    case DocumentKind::kApplication: return Tr("application (Annex 1)");
    case DocumentKind::kJournal: return Tr("journal of applications (Annex 2)");
    case DocumentKind::kNda: return Tr("non-disclosure agreement (Annex 4)");
    case DocumentKind::kRefusal: return Tr("reasoned refusal");
    case DocumentKind::kReturn: return Tr("return act");
    case DocumentKind::kDestruction: return Tr("destruction act");
    case DocumentKind::kReport: return Tr("half-year report");
    case DocumentKind::kNotice: return Tr("notice to the authorized body");
  }
  return "?";
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
