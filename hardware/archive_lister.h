// ArchiveLister: lists (never extracts) an archive found on the media with
// libarchive, inside the reader child. Member data is decompressed only to
// count it and to list nested archives, then dropped.
//
// Limits (ReadLimits) are per archive: nesting depth, members and bytes
// decompressed of one archive on the medium (its nested archives included),
// expansion ratio of each archive and nested archive; and a budget of the
// medium as a whole (members and bytes of all its archives). A limit stops
// the listing it concerns and nothing else: the members listed so far stay
// listed, a kArchiveListingStopped problem names the limit, the file's bytes
// were already streamed byte-exact, and the read goes on:
//   - depth: a nested archive one level too deep is listed as a member but
//     not opened; its siblings are listed;
//   - ratio: that archive (or nested archive) stops; the archive around it
//     goes on with its next member;
//   - members, bytes of one archive: that archive on the medium stops;
//   - the medium's budget: this archive stops, and later ones are not
//     listed at all (each flagged).
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

/// Lists `content` as an archive at depth 1 and emits its members. An
/// archive that cannot be (fully) read is a kArchiveUnreadable problem, a
/// limit a kArchiveListingStopped problem; both non-fatal. Returns non-OK
/// only when the frame sink failed.
Status ListArchive(FileContent& content, const std::string& raw_path, EntryEmitter& emitter);

}  // namespace qoima::hardware
