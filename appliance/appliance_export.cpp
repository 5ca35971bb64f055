// Appliance::Export: runs an approved export (appliance/export/deposit_export.h)
// with the keyring's TPM signer, then closes the approval.
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "appliance/appliance.h"
#include "appliance/civil_time.h"
#include "appliance/export/deposit_export.h"
#include "appliance/export/export_medium.h"
#include "appliance/export/export_target.h"
#include "hardware/device_monitor.h"

namespace qoima::appliance {
namespace {

using storage::Statement;
using storage::Transaction;

constexpr const char* kExportCounterFile = "/export.seq";
constexpr const char* kExportMediumLabel = "QOIMA_EXP";  // a FAT label: at most 11 characters
constexpr unsigned kLoopMajor = 7;                       // whole loop devices (their partitions have another major)

// The acceptance act recorded with the deposit at intake ("" when none).
Result<std::string> ActNumberOf(storage::Database& db, int64_t deposit_id) {
  QOIMA_ASSIGN_OR_RETURN(Statement st, db.Prepare("SELECT number FROM acts WHERE deposit_id = ? AND kind = "
                                                  "'acceptance' ORDER BY id LIMIT 1"));
  st.Bind(1, deposit_id);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? st.ColumnText(0) : std::string();
}

// The whole device is formatted, so it must be what hardware/ classifies as
// a USB mass-storage stick (no other USB interface), a whole disk, and none
// of the appliance's own disks (mounted filesystems, swap). Anything else -
// a partition, the system disk, a loop or internal disk - is refused before
// a byte is written.
Status CheckExportMedium(const std::string& device, bool allow_test_media, const std::string& state_dir) {
  struct stat st {};
  if (::stat(device.c_str(), &st) != 0) return Status::FromErrno(errno, "export medium " + device);
  if (!S_ISBLK(st.st_mode)) return Status::InvalidArgument("export medium " + device + " is not a block device");
  const hardware::OwnDisks own = hardware::OwnDisks::FromSystem({state_dir});
  // Where loop devices stand for media (tests, the demonstration), a whole
  // loop device stands for the export stick; never one the appliance uses.
  if (allow_test_media && ::major(st.st_rdev) == kLoopMajor) {
    if (own.devnums.count(static_cast<uint64_t>(st.st_rdev)))
      return Status::FailedPrecondition("refusing to format " + device + ": the appliance uses it");
    return Status::Ok();
  }
  QOIMA_ASSIGN_OR_RETURN(auto source, hardware::UdevDeviceSource::Create());
  QOIMA_ASSIGN_OR_RETURN(std::vector<hardware::DeviceRecord> records, source->Enumerate());
  for (const auto& r : records) {
    if (r.devnum != static_cast<uint64_t>(st.st_rdev)) continue;
    if (r.devtype != "disk")
      return Status::InvalidArgument("export medium " + device +
                                     " is a partition: give the whole export stick (e.g. /dev/sdb); it is formatted");
    hardware::Classification c = hardware::Classify(r, own);
    if (c.kind != hardware::DeviceKind::kUsbStorage || c.verdict != hardware::Verdict::kAccept)
      return Status::FailedPrecondition("refusing to format " + device + ": it is " +
                                        std::string(hardware::DeviceKindName(c.kind)) +
                                        (c.reason.empty() ? "" : " (" + c.reason + ")") + ", not a USB export stick");
    return Status::Ok();
  }
  return Status::NotFound("export medium " + device + " is not among the block devices udev reports");
}

}  // namespace

Result<ExportOutcome> Appliance::Export(const Actor& actor, int64_t approval_id, const ExportOptions& options) {
  const std::string object = "approval:" + std::to_string(approval_id);
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kRequestSensitive, "export.run", object));
  if (options.output_path.empty() == options.device.empty())
    return Status::InvalidArgument("an export goes to exactly one place: a bundle file or an export device");

  // Refuse before anything is read or written: the approval must be an
  // approved, unexpired export in which this officer took part. The dry run
  // of MarkExecuted on a copy applies exactly the rule used to close it.
  ApprovalRepository repo(store_->db());
  QOIMA_ASSIGN_OR_RETURN(ApprovalRequest request, repo.Load(approval_id));
  {
    ApprovalRequest probe = request;
    const int64_t now = clock_->NowUnix();
    Status s = request.action == SensitiveAction::kExport
                   ? MarkExecuted(probe, actor, now)
                   : Status::FailedPrecondition(object + " is for " + std::string(SensitiveActionName(request.action)) +
                                                ", not export");
    // The two persons must still be independent when the data leaves (an
    // account change between them since the approval counts too).
    for (const ApprovalVote& v : request.approvals)
      if (s.ok())
        s = CheckPersonsIndependent(store_->db(), {request.requested_by, request.requested_by_name},
                                    {v.user_id, v.username}, now);
    if (!s.ok()) {
      QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(store_->db()));
      if (probe.state == ApprovalState::kExpired && request.state != ApprovalState::kExpired) {
        QOIMA_RETURN_IF_ERROR(repo.Update(probe, request.state));
        QOIMA_RETURN_IF_ERROR(Audit(actor, "approval.expire", object, "success",
                                    "export " + request.object + " lapsed at " + FormatUtc(request.expires_at)));
      }
      QOIMA_RETURN_IF_ERROR(
          Audit(actor, "export.run", object, s.code() == Code::kPermissionDenied ? "denied" : "failure", s.message()));
      QOIMA_RETURN_IF_ERROR(tx.Commit());
      return s;
    }
  }
  if (!options.device.empty()) {
    Status medium = CheckExportMedium(options.device, options_.allow_test_media, options_.state_dir);
    if (!medium.ok()) {
      QOIMA_RETURN_IF_ERROR(Audit(actor, "export.run", object, "failure", medium.message()));
      return medium;
    }
  }
  auto deposit_id = ExportDepositId(request.object);
  if (!deposit_id) return Status::Corrupt(object + " names '" + request.object + "', not a deposit");
  QOIMA_ASSIGN_OR_RETURN(std::string act_number, ActNumberOf(store_->db(), *deposit_id));

  exporting::FileExportTarget file_target(options.output_path);
  exporting::FatMediumTarget medium_target(options.device, kExportMediumLabel);
  exporting::DepositExportRequest dr;
  dr.deposit_id = *deposit_id;
  dr.approval = request;
  dr.lookup = [this](int64_t user_id) { return ActorById(user_id); };
  dr.act_id = act_number;
  dr.recipient_cert_pem = options.recipient_cert_pem;
  dr.target = options.device.empty() ? static_cast<exporting::ExportTarget*>(&file_target) : &medium_target;
  dr.counter_path = options_.state_dir + kExportCounterFile;
  dr.now = clock_->NowUnix();
  dr.progress = options.progress;
  QOIMA_ASSIGN_OR_RETURN(exporting::ExportReceipt receipt, exporting::ExportDeposit(*store_, keyring_->signer(), dr));

  // The bundle is out and verified: close the approval so it cannot be used
  // again, in one transaction with its audit event.
  ExportOutcome out;
  out.approval_id = approval_id;
  out.deposit_id = *deposit_id;
  out.export_id = receipt.export_id;
  out.sequence = receipt.sequence;
  out.written_to = receipt.output_path;
  out.bundle_bytes = receipt.bundle_bytes;
  out.bundle_sha256 = receipt.bundle_sha256;
  out.encrypted = receipt.encrypted;
  out.bag_dir = receipt.bag.bag_dir;
  out.payload_files = receipt.bag.payload_files;
  out.payload_bytes = receipt.bag.payload_bytes;
  out.device_fingerprint = receipt.bag.device_fingerprint;
  out.audit_index = receipt.bag.audit.leaf_index;
  out.device_certificate_pem = keyring_->signer().CertificatePem();
  out.requested_by = request.requested_by_name;
  for (const auto& v : request.approvals)
    if (v.user_id != request.requested_by) out.approved_by = v.username;

  const ApprovalState before = request.state;
  QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(store_->db()));
  Status closed = MarkExecuted(request, actor, clock_->NowUnix());
  if (closed.ok()) {
    request.note = "export " + receipt.export_id + " (sequence " + std::to_string(receipt.sequence) + ") to " +
                   receipt.output_path;
    closed = repo.Update(request, before);
  }
  if (!closed.ok())
    return closed.WithContext("bundle " + receipt.output_path + " was written and verified, but " + object +
                              " could not be closed; report this to the auditor");
  std::string detail = "export " + receipt.export_id + " of deposit:" + std::to_string(*deposit_id) + ", sequence " +
                       std::to_string(receipt.sequence) + ", " + std::to_string(receipt.bag.payload_files) +
                       " files, bundle sha256 " + receipt.bundle_sha256 + " at " + receipt.output_path;
  if (!options.note.empty()) detail += "; note: " + options.note;
  QOIMA_RETURN_IF_ERROR(Audit(actor, "approval.execute", object, "success", detail));
  QOIMA_RETURN_IF_ERROR(tx.Commit());
  return out;
}

}  // namespace qoima::appliance
