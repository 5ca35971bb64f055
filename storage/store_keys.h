// StoreKeys: the key operations the store needs, as one seam. The appliance
// passes KeyringStoreKeys (backed by the TPM-rooted crypto::Keyring); unit
// tests of store logic pass a fake from tests/storage/.
//
// Data keys are handed out as shared_ptr<const DataKey> because a DataKey is
// move-only and the store caches one per deposit while it reads or writes.
//
// Ownership: KeyringStoreKeys borrows the Keyring (which must outlive it).
// Thread-safety: as crypto::Keyring (one thread).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "crypto/aead.h"
#include "crypto/monotonic_counter.h"
#include "crypto/secret.h"
#include "crypto/signer.h"

namespace qoima::crypto {
class Keyring;
}

namespace qoima::storage {

struct DepositKey {
  std::shared_ptr<const crypto::DataKey> key;
  /// What the deposit row keeps; deleting it shreds the deposit.
  std::vector<uint8_t> wrapped;
};

class StoreKeys {
 public:
  virtual ~StoreKeys() = default;
  /// The raw SQLCipher key of meta.db (32 bytes).
  virtual crypto::SecretBytes SqlcipherKey() const = 0;
  /// A fresh data key bound to `label`.
  virtual Result<DepositKey> NewDataKey(std::string_view label) = 0;
  /// kCorrupt when `wrapped` is damaged or belongs to another label or keyring.
  virtual Result<std::shared_ptr<const crypto::DataKey>> UnwrapDataKey(std::span<const uint8_t> wrapped,
                                                                       std::string_view label) const = 0;
  /// 64 hex digits of a keyed hash of `input`.
  virtual std::string ObjectName(std::string_view input) const = 0;
  /// Signs audit checkpoints and backup manifests.
  virtual crypto::Signer& signer() = 0;
  /// The monotonic counter checkpoints are bound to (anti-rollback): the
  /// keyring's TPM NV counter.
  virtual crypto::MonotonicCounter& rollback_counter() = 0;
  /// Certificates (PEM) of the earlier signing keys of this appliance (before
  /// a key recovery onto a new TPM): their checkpoints stay trusted.
  virtual Result<std::vector<std::string>> PreviousSignerCertificates() const { return std::vector<std::string>{}; }
};

class KeyringStoreKeys : public StoreKeys {
 public:
  explicit KeyringStoreKeys(crypto::Keyring& keyring) : keyring_(keyring) {}
  crypto::SecretBytes SqlcipherKey() const override;
  Result<DepositKey> NewDataKey(std::string_view label) override;
  Result<std::shared_ptr<const crypto::DataKey>> UnwrapDataKey(std::span<const uint8_t> wrapped,
                                                               std::string_view label) const override;
  std::string ObjectName(std::string_view input) const override;
  crypto::Signer& signer() override;
  crypto::MonotonicCounter& rollback_counter() override;
  Result<std::vector<std::string>> PreviousSignerCertificates() const override;

 private:
  crypto::Keyring& keyring_;
};

}  // namespace qoima::storage
