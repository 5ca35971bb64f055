// Archives on the media: stored byte-exact, listed (never extracted) within
// limits; bombs, traversal names and encryption reported.
#include <catch2/catch.hpp>
#include <map>

#include "tests/hardware/media_test_util.h"

using namespace qoima;
using namespace qoima::hardware;
using namespace qoima::testing;

namespace {

std::vector<std::string> MemberNames(const CollectingSink::Entry& e) {
  std::vector<std::string> out;
  for (auto& m : e.members) out.push_back(m.name);
  return out;
}

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// The index of `name` among the entries in the order the reader sent them.
size_t Position(const CollectingSink& sink, const std::string& name) {
  for (size_t i = 0; i < sink.entries.size(); ++i)
    if (sink.entries[i].header.display_path == name) return i;
  return sink.entries.size();
}

std::vector<const MediaProblem*> Stopped(const CollectingSink& sink) {
  std::vector<const MediaProblem*> out;
  for (const auto& p : sink.problems)
    if (p.cls == ProblemClass::kArchiveListingStopped) out.push_back(&p);
  return out;
}

}  // namespace

TEST_CASE("zip, tar.gz, 7z and nested archives are listed and stored byte-exact (ext4 and iso9660)") {
  for (FsType type : {FsType::kExt4, FsType::kIso9660}) {
    TempDir dir("qoima-hw");
    WriteFile(dir.Sub("src/қазақ.txt"), "мәтін\n");
    WriteFile(dir.Sub("src/sub/b.txt"), std::string(5000, 'b'));
    Sh("cd '" + dir.Sub("src") + "' && mkdir -p '" + dir.Sub("tree") + "' && zip -qr '" + dir.Sub("tree/a.zip") +
       "' . && tar czf '" + dir.Sub("tree/a.tar.gz") + "' . && 7z a -bd -bso0 '" + dir.Sub("tree/a.7z") +
       "' . && cp '" + dir.Sub("tree/a.zip") + "' inner.zip && tar cJf '" + dir.Sub("tree/nested.tar.xz") +
       "' inner.zip");
    BuildImage(type, dir.Sub("tree"), dir.Sub("img"));
    LoopDevice loop(dir.Sub("img"));
    CollectingSink sink;
    auto r = ReadMedia(loop.path(), TestReadOptions(), sink);
    INFO(FsTypeName(type) << ": " << r.status().ToString() << "\n" << sink.ProblemsText());
    REQUIRE(r.ok());
    for (const char* name : {"a.zip", "a.tar.gz", "nested.tar.xz"}) {
      const auto* e = sink.Find(name);
      REQUIRE(e != nullptr);
      CHECK((e->header.flags & kEntryIsArchive) != 0);
      CHECK(e->data == ReadFile(dir.Sub(std::string("tree/") + name)));  // the archive itself, byte-exact
      auto names = MemberNames(*e);
      INFO(name);
      if (std::string(name) == "nested.tar.xz") {
        CHECK(Has(names, "inner.zip"));
        CHECK(Has(names, "inner.zip/қазақ.txt"));
        bool depth2 = false;
        for (auto& m : e->members) depth2 |= m.depth == 2 && m.name == "inner.zip/sub/b.txt";
        CHECK(depth2);
      } else {
        CHECK((Has(names, "қазақ.txt") || Has(names, "./қазақ.txt")));
        CHECK((Has(names, "sub/b.txt") || Has(names, "./sub/b.txt")));
      }
    }
    const auto* seven = sink.Find("a.7z");
    REQUIRE(seven != nullptr);
    // 7z needs random access: both the TSK and the ISO9660 content seek.
    CHECK(Has(MemberNames(*seven), "sub/b.txt"));
    CHECK_FALSE(sink.HasProblem(ProblemClass::kArchiveUnreadable));
  }
}

