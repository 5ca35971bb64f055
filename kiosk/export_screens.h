// The security officers' export screens: the list of export requests, a new
// request (deposit and reason), and the run of an approved request onto an
// export stick the appliance detects (the whole stick is formatted and the
// signed bundle is its only file), with progress while it is written and
// read back. A second officer approves or rejects a request on the approval
// screen (officer_screens.h); the appliance decides who may do what, refuses
// the requester's own approval and runs a request once.
// Thread-safety: UI thread only (the run's worker thread calls the Backend).
#pragma once

#include <memory>

#include "kiosk/screen.h"

namespace qoima::kiosk {

std::unique_ptr<Screen> MakeExportsScreen(AppContext& app);
std::unique_ptr<Screen> MakeExportRequestScreen(AppContext& app);
std::unique_ptr<Screen> MakeExportRunScreen(AppContext& app, ExportRequestRow request);

/// The state of an export request in words.
const char* ExportStateLabel(ExportState state);

}  // namespace qoima::kiosk
