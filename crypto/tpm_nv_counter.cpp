#include "crypto/tpm_nv_counter.h"

#include <openssl/crypto.h>

#include <cstdio>
#include <cstring>

#include "crypto/tpm_ops.h"

namespace qoima::crypto {
namespace {

constexpr TPMA_NV kCounterType = static_cast<TPMA_NV>(TPM2_NT_COUNTER) << TPMA_NV_TPM2_NT_SHIFT;
/// Written with the authValue only (never by the owner hierarchy), read with
/// it or by the owner (diagnostics: tpm2_nvread), noDA.
constexpr TPMA_NV kAttributes = kCounterType | TPMA_NV_AUTHWRITE | TPMA_NV_AUTHREAD | TPMA_NV_OWNERREAD | TPMA_NV_NO_DA;
/// Attributes the TPM sets or clears by itself as the index is used.
constexpr TPMA_NV kStateBits = TPMA_NV_WRITTEN | TPMA_NV_READLOCKED | TPMA_NV_WRITELOCKED;

bool IsFmt1(TSS2_RC rc, TSS2_RC code) { return (rc & (TPM2_RC_FMT1 | 0x3f)) == code; }

// An ESYS_TR for an NV index, closed (not flushed: NV indices stay) on scope exit.
class NvRef {
 public:
  explicit NvRef(ESYS_CONTEXT* esys) : esys_(esys) {}
  ~NvRef() {
    if (tr_ != ESYS_TR_NONE) Esys_TR_Close(esys_, &tr_);
  }
  NvRef(const NvRef&) = delete;
  NvRef& operator=(const NvRef&) = delete;
  ESYS_TR* out() { return &tr_; }
  ESYS_TR get() const { return tr_; }

