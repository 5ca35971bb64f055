// HashWorker: runs one job at a time (a hash update over a buffer the caller
// keeps alive) on a second thread, so the verifier hashes the raw bundle
// bytes and the payload's SHA-512 on other cores while libarchive parses the
// tar and SHA-256 runs on the caller's thread. Verification is then bound by
// the slowest of the three, not their sum.
//
// Ownership: owns its thread (joined in the destructor). Thread-safety:
// Start() and Wait() are called from one thread; the job runs on the
// worker's. REQUIRES: whatever the job touches stays valid and unmodified
// until Wait() returns.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace qoima::exporting {

class HashWorker {
 public:
  HashWorker() : thread_([this] { Loop(); }) {}
  ~HashWorker() {
    {
      std::lock_guard<std::mutex> l(m_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  HashWorker(const HashWorker&) = delete;
  HashWorker& operator=(const HashWorker&) = delete;

  /// Waits for the previous job, then starts `job`.
  void Start(std::function<void()> job) {
    Wait();
    {
      std::lock_guard<std::mutex> l(m_);
      job_ = std::move(job);
      busy_ = true;
    }
    cv_.notify_all();
  }
  /// Returns once no job is running.
  void Wait() {
    std::unique_lock<std::mutex> l(m_);
    done_.wait(l, [&] { return !busy_; });
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> l(m_);
    for (;;) {
      cv_.wait(l, [&] { return busy_ || stop_; });
      if (!busy_) return;
      std::function<void()> job = std::move(job_);
      l.unlock();
      job();
      l.lock();
      busy_ = false;
      done_.notify_all();
    }
  }

  std::mutex m_;
  std::condition_variable cv_, done_;
  std::function<void()> job_;
  bool busy_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace qoima::exporting
