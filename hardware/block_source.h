// BlockSource: read-only access to the untrusted device or image, the one
// place where I/O errors on depositor media become classified problems.
//
// Reads with pread from a descriptor opened O_RDONLY (the parent's
// ReadOnlyGuard sets the device read-only where permitted). The first failure
// is kept as a MediaProblem:
//   EIO / EILSEQ / EBADMSG          -> kUnreadableSector at the failing offset
//   ENODEV / ENXIO / ESHUTDOWN, or a device that shrank -> kDeviceRemoved
//   a read past the end of the medium                    -> kTruncatedImage
// so the readers (libarchive, TSK, libudf) can fail with their own message and
// the reader child still reports the cause.
//
// Ownership: owns its descriptor. Thread-safety: none; used by one reader.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "common/unique_fd.h"
#include "hardware/media_entry.h"

namespace qoima::hardware {

class BlockSource {
 public:
  /// Opens `path` read-only (the unsandboxed reads).
  static Result<std::unique_ptr<BlockSource>> Open(const std::string& path);
  /// Takes a descriptor the parent opened read-only; `path` names it in messages.
  static Result<std::unique_ptr<BlockSource>> Adopt(UniqueFd fd, const std::string& path);

  const std::string& path() const { return path_; }
  int fd() const { return fd_.get(); }
  uint64_t size() const { return size_; }
  bool is_block_device() const { return is_block_; }

  /// Reads up to `len` bytes at `offset`; returns the count (short only at the
  /// end of the medium). On failure records failure() and returns its Status.
  Result<size_t> ReadAt(uint64_t offset, uint8_t* buf, size_t len);

  /// The first I/O failure, classified.
  const std::optional<MediaProblem>& failure() const { return failure_; }

  /// A reader asked for data at or past the end: if its walk fails later,
  /// the cause is reported as kTruncatedImage.
  void NoteEndReached(uint64_t offset) {
    if (!end_reached_) end_reached_ = offset;
  }
  const std::optional<uint64_t>& end_reached() const { return end_reached_; }

  /// Checks whether the medium is still there with its original size; records
  /// kDeviceRemoved otherwise. Called when a reader fails without an I/O error.
  void CheckStillPresent();

 private:
  BlockSource(std::string path, UniqueFd fd, uint64_t size, bool is_block)
      : path_(std::move(path)), fd_(std::move(fd)), size_(size), is_block_(is_block) {}
  Status Fail(ProblemClass cls, std::string message, int64_t offset);
  Result<uint64_t> CurrentSize() const;

  std::string path_;
  UniqueFd fd_;
  uint64_t size_ = 0;
  bool is_block_ = false;
  std::optional<MediaProblem> failure_;
  std::optional<uint64_t> end_reached_;
};

}  // namespace qoima::hardware
