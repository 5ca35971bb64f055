// StorePayloadSource: the files of one committed deposit in storage's Store,
// as the payload of an export bundle. Opening it records one "deposit.read"
// audit event (actor, reason) through Store::OpenDeposit; each file is then
// decrypted, authenticated and checked against its SHA-256 chunk by chunk
// while it streams into the bag (nothing is staged in plaintext).
//
// Ownership: borrows the Store (must outlive the source), owns the reader.
// Thread-safety: as the Store (one thread).
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "appliance/export/payload_source.h"
#include "storage/store.h"

namespace qoima::exporting {

class StorePayloadSource : public PayloadSource {
 public:
  /// kNotFound for an unknown deposit, kFailedPrecondition for a destroyed
  /// one. `act_id` goes into bag-info.txt as is (empty when the deposit has none).
  static Result<std::unique_ptr<StorePayloadSource>> Open(storage::Store& store, int64_t deposit_id,
                                                          const storage::Actor& actor, std::string_view reason,
                                                          std::string act_id = "");
  const DepositMetadata& metadata() const override { return metadata_; }
  const std::vector<PayloadEntry>& entries() const override { return entries_; }
  Status Stream(size_t index, const ChunkSink& sink) override;

 private:
  StorePayloadSource() = default;
  DepositMetadata metadata_;
  std::vector<PayloadEntry> entries_;
  std::vector<int64_t> file_ids_;
  std::unique_ptr<storage::DepositReader> reader_;
};

}  // namespace qoima::exporting
