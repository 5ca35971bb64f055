// The security officer's screens: pending two-person approvals (export,
// return, destruction, key recovery) and the approval itself, where the
// second officer confirms with their own login and password on the same
// screen. The appliance checks both officers and the roles.
// Thread-safety: UI thread only.
#pragma once

#include <memory>

#include "kiosk/screen.h"

namespace qoima::kiosk {

std::unique_ptr<Screen> MakeOfficerHome(AppContext& app);
std::unique_ptr<Screen> MakeApproveScreen(AppContext& app, PendingApproval approval);

}  // namespace qoima::kiosk
