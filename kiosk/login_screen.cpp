#include "kiosk/login_screen.h"

#include <functional>

#include "kiosk/draw.h"
#include "kiosk/form_widget.h"
#include "kiosk/i18n.h"
#include "kiosk/status_messages.h"
#include "kiosk/terminal_session.h"
#include "kiosk/text_layout.h"

namespace qoima::kiosk {
namespace {

constexpr std::size_t kMaxLoginChars = 64;
constexpr std::size_t kMaxPasswordChars = 128;

void Center(WINDOW* win, int y, int width, const std::string& text, attr_t attr) {
  std::wstring w = Widen(text);
  int tw = DisplayWidth(w);
  if (tw > width) tw = width;
  std::wstring fitted = FitWidth(w, tw);
  wattron(win, attr);
  mvwaddnwstr(win, y, (width - tw) / 2, fitted.c_str(), static_cast<int>(fitted.size()));
  wattroff(win, attr);
}

class LoginScreen : public Screen {
 public:
  LoginScreen(AppContext& app, std::string locked_login)
      : app_(app),
        locked_login_(std::move(locked_login)),
        form_({{N_("Login:"), false, kMaxLoginChars, {}}, {N_("Password:"), true, kMaxPasswordChars, {}}}) {
    if (!locked_login_.empty()) {
      form_.SetValue(0, locked_login_);
      form_.SetFocus(1);
    }
  }

  std::string Title() const override { return locked_login_.empty() ? Tr("Log in") : Tr("Screen locked"); }

  void Draw(WINDOW* win, int top, int height, int width) override {
    int y = top + 1;
    Center(win, y++, width, Tr("Electronic government software and source code repository"), A_BOLD);
    Center(win, y++, width, Tr("Welcome! Enter your login and password, then press Enter."), A_NORMAL);
    y++;
    int form_width = 56;
    int left = (width - form_width) / 2;
    form_.Draw(win, y, left, form_width, 16);
    y += 3;
    if (feedback_) {
      // Formatted at draw time so a language switch re-translates it.
      int line = y;
      for (const std::string& part : WrapText(feedback_(), width - 4, 2))
        Center(win, line++, width, part, COLOR_PAIR(kPairError) | A_BOLD);
      if (feedback_detail_) {
        for (const std::string& part : WrapText(feedback_detail_(), width - 4, 3))
          Center(win, line++, width, part, A_NORMAL);
      }
    }
    // The Kazakh alphabet's own letters, so a technician sees at a glance that
    // the console font carries them.
    std::string check = std::string(Tr("Font check:")) + " Ә Ғ Қ Ң Ө Ұ Ү Һ І  ә ғ қ ң ө ұ ү һ і";
    Center(win, top + height - 2, width, check, A_DIM);
    Center(win, top + height - 1, width, Tr("F2 switches the language: қазақша / русский / English"), A_DIM);
  }

  void HandleKey(const Key& key) override {
    if (key.IsChar(L'\r') || key.IsChar(L'\n') || key.Is(KEY_ENTER)) {
      if (form_.focus() == 0 && form_.Value(1).empty()) {
        form_.SetFocus(1);
        return;
      }
      Submit();
      return;
    }
    if (!locked_login_.empty() && form_.focus() == 0 && IsTextInput(key)) {
      // In lock mode typing in the login field starts a login by another user.
      locked_login_.clear();
      form_.Clear(0);
    }
    form_.HandleKey(key);
  }

 private:
  void Submit() {
    std::string login = form_.Value(0);
    std::string password = form_.Value(1);
    form_.Clear(1);
    feedback_detail_ = nullptr;
    if (login.empty()) {
      feedback_ = [] { return std::string(Tr("Enter your login.")); };
      form_.SetFocus(0);
      return;
    }
    LoginOutcome out = app_.backend().Login(login, password);
    if (out.status.ok() && out.user) {
      feedback_ = nullptr;
      app_.OnLogin(*out.user);  // may destroy this screen: touch nothing after
      return;
    }
    form_.SetFocus(1);
    if (out.status.code() == Code::kAuthFailed) {
      // One answer for a wrong password, a locked and a disabled account (and
      // an unknown login): the screen must not tell a guesser which it was.
      // The lockout rule is stated the same way every time.
      feedback_ = [] { return std::string(Tr("Wrong login or password.")); };
      LockoutRule rule = app_.backend().Lockout();
      feedback_detail_ = [rule] {
        std::string minutes =
            Format(TrN("%d minute", "%d minutes", static_cast<unsigned long>(rule.minutes)), rule.minutes);
        return Format(TrN("After %d wrong password an account is locked for %s; the administrator can unlock it.",
                          "After %d wrong passwords an account is locked for %s; the administrator can unlock it.",
                          static_cast<unsigned long>(rule.attempts)),
                      rule.attempts, minutes.c_str());
      };
    } else if (const char* msgid = BackendMsgid(out.status)) {
      feedback_ = [msgid] { return std::string(Tr(msgid)); };  // e.g. the store is busy: nothing to add
    } else {
      Code code = out.status.code();
      std::string msg = out.status.message();
      feedback_ = [code] { return std::string(ExplainCode(code)); };
      feedback_detail_ = [msg] { return msg; };
    }
  }

  AppContext& app_;
  std::string locked_login_;
  FormWidget form_;
  std::function<std::string()> feedback_;
  std::function<std::string()> feedback_detail_;
};

}  // namespace

std::unique_ptr<Screen> MakeLoginScreen(AppContext& app, const std::string& locked_login) {
  return std::make_unique<LoginScreen>(app, locked_login);
}

}  // namespace qoima::kiosk
