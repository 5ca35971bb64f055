// PayloadSource: what an export bundle carries, seen by the bag writer as a
// list of entries (raw path bytes + size) and a byte stream per entry.
//
// The store's deposit reader implements it (decrypting chunk by chunk, one
// audit event per read); DirectoryPayloadSource reads a plain directory (tests,
// benchmark). The bag writer never sees where bytes come from.
//
// Thread-safety: none.
#pragma once

#include <cstdint>
#include <memory>
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

class PayloadSource {
 public:
  virtual ~PayloadSource() = default;
  virtual const DepositMetadata& metadata() const = 0;
  virtual const std::vector<PayloadEntry>& entries() const = 0;
  /// A reader that yields exactly entries()[index].size bytes.
  virtual Result<std::unique_ptr<ByteReader>> Open(size_t index) = 0;
};

/// Every regular file under a directory (symlinks and special files are an
/// error: a deposit holds files). Paths are the raw bytes below `root`.
class DirectoryPayloadSource : public PayloadSource {
 public:
  static Result<std::unique_ptr<DirectoryPayloadSource>> Create(const std::string& root, DepositMetadata metadata);
  const DepositMetadata& metadata() const override { return metadata_; }
  const std::vector<PayloadEntry>& entries() const override { return entries_; }
  Result<std::unique_ptr<ByteReader>> Open(size_t index) override;

 private:
  std::string root_;
  DepositMetadata metadata_;
  std::vector<PayloadEntry> entries_;
};

}  // namespace qoima::exporting
