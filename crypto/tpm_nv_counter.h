// TpmNvCounter: the store's rollback counter, a TPM NV index of type
// TPM_NT_COUNTER (docs/crypto.md, "Rollback counter").
//
// A TPM counter index can only be incremented; no command sets it back, not
// even for someone who knows its authValue. Deleting the index and defining
// it again does not help either: the TPM starts a new counter at the largest
// value any counter on it has had. Writes need the index's authValue,
// HKDF(master, "rollback-counter-auth"), proven through an HMAC session and
// never sent; the index is noDA, so a wrong guess locks nothing out. Reads use
// the same authValue, so an index that someone defined again with an
// authValue of their own answers "not this appliance's counter" (kTampered).
//
// The handle is 0x0130xxxx, xxxx = the first four hex digits of the keyring's
// key check: keyrings provisioned on one TPM get different counters, and a
// keyring recovered onto a new TPM finds its counter at the same handle there.
//
// Ownership: borrows the TpmContext (the Keyring's), which must outlive it;
// owns a copy of the authValue (mlocked, zeroed).
// Thread-safety: one thread (as TpmContext).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "crypto/monotonic_counter.h"
#include "crypto/secret.h"
#include "crypto/tpm_context.h"

namespace qoima::crypto {

class TpmNvCounter : public MonotonicCounter {
 public:
  /// First handle of the range the counter handles are taken from.
  static constexpr uint32_t kHandleBase = 0x01300000;

  /// The NV handle for a keyring with `key_check` (8 hex digits).
  static uint32_t HandleFor(const std::string& key_check);

  TpmNvCounter(TpmContext& tpm, uint32_t handle, SecretBytes auth)
      : tpm_(tpm), handle_(handle), auth_(std::move(auth)) {}

  Result<std::optional<uint64_t>> Read() override;
  Status Create() override;
  Result<uint64_t> Increment() override;
  std::string Name() const override;

  uint32_t handle() const { return handle_; }

 private:
  TpmContext& tpm_;
  uint32_t handle_;
  SecretBytes auth_;
};

}  // namespace qoima::crypto
