// Internal to crypto/: the steps Keyring::Provision and Recover() share.
//
// Thread-safety: free functions; one TPM connection per call.
#pragma once

#include <string>

#include "common/result.h"
#include "crypto/key_blob.h"
#include "crypto/secret.h"

namespace qoima::crypto::internal {

inline constexpr char kMetaFile[] = "keyring.meta";
inline constexpr char kSealedFile[] = "master.sealed";
inline constexpr char kSigningFile[] = "signing.key";
inline constexpr char kCertFile[] = "device.crt";
inline constexpr char kOldCertsDir[] = "old-certs";
inline constexpr char kPolicyKeyFile[] = "pcr-policy-key.pem";
inline constexpr size_t kMaxPolicyKeySize = 16 * 1024;
inline constexpr size_t kMasterKeySize = 32;
inline constexpr size_t kMaxCertSize = 16 * 1024;

/// HKDF-SHA256 of the master key under the keyring salt with `label`.
SecretBytes DeriveKey(const SecretBytes& master, std::string_view label);
/// 8 hex digits identifying the master key (not secret-revealing: a
/// truncated one-way derivation).
std::string KeyCheck(const SecretBytes& master);

/// Seals `master` to the TPM behind `tcti`, creates a new signing key and its
/// certificate, and writes master.sealed, signing.key, device.crt and
/// keyring.meta (last) into `state_dir`. `meta` supplies device name, PCRs and
/// share counts; key_check and fingerprint are filled in. With
/// meta.pcr_policy_key set, the key is sealed under TPM2_PolicyAuthorize to
/// `policy_key_pem` (whose fingerprint it must be), which is written as
/// pcr-policy-key.pem. The TPM work happens before any file is written.
Result<KeyringMeta> InstallMasterKey(const std::string& tcti, const std::string& state_dir, const SecretBytes& master,
                                     KeyringMeta meta, std::string* cert_pem, const std::string& policy_key_pem = "");

}  // namespace qoima::crypto::internal