TEST_CASE("a Java EAR (WAR, JARs, a JAR in a JAR) made by jar and zip is listed to the bottom") {
  // EAR -> WAR -> JAR -> JAR is four levels (the Spring Boot layout nests a
  // JAR in a JAR); the default depth limit lists it whole. `jar` writes its
  // entries streamed (sizes after the data), so the JARs inside the WAR are
  // listed without a declared size.
  TempDir dir("qoima-hw");
  Sh("set -e; cd '" + dir.path() +
     "'; mkdir -p inner/x lib/META-INF/lib lib/com war/WEB-INF/lib ear/META-INF tree"
     "; printf 'class Y' > inner/x/Y.class; jar cf inner.jar -C inner ."
     "; cp inner.jar lib/META-INF/lib/; printf 'class A' > lib/com/A.class; jar cf lib.jar -C lib ."
     "; cp lib.jar war/WEB-INF/lib/; printf '<web-app/>' > war/WEB-INF/web.xml; jar cf web.war -C war ."
     "; cp web.war ear/; printf '<application/>' > ear/META-INF/application.xml"
     "; (cd ear && zip -qr ../tree/app.ear .); printf 'after' > tree/zz-after.txt");
  BuildImage(FsType::kIso9660, dir.Sub("tree"), dir.Sub("img"));
  LoopDevice loop(dir.Sub("img"));
  CollectingSink sink;
  auto r = ReadMedia(loop.path(), TestReadOptions(), sink);
  INFO(r.status().ToString() << "\n" << sink.ProblemsText());
  REQUIRE(r.ok());
  const auto* ear = sink.Find("app.ear");
  REQUIRE(ear != nullptr);
  CHECK(ear->data == ReadFile(dir.Sub("tree/app.ear")));
  std::map<std::string, uint32_t> depth;
  for (const auto& m : ear->members) depth[m.name] = m.depth;
  INFO([&] {
    std::string all;
    for (const auto& [n, d] : depth) all += std::to_string(d) + " " + n + "\n";
    return all;
  }());
  CHECK(depth["web.war"] == 1);
  CHECK(depth["web.war/WEB-INF/lib/lib.jar"] == 2);
  CHECK(depth["web.war/WEB-INF/lib/lib.jar/META-INF/lib/inner.jar"] == 3);
  CHECK(depth["web.war/WEB-INF/lib/lib.jar/META-INF/lib/inner.jar/x/Y.class"] == 4);
  CHECK(depth["web.war/WEB-INF/lib/lib.jar/com/A.class"] == 3);
  CHECK(Stopped(sink).empty());
  CHECK_FALSE(sink.HasProblem(ProblemClass::kArchiveUnreadable));
  CHECK(sink.Find("zz-after.txt") != nullptr);
}

TEST_CASE("archives nested deeper than the limit: that one is not opened and the read goes on") {
  TempDir dir("qoima-hw");
  // z8.zip holds z7.zip ... holds z1.zip holds leaf.txt: eight levels.
  Sh("set -e; cd '" + dir.path() + "'; mkdir tree; printf leaf > leaf.txt; zip -q z1.zip leaf.txt" +
     "; for i in 2 3 4 5 6 7 8; do zip -q z$i.zip z$((i-1)).zip; done" +
     "; cp z8.zip tree/deep.zip; printf 'after the nest' > tree/zz-after.txt");
  BuildImage(FsType::kIso9660, dir.Sub("tree"), dir.Sub("img"));
  LoopDevice loop(dir.Sub("img"));
  CollectingSink sink;
  auto r = ReadMedia(loop.path(), TestReadOptions(), sink);
  INFO(r.status().ToString() << "\n" << sink.ProblemsText());
  REQUIRE(r.ok());  // not limit_exceeded: nothing fatal
  const auto* deep = sink.Find("deep.zip");
  REQUIRE(deep != nullptr);
  CHECK(deep->complete);
  CHECK(deep->data == ReadFile(dir.Sub("tree/deep.zip")));
  uint32_t deepest = 0;
  for (const auto& m : deep->members) deepest = std::max(deepest, m.depth);
  CHECK(deepest == TestReadOptions().limits.archive_max_depth);
  CHECK(Has(MemberNames(*deep), "z7.zip/z6.zip/z5.zip/z4.zip/z3.zip/z2.zip"));  // listed, not opened
  auto stopped = Stopped(sink);
  REQUIRE(stopped.size() == 1);
  CHECK(stopped[0]->path == "deep.zip");
  CHECK(stopped[0]->limit == ArchiveLimit::kDepth);
  CHECK(stopped[0]->limit_value == 6);
  CHECK(stopped[0]->message.find("z2.zip") != std::string::npos);
  // The file after it is read, not missing.
  const auto* after = sink.Find("zz-after.txt");
  REQUIRE(after != nullptr);
  CHECK(after->data == "after the nest");
  CHECK(Position(sink, "zz-after.txt") > Position(sink, "deep.zip"));
}

