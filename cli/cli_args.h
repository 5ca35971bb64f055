// The one argument parser of `qoima` (getopt_long over the command table of
// cli_commands.h) and what it gives the commands: CliArgs, the command's
// words and arguments and the options given, each checked against the
// command's row (unknown options, values of the wrong form, missing or extra
// arguments are refused before anything runs, naming them). Also the secrets
// (passwords, recovery shares), read from a descriptor or the environment,
// never argv.
//
// Thread-safety: plain values.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cli/cli_commands.h"
#include "common/result.h"

namespace qoima::appliance {

class CliArgs {
 public:
  /// The command's words, then its arguments ("user", "add", "clerk1").
  const std::vector<std::string>& positional() const { return positional_; }
  std::optional<std::string> Get(const std::string& name) const;
  std::string GetOr(const std::string& name, const std::string& fallback) const;
  std::vector<std::string> GetAll(const std::string& name) const;
  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  /// Every option given, to reject unknown ones.
  std::vector<std::string> Names() const;

  void AddPositional(std::string word) { positional_.push_back(std::move(word)); }
  void Add(std::string name, std::string value) { values_.emplace(std::move(name), std::move(value)); }
  void Set(std::string name, std::string value) {
    values_.erase(name);
    Add(std::move(name), std::move(value));
  }

 private:
  std::vector<std::string> positional_;
  std::multimap<std::string, std::string> values_;
};

/// A parsed command line.
struct Invocation {
  std::string tcti;                           // --tcti, else $QOIMA_TCTI, else device:/dev/tpmrm0
  std::string state;                          // --state, else $QOIMA_STATE, else /var/lib/qoima
  bool json = false;                          // --json anywhere
  bool version = false;                       // --version before the command
  bool help = false;                          // `qoima help [TOPIC]`, `COMMAND --help`, `--help`
  std::string help_topic;                     // "" (everything), a group ("user") or a command's path
  const cli::CommandSpec* command = nullptr;  // set unless help or version
  CliArgs args;                               // positional: the command's words, then its arguments
};

/// Parses `words` (argv without the program name) against the command table.
/// A usage error (unknown command or option, an option's value of the wrong
/// form, a missing or extra argument) is InvalidArgument whose message names
/// the command, the option and the value, with a "did you mean" when a name
/// is close; `out.json` and `out.command` are set as far as they were read.
Status ParseCommandLine(const std::vector<std::string>& words, Invocation& out);

/// Reads a secret: from file descriptor `fd_option` when given (first line,
/// without the newline, at most 1024 bytes), else from environment variable
/// `env`. NotFound when neither is set.
Result<std::string> ReadSecret(const std::optional<std::string>& fd_option, const char* env, std::string_view what);

/// Most bytes read from one share file or the shares descriptor.
inline constexpr size_t kMaxShareFileSize = 64 * 1024;

/// Recovery shares (`qoima recover`, `qoima user break-glass`): from
/// `--share-file FILE` (repeatable; one or more shares per file, one per
/// line) and/or `--shares-fd N`, never from argv (they are secrets).
/// InvalidArgument when none is given.
Result<std::vector<std::string>> ReadRecoveryShares(const CliArgs& args);

}  // namespace qoima::appliance
