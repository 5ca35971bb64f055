// ApplianceHandoverExporter: HandoverExporter over Appliance::Export, the one
// export path (appliance/appliance_export.cpp): each version becomes a signed
// BagIt bundle "<out_dir>/<bundle name>", read back and verified, with the
// export event and its inclusion proof in the audit log, and its approval is
// marked executed. The bundle's bag-info.txt names both officers.
//
// Ownership: borrows the Appliance, which must outlive it.
// Thread-safety: one export at a time.
#pragma once

#include <optional>
#include <string>

#include "appliance/appliance.h"
#include "appliance/lifecycle/handover_exporter.h"

namespace qoima::appliance::lifecycle {

class ApplianceHandoverExporter : public HandoverExporter {
 public:
  /// `actor`: the security officer carrying the hand-over out (logged in);
  /// `out_dir`: an existing directory; `recipient_cert_pem`: set to encrypt
  /// each bundle to the owner's certificate (CMS).
  ApplianceHandoverExporter(Appliance& app, Actor actor, std::string out_dir,
                            std::optional<std::string> recipient_cert_pem)
      : app_(app),
        actor_(std::move(actor)),
        out_dir_(std::move(out_dir)),
        recipient_cert_pem_(std::move(recipient_cert_pem)) {}

  /// InvalidArgument unless `out_dir` is an existing directory.
  Status Check() const;
  Result<HandoverBundle> Export(const HandoverExportRequest& request) override;
  void Discard(const HandoverBundle& bundle) override;

 private:
  Appliance& app_;
  Actor actor_;
  std::string out_dir_;
  std::optional<std::string> recipient_cert_pem_;
};

}  // namespace qoima::appliance::lifecycle
