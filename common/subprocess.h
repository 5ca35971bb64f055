// Subprocess: runs an external program without a shell, with a wall-clock
// timeout, and collects its exit status and output.
//
// Used where qoima must drive a system tool (CUPS `lp`, `mkfs` for export media)
// and by the test fixtures (mkfs, xorriso, swtpm). argv[0] is looked up in PATH.
// Output is capped (kMaxCapture) so a chatty tool cannot exhaust memory.
//
// Thread-safety: Run() is re-entrant; it forks, so call it before starting
// threads that hold locks the child might need (the child only calls execvp).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace qoima {

struct SubprocessOptions {
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  std::optional<std::string> stdin_data;  // written to the child's stdin, then closed
  std::vector<std::string> extra_env;     // "NAME=value" added to the environment
  std::string working_dir;                // empty: inherit
  bool merge_stderr = false;              // stderr into stdout
};

struct SubprocessResult {
  int exit_code = -1;   // exit status, or -1 when killed by a signal
  int term_signal = 0;  // signal number when killed
  bool timed_out = false;
  std::string out;
  std::string err;

  bool success() const { return exit_code == 0 && !timed_out; }
  /// "exit 1: <first line of stderr>" for error messages.
  std::string Describe() const;
};

inline constexpr size_t kMaxCapture = 16 * 1024 * 1024;

/// Runs argv to completion. Fails only when the program could not be started
/// (Status names argv[0]); a non-zero exit is reported in the result.
Result<SubprocessResult> RunSubprocess(const std::vector<std::string>& argv, const SubprocessOptions& options = {});

/// Like RunSubprocess, but a non-zero exit or timeout becomes an error Status
/// whose message names the command and quotes its stderr.
Result<SubprocessResult> RunChecked(const std::vector<std::string>& argv, const SubprocessOptions& options = {});

}  // namespace qoima
