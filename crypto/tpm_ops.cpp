#include "crypto/tpm_ops.h"

#include <openssl/crypto.h>

#include <cstring>

namespace qoima::crypto::tpm {
namespace {

constexpr TPMT_SYM_DEF kSessionAes{.algorithm = TPM2_ALG_AES, .keyBits = {.aes = 128}, .mode = {.aes = TPM2_ALG_CFB}};
constexpr TPMT_SYM_DEF kSessionNoCipher{.algorithm = TPM2_ALG_NULL, .keyBits = {.aes = 0}, .mode = {.aes = 0}};

Result<TPM2B_DIGEST> PolicyDigest(TpmContext& tpm, const TPML_PCR_SELECTION& pcrs) {
  QOIMA_ASSIGN_OR_RETURN(TpmObject trial, StartSession(tpm, TPM2_SE_TRIAL, ESYS_TR_NONE, 0, "PCR policy"));
  TPM2B_DIGEST empty{};
  TSS2_RC rc = Esys_PolicyPCR(tpm.esys(), trial.get(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &empty, &pcrs);
  QOIMA_RETURN_IF_ERROR(TpmStatus(rc, "compute PCR policy (PolicyPCR)"));
  TPM2B_DIGEST* raw = nullptr;
  rc = Esys_PolicyGetDigest(tpm.esys(), trial.get(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &raw);
  EsysBuffer<TPM2B_DIGEST> digest(raw);
  QOIMA_RETURN_IF_ERROR(TpmStatus(rc, "read PCR policy digest"));
  return *digest;
}

}  // namespace

Result<TpmObject> StartSession(TpmContext& tpm, TPM2_SE type, ESYS_TR salt_key, TPMA_SESSION enc_flags,
                               const char* what) {
  ESYS_TR session = ESYS_TR_NONE;
  const TPMT_SYM_DEF* sym = salt_key == ESYS_TR_NONE ? &kSessionNoCipher : &kSessionAes;
  TSS2_RC rc = Esys_StartAuthSession(tpm.esys(), salt_key, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                     nullptr, type, sym, TPM2_ALG_SHA256, &session);
  QOIMA_RETURN_IF_ERROR(TpmStatus(rc, std::string("start session for ") + what));
  TpmObject owned(tpm.esys(), session);
  TPMA_SESSION attrs = TPMA_SESSION_CONTINUESESSION | enc_flags;
  rc = Esys_TRSess_SetAttributes(tpm.esys(), session, attrs, 0xff);
  QOIMA_RETURN_IF_ERROR(TpmStatus(rc, std::string("set session attributes for ") + what));
  return owned;
}

TPML_PCR_SELECTION PcrSelection(const std::vector<int>& pcrs) {
  TPML_PCR_SELECTION sel{};
  if (pcrs.empty()) return sel;
  sel.count = 1;
  sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
  sel.pcrSelections[0].sizeofSelect = 3;
  for (int p : pcrs) sel.pcrSelections[0].pcrSelect[p / 8] |= static_cast<BYTE>(1u << (p % 8));
  return sel;
}

Result<TpmObject> CreateSrk(TpmContext& tpm) {
  // The TCG "storage root key" template (ECC NIST P-256, AES-128-CFB), so the
  // same key is derived on every call from the owner seed.
  TPM2B_PUBLIC tmpl{};
  tmpl.publicArea.type = TPM2_ALG_ECC;
  tmpl.publicArea.nameAlg = TPM2_ALG_SHA256;
  tmpl.publicArea.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                                     TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED |
                                     TPMA_OBJECT_DECRYPT;
  auto& ecc = tmpl.publicArea.parameters.eccDetail;
  ecc.symmetric.algorithm = TPM2_ALG_AES;
  ecc.symmetric.keyBits.aes = 128;
  ecc.symmetric.mode.aes = TPM2_ALG_CFB;
  ecc.scheme.scheme = TPM2_ALG_NULL;
  ecc.curveID = TPM2_ECC_NIST_P256;
  ecc.kdf.scheme = TPM2_ALG_NULL;
  TPM2B_SENSITIVE_CREATE sensitive{};
  TPM2B_DATA outside{};
  TPML_PCR_SELECTION creation_pcr{};
  ESYS_TR handle = ESYS_TR_NONE;
  TPM2B_PUBLIC* out_pub = nullptr;
  TPM2B_CREATION_DATA* cdata = nullptr;
  TPM2B_DIGEST* chash = nullptr;
  TPMT_TK_CREATION* ticket = nullptr;
  TSS2_RC rc =
      Esys_CreatePrimary(tpm.esys(), ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sensitive, &tmpl,
                         &outside, &creation_pcr, &handle, &out_pub, &cdata, &chash, &ticket);
  EsysBuffer<TPM2B_PUBLIC> f1(out_pub);
  EsysBuffer<TPM2B_CREATION_DATA> f2(cdata);
  EsysBuffer<TPM2B_DIGEST> f3(chash);
  EsysBuffer<TPMT_TK_CREATION> f4(ticket);
  QOIMA_RETURN_IF_ERROR(TpmStatus(rc, "create the storage primary key in the owner hierarchy"));
  return TpmObject(tpm.esys(), handle);
}

namespace {
Result<ObjectBlob> CreateUnder(TpmContext& tpm, const TpmObject& srk, const TPM2B_SENSITIVE_CREATE& sensitive,
                               const TPM2B_PUBLIC& tmpl, const char* what) {
  QOIMA_ASSIGN_OR_RETURN(TpmObject session, StartSession(tpm, TPM2_SE_HMAC, srk.get(), TPMA_SESSION_DECRYPT, what));
  TPM2B_DATA outside{};
  TPML_PCR_SELECTION creation_pcr{};
  TPM2B_PRIVATE* priv = nullptr;
  TPM2B_PUBLIC* pub = nullptr;
  TPM2B_CREATION_DATA* cdata = nullptr;
  TPM2B_DIGEST* chash = nullptr;
  TPMT_TK_CREATION* ticket = nullptr;
  TSS2_RC rc = Esys_Create(tpm.esys(), srk.get(), session.get(), ESYS_TR_NONE, ESYS_TR_NONE, &sensitive, &tmpl,
                           &outside, &creation_pcr, &priv, &pub, &cdata, &chash, &ticket);
  EsysBuffer<TPM2B_PRIVATE> f1(priv);
  EsysBuffer<TPM2B_PUBLIC> f2(pub);
  EsysBuffer<TPM2B_CREATION_DATA> f3(cdata);
  EsysBuffer<TPM2B_DIGEST> f4(chash);
  EsysBuffer<TPMT_TK_CREATION> f5(ticket);
  QOIMA_RETURN_IF_ERROR(TpmStatus(rc, std::string("create ") + what));
  ObjectBlob blob;
  blob.pub = *pub;
  blob.priv = *priv;
  return blob;
}
}  // namespace

Result<ObjectBlob> Seal(TpmContext& tpm, const TpmObject& srk, const SecretBytes& secret,
                        const TPML_PCR_SELECTION& pcrs) {
  if (pcrs.count == 0) return SealWithPolicy(tpm, srk, secret, nullptr, pcrs);
  QOIMA_ASSIGN_OR_RETURN(TPM2B_DIGEST policy, PolicyDigest(tpm, pcrs));
  return SealWithPolicy(tpm, srk, secret, &policy, pcrs);
}

Result<ObjectBlob> SealWithPolicy(TpmContext& tpm, const TpmObject& srk, const SecretBytes& secret,
                                  const TPM2B_DIGEST* policy, const TPML_PCR_SELECTION& pcrs) {
  TPM2B_SENSITIVE_CREATE sensitive{};
  if (secret.size() > sizeof sensitive.sensitive.data.buffer) return Status::InvalidArgument("secret too long to seal");
  sensitive.sensitive.data.size = static_cast<UINT16>(secret.size());
  std::memcpy(sensitive.sensitive.data.buffer, secret.data(), secret.size());
  TPM2B_PUBLIC tmpl{};
  tmpl.publicArea.type = TPM2_ALG_KEYEDHASH;
  tmpl.publicArea.nameAlg = TPM2_ALG_SHA256;
  tmpl.publicArea.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_NODA;
  tmpl.publicArea.parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL;
  if (policy) {
    tmpl.publicArea.authPolicy = *policy;
  } else {
    tmpl.publicArea.objectAttributes |= TPMA_OBJECT_USERWITHAUTH;
  }
  auto blob = CreateUnder(tpm, srk, sensitive, tmpl, "sealed master key");
  OPENSSL_cleanse(&sensitive, sizeof sensitive);
  if (!blob.ok()) return blob.status();
  blob->pcrs = pcrs;
  return blob;
}

Result<TpmObject> Load(TpmContext& tpm, const TpmObject& srk, const ObjectBlob& blob) {
  ESYS_TR handle = ESYS_TR_NONE;
  TSS2_RC rc =
      Esys_Load(tpm.esys(), srk.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &blob.priv, &blob.pub, &handle);
  QOIMA_RETURN_IF_ERROR(TpmStatus(rc, "load key blob into the TPM"));
  return TpmObject(tpm.esys(), handle);
}

Result<SecretBytes> Unseal(TpmContext& tpm, const TpmObject& srk, const ObjectBlob& blob) {
  QOIMA_ASSIGN_OR_RETURN(TpmObject obj, Load(tpm, srk, blob));
  bool policy = blob.pcrs.count > 0;
  QOIMA_ASSIGN_OR_RETURN(TpmObject session, StartSession(tpm, policy ? TPM2_SE_POLICY : TPM2_SE_HMAC, srk.get(),
                                                         TPMA_SESSION_ENCRYPT, "unseal"));
  if (policy) {
    TPM2B_DIGEST empty{};
    TSS2_RC rc =
        Esys_PolicyPCR(tpm.esys(), session.get(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &empty, &blob.pcrs);
    QOIMA_RETURN_IF_ERROR(TpmStatus(rc, "PolicyPCR"));
  }
  TPM2B_SENSITIVE_DATA* raw = nullptr;
  TSS2_RC rc = Esys_Unseal(tpm.esys(), obj.get(), session.get(), ESYS_TR_NONE, ESYS_TR_NONE, &raw);
  EsysBuffer<TPM2B_SENSITIVE_DATA> data(raw);
  QOIMA_RETURN_IF_ERROR(TpmStatus(rc, "unseal the master key"));
  SecretBytes out(std::span<const uint8_t>(data->buffer, data->size));
  OPENSSL_cleanse(data.get(), sizeof *data);
  return out;
}

Result<ObjectBlob> CreateSigningKey(TpmContext& tpm, const TpmObject& srk, const SecretBytes& auth) {
  TPM2B_SENSITIVE_CREATE sensitive{};
  if (auth.size() > sizeof sensitive.sensitive.userAuth.buffer) return Status::InvalidArgument("auth value too long");
  sensitive.sensitive.userAuth.size = static_cast<UINT16>(auth.size());
  std::memcpy(sensitive.sensitive.userAuth.buffer, auth.data(), auth.size());
  TPM2B_PUBLIC tmpl{};
  tmpl.publicArea.type = TPM2_ALG_ECC;
  tmpl.publicArea.nameAlg = TPM2_ALG_SHA256;
  // No noDA: a wrong auth value counts toward dictionary-attack lockout.
  tmpl.publicArea.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                                     TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_SIGN_ENCRYPT;
  auto& ecc = tmpl.publicArea.parameters.eccDetail;
  ecc.symmetric.algorithm = TPM2_ALG_NULL;
  ecc.scheme.scheme = TPM2_ALG_ECDSA;
  ecc.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
  ecc.curveID = TPM2_ECC_NIST_P256;
  ecc.kdf.scheme = TPM2_ALG_NULL;
  auto blob = CreateUnder(tpm, srk, sensitive, tmpl, "ECDSA P-256 signing key");
  OPENSSL_cleanse(&sensitive, sizeof sensitive);
  return blob;
}

Result<std::pair<std::vector<uint8_t>, std::vector<uint8_t>>> SignDigest(TpmContext& tpm, const TpmObject& key,
                                                                         const SecretBytes& auth,
                                                                         std::span<const uint8_t> digest) {
  TPM2B_AUTH tpm_auth{};
  tpm_auth.size = static_cast<UINT16>(auth.size());
  std::memcpy(tpm_auth.buffer, auth.data(), auth.size());
  TSS2_RC rc = Esys_TR_SetAuth(tpm.esys(), key.get(), &tpm_auth);
  OPENSSL_cleanse(&tpm_auth, sizeof tpm_auth);
  QOIMA_RETURN_IF_ERROR(TpmStatus(rc, "set signing key auth"));
  // An HMAC session proves knowledge of the auth value without sending it.
  QOIMA_ASSIGN_OR_RETURN(TpmObject session, StartSession(tpm, TPM2_SE_HMAC, ESYS_TR_NONE, 0, "signing"));
  TPM2B_DIGEST d{};
  if (digest.size() != 32) return Status::InvalidArgument("digest must be 32 bytes");
  d.size = 32;
  std::memcpy(d.buffer, digest.data(), 32);
  TPMT_SIG_SCHEME scheme{};
  scheme.scheme = TPM2_ALG_ECDSA;
  scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
  TPMT_TK_HASHCHECK validation{};
  validation.tag = TPM2_ST_HASHCHECK;
  validation.hierarchy = TPM2_RH_NULL;
  TPMT_SIGNATURE* raw = nullptr;
  rc = Esys_Sign(tpm.esys(), key.get(), session.get(), ESYS_TR_NONE, ESYS_TR_NONE, &d, &scheme, &validation, &raw);
  EsysBuffer<TPMT_SIGNATURE> sig(raw);
  QOIMA_RETURN_IF_ERROR(TpmStatus(rc, "sign with the TPM device key"));
  const auto& ec = sig->signature.ecdsa;
  return std::pair{std::vector<uint8_t>(ec.signatureR.buffer, ec.signatureR.buffer + ec.signatureR.size),
                   std::vector<uint8_t>(ec.signatureS.buffer, ec.signatureS.buffer + ec.signatureS.size)};
}

}  // namespace qoima::crypto::tpm
