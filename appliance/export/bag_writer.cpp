#include "appliance/export/bag_writer.h"

#include <algorithm>
#include <ctime>
#include <vector>

#include "appliance/export/bag_layout.h"
#include "appliance/export/bag_names.h"
#include "appliance/export/cms_envelope_sink.h"
#include "appliance/export/hash_worker.h"
#include "crypto/hash.h"

namespace qoima::exporting {
namespace {

struct Written {
  std::string bag_path;  // under data/
  std::string raw_path;
  std::string sha256;
  std::string sha512;
};

// bag-info values are single lines.
std::string OneLine(std::string v) {
  for (char& c : v)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return v;
}

std::string Who(const std::string& user, const std::string& role) { return OneLine(user) + " (" + role + ")"; }

}  // namespace

std::string BagDirName(uint64_t sequence) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "qoima-export-%06llu", static_cast<unsigned long long>(sequence));
  return buf;
}

std::string Rfc3339(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Status CheckApproval(const ExportApproval& a) {
  if (a.requested_by.empty()) return Status::PermissionDenied("export: no requesting officer");
  if (a.approved_by.empty()) return Status::PermissionDenied("export: not approved by a second officer");
  if (a.requested_by == a.approved_by)
    return Status::PermissionDenied("export: requested and approved by the same person (" + a.requested_by +
                                    "); two different security officers are required");
  if (a.requester_role != kSecurityOfficerRole)
    return Status::PermissionDenied("export: requester " + a.requested_by + " has role '" + a.requester_role +
                                    "', not " + std::string(kSecurityOfficerRole));
  if (a.approver_role != kSecurityOfficerRole)
    return Status::PermissionDenied("export: approver " + a.approved_by + " has role '" + a.approver_role + "', not " +
                                    std::string(kSecurityOfficerRole));
  if (a.approval_id.empty()) return Status::PermissionDenied("export: no approval record id");
  if (a.reason.empty()) return Status::InvalidArgument("export: the reason is empty");
  if (a.reason.size() > kMaxReasonBytes)
    return Status::LimitExceeded("export: reason longer than " + std::to_string(kMaxReasonBytes) + " bytes");
  return Status::Ok();
}

Result<BagSummary> BagWriter::Write(PayloadSource& source, const ExportApproval& approval, const BundleIdentity& id,
                                    const std::string& encrypted_for, TarWriter* tar) {
  QOIMA_RETURN_IF_ERROR(CheckApproval(approval));
  BagSummary sum;
  sum.bag_dir = BagDirName(id.sequence);
  const std::string top = sum.bag_dir + "/";
  const int64_t mtime = id.time;
  const std::string cert_pem = signer_->CertificatePem();
  sum.device_fingerprint = signer_->Fingerprint();

  QOIMA_RETURN_IF_ERROR(tar->AddFile(top + std::string(kBagitTxt), kBagitContent, mtime));

  // Payload: one streamed pass per file.
  const auto& entries = source.entries();
  if (entries.size() > kMaxPayloadFiles)
    return Status::LimitExceeded("export: more than " + std::to_string(kMaxPayloadFiles) + " payload files");
  BagNameMapper names;
  // SHA-512 of a chunk runs on a second core while this thread hashes
  // SHA-256 and writes the chunk to the tar: creation is bound by the slower
  // of the two, not their sum. The worker lives only inside Write (no thread
  // exists when the exporter forks mkfs/mcopy).
  HashWorker sha512_worker;
  std::vector<Written> written;
  written.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    QOIMA_ASSIGN_OR_RETURN(std::string bag_path, names.Map(e.raw_path));
    const std::string shown = BagNameMapper::EncodeRaw(e.raw_path);
    QOIMA_RETURN_IF_ERROR(tar->BeginFile(top + std::string(kDataPrefix) + bag_path, e.size, mtime));
    uint64_t got = 0;
    crypto::Sha256 h256;
    crypto::Sha512 h512;
    Status st = source.Stream(i, [&](std::span<const uint8_t> chunk) -> Status {
      if (got + chunk.size() > e.size)
        return Status::Corrupt("yields more than its recorded " + std::to_string(e.size) + " bytes");
      sha512_worker.Start([&h512, chunk] { h512.Update(chunk); });
      h256.Update(chunk);
      Status tar_status = tar->WriteData(chunk);
      sha512_worker.Wait();
      got += chunk.size();
      return tar_status;
    });
    if (!st.ok()) return st.WithContext("export: payload " + shown);
    if (got != e.size)
      return Status::Corrupt("export: payload " + shown + " yields " + std::to_string(got) +
                             " bytes, recorded size is " + std::to_string(e.size));
    QOIMA_RETURN_IF_ERROR(tar->EndFile());
    written.push_back({std::move(bag_path), e.raw_path, crypto::Hex(h256.Finish()), crypto::Hex(h512.Finish())});
    sum.payload_bytes += e.size;
  }
  sum.payload_files = written.size();
  std::sort(written.begin(), written.end(), [](const Written& a, const Written& b) { return a.bag_path < b.bag_path; });

  std::string m256, m512, names_txt(kNamesHeader);
  for (const auto& w : written) {
    m256 += w.sha256 + "  data/" + w.bag_path + "\n";
    m512 += w.sha512 + "  data/" + w.bag_path + "\n";
    names_txt += "data/" + w.bag_path + "\t" + BagNameMapper::EncodeRaw(w.raw_path) + "\n";
  }
  sum.manifest_sha256 = crypto::Hex(crypto::Sha256::Digest(m256));

  // The audit leaf binds this export's id and payload manifest.
  ExportEvent ev;
  ev.export_id = id.export_id;
  ev.sequence = id.sequence;
  ev.deposit_id = source.metadata().deposit_id;
  ev.requested_by = approval.requested_by;
  ev.approved_by = approval.approved_by;
  ev.approval_id = approval.approval_id;
  ev.reason = OneLine(approval.reason);
  ev.manifest_sha256 = sum.manifest_sha256;
  ev.time = Rfc3339(id.time);
  QOIMA_ASSIGN_OR_RETURN(sum.audit, audit_->AppendExportEvent(ev));
  if (sum.audit.leaf.find(ev.Detail()) == std::string::npos)
    return Status::Internal("export: the audit leaf does not carry the export detail string");

  const auto& md = source.metadata();
  std::string info;
  auto add = [&info](std::string_view label, const std::string& value) {
    info += std::string(label) + ": " + OneLine(value) + "\n";
  };
  add("Bag-Software-Agent", std::string("qoima ") + QOIMA_VERSION);
  add("Bagging-Date", Rfc3339(id.time).substr(0, 10));
  add("External-Identifier", id.export_id);
  add(kLabelOxum, std::to_string(sum.payload_bytes) + "." + std::to_string(sum.payload_files));
  add(kLabelExportId, id.export_id);
  add(kLabelSequence, std::to_string(id.sequence));
  add("Qoima-Export-Time", Rfc3339(id.time));
  add("Qoima-Export-Reason", approval.reason);
  add(kLabelRequestedBy, Who(approval.requested_by, approval.requester_role));
  add(kLabelApprovedBy, Who(approval.approved_by, approval.approver_role));
  add("Qoima-Approval-Id", approval.approval_id);
  add("Qoima-Deposit-Id", md.deposit_id);
  add("Qoima-Object", md.object_name);
  add("Qoima-Version", md.version);
  add("Qoima-Act-Id", md.act_id);
  add("Qoima-Root-Hash", md.root_hash);
  add(kLabelDeviceFp, sum.device_fingerprint);
  add("Qoima-Audit-Leaf-Index", std::to_string(sum.audit.leaf_index));
  add("Qoima-Audit-Tree-Size", std::to_string(sum.audit.tree_size));
  if (!encrypted_for.empty()) add("Qoima-Encrypted-For", encrypted_for);

  const std::string proof = SerializeProof(sum.audit);
  struct Tag {
    std::string_view name;
    const std::string* content;
  };
  const Tag tags[] = {{kManifest256, &m256},    {kManifest512, &m512}, {kBagInfo, &info},
                      {kNamesFile, &names_txt}, {kProofFile, &proof},  {kCertFile, &cert_pem}};
  std::string bagit(kBagitContent);
  std::string t256 = crypto::Hex(crypto::Sha256::Digest(bagit)) + "  " + std::string(kBagitTxt) + "\n";
  std::string t512 = crypto::Hex(crypto::Sha512::Digest(bagit)) + "  " + std::string(kBagitTxt) + "\n";
  for (const auto& t : tags) {
    QOIMA_RETURN_IF_ERROR(tar->AddFile(top + std::string(t.name), *t.content, mtime));
    t256 += crypto::Hex(crypto::Sha256::Digest(*t.content)) + "  " + std::string(t.name) + "\n";
    t512 += crypto::Hex(crypto::Sha512::Digest(*t.content)) + "  " + std::string(t.name) + "\n";
  }
  QOIMA_RETURN_IF_ERROR(tar->AddFile(top + std::string(kTagManifest256), t256, mtime));
  QOIMA_RETURN_IF_ERROR(tar->AddFile(top + std::string(kTagManifest512), t512, mtime));

  const crypto::Sha256Digest digest = crypto::Sha256::Digest(t256);
  sum.tagmanifest_sha256 = crypto::Hex(digest);
  QOIMA_ASSIGN_OR_RETURN(auto sig, signer_->SignDigest(digest));
  QOIMA_RETURN_IF_ERROR(tar->AddFile(top + std::string(kSignatureFile),
                                     std::string_view(reinterpret_cast<const char*>(sig.data()), sig.size()), mtime));
  return sum;
}

}  // namespace qoima::exporting
