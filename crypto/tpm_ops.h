// TPM operations of the keyring over ESAPI (internal to crypto/): the
// owner-hierarchy storage key (SRK), sealing and unsealing a secret under an
// optional PCR policy, creating and loading the ECDSA P-256 signing key, and
// signing a digest. Every handle is a TpmObject (flushed on scope exit); every
// TSS2_RC goes through TpmStatus().
//
// Sessions carrying secrets are salted with the SRK and use parameter
// encryption (AES-128-CFB), so the master key and the signing key's auth
// value never cross the TPM bus in clear.
//
// Thread-safety: as TpmContext (one thread).
#pragma once

#include <tss2/tss2_esys.h>

#include <span>
#include <vector>

#include "common/result.h"
#include "crypto/secret.h"
#include "crypto/tpm_context.h"

namespace qoima::crypto::tpm {

/// Public and private halves of an object created under the SRK, as the TPM
/// returned them (the private half is encrypted by the TPM's storage key).
struct ObjectBlob {
  TPML_PCR_SELECTION pcrs{};  // count 0: no PCR policy
  TPM2B_PUBLIC pub{};
  TPM2B_PRIVATE priv{};
};

/// Starts an auth session of `type`; with a `salt_key` (the SRK) it is salted
/// and encrypts parameters as `enc_flags` says (TPMA_SESSION_ENCRYPT /
/// _DECRYPT); ESYS_TR_NONE gives an unsalted session without encryption.
Result<TpmObject> StartSession(TpmContext& tpm, TPM2_SE type, ESYS_TR salt_key, TPMA_SESSION enc_flags,
                               const char* what);

/// SHA-256 bank selection of `pcrs` (REQUIRES each in 0..23).
TPML_PCR_SELECTION PcrSelection(const std::vector<int>& pcrs);

/// Creates the deterministic ECC P-256 storage primary key (the same key on
/// every call for the same TPM owner seed).
Result<TpmObject> CreateSrk(TpmContext& tpm);

/// Seals `secret` (<= 128 bytes) under `srk`; with PCRs in `pcrs` the object
/// can only be unsealed while those PCRs hold their current values.
Result<ObjectBlob> Seal(TpmContext& tpm, const TpmObject& srk, const SecretBytes& secret,
                        const TPML_PCR_SELECTION& pcrs);
/// Seals `secret` with `policy` as its authPolicy (nullptr: no policy, the
/// empty auth value unseals it); `pcrs` is recorded in the blob.
Result<ObjectBlob> SealWithPolicy(TpmContext& tpm, const TpmObject& srk, const SecretBytes& secret,
                                  const TPM2B_DIGEST* policy, const TPML_PCR_SELECTION& pcrs);
/// Loads and unseals; kPolicyMismatch when the PCRs changed.
Result<SecretBytes> Unseal(TpmContext& tpm, const TpmObject& srk, const ObjectBlob& blob);

/// Creates a non-exportable ECDSA P-256 signing key with authValue `auth`.
Result<ObjectBlob> CreateSigningKey(TpmContext& tpm, const TpmObject& srk, const SecretBytes& auth);
/// Loads an object under `srk`.
Result<TpmObject> Load(TpmContext& tpm, const TpmObject& srk, const ObjectBlob& blob);
/// Signs `digest` with a loaded signing key; returns big-endian r and s.
Result<std::pair<std::vector<uint8_t>, std::vector<uint8_t>>> SignDigest(TpmContext& tpm, const TpmObject& key,
                                                                         const SecretBytes& auth,
                                                                         std::span<const uint8_t> digest);

}  // namespace qoima::crypto::tpm
