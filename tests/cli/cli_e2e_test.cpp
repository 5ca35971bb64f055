// The qoima command line as a person meets it, driven through the real
// binary: every command of the command table with --help, with an unknown
// option and with a value of the wrong form (message and exit code), the
// suggestions, `help`, `--version`, the one JSON error shape; then, against a
// real store on swtpm, the global options before every command, a device
// that cannot be opened, and a store held by another process.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/cli_commands.h"
#include "common/subprocess.h"
#include "common/unique_fd.h"
#include "tests/fixtures/nda_step.h"
#include "tests/fixtures/swtpm.h"
#include "tests/fixtures/temp_dir.h"

using namespace qoima;
using nlohmann::json;
using qoima::appliance::cli::Commands;
using qoima::appliance::cli::CommandSpec;
using qoima::appliance::cli::OptionSpec;
using qoima::appliance::cli::ValueKind;

namespace {

const std::string kQoima = std::string(QOIMA_BINARY_DIR) + "/cli/qoima";

std::vector<std::string> Words(const std::string& path) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : path) {
    if (c == ' ') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

// Runs qoima with `args` against `state` (a directory that must stay as it
// is when the command is refused before it runs).
SubprocessResult Qoima(std::vector<std::string> args, const std::string& state, std::vector<std::string> env = {},
                       std::optional<std::string> stdin_data = std::nullopt) {
  args.insert(args.begin(), kQoima);
  SubprocessOptions o;
  o.extra_env = {"QOIMA_STATE=" + state, "QOIMA_TCTI=swtpm:path=" + state + "/no-tpm.sock", "QOIMA_USER=nobody",
                 "QOIMA_PASSWORD=nobody-password-1"};
  for (auto& e : env) o.extra_env.push_back(e);
  o.stdin_data = std::move(stdin_data);
  auto r = RunSubprocess(args, o);
  if (!r.ok()) throw std::runtime_error(r.status().ToString());
  return *r;
}

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A value of the wrong form for `o`, or "" when every value is of its form.
std::string BadValue(const OptionSpec& o) {
  switch (o.kind) {
    case ValueKind::kNumber:
    case ValueKind::kFd: return "abc";
    case ValueKind::kDate: return "2026-13-45";
    case ValueKind::kChoice: return "bogus";
    default: return "";
  }
}

// Arguments that fill a command's required ones.
std::vector<std::string> Filler(const CommandSpec& c) {
  std::vector<std::string> out;
  for (int i = 0; i < c.min_args; ++i) out.push_back("1");
  return out;
}

// The table's commands in parts, so that each part is a test of its own
// (every run starts the sanitized binary; the parts run side by side).
constexpr size_t kParts = 3;
std::vector<const CommandSpec*> Part(size_t part) {
  std::vector<const CommandSpec*> out;
  const auto& all = Commands();
  for (size_t i = part; i < all.size(); i += kParts)
    if (all[i].path != "help") out.push_back(&all[i]);  // help takes words, not options (tested below)
  return out;
}

// `PATH --help`: the command's own help on stdout, exit 0, nothing run.
void HelpOfEach(size_t part) {
  testing::TempDir dir;
  const std::string state = dir.Sub("state");  // never created: nothing may run
  for (const CommandSpec* c : Part(part)) {
    INFO("command: " << c->path);
    std::vector<std::string> args = Words(c->path);
    args.push_back("--help");
    auto r = Qoima(args, state);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(Contains(r.out, "usage: qoima [GLOBAL OPTIONS] " + c->path));
    CHECK(Contains(r.out, c->summary));
    for (const OptionSpec& o : c->options) CHECK(Contains(r.out, "--" + o.name));
    CHECK(r.err.empty());
  }
  CHECK(!std::filesystem::exists(state));
}

// `PATH --bogus-option 1`: exit 2 naming the option and the command.
void UnknownOptionOfEach(size_t part) {
  testing::TempDir dir;
  const std::string state = dir.Sub("state");
  for (const CommandSpec* c : Part(part)) {
    INFO("command: " << c->path);
    std::vector<std::string> args = Words(c->path);
    for (const auto& f : Filler(*c)) args.push_back(f);
    args.insert(args.end(), {"--bogus-option", "1"});
    auto r = Qoima(args, state);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 2);
    CHECK(Contains(r.err, "qoima: " + c->path + ": unknown option --bogus-option"));
    CHECK(Contains(r.err, "usage: qoima [GLOBAL OPTIONS] " + c->path));
    CHECK(r.out.empty());
  }
  CHECK(!std::filesystem::exists(state));
}

