// LoginScreen: the first screen, and the lock screen. Login and password;
// Enter submits to Backend::Login and shows what the lockout rule decided
// (attempts left, locked until). In lock mode the login is fixed to the
// locked user's; another user may still log in (App then starts afresh).
// Thread-safety: UI thread only.
#pragma once

#include <memory>
#include <string>

#include "kiosk/screen.h"

namespace qoima::kiosk {

/// `locked_login` empty: normal login; otherwise the lock screen for that user.
std::unique_ptr<Screen> MakeLoginScreen(AppContext& app, const std::string& locked_login);

}  // namespace qoima::kiosk
