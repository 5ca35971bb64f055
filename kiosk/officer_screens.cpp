#include "kiosk/officer_screens.h"

#include "kiosk/access_register_screen.h"
#include "kiosk/domain_labels.h"
#include "kiosk/draw.h"
#include "kiosk/export_screens.h"
#include "kiosk/form_widget.h"
#include "kiosk/i18n.h"
#include "kiosk/list_widget.h"
#include "kiosk/print_screens.h"
#include "kiosk/terminal_session.h"
#include "kiosk/text_layout.h"
#include "kiosk/user_screens.h"

namespace qoima::kiosk {
namespace {

class OfficerHome : public Screen {
 public:
  explicit OfficerHome(AppContext& app)
      : app_(app),
        list_({{N_("Kind"), 12, 0},
               {N_("Subject"), 20, 3},
               {N_("Requested by"), 12, 1},
               {N_("Requested at"), 16, 0},
               {N_("Approvals"), 9, 0}}) {
    Reload();
  }

  std::string Title() const override { return Tr("Approvals waiting for you"); }
  std::vector<HelpEntry> Help() const override {
    std::vector<HelpEntry> keys = {{"Enter", N_("Approve")}, {"F3", N_("Users")},   {"F4", N_("Recovery state")},
                                   {"F5", N_("Refresh")},    {"F6", N_("Exports")}, {"F7", N_("Printer")}};
    if (MayReadAccessRegister(app_)) keys.push_back({"F8", N_("Access register")});
    return keys;
  }

  void Draw(WINDOW* win, int top, int height, int width) override {
    if (built_language_ != CurrentLanguage()) Rebuild();
    DrawText(win, top, 0, width, Format(Tr("Pending requests: %zu."), list_.total()), A_BOLD);
    DrawText(win, top + 1, 0, width, Tr("A second officer, never the requester, approves these requests."));
    DrawText(win, top + 2, 0, width, Tr("F6: exports (a new request; an approved one written to an export stick)."),
             A_DIM);
    DrawText(win, top + 3, 0, width, Tr("F7: the act printer (the administrator sets it up and prints a test page)."),
             A_DIM);
    int used = 4;
    // The help line may not hold every key in every language: say it here.
    if (MayReadAccessRegister(app_))
      DrawText(win, top + used++, 0, width,
               Tr("F8: a deposit's access register (who read, exported, printed or issued it)."), A_DIM);
    list_.Draw(win, top + used, 0, height - used, width);
  }

  void OnReturn() override { Reload(); }

  void HandleKey(const Key& key) override {
    if (key.Is(KEY_F(3))) {
      app_.Push(MakeUsersScreen(app_));
      return;
    }
    if (key.Is(KEY_F(4))) {
      app_.Push(MakeRecoveryScreen(app_));
      return;
    }
    if (key.Is(KEY_F(5))) {
      Reload();
      return;
    }
    if (key.Is(KEY_F(6))) {
      app_.Push(MakeExportsScreen(app_));
      return;
    }
    if (key.Is(KEY_F(7))) {
      app_.Push(MakePrinterSetupScreen(app_));
      return;
    }
    if (key.Is(KEY_F(8)) && MayReadAccessRegister(app_)) {
      app_.Push(MakeAccessRegisterScreen(app_));
      return;
    }
    if (IsEnter(key)) {
      const ListWidget::Item* it = list_.selected();
      if (it) app_.Push(MakeApproveScreen(app_, pending_[it->tag]));
      return;
    }
    if (key.function) list_.HandleKey(static_cast<int>(key.code));
  }

 private:
  void Reload() {
    auto r = app_.backend().ListPendingApprovals();
    if (!r.ok()) {
      app_.ShowError(r.status());
      return;
    }
    pending_ = std::move(*r);
    Rebuild();
  }

