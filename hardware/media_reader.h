// Media reader: streams every entry of an untrusted medium (block device or
// image file) to a MediaSink, parsing in a sandboxed child process.
//
// ReadMedia() opens the device read-only and hands it to a reader child (no
// keys, no capabilities, an unprivileged uid, its own user, mount, PID,
// network and IPC namespaces with an empty root, a seccomp filter, rlimits;
// see docs/hardware.md), which parses the filesystem in userspace:
// ISO9660/Joliet/Rock Ridge with our own reader, UDF with libudf, FAT12/16/32,
// exFAT, NTFS and ext2/3/4 with The Sleuth Kit. A sandbox that cannot be set
// up is the appliance's fault (kIoError, "the reader sandbox could not be set
// up: ..."), never a problem of the medium. The child writes framed records to a pipe; this process decodes
// and validates every frame (FrameDecoder) and only then calls the sink. A
// crash, hang or malformed frame of the child becomes a kParserCrash /
// kParserTimeout / kMalformedFrame problem and a kMediaUnreadable status.
//
// Data arrives in one pass in chunks of at most ReadLimits::chunk_bytes; nothing
// is staged on disk; memory stays bounded whatever the medium's size.
//
// Ownership: the sink is borrowed for the duration of the call. Thread-safety:
// ReadMedia() may run concurrently for distinct devices; each call forks its
// own child. Call before starting threads that hold locks (it forks).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "hardware/media_entry.h"
#include "hardware/medium_admission.h"

