// PrivateCupsd: a CUPS scheduler of the test's own: private configuration,
// spool, cache, state and log directories under a TempDir, listening only on
// a UNIX socket in that directory (no TCP port, not the system cupsd).
//
// It runs in a private mount namespace in which the test's etc/ directory is
// bind-mounted over /etc/cups: the cups-pdf backend reads its configuration
// only from /etc/cups, so this is how its output directory (Out) points into
// the test's directory without touching the system configuration. Requires
// root (as the loop-device tests do).
//
// AddCupsPdfQueue() adds a queue backed by the real cups-pdf virtual printer
// (device cups-pdf:/, its PPD); its PDFs land in output_dir().
// The child dies with the test process (PR_SET_PDEATHSIG); the destructor
// stops it. Waits for the socket to accept, no sleeps.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "tests/fixtures/temp_dir.h"

namespace qoima::print::testing {

class PrivateCupsd {
 public:
  PrivateCupsd();
  ~PrivateCupsd();
  PrivateCupsd(const PrivateCupsd&) = delete;
  PrivateCupsd& operator=(const PrivateCupsd&) = delete;

  /// The socket path, usable as `lp -h` server and CupsConfig::server.
  std::string socket_path() const { return dir_.Sub("cups.sock"); }
  std::string output_dir() const { return dir_.Sub("out"); }
  std::string error_log() const { return dir_.Sub("log/error_log"); }

  /// Adds and enables a cups-pdf queue named `name`.
  void AddCupsPdfQueue(const std::string& name);
  /// Stops (disables) a queue, as a jammed printer would be.
  void DisableQueue(const std::string& name, const std::string& reason);
  /// PDFs cups-pdf has written so far.
  std::vector<std::string> OutputFiles() const;

 private:
  qoima::testing::TempDir dir_;
  pid_t pid_ = -1;
};

}  // namespace qoima::print::testing
