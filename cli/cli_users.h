// CLI commands of accounts, dispatched from qoima_main.cpp (docs/cli.md):
//   user add|passwd|role|enable|disable|unlock|list|history ...
//   user requests [--all] | approve ID | reject ID --note TEXT | cancel ID
//   user break-glass ID (--share-file FILE ... | --shares-fd N)
// A change to a security officer's or admin's account is recorded as a
// request and says so (exit 0, "pending"); a second security officer carries
// it out with `user approve`. Exit codes as in cli_status.h.
#pragma once

#include <string>

#include "cli/cli_args.h"

namespace qoima::appliance::cli {

struct UserCliContext {
  std::string tcti;
  std::string state_dir;
  bool json = false;
};

/// Runs a `user ...` command as parsed against the command table; returns its exit code.
int RunUserCommand(const CliArgs& args, const UserCliContext& ctx);

}  // namespace qoima::appliance::cli
