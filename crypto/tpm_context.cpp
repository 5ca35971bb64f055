#include "crypto/tpm_context.h"

#include <tss2/tss2_rc.h>
#include <tss2/tss2_sys.h>

#include <cstdlib>
#include <cstring>
#include <vector>

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

bool TctiHasNoResourceManager(const std::string& tcti) {
  std::string name = tcti.substr(0, tcti.find(':'));
  std::string conf = tcti.find(':') == std::string::npos ? "" : tcti.substr(tcti.find(':') + 1);
  if (name == "swtpm" || name == "mssim" || name == "libtss2-tcti-swtpm.so.0" || name == "libtss2-tcti-mssim.so.0")
    return true;
  if (name == "device" || name == "libtss2-tcti-device.so.0") return conf.find("tpmrm") == std::string::npos;
  return false;  // tabrmd, or a TCTI we do not know: assume something manages it
}

namespace {

struct SysDeleter {
  void operator()(TSS2_SYS_CONTEXT* ctx) const {
    Tss2_Sys_Finalize(ctx);
    std::free(ctx);
  }
};

// The handles of one kind currently in the TPM (TPM2_GetCapability handles).
Result<std::vector<TPM2_HANDLE>> ListHandles(TSS2_SYS_CONTEXT* sys, TPM2_HANDLE first) {
  std::vector<TPM2_HANDLE> out;
  TPM2_HANDLE next = first;
  for (int round = 0; round < 64; ++round) {
    TPMI_YES_NO more = TPM2_NO;
    TPMS_CAPABILITY_DATA data{};
    TSS2_RC rc =
        Tss2_Sys_GetCapability(sys, nullptr, TPM2_CAP_HANDLES, next, TPM2_MAX_CAP_HANDLES, &more, &data, nullptr);
    QOIMA_RETURN_IF_ERROR(TpmStatus(rc, "list TPM handles"));
    const TPML_HANDLE& h = data.data.handles;
    for (UINT32 i = 0; i < h.count && i < TPM2_MAX_CAP_HANDLES; ++i) {
      // The list runs on into the next handle type: stop at the end of ours
      // (sessions, loaded or saved, have HMAC or policy session handles).
      TPM2_HANDLE type = h.handle[i] >> TPM2_HR_SHIFT;
      bool session = type == TPM2_HT_HMAC_SESSION || type == TPM2_HT_POLICY_SESSION;
      bool ours = first == TPM2_TRANSIENT_FIRST ? type == TPM2_HT_TRANSIENT : session;
      if (!ours) return out;
      out.push_back(h.handle[i]);
    }
    if (more != TPM2_YES || h.count == 0) break;
    next = h.handle[h.count - 1] + 1;
  }
  return out;
}

// Flushes the transient objects and the sessions (loaded or context-saved)
// that a dead process left in a TPM reached without a resource manager.
// Returns how many it flushed.
Result<int> FlushStaleHandles(TSS2_TCTI_CONTEXT* tcti) {
  size_t size = Tss2_Sys_GetContextSize(0);
  std::unique_ptr<TSS2_SYS_CONTEXT, SysDeleter> sys(static_cast<TSS2_SYS_CONTEXT*>(std::calloc(1, size)));
  if (!sys) return Status::Internal("out of memory for a TPM SAPI context");
  TSS2_ABI_VERSION abi = TSS2_ABI_VERSION_CURRENT;
  TSS2_RC rc = Tss2_Sys_Initialize(sys.get(), size, tcti, &abi);
  if (rc != TSS2_RC_SUCCESS) {
    std::free(sys.release());  // not initialized: nothing to finalize
    return TpmStatus(rc, "initialize SAPI to flush stale TPM handles");
  }
  rc = Tss2_Sys_Startup(sys.get(), TPM2_SU_CLEAR);
  if (rc != TSS2_RC_SUCCESS && (rc & 0xfff) != TPM2_RC_INITIALIZE) return TpmStatus(rc, "TPM2_Startup");
  int flushed = 0;
  for (TPM2_HANDLE first : {TPM2_TRANSIENT_FIRST, TPM2_LOADED_SESSION_FIRST, TPM2_ACTIVE_SESSION_FIRST}) {
    QOIMA_ASSIGN_OR_RETURN(std::vector<TPM2_HANDLE> handles, ListHandles(sys.get(), first));
    for (TPM2_HANDLE h : handles) {
      rc = Tss2_Sys_FlushContext(sys.get(), h);
      // A handle that went away in between is what we wanted anyway.
      if (rc != TSS2_RC_SUCCESS && (rc & (TPM2_RC_FMT1 | 0x3f)) != TPM2_RC_HANDLE) {
        char hex[16];
        std::snprintf(hex, sizeof hex, "0x%08x", h);
        return TpmStatus(rc, std::string("flush stale TPM handle ") + hex);
      }
      if (rc == TSS2_RC_SUCCESS) ++flushed;
    }
  }
  return flushed;
}

}  // namespace

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
  if (TctiHasNoResourceManager(tcti)) {
    Result<int> flushed = FlushStaleHandles(raw_tcti);
    if (!flushed.ok()) return flushed.status().WithContext("on '" + tcti + "' (no resource manager)");
    ctx->stale_handles_flushed_ = *flushed;
  }
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
