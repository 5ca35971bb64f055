// RegisterSnapshot: an imported copy of the Register of trusted software and
// electronic-industry products (Order 829/НҚ of 2024, seed 004), used for an
// advisory look-up at intake (docs/register-snapshot-format.md).
//
// The register changes at any time (entries are excluded), so a snapshot has a
// date and an age, and every look-up result says how old its snapshot is. The
// result is advice for the clerk on the application track; only on the
// register track does "not in the register" (or "excluded") block acceptance,
// as refusal reason 1 (001 cl.16(1)).
//
// The file is operator input received from outside, parsed as untrusted text
// with named limits; every error names the file, line and field; a truncated
// file is detected by the entry count on the `end` line.
//
// Thread-safety: immutable after parsing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "appliance/civil_time.h"
#include "common/result.h"

namespace qoima::appliance::lifecycle {

struct RegisterSnapshotLimits {
  static constexpr size_t kMaxFileBytes = 32 * 1024 * 1024;
  static constexpr size_t kMaxLineBytes = 8 * 1024;
  static constexpr size_t kMaxFieldBytes = 2 * 1024;
  static constexpr size_t kMaxEntries = 200000;
  /// A snapshot older than this is flagged "stale" in every look-up.
  static constexpr int kStaleAfterDays = 30;
};

constexpr std::string_view kRegisterMagic = "qoima-register";

enum class RegisterEntryStatus { kIncluded, kChanged, kExcluded };
std::string_view RegisterEntryStatusName(RegisterEntryStatus s);

/// One register entry (fields of 004 Annex 1 as summarized in domain.md).
struct RegisterEntry {
  std::string number;                        // register entry number
  std::string holder;                        // right holder
  std::string bin;                           // BIN/IIN, 12 digits
  std::string product;                       // full product name
  std::vector<std::string> catalogue_codes;  // ТЖҚ БНА codes
  std::string delivery;                      // delivery mode: goods / ICT service
  std::vector<std::string> category_codes;   // classification category codes
  std::string platform;                      // platform it depends on ("-" when standalone)
  std::string notice_number;                 // inclusion/change/exclusion notice
  CivilDate notice_date;
  RegisterEntryStatus status = RegisterEntryStatus::kIncluded;
  std::string reason;          // reason of the change/exclusion ("-" when none)
  std::string support_centre;  // support centre
  int line = 0;
};

struct RegisterSnapshot {
  CivilDate taken;     // the date the snapshot reflects
  std::string source;  // where it came from
  std::vector<RegisterEntry> entries;

  /// Whole days between `taken` and `today` (negative when dated in the future).
  int AgeDays(const CivilDate& today) const { return today.DaysSince(taken); }
};

Result<RegisterSnapshot> ParseRegisterSnapshot(std::string_view text, std::string_view file_name);
std::string FormatRegisterSnapshot(const RegisterSnapshot& snapshot);

enum class RegisterTrack { kApplication, kRegister };

struct RegisterLookup {
  std::vector<const RegisterEntry*> matches;  // into the snapshot
  int snapshot_age_days = 0;
  bool stale = false;
  /// True only on the register track when no included entry matched: refusal
  /// reason 1 of 001 cl.16 applies.
  bool blocks_acceptance = false;
  std::string advice;  // one sentence for the clerk
};

/// Finds entries whose BIN/IIN or register number equals `query`, or whose
/// product name contains it (case-insensitive, Kazakh and Russian letters
/// included). REQUIRES: `snapshot` outlives the result.
RegisterLookup LookUpProduct(const RegisterSnapshot& snapshot, std::string_view query, RegisterTrack track,
                             const CivilDate& today);

}  // namespace qoima::appliance::lifecycle
