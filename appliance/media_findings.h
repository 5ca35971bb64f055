// MediaFindings: what the reader found on one medium that does not stop the
// read (docs/hardware.md, "Error classes"): an unsafe name (a `..` or
// absolute path, control or hidden characters), a name that is not UTF-8, a
// name collision, an encrypted archive member, an archive that could not be
// listed or whose listing a limit stopped. The file is read, stored and
// compared like any other; the finding goes with the medium's report to
// `qoima scan` / `qoima intake` (text and --json), the intake's evidence,
// the kiosk's intake screen and the findings section of the printed act or
// refusal (docs/intake.md, "Findings").
//
// At most kMaxListedFindings are listed per medium, first found first; every
// one is counted by class, so a medium of a million odd names costs a
// thousand entries and the totals stay exact.
//
// Ownership: plain values. Thread-safety: none needed.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hardware/media_entry.h"

namespace qoima::appliance {

struct Finding {
  hardware::ProblemClass cls = hardware::ProblemClass::kUnsafeName;
  hardware::UnsafeNameKind unsafe = hardware::UnsafeNameKind::kNone;  // unsafe_name: what makes it unsafe
  hardware::ArchiveLimit limit = hardware::ArchiveLimit::kNone;       // archive_listing_stopped: which limit
  uint64_t limit_value = 0;
  std::string path;    // the exact display path (archive members: "archive -> member")
  std::string reason;  // the reader's sentence (English; evidence and CLI)
};

/// Findings listed per medium at most; the rest are counted.
inline constexpr size_t kMaxListedFindings = 1000;

class MediaFindings {
 public:
  /// Counts a non-fatal problem and lists it while fewer than
  /// kMaxListedFindings are listed. REQUIRES: !IsFatalProblem(problem.cls).
  void Add(const hardware::MediaProblem& problem);
  /// The same for a finding read back (stored evidence).
  void Add(Finding finding);
  /// Counts `n` findings of `cls` that are not listed (stored evidence
  /// that listed fewer than it counted).
  void AddUnlisted(hardware::ProblemClass cls, uint64_t n);

  const std::vector<Finding>& listed() const { return listed_; }
  uint64_t unlisted() const { return total_ - listed_.size(); }
  uint64_t total() const { return total_; }
  uint64_t Count(hardware::ProblemClass cls) const { return counts_[static_cast<size_t>(cls) % counts_.size()]; }
  bool empty() const { return total_ == 0; }
  /// "2 unsafe_name, 1 archive_listing_stopped" (class names in class order), "" when empty.
  std::string Summary() const;

 private:
  std::vector<Finding> listed_;
  std::array<uint64_t, 32> counts_{};
  uint64_t total_ = 0;
};

/// Adds "findings" (each: class, path, shown, reason, and kind / limit /
/// limit_value when set), "findings_unlisted" and "finding_counts" (class
/// name -> count) to a medium's JSON object (CLI --json, evidence).
void AddFindingsJson(nlohmann::json& medium, const MediaFindings& findings);

/// Reads them back from a medium's stored JSON; an intake recorded before
/// findings existed kept its flagged names as "name_flags" (unsafe names).
/// Malformed items are skipped; at most kMaxListedFindings are listed.
MediaFindings FindingsFromJson(const nlohmann::json& medium);

}  // namespace qoima::appliance
