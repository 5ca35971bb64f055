// BundleHandoverExporter: HandoverExporter over the export-bundle path
// (exporting::ExportDeposit): each version becomes a signed BagIt bundle in an
// output directory, written as "<name>.partial", read back and verified, with
// the export event and its inclusion proof in the audit log. The lifecycle's
// approval (approvals row, action 'issue' or 'return', target "case:<id>",
// requested and approved by two different security officers) is presented to
// the export path as an approved export of each deposit, so the bundle's
// bag-info.txt names both officers and the approval id.
//
// Ownership: borrows the Store and the Signer (the appliance's TPM-resident
// device key), which must outlive it. Thread-safety: one export at a time.
#pragma once

#include <optional>
#include <string>

#include "appliance/lifecycle/handover_exporter.h"
#include "crypto/signer.h"
#include "storage/store.h"

namespace qoima::appliance::lifecycle {

class BundleHandoverExporter : public HandoverExporter {
 public:
  /// `out_dir`: an existing directory; `counter_path`: the appliance's export
  /// sequence file (<state>/export.seq); `recipient_cert_pem`: set to encrypt
  /// each bundle to the owner's certificate (CMS).
  BundleHandoverExporter(storage::Store& store, crypto::Signer& signer, std::string out_dir, std::string counter_path,
                         std::optional<std::string> recipient_cert_pem)
      : store_(store),
        signer_(signer),
        out_dir_(std::move(out_dir)),
        counter_path_(std::move(counter_path)),
        recipient_cert_pem_(std::move(recipient_cert_pem)) {}

  /// InvalidArgument unless `out_dir` is an existing directory.
  Status Check() const;
  Result<HandoverBundle> Export(const HandoverExportRequest& request) override;
  void Discard(const HandoverBundle& bundle) override;

 private:
  storage::Store& store_;
  crypto::Signer& signer_;
  std::string out_dir_;
  std::string counter_path_;
  std::optional<std::string> recipient_cert_pem_;
};

}  // namespace qoima::appliance::lifecycle
