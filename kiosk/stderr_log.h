// StderrLog: moves the process's stderr off the screen and off regular files.
//
// Libraries below appliance/ and the reader child they spawn write to fd 2.
// On the kiosk, fd 2 is the screen (garbling it), and a child that inherits a
// regular file as fd 2 under RLIMIT_FSIZE=0 (hardware's sandbox) dies of
// SIGXFSZ on its first message. So fd 2 becomes a pipe; a thread copies what
// arrives to `target_path` (appended) or, when that is empty, to the original
// fd 2. The destructor restores fd 2 and joins the thread.
//
// Thread-safety: construct and destroy on the main thread, once.
#pragma once

#include <string>
#include <thread>

#include "common/unique_fd.h"

namespace qoima::kiosk {

class StderrLog {
 public:
  explicit StderrLog(const std::string& target_path);
  ~StderrLog();
  StderrLog(const StderrLog&) = delete;
  StderrLog& operator=(const StderrLog&) = delete;

 private:
  UniqueFd saved_stderr_;  // the original fd 2
  UniqueFd target_;        // where the copy goes
  UniqueFd read_end_;
  std::thread copier_;
};

}  // namespace qoima::kiosk
