// Test helpers for the hardware readers: a sink that records everything,
// and images built from a tree on a real loop device.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "hardware/media_reader.h"
#include "tests/fixtures/loop_device.h"
#include "tests/fixtures/media_factory.h"
#include "tests/fixtures/temp_dir.h"

namespace qoima::testing {

/// Records every callback and checks the sink contract as it goes.
class CollectingSink : public hardware::MediaSink {
 public:
  struct Entry {
    hardware::EntryHeader header;
    std::string data;
    bool ended = false;
    bool complete = false;
    std::vector<hardware::ArchiveMember> members;
  };

  Status OnEntry(const hardware::EntryHeader& h) override;
  Status OnData(std::span<const uint8_t> chunk) override;
  Status OnEntryEnd(bool complete) override;
  Status OnArchiveMember(const hardware::ArchiveMember& m) override;
  Status OnProblem(const hardware::MediaProblem& p) override;

  /// Entry by display path; nullptr when absent.
  const Entry* Find(const std::string& display_path) const;
  bool HasProblem(hardware::ProblemClass cls) const;
  std::string ProblemsText() const;

  std::vector<Entry> entries;
  std::vector<hardware::MediaProblem> problems;
  std::string contract_violation;  // set when the reader broke the sink contract
  uint64_t max_chunk = 0;
  bool keep_data = true;
  /// Called on every OnData (after recording); a non-OK return cancels.
  std::function<Status(uint64_t total_bytes)> on_data;
  uint64_t total_bytes = 0;

 private:
  bool open_ = false;
};

/// Default options for tests: short timeouts so a bug cannot hang the suite.
hardware::ReadOptions TestReadOptions();

/// Checks that every file of `files` came out with identical bytes and that
/// no unexpected file appeared. Returns "" or a description of the mismatch.
std::string CompareWithTree(const CollectingSink& sink, const std::vector<SampleFile>& files);

/// Runs a shell command line (tests build odd trees with python/zip/ln);
/// throws with stderr when it fails.
void Sh(const std::string& command_line);

}  // namespace qoima::testing
