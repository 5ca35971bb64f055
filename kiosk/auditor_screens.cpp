#include "kiosk/auditor_screens.h"

#include <optional>

#include "kiosk/access_register_screen.h"
#include "kiosk/domain_labels.h"
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
        // Actions, roles and outcomes in words, drawn in the current language;
        // the stored cells (what a search matches) also hold the log's codes.
        list_({{N_("Time"), 19, 0},
               {N_("User"), 9, 1, [this](std::size_t tag) { return entries_[tag].user; }},
               {N_("Action"), 22, 3, [this](std::size_t tag) { return AuditActionLabel(entries_[tag].action); }},
               {N_("Object"), 9, 2},
               {N_("Outcome"), 10, 0,
                [this](std::size_t tag) { return std::string(AuditOutcomeLabel(entries_[tag].outcome)); }}}) {
    Reload();
  }

  std::string Title() const override { return Tr("Journal (read-only)"); }
  std::vector<HelpEntry> Help() const override {
    std::vector<HelpEntry> keys = {
        {"/", N_("Search")}, {"F5", N_("Refresh")}, {"F6", N_("Verify log")}, {"F7", N_("Print a document")}};
    if (MayReadAccessRegister(app_)) keys.push_back({"F8", N_("Access register")});
    return keys;
  }

  void Draw(WINDOW* win, int top, int height, int width) override {
    DrawText(win, top, 0, width, Format(Tr("Journal entries: %zu shown of %zu."), list_.visible(), list_.total()),
             A_BOLD);
    std::string search = std::string(Tr("Search:")) + " " + Narrow(list_.search()) + (searching_ ? "_" : "");
    DrawText(win, top + 1, 0, width, search, searching_ ? A_REVERSE : A_NORMAL);
    int used = 2;
    // The help line does not hold every key in every language: say them here.
    if (MayReadAccessRegister(app_))
      DrawText(win, top + used++, 0, width, Tr("F7: print a document.  F8: a deposit's access register."), A_DIM);
    if (verification_) {
      const AuditVerification& v = *verification_;
      if (v.status.ok()) {
        std::string line = Format(TrN("Audit log verified: %llu entry.", "Audit log verified: %llu entries.", v.leaves),
                                  static_cast<unsigned long long>(v.leaves));
        // append(), not operator+: GCC 12 at -O3 reports a false -Wrestrict on "lit" + string.
        if (!v.root_hex.empty()) line.append(" ").append(Tr("Root:")).append(" ").append(v.root_hex);
        DrawText(win, top + used, 0, width, line, COLOR_PAIR(kPairOk) | A_BOLD);
        DrawText(win, top + used + 1, 0, width, std::string(Tr("Checkpoint:")) + " " + v.checkpoint);
      } else {
        DrawText(win, top + used, 0, width,
                 std::string(Tr("AUDIT LOG DID NOT VERIFY.")) + " " + DescribeStatus(v.status),
                 COLOR_PAIR(kPairError) | A_BOLD);
      }
      used += 2;
    }
    // The selected entry whole (the columns cut long words): who with their
    // role, the action, its object and outcome.
    if (const ListWidget::Item* it = list_.selected()) {
      const JournalEntry& e = entries_[it->tag];
      std::string whole = "> " + e.time + "  " + e.user + " (" + AuditRoleLabel(e.role) +
                          "): " + AuditActionLabel(e.action) + ", " + e.object + ": " + AuditOutcomeLabel(e.outcome);
      for (const std::string& line : WrapText(whole, width, 2)) DrawText(win, top + used++, 0, width, line, A_BOLD);
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
    if (key.Is(KEY_F(8)) && MayReadAccessRegister(app_)) {
      app_.Push(MakeAccessRegisterScreen(app_));
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
    entries_ = std::move(*r);
    std::vector<ListWidget::Item> items;
    items.reserve(entries_.size());
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      const JournalEntry& e = entries_[i];
      items.push_back({{Widen(e.time), Widen(e.user + " (" + e.role + ") " + AuditRoleLabel(e.role)),
                        Widen(e.action + " " + AuditActionLabel(e.action)), Widen(e.object),
                        Widen(e.outcome + " " + AuditOutcomeLabel(e.outcome))},
                       e.outcome != "ok",
                       i});
    }
    list_.SetItems(std::move(items));
  }

  AppContext& app_;
  std::vector<JournalEntry> entries_;  // before list_: its columns draw from it
  ListWidget list_;
  bool searching_ = false;
  std::optional<AuditVerification> verification_;
};

}  // namespace

std::unique_ptr<Screen> MakeAuditorHome(AppContext& app) { return std::make_unique<AuditorHome>(app); }

}  // namespace qoima::kiosk
