// Reads real images of every filesystem type on real loop devices through the
// sandboxed reader and compares the result with the tree byte for byte.
#include <catch2/catch.hpp>

#include "hardware/media_reader.h"
#include "tests/hardware/media_test_util.h"

using namespace qoima;
using namespace qoima::hardware;
using namespace qoima::testing;

namespace {

void ReadsTreeFrom(FsType type) {
  TempDir dir("qoima-hw");
  auto files = MakeSampleTree(dir.Sub("tree"));
  BuildImage(type, dir.Sub("tree"), dir.Sub("img"));
  LoopDevice loop(dir.Sub("img"));
  CollectingSink sink;
  auto r = ReadMedia(loop.path(), TestReadOptions(), sink);
  INFO(FsTypeName(type) << ": " << r.status().ToString() << "\n" << sink.ProblemsText());
  REQUIRE(r.ok());
  CHECK(CompareWithTree(sink, files) == "");
  CHECK(sink.problems.empty());
  CHECK(r->files == files.size());
  CHECK(r->volume_label == "QOIMA_TEST");
  CHECK(sink.max_chunk <= TestReadOptions().limits.chunk_bytes);
  // Directories of the deep path are reported as directories.
  const auto* deep = sink.Find("a/b/c/d/e/f/g/h/i/j/терең");
  REQUIRE(deep != nullptr);
  CHECK(deep->header.type == EntryType::kDirectory);
  // Modification times are real (after 2020), not zero.
  CHECK(sink.Find("README.txt")->header.mtime_sec > 1577836800);
}

}  // namespace

TEST_CASE("reads iso9660 (Rock Ridge + Joliet) from a loop device byte for byte") { ReadsTreeFrom(FsType::kIso9660); }
TEST_CASE("reads udf from a loop device byte for byte") { ReadsTreeFrom(FsType::kUdf); }
TEST_CASE("reads fat12 from a loop device byte for byte") { ReadsTreeFrom(FsType::kFat12); }
TEST_CASE("reads fat16 from a loop device byte for byte") { ReadsTreeFrom(FsType::kFat16); }
TEST_CASE("reads fat32 from a loop device byte for byte") { ReadsTreeFrom(FsType::kFat32); }
TEST_CASE("reads exfat from a loop device byte for byte") { ReadsTreeFrom(FsType::kExfat); }
TEST_CASE("reads ext4 from a loop device byte for byte") { ReadsTreeFrom(FsType::kExt4); }
TEST_CASE("reads ntfs from a loop device byte for byte") { ReadsTreeFrom(FsType::kNtfs); }

TEST_CASE("the fs hint forces a backend and a wrong hint is a classified error") {
  TempDir dir("qoima-hw");
  MakeSampleTree(dir.Sub("tree"), 1024);
  BuildImage(FsType::kExt4, dir.Sub("tree"), dir.Sub("img"));
  LoopDevice loop(dir.Sub("img"));
  CollectingSink sink;
  auto opt = TestReadOptions();
  opt.fs_hint = FsHint::kNtfs;
  auto r = ReadMedia(loop.path(), opt, sink);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kCorrupt);
  CHECK(sink.HasProblem(ProblemClass::kCorruptFilesystem));
}

TEST_CASE("an unformatted medium is reported as an unsupported filesystem") {
  TempDir dir("qoima-hw");
  Sh("head -c 4194304 /dev/zero > '" + dir.Sub("img") + "'");
  LoopDevice loop(dir.Sub("img"));
  CollectingSink sink;
  auto r = ReadMedia(loop.path(), TestReadOptions(), sink);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kUnsupported);
  CHECK(sink.HasProblem(ProblemClass::kUnsupportedFilesystem));
  CHECK(sink.entries.empty());
}

