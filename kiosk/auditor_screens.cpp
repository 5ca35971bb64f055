#include "kiosk/auditor_screens.h"

#include <optional>

#include "kiosk/draw.h"
#include "kiosk/form_widget.h"
#include "kiosk/i18n.h"
#include "kiosk/list_widget.h"
#include "kiosk/print_screens.h"
#include "kiosk/status_messages.h"
#include "kiosk/terminal_session.h"
#include "kiosk/text_layout.h"

namespace qoima::kiosk {
namespace {

class AuditorHome : public Screen {
 public:
  explicit AuditorHome(AppContext& app)
      : app_(app),
        list_({{N_("Time"), 20, 0},
               {N_("User"), 10, 1},
               {N_("Action"), 12, 2},
               {N_("Object"), 12, 3},
               {N_("Outcome"), 8, 1}}) {
    Reload();
  }

  std::string Title() const override { return Tr("Journal (read-only)"); }
  std::vector<HelpEntry> Help() const override {
    return {{"/", N_("Search")}, {"F5", N_("Refresh")}, {"F6", N_("Verify log")}, {"F7", N_("Print a document")}};
  }

  void Draw(WINDOW* win, int top, int height, int width) override {
    DrawText(win, top, 0, width, Format(Tr("Journal entries: %zu shown of %zu."), list_.visible(), list_.total()),
             A_BOLD);
    std::string search = std::string(Tr("Search:")) + " " + Narrow(list_.search()) + (searching_ ? "_" : "");
    DrawText(win, top + 1, 0, width, search, searching_ ? A_REVERSE : A_NORMAL);
    int used = 2;
    if (verification_) {
      const AuditVerification& v = *verification_;
      if (v.status.ok()) {
        std::string line = Format(Tr("Audit log verified: %llu entries."), static_cast<unsigned long long>(v.leaves));
        // append(), not operator+: GCC 12 at -O3 reports a false -Wrestrict on "lit" + string.
        if (!v.root_hex.empty()) line.append(" ").append(Tr("Root:")).append(" ").append(v.root_hex);
        DrawText(win, top + 2, 0, width, line, COLOR_PAIR(kPairOk) | A_BOLD);
        DrawText(win, top + 3, 0, width, std::string(Tr("Checkpoint:")) + " " + v.checkpoint);
      } else {
        DrawText(win, top + 2, 0, width, std::string(Tr("AUDIT LOG DID NOT VERIFY.")) + " " + DescribeStatus(v.status),
                 COLOR_PAIR(kPairError) | A_BOLD);
      }
      used = 4;
    }
    list_.Draw(win, top + used, 0, height - used, width);
  }

  void HandleKey(const Key& key) override {
    if (searching_) {
      HandleSearchKey(list_, key, &searching_);
      return;
    }
    if (key.IsChar(L'/') || key.Is(KEY_F(3))) {
      searching_ = true;
      return;
    }
    if (key.Is(KEY_F(5))) {
      Reload();
      return;
    }
    if (key.Is(KEY_F(6))) {
      verification_ = app_.backend().VerifyAudit();
      return;
    }
    if (key.Is(KEY_F(7))) {
      app_.Push(MakePrintDocumentScreen(app_));
      return;
    }
    if (key.function) list_.HandleKey(static_cast<int>(key.code));
  }

 private:
  void Reload() {
    auto r = app_.backend().Journal();
    if (!r.ok()) {
      app_.ShowError(r.status());
      return;
    }
    std::vector<ListWidget::Item> items;
    for (std::size_t i = 0; i < r->size(); ++i) {
      const JournalEntry& e = (*r)[i];
      items.push_back(
          {{Widen(e.time), Widen(e.user + " (" + e.role + ")"), Widen(e.action), Widen(e.object), Widen(e.outcome)},
           e.outcome != "ok",
           i});
    }
    list_.SetItems(std::move(items));
  }

  AppContext& app_;
  ListWidget list_;
  bool searching_ = false;
  std::optional<AuditVerification> verification_;
};

}  // namespace

std::unique_ptr<Screen> MakeAuditorHome(AppContext& app) { return std::make_unique<AuditorHome>(app); }

}  // namespace qoima::kiosk
