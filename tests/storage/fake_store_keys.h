// FakeStoreKeys: StoreKeys for unit tests of store logic without a TPM.
// One random DataKey serves every deposit ("wrapped" is just the label, so
// unwrapping checks the label only); the object-name key is fixed. Fork-safe:
// a child process inherits the same key, so crash tests can reopen the store
// in the parent; the rollback counter is a FakeMonotonicCounter in a file of
// its own temporary directory, shared the same way. Never a stand-in for the keyring's security properties:
// tests of shredding and backup/restore use crypto::Keyring on a Swtpm.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "crypto/hash.h"
#include "crypto/signer.h"
#include "storage/store_keys.h"
#include "tests/fixtures/temp_dir.h"
#include "tests/storage/fake_monotonic_counter.h"

namespace qoima::testing {

class FakeStoreKeys : public storage::StoreKeys {
 public:
  FakeStoreKeys()
      : key_(std::make_shared<const crypto::DataKey>(crypto::DataKey::Generate())),
        signer_(std::move(crypto::SoftwareSigner::Generate("fake store keys").value())),
        counter_(counter_dir_.Sub("counter")) {}

  crypto::SecretBytes SqlcipherKey() const override {
    crypto::SecretBytes k(32);
    for (size_t i = 0; i < 32; ++i) k.data()[i] = static_cast<uint8_t>(0xa0 + i);
    return k;
  }
  Result<storage::DepositKey> NewDataKey(std::string_view label) override {
    storage::DepositKey k;
    k.key = key_;
    std::string w = "fake-wrap:" + std::string(label);
    k.wrapped.assign(w.begin(), w.end());
    return k;
  }
  Result<std::shared_ptr<const crypto::DataKey>> UnwrapDataKey(std::span<const uint8_t> wrapped,
                                                               std::string_view label) const override {
    std::string w(wrapped.begin(), wrapped.end());
    if (w != "fake-wrap:" + std::string(label)) return Status::Corrupt("fake unwrap: wrong label or damaged");
    return key_;
  }
  std::string ObjectName(std::string_view input) const override {
    return crypto::Hex(crypto::Sha256::Digest("fake-object-name-key:" + std::string(input)));
  }
  crypto::Signer& signer() override { return *signer_; }
  crypto::MonotonicCounter& rollback_counter() override { return counter_; }
  FakeMonotonicCounter& fake_counter() { return counter_; }
  Result<std::vector<std::string>> PreviousSignerCertificates() const override { return previous_certs; }
  /// Replaces the signing key (a new TPM); returns the one replaced.
  std::unique_ptr<crypto::SoftwareSigner> SwapSigner(std::unique_ptr<crypto::SoftwareSigner> next) {
    std::swap(signer_, next);
    return next;
  }
  /// What keyring/old-certs/ would hold.
  std::vector<std::string> previous_certs;

 private:
  std::shared_ptr<const crypto::DataKey> key_;
  std::unique_ptr<crypto::SoftwareSigner> signer_;
  TempDir counter_dir_;
  FakeMonotonicCounter counter_;
};

}  // namespace qoima::testing
