// The exit codes and error output every `qoima` command shares (docs/cli.md,
// "Exit codes"), so the main CLI, export, print and lifecycle commands answer
// the same Status the same way.
//
// Thread-safety: pure functions; output goes to stdout/stderr.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace qoima::appliance::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitCheckFailed = 3;  // a verification found differences or problems
inline constexpr int kExitDenied = 4;       // authentication or permission refused
inline constexpr int kExitBadInput = 5;     // a manifest, form or value is invalid
inline constexpr int kExitNotAllowed = 6;   // not allowed in this state
inline constexpr int kExitNotFound = 7;     // unknown application, user, intake, case
inline constexpr int kExitUntrusted = 8;    // a signature is valid, but by a key nobody said to trust
inline constexpr int kExitTampered = 9;     // the store was refused as tampered with (rolled back); nothing changed

/// The exit code of a failed Status (kExitOk for OK).
int ExitFor(const Status& s);

/// Prints `s`: with `json`, {"ok":false,"error":<code name>,"message":...} on
/// stdout; otherwise "qoima: <message>" on stderr. Returns `exit_code`, or
/// ExitFor(s) when it is negative.
int ReportError(bool json, const Status& s, int exit_code = -1);

/// A usage error (exit 2) in the same shape: with `json`,
/// {"ok":false,"error":"usage","message":...} on stdout; otherwise
/// "qoima: <message>" on stderr, then the command's usage line and where its
/// help is when `command_path` names one.
int ReportUsage(bool json, std::string_view message, std::string_view command_path = "");

/// Whether this run answers in JSON (--json), for code that reports an error
/// without the command's context at hand. Set once by main.
void SetJsonOutput(bool json);
bool JsonOutput();

}  // namespace qoima::appliance::cli
