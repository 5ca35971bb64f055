// ExportDeposit: the whole export of one committed deposit, as the Appliance
// facade (and through it the CLI and the kiosk) runs it: check the two-person
// approval, open the deposit in the store (audited read), stream it into a
// signed bag on the target, log the export event with its inclusion proof,
// read back and verify. A failure is recorded in the audit log too.
//
// The caller then marks the approval executed (appliance::MarkExecuted) and
// persists it. Ownership: borrows everything. Thread-safety: one export at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "appliance/export/bundle_exporter.h"
#include "appliance/export/export_approval.h"
#include "crypto/signer.h"
#include "storage/store.h"

namespace qoima::exporting {

struct DepositExportRequest {
  int64_t deposit_id = 0;
  appliance::ApprovalRequest approval;  // approved export request for this deposit
  ActorLookup lookup;                   // user id -> Actor (role check)
  std::string act_id;                   // acceptance act of the deposit, for bag-info.txt
  std::optional<std::string> recipient_cert_pem;
  ExportTarget* target = nullptr;  // REQUIRES: non-null
  std::string counter_path;        // the appliance's export sequence file, e.g. <state>/export.seq
  int64_t now = 0;                 // unix seconds, for the approval's expiry
  ExportProgressFn progress;       // ExportRequest::progress
};

Result<ExportReceipt> ExportDeposit(storage::Store& store, crypto::Signer& signer, const DepositExportRequest& request);

}  // namespace qoima::exporting
