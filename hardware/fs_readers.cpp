#include "hardware/fs_readers.h"

#include <array>

namespace qoima::hardware {
namespace {

// Our own and libudf's readers know no finer name than the row's.
Status ReadIsoRow(BlockSource& src, EntryEmitter& em, FsHint hint, std::string& fs_name) {
  fs_name = FsHintName(hint);
  return ReadIso(src, em);
}
Status ReadUdfRow(BlockSource& src, EntryEmitter& em, FsHint hint, std::string& fs_name) {
  fs_name = FsHintName(hint);
  return ReadUdf(src, em);
}

constexpr std::array<std::string_view, 1> kIsoTypes{"iso9660"};
constexpr std::array<std::string_view, 1> kUdfTypes{"udf"};
constexpr std::array<std::string_view, 2> kFatTypes{"vfat", "msdos"};
constexpr std::array<std::string_view, 1> kExfatTypes{"exfat"};
constexpr std::array<std::string_view, 1> kNtfsTypes{"ntfs"};
constexpr std::array<std::string_view, 5> kExtTypes{"ext2", "ext3", "ext4", "ext4dev", "jbd"};

// clang-format off
constexpr std::array<Filesystem, 6> kFilesystems{{
//  hint               name       blkid types   reader      tsk type  mtimes local
  {FsHint::kIso9660, "iso9660", kIsoTypes,   ReadIsoRow, "",       false},
  {FsHint::kUdf,     "udf",     kUdfTypes,   ReadUdfRow, "",       false},
  {FsHint::kFat,     "fat",     kFatTypes,   ReadTsk,    "fat",    true},
  {FsHint::kExfat,   "exfat",   kExfatTypes, ReadTsk,    "exfat",  true},
  {FsHint::kNtfs,    "ntfs",    kNtfsTypes,  ReadTsk,    "ntfs",   false},
  {FsHint::kExt,     "ext",     kExtTypes,   ReadTsk,    "ext",    false},
}};
// clang-format on

}  // namespace

std::span<const Filesystem> Filesystems() { return kFilesystems; }

const Filesystem* FindFilesystem(FsHint hint) {
  for (const auto& fs : kFilesystems)
    if (fs.hint == hint) return &fs;
  return nullptr;
}

const Filesystem* FindFilesystemByName(std::string_view name) {
  for (const auto& fs : kFilesystems)
    if (fs.name == name) return &fs;
  return nullptr;
}

const Filesystem* FindFilesystemByBlkidType(std::string_view type) {
  for (const auto& fs : kFilesystems)
    for (auto t : fs.blkid_types)
      if (t == type) return &fs;
  return nullptr;
}

bool MtimesAreLocalTime(std::string_view filesystem) {
  const Filesystem* fs = FindFilesystemByBlkidType(filesystem);
  if (fs == nullptr) fs = FindFilesystemByName(filesystem);
  return fs != nullptr && fs->mtimes_local_time;
}

std::string_view FsHintName(FsHint hint) {
  const Filesystem* fs = FindFilesystem(hint);
  return fs != nullptr ? fs->name : "auto";
}

}  // namespace qoima::hardware
