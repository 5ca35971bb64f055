#include "crypto/signed_pcr_policy.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "crypto/hash.h"
#include "crypto/openssl_util.h"

namespace qoima::crypto {
namespace {

using json = nlohmann::json;

void PutU32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

Result<std::vector<uint8_t>> Base64Decode(const std::string& text) {
  if (text.empty() || text.size() % 4 != 0 || text.size() > 4 * SignedPcrPolicyFormat::kMaxSignature / 3 + 4)
    return Status::Corrupt("not base64 of a plausible length");
  std::vector<uint8_t> out(text.size() / 4 * 3);
  int n =
      EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return Status::Corrupt("not base64");
  size_t pad = 0;
  if (text.back() == '=') ++pad;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string PcrList(const std::vector<int>& pcrs) {
  std::string s;
  for (int p : pcrs) s += (s.empty() ? "" : ",") + std::to_string(p);
  return s;
}

std::vector<int> SelectedPcrs(const TPML_PCR_SELECTION& sel) {
  std::vector<int> out;
  for (UINT32 i = 0; i < sel.count; ++i)
    for (int b = 0; b < sel.pcrSelections[i].sizeofSelect * 8; ++b)
      if (sel.pcrSelections[i].pcrSelect[b / 8] & (1u << (b % 8))) out.push_back(b);
  return out;
}

}  // namespace

Result<std::vector<PcrPolicySignature>> ParsePcrSignatures(std::string_view text, const std::string& name) {
  if (text.size() > SignedPcrPolicyFormat::kMaxFileSize)
    return Status::LimitExceeded(name + ": larger than " + std::to_string(SignedPcrPolicyFormat::kMaxFileSize) +
                                 " bytes");
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Status::Corrupt(name + ": not a JSON object");
  std::vector<PcrPolicySignature> out;
  auto bank = doc.find("sha256");
  if (bank == doc.end()) return out;
  if (!bank->is_array()) return Status::Corrupt(name + ": \"sha256\" is not an array");
  if (bank->size() > SignedPcrPolicyFormat::kMaxEntries)
    return Status::LimitExceeded(name + ": more than " + std::to_string(SignedPcrPolicyFormat::kMaxEntries) +
                                 " signed policies");
  for (size_t i = 0; i < bank->size(); ++i) {
    const json& e = (*bank)[i];
    auto bad = [&](const std::string& why) {
      return Status::Corrupt(name + ": sha256 entry " + std::to_string(i) + ": " + why);
    };
    if (!e.is_object()) return bad("not an object");
    PcrPolicySignature sig;
    auto pcrs = e.find("pcrs");
    if (pcrs == e.end() || !pcrs->is_array() || pcrs->empty() || pcrs->size() > 24) return bad("\"pcrs\" missing");
    for (const json& p : *pcrs) {
      if (!p.is_number_unsigned() || p.get<unsigned>() > 23) return bad("PCR index not in 0..23");
      sig.pcrs.push_back(static_cast<int>(p.get<unsigned>()));
    }
    std::sort(sig.pcrs.begin(), sig.pcrs.end());
    if (std::adjacent_find(sig.pcrs.begin(), sig.pcrs.end()) != sig.pcrs.end()) return bad("a PCR is listed twice");
    auto str = [&](const char* key) -> const std::string* {
      auto it = e.find(key);
      return it != e.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
    };
    const std::string* pkfp = str("pkfp");
    const std::string* pol = str("pol");
    const std::string* s = str("sig");
    if (!pkfp || !pol || !s) return bad("\"pkfp\", \"pol\" and \"sig\" must be strings");
    std::string raw;
    if (pkfp->size() != 64 || !FromHex(*pkfp, raw)) return bad("\"pkfp\" is not 64 hex digits");
    sig.key_fingerprint = Hex(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(raw.data()), raw.size()));
    if (pol->size() != 64 || !FromHex(*pol, raw)) return bad("\"pol\" is not a 32-byte hex digest");
    sig.policy.assign(raw.begin(), raw.end());
    auto decoded = Base64Decode(*s);
    if (!decoded.ok()) return bad("\"sig\": " + decoded.status().message());
    if (decoded->empty() || decoded->size() > SignedPcrPolicyFormat::kMaxSignature) return bad("\"sig\" size");
    sig.signature = std::move(*decoded);
    out.push_back(std::move(sig));
  }
  return out;
}

std::vector<uint8_t> PcrPolicyDigest(const std::vector<int>& pcrs, const std::vector<std::vector<uint8_t>>& values) {
  Sha256 pcr_digest;
  for (const auto& v : values) pcr_digest.Update(v);
  Sha256Digest pd = pcr_digest.Finish();
  TPML_PCR_SELECTION sel = tpm::PcrSelection(pcrs);
  std::vector<uint8_t> msg(32, 0);
  PutU32(msg, TPM2_CC_PolicyPCR);
  PutU32(msg, sel.count);
  for (UINT32 i = 0; i < sel.count; ++i) {
    msg.push_back(static_cast<uint8_t>(sel.pcrSelections[i].hash >> 8));
    msg.push_back(static_cast<uint8_t>(sel.pcrSelections[i].hash));
    msg.push_back(sel.pcrSelections[i].sizeofSelect);
    msg.insert(msg.end(), sel.pcrSelections[i].pcrSelect,
               sel.pcrSelections[i].pcrSelect + sel.pcrSelections[i].sizeofSelect);
  }
  msg.insert(msg.end(), pd.begin(), pd.end());
  Sha256Digest d = Sha256::Digest(msg);
  return {d.begin(), d.end()};
}

Result<std::string> PolicyKeyFingerprint(std::string_view pem) {
  auto key = LoadPublicKeyPem(pem);
  if (!key.ok()) return Status::InvalidArgument("update-signing key: " + key.status().message());
  unsigned char* der = nullptr;
  int len = i2d_PublicKey(key->get(), &der);
  if (len <= 0) return OpenSslStatus(Code::kInvalidArgument, "encode the update-signing key");
  Sha256Digest d = Sha256::Digest(std::span<const uint8_t>(der, static_cast<size_t>(len)));
  OPENSSL_free(der);
  return Hex(d);
}

Result<TPM2B_PUBLIC> PolicyKeyPublic(std::string_view pem) {
  auto key = LoadPublicKeyPem(pem);
  if (!key.ok()) return Status::InvalidArgument("update-signing key: " + key.status().message());
  if (EVP_PKEY_get_base_id(key->get()) != EVP_PKEY_RSA)
    return Status::InvalidArgument("update-signing key: not an RSA public key (signed PCR policies use RSA)");
  BIGNUM* n_raw = nullptr;
  BIGNUM* e_raw = nullptr;
  if (EVP_PKEY_get_bn_param(key->get(), OSSL_PKEY_PARAM_RSA_N, &n_raw) != 1 ||
      EVP_PKEY_get_bn_param(key->get(), OSSL_PKEY_PARAM_RSA_E, &e_raw) != 1) {
    BN_free(n_raw);
    BN_free(e_raw);
    return OpenSslStatus(Code::kInvalidArgument, "read the RSA update-signing key");
  }
  OsslPtr<BIGNUM> n(n_raw), e(e_raw);
  int bits = BN_num_bits(n.get());
  if (bits != 2048 && bits != 3072 && bits != 4096)
    return Status::InvalidArgument("update-signing key: RSA-" + std::to_string(bits) +
                                   " (the TPM takes 2048, 3072 or 4096 bits)");
  if (BN_num_bits(e.get()) > 32) return Status::InvalidArgument("update-signing key: RSA exponent too large");
  TPM2B_PUBLIC pub{};
  auto& area = pub.publicArea;
  area.type = TPM2_ALG_RSA;
  area.nameAlg = TPM2_ALG_SHA256;
  area.objectAttributes = TPMA_OBJECT_DECRYPT | TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_USERWITHAUTH;
  area.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
  area.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
  area.parameters.rsaDetail.keyBits = static_cast<TPMI_RSA_KEY_BITS>(bits);
  uint32_t exponent = static_cast<uint32_t>(BN_get_word(e.get()));
  area.parameters.rsaDetail.exponent = exponent == 65537 ? 0 : exponent;
  int len = BN_num_bytes(n.get());
  area.unique.rsa.size = static_cast<UINT16>(len);
  BN_bn2bin(n.get(), area.unique.rsa.buffer);
  return pub;
}

std::vector<uint8_t> AuthorizePolicyDigest(std::span<const uint8_t> key_name) {
  // TPM2_PolicyAuthorize's PolicyUpdate: H(H(0^32 || CC || keyName) || policyRef), policyRef empty.
  std::vector<uint8_t> msg(32, 0);
  PutU32(msg, TPM2_CC_PolicyAuthorize);
  msg.insert(msg.end(), key_name.begin(), key_name.end());
  Sha256Digest inner = Sha256::Digest(msg);
  Sha256Digest outer = Sha256::Digest(std::span<const uint8_t>(inner.data(), inner.size()));
  return {outer.begin(), outer.end()};
}

namespace {
Result<TpmObject> LoadPolicyKey(TpmContext& tpm, const TPM2B_PUBLIC& key) {
  ESYS_TR handle = ESYS_TR_NONE;
  TSS2_RC rc =
      Esys_LoadExternal(tpm.esys(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, nullptr, &key, ESYS_TR_RH_OWNER, &handle);
  QOIMA_RETURN_IF_ERROR(TpmStatus(rc, "load the update-signing public key into the TPM"));
  return TpmObject(tpm.esys(), handle);
}

Result<std::vector<uint8_t>> NameOf(TpmContext& tpm, const TpmObject& obj) {
  TPM2B_NAME* raw = nullptr;
  TSS2_RC rc = Esys_TR_GetName(tpm.esys(), obj.get(), &raw);
  EsysBuffer<TPM2B_NAME> name(raw);
  QOIMA_RETURN_IF_ERROR(TpmStatus(rc, "read the update-signing key's TPM name"));
  return std::vector<uint8_t>(name->name, name->name + name->size);
}
}  // namespace

Result<std::vector<uint8_t>> PolicyKeyName(TpmContext& tpm, const TPM2B_PUBLIC& key) {
  QOIMA_ASSIGN_OR_RETURN(TpmObject loaded, LoadPolicyKey(tpm, key));
  return NameOf(tpm, loaded);
}

Result<tpm::ObjectBlob> SealAuthorized(TpmContext& tpm, const TpmObject& srk, const SecretBytes& secret,
                                       std::span<const uint8_t> key_name, const TPML_PCR_SELECTION& pcrs) {
  if (pcrs.count == 0) return Status::InvalidArgument("a signed PCR policy needs at least one PCR");
  std::vector<uint8_t> d = AuthorizePolicyDigest(key_name);
  TPM2B_DIGEST policy{};
  policy.size = static_cast<UINT16>(d.size());
  std::memcpy(policy.buffer, d.data(), d.size());
  return tpm::SealWithPolicy(tpm, srk, secret, &policy, pcrs);
}

Result<SecretBytes> UnsealAuthorized(TpmContext& tpm, const TpmObject& srk, const tpm::ObjectBlob& blob,
                                     const TPM2B_PUBLIC& key, const std::string& key_fingerprint,
                                     const std::vector<PcrPolicySignature>& signatures) {
  const std::vector<int> pcrs = SelectedPcrs(blob.pcrs);
  if (pcrs.empty()) return Status::Corrupt("the sealed blob names no PCRs for its signed policy");
  QOIMA_ASSIGN_OR_RETURN(TpmObject obj, tpm::Load(tpm, srk, blob));
  QOIMA_ASSIGN_OR_RETURN(TpmObject session,
                         tpm::StartSession(tpm, TPM2_SE_POLICY, srk.get(), TPMA_SESSION_ENCRYPT, "unseal"));
  TPM2B_DIGEST empty{};
  TSS2_RC rc = Esys_PolicyPCR(tpm.esys(), session.get(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &empty, &blob.pcrs);
  QOIMA_RETURN_IF_ERROR(TpmStatus(rc, "PolicyPCR"));
  TPM2B_DIGEST* raw = nullptr;
  rc = Esys_PolicyGetDigest(tpm.esys(), session.get(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &raw);
  EsysBuffer<TPM2B_DIGEST> current(raw);
  QOIMA_RETURN_IF_ERROR(TpmStatus(rc, "read the PCR policy of this boot"));

  const PcrPolicySignature* match = nullptr;
  for (const auto& s : signatures) {
    if (s.key_fingerprint == key_fingerprint && s.pcrs == pcrs && s.policy.size() == current->size &&
        std::memcmp(s.policy.data(), current->buffer, current->size) == 0) {
      match = &s;
      break;
    }
  }
  if (!match)
    return Status::PolicyMismatch("the boot measurements in PCR " + PcrList(pcrs) +
                                  " are not signed by the update key " + key_fingerprint.substr(0, 16) +
                                  "…: this boot image was changed or is not a signed qoima image");

  QOIMA_ASSIGN_OR_RETURN(TpmObject policy_key, LoadPolicyKey(tpm, key));
  QOIMA_ASSIGN_OR_RETURN(std::vector<uint8_t> key_name, NameOf(tpm, policy_key));
  // aHash = H(approvedPolicy || policyRef), policyRef empty.
  Sha256Digest ahash = Sha256::Digest(std::span<const uint8_t>(current->buffer, current->size));
  TPM2B_DIGEST digest{};
  digest.size = 32;
  std::memcpy(digest.buffer, ahash.data(), 32);
  TPMT_SIGNATURE sig{};
  sig.sigAlg = TPM2_ALG_RSASSA;
  sig.signature.rsassa.hash = TPM2_ALG_SHA256;
  if (match->signature.size() > sizeof sig.signature.rsassa.sig.buffer)
    return Status::PolicyMismatch("the signed policy's signature is too long for the update key");
  sig.signature.rsassa.sig.size = static_cast<UINT16>(match->signature.size());
  std::memcpy(sig.signature.rsassa.sig.buffer, match->signature.data(), match->signature.size());
  TPMT_TK_VERIFIED* ticket_raw = nullptr;
  rc = Esys_VerifySignature(tpm.esys(), policy_key.get(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &digest, &sig,
                            &ticket_raw);
  EsysBuffer<TPMT_TK_VERIFIED> ticket(ticket_raw);
  if (rc != TSS2_RC_SUCCESS)
    return Status::PolicyMismatch(
        "the TPM refuses the signature of this boot's PCR policy: it was not made by the "
        "update key (" +
        TpmStatus(rc, "TPM2_VerifySignature").message() + ")");
  TPM2B_NAME name{};
  name.size = static_cast<UINT16>(key_name.size());
  std::memcpy(name.name, key_name.data(), key_name.size());
  TPM2B_NONCE policy_ref{};
  rc = Esys_PolicyAuthorize(tpm.esys(), session.get(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, current.get(),
                            &policy_ref, &name, ticket.get());
  QOIMA_RETURN_IF_ERROR(TpmStatus(rc, "PolicyAuthorize"));
  policy_key.reset();

  TPM2B_SENSITIVE_DATA* data_raw = nullptr;
  rc = Esys_Unseal(tpm.esys(), obj.get(), session.get(), ESYS_TR_NONE, ESYS_TR_NONE, &data_raw);
  EsysBuffer<TPM2B_SENSITIVE_DATA> data(data_raw);
  QOIMA_RETURN_IF_ERROR(TpmStatus(rc, "unseal the master key"));
  SecretBytes out(std::span<const uint8_t>(data->buffer, data->size));
  OPENSSL_cleanse(data.get(), sizeof *data);
  return out;
}

}  // namespace qoima::crypto
