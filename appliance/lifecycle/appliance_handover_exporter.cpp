#include "appliance/lifecycle/appliance_handover_exporter.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace qoima::appliance::lifecycle {

Status ApplianceHandoverExporter::Check() const {
  struct stat st {};
  if (::stat(out_dir_.c_str(), &st) != 0) return Status::FromErrno(errno, "output directory " + out_dir_);
  if (!S_ISDIR(st.st_mode)) return Status::InvalidArgument(out_dir_ + " is not a directory");
  return Status::Ok();
}

Result<HandoverBundle> ApplianceHandoverExporter::Export(const HandoverExportRequest& r) {
  if (r.bundle_name.empty() || r.bundle_name.find('/') != std::string::npos)
    return Status::InvalidArgument("bundle name '" + r.bundle_name + "' is not a plain file name");
  ExportOptions options;
  options.output_path = out_dir_ + "/" + r.bundle_name;
  options.recipient_cert_pem = recipient_cert_pem_;
  options.note = "hand-over " + r.bundle_name;
  QOIMA_ASSIGN_OR_RETURN(ExportOutcome out, app_.Export(actor_, r.approval_id, options));
  if (out.deposit_id != r.deposit_id)
    return Status::Internal("approval " + std::to_string(r.approval_id) + " exported deposit " +
                            std::to_string(out.deposit_id) + ", not " + std::to_string(r.deposit_id));
  HandoverBundle b;
  b.version_no = r.version_no;
  b.deposit_id = out.deposit_id;
  b.approval_id = out.approval_id;
  b.requested_by = out.requested_by;
  b.approved_by = out.approved_by;
  b.export_id = out.export_id;
  b.sequence = out.sequence;
  b.location = out.written_to;
  b.bundle_bytes = out.bundle_bytes;
  b.bundle_sha256 = out.bundle_sha256;
  b.encrypted = out.encrypted;
  b.payload_files = out.payload_files;
  b.payload_bytes = out.payload_bytes;
  return b;
}

void ApplianceHandoverExporter::Discard(const HandoverBundle& bundle) {
  if (bundle.location.rfind(out_dir_ + "/", 0) == 0) (void)::unlink(bundle.location.c_str());
}

}  // namespace qoima::appliance::lifecycle
