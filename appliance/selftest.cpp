#include "appliance/selftest.h"

#include "crypto/tpm_context.h"
#include "hardware/backends.h"
#include "storage/sqlcipher_probe.h"

namespace qoima::appliance {

std::vector<SelfTestCheck> RunSelfTest(const SelfTestOptions& options) {
  std::vector<SelfTestCheck> checks;

  SelfTestCheck tpm{"tpm", options.tcti, {}};
  auto ctx = crypto::TpmContext::Open(options.tcti);
  if (!ctx.ok()) {
    tpm.status = ctx.status();
  } else {
    auto desc = (*ctx)->Describe();
    if (desc.ok())
      tpm.detail = "manufacturer " + *desc + " via " + options.tcti;
    else
      tpm.status = desc.status();
  }
  checks.push_back(std::move(tpm));

  SelfTestCheck store{"store", {}, {}};
  auto sq = storage::ProbeSqlcipher(options.scratch_dir);
  if (sq.ok())
    store.detail = *sq;
  else
    store.status = sq.status().WithContext("encrypted store probe in " + options.scratch_dir);
  checks.push_back(std::move(store));

  for (auto& b : hardware::CheckReaderBackends()) checks.push_back({"reader:" + b.name, b.detail, b.status});
  return checks;
}

}  // namespace qoima::appliance
