#include <catch2/catch.hpp>

#include "appliance/media_collector.h"
#include "crypto/hash.h"

using namespace qoima;
using namespace qoima::appliance;

namespace {

hardware::EntryHeader File(const std::string& path, uint64_t size) {
  hardware::EntryHeader h;
  h.raw_path = path;
  h.display_path = path;
  h.size = size;
  h.type = hardware::EntryType::kFile;
  h.mtime_sec = 1700000000;
  return h;
}

std::span<const uint8_t> Bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

// Records what reaches it and hashes like the store's writer does.
class RecordingSink final : public ContentSink {
 public:
  bool HashesContent() const override { return true; }
  Status BeginFile(const hardware::EntryHeader& h) override {
    begun.push_back(h.display_path);
    hasher.emplace();
    return Status::Ok();
  }
  Status Write(std::span<const uint8_t> chunk) override {
    hasher->Update(chunk);
    return Status::Ok();
  }
  Result<std::optional<crypto::Sha256Digest>> EndFile(bool complete) override {
    ends.push_back(complete);
    auto d = hasher->Finish();
    hasher.reset();
    if (!complete) return std::optional<crypto::Sha256Digest>();
    return std::optional<crypto::Sha256Digest>(d);
  }
  std::vector<std::string> begun;
  std::vector<bool> ends;
  std::optional<crypto::Sha256> hasher;
};

}  // namespace

TEST_CASE("the collector hashes each file once and records what the medium held") {
  DiscardingContentSink discard;
  MediaCollector c(discard);
  REQUIRE(c.OnEntry(File("a.txt", 5)).ok());
  REQUIRE(c.OnData(Bytes("he")).ok());
  REQUIRE(c.OnData(Bytes("llo")).ok());
  REQUIRE(c.OnEntryEnd(true).ok());
  hardware::EntryHeader dir;
  dir.display_path = dir.raw_path = "src";
  dir.type = hardware::EntryType::kDirectory;
  REQUIRE(c.OnEntry(dir).ok());
  REQUIRE(c.OnEntryEnd(true).ok());
  hardware::EntryHeader latin1 = File("caf\xe9.txt", 0);  // raw bytes that are not UTF-8
  latin1.display_path = "café.txt";
  REQUIRE(c.OnEntry(latin1).ok());
  REQUIRE(c.OnEntryEnd(true).ok());
  REQUIRE(c.files().size() == 3);
  CHECK(c.files()[0].sha256 == crypto::Hex(crypto::Sha256::Digest(std::string_view("hello"))));
  CHECK(c.files()[0].readable);
  CHECK(c.files()[1].type == ObservedType::kDirectory);
  CHECK(c.bytes() == 5);
  // The raw name is kept only when it differs from the display name.
  CHECK(c.files()[0].raw_path.empty());
  CHECK(c.files()[0].RawPath() == "a.txt");
  CHECK(c.files()[2].raw_path == "caf\xe9.txt");
  CHECK(c.files()[2].RawPath() == "caf\xe9.txt");
}

TEST_CASE("a store sink's digest is used and a short read marks the file unreadable") {
  RecordingSink sink;
  MediaCollector c(sink);
  REQUIRE(c.OnEntry(File("ok.bin", 3)).ok());
  REQUIRE(c.OnData(Bytes("abc")).ok());
  REQUIRE(c.OnEntryEnd(true).ok());
  REQUIRE(c.OnEntry(File("bad.bin", 10)).ok());
  REQUIRE(c.OnData(Bytes("abcd")).ok());
  hardware::MediaProblem p{hardware::ProblemClass::kUnreadableSector, "I/O error", "bad.bin", 8192};
  REQUIRE(c.OnProblem(p).ok());
  REQUIRE(c.OnEntryEnd(false).ok());
  hardware::MediaProblem whole{hardware::ProblemClass::kParserTimeout, "reader timed out", "", -1};
  REQUIRE(c.OnProblem(whole).ok());
  CHECK(c.files()[0].sha256 == crypto::Hex(crypto::Sha256::Digest(std::string_view("abc"))));
  CHECK_FALSE(c.files()[1].readable);
  CHECK(c.files()[1].problem.find("offset 8192") != std::string::npos);
  CHECK(c.files()[1].sha256.empty());
  CHECK(sink.ends == std::vector<bool>{true, false});
  REQUIRE(c.medium_problems().size() == 1);
  CHECK(c.medium_problems()[0].find("reader timed out") != std::string::npos);
}

TEST_CASE("the collector refuses data outside a file (a confused reader)") {
  DiscardingContentSink discard;
  MediaCollector c(discard);
  CHECK(c.OnData(Bytes("x")).code() == Code::kInternal);
}