// A value of the wrong form for the command's first typed option (a
// descriptor that is no number for a command without one): exit 2 naming
// the option and the value.
void BadValueOfEach(size_t part) {
  testing::TempDir dir;
  const std::string state = dir.Sub("state");
  for (const CommandSpec* c : Part(part)) {
    std::string name = "password-fd", value = "abc";
    for (const OptionSpec& o : c->options)
      if (!BadValue(o).empty()) {
        name = o.name;
        value = BadValue(o);
        break;
      }
    INFO("command: " << c->path << " --" << name << " " << value);
    std::vector<std::string> args = Words(c->path);
    for (const auto& f : Filler(*c)) args.push_back(f);
    args.insert(args.end(), {"--" + name, value});
    auto r = Qoima(args, state);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 2);
    CHECK(Contains(r.err, "qoima: " + c->path + ": --" + name + " must be "));
    CHECK(Contains(r.err, "not '" + value + "'"));
  }
  CHECK(!std::filesystem::exists(state));
}

}  // namespace

TEST_CASE("every command prints its own help with --help, part 1") { HelpOfEach(0); }
TEST_CASE("every command prints its own help with --help, part 2") { HelpOfEach(1); }
TEST_CASE("every command prints its own help with --help, part 3") { HelpOfEach(2); }
TEST_CASE("every command refuses an unknown option, part 1") { UnknownOptionOfEach(0); }
TEST_CASE("every command refuses an unknown option, part 2") { UnknownOptionOfEach(1); }
TEST_CASE("every command refuses an unknown option, part 3") { UnknownOptionOfEach(2); }
TEST_CASE("every command refuses a value of the wrong form, part 1") { BadValueOfEach(0); }
TEST_CASE("every command refuses a value of the wrong form, part 2") { BadValueOfEach(1); }
TEST_CASE("every command refuses a value of the wrong form, part 3") { BadValueOfEach(2); }

TEST_CASE("qoima help COMMAND is COMMAND's help, and errors in JSON have one shape on stdout") {
  testing::TempDir dir;
  const std::string state = dir.Sub("state");
  for (const char* path : {"audit list", "user add", "destroy", "print", "intake", "calendar show", "help"}) {
    INFO(path);
    std::vector<std::string> help = {"help"}, own = Words(path);
    for (const auto& w : own) help.push_back(w);
    own.push_back("--help");
    auto h = Qoima(help, state);
    CHECK(h.exit_code == 0);
    CHECK(h.out == Qoima(own, state).out);
    CHECK(Contains(h.out, std::string("usage: qoima [GLOBAL OPTIONS] ") + path));
  }
  for (const char* path : {"audit list", "export run", "due", "verify-bundle"}) {
    INFO(path);
    std::vector<std::string> args = {"--json"};
    for (const auto& w : Words(path)) args.push_back(w);
    if (std::string(path) == "export run" || std::string(path) == "verify-bundle") args.push_back("1");
    args.insert(args.end(), {"--bogus-option", "1"});
    auto j = Qoima(args, state);
    CHECK(j.exit_code == 2);
    CHECK(
        json::parse(j.out) ==
        json({{"ok", false}, {"error", "usage"}, {"message", std::string(path) + ": unknown option --bogus-option"}}));
    CHECK(j.err.empty());
  }
  CHECK(!std::filesystem::exists(state));
}

TEST_CASE("a missing or extra argument is a usage error naming what the command takes") {
  testing::TempDir dir;
  const std::string state = dir.Sub("state");
  auto missing = Qoima({"user", "add"}, state);
  CHECK(missing.exit_code == 2);
  CHECK(Contains(missing.err, "user add: missing argument: user add LOGIN"));
  auto extra = Qoima({"user", "list", "everyone"}, state);
  CHECK(extra.exit_code == 2);
  CHECK(Contains(extra.err, "user list: too many arguments: 'everyone' (it takes no arguments)"));
  auto value = Qoima({"audit", "list", "--count"}, state);
  CHECK(value.exit_code == 2);
  CHECK(Contains(value.err, "audit list: --count needs a value (N)"));
  auto twice = Qoima({"audit", "list", "--count", "1", "--count", "2"}, state);
  CHECK(twice.exit_code == 2);
  CHECK(Contains(twice.err, "audit list: --count given twice"));
  auto flag = Qoima({"user", "requests", "--all=yes"}, state);
  CHECK(flag.exit_code == 2);
  CHECK(Contains(flag.err, "user requests: --all takes no value"));
  CHECK(!std::filesystem::exists(state));
}