namespace qoima::hardware {

/// Limits on what one medium may make us do. Defaults are the appliance's.
struct ReadLimits {
  uint64_t max_entries = 1'000'000;   // filesystem entries on the medium
  uint32_t max_depth = 256;           // directory nesting
  uint32_t max_path_bytes = 4096;     // raw path length
  uint32_t chunk_bytes = 256 * 1024;  // data chunk size in frames (<= kMaxFramePayload)
  // Archives found on the media are listed, never extracted. A limit of one
  // archive stops the listing of that archive only: it is stored byte-exact
  // like any file and flagged (archive_listing_stopped naming the limit), and
  // the read goes on. Depth 6: a Java EAR -> WAR -> JAR -> JAR is 4, inside a
  // tar.gz on an ISO image 6.
  uint32_t archive_max_depth = 6;           // nesting of archives in archives (1 = an archive on the medium)
  uint64_t archive_max_members = 200'000;   // members of one archive on the medium, nested ones included
  uint64_t archive_max_bytes = 4ull << 30;  // bytes decompressed listing one archive, nested ones included
  uint64_t archive_max_ratio = 200;         // decompressed / compressed, each archive and nested archive
  // The listing budget of the medium as a whole: once spent, later archives
  // are stored but not listed (flagged the same way); never fatal.
  uint64_t medium_archive_max_members = 1'000'000;  // members of all archives on the medium
  uint64_t medium_archive_max_bytes = 32ull << 30;  // bytes decompressed listing all of them
  bool list_archives = true;
};

/// Sandbox resource limits of the reader child.
struct SandboxLimits {
  std::chrono::milliseconds timeout{std::chrono::hours(4)};          // wall clock for the whole read
  std::chrono::milliseconds stall_timeout{std::chrono::minutes(2)};  // max time without a frame
  uint64_t address_space_bytes = 1ull << 30;                         // RLIMIT_AS (sanitizer builds raise it)
  uint64_t cpu_seconds = 4 * 3600;                                   // RLIMIT_CPU
  uint32_t max_open_files = 64;                                      // RLIMIT_NOFILE
  bool use_seccomp = true;   // false only in tests that prove the filter matters
  std::string child_binary;  // empty: $QOIMA_MEDIA_CHILD, else the built or installed qoima-media-child
};

enum class FsHint : uint8_t {
  kAuto = 0,  // probe with blkid, then try each reader
  kIso9660,
  kUdf,
  kFat,
  kExfat,
  kNtfs,
  kExt,
};

/// The name of `hint`'s row in fs_readers.h's table ("fat"); "auto" for kAuto.
std::string_view FsHintName(FsHint hint);

/// Which files the reader sends. An intake reads every entry; finding an
/// act on a medium, or reading one, needs a few files of it, so the child
/// walks the tree and sends only those (no archive is listed then).
struct EntrySelection {
  enum class Mode : uint8_t {
    kAll = 0,         // every entry, files whole (an intake, a scan)
    kCandidates = 1,  // regular files whose name ends in one of `suffixes`, at most
                      // `max_file_bytes` big: the first `head_bytes` of each (OnEntryEnd(false)),
                      // at most `max_files` of them
    kPath = 2,        // the one regular file whose raw path is `path`, whole
  };
  Mode mode = Mode::kAll;
  std::string path;                   // kPath
  std::vector<std::string> suffixes;  // kCandidates: ASCII, compared without letter case (".csv")
  uint64_t max_file_bytes = 64u << 20;
  uint32_t head_bytes = 64u << 10;
  uint32_t max_files = 256;
};
/// Limits of a selection: what the child and the parent accept.
inline constexpr size_t kMaxSelectionSuffixes = 64;
inline constexpr size_t kMaxSelectionSuffixBytes = 32;
inline constexpr uint32_t kMaxSelectionHeadBytes = 1u << 20;
inline constexpr uint32_t kMaxSelectionFiles = 10'000;

/// True when `entry` is one `selection` sends (kAll: every entry).
bool Selected(const EntrySelection& selection, const EntryHeader& entry);

struct ReadOptions {
  ReadLimits limits;
  EntrySelection select;
  SandboxLimits sandbox;
  FsHint fs_hint = FsHint::kAuto;
  bool set_device_read_only = true;  // BLKROSET on block devices where permitted
};

/// Receives what ReadMedia finds, in medium order. Entries arrive as
/// OnEntry, then (for files) OnData chunks summing to header.size, then
/// OnEntryEnd. OnArchiveMember calls for an archive file come after its data
/// and before its OnEntryEnd. OnProblem may arrive at any time.
/// A non-OK Status from a callback cancels the read (the child is killed) and
/// is returned by ReadMedia with context.
class MediaSink {
 public:
  virtual ~MediaSink() = default;
  virtual Status OnEntry(const EntryHeader& header) = 0;
  virtual Status OnData(std::span<const uint8_t> chunk) = 0;
  /// `complete` is false when the entry's data stopped short (a problem was reported).
  virtual Status OnEntryEnd(bool complete) = 0;
  virtual Status OnArchiveMember(const ArchiveMember& member) = 0;
  virtual Status OnProblem(const MediaProblem& problem) = 0;
};

/// Totals of one read.
struct ReadSummary {
  std::string filesystem;  // "iso9660", "udf", "vfat", "exfat", "ntfs", "ext4", ...
  std::string volume_label;
  uint64_t entries = 0;
  uint64_t files = 0;
  uint64_t data_bytes = 0;
  uint64_t archive_members = 0;
  uint64_t problems = 0;
  bool fatal = false;  // a fatal problem was reported: nothing may be accepted
};

/// Reads `device_or_image` in a sandboxed child and feeds `sink`.
/// Returns the summary when the child finished with an end frame and no fatal
/// problem; kMediaUnreadable / kCorrupt / kUnsupported / kLimitExceeded /
/// kTimeout (with the problem's message) otherwise. On failure the sink has
/// already seen every problem.
Result<ReadSummary> ReadMedia(const std::string& device_or_image, const ReadOptions& options, MediaSink& sink);

/// Reads in this process without a sandbox. For the sandbox child itself, the
/// fuzz targets and the CLI's --no-sandbox diagnostics only; never for intake.
Result<ReadSummary> ReadMediaUnsandboxed(const std::string& device_or_image, const ReadOptions& options,
                                         MediaSink& sink);

/// What libblkid (safe-probe mode) and udev say about a medium.
struct MediaIdentity {
  std::string device;  // "/dev/sdb1" or image path
  uint64_t size_bytes = 0;
  std::string partition_table;  // "dos", "gpt" or empty
  std::string fs_type;          // blkid TYPE: "iso9660", "udf", "vfat", "exfat", "ntfs", "ext4", ...
  std::string fs_version;       // blkid VERSION ("FAT32", "1.0", "Joliet Extension", ...)
  std::string label;            // LABEL
  std::string uuid;             // UUID (for ISO9660: the volume creation date id)
  std::string volume_id;        // optical: volume identifier (ISO9660/UDF); else the label
  std::string disc_serial;      // optical: serial the drive reports (empty when none)
  std::string vendor;           // from udev when available
  std::string model;
  std::string serial;  // USB/drive serial from udev
};

/// Probes `device_or_image` with libblkid in safe mode (superblocks, partition
/// tables; no filesystem data read beyond the probes). Unknown filesystem is
/// not an error: fs_type stays empty.
Result<MediaIdentity> Probe(const std::string& device_or_image);

/// Seam for the appliance: the real implementation calls AdmitMedium,
/// ReadMedia and Probe; tests may substitute a fake that emits scripted entries.
class MediaReader {
 public:
  virtual ~MediaReader() = default;
  /// OK when `device` is a medium the appliance may read (medium_admission.h);
  /// called before anything is probed, read or recorded.
  virtual Status Admit(const std::string& device) = 0;
  virtual Result<MediaIdentity> Probe(const std::string& device) = 0;
  virtual Result<ReadSummary> Read(const std::string& device, const ReadOptions& options, MediaSink& sink) = 0;
};

/// The production MediaReader (sandboxed), admitting media under `policy`.
class SandboxedMediaReader : public MediaReader {
 public:
  explicit SandboxedMediaReader(MediumPolicy policy = {}) : policy_(std::move(policy)) {}
  Status Admit(const std::string& device) override;
  Result<MediaIdentity> Probe(const std::string& device) override;
  Result<ReadSummary> Read(const std::string& device, const ReadOptions& options, MediaSink& sink) override;

 private:
  MediumPolicy policy_;
};

/// True for the statuses a read returns when the medium is at fault
/// (unreadable, corrupt, unsupported, over a limit, timed out): those are
/// evidence about the medium. Anything else (the sandbox could not be set up,
/// the device could not be opened, the caller's sink failed) is not.
bool IsMediumFault(const Status& status);

}  // namespace qoima::hardware
