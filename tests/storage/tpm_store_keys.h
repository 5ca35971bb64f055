// TpmStoreKeys: the real key path for store tests: a fresh swtpm, a keyring
// provisioned on it (not PCR-bound: tests only) and KeyringStoreKeys over it.
// Reopen() closes and reopens the keyring (a restart of the appliance).
#pragma once

#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "crypto/keyring.h"
#include "storage/store_keys.h"
#include "tests/fixtures/swtpm.h"
#include "tests/fixtures/temp_dir.h"

namespace qoima::testing {

class TpmStoreKeys {
 public:
  TpmStoreKeys() : key_dir_(dir_.Sub("keys")) {
    crypto::ProvisionOptions o;
    o.device_name = "qoima storage test";
    auto prov = crypto::Keyring::Provision(tpm_.tcti(), key_dir_, o);
    REQUIRE(prov.ok());
    recovery_shares_ = prov->recovery_shares;
    Reopen();
  }

  /// Closes the keyring (and its TPM connection), e.g. before another process uses the TPM.
  void Close() {
    keys_.reset();
    keyring_.reset();
  }

  void Reopen() {
    Close();
    auto kr = crypto::Keyring::Open(tpm_.tcti(), key_dir_);
    REQUIRE(kr.ok());
    keyring_ = std::move(*kr);
    keys_ = std::make_unique<storage::KeyringStoreKeys>(*keyring_);
  }

  storage::StoreKeys& keys() { return *keys_; }
  crypto::Keyring& keyring() { return *keyring_; }
  Swtpm& tpm() { return tpm_; }
  const std::string& key_dir() const { return key_dir_; }
  const std::vector<std::string>& recovery_shares() const { return recovery_shares_; }

 private:
  Swtpm tpm_;
  TempDir dir_;
  std::string key_dir_;
  std::vector<std::string> recovery_shares_;
  std::unique_ptr<crypto::Keyring> keyring_;
  std::unique_ptr<storage::KeyringStoreKeys> keys_;
};

}  // namespace qoima::testing