TEST_CASE("the cases people hit: a mistyped command, option or subcommand gets a suggestion") {
  testing::TempDir dir;
  const std::string state = dir.Sub("state");
  auto r = Qoima({"instake"}, state);
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "qoima: unknown command 'instake' (did you mean intake?)"));
  CHECK(!Contains(r.err, "commands:"));  // no dump of the whole usage
  r = Qoima({"audit", "list", "--cuont", "3"}, state);
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "audit list: unknown option --cuont (did you mean --count?)"));
  r = Qoima({"user", "list", "--bogus", "1"}, state);
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "user list: unknown option --bogus"));
  r = Qoima({"audit", "list", "--count", "abc"}, state);
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "audit list: --count must be a whole number, not 'abc'"));
  r = Qoima({"user", "lsit"}, state);
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "unknown subcommand 'user lsit' (did you mean user list?)"));
  r = Qoima({"user"}, state);
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "user needs a subcommand: add, passwd, role"));
  r = Qoima({"user", "add", "bob", "--role", "clerc"}, state);
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err,
                 "--role must be one of clerk, security_officer, auditor, admin, not 'clerc' (did you mean clerk?)"));
  // getopt_long's abbreviations are not taken: a prefix could be a decision.
  r = Qoima({"intake", "--acc"}, state);
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "intake: unknown option --acc (did you mean --accept?)"));
  r = Qoima({"destroy", "notic", "5"}, state);
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "did you mean destroy notice?"));
  r = Qoima({"help", "instake"}, state);
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "did you mean intake?"));
  CHECK(!std::filesystem::exists(state));
}

TEST_CASE("help, a group's help, --version and --json version") {
  testing::TempDir dir;
  const std::string state = dir.Sub("state");
  auto all = Qoima({"--help"}, state);
  CHECK(all.exit_code == 0);
  for (const CommandSpec& c : Commands()) CHECK(Contains(all.out, "  " + c.path));
  CHECK(Qoima({"help"}, state).out == all.out);
  auto group = Qoima({"help", "user"}, state);
  CHECK(group.exit_code == 0);
  CHECK(Contains(group.out, "user break-glass ID"));
  CHECK(Qoima({"user", "--help"}, state).out == group.out);
  // Lifecycle commands have their own help too.
  auto destroy = Qoima({"destroy", "--help"}, state);
  CHECK(destroy.exit_code == 0);
  CHECK(Contains(destroy.out, "usage: qoima [GLOBAL OPTIONS] destroy CASE [OPTIONS]"));
  CHECK(Contains(destroy.out, "--approval ID"));
  CHECK(Contains(destroy.out, "destroy notice OBJ"));

  auto v = Qoima({"--version"}, state);
  CHECK(v.exit_code == 0);
  CHECK(v.out == std::string("qoima ") + QOIMA_TEST_VERSION + "\n");
  CHECK(Qoima({"version"}, state).out == v.out);
  for (auto args : {std::vector<std::string>{"--json", "version"}, {"version", "--json"}, {"--json", "--version"}}) {
    auto j = Qoima(args, state);
    CHECK(j.exit_code == 0);
    CHECK(json::parse(j.out) == json({{"ok", true}, {"version", QOIMA_TEST_VERSION}}));
  }
  auto jh = Qoima({"--json", "help", "audit", "list"}, state);
  CHECK(jh.exit_code == 0);
  CHECK(json::parse(jh.out)["topic"] == "audit list");
  CHECK(!std::filesystem::exists(state));
}

