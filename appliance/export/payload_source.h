// PayloadSource: what an export bundle carries, seen by the bag writer as a
// list of entries (raw path bytes + size) and, per entry, a stream of chunks
// pushed into a sink (the shape of storage's DepositReader::ReadFile, which
// decrypts and authenticates chunk by chunk).
//
// StorePayloadSource (store_payload_source.h) reads a committed deposit;
// DirectoryPayloadSource reads a plain directory (tests, benchmark). The bag
// writer never sees where bytes come from.
//
// Thread-safety: none.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "appliance/export/byte_stream.h"
#include "common/result.h"

namespace qoima::exporting {

/// Limits on what one bundle may hold.
inline constexpr size_t kMaxPayloadFiles = 1'000'000;

struct PayloadEntry {
  std::string raw_path;  // relative, '/'-separated, exact bytes as deposited
  uint64_t size = 0;
};

/// What bag-info.txt says about the deposit.
struct DepositMetadata {
  std::string deposit_id;
  std::string object_name;  // software / information system
  std::string version;
  std::string act_id;
  std::string root_hash;  // the deposit's root hash as recorded by the store
};

/// Receives consecutive chunks of one payload file; a non-OK return stops the stream.
using ChunkSink = std::function<Status(std::span<const uint8_t>)>;

class PayloadSource {
 public:
  virtual ~PayloadSource() = default;
  virtual const DepositMetadata& metadata() const = 0;
  virtual const std::vector<PayloadEntry>& entries() const = 0;
  /// Pushes the bytes of entries()[index] into `sink`, in order. Returns the
  /// sink's error, or the source's (read error, failed authentication) with
  /// the file named. Bytes already pushed are provisional until OK returns.
  virtual Status Stream(size_t index, const ChunkSink& sink) = 0;
};

/// Every regular file under a directory (symlinks and special files are an
/// error: a deposit holds files). Paths are the raw bytes below `root`.
class DirectoryPayloadSource : public PayloadSource {
 public:
  static Result<std::unique_ptr<DirectoryPayloadSource>> Create(const std::string& root, DepositMetadata metadata);
  const DepositMetadata& metadata() const override { return metadata_; }
  const std::vector<PayloadEntry>& entries() const override { return entries_; }
  Status Stream(size_t index, const ChunkSink& sink) override;

 private:
  std::string root_;
  DepositMetadata metadata_;
  std::vector<PayloadEntry> entries_;
};

}  // namespace qoima::exporting
