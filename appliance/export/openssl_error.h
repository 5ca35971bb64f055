// The one place OpenSSL's error queue becomes a Status for the export code
// (CMS envelope, certificate and signature checks).
#pragma once

#include <string>

#include "common/status.h"

namespace qoima::exporting {

/// Drains the OpenSSL error queue into one message: "what: reason; reason".
Status OpenSslStatus(Code code, const std::string& what);

}  // namespace qoima::exporting
