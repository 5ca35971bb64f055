// The parent's frame decoder: every violation of the protocol is refused with
// a "malformed frame" error, whatever way the bytes are split.
#include <catch2/catch.hpp>

#include "hardware/display_name.h"
#include "hardware/frame_protocol.h"
#include "tests/hardware/media_test_util.h"

using namespace qoima;
using namespace qoima::hardware;
using namespace qoima::testing;

namespace {

std::vector<uint8_t> Cat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

EntryHeader File(const std::string& path, uint64_t size) {
  EntryHeader h;
  h.raw_path = path;
  h.size = size;
  h.type = EntryType::kFile;
  h.mtime_sec = 1700000000;
  return h;
}

std::vector<uint8_t> Bytes(const std::string& s) { return {s.begin(), s.end()}; }

ReadSummary Totals(uint64_t entries, uint64_t files, uint64_t bytes) {
  ReadSummary s;
  s.filesystem = "ext4";
  s.entries = entries;
  s.files = files;
  s.data_bytes = bytes;
  return s;
}

Status FeedAll(FrameDecoder& d, const std::vector<uint8_t>& bytes, size_t piece) {
  for (size_t i = 0; i < bytes.size(); i += piece) {
    size_t n = std::min(piece, bytes.size() - i);
    QOIMA_RETURN_IF_ERROR(d.Feed(std::span<const uint8_t>(bytes.data() + i, n)));
  }
  return Status::Ok();
}

}  // namespace

TEST_CASE("a valid stream decodes identically whatever the split") {
  auto data = Bytes("hello, world");
  auto stream = Cat({FrameEncoder::Entry(File("dir/файл.txt", data.size())), FrameEncoder::Data(data),
                     FrameEncoder::EntryEnd(true), FrameEncoder::End(Totals(1, 1, data.size()))});
  for (size_t piece : {1, 3, 12, 13, 1000}) {
    CollectingSink sink;
    FrameDecoder d(sink, ReadLimits{});
    REQUIRE(FeedAll(d, stream, piece).ok());
    CHECK(d.finished());
    REQUIRE(sink.entries.size() == 1);
    CHECK(sink.entries[0].header.display_path == "dir/файл.txt");
    CHECK(sink.entries[0].data == "hello, world");
    CHECK(sink.entries[0].complete);
    CHECK(d.summary().filesystem == "ext4");
  }
}

TEST_CASE("protocol violations are malformed frames") {
  auto data = Bytes("abc");
  struct Case {
    const char* what;
    std::vector<uint8_t> stream;
  };
  std::vector<uint8_t> bad_magic = FrameEncoder::EntryEnd(true);
  bad_magic[0] ^= 1;
  auto huge_header = FrameEncoder::Header(FrameType::kData, kMaxFramePayload + 1);
  std::vector<uint8_t> huge(huge_header.begin(), huge_header.end());
  std::vector<uint8_t> bad_type = FrameEncoder::EntryEnd(true);
  bad_type[4] = 99;
  std::vector<uint8_t> reserved = FrameEncoder::EntryEnd(true);
  reserved[6] = 1;
  std::vector<uint8_t> trailing = FrameEncoder::EntryEnd(true);
  trailing[8] = 2;  // declares 2 payload bytes, the second is junk
  trailing.push_back(0);
  for (const auto& c : std::vector<Case>{
           {"bad magic", bad_magic},
           {"oversized payload", huge},
           {"unknown type", bad_type},
           {"reserved bytes", reserved},
           {"data outside an entry", FrameEncoder::Data(data)},
           {"entry end outside an entry", FrameEncoder::EntryEnd(true)},
           {"more data than declared", Cat({FrameEncoder::Entry(File("a", 2)), FrameEncoder::Data(data)})},
           {"complete with missing bytes",
            Cat({FrameEncoder::Entry(File("a", 4)), FrameEncoder::Data(data), FrameEncoder::EntryEnd(true)})},
           {"entry inside an entry", Cat({FrameEncoder::Entry(File("a", 3)), FrameEncoder::Entry(File("b", 3))})},
           {"end inside an entry", Cat({FrameEncoder::Entry(File("a", 3)), FrameEncoder::End(Totals(1, 1, 0))})},
           {"end totals disagree", FrameEncoder::End(Totals(5, 0, 0))},
           {"frame after end", Cat({FrameEncoder::End(Totals(0, 0, 0)), FrameEncoder::EntryEnd(true)})},
           {"trailing payload bytes", Cat({FrameEncoder::Entry(File("a", 0)), trailing})},
           {"member outside an entry", FrameEncoder::Member(ArchiveMember{})},
           {"listing stopped without a limit",
            FrameEncoder::Problem({ProblemClass::kArchiveListingStopped, "stopped", "a.zip", -1})},
           {"a limit on another class",
            FrameEncoder::Problem({ProblemClass::kArchiveUnreadable, "x", "a.zip", -1, ArchiveLimit::kRatio, 200})},
           {"an unknown limit", [] {
              auto f = FrameEncoder::Problem(
                  {ProblemClass::kArchiveListingStopped, "x", "a.zip", -1, ArchiveLimit::kRatio, 200});
              f[f.size() - 9] = kMaxArchiveLimit + 1;  // the limit byte, before the u64 value
              return f;
            }()},
       }) {
    CollectingSink sink;
    FrameDecoder d(sink, ReadLimits{});
    Status st = d.Feed(c.stream);
    INFO(c.what << ": " << st.ToString());
    CHECK_FALSE(st.ok());
    CHECK(st.message().rfind("malformed frame", 0) == 0);
    CHECK_FALSE(d.Feed(FrameEncoder::End(Totals(0, 0, 0))).ok());  // refuses after failure
  }
}

