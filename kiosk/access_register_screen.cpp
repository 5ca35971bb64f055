#include "kiosk/access_register_screen.h"

#include <optional>
#include <string>

#include "appliance/role.h"
#include "kiosk/confirm_prompt.h"
#include "kiosk/domain_labels.h"
#include "kiosk/draw.h"
#include "kiosk/form_widget.h"
#include "kiosk/i18n.h"
#include "kiosk/list_widget.h"
#include "kiosk/local_time.h"
#include "kiosk/print_screens.h"
#include "kiosk/terminal_session.h"
#include "kiosk/text_layout.h"

namespace qoima::kiosk {
namespace {

/// "Surname Name (login)"; the login alone for no person (the appliance).
std::string PersonOf(const AccessRow& r) { return r.full_name.empty() ? r.login : r.full_name + " (" + r.login + ")"; }

// Lines for the selected row drawn whole: a file's path may be long.
constexpr int kSelectedLines = 5;

bool IsListKey(const Key& key) {
  return key.Is(KEY_UP) || key.Is(KEY_DOWN) || key.Is(KEY_PPAGE) || key.Is(KEY_NPAGE) || key.Is(KEY_HOME) ||
         key.Is(KEY_END);
}

class AccessRegisterScreen : public Screen {
 public:
  explicit AccessRegisterScreen(AppContext& app)
      : app_(app),
        form_({{N_("Deposit (number or act A-N):"), false, 24, {}}}),
        // Roles and actions in words, drawn in the current language; the
        // stored cells are what the columns hold before a language switch.
        list_({{N_("Date, time"), 19, 0},
               {N_("Person"), 16, 3},
               {N_("Role"), 10, 1, [this](std::size_t tag) { return AuditRoleLabel(rows_[tag].role); }},
               {N_("Access"), 18, 2,
                [this](std::size_t tag) { return std::string(AccessKindLabel(rows_[tag].kind, rows_[tag].action)); }},
               {N_("File, export or document"), 8, 2}}) {}

  std::string Title() const override { return Tr("Access register of a deposit"); }
  bool Asking() const override { return confirm_print_; }
  std::vector<HelpEntry> Help() const override {
    return {{"Enter", N_("Show")}, {"F7", N_("Print")}, {"Esc", N_("Back")}};
  }

  void Draw(WINDOW* win, int top, int height, int width) override {
    form_.Draw(win, top, 1, width - 2, 12);
    int y = top + 1;
    if (!register_) {
      for (const std::string& line :
           WrapText(Tr("Type the deposit's number or its acceptance act (A-N) and press Enter. The register lists "
                       "everyone who read, exported, printed or issued it, read from the verified audit log."),
                    width - 2, 3))
        DrawText(win, y++, 1, width - 2, line, A_DIM);
      return;
    }
    const AccessRegisterView& r = *register_;
    std::string about = Format(Tr("Deposit %lld, act %s: %s (%s), version %lld."), static_cast<long long>(r.deposit_id),
                               r.act_number.empty() ? "-" : r.act_number.c_str(), r.object_name.c_str(),
                               r.portal_code.c_str(), static_cast<long long>(r.version_no));
    if (r.destroyed) about.append(" ").append(Tr("The version is destroyed; the accesses before it are listed."));
    for (const std::string& line : WrapText(about, width - 2, 2)) DrawText(win, y++, 1, width - 2, line, A_BOLD);
    DrawText(win, y++, 1, width - 2,
             Format(Tr("Accesses: %zu. Read from the audit log (%llu entries), which verified."), rows_.size(),
                    static_cast<unsigned long long>(r.audit_entries)),
             COLOR_PAIR(kPairOk) | A_BOLD);
    if (confirm_print_) {
      const attr_t ask = COLOR_PAIR(kPairError) | A_BOLD;
      DrawText(win, y++, 1, width - 2,
               Format(Tr("Print the access register of deposit %lld?"), static_cast<long long>(r.deposit_id)), ask);
      DrawText(win, y++, 1, width - 2, ConfirmKeys("F7"), ask);
    } else if (rows_.empty()) {
      DrawText(win, y++, 1, width - 2, Tr("No access to this deposit is recorded."));
    } else if (const ListWidget::Item* it = list_.selected()) {
      // The selected access whole (the columns cut long names and paths).
      const AccessRow& a = rows_[it->tag];
      std::string whole = "> " + CounterDateTimeOfUtc(a.time) + "  " + PersonOf(a);
      if (!a.position.empty()) whole.append(", ").append(a.position);
      whole.append(", ").append(AuditRoleLabel(a.role)).append(": ").append(AccessKindLabel(a.kind, a.action));
      if (!a.item.empty()) whole.append(": ").append(a.item);
      for (const std::string& line : WrapText(whole, width - 2, kSelectedLines))
        DrawText(win, y++, 1, width - 2, line, A_BOLD);
    }
    if (!rows_.empty()) list_.Draw(win, y, 0, top + height - y, width);
  }

  void HandleKey(const Key& key) override {
    if (confirm_print_) {
      switch (AnswerOf(key, KEY_F(7))) {
        case ConfirmAnswer::kYes:
          confirm_print_ = false;
          PrintAndReport(app_, DocumentKind::kAccessRegister, std::to_string(register_->deposit_id));
          break;
        case ConfirmAnswer::kNo:
          confirm_print_ = false;
          app_.ShowInfoMsgid(N_("Not printed."));
          break;
        case ConfirmAnswer::kNone:
          app_.ShowInfoMsgid(N_("Answer the question above: F7 or y/д/и = yes, Esc or n/н = no."));
          break;
      }
      return;
    }
    if (IsEnter(key) || key.Is(KEY_F(5))) {
      Load();
      return;
    }
    if (key.Is(KEY_F(7))) {
      if (!register_)
        app_.ShowInfoMsgid(N_("Show a deposit's register first (Enter)."));
      else
        confirm_print_ = true;
      return;
    }
    if (IsListKey(key)) {
      list_.HandleKey(static_cast<int>(key.code));
      return;
    }
    form_.HandleKey(key);
  }

 private:
  void Load() {
    auto r = app_.backend().AccessRegister(form_.Value(0));
    if (!r.ok()) {
      // Nothing of an earlier deposit stays on the screen under another's number.
      register_.reset();
      rows_.clear();
      list_.SetItems({});
      app_.ShowError(r.status());
      return;
    }
    rows_ = std::move(r->rows);
    register_ = std::move(*r);
    std::vector<ListWidget::Item> items;
    items.reserve(rows_.size());
    for (std::size_t i = 0; i < rows_.size(); ++i) {
      const AccessRow& a = rows_[i];
      items.push_back({{Widen(CounterDateTimeOfUtc(a.time)), Widen(PersonOf(a)), Widen(AuditRoleLabel(a.role)),
                        Widen(AccessKindLabel(a.kind, a.action)), Widen(a.item)},
                       false,
                       i});
    }
    list_.SetItems(std::move(items));
  }

  AppContext& app_;
  FormWidget form_;
  std::vector<AccessRow> rows_;  // before list_: its columns draw from it
  ListWidget list_;
  std::optional<AccessRegisterView> register_;  // its rows moved to rows_
  bool confirm_print_ = false;
};

}  // namespace

bool MayReadAccessRegister(const AppContext& app) {
  const UserInfo* user = app.user();
  return user != nullptr && appliance::RoleHas(user->role, appliance::Permission::kAccessRegister);
}

std::unique_ptr<Screen> MakeAccessRegisterScreen(AppContext& app) {
  return std::make_unique<AccessRegisterScreen>(app);
}

}  // namespace qoima::kiosk
