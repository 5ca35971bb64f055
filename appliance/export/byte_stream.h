// Byte streams of the export path: a pull-side ByteReader (payload bytes coming
// out of the store, already decrypted chunk by chunk) and a push-side ByteSink
// (the tar stream going to a file, a CMS envelope, or an export medium).
//
// Ownership: a sink never owns the sink it forwards to; the caller keeps the
// chain alive until Close() returned. Thread-safety: none; one export runs on
// one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "common/result.h"
#include "common/unique_fd.h"

namespace qoima::exporting {

/// Pull side: Read() fills up to out.size() bytes and returns how many it gave;
/// 0 means end of stream. Errors carry the object name.
class ByteReader {
 public:
  virtual ~ByteReader() = default;
  virtual Result<size_t> Read(std::span<uint8_t> out) = 0;
};

/// Push side. Write() takes all of `data` or fails; Close() flushes and makes
/// the bytes durable (fsync for files). After a failure the sink is unusable.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Status Write(std::span<const uint8_t> data) = 0;
  virtual Status Close() = 0;
};

/// Writes to a file descriptor it owns; Close() fsyncs and closes.
class FdSink : public ByteSink {
 public:
  /// `name` appears in error messages ("write /media/export/b.tar: ...").
  FdSink(UniqueFd fd, std::string name);
  Status Write(std::span<const uint8_t> data) override;
  Status Close() override;
  /// Starts writeback of everything not yet handed to the disk, without
  /// waiting; the data becomes durable at Close() (whose fsync reports errors).
  void StartWriteback();
  uint64_t bytes_written() const { return bytes_; }

 private:
  static constexpr uint64_t kWritebackBytes = 8u << 20;
  UniqueFd fd_;
  std::string name_;
  uint64_t bytes_ = 0;
  uint64_t started_ = 0;  // bytes already handed to writeback
};

/// Reads a file descriptor it owns.
class FdReader : public ByteReader {
 public:
  FdReader(UniqueFd fd, std::string name);
  Result<size_t> Read(std::span<uint8_t> out) override;

 private:
  UniqueFd fd_;
  std::string name_;
};

}  // namespace qoima::exporting