TEST_CASE("the unsandboxed path yields the same entries as the sandboxed one") {
  TempDir dir("qoima-hw");
  auto files = MakeSampleTree(dir.Sub("tree"), 300000);
  BuildImage(FsType::kFat16, dir.Sub("tree"), dir.Sub("img"));
  CollectingSink a, b;
  auto ra = ReadMedia(dir.Sub("img"), TestReadOptions(), a);
  auto rb = ReadMediaUnsandboxed(dir.Sub("img"), TestReadOptions(), b);
  REQUIRE(ra.ok());
  REQUIRE(rb.ok());
  CHECK(CompareWithTree(a, files).empty());
  CHECK(CompareWithTree(b, files).empty());
  REQUIRE(a.entries.size() == b.entries.size());
  for (size_t i = 0; i < a.entries.size(); ++i) CHECK(a.entries[i].header.raw_path == b.entries[i].header.raw_path);
}

TEST_CASE("probe identifies filesystem type, label and size with blkid") {
  TempDir dir("qoima-hw");
  MakeSampleTree(dir.Sub("tree"), 1024);
  for (auto [type, blkid] : std::vector<std::pair<FsType, std::string>>{
           {FsType::kIso9660, "iso9660"}, {FsType::kFat32, "vfat"}, {FsType::kExt4, "ext4"}, {FsType::kUdf, "udf"}}) {
    BuildImage(type, dir.Sub("tree"), dir.Sub("img"));
    LoopDevice loop(dir.Sub("img"));
    auto id = Probe(loop.path());
    REQUIRE(id.ok());
    CHECK(id->fs_type == blkid);
    CHECK(id->label == "QOIMA_TEST");
    CHECK(id->volume_id == "QOIMA_TEST");
    CHECK(id->size_bytes > 0);
  }
  auto missing = Probe(dir.Sub("nonexistent"));
  CHECK(missing.status().code() == Code::kNotFound);
}

TEST_CASE("a selection sends only the files asked for: heads of candidates or one file whole") {
  TempDir dir("qoima-hw");
  auto files = MakeSampleTree(dir.Sub("tree"), 1024);
  std::string act(200 * 1024, 'x');  // larger than the head asked for
  WriteFile(dir.Sub("tree/Акт.CSV"), act);
  WriteFile(dir.Sub("tree/deep/list.sha256"), "0123\n");
  BuildImage(FsType::kFat32, dir.Sub("tree"), dir.Sub("img"));
  LoopDevice loop(dir.Sub("img"));

  auto opt = TestReadOptions();
  opt.select.mode = EntrySelection::Mode::kCandidates;
  opt.select.suffixes = {".csv", ".sha256"};
  opt.select.head_bytes = 4096;
  CollectingSink heads;
  auto r = ReadMedia(loop.path(), opt, heads);
  INFO(r.status().ToString() << heads.ProblemsText() << heads.contract_violation);
  REQUIRE(r.ok());
  CHECK(heads.contract_violation.empty());
  REQUIRE(heads.entries.size() == 2);  // nothing else of the tree left the sandbox
  const auto* csv = heads.Find("Акт.CSV");
  REQUIRE(csv != nullptr);
  CHECK(csv->header.size == act.size());
  CHECK(csv->data == act.substr(0, 4096));
  CHECK_FALSE(csv->complete);  // a head, by design
  const auto* list = heads.Find("deep/list.sha256");
  REQUIRE(list != nullptr);
  CHECK(list->data == "0123\n");
  CHECK(list->complete);

  // At most max_files candidates.
  opt.select.max_files = 1;
  CollectingSink one;
  REQUIRE(ReadMedia(loop.path(), opt, one).ok());
  CHECK(one.entries.size() == 1);

  opt.select = {};
  opt.select.mode = EntrySelection::Mode::kPath;
  opt.select.path = "Акт.CSV";
  CollectingSink whole;
  r = ReadMedia(loop.path(), opt, whole);
  REQUIRE(r.ok());
  REQUIRE(whole.entries.size() == 1);
  CHECK(whole.entries[0].data == act);
  CHECK(whole.entries[0].complete);
}
