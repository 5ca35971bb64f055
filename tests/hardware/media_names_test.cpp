// Hostile and odd names and shapes on real ext4 images (mkfs.ext4 -d copies
// any byte string, symlink, FIFO and hard link): reported, never followed.
#include <catch2/catch.hpp>

#include <filesystem>

#include "hardware/display_name.h"
#include "tests/hardware/media_test_util.h"

using namespace qoima;
using namespace qoima::hardware;
using namespace qoima::testing;

namespace {

Result<ReadSummary> ReadExt4Of(TempDir& dir, CollectingSink& sink, const ReadOptions& opt = TestReadOptions()) {
  BuildImage(FsType::kExt4, dir.Sub("tree"), dir.Sub("img"));
  LoopDevice loop(dir.Sub("img"));
  return ReadMedia(loop.path(), opt, sink);
}

}  // namespace

TEST_CASE("NFC/NFD twins are both read and reported as a name collision") {
  TempDir dir("qoima-hw");
  WriteFile(dir.Sub("tree/\xd0\xb9.txt"), "nfc");          // й precomposed (U+0439)
  WriteFile(dir.Sub("tree/\xd0\xb8\xcc\x86.txt"), "nfd");  // и + combining breve
  CollectingSink sink;
  auto r = ReadExt4Of(dir, sink);
  INFO(r.status().ToString() << "\n" << sink.ProblemsText());
  REQUIRE(r.ok());  // a collision is reported, the decision is the clerk's
  int twins = 0, flagged = 0;
  for (auto& e : sink.entries) {
    if (e.header.display_path != "\xd0\xb9.txt") continue;
    ++twins;
    flagged += (e.header.flags & kEntryNameCollision) ? 1 : 0;
  }
  CHECK(twins == 2);
  CHECK(flagged == 1);
  CHECK(sink.HasProblem(ProblemClass::kNameCollision));
}

TEST_CASE("non-UTF-8 and control-character names are kept as bytes and shown escaped") {
  TempDir dir("qoima-hw");
  WriteFile(dir.Sub("tree/bad\xff\xfe.txt"), "latin");
  WriteFile(dir.Sub("tree/ctl\x01\x1b[31m.txt"), "escape");
  WriteFile(dir.Sub("tree/back\\slash.txt"), "bs");
  CollectingSink sink;
  auto r = ReadExt4Of(dir, sink);
  REQUIRE(r.ok());
  const auto* bad = sink.Find("bad\\xff\\xfe.txt");
  REQUIRE(bad != nullptr);
  CHECK(bad->header.raw_path == "bad\xff\xfe.txt");
  CHECK(bad->data == "latin");
  CHECK((bad->header.flags & kEntryNonUtf8Name) != 0);
  const auto* ctl = sink.Find("ctl\\u{0001}\\u{001B}[31m.txt");
  REQUIRE(ctl != nullptr);
  CHECK((ctl->header.flags & kEntryControlChars) != 0);
  CHECK(sink.Find("back\\\\slash.txt") != nullptr);
  CHECK(sink.HasProblem(ProblemClass::kNonUtf8Name));
  CHECK(sink.HasProblem(ProblemClass::kUnsafeName));
}

TEST_CASE("bidi controls and invisible characters in names are kept and reported as unsafe_name") {
  TempDir dir("qoima-hw");
  const std::string rlo =
      "invoice\xE2\x80\xAE"
      "fdp.exe";  // U+202E: reads "invoiceexe.pdf"
  const std::string zwsp =
      "a\xE2\x80\x8B"
      "b.txt";  // U+200B zero-width space
  const std::string isolate =
      "\xE2\x81\xA6"
      "iso\xE2\x81\xA9.txt";  // U+2066 ... U+2069
  const std::string sep =
      "line\xE2\x80\xA8"
      "sep.txt";  // U+2028
  const std::string bom =
      "\xEF\xBB\xBF"
      "bom.txt";  // U+FEFF
  for (const auto& n : {rlo, zwsp, isolate, sep, bom}) WriteFile(dir.Sub("tree/" + n), n);
  WriteFile(dir.Sub("tree/c1\xC2\x85.txt"), "nel");  // C1 NEL: a control, escaped
  WriteFile(dir.Sub("tree/Қазақ.txt"), "plain");
  Sh("cd '" + dir.Sub("tree") +
     "' && python3 -c \"import zipfile; z=zipfile.ZipFile('in.zip','w'); "
     "z.writestr('doc\\u202egpj.js', 'x'); z.close()\"");
  CollectingSink sink;
  auto r = ReadExt4Of(dir, sink);
  INFO(r.status().ToString() << "\n" << sink.ProblemsText());
  REQUIRE(r.ok());  // flagged, not refused: the decision is the clerk's
  for (const auto& n : {rlo, zwsp, isolate, sep, bom}) {
    INFO(n);
    const auto* e = sink.Find(n);  // the name as it is: the act lists it so
    REQUIRE(e != nullptr);
    CHECK(e->data == n);
    CHECK((e->header.flags & kEntryFormatChars) != 0);
    bool reported = false;
    for (const auto& p : sink.problems)
      reported = reported || (p.cls == ProblemClass::kUnsafeName && p.path == n &&
                              p.message.find("shown escaped: U+") != std::string::npos);
    CHECK(reported);
  }
  bool rlo_named = false;
  for (const auto& p : sink.problems)
    rlo_named = rlo_named || (p.path == rlo && p.message.find("U+202E (bidirectional control)") != std::string::npos);
  CHECK(rlo_named);
  const auto* c1 = sink.Find("c1\\u{0085}.txt");
  REQUIRE(c1 != nullptr);
  CHECK((c1->header.flags & kEntryControlChars) != 0);
  const auto* plain = sink.Find("Қазақ.txt");
  REQUIRE(plain != nullptr);
  CHECK((plain->header.flags & (kEntryFormatChars | kEntryControlChars | kEntryUnsafeName)) == 0);
  // In an archive on the medium too.
  bool member = false;
  for (const auto& p : sink.problems)
    member = member || (p.cls == ProblemClass::kUnsafeName &&
                        p.path ==
                            "in.zip -> doc\xE2\x80\xAE"
                            "gpj.js" &&
                        p.message.find("archive member name") != std::string::npos);
  CHECK(member);
}

