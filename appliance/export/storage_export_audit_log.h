// StorageExportAuditLog: ExportAuditLog over storage/'s Merkle AuditLog.
//
// Appends one "export.bundle" event (actor: the requesting officer; the reason
// carries ExportEvent::Detail(), the approver and the stated reason), signs a
// checkpoint over the new tree head, and returns the inclusion proof of the
// event against that checkpoint. The leaf bytes are storage::AuditLeafData()
// and the checkpoint body storage::CheckpointText(), so a verifier can
// recompute both (docs/bundle-format.md). Over a Store the checkpoint is the
// store's (Store::SignCheckpoint: bound to the TPM rollback counter); over a
// bare AuditLog it is signed by the given signer without a counter.
//
// Ownership: borrows the store, or the audit log and the signer.
// Thread-safety: as AuditLog.
#pragma once

#include <functional>

#include "appliance/export/audit_proof.h"
#include "crypto/signer.h"
#include "storage/audit_log.h"
#include "storage/store.h"

namespace qoima::exporting {

class StorageExportAuditLog : public ExportAuditLog {
 public:
  StorageExportAuditLog(storage::AuditLog* log, crypto::Signer* signer) : log_(log), signer_(signer) {}
  explicit StorageExportAuditLog(storage::Store* store) : log_(&store->audit()), store_(store) {}
  Result<AuditInclusion> AppendExportEvent(const ExportEvent& event) override;

  /// The storage event written for `event` (also used to log a failed export).
  static storage::AuditEvent ToAuditEvent(const ExportEvent& event, std::string_view outcome);

 private:
  storage::AuditLog* log_;
  crypto::Signer* signer_ = nullptr;
  storage::Store* store_ = nullptr;
};

}  // namespace qoima::exporting
