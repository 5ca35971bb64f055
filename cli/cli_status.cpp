#include "cli/cli_status.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/cli_commands.h"

namespace qoima::appliance::cli {

int ExitFor(const Status& s) {
  switch (s.code()) {
    case Code::kOk: return kExitOk;
    case Code::kAuthFailed:
    case Code::kLockout:
    case Code::kPermissionDenied: return kExitDenied;
    case Code::kInvalidArgument:
    case Code::kLimitExceeded:
    case Code::kUnsupported: return kExitBadInput;
    case Code::kFailedPrecondition:
    case Code::kAlreadyExists: return kExitNotAllowed;
    case Code::kNotFound: return kExitNotFound;
    case Code::kTampered: return kExitTampered;
    default: return kExitFailed;
  }
}

int ReportError(bool json, const Status& s, int exit_code) {
  if (json) {
    nlohmann::json j = {{"ok", false}, {"error", std::string(CodeName(s.code()))}, {"message", s.message()}};
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::fprintf(stderr, "qoima: %s\n", s.message().c_str());
  }
  return exit_code >= 0 ? exit_code : ExitFor(s);
}

namespace {
bool json_output = false;
}  // namespace

void SetJsonOutput(bool json) { json_output = json; }
bool JsonOutput() { return json_output; }

int ReportUsage(bool json, std::string_view message, std::string_view command_path) {
  if (json) {
    nlohmann::json j = {{"ok", false}, {"error", "usage"}, {"message", std::string(message)}};
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return kExitUsage;
  }
  std::fprintf(stderr, "qoima: %.*s\n", static_cast<int>(message.size()), message.data());
  if (const CommandSpec* c = command_path.empty() ? nullptr : FindCommand(command_path))
    std::fprintf(stderr, "usage: %s\n`qoima help %s` shows its options\n", UsageLine(*c).c_str(), c->path.c_str());
  return kExitUsage;
}

}  // namespace qoima::appliance::cli