TEST_CASE("a streaming collector hands each entry on once nothing more can come for it") {
  RecordingSink sink;
  MediaCollector c(sink);
  std::vector<ObservedFile> seen;
  c.StreamTo([&](const ObservedFile& f) { seen.push_back(f); });
  REQUIRE(c.OnEntry(File("a.txt", 5)).ok());
  REQUIRE(c.OnData(Bytes("hello")).ok());
  REQUIRE(c.OnEntryEnd(true).ok());
  CHECK(seen.empty());  // a problem may still follow for it
  hardware::MediaProblem late{hardware::ProblemClass::kCorruptFilesystem, "bad run list", "a.txt", -1};
  REQUIRE(c.OnProblem(late).ok());
  REQUIRE(c.OnEntry(File("b.txt", 10)).ok());
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].path == "a.txt");
  CHECK_FALSE(seen[0].readable);
  CHECK(seen[0].problem.find("bad run list") != std::string::npos);
  CHECK(c.files().size() == 1);  // only the entry being read
  // A problem for an entry already handed on is the medium's when fatal.
  hardware::MediaProblem earlier{hardware::ProblemClass::kCorruptFilesystem, "bad directory", "a.txt", -1};
  REQUIRE(c.OnProblem(earlier).ok());
  REQUIRE(c.medium_problems().size() == 1);
  CHECK(c.medium_problems()[0].find("bad directory") != std::string::npos);
  // The read stopped inside b.txt: Flush ends it as unreadable and the sink drops it.
  REQUIRE(c.OnData(Bytes("abcd")).ok());
  c.Flush();
  REQUIRE(seen.size() == 2);
  CHECK(seen[1].path == "b.txt");
  CHECK_FALSE(seen[1].readable);
  CHECK(seen[1].problem == "read stopped after 4 of 10 bytes");
  CHECK(sink.ends == std::vector<bool>{true, false});
  CHECK(c.files().empty());
  c.Flush();
  CHECK(seen.size() == 2);
}

TEST_CASE("every non-fatal problem is a finding: listed up to the limit and counted exactly") {
  using hardware::ProblemClass;
  DiscardingContentSink discard;
  MediaCollector c(discard);
  REQUIRE(c.OnEntry(File("evil.zip", 0)).ok());
  hardware::MediaProblem traversal{ProblemClass::kUnsafeName, "unsafe archive member path: '..' component",
                                   "evil.zip -> ../../x", -1};
  traversal.unsafe = hardware::UnsafeNameKind::kTraversal;
  hardware::MediaProblem stopped{ProblemClass::kArchiveListingStopped,
                                 "archive nested deeper than 6 levels",
                                 "evil.zip",
                                 -1,
                                 hardware::ArchiveLimit::kDepth,
                                 6};
  REQUIRE(c.OnProblem(traversal).ok());
  REQUIRE(c.OnProblem(stopped).ok());
  REQUIRE(c.OnProblem({ProblemClass::kEncryptedEntry, "archive member is encrypted", "evil.zip -> s.txt", -1}).ok());
  REQUIRE(c.OnProblem({ProblemClass::kArchiveUnreadable, "archive could not be fully listed", "evil.zip", -1}).ok());
  REQUIRE(c.OnProblem({ProblemClass::kNameCollision, "same name after NFC", "й.txt", -1}).ok());
  REQUIRE(c.OnProblem({ProblemClass::kNonUtf8Name, "not UTF-8", "\\xff.txt", -1}).ok());
  CHECK(c.medium_problems().empty());  // none of them is a problem of the medium
  const MediaFindings& f = c.findings();
  REQUIRE(f.listed().size() == 6);
  CHECK(f.listed()[0].unsafe == hardware::UnsafeNameKind::kTraversal);
  CHECK(f.listed()[1].limit == hardware::ArchiveLimit::kDepth);
  CHECK(f.listed()[1].limit_value == 6);
  CHECK(f.Summary() ==
        "1 name_collision, 1 non_utf8_name, 1 unsafe_name, 1 archive_unreadable, 1 encrypted_entry, "
        "1 archive_listing_stopped");

  // A medium of many odd names: a thousand listed, every one counted.
  for (size_t i = 0; i < kMaxListedFindings + 500; ++i)
    REQUIRE(c.OnProblem({ProblemClass::kUnsafeName, "control characters", "n" + std::to_string(i), -1}).ok());
  CHECK(f.listed().size() == kMaxListedFindings);
  CHECK(f.total() == kMaxListedFindings + 506);
  CHECK(f.unlisted() == 506);
  CHECK(f.Count(ProblemClass::kUnsafeName) == kMaxListedFindings + 501);

  // The evidence keeps them and reads them back the same.
  nlohmann::json medium = nlohmann::json::object();
  AddFindingsJson(medium, f);
  CHECK(medium["findings"].size() == kMaxListedFindings);
  CHECK(medium["findings_unlisted"] == 506);
  CHECK(medium["finding_counts"]["unsafe_name"] == kMaxListedFindings + 501);
  CHECK(medium["findings"][0]["kind"] == "traversal");
  CHECK(medium["findings"][1]["limit"] == "archive_depth");
  CHECK(medium["findings"][1]["limit_value"] == 6);
  MediaFindings back = FindingsFromJson(nlohmann::json::parse(medium.dump()));
  CHECK(back.listed().size() == kMaxListedFindings);
  CHECK(back.total() == f.total());
  CHECK(back.Count(ProblemClass::kUnsafeName) == f.Count(ProblemClass::kUnsafeName));
  CHECK(back.listed()[0].path == "evil.zip -> ../../x");
  CHECK(back.listed()[1].limit == hardware::ArchiveLimit::kDepth);
  CHECK(back.listed()[2].cls == ProblemClass::kEncryptedEntry);

  // Evidence recorded before findings kept its flagged names as name_flags.
  auto old = nlohmann::json::parse(R"({"name_flags":[{"path":"a\u202eb","shown":"a\\u{202E}b","reason":"r"}],
                                       "name_flags_unlisted":4})");
  MediaFindings legacy = FindingsFromJson(old);
  REQUIRE(legacy.listed().size() == 1);
  CHECK(legacy.listed()[0].cls == ProblemClass::kUnsafeName);
  CHECK(legacy.total() == 5);
}
