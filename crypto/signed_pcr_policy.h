// Signed PCR policies: keys that survive signed updates.
//
// A master key sealed to literal PCR values is lost to every update of the
// boot image: the new kernel measures differently. Instead the appliance
// seals it under TPM2_PolicyAuthorize to the vendor's update-signing public
// key (RSA). Each boot image carries a signature, made with the update key,
// over the PolicyPCR digest of the PCR values that image produces (PCR 11:
// systemd-stub measures the unified kernel image's sections there). To
// unseal, the TPM checks the signature (TPM2_VerifySignature), then that the
// signed policy is the one the current PCRs satisfy (TPM2_PolicyPCR +
// TPM2_PolicyAuthorize). A vendor-signed update therefore unseals without the
// recovery ceremony; an unsigned or modified image does not.
//
// The signature file is the one systemd-measure writes and systemd-stub hands
// to the booted system as /run/systemd/tpm2-pcr-signature.json:
//   {"sha256":[{"pcrs":[11],"pkfp":"<hex SHA-256 of the key's DER SPKI>",
//               "pol":"<hex PolicyPCR digest>","sig":"<base64 RSASSA-PKCS1-v1_5 SHA-256 over pol>"}, ...]}
// one entry per boot phase (systemd-pcrphase extends PCR 11 as the boot goes
// on). Format and worked example: docs/crypto.md.
//
// Thread-safety: free functions; TPM calls on one TpmContext (one thread).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "crypto/secret.h"
#include "crypto/tpm_context.h"
#include "crypto/tpm_ops.h"

namespace qoima::crypto {

/// Where systemd-stub's signed PCR policy of the running boot image is found.
inline constexpr char kDefaultPcrSignaturePath[] = "/run/systemd/tpm2-pcr-signature.json";

struct SignedPcrPolicyFormat {
  static constexpr size_t kMaxFileSize = 64 * 1024;
  static constexpr size_t kMaxEntries = 64;
  static constexpr size_t kMaxSignature = 1024;  // bytes (RSA up to 8192 bits)
};

/// One signed policy of a signature file (sha256 bank).
struct PcrPolicySignature {
  std::vector<int> pcrs;
  std::string key_fingerprint;     // "pkfp", 64 lower-case hex (PolicyKeyFingerprint)
  std::vector<uint8_t> policy;     // "pol", 32 bytes
  std::vector<uint8_t> signature;  // "sig"
};

/// Parses a signature file (its bytes); `name` prefixes every error
/// (kCorrupt naming the entry and field). Only the "sha256" bank is read.
Result<std::vector<PcrPolicySignature>> ParsePcrSignatures(std::string_view json, const std::string& name);

/// The TPM2_PolicyPCR digest of the sha256-bank `pcrs` (ascending) holding
/// `values` (32 bytes each, same order), starting from an empty policy:
/// SHA-256(0^32 || TPM_CC_PolicyPCR || TPML_PCR_SELECTION || SHA-256(values...)).
std::vector<uint8_t> PcrPolicyDigest(const std::vector<int>& pcrs, const std::vector<std::vector<uint8_t>>& values);

/// The key fingerprint systemd-measure writes as "pkfp": 64 hex digits of the
/// SHA-256 of the key's PKCS#1 RSAPublicKey DER (i2d_PublicKey; not the SPKI).
Result<std::string> PolicyKeyFingerprint(std::string_view pem);

/// The TPM form of an RSA public key in PEM (the update-signing key), as
/// systemd loads it: RSA, sha256 name, sign|decrypt|userWithAuth, no scheme.
/// kInvalidArgument when the PEM is not an RSA public key.
Result<TPM2B_PUBLIC> PolicyKeyPublic(std::string_view pem);

/// The authPolicy of an object sealed under TPM2_PolicyAuthorize to the key
/// whose TPM name is `key_name` (empty policyRef).
std::vector<uint8_t> AuthorizePolicyDigest(std::span<const uint8_t> key_name);

/// Loads `key` into the TPM as an external public key (owner hierarchy) and
/// returns its TPM name (nameAlg || SHA-256 of its public area).
Result<std::vector<uint8_t>> PolicyKeyName(TpmContext& tpm, const TPM2B_PUBLIC& key);

/// Seals `secret` under `srk` so that it unseals only through
/// UnsealAuthorized with a signature of `key` (whose name is `key_name`) over
/// the PolicyPCR digest of `pcrs`. The blob records `pcrs`.
Result<tpm::ObjectBlob> SealAuthorized(TpmContext& tpm, const TpmObject& srk, const SecretBytes& secret,
                                       std::span<const uint8_t> key_name, const TPML_PCR_SELECTION& pcrs);

/// Unseals a blob sealed by SealAuthorized: computes the PolicyPCR digest of
/// the current values of the blob's PCRs, finds the entry of `signatures` made
/// by `key` (fingerprint `key_fingerprint`) for that digest, has the TPM verify
/// it and authorize the policy, and unseals. kPolicyMismatch when no entry
/// signs the current PCR values (an unsigned or modified boot image) or the
/// TPM refuses the signature.
Result<SecretBytes> UnsealAuthorized(TpmContext& tpm, const TpmObject& srk, const tpm::ObjectBlob& blob,
                                     const TPM2B_PUBLIC& key, const std::string& key_fingerprint,
                                     const std::vector<PcrPolicySignature>& signatures);

}  // namespace qoima::crypto
