// Long cases excluded from the default suite (label "slow").
#include <catch2/catch.hpp>

#include <filesystem>

#include "tests/hardware/media_test_util.h"

using namespace qoima;
using namespace qoima::hardware;
using namespace qoima::testing;

TEST_CASE("100k empty files on FAT32 are all reported") {
  TempDir dir("qoima-hw");
  std::filesystem::create_directories(dir.Sub("tree/many"));
  Sh("cd '" + dir.Sub("tree/many") + "' && seq -f 'f%06g' 1 100000 | xargs touch");
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
