#include "appliance/export/deposit_export.h"

#include "appliance/export/storage_export_audit_log.h"
#include "appliance/export/store_payload_source.h"

namespace qoima::exporting {

Result<ExportReceipt> ExportDeposit(storage::Store& store, crypto::Signer& signer, const DepositExportRequest& r) {
  if (!r.target) return Status::InvalidArgument("export: no target");
  const std::string object = "deposit:" + std::to_string(r.deposit_id);
  QOIMA_ASSIGN_OR_RETURN(ExportApproval approval, ExportApprovalFrom(r.approval, r.deposit_id, r.now, r.lookup));
  const storage::Actor actor{approval.requested_by, approval.requester_role};
  auto run = [&]() -> Result<ExportReceipt> {
    QOIMA_ASSIGN_OR_RETURN(auto source,
                           StorePayloadSource::Open(store, r.deposit_id, actor,
                                                    "export under approval " + approval.approval_id, r.act_id));
    StorageExportAuditLog audit(&store);
    FileExportCounter counter(r.counter_path);
    BundleExporter exporter(&signer, &audit, &counter, [&] { return r.now; });
    ExportRequest req;
    req.approval = approval;
    req.recipient_cert_pem = r.recipient_cert_pem;
    req.target = r.target;
    req.progress = r.progress;
    return exporter.Export(*source, req);
  };
  auto result = run();
  if (!result.ok()) {
    // The refusal or failure is part of the record, like every other act.
    auto logged = store.Record(actor, "export.bundle", object, "failure",
                               "approval=" + approval.approval_id + ";error=" + result.status().ToString());
    if (!logged.ok())
      return result.status().WithContext("(and the audit log refused the failure event: " + logged.status().message() +
                                         ")");
  }
  return result;
}

}  // namespace qoima::exporting
