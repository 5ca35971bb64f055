// The printing commands of the `qoima` CLI (docs/cli.md, docs/printing.md),
// dispatched from qoima_main.cpp:
//   print KIND ID [--lang kk|ru|kk+ru] [--pdf OUT.pdf [--print]] [--printer QUEUE] [--server S] [--copies N]
//   printer show | printer set QUEUE [--server S] [--copies N] | printer clear
//   operator show | operator set [--name-kk T] [--name-ru T] [--bin N] [--address T] ... (the operator's details)
//   act verify (--line TEXT | --act-id ID --root HEX --manifest HEX --checkpoint SIZE:ROOT --fingerprint HEX)
// Every rule (roles, audit) lives in appliance/ (Appliance::RenderDocument,
// PrintDocument, VerifyAct); this file parses arguments and reports.
//
// Thread-safety: single-threaded command.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace qoima::print {

struct PrintCliContext {
  std::string tcti;
  std::string state_dir;
  bool json = false;
};

/// Runs args when they are a printing command (args[0] "print", "printer" or
/// "operator", or "act verify") and returns the exit code; nullopt otherwise.
std::optional<int> DispatchPrintCommand(const std::vector<std::string>& args, const PrintCliContext& ctx);

/// Usage lines for qoima's help text.
const char* PrintCommandsUsage();

}  // namespace qoima::print
