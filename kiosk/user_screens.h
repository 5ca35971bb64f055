// The user management and recovery-state screens (F3/F4 of the officer and
// admin home): the list of users (role, disabled, locked, failed logins)
// with unlock, disable/enable and password reset; the new-user form; and
// what protects the master key (PCR binding, recovery shares M of N, device
// key fingerprint). Every rule (who may, password strength, which change
// needs a second security officer) is the appliance's: the screens show what
// it answers. A change recorded as a request says "not done yet" with the
// request's number; it then waits among the pending approvals, where a
// second officer approves it (officer_screens.h).
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
