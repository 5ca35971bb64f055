// The auditor's screens: the journal (searchable, read-only) and the audit
// log verification with the signed checkpoint. Nothing here changes state.
// Thread-safety: UI thread only.
#pragma once

#include <memory>

#include "kiosk/screen.h"

namespace qoima::kiosk {

std::unique_ptr<Screen> MakeAuditorHome(AppContext& app);

}  // namespace qoima::kiosk
