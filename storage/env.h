// Env: every filesystem call the object store and backup make, behind one
// interface (leveldb's Env). PosixEnv is the real one; EnvWrapper forwards
// every call so a fault-injecting test overrides one method (e.g. make the
// third Append() fail with ENOSPC, or Sync() with EIO).
//
// errno becomes a Status only through Status::FromErrno (common/status.h).
//
// Ownership: files returned by an Env own their descriptor (UniqueFd).
// Thread-safety: PosixEnv is stateless and may be shared; files are used by
// one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"

namespace qoima::storage {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  /// Writes all of `data` (short writes are retried).
  virtual Status Append(std::span<const uint8_t> data) = 0;
  /// fsync(2).
  virtual Status Sync() = 0;
  /// close(2); reports a deferred write error.
  virtual Status Close() = 0;
  /// ftruncate(2) to `size` bytes; the next Append() writes at `size`. Used
  /// to drop the tail of a pack file (a partially written object).
  virtual Status Truncate(uint64_t size) {
    (void)size;
    return Status::Unsupported("truncate is not supported by this file");
  }
};

class SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  /// Reads up to out.size() bytes; 0 at end of file.
  virtual Result<size_t> Read(std::span<uint8_t> out) = 0;
  /// Moves `n` bytes forward (to an object inside a pack file). The default
  /// reads and drops them; PosixSequentialFile seeks.
  virtual Status Skip(uint64_t n);
};

/// Makes every write to one filesystem durable at once (syncfs(2)): the
/// barrier for a batch of files written without an fsync each. Open it
/// BEFORE the batch is written: Sync() then also reports writeback errors
/// that hit that filesystem since the handle was opened (the kernel tracks
/// them per superblock since Linux 5.8), so an error in background
/// writeback of a batch file is not lost.
class FilesystemSync {
 public:
  virtual ~FilesystemSync() = default;
  /// syncfs(2): file data, inodes and directory entries of the filesystem.
  virtual Status Sync() = 0;
};

/// The directory that holds `path`: "." for a bare name, "/" for a top-level one.
std::string ParentDir(const std::string& path);

class Env {
 public:
  virtual ~Env() = default;
  /// The process-wide PosixEnv.
  static Env& Default();

  /// Creates `path` exclusively (O_CREAT | O_EXCL), mode 0600.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) = 0;
  virtual Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) = 0;
  /// rename(2): atomic replacement within one filesystem.
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  /// fsync of a directory, so a rename or unlink in it is durable. A
  /// filesystem that cannot sync a directory (EINVAL) has nothing to make
  /// durable that way: OK.
  virtual Status SyncDir(const std::string& dir) = 0;
  /// A barrier on the filesystem that holds directory `dir`.
  virtual Result<std::unique_ptr<FilesystemSync>> NewFilesystemSync(const std::string& dir) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  /// rmdir(2) of an empty directory.
  virtual Status RemoveDir(const std::string& path) = 0;
  /// mkdir(2) mode 0700; OK when it exists already as a directory.
  virtual Status CreateDir(const std::string& path) = 0;
  /// Names in `dir` without "." and "..".
  virtual Result<std::vector<std::string>> ListDir(const std::string& dir) = 0;
  virtual Result<uint64_t> FileSize(const std::string& path) = 0;
  virtual bool FileExists(const std::string& path) = 0;
};

/// Forwards every call to `target` (which must outlive the wrapper).
class EnvWrapper : public Env {
 public:
  explicit EnvWrapper(Env& target) : target_(target) {}
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    return target_.NewWritableFile(path);
  }
  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) override {
    return target_.NewSequentialFile(path);
  }
  Status Rename(const std::string& from, const std::string& to) override { return target_.Rename(from, to); }
  Status SyncDir(const std::string& dir) override { return target_.SyncDir(dir); }
  Result<std::unique_ptr<FilesystemSync>> NewFilesystemSync(const std::string& dir) override {
    return target_.NewFilesystemSync(dir);
  }
  Status RemoveFile(const std::string& path) override { return target_.RemoveFile(path); }
  Status RemoveDir(const std::string& path) override { return target_.RemoveDir(path); }
  Status CreateDir(const std::string& path) override { return target_.CreateDir(path); }
  Result<std::vector<std::string>> ListDir(const std::string& dir) override { return target_.ListDir(dir); }
  Result<uint64_t> FileSize(const std::string& path) override { return target_.FileSize(path); }
  bool FileExists(const std::string& path) override { return target_.FileExists(path); }
  Env& target() { return target_; }

 private:
  Env& target_;
};

/// Removes `path` and everything below it (directories two levels deep at
/// most are expected: the store and backup layouts). NotFound is OK.
Status RemoveTree(Env& env, const std::string& path, int max_depth = 3);

}  // namespace qoima::storage
