#include "cli/cli_args.h"

#include <getopt.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>

namespace qoima::appliance {

namespace {

using cli::CommandSpec;
using cli::OptionSpec;
using cli::ValueKind;

constexpr int kOptionBase = 1000;  // getopt_long's val of option i is kOptionBase + i
constexpr int kWord = 1;           // getopt_long's code of a word that is no option ("-" mode)

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// Refuses a value that is not of the option's kind, naming both.
Status CheckValue(const OptionSpec& o, const std::string& value, const std::string& where) {
  const std::string name = where + "--" + o.name;
  auto digits = [&value](size_t max) {
    return !value.empty() && value.size() <= max && value.find_first_not_of("0123456789") == std::string::npos;
  };
  switch (o.kind) {
    case ValueKind::kNumber:
      if (!digits(18)) return Status::InvalidArgument(name + " must be a whole number, not " + Quoted(value));
      break;
    case ValueKind::kFd:
      if (!digits(4)) return Status::InvalidArgument(name + " must be a file descriptor number, not " + Quoted(value));
      break;
    case ValueKind::kDate: {
      bool ok = value.size() == 10 && value[4] == '-' && value[7] == '-';
      for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) ok = ok && value[i] >= '0' && value[i] <= '9';
      if (ok) {
        int month = std::stoi(value.substr(5, 2)), day = std::stoi(value.substr(8, 2));
        ok = month >= 1 && month <= 12 && day >= 1 && day <= 31;
      }
      if (!ok) return Status::InvalidArgument(name + " must be a date YYYY-MM-DD, not " + Quoted(value));
      break;
    }
    case ValueKind::kChoice: {
      std::vector<std::string> choices;
      std::istringstream in(o.choices);
      for (std::string c; std::getline(in, c, '|');) choices.push_back(c);
      if (std::find(choices.begin(), choices.end(), value) == choices.end()) {
        std::string list;
        for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
        return Status::InvalidArgument(name + " must be one of " + list + ", not " + Quoted(value) +
                                       cli::DidYouMean(value, choices));
      }
      break;
    }
    default: break;
  }
  return Status::Ok();
}

// Runs getopt_long over `args` (no program name) with `options`. `stop_at_word`:
// stop at the first word that is no option ("+" mode) and set *stopped_at;
// otherwise words are handed to on_word in order ("-" mode). Options are only
// taken by their whole name: getopt_long's abbreviations are refused.
Status RunGetopt(const std::vector<std::string>& args, const std::vector<OptionSpec>& options, bool stop_at_word,
                 const std::string& where, const std::function<Status(const OptionSpec&, std::string)>& on_option,
                 const std::function<void(std::string)>& on_word, size_t* stopped_at) {
  std::vector<std::string> storage;
  storage.reserve(args.size() + 1);
  storage.push_back("qoima");
  for (const auto& a : args) storage.push_back(a);
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  std::vector<struct option> longs;
  for (size_t i = 0; i < options.size(); ++i)
    longs.push_back({options[i].name.c_str(), options[i].kind == ValueKind::kFlag ? no_argument : required_argument,
                     nullptr, kOptionBase + static_cast<int>(i)});
  longs.push_back({nullptr, 0, nullptr, 0});
  std::vector<std::string> names;
  for (const auto& o : options) names.push_back(o.name);
  const int argc = static_cast<int>(storage.size());
  optind = 0;  // glibc: start over (getopt keeps state between calls)
  opterr = 0;  // the messages are ours
  for (;;) {
    const int before = optind == 0 ? 1 : optind;
    const int c = getopt_long(argc, argv.data(), stop_at_word ? "+:h" : "-:h", longs.data(), nullptr);
    if (c == -1) break;
    const std::string token = before < argc ? storage[static_cast<size_t>(before)] : "";
    const std::string token_name = token.rfind("--", 0) == 0 ? token.substr(2, token.find('=') - 2) : token;
    if (c == kWord) {
      on_word(optarg);
      continue;
    }
    if (c == 'h') {
      const OptionSpec* help = nullptr;
      for (const auto& o : options)
        if (o.name == "help") help = &o;
      if (!help) return Status::InvalidArgument(where + "unknown option -h");
      QOIMA_RETURN_IF_ERROR(on_option(*help, ""));
      continue;
    }
    if (c == ':') {
      const OptionSpec& o = options[static_cast<size_t>(optopt - kOptionBase)];
      return Status::InvalidArgument(where + "--" + o.name + " needs a value (" + o.value_name + ")");
    }
    if (c == '?') {
      if (optopt >= kOptionBase)
        return Status::InvalidArgument(where + "--" + options[static_cast<size_t>(optopt - kOptionBase)].name +
                                       " takes no value");
      if (token.rfind("--", 0) == 0)
        return Status::InvalidArgument(where + "unknown option --" + token_name +
                                       cli::DidYouMean(token_name, names, "--"));
      return Status::InvalidArgument(where + "unknown option " + token);
    }
    const OptionSpec& o = options[static_cast<size_t>(c - kOptionBase)];
    if (token_name != o.name)  // an abbreviation getopt_long would take
      return Status::InvalidArgument(where + "unknown option --" + token_name + " (did you mean --" + o.name + "?)");
    std::string value = o.kind == ValueKind::kFlag ? "" : std::string(optarg ? optarg : "");
    if (o.kind != ValueKind::kFlag) QOIMA_RETURN_IF_ERROR(CheckValue(o, value, where));
    QOIMA_RETURN_IF_ERROR(on_option(o, std::move(value)));
  }
  if (stop_at_word) {
    *stopped_at = static_cast<size_t>(optind - 1);
  } else {
    for (int i = optind; i < argc; ++i) on_word(storage[static_cast<size_t>(i)]);  // after "--"
  }
  return Status::Ok();
}

std::string EnvOr(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

std::vector<std::string> TopWords() {
  std::vector<std::string> out;
  for (const auto& c : cli::Commands()) {
    std::string first = c.path.substr(0, c.path.find(' '));
    if (std::find(out.begin(), out.end(), first) == out.end()) out.push_back(first);
  }
  return out;
}

std::vector<std::string> SubWords(const std::string& group) {
  std::vector<std::string> out;
  for (const CommandSpec* c : cli::CommandsIn(group)) out.push_back(c->path.substr(group.size() + 1));
  return out;
}

// The command named by the first words of `rest` (longest match); *used is how
// many words it took. A group without a command of its own ("user") and an
// unknown word are usage errors with a suggestion.
Result<const CommandSpec*> ResolveCommand(const std::vector<std::string>& rest, size_t* used) {
  std::vector<std::string> words;
  for (const auto& w : rest) {
    if (w.empty() || w[0] == '-' || words.size() == 3) break;
    words.push_back(w);
  }
  for (size_t k = words.size(); k > 0; --k) {
    std::string path;
    for (size_t i = 0; i < k; ++i) path += (i ? " " : "") + words[i];
    if (const CommandSpec* c = cli::FindCommand(path)) {
      *used = k;
      return c;
    }
  }
  if (words.empty()) return Status::InvalidArgument("give a COMMAND (`qoima help` lists them)");
  const std::string& first = words[0];
  auto subs = SubWords(first);
  if (subs.empty())
    return Status::InvalidArgument("unknown command " + Quoted(first) + cli::DidYouMean(first, TopWords()) +
                                   "; `qoima help` lists the commands");
  std::string list;
  for (const auto& s : subs) list += (list.empty() ? "" : ", ") + s;
  if (words.size() == 1) return Status::InvalidArgument(first + " needs a subcommand: " + list);
  return Status::InvalidArgument("unknown subcommand " + Quoted(first + " " + words[1]) +
                                 cli::DidYouMean(words[1], subs, first + " ") + "; " + first + " has " + list);
}

bool AsksForHelp(const std::vector<std::string>& rest) {
  for (const auto& w : rest) {
    if (w == "--") return false;
    if (w == "--help" || w == "-h") return true;
  }
  return false;
}

}  // namespace

Status ParseCommandLine(const std::vector<std::string>& words, Invocation& out) {
  out = Invocation{};
  out.tcti = EnvOr("QOIMA_TCTI", "device:/dev/tpmrm0");
  out.state = EnvOr("QOIMA_STATE", "/var/lib/qoima");
  for (const auto& w : words) {
    if (w == "--") break;
    if (w == "--json") out.json = true;  // so that even a usage error answers in JSON
  }
  // Global options and --version before the command.
  std::vector<OptionSpec> before = cli::GlobalOptions();
  before.push_back({"version", ValueKind::kFlag, "", "qoima's version"});
  auto global = [&out](const OptionSpec& o, std::string value) {
    if (o.name == "tcti") out.tcti = value;
    if (o.name == "state") out.state = value;
    if (o.name == "json") out.json = true;
    if (o.name == "help") out.help = true;
    if (o.name == "version") out.version = true;
    if (o.name == "user" || o.name == "password-fd") out.args.Set(o.name, std::move(value));
    return Status::Ok();
  };
  size_t start = 0;
  QOIMA_RETURN_IF_ERROR(RunGetopt(
      words, before, true, "", global, [](std::string) {}, &start));
  std::vector<std::string> rest(words.begin() + static_cast<std::ptrdiff_t>(std::min(start, words.size())),
                                words.end());
  if (out.version) return Status::Ok();
  if (rest.empty()) {
    if (out.help) return Status::Ok();
    return Status::InvalidArgument("give a COMMAND (`qoima help` lists them)");
  }
  if (rest[0] == "help") {
    // `qoima help [WORDS]`: the topic must be a command or a group.
    out.help = true;
    std::vector<std::string> topic;
    for (size_t i = 1; i < rest.size(); ++i)
      if (rest[i].empty() || rest[i][0] != '-') topic.push_back(rest[i]);
    if (topic.empty()) {
      if (AsksForHelp(rest)) out.help_topic = "help";  // `qoima help --help`
      return Status::Ok();
    }
    size_t used = 0;
    auto c = ResolveCommand(topic, &used);
    if (c.ok() && used == topic.size()) {
      out.help_topic = (*c)->path;
      return Status::Ok();
    }
    if (!c.ok() && topic.size() == 1 && !cli::CommandsIn(topic[0]).empty()) {
      out.help_topic = topic[0];
      return Status::Ok();
    }
    if (!c.ok()) return c.status();
    return Status::InvalidArgument("no command " + Quoted((*c)->path + " " + topic[used]) + "; `qoima help " +
                                   (*c)->path + "` shows it");
  }
  size_t used = 0;
  auto resolved = ResolveCommand(rest, &used);
  if (!resolved.ok()) {
    // `qoima user --help`: the group's help.
    if (AsksForHelp(rest) && !cli::CommandsIn(rest[0]).empty() && (rest.size() < 2 || rest[1][0] == '-')) {
      out.help = true;
      out.help_topic = rest[0];
      return Status::Ok();
    }
    return resolved.status();
  }
  const CommandSpec& cmd = **resolved;
  out.command = &cmd;
  if (out.help || AsksForHelp(rest)) {
    out.help = true;
    out.help_topic = cmd.path;
    return Status::Ok();
  }
  for (size_t i = 0; i < used; ++i) out.args.AddPositional(rest[i]);
  // The command's own options, then the global ones it does not define itself.
  std::vector<OptionSpec> options = cmd.options;
  for (const auto& g : cli::GlobalOptions())
    if (std::none_of(options.begin(), options.end(), [&g](const OptionSpec& o) { return o.name == g.name; }))
      options.push_back(g);
  const std::string where = cmd.path + ": ";
  auto option = [&](const OptionSpec& o, std::string value) -> Status {
    if (o.name == "tcti") out.tcti = value;
    if (o.name == "state") out.state = value;
    if (o.name == "json") out.json = true;
    // A global option may be given before and after the command: the last one counts.
    if (o.name == "user" || o.name == "password-fd") {
      out.args.Set(o.name, std::move(value));
      return Status::Ok();
    }
    if (o.kind != ValueKind::kFlag && !o.repeatable && out.args.Has(o.name))
      return Status::InvalidArgument(where + "--" + o.name + " given twice");
    if (o.kind == ValueKind::kFlag && out.args.Has(o.name)) return Status::Ok();
    out.args.Add(o.name, std::move(value));
    return Status::Ok();
  };
  std::vector<std::string> arguments;
  QOIMA_RETURN_IF_ERROR(RunGetopt(
      std::vector<std::string>(rest.begin() + static_cast<std::ptrdiff_t>(used), rest.end()), options, false, where,
      option, [&arguments](std::string w) { arguments.push_back(std::move(w)); }, nullptr));
  const int n = static_cast<int>(arguments.size());
  if (n < cmd.min_args || (cmd.max_args >= 0 && n > cmd.max_args)) {
    std::string given;
    for (const auto& a : arguments) given += " " + Quoted(a);
    std::string want = cmd.args.empty() ? "no arguments" : cmd.args;
    std::string msg = n < cmd.min_args ? where + "missing argument: " + cmd.path + " " + cmd.args
                                       : where + "too many arguments:" + given + " (it takes " + want + ")";
    // `destroy notic 5`: the word was meant as a subcommand.
    if (n > 0) {
      auto subs = SubWords(cmd.path);
      if (!subs.empty()) msg += cli::DidYouMean(arguments[0], subs, cmd.path + " ");
    }
    return Status::InvalidArgument(msg);
  }
  for (auto& a : arguments) out.args.AddPositional(std::move(a));
  return Status::Ok();
}

std::optional<std::string> CliArgs::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string CliArgs::GetOr(const std::string& name, const std::string& fallback) const {
  return Get(name).value_or(fallback);
}

std::vector<std::string> CliArgs::GetAll(const std::string& name) const {
  std::vector<std::string> out;
  auto [b, e] = values_.equal_range(name);
  for (auto it = b; it != e; ++it) out.push_back(it->second);
  return out;
}

std::vector<std::string> CliArgs::Names() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : values_) out.push_back(k);
  return out;
}

