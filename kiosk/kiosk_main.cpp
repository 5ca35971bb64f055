// qoima-kiosk: the counter application. Thin: reads the environment and flags,
// sets up i18n and the terminal, and runs the App over the real appliance.
//
//   QOIMA_TCTI, QOIMA_STATE      as for the `qoima` CLI
//   QOIMA_KIOSK_LOCALEDIR        catalogue directory (default: the build tree's)
//   --lang kk|ru|en              start language (default kk)
//   --idle-lock SECONDS          auto-lock after this long without a key (default 300)
//   --timing-log FILE            per-key handling+redraw time in microseconds (e2e harness)
//   --bench-rows N               benchmark: a read-only diff of N synthetic rows, no login,
//                                no appliance call (measures the list widget in the real binary)
//   --data-partition             the state directory is the appliance image's encrypted data
//                                partition: when it is not mounted there (it did not unlock), the
//                                kiosk shows the store-locked screen and nothing else
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>

#include "kiosk/app.h"
#include "kiosk/appliance_backend.h"
#include "kiosk/clerk_screens.h"
#include "kiosk/i18n.h"
#include "kiosk/login_screen.h"
#include "kiosk/stderr_log.h"
#include "kiosk/store_locked_screen.h"
#include "kiosk/terminal_session.h"

#ifndef QOIMA_KIOSK_LOCALEDIR
#define QOIMA_KIOSK_LOCALEDIR "/usr/share/locale"
#endif

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr long kMaxBenchRows = 10'000'000;

std::string EnvOr(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

qoima::kiosk::IntakeResult SyntheticDiff(long rows) {
  using qoima::kiosk::DiffKind;
  qoima::kiosk::IntakeResult r;
  r.rows.reserve(static_cast<size_t>(rows));
  const char* dirs[] = {"src/қойма", "src/әдістер", "lib/ұлттық", "docs/нұсқаулық", "build/өнім", "тест/һ"};
  for (long i = 0; i < rows; ++i) {
    qoima::kiosk::DiffRow row;
    row.path = std::string(dirs[i % 6]) + "/файл_" + std::to_string(i) + ".cpp";
    row.size_bytes = static_cast<std::uint64_t>((i * 7919) % 5'000'000);
    row.kind = i % 97 == 0 ? DiffKind::kHashMismatch : (i % 211 == 0 ? DiffKind::kMissing : DiffKind::kMatch);
    if (row.kind != DiffKind::kMatch) row.detail = "sha256 " + std::to_string(i);
    r.rows.push_back(std::move(row));
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  qoima::kiosk::AppOptions app_options;
  std::string lang = "kk";
  long bench_rows = 0;
  bool data_partition = false;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> timing(nullptr, &std::fclose);
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool has_value = i + 1 < argc;
    if (a == "--lang" && has_value) {
      lang = argv[++i];
    } else if (a == "--idle-lock" && has_value) {
      app_options.idle_lock_seconds = std::atoi(argv[++i]);
      if (app_options.idle_lock_seconds <= 0) {
        std::fprintf(stderr, "qoima-kiosk: --idle-lock needs a positive number of seconds\n");
        return kExitUsage;
      }
    } else if (a == "--timing-log" && has_value) {
      timing.reset(std::fopen(argv[++i], "w"));
      if (!timing) {
        std::fprintf(stderr, "qoima-kiosk: cannot write %s: %s\n", argv[i], std::strerror(errno));
        return kExitFailed;
      }
      app_options.timing_log = timing.get();
    } else if (a == "--bench-rows" && has_value) {
      bench_rows = std::atol(argv[++i]);
      if (bench_rows <= 0 || bench_rows > kMaxBenchRows) {
        std::fprintf(stderr, "qoima-kiosk: --bench-rows needs 1..%ld\n", kMaxBenchRows);
        return kExitUsage;
      }
    } else if (a == "--data-partition") {
      data_partition = true;
    } else {
      std::fprintf(stderr,
                   "usage: qoima-kiosk [--lang kk|ru|en] [--idle-lock SECONDS] [--timing-log FILE] "
                   "[--bench-rows N] [--data-partition]\n");
      return kExitUsage;
    }
  }
  qoima::kiosk::Language language;
  if (!qoima::kiosk::ParseLanguage(lang, &language)) {
    std::fprintf(stderr, "qoima-kiosk: --lang must be kk, ru or en\n");
    return kExitUsage;
  }
  if (!qoima::kiosk::InitI18n(EnvOr("QOIMA_KIOSK_LOCALEDIR", QOIMA_KIOSK_LOCALEDIR))) {
    std::fprintf(stderr, "qoima-kiosk: no UTF-8 locale available (C.UTF-8 missing)\n");
    return kExitFailed;
  }
  qoima::kiosk::SetLanguage(language);
  // Libraries below appliance/ (the TSS) log to stderr, which may be the
  // screen: silence the TSS and send whatever else arrives through a pipe.
  // Under systemd (StandardError=journal) fd 2 is already the journal; on a
  // terminal it goes to the journal too, and only where journald is not
  // running (a developer's machine) to a log file in the state directory.
  setenv("TSS2_LOG", "all+none", 1);
  std::string state_dir = EnvOr("QOIMA_STATE", "/var/lib/qoima");
  // The store's partition missing is decided before anything is written to
  // the state directory (which is then the empty one under it).
  const bool store_locked = data_partition && !qoima::kiosk::IsOwnFileSystem(state_dir);
  // (With the store locked, the state directory is not the store's: no file
  // is kept there.)
  qoima::kiosk::StderrLog stderr_log(
      isatty(STDERR_FILENO) ? qoima::kiosk::StderrLog::Target::kJournal : qoima::kiosk::StderrLog::Target::kOriginal,
      store_locked ? std::string() : state_dir + "/qoima-kiosk.log");
  qoima::kiosk::JournalInfo("qoima-kiosk " QOIMA_VERSION " started (language " + lang + ", state " + state_dir + ")");
  struct Stopped {
    ~Stopped() { qoima::kiosk::JournalInfo("qoima-kiosk stopped"); }
  } stopped;

  try {
    qoima::kiosk::ApplianceBackendOptions backend_options;
    backend_options.tcti = EnvOr("QOIMA_TCTI", "device:/dev/tpmrm0");
    backend_options.state_dir = state_dir;
    backend_options.open_at_start = bench_rows == 0;
    if (store_locked) {
      backend_options.store_unavailable = "the encrypted data partition is not mounted at " + state_dir;
      std::fprintf(stderr, "qoima-kiosk: %s: the store is locked\n", backend_options.store_unavailable.c_str());
    }
    qoima::kiosk::ApplianceBackend backend(backend_options);
    qoima::kiosk::TerminalSession terminal;
    qoima::kiosk::App app(backend, app_options);
    if (bench_rows > 0)
      app.Run(qoima::kiosk::MakeDiffScreen(app, SyntheticDiff(bench_rows), false));
    else if (store_locked)
      app.Run(qoima::kiosk::MakeStoreLockedScreen());
    else
      app.Run(qoima::kiosk::MakeLoginScreen(app, ""));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "qoima-kiosk: %s\n", e.what());
    return kExitFailed;
  }
  return kExitOk;
}
