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

#include <string>

#include "cli/cli_args.h"

namespace qoima::print {

struct PrintCliContext {
  std::string tcti;
  std::string state_dir;
  bool json = false;
};

/// Runs a printing command ("print", "printer ...", "operator ...", "act
/// verify") as parsed against the command table; returns its exit code.
int RunPrintCommand(const appliance::CliArgs& args, const PrintCliContext& ctx);

}  // namespace qoima::print
