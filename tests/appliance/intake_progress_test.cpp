// ProgressMediaSink: forwards everything to the collector, counts files and
// bytes against the act's totals, and a set cancel flag stops the read.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "appliance/intake_progress.h"
#include "appliance/media_collector.h"

using namespace qoima;
using namespace qoima::appliance;

namespace {

hardware::EntryHeader Entry(const std::string& path, uint64_t size, hardware::EntryType type) {
  hardware::EntryHeader h;
  h.raw_path = path;
  h.display_path = path;
  h.size = size;
  h.type = type;
  h.mtime_sec = 1700000000;
  return h;
}

std::span<const uint8_t> Bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

}  // namespace

TEST_CASE("progress counts files and bytes, forwards every entry, and reports the final counts") {
  DiscardingContentSink discard;
  MediaCollector collector(discard);
  std::vector<IntakeProgress> reports;
  IntakeWatch watch;
  watch.progress = [&reports](const IntakeProgress& p) { reports.push_back(p); };
  ProgressMediaSink sink(collector, watch, {0, 1, "/dev/sr0", 0, 2, 0, 9, ""});
  REQUIRE(reports.size() == 1);  // the totals show before the first byte
  CHECK(reports[0].files_total == 2);
  CHECK(reports[0].bytes_total == 9);
  CHECK(reports[0].files_done == 0);

  REQUIRE(sink.OnEntry(Entry("docs", 0, hardware::EntryType::kDirectory)).ok());
  REQUIRE(sink.OnEntryEnd(true).ok());
  REQUIRE(sink.OnEntry(Entry("docs/a.txt", 4, hardware::EntryType::kFile)).ok());
  REQUIRE(sink.OnData(Bytes("abcd")).ok());
  REQUIRE(sink.OnEntryEnd(true).ok());
  REQUIRE(sink.OnEntry(Entry("b.bin", 5, hardware::EntryType::kFile)).ok());
  REQUIRE(sink.OnData(Bytes("ef")).ok());
  REQUIRE(sink.OnData(Bytes("ghi")).ok());
  REQUIRE(sink.OnEntryEnd(true).ok());
  sink.Finish();
  // The collector saw every entry (the directory too).
  CHECK(collector.files().size() == 3);
  CHECK(collector.bytes() == 9);
  const IntakeProgress& last = reports.back();
  CHECK(last.files_done == 2);  // directories are not counted as files
  CHECK(last.bytes_done == 9);
  CHECK(last.current_path.empty());
  CHECK(last.device == "/dev/sr0");
  CHECK_FALSE(sink.cancelled());
}

TEST_CASE("reports are spaced by kProgressInterval while reading") {
  DiscardingContentSink discard;
  MediaCollector collector(discard);
  int reports = 0;
  IntakeWatch watch;
  watch.progress = [&reports](const IntakeProgress&) { ++reports; };
  ProgressMediaSink sink(collector, watch, {0, 1, "img", 0, 1, 0, 0, ""});
  REQUIRE(sink.OnEntry(Entry("f", 1000, hardware::EntryType::kFile)).ok());
  std::string one(1, 'x');
  for (int i = 0; i < 1000; ++i) REQUIRE(sink.OnData(Bytes(one)).ok());
  // 1000 chunks within far less than 100 ms x 1000: at most a few reports.
  CHECK(reports < 20);
  std::this_thread::sleep_for(kProgressInterval + std::chrono::milliseconds(20));
  int before = reports;
  REQUIRE(sink.OnEntryEnd(true).ok());
  CHECK(reports == before + 1);
}

TEST_CASE("a set cancel flag stops the read with kCancelled at the next callback") {
  DiscardingContentSink discard;
  MediaCollector collector(discard);
  std::atomic<bool> cancel{false};
  IntakeWatch watch;
  watch.cancel = &cancel;
  ProgressMediaSink sink(collector, watch, {0, 1, "/dev/sdb", 0, 1, 0, 0, ""});
  REQUIRE(sink.OnEntry(Entry("f", 4, hardware::EntryType::kFile)).ok());
  cancel = true;
  Status s = sink.OnData(Bytes("abcd"));
  CHECK(s.code() == Code::kCancelled);
  CHECK(s.message().find("/dev/sdb") != std::string::npos);
  CHECK(sink.cancelled());
}
