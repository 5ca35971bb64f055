// HandoverExporter: the seam between the lifecycle rules and the export-bundle
// path (appliance/export). Issue on request (003 cl.29) and return on
// decommissioning (003 cl.30) hand each version over as one signed export
// bundle; LifecycleService checks the case and the two-person approval, then
// asks the exporter for one bundle per version, and discards what it wrote
// when a later step fails (nothing half-done is left on the target).
//
// The real implementation is BundleHandoverExporter (bundle_handover_exporter.h);
// tests of the lifecycle logic pass a recording fake.
// Thread-safety: one hand-over at a time.
#pragma once

#include <cstdint>
#include <string>

#include "appliance/lifecycle/lifecycle_types.h"
#include "common/result.h"

namespace qoima::appliance::lifecycle {

/// One version to export, under an approval LifecycleService has checked.
struct HandoverExportRequest {
  int64_t deposit_id = 0;
  int version_no = 0;
  std::string bundle_name;  // file name on the target: "qoima-issue-case4-v2.tar"
  std::string act_id;       // acceptance act of the deposit, for bag-info.txt ("" when none)
  int64_t approval_id = 0;
  int64_t requested_by = 0;  // user ids of the two officers
  int64_t approved_by = 0;
  std::string reason;        // "issue on request (003 cl.29), letter вх-1 of 2026-11-02, case 4"
  int64_t now_unix = 0;      // the lifecycle clock, unix seconds
  int64_t expires_unix = 0;  // when the approval lapses
};

class HandoverExporter {
 public:
  virtual ~HandoverExporter() = default;
  /// Writes, reads back and verifies one bundle; the export path audits it.
  virtual Result<HandoverBundle> Export(const HandoverExportRequest& request) = 0;
  /// Best effort: removes a bundle this exporter wrote (a later step failed).
  virtual void Discard(const HandoverBundle& bundle) = 0;
};

}  // namespace qoima::appliance::lifecycle
