// qoima: the command-line face of the appliance. Thin: parses arguments and
// calls appliance/; every rule lives there.
//
// Exit codes (docs/cli.md): 0 ok, 1 a check or operation failed, 2 usage error.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "appliance/export/cli_export.h"
#include "appliance/lifecycle/cli_lifecycle.h"
#include "appliance/selftest.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

std::string EnvOr(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

void Usage() {
  std::fputs(
      "usage: qoima [--tcti TCTI] [--state DIR] COMMAND\n"
      "commands:\n"
      "  version     print the version\n"
      "  selftest    check the TPM, the encrypted store and every reader backend\n"
      "environment: QOIMA_TCTI (default device:/dev/tpmrm0), QOIMA_STATE (default /var/lib/qoima)\n",
      stderr);
}

std::string JsonEscape(const std::string& s) {
  std::string o;
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      o += '\\';
      o += static_cast<char>(c);
    } else if (c < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      o += b;
    } else
      o += static_cast<char>(c);
  }
  return o;
}

int SelfTest(const std::string& tcti, const std::string& state, bool json) {
  qoima::appliance::SelfTestOptions opt{tcti, state.empty() ? "/tmp" : state};
  auto checks = qoima::appliance::RunSelfTest(opt);
  bool all_ok = true;
  if (json) std::printf("{\"checks\":[");
  for (size_t i = 0; i < checks.size(); ++i) {
    const auto& c = checks[i];
    all_ok = all_ok && c.status.ok();
    if (json) {
      std::printf("%s{\"name\":\"%s\",\"ok\":%s,\"detail\":\"%s\",\"error\":\"%s\"}", i ? "," : "",
                  JsonEscape(c.name).c_str(), c.status.ok() ? "true" : "false", JsonEscape(c.detail).c_str(),
                  JsonEscape(c.status.ok() ? "" : c.status.ToString()).c_str());
    } else {
      std::printf("%-20s %s  %s\n", c.name.c_str(), c.status.ok() ? "OK  " : "FAIL",
                  c.status.ok() ? c.detail.c_str() : c.status.ToString().c_str());
    }
  }
  if (json)
    std::printf("],\"ok\":%s}\n", all_ok ? "true" : "false");
  else
    std::printf("%s\n", all_ok ? "selftest: all checks passed" : "selftest: FAILED");
  return all_ok ? kExitOk : kExitFailed;
}

}  // namespace

int main(int argc, char** argv) {
  std::string tcti = EnvOr("QOIMA_TCTI", "device:/dev/tpmrm0");
  std::string state = EnvOr("QOIMA_STATE", "/var/lib/qoima");
  bool json = false;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--tcti" && i + 1 < argc)
      tcti = argv[++i];
    else if (a == "--state" && i + 1 < argc)
      state = argv[++i];
    else if (a == "--json")
      json = true;
    else if (a == "-h" || a == "--help") {
      Usage();
      return kExitOk;
    } else
      args.push_back(a);
  }
  if (args.empty()) {
    Usage();
    return kExitUsage;
  }
  if (args[0] == "version") {
    std::printf("qoima %s\n", QOIMA_VERSION);
    return kExitOk;
  }
  if (args[0] == "selftest") return SelfTest(tcti, state, json);
  if (auto rc = qoima::exporting::DispatchExportCommand(args, {tcti, state, json})) return *rc;
  if (qoima::appliance::IsLifecycleCommand(args[0]))
    return qoima::appliance::RunLifecycleCommand({tcti, state, json}, args);
  std::fprintf(stderr, "qoima: unknown command '%s'\n", args[0].c_str());
  Usage();
  return kExitUsage;
}