TEST_CASE("the generated completion and man page come from the same table") {
  const std::string bash = testing::ReadFile(std::string(QOIMA_BINARY_DIR) + "/cli/qoima.bash");
  const std::string man = testing::ReadFile(std::string(QOIMA_BINARY_DIR) + "/cli/qoima.1");
  for (const CommandSpec& c : Commands()) {
    INFO(c.path);
    CHECK(Contains(bash, "'" + c.path + "'"));
    std::string roff_path;
    for (char ch : c.path) roff_path += ch == '-' ? std::string("\\-") : std::string(1, ch);
    CHECK(Contains(man, ".SS " + roff_path));
  }
  // bash reads it and completes a command's options.
  SubprocessOptions o;
  auto r = RunSubprocess({"bash", "-c",
                          "source " + std::string(QOIMA_BINARY_DIR) +
                              "/cli/qoima.bash; COMP_WORDS=(qoima audit list --c); COMP_CWORD=3; _qoima; "
                              "echo \"${COMPREPLY[*]}\"; COMP_WORDS=(qoima user add x --role ''); COMP_CWORD=5; "
                              "_qoima; echo \"${COMPREPLY[*]}\""},
                         o);
  REQUIRE(r.ok());
  CHECK(r->out == "--count\nclerk security_officer auditor admin\n");
  // man renders it without warnings.
  auto m = RunSubprocess({"groff", "-man", "-Tutf8", "-ww", "-z", std::string(QOIMA_BINARY_DIR) + "/cli/qoima.1"}, o);
  REQUIRE(m.ok());
  CHECK(m->exit_code == 0);
  CHECK(m->err.empty());
}

TEST_CASE("the pages built from documents carry every section of their documents") {
  struct Page {
    const char* name;
    const char* th;
    const char* section;
    const char* doc;
  };
  for (const Page& p : {Page{"qoima-act", "QOIMA\\-ACT", "5", "act-manifest"},
                        Page{"qoima-bundle", "QOIMA\\-BUNDLE", "5", "bundle-format"},
                        Page{"qoima-kiosk", "QOIMA\\-KIOSK", "8", "qoima-kiosk"}}) {
    const std::string page = p.name, doc = p.doc;
    INFO(page);
    const std::string path = std::string(QOIMA_BINARY_DIR) + "/cli/" + page + "." + p.section;
    const std::string roff = testing::ReadFile(path);
    CHECK(Contains(roff, std::string(".TH ") + p.th + " " + p.section + " "));
    // One NAME and at most one DESCRIPTION section.
    CHECK(Contains(roff, ".SH NAME\n"));
    CHECK(roff.find(".SH DESCRIPTION\n") == roff.rfind(".SH DESCRIPTION\n"));
    // A two-column table (an option and its meaning) reads as tagged
    // paragraphs, without its Markdown header.
    if (page == "qoima-kiosk") {
      CHECK(Contains(roff, ".SH OPTIONS\n.TP\n\\fB\\-\\-lang kk, ru or en\\fR\n"));
      CHECK(Contains(roff, ".TP\n\\fBF10\\fR\nlog out\n"));
      CHECK_FALSE(Contains(roff, "|---|"));
    }
    std::istringstream md(testing::ReadFile(std::string(QOIMA_SOURCE_DIR) + "/docs/" + doc + ".md"));
    size_t sections = 0;
    bool code = false;  // a "## " line inside a code block is no heading
    for (std::string line; std::getline(md, line);) {
      if (line.rfind("```", 0) == 0) code = !code;
      if (!code && line.rfind("## ", 0) == 0) {
        ++sections;
        std::string heading;
        for (char ch : line.substr(3)) heading += ch == '-' ? std::string("\\-") : std::string(1, ch);
        CHECK(Contains(roff, ".SH " + heading + "\n"));
      }
    }
    CHECK(sections > 3);
    // groff reads it (UTF-8 through preconv, as man does) without a warning.
    auto r = RunSubprocess({"groff", "-k", "-man", "-Tutf8", "-ww", "-z", path});
    REQUIRE(r.ok());
    CHECK(r->exit_code == 0);
    CHECK(r->err.empty());
  }
}

