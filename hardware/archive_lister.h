// ArchiveLister: lists (never extracts) an archive found on the media with
// libarchive, inside the reader child, within the archive limits of
// ReadLimits: nesting depth, member count and bytes produced (shared by all
// archives on the medium), expansion ratio per archive. Member data is
// decompressed only to count it and to list nested archives, then dropped.
//
// Thread-safety: none.
#pragma once

#include "common/status.h"
#include "hardware/entry_emitter.h"

namespace qoima::hardware {

/// A compression ratio below this many produced bytes is not checked: tiny
/// members legitimately compress far.
inline constexpr uint64_t kArchiveRatioFloorBytes = 1 << 20;
/// Read block for the libarchive callbacks.
inline constexpr size_t kArchiveReadBlock = 64 * 1024;

/// Lists `content` as an archive at depth 1 and emits its members. Returns
/// OK after the listing (an unreadable archive is reported as a non-fatal
/// kArchiveUnreadable problem); non-OK only when a limit was hit (reported as
/// kLimitExceeded) or the frame sink failed.
Status ListArchive(FileContent& content, const std::string& raw_path, EntryEmitter& emitter);

}  // namespace qoima::hardware
