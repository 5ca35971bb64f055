#include "kiosk/user_screens.h"

#include "kiosk/domain_labels.h"
#include "kiosk/draw.h"
#include "kiosk/form_widget.h"
#include "kiosk/i18n.h"
#include "kiosk/list_widget.h"
#include "kiosk/terminal_session.h"
#include "kiosk/text_layout.h"

namespace qoima::kiosk {
namespace {

constexpr Role kRoles[] = {Role::kClerk, Role::kSecurityOfficer, Role::kAuditor, Role::kAdmin};

// A change to an account: done (`done_text`), or recorded as a request for a
// second security officer (said with its number).
void ShowUserChange(AppContext& app, const UserChangeResult& r, const std::string& done_text) {
  if (r.applied) {
    app.ShowInfo(done_text);
    return;
  }
  // One status line (80 columns): the request's words are in the pending list.
  app.ShowInfo(Format(Tr("Not done yet: request %s waits for a second security officer."), r.request_id.c_str()));
}

// ---------------------------------------------------------------- users

class UsersScreen : public Screen {
 public:
  explicit UsersScreen(AppContext& app)
      : app_(app),
        list_({{N_("Login"), 10, 1},
               {N_("Name"), 16, 3},
               {N_("Role"), 12, 0, [this](std::size_t tag) { return std::string(RoleLabel(users_[tag].role)); }},
               {N_("State"), 14, 1, [this](std::size_t tag) { return StateOf(users_[tag]); }}}) {
    Reload();
  }

  std::string Title() const override { return Tr("Users"); }
  std::vector<HelpEntry> Help() const override {
    return {{"F3", N_("New user")},
            {"F4", N_("Unlock")},
            {"F6", N_("Disable/enable")},
            {"F7", N_("New password")},
            {"Esc", N_("Back")}};
  }

  void Draw(WINDOW* win, int top, int height, int width) override {
    DrawText(win, top, 0, width, Format(Tr("Users: %zu."), list_.total()), A_BOLD);
    DrawText(win, top + 1, 0, width, Tr("Every change is recorded in the audit log under your name."));
    DrawText(win, top + 2, 0, width, Tr("An officer's or administrator's account changes only with a second officer."));
    DrawText(win, top + 3, 0, width, Tr("F3 new user, F4 unlock, F6 disable or enable, F7 new password."), A_DIM);
    list_.Draw(win, top + 5, 0, height - 5, width);
  }

  void HandleKey(const Key& key) override {
    if (key.Is(KEY_F(3))) {
      app_.Push(MakeNewUserScreen(app_));
      return;
    }
    const ListWidget::Item* it = list_.selected();
    if (it && key.Is(KEY_F(4))) {
      const UserRow& u = users_[it->tag];
      Done(app_.backend().UnlockUser(u.login), Format(Tr("User %s is unlocked."), u.login.c_str()));
      return;
    }
    if (it && key.Is(KEY_F(6))) {
      const std::string login = users_[it->tag].login;  // Reload() replaces the rows
      bool disable = !users_[it->tag].disabled;
      auto r = app_.backend().SetUserDisabled(login, disable);
      if (!r.ok()) {
        app_.ShowError(r.status());
        return;
      }
      Reload();
      ShowUserChange(app_, *r,
                     Format(disable ? Tr("User %s is disabled.") : Tr("User %s is enabled again."), login.c_str()));
      return;
    }
    if (it && key.Is(KEY_F(7))) {
      app_.Push(MakeResetPasswordScreen(app_, users_[it->tag].login));
      return;
    }
    if (key.function) list_.HandleKey(static_cast<int>(key.code));
  }

  void OnReturn() override { Reload(); }

 private:
  static std::string StateOf(const UserRow& u) {
    if (u.disabled) return Tr("disabled");
    if (u.locked) return Tr("locked");
    if (u.failed_logins > 0)
      return Format(TrN("%d failed login", "%d failed logins", static_cast<unsigned long>(u.failed_logins)),
                    u.failed_logins);
    return Tr("active");
  }

  void Done(const Status& s, const std::string& ok_text) {
    if (!s.ok()) {
      app_.ShowError(s);
      return;
    }
    Reload();
    app_.ShowInfo(ok_text);
  }