namespace {

const std::string kAdminPw = "admin-password-1";

// A provisioned appliance on swtpm with an admin, a clerk and an auditor, and
// one application (IS-0042).
class Store {
 public:
  Store() {
    Must({"init", "--admin", "admin", "--surname", "Әлиев", "--name", "Ерлан", "--pcr", "7"}, "admin", kAdminPw);
    for (auto [login, role] : {std::pair{"clerk1", "clerk"}, {"auditor1", "auditor"}})
      Must({"user", "add", login, "--role", role, "--surname", "Сейітова", "--name", "Әйгерім"}, "admin", kAdminPw,
           {"QOIMA_NEW_PASSWORD=" + std::string(login) + "-password-1"});
    json form = {{"portal_code", "IS-0042"},
                 {"track", "application"},
                 {"applicant", "«Ақпарат» АҚ"},
                 {"software_name", "Е-Қойма"},
                 {"items", {{{"name", "CD-1"}, {"serial_number", "SN1"}, {"original", true}}}},
                 {"owner", {{"full_name", "Цифрлық даму министрлігі"}}}};
    testing::WriteFile(dir.Sub("form.json"), form.dump());
    Must({"application", "add", "--form", dir.Sub("form.json"), "--number", "15/2026", "--received", "2026-01-05",
          "--state-body", "Министрлік", "--head", "Ахметов А."},
         "clerk1", "clerk1-password-1");
    Must(testing::NdaCommand("IS-0042"), "clerk1", "clerk1-password-1");
  }

  // Runs qoima with nothing about the user in the environment: the command
  // line says who acts.
  SubprocessResult Bare(std::vector<std::string> args, std::optional<std::string> stdin_data = std::nullopt,
                        std::vector<std::string> env = {}) {
    args.insert(args.begin(), kQoima);
    SubprocessOptions o;
    o.extra_env = {"QOIMA_TCTI=" + tpm.tcti(), "QOIMA_STATE=" + dir.Sub("state"), "QOIMA_TEST_MEDIA=1"};
    for (auto& e : env) o.extra_env.push_back(e);
    o.stdin_data = std::move(stdin_data);
    auto r = RunSubprocess(args, o);
    if (!r.ok()) throw std::runtime_error(r.status().ToString());
    return *r;
  }
  SubprocessResult Run(std::vector<std::string> args, const std::string& user, const std::string& password,
                       std::vector<std::string> env = {}) {
    env.push_back("QOIMA_USER=" + user);
    env.push_back("QOIMA_PASSWORD=" + password);
    return Bare(std::move(args), std::nullopt, env);
  }
  SubprocessResult Must(std::vector<std::string> args, const std::string& user, const std::string& password,
                        std::vector<std::string> env = {}) {
    auto r = Run(args, user, password, env);
    if (r.exit_code != 0) throw std::runtime_error("qoima " + args[0] + ": " + r.Describe() + r.out);
    return r;
  }
  // The audit log as the auditor reads it.
  json Audit() {
    auto r = Run({"--json", "audit", "list", "--count", "100000"}, "auditor1", "auditor1-password-1");
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out)["entries"];
  }
  // Files under the store (object packs, scratch files), for "nothing written".
  std::vector<std::string> ObjectFiles() {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir.Sub("state/store/objects")))
      out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
  }

  testing::TempDir dir;
  testing::Swtpm tpm;
};

size_t CountActions(const json& entries, const std::string& action, const std::string& outcome) {
  size_t n = 0;
  for (const auto& e : entries) n += e["action"] == action && e["outcome"] == outcome;
  return n;
}

}  // namespace

TEST_CASE("the global options are taken before every command: login, password descriptor, JSON") {
  Store s;
  const std::string pw = "auditor1-password-1\n";
  struct Case {
    std::vector<std::string> args;
    std::string key;  // a member of the JSON answer
  };
  const std::vector<Case> cases = {
      {{"export", "list"}, "approvals"},
      {{"due"}, "items"},
      {{"user", "list"}, "users"},
      {{"audit", "list", "--count", "5"}, "entries"},
      {{"notices"}, ""},
      {{"print", "journal", "all", "--pdf", s.dir.Sub("journal.pdf")}, ""},
  };
  for (const auto& c : cases) {
    INFO(c.args[0]);
    std::vector<std::string> args = {"--json", "--user", "auditor1", "--password-fd", "0"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = s.Bare(args, pw);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    json j = json::parse(r.out);
    if (!c.key.empty()) CHECK(j.contains(c.key));
  }
  CHECK(std::filesystem::exists(s.dir.Sub("journal.pdf")));
  // Options given after the command work as well; a wrong password through
  // the descriptor is refused the same way everywhere (one shape).
  auto wrong = s.Bare({"--json", "due", "--user", "auditor1", "--password-fd", "0"}, "not-the-password\n");
  CHECK(wrong.exit_code == 4);
  CHECK(json::parse(wrong.out) ==
        json({{"ok", false}, {"error", "auth_failed"}, {"message", "wrong username or password"}}));
}

TEST_CASE("JSON answers for commands that printed only text") {
  Store s;
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    auto r = s.Run(args, "auditor1", "auditor1-password-1");
    INFO(args[1] << ": " << r.out << r.err);
    CHECK(r.exit_code == 0);
    return json::parse(r.out);
  };
  CHECK(run({"calendar", "show"})["years"].is_array());
  CHECK(run({"calendar", "show", "--history"})["history"].is_array());
  CHECK(run({"version"})["version"] == QOIMA_TEST_VERSION);
  CHECK(run({"act", "formats"})["formats"].size() >= 8);
}

