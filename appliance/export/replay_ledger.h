// ReplayLedger: the importing side's memory of which exports it has already
// accepted, so an old bundle presented as a new export is caught.
//
// Rule (docs/bundle-format.md, "Replay"): per device certificate fingerprint,
// an export id may be accepted once, and sequences must strictly increase. A
// bundle whose id is already in the ledger, or whose sequence is not above the
// highest accepted one from the same device, is a replay.
//
// File format: one header line "qoima-export-ledger/1", then one line per
// accepted export: "<device fp hex> <sequence> <export id> <accepted at RFC 3339>".
// Appends are fsync'd. Thread-safety: none; one process at a time
// (the CLI holds an flock while it checks and records).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "common/result.h"
#include "common/unique_fd.h"

namespace qoima::exporting {

inline constexpr size_t kMaxLedgerBytes = 64u << 20;

class ReplayLedger {
 public:
  /// Opens (creating when absent) and locks the ledger; errors name line numbers.
  static Result<ReplayLedger> Open(const std::string& path);

  /// A problem message when (fp, sequence, id) is a replay, nullopt when new.
  std::optional<std::string> Check(const std::string& device_fp, uint64_t sequence, const std::string& export_id) const;
  /// Appends and fsyncs. REQUIRES: Check() returned nullopt.
  Status Record(const std::string& device_fp, uint64_t sequence, const std::string& export_id,
                const std::string& accepted_at);

 private:
  struct Seen {
    uint64_t sequence;
    std::string accepted_at;
  };
  std::string path_;
  UniqueFd fd_;
  std::map<std::string, uint64_t> highest_;  // device fp -> highest sequence
  std::map<std::string, Seen> ids_;          // export id -> when
};

}  // namespace qoima::exporting
