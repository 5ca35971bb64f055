// SelfTest: `qoima selftest`: the checks a technician runs on a new or
// repaired appliance. Each check is real (it talks to the TPM, writes an
// encrypted database, initializes each reader backend) and reports a clear
// message when it fails.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace qoima::appliance {

struct SelfTestCheck {
  std::string name;    // "tpm", "store", "reader:libarchive"
  std::string detail;  // what was found (version, manufacturer)
  Status status;
};

struct SelfTestOptions {
  std::string tcti;         // TPM transport, e.g. "swtpm:path=/tmp/x/sock"
  std::string scratch_dir;  // where the store probe may create and delete a file
};

std::vector<SelfTestCheck> RunSelfTest(const SelfTestOptions& options);

}  // namespace qoima::appliance
