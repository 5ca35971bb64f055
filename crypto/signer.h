// Signer: signs SHA-256 digests with the appliance's device key.
//
// Storage signs audit-log checkpoints and export bundles through Signer&;
// anyone verifies with VerifySignature() or with plain `openssl` (see
// docs/crypto.md, "Verifying a signature without qoima"). Signatures are
// ECDSA P-256 over the SHA-256 digest, DER-encoded (ECDSA-Sig-Value), i.e.
// exactly what `openssl pkeyutl -verify` and `openssl dgst -sha256 -verify`
// accept.
//
// TpmSigner (keyring.h creates it) keeps the private key inside the TPM
// (fixedTPM, fixedParent, sensitiveDataOrigin: never exportable).
// SoftwareSigner holds an in-memory key and exists for unit tests of code that
// signs (storage) and for benchmarks; the appliance never uses it.
//
// Thread-safety: a Signer is used from one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "crypto/hash.h"

namespace qoima::crypto {

class Signer {
 public:
  virtual ~Signer() = default;
  /// DER ECDSA-Sig-Value over `digest` (not re-hashed).
  virtual Result<std::vector<uint8_t>> SignDigest(const Sha256Digest& digest) = 0;
  /// "-----BEGIN PUBLIC KEY-----" (SubjectPublicKeyInfo).
  virtual std::string PublicKeyPem() const = 0;
  /// Hex SHA-256 of the DER SubjectPublicKeyInfo (64 lower-case hex digits).
  virtual std::string Fingerprint() const = 0;
  /// Self-signed X.509 device certificate, PEM.
  virtual std::string CertificatePem() const = 0;
};

/// In-memory P-256 key: unit tests and benchmarks only.
class SoftwareSigner : public Signer {
 public:
  static Result<std::unique_ptr<SoftwareSigner>> Generate(std::string_view common_name = "qoima test signer");
  ~SoftwareSigner() override;
  Result<std::vector<uint8_t>> SignDigest(const Sha256Digest& digest) override;
  std::string PublicKeyPem() const override { return public_pem_; }
  std::string Fingerprint() const override { return fingerprint_; }
  std::string CertificatePem() const override { return cert_pem_; }

 private:
  struct Impl;
  SoftwareSigner();
  std::unique_ptr<Impl> impl_;
  std::string public_pem_, fingerprint_, cert_pem_;
};

/// Verifies a DER ECDSA signature over `digest` with the key in `pem`
/// (a PUBLIC KEY or a CERTIFICATE). OK when valid; kCorrupt when the signature
/// is malformed or does not verify; kInvalidArgument when the PEM does not parse.
Status VerifySignature(std::string_view pem, const Sha256Digest& digest, std::span<const uint8_t> der_signature);

/// Hex SHA-256 of the DER SubjectPublicKeyInfo of the key in `pem` (public key
/// or certificate), i.e. the same value as Signer::Fingerprint().
Result<std::string> PublicKeyFingerprint(std::string_view pem);

}  // namespace qoima::crypto
