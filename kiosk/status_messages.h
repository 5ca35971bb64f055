// StatusMessages: the clerk-facing explanation of every Code appliance/ can
// return (common/status.h), translated, plus what to do next. The technical
// message of the Status (naming the device, file or field) is shown under it.
//
// Thread-safety: pure functions over gettext (see i18n.h).
#pragma once

#include <string>

#include "common/status.h"

namespace qoima::kiosk {

/// One translated sentence explaining `code` for a non-programmer.
const char* ExplainCode(Code code);

/// The backend's own sentence a status carries as its message
/// (kStoreBusyMsgid, kDigestMismatchMsgid), or nullptr.
const char* BackendMsgid(const Status& status);

/// "<explanation> (<technical message>)" for the message line; a backend
/// sentence whole, in the current language.
std::string DescribeStatus(const Status& status);

}  // namespace qoima::kiosk
