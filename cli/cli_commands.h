// The command table of `qoima`: one row per command (its words, arguments,
// options with the kind of value each takes, who may run it, what it does).
// The parser (cli_args.h), `qoima help`, `COMMAND --help`, the "did you
// mean" suggestions, the bash completion and the qoima(1) man page are all
// derived from these rows; adding a command is adding a row and its handler.
//
// Thread-safety: the table is built once, on first use, and read only.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace qoima::appliance::cli {

/// The kind of value an option takes; the parser refuses a value of another
/// form before any command runs, naming the option and the value.
enum class ValueKind {
  kFlag,    // takes no value
  kText,    // any text
  kNumber,  // a whole number, 0 or more
  kFd,      // a file descriptor number
  kDate,    // YYYY-MM-DD
  kChoice,  // one of OptionSpec::choices
  kFile,    // a path (completed as a file name)
};

struct OptionSpec {
  OptionSpec(std::string name_in, ValueKind kind_in, std::string value_name_in, std::string help_in,
             std::string choices_in = "", bool repeatable_in = false)
      : name(std::move(name_in)),
        kind(kind_in),
        value_name(std::move(value_name_in)),
        help(std::move(help_in)),
        choices(std::move(choices_in)),
        repeatable(repeatable_in) {}

  std::string name;  // without the leading "--"
  ValueKind kind = ValueKind::kText;
  std::string value_name;  // shown in help: "N", "FILE", ...
  std::string help;
  std::string choices;  // kChoice: "a|b|c"
  bool repeatable = false;
};

struct CommandSpec {
  CommandSpec(std::string path_in, std::string args_in, int min, int max, std::string roles_in, std::string summary_in,
              std::vector<OptionSpec> options_in, std::string details_in = "")
      : path(std::move(path_in)),
        args(std::move(args_in)),
        min_args(min),
        max_args(max),
        roles(std::move(roles_in)),
        summary(std::move(summary_in)),
        options(std::move(options_in)),
        details(std::move(details_in)) {}

  std::string path;     // the command's words: "audit list"
  std::string args;     // its arguments as shown in help: "LOGIN", "[YEAR]"
  int min_args = 0;     // how many arguments it takes after its words
  int max_args = 0;     // -1: any number
  std::string roles;    // who may run it ("-" when no login is needed)
  std::string summary;  // one line
  std::vector<OptionSpec> options;
  std::string details;  // more lines of help, may be empty
};

/// Every command, in the order help lists them.
const std::vector<CommandSpec>& Commands();

/// The options every command takes (before or after its words):
/// --tcti, --state, --json, --user, --password-fd, --help.
const std::vector<OptionSpec>& GlobalOptions();

/// The row whose path is `path`, or nullptr.
const CommandSpec* FindCommand(std::string_view path);

/// The commands whose path starts with the words `group` ("user" gives
/// "user add", "user passwd", ...). Empty when `group` is not a group.
std::vector<const CommandSpec*> CommandsIn(std::string_view group);

/// The exit codes of every command, as docs/cli.md lists them.
struct ExitCodeSpec {
  int code;
  std::string meaning;
};
const std::vector<ExitCodeSpec>& ExitCodes();

/// The candidates closest to `word` (edit distance at most a third of its
/// length, at least 1, at most 3), best first: the "did you mean" of a
/// mistyped command or option.
std::vector<std::string> Suggest(std::string_view word, const std::vector<std::string>& candidates);

/// " (did you mean X?)", " (did you mean X or Y?)" or "" when nothing is close.
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates, std::string_view prefix = "");

/// `qoima --help`: every command with its summary.
std::string OverviewHelp();
/// `qoima help GROUP`: the commands of one group ("user", "audit").
std::string GroupHelp(std::string_view group);
/// `qoima help COMMAND` / `qoima COMMAND --help`.
std::string CommandHelp(const CommandSpec& command);
/// The usage line of one command: "qoima [GLOBAL OPTIONS] audit list [--from N] [--count N]".
std::string UsageLine(const CommandSpec& command);

/// The bash completion script (installed as completions/qoima).
std::string BashCompletion();
/// The qoima(1) man page in roff.
std::string ManPage(std::string_view version);

/// A manual page of `section` from a document in docs/ (Markdown): section 5
/// from the format documents, qoima-kiosk(8) from docs/qoima-kiosk.md. The
/// title names the page, the text under it is the DESCRIPTION, headings
/// become sections, code blocks and tables are kept as preformatted text,
/// everything else is filled text.
std::string FormatManPage(std::string_view name, int section, std::string_view version, std::string_view markdown);

}  // namespace qoima::appliance::cli
