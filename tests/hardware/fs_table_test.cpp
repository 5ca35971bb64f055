// The filesystem table (hardware/fs_readers.h): every list and switch about
// filesystems is derived from it, so each row must be reachable by each way
// the appliance names a filesystem, and no two rows may claim one name.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>

#include "hardware/fs_readers.h"
#include "hardware/reader_child.h"

using namespace qoima::hardware;

TEST_CASE("every filesystem row round-trips its name and blkid types") {
  REQUIRE_FALSE(Filesystems().empty());
  std::set<std::string_view> names;
  std::set<std::string_view> blkid_types;
  for (const auto& fs : Filesystems()) {
    INFO("row " << fs.name);
    CHECK(names.insert(fs.name).second);
    CHECK(FsHintName(fs.hint) == fs.name);
    CHECK(FindFilesystem(fs.hint) == &fs);
    CHECK(FindFilesystemByName(fs.name) == &fs);
    REQUIRE_FALSE(fs.blkid_types.empty());
    for (auto t : fs.blkid_types) {
      INFO("blkid type " << t);
      CHECK(blkid_types.insert(t).second);
      CHECK(FindFilesystemByBlkidType(t) == &fs);
    }
    // The child receives the hint by name: the argument it is given names the row.
    ReadOptions o;
    o.fs_hint = fs.hint;
    auto args = ChildArguments("/dev/null", o);
    CHECK(std::count(args.begin(), args.end(), "--fs=" + std::string(fs.name)) == 1);
  }
  CHECK(FsHintName(FsHint::kAuto) == "auto");
  CHECK(FindFilesystem(FsHint::kAuto) == nullptr);
  CHECK(FindFilesystemByName("auto") == nullptr);
  CHECK(FindFilesystemByBlkidType("swap") == nullptr);
  CHECK(FindFilesystemByBlkidType("") == nullptr);
}

TEST_CASE("every FsHint has a row with a reader") {
  // FsHint values are 1..N after kAuto; each must be a row, and each row a
  // reader the child dispatches to.
  size_t rows = Filesystems().size();
  for (size_t v = 1; v <= rows; ++v) {
    const Filesystem* fs = FindFilesystem(static_cast<FsHint>(v));
    INFO("FsHint " << v);
    REQUIRE(fs != nullptr);
    CHECK(fs->read != nullptr);
    // A TSK row names a type this libtsk build opens (the selftest's check).
    if (fs->read == &ReadTsk)
      CHECK_FALSE(fs->tsk_type.empty());
    else
      CHECK(fs->tsk_type.empty());
  }
  CHECK(FindFilesystem(static_cast<FsHint>(rows + 1)) == nullptr);
}

TEST_CASE("FAT and exFAT times are local time and the others are not") {
  for (const char* fs : {"vfat", "msdos", "fat", "exfat"}) {
    INFO(fs);
    CHECK(MtimesAreLocalTime(fs));
  }
  for (const char* fs : {"iso9660", "udf", "ntfs", "ext4", "ext", "", "swap"}) {
    INFO(fs);
    CHECK_FALSE(MtimesAreLocalTime(fs));
  }
}
