// FakeMonotonicCounter: a MonotonicCounter kept in a small file, for unit
// tests of store logic without a TPM. The value lives in the file, not in
// memory, so a child process that dies (crash tests) and the parent that
// reopens the store see the same counter. Tests can also set it (an attacker
// the real TPM counter would stop) and make it fail, to check the store's
// reaction. Never a stand-in for the TPM's guarantees: tests of those run
// crypto::TpmNvCounter on a Swtpm.
#pragma once

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>

#include "crypto/monotonic_counter.h"

namespace qoima::testing {

class FakeMonotonicCounter : public crypto::MonotonicCounter {
 public:
  explicit FakeMonotonicCounter(std::string path) : path_(std::move(path)) {}

  Result<std::optional<uint64_t>> Read() override {
    if (!exists()) return std::optional<uint64_t>();
    std::ifstream in(path_);
    std::string text;
    std::getline(in, text);
    if (text.empty()) return std::optional<uint64_t>();  // created, never advanced
    return std::optional<uint64_t>(std::stoull(text));
  }
  Status Create() override {
    if (exists()) return Status::Ok();
    std::ofstream(path_) << "";
    return Status::Ok();
  }
  Result<uint64_t> Increment() override {
    if (fail_increments_ > 0) {
      --fail_increments_;
      return Status::TpmError("injected fault: the counter did not advance");
    }
    if (!exists()) return Status::NotFound(Name() + " does not exist");
    QOIMA_ASSIGN_OR_RETURN(std::optional<uint64_t> v, Read());
    uint64_t next = v ? *v + 1 : first_value_;
    Set(next);
    return next;
  }
  std::string Name() const override { return "fake counter " + path_; }

  /// What a TPM counter cannot do: set the value (the test plays the TPM).
  void Set(uint64_t v) { std::ofstream(path_, std::ios::trunc) << v << "\n"; }
  void Remove() { std::remove(path_.c_str()); }
  /// The next `n` increments fail without advancing.
  void FailIncrements(int n) { fail_increments_ = n; }
  /// The value a new counter takes on its first advance (a TPM starts a
  /// counter at the largest value any counter on it has had).
  void set_first_value(uint64_t v) { first_value_ = v; }

 private:
  bool exists() const { return std::ifstream(path_).good(); }
  std::string path_;
  int fail_increments_ = 0;
  uint64_t first_value_ = 1;
};

}  // namespace qoima::testing
