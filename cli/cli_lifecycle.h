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

#include "cli/cli_args.h"

namespace qoima::appliance {

struct LifecycleCliOptions {
  std::string tcti;
  std::string state_dir;
  bool json = false;
};

bool IsLifecycleCommand(const std::string& name);

/// Runs a lifecycle command as parsed against the command table; returns
/// its exit code (docs/cli.md, "Exit codes").
int RunLifecycleCommand(const LifecycleCliOptions& options, const CliArgs& args);

}  // namespace qoima::appliance