 private:
  ESYS_CONTEXT* esys_;
  ESYS_TR tr_ = ESYS_TR_NONE;
};

struct IndexState {
  bool exists = false;
  bool written = false;
};

}  // namespace

uint32_t TpmNvCounter::HandleFor(const std::string& key_check) {
  uint32_t low = 0;
  for (size_t i = 0; i < 4 && i < key_check.size(); ++i) {
    char c = key_check[i];
    uint32_t v = (c >= '0' && c <= '9')   ? static_cast<uint32_t>(c - '0')
                 : (c >= 'a' && c <= 'f') ? static_cast<uint32_t>(c - 'a' + 10)
                 : (c >= 'A' && c <= 'F') ? static_cast<uint32_t>(c - 'A' + 10)
                                          : 0;
    low = low << 4 | v;
  }
  return kHandleBase | low;
}

std::string TpmNvCounter::Name() const {
  char b[48];
  std::snprintf(b, sizeof b, "TPM NV counter 0x%08x", handle_);
  return b;
}

namespace {

// Looks the index up and checks that it is a counter of ours (by its public
// area; the authValue is checked by the first authorized command).
Result<IndexState> Inspect(TpmContext& tpm, uint32_t handle, const std::string& name, NvRef& ref) {
  TSS2_RC rc = Esys_TR_FromTPMPublic(tpm.esys(), handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ref.out());
  if (IsFmt1(rc, TPM2_RC_HANDLE)) return IndexState{};
  QOIMA_RETURN_IF_ERROR(TpmStatus(rc, "look up " + name));
  TPM2B_NV_PUBLIC* raw_pub = nullptr;
  TPM2B_NAME* raw_name = nullptr;
  rc = Esys_NV_ReadPublic(tpm.esys(), ref.get(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &raw_pub, &raw_name);
  EsysBuffer<TPM2B_NV_PUBLIC> pub(raw_pub);
  EsysBuffer<TPM2B_NAME> nv_name(raw_name);
  QOIMA_RETURN_IF_ERROR(TpmStatus(rc, "read the public area of " + name));
  const TPMS_NV_PUBLIC& p = pub->nvPublic;
  if ((p.attributes & ~kStateBits) != kAttributes || p.dataSize != 8 || p.nameAlg != TPM2_ALG_SHA256) {
    char attrs[16];
    std::snprintf(attrs, sizeof attrs, "0x%08x", p.attributes);
    return Status::Tampered(name + " is not this appliance's rollback counter (attributes " + attrs + ", " +
                            std::to_string(p.dataSize) +
                            " bytes): something else was defined at its handle; it must not be overwritten");
  }
  return IndexState{true, (p.attributes & TPMA_NV_WRITTEN) != 0};
}

Status NotOurs(const Status& s, const std::string& name) {
  if (s.code() != Code::kAuthFailed) return s;
  return Status::Tampered(name +
                          " does not answer to this appliance's key: it was deleted and defined again by "
                          "someone else (" +
                          s.message() + ")");
}

}  // namespace

Result<std::optional<uint64_t>> TpmNvCounter::Read() {
  NvRef ref(tpm_.esys());
  QOIMA_ASSIGN_OR_RETURN(IndexState state, Inspect(tpm_, handle_, Name(), ref));
  if (!state.exists || !state.written) return std::optional<uint64_t>();
  TPM2B_AUTH auth{};
  auth.size = static_cast<UINT16>(auth_.size());
  std::memcpy(auth.buffer, auth_.data(), auth_.size());
  TSS2_RC rc = Esys_TR_SetAuth(tpm_.esys(), ref.get(), &auth);
  OPENSSL_cleanse(&auth, sizeof auth);
  QOIMA_RETURN_IF_ERROR(TpmStatus(rc, "set the auth value of " + Name()));
  QOIMA_ASSIGN_OR_RETURN(TpmObject session, tpm::StartSession(tpm_, TPM2_SE_HMAC, ESYS_TR_NONE, 0, "counter read"));
  TPM2B_MAX_NV_BUFFER* raw = nullptr;
  rc = Esys_NV_Read(tpm_.esys(), ref.get(), ref.get(), session.get(), ESYS_TR_NONE, ESYS_TR_NONE, 8, 0, &raw);
  EsysBuffer<TPM2B_MAX_NV_BUFFER> data(raw);
  QOIMA_RETURN_IF_ERROR(NotOurs(TpmStatus(rc, "read " + Name()), Name()));
  if (data->size != 8) return Status::TpmError(Name() + ": read returned " + std::to_string(data->size) + " bytes");
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | data->buffer[i];
  return std::optional<uint64_t>(v);
}

Status TpmNvCounter::Create() {
  {
    NvRef ref(tpm_.esys());
    QOIMA_ASSIGN_OR_RETURN(IndexState state, Inspect(tpm_, handle_, Name(), ref));
    if (state.exists) return Status::Ok();
  }
  TPM2B_NV_PUBLIC pub{};
  pub.nvPublic.nvIndex = handle_;
  pub.nvPublic.nameAlg = TPM2_ALG_SHA256;
  pub.nvPublic.attributes = kAttributes;
  pub.nvPublic.dataSize = 8;
  TPM2B_AUTH auth{};
  auth.size = static_cast<UINT16>(auth_.size());
  std::memcpy(auth.buffer, auth_.data(), auth_.size());
  // The authValue is a command parameter: a session salted with the SRK
  // encrypts it on the bus.
  QOIMA_ASSIGN_OR_RETURN(TpmObject srk, tpm::CreateSrk(tpm_));
  QOIMA_ASSIGN_OR_RETURN(TpmObject session,
                         tpm::StartSession(tpm_, TPM2_SE_HMAC, srk.get(), TPMA_SESSION_DECRYPT, "define counter"));
  NvRef made(tpm_.esys());
  TSS2_RC rc = Esys_NV_DefineSpace(tpm_.esys(), ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, session.get(), ESYS_TR_NONE, &auth,
                                   &pub, made.out());
  OPENSSL_cleanse(&auth, sizeof auth);
  return TpmStatus(rc, "define " + Name() + " in the owner hierarchy");
}

Result<uint64_t> TpmNvCounter::Increment() {
  {
    NvRef ref(tpm_.esys());
    QOIMA_ASSIGN_OR_RETURN(IndexState state, Inspect(tpm_, handle_, Name(), ref));
    if (!state.exists) return Status::NotFound(Name() + " does not exist");
    TPM2B_AUTH auth{};
    auth.size = static_cast<UINT16>(auth_.size());
    std::memcpy(auth.buffer, auth_.data(), auth_.size());
    TSS2_RC rc = Esys_TR_SetAuth(tpm_.esys(), ref.get(), &auth);
    OPENSSL_cleanse(&auth, sizeof auth);
    QOIMA_RETURN_IF_ERROR(TpmStatus(rc, "set the auth value of " + Name()));
    QOIMA_ASSIGN_OR_RETURN(TpmObject session,
                           tpm::StartSession(tpm_, TPM2_SE_HMAC, ESYS_TR_NONE, 0, "counter increment"));
    rc = Esys_NV_Increment(tpm_.esys(), ref.get(), ref.get(), session.get(), ESYS_TR_NONE, ESYS_TR_NONE);
    QOIMA_RETURN_IF_ERROR(NotOurs(TpmStatus(rc, "advance " + Name()), Name()));
  }
  // Looked up again: the index's name changed when it was first written.
  QOIMA_ASSIGN_OR_RETURN(std::optional<uint64_t> v, Read());
  if (!v) return Status::TpmError(Name() + " reads as unwritten after an increment");
  return *v;
}

}  // namespace qoima::crypto
