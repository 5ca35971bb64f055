// EntryEmitter: the reader child's side of the frame protocol. Filesystem
// backends hand it entries and content streams; it enforces the read limits,
// sniffs archives and lists them (ArchiveLister), chunks data and writes
// frames to a FrameSink (the pipe to the parent, or an in-process decoder).
//
// Ownership: borrows the sink and the block source. Thread-safety: none.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "hardware/block_source.h"
#include "hardware/media_entry.h"
#include "hardware/media_reader.h"

namespace qoima::hardware {

/// Where encoded frames go.
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  virtual Status Write(std::span<const uint8_t> frame_header, std::span<const uint8_t> payload) = 0;
};

/// One file's content as a sequential stream.
class FileContent {
 public:
  virtual ~FileContent() = default;
  /// Fills up to buf.size() bytes; 0 at the end.
  virtual Result<size_t> Read(std::span<uint8_t> buf) = 0;
  /// Zero-copy variant of Read: a view of up to `max` next bytes inside the
  /// reader's own buffer, valid until the next call; empty at the end.
  /// Unsupported by default (the emitter then calls Read).
  virtual Result<std::span<const uint8_t>> View(size_t /*max*/) { return Status::Unsupported("no zero-copy view"); }
  /// A fresh stream over the same content (for listing an archive after its
  /// bytes were streamed). Unsupported by default.
  virtual Result<std::unique_ptr<FileContent>> Reopen() { return Status::Unsupported("content cannot be re-read"); }
  /// Random access for formats that need it (7z). Unsupported by default.
  virtual Status Seek(uint64_t /*offset*/) { return Status::Unsupported("content is not seekable"); }
  virtual uint64_t Size() const = 0;
};

/// The listing budget shared by every archive on one medium
/// (ReadLimits::medium_archive_max_*).
struct ArchiveBudget {
  uint64_t members = 0;
  uint64_t bytes = 0;
};

class EntryEmitter {
 public:
  EntryEmitter(FrameSink& sink, const ReadLimits& limits, BlockSource* source, EntrySelection selection = {})
      : sink_(sink), limits_(limits), source_(source), select_(std::move(selection)) {
    if (select_.mode != EntrySelection::Mode::kAll) limits_.list_archives = false;
  }

  /// Emits one entry (raw_path and metadata set; display fields are the
  /// parent's job). For files, streams `content` (may be null for size 0).
  /// A non-OK return means a fatal problem was already reported: stop walking.
  Status Emit(EntryHeader header, FileContent* content);

  /// Reports a problem. Fatal classes make later Emit calls fail.
  Status Problem(ProblemClass cls, std::string message, std::string raw_path, int64_t offset);
  /// Reports a problem given whole (a stopped listing names its limit).
  Status Problem(MediaProblem problem);

  /// Reports the failure of the whole walk: the block source's classified
  /// I/O failure when there is one, else `fallback` with `status`'s message.
  Status FailWalk(const Status& status, ProblemClass fallback, const std::string& raw_path);

  /// Writes the end frame.
  Status Finish(const std::string& filesystem, const std::string& label);

  /// Used by ArchiveLister, which keeps the member limits.
  Status Member(const ArchiveMember& m);
  const ReadLimits& limits() const { return limits_; }
  ArchiveBudget& archive_budget() { return budget_; }
  bool fatal() const { return fatal_; }
  uint64_t entries() const { return entries_; }

 private:
  Status WriteFrame(const std::vector<uint8_t>& frame);
  Status StreamData(const EntryHeader& h, FileContent& content, std::vector<uint8_t>& first, bool& complete);
  Status EmitHead(const EntryHeader& h, FileContent& content);
  Status Skip() {
    ++skipped_;
    return Status::Ok();
  }

  FrameSink& sink_;
  ReadLimits limits_;
  BlockSource* source_;
  EntrySelection select_;
  ArchiveBudget budget_;
  bool fatal_ = false;
  uint64_t entries_ = 0;
  uint64_t files_ = 0;
  uint64_t data_bytes_ = 0;
  uint64_t selected_ = 0;  // files sent under a selection
  uint64_t skipped_ = 0;   // entries walked but not sent (not selected)
  std::vector<uint8_t> buf_;
};

/// True when `head` (the first bytes of a file) looks like an archive or
/// compressed stream libarchive can list: zip, tar, 7z, cpio, gzip, xz,
/// zstd, bzip2, rar, ISO9660.
bool LooksLikeArchive(std::span<const uint8_t> head);

}  // namespace qoima::hardware
