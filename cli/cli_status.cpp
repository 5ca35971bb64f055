#include "cli/cli_status.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

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

}  // namespace qoima::appliance::cli
