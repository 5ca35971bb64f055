// MonotonicCounter: a counter that only goes up, kept outside the disk, so
// that a copy of the store put back over a newer one shows: the store records
// the counter value each audit checkpoint was signed with, and a store whose
// newest checkpoint is behind the counter is older than the appliance has
// been (docs/security.md, "Rollback of the store").
//
// TpmNvCounter (tpm_nv_counter.h) is the real one, a TPM NV index of type
// TPM_NT_COUNTER owned by the Keyring; storage unit tests use a fake from
// tests/storage/.
//
// Thread-safety: one thread at a time (as the TPM connection behind it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"

namespace qoima::crypto {

class MonotonicCounter {
 public:
  virtual ~MonotonicCounter() = default;
  /// The current value; nullopt when the counter does not exist yet (never
  /// created here, or created and never advanced). kTampered when something
  /// that is not this appliance's counter sits in its place.
  virtual Result<std::optional<uint64_t>> Read() = 0;
  /// Creates the counter when it does not exist (no-op when it does).
  virtual Status Create() = 0;
  /// Advances the counter by one and returns the value after. The first
  /// advance of a new counter may jump (a TPM starts a counter at the largest
  /// value any counter on it has had); later ones add exactly one.
  /// kNotFound when the counter does not exist.
  virtual Result<uint64_t> Increment() = 0;
  /// Where the counter lives, for messages: "TPM NV counter 0x0130a1b2".
  virtual std::string Name() const = 0;
};

}  // namespace qoima::crypto