  void Reload() {
    auto r = app_.backend().ListUsers();
    if (!r.ok()) {
      app_.ShowError(r.status());
      return;
    }
    users_ = std::move(*r);
    std::vector<ListWidget::Item> items;
    for (std::size_t i = 0; i < users_.size(); ++i)
      items.push_back({{Widen(users_[i].login), Widen(users_[i].full_name), L"", L""}, users_[i].locked, i});
    std::size_t keep = list_.selected_position();  // the officer stays on the user just changed
    list_.SetItems(std::move(items));
    for (std::size_t i = 0; i < keep && i + 1 < users_.size(); ++i) list_.HandleKey(KEY_DOWN);
  }

  AppContext& app_;
  std::vector<UserRow> users_;
  ListWidget list_;
};

// ---------------------------------------------------------------- new user

class NewUserScreen : public Screen {
 public:
  explicit NewUserScreen(AppContext& app)
      : app_(app),
        form_({{N_("Login:"), false, 64, {}},
               {N_("Surname:"), false, 100, {}},
               {N_("Given name:"), false, 100, {}},
               {N_("Patronymic:"), false, 100, {}},
               {N_("Password:"), true, 128, {}},
               {N_("Password again:"), true, 128, {}}}) {}

  std::string Title() const override { return Tr("New user"); }
  std::vector<HelpEntry> Help() const override {
    return {{"F6", N_("Role")}, {"F7", N_("Create")}, {"Esc", N_("Back")}};
  }

  void Draw(WINDOW* win, int top, int height, int width) override {
    (void)height;
    form_.Draw(win, top, 1, width - 2, 24);
    DrawText(win, top + 7, 1, width - 2,
             std::string(Tr("Role:")) + " " + RoleLabel(kRoles[role_]) + "   (" + Tr("F6 changes it") + ")", A_BOLD);
    DrawText(win, top + 9, 1, width - 2, Tr("The new user changes nothing until they log in with this password."));
  }

  void HandleKey(const Key& key) override {
    if (key.Is(KEY_F(6))) {
      role_ = (role_ + 1) % 4;
      return;
    }
    if (key.Is(KEY_F(7))) {
      Submit();
      return;
    }
    form_.HandleKeyEnterAdvances(key);
  }

 private:
  void Submit() {
    if (form_.Value(4) != form_.Value(5)) {
      form_.Clear(4);
      form_.Clear(5);
      app_.ShowInfoMsgid(N_("The two passwords differ. Type them again."));
      return;
    }
    NewUserForm u{form_.Value(0), form_.Value(1), form_.Value(2), form_.Value(3), kRoles[role_], form_.Value(4)};
    auto r = app_.backend().CreateUser(u);
    form_.Clear(4);
    form_.Clear(5);
    if (!r.ok()) {
      app_.ShowError(r.status());
      return;
    }
    std::string login = u.login;
    UserChangeResult result = *r;
    AppContext& app = app_;
    app.Pop();  // destroys this screen: only locals from here
    ShowUserChange(app, result, Format(Tr("User %s is created."), login.c_str()));
  }

  AppContext& app_;
  FormWidget form_;
  int role_ = 0;
};

// ---------------------------------------------------------------- password reset

class ResetPasswordScreen : public Screen {
 public:
  ResetPasswordScreen(AppContext& app, std::string login)
      : app_(app),
        login_(std::move(login)),
        form_({{N_("New password:"), true, 128, {}}, {N_("Password again:"), true, 128, {}}}) {}

  std::string Title() const override { return Tr("New password"); }
  std::vector<HelpEntry> Help() const override { return {{"F7", N_("Set password")}, {"Esc", N_("Back")}}; }

  void Draw(WINDOW* win, int top, int height, int width) override {
    (void)height;
    DrawText(win, top, 1, width - 2, Format(Tr("New password for %s"), login_.c_str()), A_BOLD);
    form_.Draw(win, top + 2, 1, width - 2, 24);
  }

