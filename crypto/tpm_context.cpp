#include "crypto/tpm_context.h"

#include <tss2/tss2_rc.h>

#include <cstdlib>
#include <cstring>

namespace qoima::crypto {

Status TpmStatus(TSS2_RC rc, const std::string& what) {
  if (rc == TSS2_RC_SUCCESS) return Status::Ok();
  std::string msg = what + ": " + Tss2_RC_Decode(rc) + " (0x" + [rc] {
    char b[16];
    std::snprintf(b, sizeof b, "%x", rc);
    return std::string(b);
  }() + ")";
  TSS2_RC base = rc & 0xfff;  // strip layer; format-one codes keep parameter bits below
  TSS2_RC fmt1 = rc & (TPM2_RC_FMT1 | 0x3f);
  if (base == TPM2_RC_LOCKOUT) return Status::Lockout(msg + " (the TPM is in dictionary-attack lockout)");
  if (fmt1 == TPM2_RC_POLICY_FAIL || base == TPM2_RC_PCR_CHANGED)
    return Status::PolicyMismatch(msg + " (the system state changed since provisioning)");
  if (fmt1 == TPM2_RC_AUTH_FAIL || fmt1 == TPM2_RC_BAD_AUTH) return Status::AuthFailed(msg);
  if (fmt1 == TPM2_RC_INTEGRITY) return Status::Corrupt(msg + " (sealed blob does not verify)");
  return Status::TpmError(msg);
}

Result<std::unique_ptr<TpmContext>> TpmContext::Open(const std::string& tcti) {
  // Every TSS error reaches the caller as a Status (TpmStatus), so the
  // library's own stderr logging would only duplicate it on the clerk's
  // screen. An explicit TSS2_LOG from the environment still wins.
  setenv("TSS2_LOG", "all+NONE", /*overwrite=*/0);
  std::unique_ptr<TpmContext> ctx(new TpmContext());
  ctx->tcti_ = tcti;
  TSS2_TCTI_CONTEXT* raw_tcti = nullptr;
  TSS2_RC rc = Tss2_TctiLdr_Initialize(tcti.c_str(), &raw_tcti);
  if (rc != TSS2_RC_SUCCESS) return TpmStatus(rc, "connect to TPM through '" + tcti + "' (TPM absent or not running?)");
  ctx->tcti_ctx_.reset(raw_tcti);
  ESYS_CONTEXT* raw_esys = nullptr;
  rc = Esys_Initialize(&raw_esys, raw_tcti, nullptr);
  if (rc != TSS2_RC_SUCCESS) return TpmStatus(rc, "initialize ESAPI on '" + tcti + "'");
  ctx->esys_.reset(raw_esys);
  rc = Esys_Startup(raw_esys, TPM2_SU_CLEAR);
  if (rc != TSS2_RC_SUCCESS && (rc & 0xfff) != TPM2_RC_INITIALIZE)
    return TpmStatus(rc, "TPM2_Startup on '" + tcti + "'");
  return ctx;
}

Result<std::string> TpmContext::Describe() {
  TPMI_YES_NO more = TPM2_NO;
  TPMS_CAPABILITY_DATA* raw = nullptr;
  TSS2_RC rc = Esys_GetCapability(esys(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_TPM_PROPERTIES,
                                  TPM2_PT_MANUFACTURER, 1, &more, &raw);
  EsysBuffer<TPMS_CAPABILITY_DATA> data(raw);
  QOIMA_RETURN_IF_ERROR(TpmStatus(rc, "read TPM manufacturer"));
  if (data->data.tpmProperties.count < 1) return Status::TpmError("TPM returned no manufacturer property");
  uint32_t v = data->data.tpmProperties.tpmProperty[0].value;
  char m[5] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v),
               0};
  for (char& c : m)
    if (c && (c < 0x20 || c > 0x7e)) c = '?';
  return std::string(m);
}

}  // namespace qoima::crypto
