// BundleSigner: the key that signs tagmanifest-sha256.txt. In production the
// device's TPM-resident, non-exportable ECDSA P-256 key (crypto/'s TpmSigner,
// adapted in tpm_bundle_signer.h); in unit tests a software key.
//
// Thread-safety: implementations decide; the exporter calls from one thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"

namespace qoima::exporting {

class BundleSigner {
 public:
  virtual ~BundleSigner() = default;
  /// Signs a SHA-256 digest (32 bytes); returns a DER-encoded signature that
  /// `openssl dgst -sha256 -verify` / `openssl pkeyutl -verify` accept.
  virtual Result<std::vector<uint8_t>> SignSha256Digest(std::span<const uint8_t> digest) = 0;
  /// The device certificate (PEM) whose public key verifies the signature.
  virtual Result<std::string> CertificatePem() = 0;
};

}  // namespace qoima::exporting
