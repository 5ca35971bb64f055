// OpenSSL RAII wrappers and error mapping shared inside crypto/ (not a public
// API): one deleter per OpenSSL handle type, OpenSslStatus() as the one place
// the OpenSSL error queue becomes a Status, and the helpers that turn EC keys
// and signatures between TPM, DER and PEM forms.
//
// Thread-safety: free functions; OpenSSL's error queue is per thread.
#pragma once

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "crypto/hash.h"

namespace qoima::crypto {

struct OpenSslDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(BIO* p) const { BIO_free_all(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
};
template <typename T>
using OsslPtr = std::unique_ptr<T, OpenSslDeleter>;

/// Drains the OpenSSL error queue into a Status of `code` naming `what`.
Status OpenSslStatus(Code code, std::string_view what);

/// Loads a PUBLIC KEY or CERTIFICATE PEM; kInvalidArgument otherwise.
Result<OsslPtr<EVP_PKEY>> LoadPublicKeyPem(std::string_view pem);
/// P-256 public key from the affine coordinates (32 bytes each, big endian).
Result<OsslPtr<EVP_PKEY>> EcP256PublicKey(std::span<const uint8_t> x, std::span<const uint8_t> y);
std::string PublicKeyToPem(EVP_PKEY* key);
/// Hex SHA-256 of the DER SubjectPublicKeyInfo.
std::string SpkiFingerprint(EVP_PKEY* key);
/// DER ECDSA-Sig-Value from big-endian r and s.
Result<std::vector<uint8_t>> EcdsaSigToDer(std::span<const uint8_t> r, std::span<const uint8_t> s);

/// Builds a self-signed X.509 v3 certificate (CN = `common_name`, O = qoima,
/// 30 years) for `key`; `sign` signs the SHA-256 of the TBSCertificate
/// (DER ECDSA), so the private key may live in the TPM.
Result<std::string> MakeSelfSignedCertificate(
    EVP_PKEY* key, std::string_view common_name,
    const std::function<Result<std::vector<uint8_t>>(const Sha256Digest&)>& sign);

}  // namespace qoima::crypto
