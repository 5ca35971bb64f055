// StoreLockedScreen: what the kiosk shows instead of the login form when the
// appliance's encrypted store is not there to open (the appliance image's data
// partition did not unlock: its key is sealed to the measured boot and the
// TPM, and one of them is not what it was sealed to). It says so, says what
// to do, and offers nothing: no login, no key but F2 (language) does
// anything. There is no way out of it at the counter; the security officer
// brings a signed image or the recovery shares.
//
// Thread-safety: UI thread only.
#pragma once

#include <memory>
#include <string>

#include "kiosk/screen.h"

namespace qoima::kiosk {

std::unique_ptr<Screen> MakeStoreLockedScreen();

/// True when `dir` is the root of a file system of its own (its device
/// differs from its parent's): the appliance image's data partition mounted
/// there. A bind mount of a directory of the parent's file system (systemd's
/// ReadWritePaths=) does not count. False when either cannot be examined.
bool IsOwnFileSystem(const std::string& dir);

}  // namespace qoima::kiosk
