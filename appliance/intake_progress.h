// Intake progress: what an intake has read so far, reported while it reads
// (the kiosk draws files, bytes, rate and time left from it), and the flag
// that lets the person at the counter stop a read.
//
// ProgressMediaSink sits between hardware's reader and the MediaCollector: it
// forwards every callback unchanged, counts files and bytes, calls the
// watcher's callback at most every kProgressInterval (and once at the end of
// each medium), and turns a set cancel flag into kCancelled, which stops the
// reader child. Totals come from the act (files listed for the disc and, when
// the act gives sizes, their bytes), so they are known before the first byte.
//
// Ownership: borrows the inner sink and the watch for its lifetime.
// Thread-safety: the callback runs on the thread that reads (the kiosk's
// worker thread); `cancel` may be set from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "hardware/media_reader.h"

namespace qoima::appliance {

/// Least time between two progress reports while a medium is read.
inline constexpr std::chrono::milliseconds kProgressInterval{100};

struct IntakeProgress {
  size_t medium = 0;       // 0-based index of the medium being read
  size_t media_count = 0;  // media in the request
  std::string device;
  uint64_t files_done = 0;
  uint64_t files_total = 0;  // files the act lists for this medium's disc
  uint64_t bytes_done = 0;
  uint64_t bytes_total = 0;  // 0 when the act gives no sizes (sha256sum lists)
  std::string current_path;
};

/// Progress reports and cancellation of one Intake call; both optional.
struct IntakeWatch {
  std::function<void(const IntakeProgress&)> progress;
  const std::atomic<bool>* cancel = nullptr;
};

class ProgressMediaSink final : public hardware::MediaSink {
 public:
  /// `start` holds the medium index, device and totals; counters start at 0.
  ProgressMediaSink(hardware::MediaSink& inner, const IntakeWatch& watch, IntakeProgress start);

  Status OnEntry(const hardware::EntryHeader& header) override;
  Status OnData(std::span<const uint8_t> chunk) override;
  Status OnEntryEnd(bool complete) override;
  Status OnArchiveMember(const hardware::ArchiveMember& member) override;
  Status OnProblem(const hardware::MediaProblem& problem) override;

  /// Reports the final counts (call after the read returned).
  void Finish();
  /// True when the read was stopped because the cancel flag was set.
  bool cancelled() const { return cancelled_; }

 private:
  /// kCancelled when the flag is set; reports when the interval has passed.
  Status Tick(bool force);

  hardware::MediaSink& inner_;
  const IntakeWatch& watch_;
  IntakeProgress progress_;
  std::chrono::steady_clock::time_point last_report_{};
  bool cancelled_ = false;
  bool in_file_ = false;
};

}  // namespace qoima::appliance