TEST_CASE("a device that cannot be opened is exit 1 naming it, and records no intake") {
  Store s;
  const std::string missing = s.dir.Sub("no-such-device");
  auto scan = s.Run({"scan", missing}, "clerk1", "clerk1-password-1");
  CHECK(scan.exit_code == 1);
  CHECK(Contains(scan.err, "cannot open the medium " + missing));
  auto scan_json = s.Run({"--json", "scan", "/dev/nonexistent"}, "clerk1", "clerk1-password-1");
  CHECK(scan_json.exit_code == 1);
  json e = json::parse(scan_json.out);
  CHECK(e["ok"] == false);
  CHECK(e["error"] == "io_error");
  CHECK(Contains(e["message"], "/dev/nonexistent"));

  // An act for the intake, so that only the device is wrong.
  const std::string tree = s.dir.Sub("tree");
  testing::WriteFile(tree + "/src/main.c", "int main(void) { return 0; }\n");
  s.Must({"act", "create", tree, "--application", "IS-0042", "--software", "Е-Қойма", "--out", s.dir.Sub("act.json")},
         "clerk1", "clerk1-password-1");
  const json before = s.Audit();
  const auto objects_before = s.ObjectFiles();
  for (const char* action : {"--hold", "--accept"}) {
    INFO(action);
    auto r =
        s.Run({"intake", "--application", "IS-0042", "--manifest", s.dir.Sub("act.json"), "--medium", missing, action},
              "clerk1", "clerk1-password-1");
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(Contains(r.err, "cannot open the medium " + missing));
    CHECK(!Contains(r.out, "held until"));
  }
  // --manifest-on a mistyped device: the same.
  auto on = s.Run({"intake", "--application", "IS-0042", "--manifest-on", missing + ":act.csv", "--medium", missing},
                  "clerk1", "clerk1-password-1");
  CHECK(on.exit_code == 1);
  CHECK(Contains(on.err, missing));
  // Nothing recorded: no intake, no object, and the audit log says each
  // attempt once, as a failure naming the device.
  auto show = s.Run({"--json", "intake", "show", "1"}, "auditor1", "auditor1-password-1");
  CHECK(show.exit_code == 7);
  CHECK(s.ObjectFiles() == objects_before);
  const json after = s.Audit();
  std::vector<json> added(after.begin() + static_cast<std::ptrdiff_t>(before.size()), after.end());
  size_t failures = 0, intakes = 0;
  for (const auto& a : added) {
    if (a["action"].get<std::string>().rfind("intake", 0) == 0) {
      ++intakes;
      CHECK(a["outcome"] == "failure");
      CHECK(Contains(a["reason"], missing));
      failures += a["outcome"] == "failure";
    }
  }
  CHECK(intakes == 3);
  CHECK(failures == 3);
}

TEST_CASE("a store held by another process is refused with one audit entry per attempt") {
  Store s;
  const size_t before = CountActions(s.Audit(), "store.open", "failure");
  {
    // Another process holds the store (as the kiosk does while it acts).
    UniqueFd lock(::open(s.dir.Sub("state/store/lock").c_str(), O_RDWR | O_CLOEXEC));
    REQUIRE(lock);
    REQUIRE(::flock(lock.get(), LOCK_EX | LOCK_NB) == 0);
    auto r = s.Run({"--json", "audit", "list"}, "auditor1", "auditor1-password-1");
    CHECK(r.exit_code == 6);
    json e = json::parse(r.out);
    CHECK(e["error"] == "failed_precondition");
    CHECK(Contains(e["message"], "is in use by another process"));
  }
  const json after = s.Audit();
  CHECK(CountActions(after, "store.open", "failure") == before + 1);
}