TEST_CASE("a zip bomb stops the listing of that archive only and the read goes on") {
  TempDir dir("qoima-hw");
  // bomb.zip: 64 MiB of zeros deflated to ~64 KiB. outer.zip holds the bomb
  // and a file after it: the bomb's listing stops, the outer one goes on.
  Sh("set -e; cd '" + dir.path() + "'; mkdir tree; python3 -c \"import zipfile; " +
     "z=zipfile.ZipFile('bomb.zip','w',zipfile.ZIP_DEFLATED); z.writestr('zeros.bin', bytes(64*1024*1024)); " +
     "z.close()\"; cp bomb.zip tree/a-bomb.zip; printf fine > b-fine.txt; zip -q -0 tree/outer.zip bomb.zip " +
     "b-fine.txt; printf 'after the bomb' > tree/zz-after.txt");
  BuildImage(FsType::kIso9660, dir.Sub("tree"), dir.Sub("img"));
  LoopDevice loop(dir.Sub("img"));
  CollectingSink sink;
  auto r = ReadMedia(loop.path(), TestReadOptions(), sink);
  INFO(r.status().ToString() << "\n" << sink.ProblemsText());
  REQUIRE(r.ok());
  auto stopped = Stopped(sink);
  REQUIRE(stopped.size() == 2);
  CHECK(stopped[0]->path == "a-bomb.zip");
  CHECK(stopped[0]->limit == ArchiveLimit::kRatio);
  CHECK(stopped[0]->limit_value == 200);
  CHECK(stopped[0]->message.find("decompression bomb") != std::string::npos);
  CHECK(stopped[1]->path == "outer.zip");
  CHECK(stopped[1]->limit == ArchiveLimit::kRatio);
  CHECK(stopped[1]->message.find("nested archive bomb.zip") != std::string::npos);
  for (const char* name : {"a-bomb.zip", "outer.zip"}) {
    const auto* e = sink.Find(name);
    REQUIRE(e != nullptr);
    CHECK(e->data == ReadFile(dir.Sub(std::string("tree/") + name)));  // stored byte-exact all the same
  }
  auto outer = MemberNames(*sink.Find("outer.zip"));
  CHECK(Has(outer, "bomb.zip/zeros.bin"));
  CHECK(Has(outer, "b-fine.txt"));  // the outer listing went on after the bomb inside it
  const auto* after = sink.Find("zz-after.txt");
  REQUIRE(after != nullptr);
  CHECK(after->data == "after the bomb");
  CHECK(Position(sink, "zz-after.txt") > Position(sink, "outer.zip"));
}

TEST_CASE("the bytes limit of one archive stops its listing and the next archive is listed") {
  TempDir dir("qoima-hw");
  Sh("set -e; cd '" + dir.path() + "'; mkdir tree; head -c 3000000 /dev/urandom > r.bin; tar czf tree/big.tgz r.bin" +
     "; printf small > s.txt; zip -q tree/small.zip s.txt");
  BuildImage(FsType::kIso9660, dir.Sub("tree"), dir.Sub("img"));
  LoopDevice loop(dir.Sub("img"));
  auto opt = TestReadOptions();
  opt.limits.archive_max_bytes = 1 << 20;
  CollectingSink sink;
  auto r = ReadMedia(loop.path(), opt, sink);
  INFO(r.status().ToString() << "\n" << sink.ProblemsText());
  REQUIRE(r.ok());
  auto stopped = Stopped(sink);
  REQUIRE(stopped.size() == 1);
  CHECK(stopped[0]->path == "big.tgz");
  CHECK(stopped[0]->limit == ArchiveLimit::kBytes);
  CHECK(stopped[0]->limit_value == 1u << 20);
  CHECK(sink.Find("big.tgz")->data == ReadFile(dir.Sub("tree/big.tgz")));
  CHECK(Has(MemberNames(*sink.Find("small.zip")), "s.txt"));
}

