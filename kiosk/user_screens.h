// The security officer's user management and recovery-state screens:
// the list of users (role, disabled, locked, failed logins) with unlock,
// disable/enable and password reset; the new-user form; and what protects
// the master key (PCR binding, recovery shares M of N, device key
// fingerprint). Every rule (who may, password strength, the last admin) is
// the appliance's: the screens show what it answers.
// Thread-safety: UI thread only.
#pragma once

#include <memory>
#include <string>

#include "kiosk/screen.h"

namespace qoima::kiosk {

std::unique_ptr<Screen> MakeUsersScreen(AppContext& app);
std::unique_ptr<Screen> MakeNewUserScreen(AppContext& app);
std::unique_ptr<Screen> MakeResetPasswordScreen(AppContext& app, std::string login);
std::unique_ptr<Screen> MakeRecoveryScreen(AppContext& app);

}  // namespace qoima::kiosk
