// CLI commands of the export area, dispatched from qoima_main.cpp:
//   verify-bundle BUNDLE [--cert DEVICE.pem] [--ledger FILE [--record]]
//   export request|approve|reject|cancel|list|show|run ... (two-person approved export)
// Exit codes as in docs/cli.md: 0 ok, 1 problems found / operation failed, 2 usage,
// 4 denied, 5 bad input, 6 not allowed now (e.g. approval not approved, used or
// expired), 7 not found.
#pragma once

#include <string>

#include "cli/cli_args.h"

namespace qoima::exporting {

struct CliContext {
  std::string tcti;
  std::string state_dir;
  bool json = false;
};

/// Runs `verify-bundle ...` or `export ...` as parsed against the command
/// table; returns its exit code.
int RunExportCommand(const appliance::CliArgs& args, const CliContext& ctx);

}  // namespace qoima::exporting
