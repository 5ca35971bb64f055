// Act entries and medium files for the diff's unit tests.
#pragma once

#include <cstdint>
#include <string>

#include "appliance/manifest_diff.h"
#include "appliance/manifest_parser.h"

namespace qoima::appliance::testing {

inline ManifestEntry Entry(const std::string& path, uint64_t size, const std::string& sha, size_t line = 1) {
  ManifestEntry e;
  e.path = path;
  e.size = size;
  e.sha256 = sha;
  e.line = line;
  return e;
}

/// A file as read from the medium; `raw`: its bytes when they differ from `path`.
inline ObservedFile Seen(const std::string& path, uint64_t size, const std::string& sha, const std::string& raw = "") {
  ObservedFile f;
  f.raw_path = raw == path ? "" : raw;
  f.path = path;
  f.size = size;
  f.sha256 = sha;
  return f;
}

}  // namespace qoima::appliance::testing
