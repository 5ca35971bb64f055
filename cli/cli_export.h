// CLI commands of the export area, dispatched from qoima_main.cpp:
//   verify-bundle BUNDLE [--cert DEVICE.pem] [--ledger FILE [--record]]
//   export request|approve|reject|cancel|list|show|run ... (two-person approved export)
// Exit codes as in docs/cli.md: 0 ok, 1 problems found / operation failed, 2 usage,
// 4 denied, 5 bad input, 6 not allowed now (e.g. approval not approved, used or
// expired), 7 not found.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace qoima::exporting {

struct CliContext {
  std::string tcti;
  std::string state_dir;
  bool json = false;
};

/// Runs args[0] when it is an export command and returns its exit code;
/// nullopt when args[0] is not one of ours.
std::optional<int> DispatchExportCommand(const std::vector<std::string>& args, const CliContext& ctx);

/// Usage lines for qoima's help text.
const char* ExportCommandsUsage();

}  // namespace qoima::exporting
