// The ISO 9660 reader on images the real tools write: genisoimage (Joliet
// only, plain ISO 9660, Rock Ridge with relocated deep directories) and
// xorriso (Rock Ridge, zisofs), plus xorriso images with crafted damage.
#include <catch2/catch.hpp>

#include <filesystem>

#include "tests/hardware/media_test_util.h"

using namespace qoima;
using namespace qoima::hardware;
using namespace qoima::testing;

namespace {

Result<ReadSummary> ReadImage(const std::string& image, CollectingSink& sink) {
  LoopDevice loop(image);
  auto opt = TestReadOptions();
  opt.fs_hint = FsHint::kIso9660;
  return ReadMedia(loop.path(), opt, sink);
}

// genisoimage with `options` over dir/tree into dir/img, then read; the read must succeed.
void BuildWithGenisoimage(const TempDir& dir, const std::string& options, CollectingSink& sink, uint64_t files) {
  Sh("genisoimage -quiet -input-charset utf-8 " + options + " -o '" + dir.Sub("img") + "' '" + dir.Sub("tree") + "'");
  auto r = ReadImage(dir.Sub("img"), sink);
  INFO(r.status().ToString() << "\n" << sink.ProblemsText());
  REQUIRE(r.ok());
  CHECK(r->files == files);
}

// Writes `bytes` as dir/img and reads it; the read must fail.
void ReadRefusedImage(const TempDir& dir, const std::string& bytes, CollectingSink& sink) {
  WriteFile(dir.Sub("img"), bytes);
  auto r = ReadImage(dir.Sub("img"), sink);
  INFO(sink.ProblemsText());
  REQUIRE_FALSE(r.ok());
}

// xorriso with zisofs compression on every file of dir/tree, into dir/img.
void BuildZisofs(const TempDir& dir, const std::string& setting) {
  Sh("cd '" + dir.path() + "' && rm -f img && xorriso -outdev img -blank as_needed " + setting +
     " -map tree / -set_filter_r --zisofs / -- -commit >/dev/null 2>&1");
}

uint32_t Le32(const std::string& b, size_t off) {
  return static_cast<uint32_t>(static_cast<uint8_t>(b[off])) |
         static_cast<uint32_t>(static_cast<uint8_t>(b[off + 1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(b[off + 2])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(b[off + 3])) << 24;
}

// Writes a both-endian 32-bit field (ECMA-119 7.3.3).
void PutBoth32(std::string& b, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    b[off + i] = static_cast<char>(v >> (8 * i));
    b[off + 7 - i] = static_cast<char>(v >> (8 * i));
  }
}

// Offset of the record named `iso_name` ("SUB", "A.TXT;1") in the primary
// volume's root directory.
size_t RootRecord(const std::string& b, const std::string& iso_name) {
  size_t root = 16 * 2048 + 156;
  size_t extent = static_cast<size_t>(Le32(b, root + 2)) * 2048;
  size_t length = Le32(b, root + 10);
  for (size_t at = extent; at < extent + length;) {
    size_t len = static_cast<uint8_t>(b[at]);
    if (len == 0) {
      at = (at / 2048 + 1) * 2048;
      continue;
    }
    size_t id_len = static_cast<uint8_t>(b[at + 32]);
    if (b.compare(at + 33, id_len, iso_name) == 0) return at;
    at += len;
  }
  throw std::runtime_error("no record " + iso_name + " in the root directory");
}

}  // namespace

TEST_CASE("iso9660 names as each kind of volume records them: Joliet only and plain ISO 9660") {
  TempDir dir("qoima-iso");
  WriteFile(dir.Sub("tree/бастапқы код/негізгі файл.go"), "package main\n");
  WriteFile(dir.Sub("tree/README.txt"), "оқы\n");
  WriteFile(dir.Sub("tree/A long name with spaces and more than sixty-four characters, as Joliet allows.txt"), "long");

  SECTION("Joliet without Rock Ridge: the Unicode names") {
    CollectingSink sink;
    BuildWithGenisoimage(dir, "-J -joliet-long", sink, 3);
    REQUIRE(sink.Find("бастапқы код/негізгі файл.go") != nullptr);
    CHECK(sink.Find("бастапқы код/негізгі файл.go")->data == "package main\n");
    CHECK(sink.Find("бастапқы код")->header.type == EntryType::kDirectory);
    REQUIRE(sink.Find("README.txt") != nullptr);
    CHECK(sink.Find("README.txt")->data == "оқы\n");
    REQUIRE(sink.Find("A long name with spaces and more than sixty-four characters, as Joliet allows.txt") != nullptr);
    CHECK(sink.Find("README.txt")->header.mtime_sec > 1577836800);
  }
  SECTION("plain ISO 9660: upper-case names, the version and a bare dot cut") {
    CollectingSink sink;
    BuildWithGenisoimage(dir, "", sink, 3);
    REQUIRE(sink.Find("README.TXT") != nullptr);
    CHECK(sink.Find("README.TXT")->data == "оқы\n");
    for (const auto& e : sink.entries) CHECK(e.header.raw_path.find(';') == std::string::npos);
  }
}

TEST_CASE("Rock Ridge: symlinks, modes, mkisofs-relocated deep directories and names that share an extent") {
  TempDir dir("qoima-iso");
  std::string deep = "a/b/c/d/e/f/g/h/i/j/k/терең";
  WriteFile(dir.Sub("tree/" + deep + "/leaf.txt"), "leaf");
  WriteFile(dir.Sub("tree/d/real.txt"), "real");
  Sh("cd '" + dir.Sub("tree") +
     "' && ln -s loop2 loop1 && ln -s loop1 loop2 && ln -s .. d/up && ln -s /etc/passwd abs && ln d/real.txt hard.txt "
     "&& chmod 0640 d/real.txt");
  for (std::string tool : {"genisoimage", "xorriso -as mkisofs"}) {
    DYNAMIC_SECTION(tool) {
      Sh(tool + " -quiet -input-charset utf-8 -R -J -o '" + dir.Sub("img") + "' '" + dir.Sub("tree") + "'");
      CollectingSink sink;
      auto r = ReadImage(dir.Sub("img"), sink);
      INFO(r.status().ToString() << "\n" << sink.ProblemsText());
      REQUIRE(r.ok());
      CHECK(sink.problems.empty());
      // genisoimage moves directories deeper than 8 to /rr_moved and leaves
      // a placeholder: the reader shows them where they belong, and only there.
      REQUIRE(sink.Find(deep + "/leaf.txt") != nullptr);
      CHECK(sink.Find(deep + "/leaf.txt")->data == "leaf");
      CHECK(sink.Find(deep)->header.type == EntryType::kDirectory);
      for (const auto& e : sink.entries) CHECK(e.header.raw_path.find("rr_moved") == std::string::npos);
      for (auto [path, target] : std::vector<std::pair<std::string, std::string>>{
               {"loop1", "loop2"}, {"loop2", "loop1"}, {"d/up", ".."}, {"abs", "/etc/passwd"}}) {
        const auto* e = sink.Find(path);
        REQUIRE(e != nullptr);
        CHECK(e->header.type == EntryType::kSymlink);
        CHECK(e->header.link_target == target);
      }
      // ISO 9660 has no hard links: both names are files with the content.
      for (std::string name : {"d/real.txt", "hard.txt"}) {
        const auto* e = sink.Find(name);
        REQUIRE(e != nullptr);
        CHECK(e->header.type == EntryType::kFile);
        CHECK(e->data == "real");
      }
      CHECK(sink.Find("d/real.txt")->header.mode == 0640);
    }
  }
}

TEST_CASE("zisofs and zisofs2 compressed files are read inflated, runs of zeros included") {
  TempDir dir("qoima-iso");
  std::string text;
  for (int i = 0; i < 300000; ++i) text += "line " + std::to_string(i) + "\n";
  std::string zeros_then_tail = std::string(1 << 20, '\0') + "tail";
  WriteFile(dir.Sub("tree/src/lines.txt"), text);
  WriteFile(dir.Sub("tree/zeros.bin"), zeros_then_tail);
  // xorriso's default zisofs, and zisofs2 (64-bit block offsets) in 128 KiB blocks.
  for (std::string setting : {"", "-zisofs version_2=on:block_size_v2=128k"}) {
    DYNAMIC_SECTION("xorriso " << setting) {
      BuildZisofs(dir, setting);
      // The filter did compress: the image is smaller than the text alone.
      REQUIRE(std::filesystem::file_size(dir.Sub("img")) < text.size());
      CollectingSink sink;
      auto r = ReadImage(dir.Sub("img"), sink);
      INFO(r.status().ToString() << "\n" << sink.ProblemsText());
      REQUIRE(r.ok());
      REQUIRE(sink.Find("src/lines.txt") != nullptr);
      CHECK(sink.Find("src/lines.txt")->header.size == text.size());
      CHECK(sink.Find("src/lines.txt")->data == text);
      REQUIRE(sink.Find("zeros.bin") != nullptr);
      CHECK(sink.Find("zeros.bin")->data == zeros_then_tail);
    }
  }
  SECTION("an algorithm the reader does not inflate is refused, not read as content") {
    BuildZisofs(dir, "");
    std::string b = ReadFile(dir.Sub("img"));
    size_t zf = 0;
    int patched = 0;
    while ((zf = b.find(std::string("ZF\x10\x01pz", 6), zf)) != std::string::npos) {
      b.replace(zf + 4, 2, "qq");
      ++patched;
    }
    REQUIRE(patched == 2);
    CollectingSink sink;
    ReadRefusedImage(dir, b, sink);
    INFO(sink.ProblemsText());
    CHECK(sink.HasProblem(ProblemClass::kUnsupportedFilesystem));
    CHECK(sink.ProblemsText().find("algorithm 'qq', which the reader does not inflate") != std::string::npos);
  }
}

TEST_CASE("crafted iso9660 directories: a loop, an oversized file and a broken record are refused by name") {
  TempDir dir("qoima-iso");
  WriteFile(dir.Sub("tree/sub/inner.txt"), "inner");
  WriteFile(dir.Sub("tree/a.txt"), "a");
  BuildImage(FsType::kIso9660, dir.Sub("tree"), dir.Sub("clean"));
  std::string clean = ReadFile(dir.Sub("clean"));
  uint32_t root_block = Le32(clean, 16 * 2048 + 156 + 2);

  SECTION("a directory that points back at the root") {
    std::string b = clean;
    PutBoth32(b, RootRecord(b, "SUB") + 2, root_block);
    CollectingSink sink;
    ReadRefusedImage(dir, b, sink);
    INFO(sink.ProblemsText());
    CHECK(sink.HasProblem(ProblemClass::kCorruptFilesystem));
    CHECK(sink.ProblemsText().find("contains itself") != std::string::npos);
  }
  SECTION("a file of 4 GiB on a medium of a few hundred KiB") {
    std::string b = clean;
    PutBoth32(b, RootRecord(b, "A.TXT;1") + 10, 0xFFFFF000u);
    CollectingSink sink;
    ReadRefusedImage(dir, b, sink);
    INFO(sink.ProblemsText());
    CHECK(sink.HasProblem(ProblemClass::kLimitExceeded));
    CHECK(sink.ProblemsText().find("times the medium's size") != std::string::npos);
    CHECK(sink.Find("a.txt") == nullptr);
  }
  SECTION("a record shorter than any record can be") {
    std::string b = clean;
    b[RootRecord(b, "A.TXT;1")] = 20;
    CollectingSink sink;
    ReadRefusedImage(dir, b, sink);
    INFO(sink.ProblemsText());
    CHECK(sink.HasProblem(ProblemClass::kCorruptFilesystem));
    CHECK(sink.ProblemsText().find("ISO9660 directory /: record at offset") != std::string::npos);
    CHECK(sink.ProblemsText().find("is malformed (20 bytes)") != std::string::npos);
  }
}