TEST_CASE("symlink loops, hard links, FIFOs and sparse files are reported, never followed or expanded on disk") {
  TempDir dir("qoima-hw");
  WriteFile(dir.Sub("tree/d/real.txt"), "real");
  Sh("cd '" + dir.Sub("tree") +
     "' && ln -s loop2 loop1 && ln -s loop1 loop2 && ln -s .. d/up && ln -s /etc/passwd abs && ln d/real.txt hard.txt "
     "&& "
     "mkfifo fifo && truncate -s 8M sparse.dat && printf tail >> sparse.dat");
  CollectingSink sink;
  auto r = ReadExt4Of(dir, sink);
  INFO(r.status().ToString() << "\n" << sink.ProblemsText());
  REQUIRE(r.ok());
  for (auto [path, target] : std::vector<std::pair<std::string, std::string>>{
           {"loop1", "loop2"}, {"loop2", "loop1"}, {"d/up", ".."}, {"abs", "/etc/passwd"}}) {
    const auto* e = sink.Find(path);
    REQUIRE(e != nullptr);
    CHECK(e->header.type == EntryType::kSymlink);
    CHECK(e->header.link_target == target);
    CHECK(e->data.empty());
  }
  const auto* a = sink.Find("d/real.txt");
  const auto* b = sink.Find("hard.txt");
  REQUIRE(a != nullptr);
  REQUIRE(b != nullptr);
  // Whichever name the walk met second is the hard link to the first.
  CHECK((a->header.type == EntryType::kHardlink) != (b->header.type == EntryType::kHardlink));
  const auto* fifo = sink.Find("fifo");
  REQUIRE(fifo != nullptr);
  CHECK(fifo->header.type == EntryType::kDevice);
  const auto* sparse = sink.Find("sparse.dat");
  REQUIRE(sparse != nullptr);
  CHECK(sparse->header.sparse);
  CHECK(sparse->header.size == (8 << 20) + 4);
  CHECK(sparse->data.substr(sparse->data.size() - 4) == "tail");
  CHECK(sink.contract_violation.empty());
}

TEST_CASE("100-deep directories are read and a lower depth limit refuses them") {
  TempDir dir("qoima-hw");
  std::string deep = "tree";
  for (int i = 0; i < 100; ++i) deep += "/d" + std::to_string(i % 10);
  WriteFile(dir.Sub(deep + "/leaf.txt"), "leaf");
  CollectingSink sink;
  auto r = ReadExt4Of(dir, sink);
  REQUIRE(r.ok());
  std::string leaf = deep.substr(5) + "/leaf.txt";
  REQUIRE(sink.Find(leaf) != nullptr);
  CHECK(sink.Find(leaf)->data == "leaf");

  auto opt = TestReadOptions();
  opt.limits.max_depth = 50;
  CollectingSink limited;
  LoopDevice loop(dir.Sub("img"));
  auto r2 = ReadMedia(loop.path(), opt, limited);
  REQUIRE_FALSE(r2.ok());
  CHECK(r2.status().code() == Code::kLimitExceeded);
  CHECK(limited.HasProblem(ProblemClass::kLimitExceeded));
}

TEST_CASE("10k empty files are all reported and an entry limit below that refuses the medium") {
  TempDir dir("qoima-hw");
  std::filesystem::create_directories(dir.Sub("tree/many"));
  Sh("cd '" + dir.Sub("tree/many") + "' && seq -f 'f%05g' 1 10000 | xargs touch");
  CollectingSink sink;
  sink.keep_data = false;
  auto r = ReadExt4Of(dir, sink);
  REQUIRE(r.ok());
  CHECK(r->files == 10000);
  auto opt = TestReadOptions();
  opt.limits.max_entries = 5000;
  CollectingSink limited;
  LoopDevice loop(dir.Sub("img"));
  auto r2 = ReadMedia(loop.path(), opt, limited);
  REQUIRE_FALSE(r2.ok());
  CHECK(r2.status().code() == Code::kLimitExceeded);
}

TEST_CASE("a FAT directory entry named like a parent reference is a plain name, never a traversal") {
  TempDir dir("qoima-hw");
  Sh("cd '" + dir.path() + "' && truncate -s 2M f.img && mkfs.fat -F 12 f.img >/dev/null && echo dots > DOTS.TXT && " +
     "mcopy -i f.img DOTS.TXT ::/");
  // Rewrite the short name "DOTS    TXT" to "..      TXT" in the root directory.
  std::string img = ReadFile(dir.Sub("f.img"));
  auto at = img.find("DOTS    TXT");
  REQUIRE(at != std::string::npos);
  img.replace(at, 11, "..      TXT");
  WriteFile(dir.Sub("f.img"), img);
  LoopDevice loop(dir.Sub("f.img"));
  CollectingSink sink;
  auto r = ReadMedia(loop.path(), TestReadOptions(), sink);
  INFO(r.status().ToString() << "\n" << sink.ProblemsText());
  REQUIRE(r.ok());
  REQUIRE(sink.entries.size() == 1);
  CHECK(sink.entries[0].header.raw_path == "...TXT");
  CHECK(sink.entries[0].data == "dots\n");
  for (auto& e : sink.entries) CHECK(CheckPathSafety(e.header.raw_path).empty());
}
