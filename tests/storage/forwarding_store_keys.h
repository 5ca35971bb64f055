// ForwardingStoreKeys: StoreKeys that forwards every call to another one, so
// a test overrides one method (leveldb's EnvWrapper idea): e.g. hand the
// store a rollback counter that fails or dies at a chosen increment, while
// keys, names and signatures stay the real keyring's.
#pragma once

#include <functional>

#include "crypto/monotonic_counter.h"
#include "storage/store_keys.h"

namespace qoima::testing {

class ForwardingStoreKeys : public storage::StoreKeys {
 public:
  explicit ForwardingStoreKeys(storage::StoreKeys& target) : target_(target) {}
  crypto::SecretBytes SqlcipherKey() const override { return target_.SqlcipherKey(); }
  Result<storage::DepositKey> NewDataKey(std::string_view label) override { return target_.NewDataKey(label); }
  Result<std::shared_ptr<const crypto::DataKey>> UnwrapDataKey(std::span<const uint8_t> wrapped,
                                                               std::string_view label) const override {
    return target_.UnwrapDataKey(wrapped, label);
  }
  std::string ObjectName(std::string_view input) const override { return target_.ObjectName(input); }
  crypto::Signer& signer() override { return target_.signer(); }
  crypto::MonotonicCounter& rollback_counter() override { return target_.rollback_counter(); }
  Result<std::vector<std::string>> PreviousSignerCertificates() const override {
    return target_.PreviousSignerCertificates();
  }

 private:
  storage::StoreKeys& target_;
};

/// Forwards to another counter; `before_increment` runs before each
/// Increment() and may fail it (the advance then does not happen) or end the
/// process (a crash between a checkpoint's commit and the counter's advance).
class HookedCounter : public crypto::MonotonicCounter {
 public:
  explicit HookedCounter(crypto::MonotonicCounter& target) : target_(target) {}
  Result<std::optional<uint64_t>> Read() override { return target_.Read(); }
  Status Create() override { return target_.Create(); }
  Result<uint64_t> Increment() override {
    ++increments_;
    if (before_increment) QOIMA_RETURN_IF_ERROR(before_increment(increments_));
    return target_.Increment();
  }
  std::string Name() const override { return target_.Name(); }
  /// Gets the 1-based number of this increment.
  std::function<Status(int)> before_increment;

 private:
  crypto::MonotonicCounter& target_;
  int increments_ = 0;
};

/// Store keys whose rollback counter is a HookedCounter over the real one.
class HookedCounterKeys : public ForwardingStoreKeys {
 public:
  explicit HookedCounterKeys(storage::StoreKeys& target)
      : ForwardingStoreKeys(target), counter_(target.rollback_counter()) {}
  crypto::MonotonicCounter& rollback_counter() override { return counter_; }
  HookedCounter& counter() { return counter_; }

 private:
  HookedCounter counter_;
};

}  // namespace qoima::testing
