// TpmContext: one ESAPI connection to a TPM through a TCTI chosen by string.
//
// "device:/dev/tpmrm0" in production, "swtpm:path=/run/.../sock" in tests and
// the demo. Owns the TCTI and the ESYS context (RAII deleters below); every
// TSS2_RC is turned into a Status by TpmStatus(), the one place TSS errors are
// decoded.
//
// Without a resource manager (a TCTI straight to the TPM: "device:/dev/tpm0",
// "swtpm:", "mssim:") nothing flushes the transient objects and sessions of a
// process that died (kill -9, power cut of the process): the TPM's few slots
// stay taken and every later command fails with "out of object memory".
// Open() therefore flushes every transient object and session it finds on
// such a TCTI. That is safe because such a TPM has one user at a time: the
// kernel lets one process open /dev/tpm0, swtpm serves one connection, and
// the store's lock serialises the appliance's own processes. Through
// /dev/tpmrm0 (or tabrmd) the resource manager does this itself and another
// process's objects are invisible, so nothing is flushed.
//
// Thread-safety: not thread-safe; one TpmContext per thread.
#pragma once

#include <tss2/tss2_esys.h>
#include <tss2/tss2_tctildr.h>

#include <memory>
#include <string>

#include "common/result.h"

namespace qoima::crypto {

/// Maps a TSS2 return code to a Status naming `what`; dictionary-attack
/// lockout and policy failures get their own codes.
Status TpmStatus(TSS2_RC rc, const std::string& what);

struct TctiDeleter {
  void operator()(TSS2_TCTI_CONTEXT* ctx) const { Tss2_TctiLdr_Finalize(&ctx); }
};
struct EsysDeleter {
  void operator()(ESYS_CONTEXT* ctx) const { Esys_Finalize(&ctx); }
};
/// Frees any buffer ESAPI hands out (Esys_Free).
struct EsysFreeDeleter {
  void operator()(void* p) const { Esys_Free(p); }
};
template <typename T>
using EsysBuffer = std::unique_ptr<T, EsysFreeDeleter>;

/// A transient object or session handle, flushed from the TPM on destruction
/// (the TPM has only a few transient slots: a leak blocks later operations).
/// Move-only; release() hands the handle over without flushing.
class TpmObject {
 public:
  TpmObject() = default;
  TpmObject(ESYS_CONTEXT* esys, ESYS_TR handle) : esys_(esys), handle_(handle) {}
  ~TpmObject() { reset(); }
  TpmObject(TpmObject&& o) noexcept : esys_(o.esys_), handle_(o.handle_) { o.handle_ = ESYS_TR_NONE; }
  TpmObject& operator=(TpmObject&& o) noexcept {
    if (this != &o) {
      reset();
      esys_ = o.esys_;
      handle_ = o.handle_;
      o.handle_ = ESYS_TR_NONE;
    }
    return *this;
  }
  TpmObject(const TpmObject&) = delete;
  TpmObject& operator=(const TpmObject&) = delete;

  ESYS_TR get() const { return handle_; }
  explicit operator bool() const { return handle_ != ESYS_TR_NONE; }
  void reset() {
    if (handle_ != ESYS_TR_NONE && esys_) Esys_FlushContext(esys_, handle_);
    handle_ = ESYS_TR_NONE;
  }

 private:
  ESYS_CONTEXT* esys_ = nullptr;
  ESYS_TR handle_ = ESYS_TR_NONE;
};

/// True when `tcti` reaches the TPM without a resource manager in between
/// ("device:/dev/tpm0", "device" alone, "swtpm:...", "mssim:..."), so stale
/// handles of dead processes stay loaded.
bool TctiHasNoResourceManager(const std::string& tcti);

class TpmContext {
 public:
  /// Connects through `tcti` and makes sure TPM2_Startup has been run.
  /// Silences the TSS library's stderr logging unless TSS2_LOG is set
  /// (setenv: call before starting threads that read the environment).
  static Result<std::unique_ptr<TpmContext>> Open(const std::string& tcti);

  ESYS_CONTEXT* esys() const { return esys_.get(); }
  const std::string& tcti() const { return tcti_; }
  /// Transient objects and sessions left by a dead process that Open() flushed
  /// (always 0 behind a resource manager).
  int stale_handles_flushed() const { return stale_handles_flushed_; }

  /// Manufacturer and firmware version as text, e.g. "IBM  fw 2.0" (for selftest).
  Result<std::string> Describe();

 private:
  TpmContext() = default;
  std::string tcti_;
  int stale_handles_flushed_ = 0;
  std::unique_ptr<TSS2_TCTI_CONTEXT, TctiDeleter> tcti_ctx_;
  std::unique_ptr<ESYS_CONTEXT, EsysDeleter> esys_;  // declared last: finalized first
};

}  // namespace qoima::crypto
