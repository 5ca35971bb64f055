// The reader libraries this build carries, each checked by initializing it:
// libarchive (archives on the media), libudf (UDF), The Sleuth Kit (every
// filesystem fs_readers.h's table has it read), libblkid (probing). ISO9660 is
// our own reader and needs no library. Used by `qoima selftest`.
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
