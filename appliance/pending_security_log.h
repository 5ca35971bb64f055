// PendingSecurityLog: security events that happen before the store can be
// opened (the TPM is absent or in lockout, the PCRs changed, the sealed blob
// is damaged, wrong recovery shares), so they cannot go into the encrypted
// audit log yet. They are appended, one JSON object per line, to
// <state>/pending-security-events.jsonl (no secrets: time, action, Status code
// name, message) and moved into the Merkle audit log by the next successful
// Appliance::Open, which then removes the file.
//
// Limits: lines longer than kMaxLineBytes are cut; past kMaxEvents (or the limit given) the file
// keeps only a count of the events it had to drop, which is imported too.
// Someone with write access to the disk can delete this file: it is a witness
// of failures for the honest case, not tamper evidence (docs/crypto.md).
//
// Thread-safety: one process at a time (the appliance is single-user; an
// append is one write(2) with O_APPEND).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace qoima::appliance {

struct PendingSecurityEvent {
  std::string time;     // ISO 8601 UTC when it happened
  std::string action;   // e.g. "keyring.open", "keys.recover"
  std::string code;     // Status code name, e.g. "policy_mismatch"
  std::string message;  // the refusal, as shown to the operator
};

class PendingSecurityLog {
 public:
  static constexpr size_t kMaxLineBytes = 2048;
  static constexpr size_t kMaxEvents = 1000;
  static constexpr char kFileName[] = "/pending-security-events.jsonl";

  /// `max_events`: kMaxEvents in the appliance; smaller in tests.
  explicit PendingSecurityLog(std::string state_dir, size_t max_events = kMaxEvents)
      : path_(std::move(state_dir) + kFileName), max_events_(max_events) {}

  /// Appends one event (fsync'ed). Best effort from the caller's view: the
  /// original error is what the operator must see, so callers ignore a
  /// failure here after reporting it on stderr.
  Status Append(const PendingSecurityEvent& event);
  /// The events in order; a line that does not parse is returned as an event
  /// with action "pending-log.unreadable" naming the line number.
  Result<std::vector<PendingSecurityEvent>> ReadAll() const;
  /// Removes the file after its events were imported.
  Status Clear();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  size_t max_events_;
};

}  // namespace qoima::appliance
