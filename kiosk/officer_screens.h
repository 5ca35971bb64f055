// The security officer's (and the admin's) home: pending two-person
// approvals (export, destruction, key recovery, account changes) and the
// approval itself, where an officer other
// than the requester approves or rejects with their own login and password on
// the same screen (the officer at the kiosk is proposed when they did not ask).
// The appliance checks the officers, the roles and the state machine.
// F3 opens user management, F4 the recovery state (user_screens.h) and F6
// the exports (export_screens.h).
// Thread-safety: UI thread only.
#pragma once

#include <memory>

#include "kiosk/screen.h"

namespace qoima::kiosk {

std::unique_ptr<Screen> MakeOfficerHome(AppContext& app);
std::unique_ptr<Screen> MakeApproveScreen(AppContext& app, PendingApproval approval);

}  // namespace qoima::kiosk
