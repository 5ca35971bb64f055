// MediaCollector: the appliance's MediaSink. It receives what hardware's
// sandboxed reader streams from one medium, hashes each file's bytes with
// SHA-256 as they pass, hands the same bytes to a ContentSink (storage's
// sealing object writer during intake; nothing during `qoima scan`), and
// records what it saw as ObservedFiles for the diff engine: a list, or each
// entry handed on as it is read (StreamTo). One pass, no plaintext on disk;
// memory is one chunk, plus one small record per entry when it keeps a list.
//
// Ownership: borrows the ContentSink for its lifetime.
// Thread-safety: one read at a time (ReadMedia calls it from one thread).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "appliance/manifest_diff.h"
#include "crypto/hash.h"
#include "hardware/media_reader.h"

namespace qoima::appliance {

/// Where file bytes go while they are hashed.
class ContentSink {
 public:
  virtual ~ContentSink() = default;
  /// True when the sink hashes the bytes itself (the store's object writer
  /// does): the collector then takes EndFile's digest instead of hashing twice.
  virtual bool HashesContent() const { return false; }
  virtual Status BeginFile(const hardware::EntryHeader& header) = 0;
  virtual Status Write(std::span<const uint8_t> chunk) = 0;
  /// `complete` false: the read stopped short; the sink discards the partial
  /// object. Returns the sink's SHA-256 of the file when HashesContent().
  virtual Result<std::optional<crypto::Sha256Digest>> EndFile(bool complete) = 0;
};

/// Keeps nothing (verification only: `qoima scan`).
class DiscardingContentSink final : public ContentSink {
 public:
  Status BeginFile(const hardware::EntryHeader&) override { return Status::Ok(); }
  Status Write(std::span<const uint8_t>) override { return Status::Ok(); }
  Result<std::optional<crypto::Sha256Digest>> EndFile(bool) override { return std::optional<crypto::Sha256Digest>(); }
};

class MediaCollector final : public hardware::MediaSink {
 public:
  explicit MediaCollector(ContentSink& content) : content_(content) {}

  Status OnEntry(const hardware::EntryHeader& header) override;
  Status OnData(std::span<const uint8_t> chunk) override;
  Status OnEntryEnd(bool complete) override;
  Status OnArchiveMember(const hardware::ArchiveMember& member) override;
  Status OnProblem(const hardware::MediaProblem& problem) override;

  /// Hands each entry to `observer` (the intake's MediumDiff) once nothing
  /// more can be said about it, instead of keeping a list: an entry is handed
  /// over when the next one begins, the last one by Flush(). A problem the
  /// reader reports later for an earlier entry is then a problem of the
  /// medium as a whole when it is fatal, as for a path never seen.
  void StreamTo(std::function<void(const ObservedFile&)> observer) { observer_ = std::move(observer); }
  /// Hands the last entry over (streaming); call after the read.
  void Flush();
  /// What the medium held (without StreamTo; with it, at most the last entry).
  const std::vector<ObservedFile>& files() const { return files_; }
  /// Problems of the medium as a whole, as sentences.
  const std::vector<std::string>& medium_problems() const { return medium_problems_; }
  /// The non-fatal problems (unsafe names, collisions, encrypted members,
  /// archives not listed), listed up to kMaxListedFindings, all counted.
  const MediaFindings& findings() const { return findings_; }
  uint64_t archive_members() const { return archive_members_; }
  uint64_t bytes() const { return bytes_; }

 private:
  ContentSink& content_;
  std::function<void(const ObservedFile&)> observer_;
  std::vector<ObservedFile> files_;
  std::vector<std::string> medium_problems_;
  MediaFindings findings_;
  std::optional<crypto::Sha256> hasher_;
  uint64_t received_ = 0;
  uint64_t archive_members_ = 0;
  uint64_t bytes_ = 0;
  bool in_file_ = false;
};

}  // namespace qoima::appliance