TEST_CASE("the decoder derives display names and flags itself, whatever the child claims") {
  CollectingSink sink;
  FrameDecoder d(sink, ReadLimits{});
  EntryHeader lie = File("x", 0);
  lie.flags = kEntryNameCollision;  // only the parent may set this
  CHECK_FALSE(d.Feed(FrameEncoder::Entry(lie)).ok());

  CollectingSink sink2;
  FrameDecoder d2(sink2, ReadLimits{});
  auto h = File("../up\xff", 0);
  h.display_path = "innocent.txt";
  REQUIRE(d2.Feed(Cat({FrameEncoder::Entry(h), FrameEncoder::EntryEnd(true)})).ok());
  CHECK(sink2.entries[0].header.display_path == "../up\\xff");
  CHECK(sink2.HasProblem(ProblemClass::kUnsafeName));
  CHECK(sink2.HasProblem(ProblemClass::kNonUtf8Name));
}

TEST_CASE("a stopped archive listing names its limit across the pipe and is not fatal") {
  CollectingSink sink;
  FrameDecoder d(sink, ReadLimits{});
  MediaProblem p{ProblemClass::kArchiveListingStopped,
                 "archive nested deeper than 6 levels not listed: a\x1b.zip",
                 "app.ear",
                 -1,
                 ArchiveLimit::kDepth,
                 6};
  REQUIRE(d.Feed(Cat({FrameEncoder::Entry(File("app.ear", 0)), FrameEncoder::Problem(p), FrameEncoder::EntryEnd(true),
                      FrameEncoder::End(Totals(1, 1, 0))}))
              .ok());
  REQUIRE(sink.problems.size() == 1);
  CHECK(sink.problems[0].cls == ProblemClass::kArchiveListingStopped);
  CHECK(sink.problems[0].limit == ArchiveLimit::kDepth);
  CHECK(sink.problems[0].limit_value == 6);
  CHECK(sink.problems[0].path == "app.ear");
  CHECK(sink.problems[0].message.find("a\\u{001B}.zip") != std::string::npos);  // the child's text, escaped
  CHECK_FALSE(d.summary().fatal);
  CHECK_FALSE(IsFatalProblem(ProblemClass::kArchiveListingStopped));
  CHECK(ArchiveLimitName(ArchiveLimit::kMediumBytes) == "medium_archive_bytes");
}

