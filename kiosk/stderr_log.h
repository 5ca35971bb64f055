// StderrLog: moves the process's stderr off the screen and off regular files.
//
// Libraries below appliance/ and the reader child they spawn write to fd 2.
// On the kiosk, fd 2 is the screen (garbling it), and a child that inherits a
// regular file as fd 2 under RLIMIT_FSIZE=0 (hardware's sandbox) dies of
// SIGXFSZ on its first message. So fd 2 becomes a pipe; a thread copies what
// arrives to a target: the systemd journal (a stream under the identifier
// "qoima-kiosk", lines at warning priority), a file (appended), or the
// original fd 2. The destructor restores fd 2 and joins the thread.
//
// Thread-safety: construct and destroy on the main thread, once.
#pragma once

#include <string>
#include <thread>

#include "common/unique_fd.h"

namespace qoima::kiosk {

class StderrLog {
 public:
  /// Where the copy goes.
  enum class Target {
    kOriginal,  // the original fd 2 (already the journal under systemd's StandardError=journal)
    kJournal,   // a journal stream; when journald is not reachable, `fallback_path`
  };
  /// `fallback_path`: a file to append to when the journal was asked for and
  /// is not reachable ("" means /dev/null).
  StderrLog(Target target, const std::string& fallback_path);
  ~StderrLog();
  StderrLog(const StderrLog&) = delete;
  StderrLog& operator=(const StderrLog&) = delete;

  /// True when the copy goes to a journal stream this object opened.
  bool to_journal() const { return to_journal_; }

 private:
  UniqueFd saved_stderr_;  // the original fd 2
  UniqueFd target_;        // where the copy goes
  UniqueFd read_end_;
  std::thread copier_;
  bool to_journal_ = false;
};

/// One line to the journal at informational priority under the identifier
/// "qoima-kiosk" (a no-op without journald): start and stop.
void JournalInfo(const std::string& message);

}  // namespace qoima::kiosk
