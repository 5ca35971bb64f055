// TpmSigner: a Signer whose ECDSA P-256 private key lives in the TPM.
//
// The key was created inside the TPM (sensitiveDataOrigin) with fixedTPM and
// fixedParent, so it can never be exported; its auth value is derived from the
// master key, so signing needs the unsealed keyring. Created by Keyring.
//
// Ownership: owns the loaded key handle (flushed on destruction) and a copy
// of the auth value; borrows the TpmContext, which must outlive it.
// Thread-safety: one thread (as TpmContext).
#pragma once

#include <memory>
#include <string>

#include "crypto/secret.h"
#include "crypto/signer.h"
#include "crypto/tpm_context.h"

namespace qoima::crypto {

class TpmSigner : public Signer {
 public:
  /// `pub` is the key's public area as returned by the TPM.
  static Result<std::unique_ptr<TpmSigner>> Create(TpmContext& tpm, TpmObject key, const TPM2B_PUBLIC& pub,
                                                   SecretBytes auth);

  Result<std::vector<uint8_t>> SignDigest(const Sha256Digest& digest) override;
  std::string PublicKeyPem() const override { return public_pem_; }
  std::string Fingerprint() const override { return fingerprint_; }
  std::string CertificatePem() const override { return cert_pem_; }

  /// Issues a self-signed certificate for this key (signed by the TPM).
  Result<std::string> MakeCertificate(std::string_view common_name);
  void set_certificate_pem(std::string pem) { cert_pem_ = std::move(pem); }

 private:
  TpmSigner(TpmContext& tpm, TpmObject key, SecretBytes auth);
  TpmContext& tpm_;
  TpmObject key_;
  SecretBytes auth_;
  TPM2B_PUBLIC pub_{};
  std::string public_pem_, fingerprint_, cert_pem_;
};

}  // namespace qoima::crypto
