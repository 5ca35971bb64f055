// HandoverExporter: the seam between the lifecycle rules and the export-bundle
// path. Issue on request (003 cl.29) and return on decommissioning (003 cl.30)
// hand each version over as one signed export bundle, each under its own
// approved export request (appliance/approval_repository.h: action export,
// object "deposit:<id>", requested by one security officer and approved by
// another). LifecycleService checks the case and the approvals, then asks the
// exporter for one bundle per version, and discards the bundles it wrote when
// a later step fails (nothing half-done is left on the target).
//
// The real implementation is ApplianceHandoverExporter (Appliance::Export);
// tests of the lifecycle logic pass a recording fake.
// Thread-safety: one hand-over at a time.
#pragma once

#include <cstdint>
#include <string>

#include "appliance/lifecycle/lifecycle_types.h"
#include "common/result.h"

namespace qoima::appliance::lifecycle {

/// One version to export under its approved export request.
struct HandoverExportRequest {
  int64_t deposit_id = 0;
  int version_no = 0;
  int64_t approval_id = 0;  // approved export of "deposit:<deposit_id>"
  std::string bundle_name;  // file name on the target: "qoima-issue-case4-v2.tar"
};

class HandoverExporter {
 public:
  virtual ~HandoverExporter() = default;
  /// Writes, reads back and verifies one bundle and closes its approval; the
  /// export path audits it.
  virtual Result<HandoverBundle> Export(const HandoverExportRequest& request) = 0;
  /// Best effort: removes a bundle this exporter wrote (a later step failed).
  virtual void Discard(const HandoverBundle& bundle) = 0;
};

}  // namespace qoima::appliance::lifecycle
