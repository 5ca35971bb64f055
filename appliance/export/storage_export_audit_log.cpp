#include "appliance/export/storage_export_audit_log.h"

#include "appliance/export/bag_layout.h"

namespace qoima::exporting {
namespace {
std::string Raw(const storage::Hash& h) { return std::string(h.begin(), h.end()); }
}  // namespace

storage::AuditEvent StorageExportAuditLog::ToAuditEvent(const ExportEvent& e, std::string_view outcome) {
  storage::AuditEvent a;
  a.time = e.time;
  a.actor = e.requested_by;
  a.role = std::string(kSecurityOfficerRole);
  a.action = "export.bundle";
  a.object = "deposit:" + e.deposit_id;
  a.outcome = std::string(outcome);
  a.reason = e.Detail() + ";requested-by=" + e.requested_by + ";approved-by=" + e.approved_by +
             ";approval=" + e.approval_id + ";reason=" + e.reason;
  return a;
}

Result<AuditInclusion> StorageExportAuditLog::AppendExportEvent(const ExportEvent& event) {
  const storage::AuditEvent a = ToAuditEvent(event, "success");
  QOIMA_ASSIGN_OR_RETURN(uint64_t index, log_->Append(a));
  QOIMA_ASSIGN_OR_RETURN(storage::AuditCheckpoint cp,
                         store_ ? store_->SignCheckpoint() : log_->Checkpoint(*signer_, event.time));
  QOIMA_ASSIGN_OR_RETURN(storage::InclusionProof proof, log_->ProveInclusion(index, cp.tree_size));
  AuditInclusion out;
  out.leaf_index = proof.index;
  out.tree_size = proof.tree_size;
  out.leaf = storage::AuditLeafData(a);
  for (const auto& h : proof.path) out.audit_path.push_back(Raw(h));
  out.root_hash = Raw(proof.root);
  out.checkpoint_body = storage::CheckpointText(cp);
  out.checkpoint_signature = cp.signature;
  if (Raw(storage::MerkleLeafHash(out.leaf)) != Raw(proof.leaf_hash))
    return Status::Internal("audit: leaf data of the export event does not hash to the logged leaf");
  return out;
}

}  // namespace qoima::exporting
