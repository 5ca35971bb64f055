#include "appliance/export/cli_export.h"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "appliance/export/bundle_verifier.h"

namespace qoima::exporting {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr size_t kMaxCertFileBytes = 1 << 20;

int VerifyBundleCommand(const std::vector<std::string>& args, const CliContext& ctx) {
  std::string bundle, cert_path;
  VerifyOptions opt;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--cert" && i + 1 < args.size())
      cert_path = args[++i];
    else if (args[i] == "--ledger" && i + 1 < args.size())
      opt.ledger_path = args[++i];
    else if (args[i] == "--record")
      opt.record_in_ledger = true;
    else if (bundle.empty() && args[i].rfind("--", 0) != 0)
      bundle = args[i];
    else {
      std::fprintf(stderr, "qoima verify-bundle: unexpected argument '%s'\n", args[i].c_str());
      return kExitUsage;
    }
  }
  if (bundle.empty() || (opt.record_in_ledger && opt.ledger_path.empty())) {
    std::fprintf(stderr, "usage: qoima verify-bundle BUNDLE [--cert DEVICE.pem] [--ledger FILE [--record]]\n");
    return kExitUsage;
  }
  if (!cert_path.empty()) {
    std::ifstream in(cert_path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "qoima verify-bundle: cannot read certificate %s\n", cert_path.c_str());
      return kExitFailed;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    if (ss.str().size() > kMaxCertFileBytes) {
      std::fprintf(stderr, "qoima verify-bundle: %s is larger than a certificate can be\n", cert_path.c_str());
      return kExitFailed;
    }
    opt.trusted_cert_pem = ss.str();
  }
  auto r = VerifyBundle(bundle, opt);
  if (!r.ok()) {
    std::fprintf(stderr, "qoima verify-bundle: %s\n", r.status().ToString().c_str());
    return kExitFailed;
  }
  const auto& rep = *r;
  auto info = [&](const char* k) {
    auto it = rep.bag_info.find(k);
    return it == rep.bag_info.end() ? std::string("?") : it->second;
  };
  if (ctx.json) {
    nlohmann::ordered_json j;
    j["bundle"] = bundle;
    j["ok"] = rep.ok();
    j["bag"] = rep.bag_dir;
    j["export_id"] = info("Qoima-Export-Id");
    j["sequence"] = info("Qoima-Export-Sequence");
    j["payload_files"] = rep.payload_files;
    j["payload_bytes"] = rep.payload_bytes;
    j["device_fingerprint"] = rep.device_fingerprint;
    j["trusted_certificate"] = rep.trusted_cert_used;
    j["signature_valid"] = rep.signature_valid;
    j["bundle_sha256"] = rep.bundle_sha256;
    j["recorded_in_ledger"] = rep.recorded;
    auto probs = nlohmann::json::array();
    for (const auto& p : rep.problems) probs.push_back({{"kind", p.kind}, {"message", p.message}});
    j["problems"] = probs;
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    for (const auto& p : rep.problems) std::printf("PROBLEM %s: %s\n", p.kind.c_str(), p.message.c_str());
    if (!rep.bundle_sha256.empty()) std::printf("bundle SHA-256: %s\n", rep.bundle_sha256.c_str());
    if (rep.ok()) {
      std::printf("verify-bundle: OK %s: export %s, sequence %s, %llu files, %llu bytes, signed by device %s%s\n",
                  rep.bag_dir.c_str(), info("Qoima-Export-Id").c_str(), info("Qoima-Export-Sequence").c_str(),
                  static_cast<unsigned long long>(rep.payload_files),
                  static_cast<unsigned long long>(rep.payload_bytes), rep.device_fingerprint.c_str(),
                  rep.trusted_cert_used ? " (trusted certificate)"
                                        : " (certificate inside the bundle only: pass --cert to check the origin)");
    } else {
      std::printf("verify-bundle: FAILED: %zu problem(s)\n", rep.problems.size());
    }
  }
  return rep.ok() ? kExitOk : kExitFailed;
}

}  // namespace

const char* ExportCommandsUsage() {
  return "  verify-bundle BUNDLE [--cert DEVICE.pem] [--ledger FILE [--record]]\n"
         "              check an export bundle offline; lists every problem\n";
}

std::optional<int> DispatchExportCommand(const std::vector<std::string>& args, const CliContext& ctx) {
  if (args.empty()) return std::nullopt;
  if (args[0] == "verify-bundle") return VerifyBundleCommand(args, ctx);
  return std::nullopt;
}

}  // namespace qoima::exporting
