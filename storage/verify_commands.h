// Building blocks of `qoima verify-store` and `qoima audit verify`: run the
// check on an open Store, record who ran it and what it found in the audit
// log, and render the result as text lines (for the clerk's screen and the
// CLI) or JSON (for --json). The appliance wires these into its CLI.
//
// Exit code convention (docs/cli.md): 0 everything verified, 1 problems found.
//
// Thread-safety: as Store (one thread).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"
#include "storage/store.h"

namespace qoima::storage {

struct VerifyOutcome {
  int exit_code = 0;  // 0 verified, 1 problems found
  std::string text;   // human-readable, one finding per line
  nlohmann::json json;
};

/// `qoima verify-store`: Store::VerifyStore(), then a "store.verify" audit
/// event (outcome success or failure, with the counts and the first problem).
Result<VerifyOutcome> RunVerifyStore(Store& store, const Actor& actor);

/// `qoima audit verify`: Store::VerifyAudit() against the device key and
/// `extra_trusted_keys_pem` (certificates of earlier TPMs), then an
/// "audit.verify" event. Names the latest signed checkpoint (size, root,
/// time) so it can be compared with the one printed on paper acts.
Result<VerifyOutcome> RunAuditVerify(Store& store, const Actor& actor,
                                     const std::vector<std::string>& extra_trusted_keys_pem = {});

std::string ScrubReportText(const ScrubReport& report);
nlohmann::json ScrubReportJson(const ScrubReport& report);
std::string AuditReportText(const AuditVerifyReport& report, const std::optional<AuditCheckpoint>& latest);
nlohmann::json AuditReportJson(const AuditVerifyReport& report, const std::optional<AuditCheckpoint>& latest);

}  // namespace qoima::storage
