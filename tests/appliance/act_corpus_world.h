// What the act end-to-end tests share: the act corpus (tests/appliance/acts/)
// on a real image attached to a loop device, dated as its acts say, and an
// appliance provisioned through the real `qoima` binary (swtpm, a real
// store) with a clerk, an auditor and application IS-0042.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "common/subprocess.h"
#include "tests/fixtures/loop_device.h"
#include "tests/fixtures/media_factory.h"
#include "tests/fixtures/nda_step.h"
#include "tests/fixtures/swtpm.h"
#include "tests/fixtures/temp_dir.h"

namespace qoima::testing {

inline const std::string kActCorpus = std::string(QOIMA_SOURCE_DIR) + "/tests/appliance/acts/";
inline const std::string kClerkPassword = "clerk1-password-1";
/// 12.03.2025 10:00 in UTC+5: every file's date in the corpus acts.
inline constexpr int64_t kCorpusMtime = 1741755600;

/// `qoima ARGS` with `env`; a loop device stands for the medium (QOIMA_TEST_MEDIA=1).
inline SubprocessResult RunQoima(std::vector<std::string> args, const std::vector<std::string>& env = {}) {
  args.insert(args.begin(), std::string(QOIMA_BINARY_DIR) + "/cli/qoima");
  SubprocessOptions o;
  o.extra_env = env;
  o.extra_env.push_back("QOIMA_TEST_MEDIA=1");
  auto r = RunSubprocess(args, o);
  if (!r.ok()) throw std::runtime_error(r.status().ToString());
  return *r;
}

/// A medium made of the corpus tree (dated as its acts say; git keeps no
/// dates) and/or act files at its root (corpus file, name on the medium),
/// on a real image of `type` attached to a loop device. The tree is at
/// `dir.Sub("root")`.
class CorpusMedium {
 public:
  CorpusMedium(FsType type, bool with_tree, const std::vector<std::pair<std::string, std::string>>& acts = {}) {
    const std::string root = dir.Sub("root");
    std::filesystem::create_directories(root);
    if (with_tree) std::filesystem::copy(kActCorpus + "tree", root, std::filesystem::copy_options::recursive);
    for (const auto& [from, name] : acts) std::filesystem::copy_file(kActCorpus + from, root + "/" + name);
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
      const timespec times[2] = {{kCorpusMtime, 0}, {kCorpusMtime, 0}};
      REQUIRE(::utimensat(AT_FDCWD, e.path().c_str(), times, 0) == 0);
    }
    BuildImage(type, root, dir.Sub("medium.img"));
    loop = std::make_unique<LoopDevice>(dir.Sub("medium.img"));
  }
  std::string device() const { return loop->path(); }

  TempDir dir;
  std::unique_ptr<LoopDevice> loop;
};

/// A provisioned appliance with a clerk, an auditor and application IS-0042,
/// driven through the `qoima` binary as `user` (clerk1 unless said).
class ProvisionedCli {
 public:
  using json = nlohmann::json;

  ProvisionedCli() {
    Must({"init", "--admin", "admin", "--surname", "Әлиев", "--name", "Ерлан", "--pcr", "7"}, "admin",
         "admin-password-1");
    Must({"user", "add", "clerk1", "--role", "clerk", "--surname", "Сейітова", "--name", "Әйгерім"}, "admin",
         "admin-password-1", {"QOIMA_NEW_PASSWORD=" + kClerkPassword});
    Must({"user", "add", "auditor1", "--role", "auditor", "--surname", "Нұрланов", "--name", "Асқар"}, "admin",
         "admin-password-1", {"QOIMA_NEW_PASSWORD=auditor1-password-1"});
    json form = {{"portal_code", "IS-0042"},
                 {"track", "application"},
                 {"applicant", "«Ақпарат» АҚ"},
                 {"software_name", "Қойма"},
                 {"items", {{{"name", "CD-1"}, {"serial_number", "SN1"}, {"original", true}}}},
                 {"owner", {{"full_name", "Цифрлық даму министрлігі"}}}};
    WriteFile(dir.Sub("form.json"), form.dump());
    Must({"application", "add", "--form", dir.Sub("form.json"), "--number", "15/2026", "--received", "2026-01-05",
          "--state-body", "Министрлік", "--head", "Ахметов А."});
    Must(testing::NdaCommand("IS-0042"));
  }

  SubprocessResult Run(std::vector<std::string> args, const std::string& user = "clerk1",
                       const std::string& password = kClerkPassword, std::vector<std::string> env = {}) {
    env.insert(env.end(), {"QOIMA_TCTI=" + tpm.tcti(), "QOIMA_STATE=" + dir.Sub("state"), "QOIMA_USER=" + user,
                           "QOIMA_PASSWORD=" + password});
    return RunQoima(std::move(args), env);
  }
  SubprocessResult Must(std::vector<std::string> args, const std::string& user = "clerk1",
                        const std::string& password = kClerkPassword, std::vector<std::string> env = {}) {
    auto r = Run(args, user, password, std::move(env));
    if (r.exit_code != 0) throw std::runtime_error("qoima " + args[0] + ": " + r.Describe() + r.out);
    return r;
  }
  json Json(std::vector<std::string> args, int* exit_code = nullptr, const std::string& user = "clerk1",
            const std::string& password = kClerkPassword) {
    args.insert(args.begin(), "--json");
    auto r = Run(args, user, password);
    if (exit_code) *exit_code = r.exit_code;
    INFO(r.out << r.err);
    return json::parse(r.out);
  }
  int64_t Deposits() {
    return Json({"verify-store"}, nullptr, "auditor1", "auditor1-password-1")["deposits"].get<int64_t>();
  }
  /// The audit events named `action`.
  size_t AuditCount(const std::string& action) {
    json list = Json({"audit", "list"}, nullptr, "auditor1", "auditor1-password-1");
    size_t n = 0;
    for (const auto& e : list["entries"])
      if (e.value("action", "") == action) ++n;
    return n;
  }

  Swtpm tpm;
  TempDir dir;
};

}  // namespace qoima::testing