  void Rebuild() {
    built_language_ = CurrentLanguage();
    std::vector<ListWidget::Item> items;
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      const PendingApproval& p = pending_[i];
      items.push_back(
          {{Widen(SensitiveActionLabel(p.kind)), Widen(p.subject), Widen(p.requested_by), Widen(p.requested_at),
            Widen(std::to_string(p.approvals) + "/" + std::to_string(p.approvals_required))},
           false,
           i});
    }
    list_.SetItems(std::move(items));
  }

  AppContext& app_;
  ListWidget list_;
  std::vector<PendingApproval> pending_;
  Language built_language_ = Language::kKazakh;
};

class ApproveScreen : public Screen {
 public:
  ApproveScreen(AppContext& app, PendingApproval approval)
      : app_(app),
        approval_(std::move(approval)),
        form_({{N_("Confirming officer login:"), false, 64, {}},
               {N_("Confirming officer password:"), true, 128, {}},
               {N_("Note (required to reject):"), false, 400, {}}}) {
    // The officer at the screen confirms as themselves unless they asked.
    const UserInfo* me = app_.user();
    if (me && me->login != approval_.requested_by) {
      form_.SetValue(0, me->login);
      form_.SetFocus(1);
    }
  }

  std::string Title() const override { return Tr("Two-person approval"); }
  std::vector<HelpEntry> Help() const override {
    return {{"F7", N_("Approve")}, {"F8", N_("Reject")}, {"Esc", N_("Back")}};
  }

  void Draw(WINDOW* win, int top, int height, int width) override {
    (void)height;
    // An account change's subject says it all ("create the ... account 'x'").
    DrawText(win, top, 1, width - 2,
             approval_.kind == SensitiveAction::kUserChange
                 ? Format(Tr("Request: %s"), approval_.subject.c_str())
                 : Format(Tr("Request: %s of %s"), SensitiveActionLabel(approval_.kind), approval_.subject.c_str()),
             A_BOLD);
    DrawText(win, top + 1, 1, width - 2,
             Format(Tr("Requested by %s at %s"), approval_.requested_by.c_str(), approval_.requested_at.c_str()));
    DrawText(win, top + 2, 1, width - 2, std::string(Tr("Reason:")) + " " + approval_.reason);
    DrawText(win, top + 3, 1, width - 2,
             Format(Tr("Approvals: %d of %d. Expires at %s."), approval_.approvals, approval_.approvals_required,
                    approval_.expires_at.c_str()));
    DrawText(win, top + 5, 1, width - 2,
             Tr("A security officer other than the requester confirms here with their own login and password."));
    form_.Draw(win, top + 7, 1, width - 2, 30);
  }

  void HandleKey(const Key& key) override {
    if (key.Is(KEY_F(7)) || (IsEnter(key) && form_.focus() == 1)) {
      Decide(true);
      return;
    }
    if (key.Is(KEY_F(8))) {
      Decide(false);
      return;
    }
    form_.HandleKeyEnterAdvances(key);
  }

 private:
  void Decide(bool approve) {
    if (!approve && form_.Value(2).empty()) {
      app_.ShowInfoMsgid(N_("Write why the request is rejected (the note) first."));
      form_.SetFocus(2);
      return;
    }
    Status s = approve ? app_.backend().Approve(approval_.id, form_.Value(0), form_.Value(1))
                       : app_.backend().Reject(approval_.id, form_.Value(0), form_.Value(1), form_.Value(2));
    std::string login = form_.Value(0);
    form_.Clear(1);
    if (!s.ok()) {
      app_.ShowError(s);
      return;
    }
    app_.Pop();
    app_.ShowInfo(Format(approve ? Tr("Approved by %s. The audit log records the requester and the approver.")
                                 : Tr("Rejected by %s. The audit log records the note."),
                         login.c_str()));
  }

  AppContext& app_;
  PendingApproval approval_;
  FormWidget form_;
};

}  // namespace

std::unique_ptr<Screen> MakeOfficerHome(AppContext& app) { return std::make_unique<OfficerHome>(app); }
std::unique_ptr<Screen> MakeApproveScreen(AppContext& app, PendingApproval approval) {
  return std::make_unique<ApproveScreen>(app, std::move(approval));
}

}  // namespace qoima::kiosk
