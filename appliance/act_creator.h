// ActCreator: `qoima act create DIR` on the depositor's side. Walks a
// directory exactly as it will be written to the medium, hashes every
// regular file, and produces the JSON manifest plus the printable act. The
// SHA-256 of the manifest bytes is the digest written on the paper act.
//
// Symbolic links, devices and sockets are refused (a medium should hold
// files), as are names that are not valid UTF-8.
//
// Thread-safety: one call at a time per object; no shared state.
#pragma once

#include <cstdint>
#include <string>

#include "appliance/act_manifest.h"
#include "common/result.h"

namespace qoima::appliance {

struct ActCreateOptions {
  std::string application;  // portal code
  std::string software_name;
  std::string software_version;
  std::string annotation;
  std::string depositor;
  std::string disc;  // disc marking for every file ("" = single disc)
  std::string volume_label;
  int64_t now_unix = 0;
};

struct CreatedAct {
  ActManifest manifest;  // with the act check's text flags (lines of `json`)
  std::string json;      // the bytes to write; manifest.digest is their SHA-256
};

Result<CreatedAct> CreateActFromDirectory(const std::string& dir, const ActCreateOptions& options);

}  // namespace qoima::appliance
