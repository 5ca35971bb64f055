// libFuzzer target: the parent's frame decoder on arbitrary child output.
// The first byte chooses how the input is split across Feed() calls.
#include <cstddef>
#include <cstdint>
#include <span>

#include "hardware/frame_protocol.h"

namespace {

class NullSink : public qoima::hardware::MediaSink {
 public:
  qoima::Status OnEntry(const qoima::hardware::EntryHeader&) override { return {}; }
  qoima::Status OnData(std::span<const uint8_t>) override { return {}; }
  qoima::Status OnEntryEnd(bool) override { return {}; }
  qoima::Status OnArchiveMember(const qoima::hardware::ArchiveMember&) override { return {}; }
  qoima::Status OnProblem(const qoima::hardware::MediaProblem&) override { return {}; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t piece = 1 + data[0] % 64;
  NullSink sink;
  qoima::hardware::ReadLimits limits;
  limits.max_entries = 10000;
  qoima::hardware::FrameDecoder dec(sink, limits);
  for (size_t i = 1; i < size; i += piece) {
    size_t n = std::min(piece, size - i);
    if (!dec.Feed(std::span<const uint8_t>(data + i, n)).ok()) break;
  }
  (void)dec.AbortOpenEntry();
  return 0;
}
