#include "appliance/lifecycle/bundle_handover_exporter.h"

#include <sys/stat.h>
#include <unistd.h>

#include "appliance/export/deposit_export.h"
#include "appliance/export/export_target.h"

namespace qoima::appliance::lifecycle {

namespace {

/// The user behind an id with the role that matters for a hand-over: security
/// officer when the user holds it (users may hold several roles).
Result<Actor> LookUpActor(storage::Database& db, int64_t user_id) {
  QOIMA_ASSIGN_OR_RETURN(auto st,
                         db.Prepare("SELECT u.login, r.role FROM users u JOIN user_roles r ON r.user_id = u.id "
                                    "WHERE u.id = ? ORDER BY r.role = 'security_officer' DESC, r.role"));
  st.Bind(1, user_id);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("user " + std::to_string(user_id) + " has no role");
  auto role = ParseRole(st.ColumnText(1));
  if (!role) return Status::Corrupt("user " + std::to_string(user_id) + " has the unknown role " + st.ColumnText(1));
  return Actor{user_id, st.ColumnText(0), *role};
}

}  // namespace

Status BundleHandoverExporter::Check() const {
  struct stat st {};
  if (::stat(out_dir_.c_str(), &st) != 0) return Status::FromErrno(errno, "output directory " + out_dir_);
  if (!S_ISDIR(st.st_mode)) return Status::InvalidArgument(out_dir_ + " is not a directory");
  return Status::Ok();
}

Result<HandoverBundle> BundleHandoverExporter::Export(const HandoverExportRequest& r) {
  if (r.bundle_name.empty() || r.bundle_name.find('/') != std::string::npos)
    return Status::InvalidArgument("bundle name '" + r.bundle_name + "' is not a plain file name");
  ApprovalRequest approval;
  approval.id = r.approval_id;
  approval.action = SensitiveAction::kExport;
  approval.object = "deposit:" + std::to_string(r.deposit_id);
  approval.reason = r.reason;
  approval.requested_by = r.requested_by;
  approval.created_at = r.now_unix;
  approval.expires_at = r.expires_unix;
  approval.approvals.push_back({r.approved_by, "", r.now_unix});
  approval.state = ApprovalState::kApproved;

  exporting::FileExportTarget target(out_dir_ + "/" + r.bundle_name);
  exporting::DepositExportRequest req;
  req.deposit_id = r.deposit_id;
  req.approval = approval;
  req.lookup = [this](int64_t id) { return LookUpActor(store_.db(), id); };
  req.act_id = r.act_id;
  req.recipient_cert_pem = recipient_cert_pem_;
  req.target = &target;
  req.counter_path = counter_path_;
  req.now = r.now_unix;
  QOIMA_ASSIGN_OR_RETURN(exporting::ExportReceipt receipt, exporting::ExportDeposit(store_, signer_, req));
  HandoverBundle b;
  b.version_no = r.version_no;
  b.deposit_id = r.deposit_id;
  b.export_id = receipt.export_id;
  b.sequence = receipt.sequence;
  b.location = receipt.output_path;
  b.bundle_bytes = receipt.bundle_bytes;
  b.bundle_sha256 = receipt.bundle_sha256;
  b.encrypted = receipt.encrypted;
  b.payload_files = receipt.bag.payload_files;
  b.payload_bytes = receipt.bag.payload_bytes;
  return b;
}

void BundleHandoverExporter::Discard(const HandoverBundle& bundle) {
  if (bundle.location.rfind(out_dir_ + "/", 0) == 0) (void)::unlink(bundle.location.c_str());
}

}  // namespace qoima::appliance::lifecycle
