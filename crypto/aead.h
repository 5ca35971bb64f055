// Streaming authenticated encryption of stored objects (AES-256-GCM over
// fixed-size chunks, the "STREAM" construction), and DataKey, the per-deposit
// key it runs under.
//
// On disk an object is a 40-byte header followed by chunk records; each record
// is one chunk of ciphertext (kChunkSize bytes, the last one 0..kChunkSize)
// followed by its 16-byte GCM tag. Every chunk is sealed under a per-object
// subkey (HKDF of the data key, a random per-object salt and the object id),
// with a nonce made of a random per-object prefix, the chunk index and a
// final-chunk flag, and with the header and the object id as associated data.
// So flipping, truncating, reordering, dropping or appending chunks, splicing
// chunks between objects, swapping object ids or using the wrong key all fail
// with Code::kCorrupt naming the chunk and byte offset. Full format:
// docs/crypto.md ("Object format").
//
// Memory is bounded by one chunk whatever the object size.
//
// AeadOpener releases plaintext chunk by chunk as each chunk authenticates; a
// truncation at a chunk boundary is only detected by Finish(). Callers must
// treat everything written to the sink as provisional until Finish() returns
// OK (write to a temporary file, rename on success).
//
// Ownership: sealer/opener keep a copy of the derived subkey (SecretBytes) and
// call the sink synchronously; the sink must outlive them. Thread-safety: one
// object per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "crypto/secret.h"

namespace qoima::crypto {

class Keyring;
class AeadSealer;
class AeadOpener;

/// A 256-bit data key. Its bytes never leave crypto/: the store obtains one
/// from Keyring::NewDataKey() (with the wrapped form to persist) or
/// Keyring::UnwrapDataKey(), and hands it to AeadSealer / AeadOpener.
class DataKey {
 public:
  static constexpr size_t kSize = 32;
  /// A fresh random key (unit tests and benchmarks; the store uses the keyring).
  static DataKey Generate();
  DataKey(DataKey&&) noexcept = default;
  DataKey& operator=(DataKey&&) noexcept = default;

 private:
  friend class Keyring;
  friend class AeadSealer;
  friend class AeadOpener;
  explicit DataKey(SecretBytes key) : key_(std::move(key)) {}
  SecretBytes key_;
};

/// Receives output bytes; a non-OK Status aborts the operation and is returned
/// (with context) by Update()/Finish().
using ByteSink = std::function<Status(std::span<const uint8_t>)>;

struct AeadFormat {
  static constexpr char kMagic[8] = {'Q', 'O', 'I', 'M', 'A', 'O', 'B', 'J'};
  static constexpr uint8_t kVersion = 1;
  static constexpr uint8_t kAlgAes256GcmHkdfSha256 = 1;
  static constexpr size_t kHeaderSize = 40;
  static constexpr size_t kTagSize = 16;
  static constexpr size_t kSaltSize = 16;
  static constexpr size_t kNoncePrefixSize = 7;
  static constexpr uint32_t kChunkSize = 64 * 1024;
  /// Limits an opener accepts from a header (untrusted bytes).
  static constexpr uint32_t kMinChunkSize = 16;
  static constexpr uint32_t kMaxChunkSize = 16 * 1024 * 1024;
  /// Object ids are bound as associated data; longer ones are refused.
  static constexpr size_t kMaxObjectIdSize = 1024;
  /// The chunk index is 32 bits: 2^32 chunks of 64 KiB = 256 TiB per object.
  static constexpr uint64_t kMaxChunks = 0xffffffffull;

  /// Size on disk of a `plaintext_size`-byte object at `chunk_size`.
  static uint64_t CiphertextSize(uint64_t plaintext_size, uint32_t chunk_size = kChunkSize);
};

class AeadSealer {
 public:
  /// Writes the header to `sink` at once. `object_id` (e.g. the object name in
  /// the store) is bound into every chunk. `chunk_size` other than the default
  /// is for tests.
  static Result<std::unique_ptr<AeadSealer>> Create(const DataKey& key, std::string_view object_id, ByteSink sink,
                                                    uint32_t chunk_size = AeadFormat::kChunkSize);
  ~AeadSealer();
  AeadSealer(const AeadSealer&) = delete;
  AeadSealer& operator=(const AeadSealer&) = delete;

  /// Appends plaintext; full chunks are sealed and emitted.
  Status Update(std::span<const uint8_t> plaintext);
  Status Update(std::string_view plaintext) {
    return Update({reinterpret_cast<const uint8_t*>(plaintext.data()), plaintext.size()});
  }
  /// Seals the last (possibly empty) chunk with the final flag. Required: an
  /// object without a final chunk does not open.
  Status Finish();

  uint64_t plaintext_bytes() const { return plaintext_bytes_; }
  uint64_t ciphertext_bytes() const { return ciphertext_bytes_; }

 private:
  struct Impl;
  AeadSealer(std::unique_ptr<Impl> impl, ByteSink sink);
  Status SealChunk(std::span<const uint8_t> plain, bool final);
  std::unique_ptr<Impl> impl_;
  ByteSink sink_;
  uint64_t plaintext_bytes_ = 0;
  uint64_t ciphertext_bytes_ = 0;
  bool finished_ = false;
  bool failed_ = false;
};

class AeadOpener {
 public:
  /// Nothing is read yet; the header is parsed from the first Update() bytes.
  static Result<std::unique_ptr<AeadOpener>> Create(const DataKey& key, std::string_view object_id, ByteSink sink);
  ~AeadOpener();
  AeadOpener(const AeadOpener&) = delete;
  AeadOpener& operator=(const AeadOpener&) = delete;

  /// Feeds ciphertext in pieces of any size; authenticated plaintext chunks
  /// go to the sink. After an error every later call returns that error.
  Status Update(std::span<const uint8_t> ciphertext);
  /// Authenticates the final chunk; fails (kCorrupt) on truncation.
  Status Finish();

  uint64_t plaintext_bytes() const { return plaintext_bytes_; }

 private:
  struct Impl;
  explicit AeadOpener(std::unique_ptr<Impl> impl, ByteSink sink);
  Status OpenChunk(std::span<const uint8_t> record, bool final);
  std::unique_ptr<Impl> impl_;
  ByteSink sink_;
  uint64_t plaintext_bytes_ = 0;
  Status error_;
  bool finished_ = false;
};

/// One-shot helpers for small objects (wrapped metadata, tests).
Result<std::vector<uint8_t>> SealBytes(const DataKey& key, std::string_view object_id,
                                       std::span<const uint8_t> plaintext,
                                       uint32_t chunk_size = AeadFormat::kChunkSize);
Result<std::vector<uint8_t>> OpenBytes(const DataKey& key, std::string_view object_id,
                                       std::span<const uint8_t> ciphertext);

}  // namespace qoima::crypto
