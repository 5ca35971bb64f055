// Media entries and problems: what the sandboxed reader reports about one
// depositor medium, as plain values.
//
// An EntryHeader describes one filesystem object found on the medium (file,
// directory, symlink, device node, hard link, other). Paths are kept twice:
// the raw bytes exactly as the filesystem stores them (the legal record) and a
// display form (NFC-normalized UTF-8, every byte that is not valid UTF-8 shown
// as "\xNN", a control character as "\u{XXXX}", a backslash as "\\") for the
// act comparison, collision checks, screens and acts (hardware/display_name.h).
// A MediaProblem is one damage report (class, message, path, byte offset);
// readers report damage instead of aborting (style.md, rule 6).
//
// Ownership: plain values, copied freely. Thread-safety: none needed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace qoima::hardware {

enum class EntryType : uint8_t {
  kFile = 1,
  kDirectory = 2,
  kSymlink = 3,   // link_target holds the raw target; never followed
  kDevice = 4,    // block/char device, FIFO or socket node; never opened
  kHardlink = 5,  // link_target holds the raw path of the first name seen
  kOther = 6,
};

/// Stable lower-case name ("file", "dir", "symlink", ...).
std::string_view EntryTypeName(EntryType type);

/// Bit flags on an entry.
enum EntryFlags : uint32_t {
  kEntryNonUtf8Name = 1u << 0,    // raw_path is not valid UTF-8 (display shows \xNN escapes)
  kEntryControlChars = 1u << 1,   // raw_path holds control characters (escaped in display)
  kEntryNameCollision = 1u << 2,  // display_path equals an earlier entry's after NFC
  kEntryIsArchive = 1u << 3,      // file content is an archive; members listed via OnArchiveMember
  kEntryEncrypted = 1u << 4,      // the filesystem marks the content encrypted (NTFS EFS)
  kEntryCompressed = 1u << 5,     // the filesystem stores the content compressed (NTFS)
  kEntryDamaged = 1u << 6,        // a problem was reported for this entry; content incomplete
  kEntryUnsafeName = 1u << 7,     // a component is "..", ".", empty, or holds NUL/backslash-free control bytes
  kEntryFormatChars = 1u << 8,    // raw_path holds bidi controls, invisible format characters or line separators
                                  // (kept in display_path; every front shows them escaped)
};

struct EntryHeader {
  std::string raw_path;      // bytes as on the media, '/'-separated, relative to the root, no leading '/'
  std::string display_path;  // NFC UTF-8, non-UTF-8 bytes "\xNN", controls "\u{XXXX}" (DisplayName)
  uint64_t size = 0;         // logical size in bytes (files); 0 for others
  int64_t mtime_sec = 0;     // modification time, seconds since the epoch (UTC)
  uint32_t mtime_nsec = 0;
  uint32_t mode = 0;  // POSIX permission bits where the filesystem has them, else 0
  EntryType type = EntryType::kOther;
  std::string link_target;  // symlink target (raw) or hard link's first path (raw)
  bool sparse = false;      // the file has holes; reported, never expanded on disk
  uint32_t flags = 0;       // EntryFlags
};

/// What went wrong, as a stable class the decision, audit log and screen map.
enum class ProblemClass : uint8_t {
  kUnreadableSector = 1,        // an I/O error at a known offset
  kTruncatedImage = 2,          // the filesystem points past the end of the device
  kUnsupportedFilesystem = 3,   // no reader recognizes the medium
  kCorruptFilesystem = 4,       // metadata does not parse
  kDeviceRemoved = 5,           // the medium went away mid-read
  kParserCrash = 6,             // the sandboxed child died (signal, non-zero exit, no end frame)
  kParserTimeout = 7,           // the child exceeded the wall-clock timeout
  kMalformedFrame = 8,          // the child wrote a frame the parent rejected
  kLimitExceeded = 9,           // a named limit (entries, depth, bytes, ratio, name length) was hit
  kNameCollision = 10,          // two paths are equal after NFC normalization
  kNonUtf8Name = 11,            // a name is not valid UTF-8 (kept as bytes, shown escaped)
  kUnsafeName = 12,             // "..", absolute, empty component, control, bidi or invisible characters
  kArchiveUnreadable = 13,      // an archive on the media could not be listed
  kEncryptedEntry = 14,         // an archive member or file is encrypted (flagged, not an error)
  kArchiveListingStopped = 15,  // a limit of one archive stopped its listing (`limit` names it); still stored
};

/// Which archive limit stopped a listing (kArchiveListingStopped problems
/// carry one; every other problem kNone).
enum class ArchiveLimit : uint8_t {
  kNone = 0,
  kDepth = 1,          // archives nested deeper than ReadLimits::archive_max_depth: the deeper one is not opened
  kMembers = 2,        // one archive on the medium (nested ones included) holds more than archive_max_members
  kBytes = 3,          // listing one archive (nested ones included) decompresses more than archive_max_bytes
  kRatio = 4,          // one archive expands more than archive_max_ratio times (a decompression bomb)
  kMediumMembers = 5,  // the medium's archives together hold more than medium_archive_max_members
  kMediumBytes = 6,    // listing the medium's archives together decompresses more than medium_archive_max_bytes
};
inline constexpr uint8_t kMaxArchiveLimit = 6;

/// Stable lower-case name ("archive_depth", "archive_ratio", ...; "" for kNone).
std::string_view ArchiveLimitName(ArchiveLimit limit);

/// What makes a name unsafe (kUnsafeName problems carry one; every other
/// problem kNone), so a front can say it in the clerk's language.
enum class UnsafeNameKind : uint8_t {
  kNone = 0,
  kTraversal = 1,          // "..", ".", an empty component or an absolute path
  kControlCharacters = 2,  // C0/C1 controls, DEL (shown as \u{XXXX})
  kHiddenCharacters = 3,   // bidirectional controls, invisible characters, line separators (shown escaped)
};

/// Stable lower-case name ("traversal", "control_characters", "hidden_characters"; "" for kNone).
std::string_view UnsafeNameKindName(UnsafeNameKind kind);

/// Stable lower-case name ("unreadable_sector", "name_collision", ...).
std::string_view ProblemClassName(ProblemClass cls);

/// True for classes that mean the read as a whole cannot be accepted; the
/// others are informational reports about single entries.
bool IsFatalProblem(ProblemClass cls);

struct MediaProblem {
  ProblemClass cls = ProblemClass::kCorruptFilesystem;
  std::string message;                            // human-readable, names what failed
  std::string path;                               // display path of the entry concerned; empty for the whole medium
  int64_t offset = -1;                            // byte offset on the device (or within the file), -1 when unknown
  ArchiveLimit limit = ArchiveLimit::kNone;       // kArchiveListingStopped: the limit that stopped it
  uint64_t limit_value = 0;                       // and its value (levels, members, bytes or ratio)
  UnsafeNameKind unsafe = UnsafeNameKind::kNone;  // kUnsafeName: what makes the name unsafe
};

/// One member of an archive found on the media (listed, never extracted).
struct ArchiveMember {
  std::string archive_path;  // display path of the archive file on the media (outer-most)
  std::string name;          // display form of the member name (nested: "inner.zip/dir/x")
  std::string raw_name;      // raw bytes of the member name as the archive stores it
  uint64_t size = 0;         // size the archive declares
  EntryType type = EntryType::kFile;
  uint32_t depth = 1;  // 1 = member of an archive on the media, 2 = nested once, ...
  bool encrypted = false;
};

}  // namespace qoima::hardware
