#include "kiosk/print_screens.h"

#include <span>
#include <string>

#include "appliance/print/document_kinds.h"

#include "kiosk/draw.h"
#include "kiosk/form_widget.h"
#include "kiosk/i18n.h"
#include "kiosk/status_messages.h"
#include "kiosk/terminal_session.h"
#include "kiosk/text_layout.h"

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

// The act printer: the CUPS queue, its server and the number of copies, read
// by anyone who prints; the appliance lets only the admin change them or
// print the test page (and says so to anyone else).
class PrinterSetupScreen : public Screen {
 public:
  explicit PrinterSetupScreen(AppContext& app)
      : app_(app),
        form_({{N_("CUPS queue:"), false, 128, {}},
               {N_("Print server:"), false, 255, {}},
               {N_("Copies:"), false, 2, {}}}) {
    auto r = app_.backend().GetPrinter();
    if (!r.ok()) {
      app_.ShowError(r.status());
      return;
    }
    form_.SetValue(0, r->queue);
    form_.SetValue(1, r->server);
    form_.SetValue(2, std::to_string(r->copies));
  }

  std::string Title() const override { return Tr("The act printer"); }
  std::vector<HelpEntry> Help() const override {
    return {{"F7", N_("Save")}, {"F6", N_("Test page")}, {"Esc", N_("Back")}};
  }

  void Draw(WINDOW* win, int top, int height, int width) override {
    (void)height;
    int y = top;
    for (const std::string& line :
         WrapText(Tr("Acts and the other documents are printed on this CUPS queue. An empty queue means no printer: "
                     "documents are then only saved as PDF files."),
                  width - 2, 3))
      DrawText(win, y++, 1, width - 2, line);
    form_.Draw(win, y + 1, 1, width - 2, 20);
    y += 5;
    for (const std::string& line :
         WrapText(Tr("An empty print server is this appliance's own CUPS. Copies: one for each signing party (1 to "
                     "10)."),
                  width - 2, 3))
      DrawText(win, y++, 1, width - 2, line, A_DIM);
    DrawText(win, y + 1, 1, width - 2, Tr("F7 saves the settings; F6 prints a test page on the saved printer."),
             A_BOLD);
  }

  void HandleKey(const Key& key) override {
    if (key.Is(KEY_F(7))) {
      Save();
      return;
    }
    if (key.Is(KEY_F(6))) {
      auto r = app_.backend().PrintTestPage();
      if (!r.ok()) {
        app_.ShowError(r.status());
      } else if (r->printed) {
        app_.ShowInfo(Format(Tr("The test page was printed. Its PDF is kept at %s."), r->saved_path.c_str()));
      } else {
        app_.ShowProblem(Format(Tr("The test page was not printed (%s). Its PDF is saved at %s."),
                                DescribeStatus(r->print_status).c_str(), r->saved_path.c_str()));
      }
      return;
    }
    form_.HandleKeyEnterAdvances(key);
  }

 private:
  void Save() {
    PrinterSetup setup;
    setup.queue = form_.Value(0);
    setup.server = form_.Value(1);
    // Copies are checked by the appliance; a value that is not a number is
    // sent as 0, which it refuses naming the limits.
    const std::string copies = form_.Value(2);
    setup.copies =
        copies.empty() || copies.find_first_not_of("0123456789") != std::string::npos ? 0 : std::stoi(copies);
    Status st = app_.backend().SetPrinter(setup);
    if (!st.ok()) {
      app_.ShowError(st);
      return;
    }
    app_.ShowInfoMsgid(setup.queue.empty() ? N_("Saved: no printer; documents are only saved as PDF files.")
                                           : N_("The printer is saved. F6 prints a test page."));
  }

  AppContext& app_;
  FormWidget form_;
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
std::unique_ptr<Screen> MakePrinterSetupScreen(AppContext& app) { return std::make_unique<PrinterSetupScreen>(app); }

}  // namespace qoima::kiosk
