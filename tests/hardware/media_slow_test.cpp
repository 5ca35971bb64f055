// Long cases excluded from the default suite (label "slow").
#include <catch2/catch.hpp>

#include <filesystem>

#include "tests/hardware/media_test_util.h"

using namespace qoima;
using namespace qoima::hardware;
using namespace qoima::testing;

TEST_CASE("100k empty files on FAT32 are all reported") {
  TempDir dir("qoima-hw");
  // 1000 directories of 100: mtools needs quadratic time for huge directories.
  Sh("cd '" + dir.path() +
     "' && python3 -c \"import os\nfor i in range(100000):\n d='tree/d%04d' % (i // 100)\n "
     "os.makedirs(d, exist_ok=True)\n open(d + '/f%06d' % i, 'w').close()\"");
  ImageOptions io;
  io.min_size_mb = 512;
  BuildImage(FsType::kFat32, dir.Sub("tree"), dir.Sub("img"), io);
  LoopDevice loop(dir.Sub("img"));
  CollectingSink sink;
  sink.keep_data = false;
  auto r = ReadMedia(loop.path(), TestReadOptions(), sink);
  REQUIRE(r.ok());
  CHECK(r->files == 100000);
}
