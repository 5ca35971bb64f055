// Archives on the media: stored byte-exact, listed (never extracted) within
// limits; bombs, traversal names and encryption reported.
#include <catch2/catch.hpp>

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

TEST_CASE("a zip bomb is stopped by the ratio limit while listing") {
  TempDir dir("qoima-hw");
  Sh("mkdir -p '" + dir.Sub("tree") + "' && python3 -c \"import zipfile; z=zipfile.ZipFile('" +
     dir.Sub("tree/bomb.zip") +
     "','w',zipfile.ZIP_DEFLATED); z.writestr('zeros.bin', bytes(200*1024*1024)); z.close()\"");
  BuildImage(FsType::kExt4, dir.Sub("tree"), dir.Sub("img"));
  LoopDevice loop(dir.Sub("img"));
  CollectingSink sink;
  auto r = ReadMedia(loop.path(), TestReadOptions(), sink);
  INFO(r.status().ToString() << "\n" << sink.ProblemsText());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kLimitExceeded);
  CHECK(r.status().message().find("bomb") != std::string::npos);
}

TEST_CASE("the bytes-produced limit stops listing before the ratio does") {
  TempDir dir("qoima-hw");
  Sh("mkdir -p '" + dir.Sub("tree") + "' && head -c 3000000 /dev/urandom > '" + dir.Sub("r.bin") + "' && cd '" +
     dir.Sub(".") + "' && tar czf '" + dir.Sub("tree/big.tgz") + "' r.bin");
  BuildImage(FsType::kExt4, dir.Sub("tree"), dir.Sub("img"));
  LoopDevice loop(dir.Sub("img"));
  auto opt = TestReadOptions();
  opt.limits.archive_max_bytes = 1 << 20;
  CollectingSink sink;
  auto r = ReadMedia(loop.path(), opt, sink);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kLimitExceeded);
  CHECK(sink.HasProblem(ProblemClass::kLimitExceeded));
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
