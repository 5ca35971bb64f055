// The filesystems the reader child reads: one table, `kFilesystems`, from
// which every list and switch about them is derived (FsHintName and its
// inverse, the blkid type mapping, the child's dispatch, qoima-read's --fs
// list, the selftest's libtsk check, and which filesystems keep local-time
// modification times). Adding a filesystem is an FsHint value, one row here
// and the reader file the row names:
//   iso_reader.cpp  ISO9660 + Joliet + Rock Ridge (our own, one directory at a time)
//   udf_reader.cpp  UDF (libcdio's libudf)
//   tsk_reader.cpp  FAT12/16/32, exFAT, NTFS, ext2/3/4 (The Sleuth Kit)
//
// Each reader walks one filesystem on a BlockSource and hands every entry to
// the EntryEmitter, in directory order. It returns OK after a complete walk,
// or a non-OK Status after a fatal problem was reported through the emitter.
//
// Thread-safety: the table is constant; the readers share no state.
#pragma once

#include <span>
#include <string>
#include <string_view>

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

/// One filesystem the appliance reads.
struct Filesystem {
  FsHint hint;
  /// The name in ReadOptions' wire form, `qoima-read --fs=` and FsHintName.
  std::string_view name;
  /// blkid TYPE values this reader reads; a medium blkid names otherwise is
  /// `unsupported_filesystem`.
  std::span<const std::string_view> blkid_types;
  /// Walks the filesystem; `fs_name` receives the reader's name of what it
  /// opened (TSK's "fat16"; the row's name for the others), reported when
  /// blkid named nothing.
  Status (*read)(BlockSource& src, EntryEmitter& em, FsHint hint, std::string& fs_name);
  /// The libtsk type the reader opens it as and `qoima selftest` checks this
  /// libtsk build for; empty for the readers that are not The Sleuth Kit.
  std::string_view tsk_type;
  /// FAT and exFAT store modification times in the writer's local time with
  /// no zone, so they compare with an act's times only up to the zone.
  bool mtimes_local_time;
};

/// Every filesystem the appliance reads, one row each.
std::span<const Filesystem> Filesystems();

/// The row of `hint`; nullptr for kAuto.
const Filesystem* FindFilesystem(FsHint hint);
/// The row whose name is `name` ("fat"); nullptr when none is.
const Filesystem* FindFilesystemByName(std::string_view name);
/// The row whose blkid types hold `type` ("vfat"); nullptr when none does.
const Filesystem* FindFilesystemByBlkidType(std::string_view type);

/// True when `filesystem`, as a read reports it (a blkid type such as "vfat",
/// or a row's name), keeps modification times in local time.
bool MtimesAreLocalTime(std::string_view filesystem);

}  // namespace qoima::hardware
