// Long cases excluded from the default suite (label "slow").
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>

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

namespace {

// Keeps where the non-zero bytes of the file entries' data were.
class NonZeroSink : public MediaSink {
 public:
  Status OnEntry(const EntryHeader& h) override {
    if (h.type == EntryType::kFile) sizes[h.raw_path] = h.size;
    pos_ = 0;
    return Status::Ok();
  }
  Status OnData(std::span<const uint8_t> chunk) override {
    for (size_t i = 0; i < chunk.size(); ++i)
      if (chunk[i] != 0 && found.size() < 64) found.emplace_back(pos_ + i, static_cast<char>(chunk[i]));
    pos_ += chunk.size();
    return Status::Ok();
  }
  Status OnEntryEnd(bool c) override {
    complete &= c;
    return Status::Ok();
  }
  Status OnArchiveMember(const ArchiveMember&) override { return Status::Ok(); }
  Status OnProblem(const MediaProblem& p) override {
    problems += p.message + "; ";
    return Status::Ok();
  }

  std::map<std::string, uint64_t> sizes;
  std::vector<std::pair<uint64_t, char>> found;
  std::string problems;
  bool complete = true;

 private:
  uint64_t pos_ = 0;
};

}  // namespace

TEST_CASE("a file over 4 GiB on iso9660 level 3 is read across its extents") {
  TempDir dir("qoima-hw");
  // xorriso cuts a file into sections of 4 GiB - 2 KiB: marks on both sides of the cut.
  const uint64_t size = (4ull << 30) + (300ull << 20);
  const uint64_t cut = 0xFFFFF800ull;
  std::vector<std::pair<uint64_t, char>> marks = {{0, 'A'}, {cut - 1, 'B'}, {cut, 'C'}, {size - 1, 'D'}};
  Sh("mkdir -p '" + dir.Sub("tree") + "' && truncate -s " + std::to_string(size) + " '" + dir.Sub("tree/big.bin") +
     "'");
  for (auto [at, c] : marks)
    Sh("printf " + std::string(1, c) + " | dd of='" + dir.Sub("tree/big.bin") + "' bs=1 seek=" + std::to_string(at) +
       " conv=notrunc status=none");
  Sh("xorriso -as mkisofs -quiet -iso-level 3 -R -o '" + dir.Sub("img") + "' '" + dir.Sub("tree") + "'");
  LoopDevice loop(dir.Sub("img"));
  NonZeroSink sink;
  // 4.3 GB through a debug+ASan reader on a loaded machine: the wall-clock
  // limit is the appliance's own (hours), not the quick tests' 120 s.
  ReadOptions options = TestReadOptions();
  options.sandbox.timeout = std::chrono::hours(1);
  auto r = ReadMedia(loop.path(), options, sink);
  INFO(r.status().ToString() << "\n" << sink.problems);
  REQUIRE(r.ok());
  CHECK(sink.complete);
  CHECK(sink.sizes["big.bin"] == size);
  CHECK(r->data_bytes == size);
  CHECK(sink.found == marks);
}
