#include "crypto/signer.h"

#include "crypto/openssl_util.h"

namespace qoima::crypto {

struct SoftwareSigner::Impl {
  OsslPtr<EVP_PKEY> key;
};

SoftwareSigner::SoftwareSigner() : impl_(std::make_unique<Impl>()) {}
SoftwareSigner::~SoftwareSigner() = default;

Result<std::unique_ptr<SoftwareSigner>> SoftwareSigner::Generate(std::string_view common_name) {
  std::unique_ptr<SoftwareSigner> s(new SoftwareSigner());
  s->impl_->key.reset(EVP_EC_gen("P-256"));
  if (!s->impl_->key) return OpenSslStatus(Code::kInternal, "generate P-256 key");
  s->public_pem_ = PublicKeyToPem(s->impl_->key.get());
  s->fingerprint_ = SpkiFingerprint(s->impl_->key.get());
  SoftwareSigner* self = s.get();
  QOIMA_ASSIGN_OR_RETURN(s->cert_pem_,
                         MakeSelfSignedCertificate(s->impl_->key.get(), common_name,
                                                   [self](const Sha256Digest& d) { return self->SignDigest(d); }));
  return s;
}

Result<std::vector<uint8_t>> SoftwareSigner::SignDigest(const Sha256Digest& digest) {
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(impl_->key.get(), nullptr));
  size_t len = 0;
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) != 1 ||
      EVP_PKEY_sign(ctx.get(), nullptr, &len, digest.data(), digest.size()) != 1)
    return OpenSslStatus(Code::kInternal, "ECDSA sign");
  std::vector<uint8_t> sig(len);
  if (EVP_PKEY_sign(ctx.get(), sig.data(), &len, digest.data(), digest.size()) != 1)
    return OpenSslStatus(Code::kInternal, "ECDSA sign");
  sig.resize(len);
  return sig;
}

Status VerifySignature(std::string_view pem, const Sha256Digest& digest, std::span<const uint8_t> der_signature) {
  QOIMA_ASSIGN_OR_RETURN(OsslPtr<EVP_PKEY> key, LoadPublicKeyPem(pem));
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_EC)
    return Status::InvalidArgument("verification key is not an EC key");
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(key.get(), nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) != 1)
    return OpenSslStatus(Code::kInternal, "prepare ECDSA verification");
  int rc = EVP_PKEY_verify(ctx.get(), der_signature.data(), der_signature.size(), digest.data(), digest.size());
  if (rc == 1) return Status::Ok();
  // 0: a well-formed signature that does not match; <0: it did not parse.
  return OpenSslStatus(Code::kCorrupt, rc == 0 ? "signature does not verify with this key"
                                               : "signature is malformed (not a DER ECDSA-Sig-Value)");
}

Result<std::string> PublicKeyFingerprint(std::string_view pem) {
  QOIMA_ASSIGN_OR_RETURN(OsslPtr<EVP_PKEY> key, LoadPublicKeyPem(pem));
  return SpkiFingerprint(key.get());
}

}  // namespace qoima::crypto
