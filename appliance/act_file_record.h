// The act's file kept with an intake, byte-exact (intake_act_files,
// migration 10): the bytes whose SHA-256 is the digest on the paper act,
// whether they came as a file given to the CLI or from a medium through the
// sandboxed reader. Written a piece at a time in the intake's transaction
// (the value is sized first and filled through incremental BLOB I/O), read
// back a piece at a time. The database is encrypted; rows never change.
//
// Thread-safety: none (the caller holds the database).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "appliance/manifest_parser.h"
#include "common/result.h"
#include "common/unique_fd.h"
#include "storage/database.h"

namespace qoima::appliance {

/// What is known of an intake's act file besides its bytes.
struct ActFileMeta {
  std::string source;  // "file" | "medium"
  std::string device;  // "medium": the device it was read from
  std::string volume_label;
  std::string path;      // as shown
  std::string raw_path;  // "medium": the exact bytes of its name
  uint64_t size = 0;
  int64_t mtime = 0;
  std::string sha256;  // hex
};

/// Stores the act's bytes for `intake_id`, read from `bytes` (rewound
/// first); refused, nothing written, when they are not `meta.size` bytes
/// with SHA-256 `meta.sha256` (a file that changed since it was parsed).
Status InsertActFile(storage::Database& db, int64_t intake_id, const ActFileMeta& meta, ManifestSource& bytes);

/// The meta of the act file kept with `intake_id`; NotFound when the intake
/// has none (recorded before acts were kept).
Result<ActFileMeta> LoadActFileMeta(storage::Database& db, int64_t intake_id);

/// Hands the kept bytes to `piece` in order, at most 1 MiB at a time.
Status ReadActFile(storage::Database& db, int64_t intake_id, const std::function<Status(std::string_view)>& piece);

/// A file as a ManifestSource, 1 MiB a piece (the act given as a file).
class FileManifestSource final : public ManifestSource {
 public:
  static Result<std::unique_ptr<FileManifestSource>> Open(const std::string& path);
  Result<std::string_view> Next() override;
  Status Rewind() override;

 private:
  FileManifestSource(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  UniqueFd fd_;
  std::string path_;
  std::string buf_;
};

/// Bytes in memory as a ManifestSource (an act read from a medium).
class BytesManifestSource final : public ManifestSource {
 public:
  explicit BytesManifestSource(std::string_view bytes) : bytes_(bytes) {}
  Result<std::string_view> Next() override;
  Status Rewind() override {
    pos_ = 0;
    return Status::Ok();
  }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

}  // namespace qoima::appliance