TEST_CASE("member limits: one archive stops at its own, the medium's budget stops the later archives") {
  TempDir dir("qoima-hw");
  Sh("set -e; cd '" + dir.path() + "'; mkdir tree; for f in 1 2 3 4 5; do printf $f > m$f.txt; done" +
     "; zip -q tree/a.zip m1.txt m2.txt; zip -q tree/b.zip m3.txt m4.txt; zip -q tree/c.zip m5.txt" +
     "; zip -q tree/d-many.zip m1.txt m2.txt m3.txt m4.txt m5.txt");
  BuildImage(FsType::kIso9660, dir.Sub("tree"), dir.Sub("img"));
  LoopDevice loop(dir.Sub("img"));
  {
    // Each archive at most 3 members: only d-many.zip stops.
    auto opt = TestReadOptions();
    opt.limits.archive_max_members = 3;
    CollectingSink sink;
    auto r = ReadMedia(loop.path(), opt, sink);
    INFO(r.status().ToString() << "\n" << sink.ProblemsText());
    REQUIRE(r.ok());
    auto stopped = Stopped(sink);
    REQUIRE(stopped.size() == 1);
    CHECK(stopped[0]->path == "d-many.zip");
    CHECK(stopped[0]->limit == ArchiveLimit::kMembers);
    CHECK(sink.Find("d-many.zip")->members.size() == 3);
    CHECK(sink.Find("a.zip")->members.size() == 2);
  }
  {
    // The medium's budget of 3 members: a.zip whole, b.zip in part, c.zip and d-many.zip not listed.
    auto opt = TestReadOptions();
    opt.limits.medium_archive_max_members = 3;
    CollectingSink sink;
    auto r = ReadMedia(loop.path(), opt, sink);
    INFO(r.status().ToString() << "\n" << sink.ProblemsText());
    REQUIRE(r.ok());
    auto stopped = Stopped(sink);
    REQUIRE(stopped.size() == 3);
    CHECK(stopped[0]->path == "b.zip");
    CHECK(stopped[1]->path == "c.zip");
    CHECK(stopped[2]->path == "d-many.zip");
    for (const auto* p : stopped) CHECK(p->limit == ArchiveLimit::kMediumMembers);
    CHECK(sink.Find("a.zip")->members.size() == 2);
    CHECK(sink.Find("b.zip")->members.size() == 1);
    CHECK(sink.Find("c.zip")->members.empty());
    for (const char* name : {"a.zip", "b.zip", "c.zip", "d-many.zip"})
      CHECK(sink.Find(name)->data == ReadFile(dir.Sub(std::string("tree/") + name)));
  }
}

TEST_CASE("path traversal and control characters in archive member names are reported") {
  TempDir dir("qoima-hw");
  Sh("mkdir -p '" + dir.Sub("tree") + "' && python3 -c \"import zipfile; z=zipfile.ZipFile('" +
     dir.Sub("tree/evil.zip") +
     "','w'); [z.writestr(n, 'x') for n in ['../../etc/evil', '/abs/path', 'ok/../../up', 'ctl\\x01\\x1b.txt', "
     "'fine.txt']]; z.close()\"");
  BuildImage(FsType::kExt4, dir.Sub("tree"), dir.Sub("img"));
  LoopDevice loop(dir.Sub("img"));
  CollectingSink sink;
  auto r = ReadMedia(loop.path(), TestReadOptions(), sink);
  INFO(r.status().ToString() << "\n" << sink.ProblemsText());
  REQUIRE(r.ok());  // listing only: nothing is extracted, the archive is stored as is
  int unsafe = 0;
  for (auto& p : sink.problems) unsafe += p.cls == ProblemClass::kUnsafeName ? 1 : 0;
  CHECK(unsafe >= 4);
  auto names = MemberNames(*sink.Find("evil.zip"));
  CHECK(Has(names, "../../etc/evil"));
  CHECK(Has(names, "ctl\\u{0001}\\u{001B}.txt"));
  CHECK(Has(names, "fine.txt"));
}

TEST_CASE("encrypted zip members are flagged, not an error") {
  TempDir dir("qoima-hw");
  WriteFile(dir.Sub("src/secret.txt"), "secret");
  Sh("mkdir -p '" + dir.Sub("tree") + "' && cd '" + dir.Sub("src") + "' && zip -q -P pass '" + dir.Sub("tree/enc.zip") +
     "' secret.txt");
  BuildImage(FsType::kExt4, dir.Sub("tree"), dir.Sub("img"));
  LoopDevice loop(dir.Sub("img"));
  CollectingSink sink;
  auto r = ReadMedia(loop.path(), TestReadOptions(), sink);
  REQUIRE(r.ok());
  const auto* e = sink.Find("enc.zip");
  REQUIRE(e != nullptr);
  REQUIRE(e->members.size() == 1);
  CHECK(e->members[0].encrypted);
  CHECK(sink.HasProblem(ProblemClass::kEncryptedEntry));
}
