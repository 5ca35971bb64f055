// The reader backends this build carries, each checked by initializing it:
// libarchive (ISO9660/Joliet/Rock Ridge and archives), libudf (UDF), The Sleuth
// Kit (FAT, exFAT, NTFS, ext), libblkid (probing). Used by `qoima selftest`.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace qoima::hardware {

struct BackendCheck {
  std::string name;    // "libarchive"
  std::string detail;  // version or what failed
  Status status;       // OK when the backend initialized
};

/// Initializes each backend (no media needed) and reports each result.
std::vector<BackendCheck> CheckReaderBackends();

}  // namespace qoima::hardware
