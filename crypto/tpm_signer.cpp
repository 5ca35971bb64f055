#include "crypto/tpm_signer.h"

#include "crypto/openssl_util.h"
#include "crypto/tpm_ops.h"

namespace qoima::crypto {

TpmSigner::TpmSigner(TpmContext& tpm, TpmObject key, SecretBytes auth)
    : tpm_(tpm), key_(std::move(key)), auth_(std::move(auth)) {}

Result<std::unique_ptr<TpmSigner>> TpmSigner::Create(TpmContext& tpm, TpmObject key, const TPM2B_PUBLIC& pub,
                                                     SecretBytes auth) {
  if (pub.publicArea.type != TPM2_ALG_ECC || pub.publicArea.parameters.eccDetail.curveID != TPM2_ECC_NIST_P256)
    return Status::Corrupt("signing key is not an ECC P-256 key");
  const auto& pt = pub.publicArea.unique.ecc;
  QOIMA_ASSIGN_OR_RETURN(OsslPtr<EVP_PKEY> pkey, EcP256PublicKey({pt.x.buffer, pt.x.size}, {pt.y.buffer, pt.y.size}));
  std::unique_ptr<TpmSigner> s(new TpmSigner(tpm, std::move(key), std::move(auth)));
  s->pub_ = pub;
  s->public_pem_ = PublicKeyToPem(pkey.get());
  s->fingerprint_ = SpkiFingerprint(pkey.get());
  return s;
}

Result<std::vector<uint8_t>> TpmSigner::SignDigest(const Sha256Digest& digest) {
  QOIMA_ASSIGN_OR_RETURN(auto rs, tpm::SignDigest(tpm_, key_, auth_, digest));
  return EcdsaSigToDer(rs.first, rs.second);
}

Result<std::string> TpmSigner::MakeCertificate(std::string_view common_name) {
  const auto& pt = pub_.publicArea.unique.ecc;
  QOIMA_ASSIGN_OR_RETURN(OsslPtr<EVP_PKEY> pkey, EcP256PublicKey({pt.x.buffer, pt.x.size}, {pt.y.buffer, pt.y.size}));
  return MakeSelfSignedCertificate(pkey.get(), common_name, [this](const Sha256Digest& d) { return SignDigest(d); });
}

}  // namespace qoima::crypto