  void HandleKey(const Key& key) override {
    if (key.Is(KEY_F(7)) || (IsEnter(key) && form_.last_focused())) {
      bool same = form_.Value(0) == form_.Value(1);
      std::string password = form_.Value(0);
      form_.Clear(0);
      form_.Clear(1);
      form_.SetFocus(0);
      if (!same) {
        app_.ShowInfoMsgid(N_("The two passwords differ. Type them again."));
        return;
      }
      auto r = app_.backend().ResetPassword(login_, password);
      if (!r.ok()) {
        app_.ShowError(r.status());
        return;
      }
      std::string login = login_;
      UserChangeResult result = *r;
      AppContext& app = app_;
      app.Pop();  // destroys this screen: only locals from here
      ShowUserChange(app, result, Format(Tr("The password of %s is changed."), login.c_str()));
      return;
    }
    form_.HandleKeyEnterAdvances(key);
  }

 private:
  AppContext& app_;
  std::string login_;
  FormWidget form_;
};

// ---------------------------------------------------------------- recovery state

class RecoveryScreen : public Screen {
 public:
  explicit RecoveryScreen(AppContext& app) : app_(app) {
    auto r = app_.backend().Recovery();
    if (!r.ok()) {
      app_.ShowError(r.status());
      return;
    }
    info_ = *r;
    loaded_ = true;
  }

  std::string Title() const override { return Tr("Recovery state"); }
  std::vector<HelpEntry> Help() const override { return {{"Esc", N_("Back")}}; }

  void Draw(WINDOW* win, int top, int height, int width) override {
    (void)height;
    if (!loaded_) {
      DrawText(win, top, 1, width - 2, Tr("The recovery state could not be read."), COLOR_PAIR(kPairWarn));
      return;
    }
    std::string pcrs;
    for (int p : info_.pcrs) pcrs += (pcrs.empty() ? "" : ",") + std::to_string(p);
    DrawText(win, top, 1, width - 2, Tr("The store's master key is sealed in this appliance's TPM."), A_BOLD);
    if (info_.pcrs.empty())
      DrawText(win, top + 2, 3, width - 6, Tr("Boot-state binding: none (the key is not bound to PCRs)."),
               COLOR_PAIR(kPairWarn) | A_BOLD);
    else
      DrawText(win, top + 2, 3, width - 6, Format(Tr("Boot-state binding: PCR %s"), pcrs.c_str()));
    DrawText(win, top + 3, 3, width - 6,
             Format(Tr("Recovery shares: any %d of %d rebuild the master key."), info_.threshold, info_.shares));
    DrawText(win, top + 4, 3, width - 6,
             std::string(Tr("Device key fingerprint:")) + " " + info_.device_fingerprint.substr(0, 32));
    if (info_.device_fingerprint.size() > 32)
      DrawText(win, top + 5, 3, width - 6, std::string(24, ' ') + info_.device_fingerprint.substr(32));
    if (info_.previous_keys > 0)
      DrawText(win, top + 6, 3, width - 6,
               Format(TrN("Recovered before: %zu earlier device key is kept to check old signatures.",
                          "Recovered before: %zu earlier device keys are kept to check old signatures.",
                          info_.previous_keys),
                      info_.previous_keys),
               A_BOLD);
    auto lines = WrapText(Tr("When the TPM or the boot state changes, the key no longer unseals; recovery "
                             "then needs the share holders and a two-person approval."),
                          width - 6, 3);
    for (std::size_t i = 0; i < lines.size(); ++i) DrawText(win, top + 8 + static_cast<int>(i), 3, width - 6, lines[i]);
  }

  void HandleKey(const Key& key) override { (void)key; }

 private:
  AppContext& app_;
  RecoveryInfo info_;
  bool loaded_ = false;
};

}  // namespace

std::unique_ptr<Screen> MakeUsersScreen(AppContext& app) { return std::make_unique<UsersScreen>(app); }
std::unique_ptr<Screen> MakeNewUserScreen(AppContext& app) { return std::make_unique<NewUserScreen>(app); }
std::unique_ptr<Screen> MakeResetPasswordScreen(AppContext& app, std::string login) {
  return std::make_unique<ResetPasswordScreen>(app, std::move(login));
}
std::unique_ptr<Screen> MakeRecoveryScreen(AppContext& app) { return std::make_unique<RecoveryScreen>(app); }

}  // namespace qoima::kiosk
