// Filesystem backends of the reader child. Each walks one filesystem on a
// BlockSource and hands every entry to the EntryEmitter, in directory order.
// Each returns OK after a complete walk, or a non-OK Status after a fatal
// problem was reported through the emitter.
//   iso_reader.cpp  ISO9660 + Joliet + Rock Ridge (our own, one directory at a time)
//   udf_reader.cpp  UDF (libcdio's libudf)
//   tsk_reader.cpp  FAT12/16/32, exFAT, NTFS, ext2/3/4 (The Sleuth Kit)
#pragma once

#include <string>

#include "common/status.h"
#include "hardware/block_source.h"
#include "hardware/entry_emitter.h"
#include "hardware/media_reader.h"

namespace qoima::hardware {

/// Largest read of file data in the ISO reader (bigger reads, fewer syscalls).
inline constexpr size_t kIsoReadBlock = 1 << 20;
/// Directory entries one directory may hold (TSK and UDF walkers).
inline constexpr size_t kMaxDirEntries = 1'000'000;

Status ReadIso(BlockSource& src, EntryEmitter& em);
Status ReadUdf(BlockSource& src, EntryEmitter& em);
/// `hint` selects the TSK filesystem type (kAuto: TSK detects); `fs_name`
/// receives TSK's name of what it opened.
Status ReadTsk(BlockSource& src, EntryEmitter& em, FsHint hint, std::string& fs_name);

}  // namespace qoima::hardware
