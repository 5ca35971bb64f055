#include "storage/store_keys.h"

#include "crypto/keyring.h"

namespace qoima::storage {

crypto::SecretBytes KeyringStoreKeys::SqlcipherKey() const { return keyring_.SqlcipherKey(); }

Result<DepositKey> KeyringStoreKeys::NewDataKey(std::string_view label) {
  QOIMA_ASSIGN_OR_RETURN(crypto::Keyring::NewKey k, keyring_.NewDataKey(label));
  DepositKey out;
  out.key = std::make_shared<const crypto::DataKey>(std::move(k.key));
  out.wrapped = std::move(k.wrapped);
  return out;
}

Result<std::shared_ptr<const crypto::DataKey>> KeyringStoreKeys::UnwrapDataKey(std::span<const uint8_t> wrapped,
                                                                               std::string_view label) const {
  QOIMA_ASSIGN_OR_RETURN(crypto::DataKey k, keyring_.UnwrapDataKey(wrapped, label));
  return std::make_shared<const crypto::DataKey>(std::move(k));
}

std::string KeyringStoreKeys::ObjectName(std::string_view input) const { return keyring_.ObjectName(input); }

crypto::Signer& KeyringStoreKeys::signer() { return keyring_.signer(); }

crypto::MonotonicCounter& KeyringStoreKeys::rollback_counter() { return keyring_.rollback_counter(); }

Result<std::vector<std::string>> KeyringStoreKeys::PreviousSignerCertificates() const {
  return keyring_.PreviousCertificates();
}

}  // namespace qoima::storage
