// Keyring: the appliance's key hierarchy, rooted in a TPM-sealed master key.
//
//   master key (32 random bytes, sealed to the TPM under the owner-hierarchy
//   storage key, optionally bound to a PCR policy; also split into M-of-N
//   recovery shares at provisioning)
//     |- HKDF "sqlcipher"         -> SqlcipherKey(), the raw key of the database
//     |- HKDF "data-key-wrap"     -> wraps per-deposit DataKeys (crypto-shredding)
//     |- HKDF "object-name"       -> HMAC key of ObjectName()
//     |- HKDF "signing-key-auth"  -> authValue of the TPM signing key
//     |- HKDF "rollback-counter-auth" -> authValue of the TPM NV rollback counter
//     `- HKDF "key-check"         -> key check value stored in the state dir
//   device signing key: ECDSA P-256 created inside the TPM, never exportable.
//   rollback counter: a TPM NV counter index (tpm_nv_counter.h) the store
//   binds its audit checkpoints to; defined on first use.
//
// State directory (written by Provision/Recover, read by Open; formats in
// docs/crypto.md): master.sealed, signing.key, device.crt, keyring.meta and
// old-certs/ (certificates of signing keys replaced by Recover()).
//
// Failures are Status codes the appliance turns into audited, plain messages:
//   kTpmError        the TPM is absent, not running, or failed
//   kPolicyMismatch  "the system state changed since provisioning" (PCRs)
//   kLockout         the TPM is in dictionary-attack lockout
//   kCorrupt         a state file is damaged (names the file and field)
//   kNotFound        the state dir is not provisioned
//   kAlreadyExists   Provision over an existing keyring
//
// Ownership: a Keyring owns its TpmContext, the unsealed master key
// (SecretBytes, mlocked, zeroed on destruction) and the loaded signing key
// (a transient TPM object flushed on destruction).
// Thread-safety: not thread-safe; the appliance owns one Keyring and
// serialises calls.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "crypto/aead.h"
#include "crypto/monotonic_counter.h"
#include "crypto/secret.h"
#include "crypto/signed_pcr_policy.h"
#include "crypto/signer.h"
#include "crypto/tpm_context.h"

namespace qoima::crypto {

struct ProvisionOptions {
  /// SHA-256 bank PCRs the master key is sealed to, e.g. {0, 2, 4, 7}. Empty
  /// means NOT bound to the boot state (demo and tests only): the keyring then
  /// unseals on any boot of this TPM, and ProvisionResult::warning says so.
  std::vector<int> pcrs;
  /// Recovery shares: any `threshold` of `shares` rebuild the master key.
  int threshold = 2;
  int shares = 3;
  /// Subject CN of the self-signed device certificate.
  std::string device_name = "qoima appliance";
  /// PEM of the vendor's update-signing RSA public key. When set, the master
  /// key is sealed under TPM2_PolicyAuthorize to it: it unseals on a boot
  /// whose `pcrs` (11 for systemd-stub's measurements) hold values the key
  /// signed (crypto/signed_pcr_policy.h), so a signed update keeps the keys and
  /// an unsigned or modified boot image cannot unseal them.
  std::string pcr_policy_key_pem{};
};

struct OpenOptions {
  /// The signed PCR policy of the running boot image (keyrings sealed to an
  /// update-signing key only).
  std::string pcr_signature_path = kDefaultPcrSignaturePath;
};

struct ProvisionResult {
  /// Hex SHA-256 of the signing key's DER SubjectPublicKeyInfo.
  std::string signing_key_fingerprint;
  std::string certificate_pem;
  /// Printable recovery shares (one per custodian) and the same shares as QR
  /// payload strings. Shown once; never stored by qoima.
  std::vector<std::string> recovery_shares;
  std::vector<std::string> recovery_qr_payloads;
  /// Non-empty when the configuration weakens protection (no PCR binding).
  std::string warning;
};

/// How the master key is split for recovery (from keyring.meta).
struct RecoveryPolicy {
  int threshold = 0;  // shares needed
  int shares = 0;     // shares printed at provisioning
};

class Keyring {
 public:
  /// Most certificates of earlier signing keys read from old-certs/.
  static constexpr size_t kMaxPreviousCertificates = 64;

