// The lifecycle commands of the `qoima` CLI (docs/cli-lifecycle.md):
// calendar, due, checksum, register, object, version, request, return,
// destroy, notices, report. qoima_main.cpp dispatches here when
// IsLifecycleCommand(args[0]); everything else stays in the main.
//
// Commands that need the store open the keyring (TPM through --tcti), the
// SQLCipher database and the audit log in --state; commands on files only
// (`calendar check`, `checksum compute`, `checksum verify --list`) do not.
//
// Until the appliance's login session exists, the acting user is named with
// --user LOGIN (or $QOIMA_USER) and must exist in the store with the role it
// acts in (--role when it holds several).
//
// Thread-safety: single-threaded command.
#pragma once

#include <string>
#include <vector>

namespace qoima::appliance {

struct LifecycleCliOptions {
  std::string tcti;
  std::string state_dir;
  bool json = false;
};

bool IsLifecycleCommand(const std::string& name);

/// Runs args[0..]; returns the exit code (0 ok, 1 failed or differences found, 2 usage).
int RunLifecycleCommand(const LifecycleCliOptions& options, const std::vector<std::string>& args);

/// The usage lines of the lifecycle commands (appended to `qoima --help`).
const char* LifecycleUsage();

}  // namespace qoima::appliance