TEST_CASE("unsafe names say what makes them unsafe") {
  CollectingSink sink;
  FrameDecoder d(sink, ReadLimits{});
  REQUIRE(d.Feed(Cat({FrameEncoder::Entry(File("../x", 0)), FrameEncoder::EntryEnd(true),
                      FrameEncoder::Entry(File("c\x01.txt", 0)), FrameEncoder::EntryEnd(true),
                      FrameEncoder::Entry(File("r\xE2\x80\xAE.txt", 0)), FrameEncoder::EntryEnd(true)}))
              .ok());
  std::vector<UnsafeNameKind> kinds;
  for (const auto& p : sink.problems)
    if (p.cls == ProblemClass::kUnsafeName) kinds.push_back(p.unsafe);
  CHECK(kinds == std::vector<UnsafeNameKind>{UnsafeNameKind::kTraversal, UnsafeNameKind::kControlCharacters,
                                             UnsafeNameKind::kHiddenCharacters});
}

TEST_CASE("the parent enforces the entry limit even against a lying child") {
  ReadLimits lim;
  lim.max_entries = 2;
  CollectingSink sink;
  FrameDecoder d(sink, lim);
  std::vector<uint8_t> s;
  for (int i = 0; i < 3; ++i)
    s = Cat({s, FrameEncoder::Entry(File("f" + std::to_string(i), 0)), FrameEncoder::EntryEnd(true)});
  Status st = d.Feed(s);
  CHECK_FALSE(st.ok());
  CHECK(sink.entries.size() == 2);
}

TEST_CASE("display names: NFC, escapes, traversal shapes") {
  CHECK(DisplayName("\xd0\xb8\xcc\x86").text == "\xd0\xb9");  // NFD й -> NFC
  CHECK(DisplayName("a\xff").text == "a\\xff");
  CHECK(DisplayName("a\xff").non_utf8);
  CHECK(DisplayName(std::string("a\0b", 3)).text == "a\\u{0000}b");
  CHECK(DisplayName("tab\there").control);
  CHECK(DisplayName("a\\xff").text == "a\\\\xff");     // a literal backslash cannot imitate an escape
  CHECK(DisplayName("\xc2\x85").text == "\\u{0085}");  // C1 control NEL: the character, in VisibleText's notation
  // Bidi controls and invisible characters stay in the name (the act may
  // list it, the store keeps it) and are flagged; the fronts escape them.
  auto rlo = DisplayName(
      "invoice\xE2\x80\xAE"
      "fdp.exe");
  CHECK(rlo.text ==
        "invoice\xE2\x80\xAE"
        "fdp.exe");
  CHECK(rlo.format);
  CHECK_FALSE(rlo.control);
  CHECK(DisplayName("zw\xE2\x80\x8Bsp").format);
  CHECK(DisplayName("ls\xE2\x80\xA8").format);
  CHECK_FALSE(DisplayName("Қазақ тілі.txt").format);
  CHECK(CheckPathSafety("a/b").empty());
  CHECK(CheckPathSafety("/etc/passwd") == "absolute path");
  CHECK(CheckPathSafety("a/../b") == "'..' component");
  CHECK(CheckPathSafety("a//b") == "empty path component");
  CHECK(CheckPathSafety("./a") == "'.' component");
  std::string huge(kMaxDisplayInputBytes + 10, 'x');
  CHECK(DisplayName(huge).text.size() == kMaxDisplayInputBytes + 3);
}

TEST_CASE("the name set tells a name seen before from 200k new ones") {
  qoima::hardware::NameSet names;
  for (int i = 0; i < 200000; ++i)
    REQUIRE(names.Insert("src/dir" + std::to_string(i / 100) + "/f" + std::to_string(i)));
  CHECK(names.size() == 200000);
  CHECK_FALSE(names.Insert("src/dir7/f777"));
  CHECK_FALSE(names.Insert("src/dir1999/f199999"));
  CHECK(names.Insert("src/dir7/f7770"));
  CHECK(names.Insert(""));
  CHECK_FALSE(names.Insert(""));
  CHECK(names.size() == 200002);
}
