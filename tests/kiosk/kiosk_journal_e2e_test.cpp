// The kiosk's log goes to the systemd journal, never to the screen: the real
// qoima-kiosk in tmux beside a real systemd-journald. Each case runs in a
// mount namespace of its own (the tests run as root) with a fresh tmpfs over
// /run and /var/log/journal, so the private journald's sockets are the ones
// libsystemd connects to and nothing reaches the host's journal.
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>

#include "tests/fixtures/child_process.h"
#include "tests/fixtures/temp_dir.h"
#include "tests/kiosk/tmux_session.h"

namespace qoima::testing {
namespace {

const std::string kKiosk = std::string(QOIMA_BINARY_DIR) + "/kiosk/qoima-kiosk";
constexpr char kJournald[] = "/lib/systemd/systemd-journald";

// A systemd-journald of this process's own mount namespace.
class PrivateJournald {
 public:
  PrivateJournald() {
    if (::unshare(CLONE_NEWNS) != 0) throw std::runtime_error("unshare(CLONE_NEWNS) failed (run as root)");
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
      throw std::runtime_error("making / private failed");
    for (const char* dir : {"/run", "/var/log/journal"}) {
      std::filesystem::create_directories(dir);
      if (::mount("tmpfs", dir, "tmpfs", 0, "mode=0755") != 0)
        throw std::runtime_error(std::string("tmpfs over ") + dir + " failed");
    }
    std::filesystem::create_directories("/run/systemd/journal");
    pid_ = ::fork();
    if (pid_ == 0) {
      // journald's own messages would go to the kernel's log (the host's).
      ::setenv("SYSTEMD_LOG_TARGET", "null", 1);
      ::execl(kJournald, kJournald, static_cast<char*>(nullptr));
      ::_exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!std::filesystem::exists("/run/systemd/journal/stdout")) {
      if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("journald did not start");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~PrivateJournald() { TerminateChild(pid_, std::chrono::seconds(5)); }
  PrivateJournald(const PrivateJournald&) = delete;
  PrivateJournald& operator=(const PrivateJournald&) = delete;

  // The kiosk's entries as "PRIORITY MESSAGE" lines, after a flush.
  static std::string KioskEntries() {
    std::system("journalctl --flush >/dev/null 2>&1");
    std::string out;
    FILE* p = ::popen("journalctl --no-pager SYSLOG_IDENTIFIER=qoima-kiosk -o json 2>/dev/null", "r");
    if (!p) return out;
    std::string line;
    char buf[4096];
    while (std::fgets(buf, sizeof buf, p)) {
      line += buf;
      if (line.empty() || line.back() != '\n') continue;
      nlohmann::json entry = nlohmann::json::parse(line, nullptr, false);
      line.clear();
      if (entry.is_discarded() || !entry.contains("MESSAGE") || !entry["MESSAGE"].is_string()) continue;
      out += entry.value("PRIORITY", "?") + " " + entry["MESSAGE"].get<std::string>() + "\n";
    }
    ::pclose(p);
    return out;
  }

  // Every entry's identifier and message (for failure messages).
  static std::string AllEntries() {
    std::string out;
    FILE* p = ::popen("journalctl --no-pager -o short 2>&1 | tail -n 20", "r");
    if (!p) return out;
    char buf[4096];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    ::pclose(p);
    return out;
  }

 private:
  pid_t pid_ = -1;
};

bool WaitForJournal(const std::string& text) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (PrivateJournald::KioskEntries().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

TEST_CASE("On a terminal the kiosk logs to the journal, not to the screen or the state directory",
          "[kiosk][e2e][journal]") {
  PrivateJournald journald;
  TempDir state("qoima-kiosk-journal");
  // The store-locked path writes one line to stderr ("... the store is
  // locked") and needs no TPM: the state directory is not a file system of
  // its own.
  // TmuxSession sends fd 2 to a file; a shell puts it back on the terminal,
  // as it is when the kiosk is started by hand (the image's unit gives it
  // the journal itself), and execs the kiosk so no shell remains.
  TmuxSession t({"/bin/sh", "-c", "exec \"$0\" --data-partition 2>&1", kKiosk},
                {"QOIMA_STATE=" + state.path(), "LANG=C.UTF-8"});
  REQUIRE(t.WaitFor("Қойма құлыпталған"));
  bool logged = WaitForJournal("the store is locked");
  INFO("journal: " << PrivateJournald::AllEntries());
  REQUIRE(logged);
  std::string entries = PrivateJournald::KioskEntries();
  INFO(entries);
  // The start line at informational priority (6), the stderr line at
  // warning priority (4), both under the kiosk's identifier.
  CHECK(entries.find("6 qoima-kiosk " QOIMA_VERSION " started (language kk, state " + state.path() + ")\n") !=
        std::string::npos);
  CHECK(entries.find("4 qoima-kiosk: the encrypted data partition is not mounted at " + state.path() +
                     ": the store is locked\n") != std::string::npos);
  // Off the screen, and no log file in the (unmounted) state directory.
  CHECK(t.Capture().find("qoima-kiosk:") == std::string::npos);
  CHECK(std::filesystem::is_empty(state.path()));
  // A clean stop is logged too.
  ::kill(t.pid(), SIGTERM);
  REQUIRE(t.WaitUntil([&](const std::string&) { return t.dead(); }));
  CHECK(WaitForJournal("6 qoima-kiosk stopped\n"));
}

}  // namespace
}  // namespace qoima::testing