  /// Creates the master key and the signing key in the TPM reached through
  /// `tcti`, writes the state files into `state_dir` (created if missing), and
  /// returns the shares. On failure no keyring file is left in `state_dir`
  /// (the directory itself may remain). kAlreadyExists when keyring.meta exists.
  static Result<ProvisionResult> Provision(const std::string& tcti, const std::string& state_dir,
                                           const ProvisionOptions& options);

  /// Unseals the master key and loads the signing key.
  static Result<std::unique_ptr<Keyring>> Open(const std::string& tcti, const std::string& state_dir);
  static Result<std::unique_ptr<Keyring>> Open(const std::string& tcti, const std::string& state_dir,
                                               const OpenOptions& options);

  ~Keyring();
  Keyring(const Keyring&) = delete;
  Keyring& operator=(const Keyring&) = delete;

  /// The raw 32-byte SQLCipher key (the one narrow exit of key material from
  /// crypto/). Pass it as PRAGMA key = "x'<hex>'" and drop it promptly.
  SecretBytes SqlcipherKey() const;

  struct NewKey {
    DataKey key;
    /// What to persist (e.g. in the deposit's DB row); deleting every copy of
    /// it makes the deposit's objects unreadable (crypto-shredding).
    std::vector<uint8_t> wrapped;
  };
  /// A fresh random data key, wrapped under the master-derived wrapping key.
  /// `label` (e.g. the deposit id) is bound into the wrapping.
  Result<NewKey> NewDataKey(std::string_view label);
  /// kCorrupt when `wrapped` was damaged, wrapped under another keyring, or
  /// for another label.
  Result<DataKey> UnwrapDataKey(std::span<const uint8_t> wrapped, std::string_view label) const;

  /// 64 hex digits: HMAC-SHA256 of `bytes` under the object-name key. Used as
  /// the object file name so names reveal nothing about contents without the key.
  std::string ObjectName(std::span<const uint8_t> bytes) const;
  std::string ObjectName(std::string_view bytes) const {
    return ObjectName(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  }

  /// The TPM-resident device signer.
  Signer& signer();
  /// The TPM NV counter the store's checkpoints are bound to (anti-rollback).
  /// Its authValue stays inside crypto/.
  MonotonicCounter& rollback_counter();
  /// Transient objects and sessions of a dead process that opening the TPM
  /// flushed (0 behind a resource manager); the appliance audits it.
  int stale_tpm_handles_flushed() const;

  /// PCRs the master key is bound to (empty: not bound).
  const std::vector<int>& pcrs() const;
  /// Fingerprint of the update-signing key whose signed PCR policies unseal
  /// the master key; empty when it is sealed to literal PCR values.
  const std::string& pcr_policy_key() const;
  /// M of N of the recovery shares.
  RecoveryPolicy recovery_policy() const;
  /// Break-glass (docs/security.md): OK when `shares` rebuild this keyring's
  /// master key. The rebuilt key is compared in constant time and wiped;
  /// nothing is written and nothing leaves crypto/. kAuthFailed for too few
  /// shares, shares of another keyring or a combination that does not rebuild
  /// the key; kInvalidArgument naming a mistyped share (as CombineShares).
  Status CheckRecoveryShares(const std::vector<std::string>& shares) const;
  /// Certificates (PEM) of the signing keys this keyring had before
  /// recoveries (old-certs/), oldest name first: past checkpoints and
  /// bundles were signed by them. Public data.
  Result<std::vector<std::string>> PreviousCertificates() const;

 private:
  struct Impl;
  explicit Keyring(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace qoima::crypto