Result<std::string> ReadSecret(const std::optional<std::string>& fd_option, const char* env, std::string_view what) {
  if (fd_option) {
    char* end = nullptr;
    long fd = std::strtol(fd_option->c_str(), &end, 10);
    if (!end || *end || fd < 0 || fd > 1023) return Status::InvalidArgument(std::string(what) + ": bad descriptor");
    std::string s;
    char buf[256];
    while (s.size() <= 1024) {
      ssize_t n = ::read(static_cast<int>(fd), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::FromErrno(errno, std::string("read ") + std::string(what) + " from fd " + *fd_option);
      if (n == 0) break;
      s.append(buf, static_cast<size_t>(n));
      if (s.find('\n') != std::string::npos) break;
    }
    size_t nl = s.find('\n');
    if (nl != std::string::npos) s.resize(nl);
    if (!s.empty() && s.back() == '\r') s.pop_back();
    return s;
  }
  const char* v = std::getenv(env);
  if (v) return std::string(v);
  return Status::NotFound(std::string(what) + ": give it on a descriptor (--" +
                          (std::string(what) == "password" ? "password-fd" : "new-password-fd") + " N) or in $" + env);
}

namespace {

Result<std::string> ReadShareFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + what);
  std::string text;
  char buf[4096];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxShareFileSize)
      return Status::LimitExceeded(what + ": larger than " + std::to_string(kMaxShareFileSize) + " bytes");
  }
  return text;
}

}  // namespace

Result<std::vector<std::string>> ReadRecoveryShares(const CliArgs& a) {
  std::vector<std::string> shares;
  auto add_lines = [&shares](const std::string& text) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
      if (line.find_first_not_of(" \t\r") != std::string::npos) shares.push_back(line);
  };
  for (const std::string& path : a.GetAll("share-file")) {
    QOIMA_ASSIGN_OR_RETURN(std::string text, ReadShareFile(path, path));
    add_lines(text);
  }
  if (auto fd = a.Get("shares-fd")) {
    char* end = nullptr;
    long n = std::strtol(fd->c_str(), &end, 10);
    if (*end != '\0' || n < 0) return Status::InvalidArgument("--shares-fd: not a file descriptor: " + *fd);
    QOIMA_ASSIGN_OR_RETURN(std::string text, ReadShareFile("/proc/self/fd/" + std::to_string(n), "--shares-fd"));
    add_lines(text);
  }
  if (shares.empty())
    return Status::InvalidArgument("no recovery shares: give --share-file FILE (repeat) or --shares-fd N");
  return shares;
}

}  // namespace qoima::appliance
